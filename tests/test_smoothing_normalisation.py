"""Every estimated model is a proper distribution: for every context (seen or not), the probabilities of all the
words it can predict (the vocabulary with </s>, without <s>, with <unk> only in an open-vocabulary model) sum to
one. Probabilities come from reference_backoff.logprob_ids, the slow reference scorer, not from the estimator."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramlm.counting.corpus_count import count_sentences
from ngramlm.smoothing import METHODS, estimate
from ngramlm.core.vocab import BOS, BOS_ID, EOS, UNK, UNK_ID, Vocabulary
from reference_backoff import logprob_ids

INTERPOLATING = {"witten-bell", "absolute", "kneser-ney", "modified-kneser-ney"}


def random_corpus(seed: int, words: int = 6, sentences: int = 40) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(words)] + [UNK]
    # Zipf-like word frequencies, so that count-of-counts look like natural text's.
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    weights /= weights.sum()
    return [[BOS, *rng.choice(vocabulary, size=rng.integers(1, 9), p=weights).tolist(), EOS]
            for _ in range(sentences)]


def assert_normalised(model, unk: bool, tolerance: float = 1e-6):
    predicted = [w for w in range(len(model.vocab)) if w != BOS_ID and (unk or w != UNK_ID)]
    contexts = {()}
    for grams in model.ngrams[:-1]:
        contexts.update(map(tuple, grams.tolist()))
    # Contexts the model has never seen, too (they back off all the way).
    contexts.update(itertools.product(predicted[:3], repeat=model.order - 1))
    for context in contexts:
        if context and context[-1] in (model.vocab.id(EOS),):
            continue
        total = sum(10.0 ** logprob_ids(model, w, list(context))[0] for w in predicted)
        assert total == pytest.approx(1.0, abs=tolerance), f"context {model.vocab.decode(context)} sums to {total}"


CASES = [(method, interpolate, unk)
         for method in METHODS
         for interpolate in ((False, True) if method in INTERPOLATING else (False,))
         for unk in (True, False)]


@pytest.mark.parametrize("method, interpolate, unk", CASES)
@pytest.mark.parametrize("order", [2, 3])
def test_every_context_sums_to_one(method, interpolate, unk, order):
    counts = count_sentences(random_corpus(seed=order), order, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small data: some discounts fall back, which is tested elsewhere
        model = estimate(counts, method, interpolate=interpolate, unk=unk, delta=0.5)
    model.validate()
    assert model.has_unk() == unk
    assert_normalised(model, unk)


def test_per_order_methods_sum_to_one():
    counts = count_sentences(random_corpus(seed=7), 3, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = estimate(counts, ["witten-bell", "modified-kneser-ney", "absolute"], interpolate={2: True},
                         unk=True, gtmin=1)
    assert_normalised(model, unk=True)


def test_words_of_a_closed_vocabulary_never_seen_share_the_left_over_mass():
    vocab = Vocabulary(["w0", "w1", "w2", "never"], closed=True)
    counts = count_sentences(random_corpus(seed=3, words=3), 2, vocab)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = estimate(counts, "witten-bell", unk=False)
    assert model.word_logprob("never") > -10
    assert_normalised(model, unk=False)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), method=st.sampled_from(sorted(INTERPOLATING)), interpolate=st.booleans())
def test_random_small_corpora_give_normalised_trigram_models(seed, method, interpolate):
    counts = count_sentences(random_corpus(seed, words=4, sentences=12), 3, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = estimate(counts, method, interpolate=interpolate, unk=True, gtmin=1)
    assert_normalised(model, unk=True)


@pytest.mark.parametrize("method", sorted(INTERPOLATING))
def test_text_without_sentence_starts_sums_to_one(method):
    # Without <s> (ngram-count -no-sos), words that only begin sentences have Kneser-Ney continuation count 0.
    corpus = [sentence[1:] for sentence in random_corpus(seed=9)]
    counts = count_sentences(corpus, 3, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = estimate(counts, method, interpolate=True, unk=True, gtmin=1)
    assert_normalised(model, unk=True)
