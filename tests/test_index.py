"""The model's index (ngramlm.core.index.NgramIndex) against the slow dictionary recursion of reference_backoff, on
random models with missing suffixes and context-only (NaN) entries, in each of its arithmetics; and every
consumer of a model reaching its n-grams through the one index the model owns."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handmade import katz_bigram_model
from ngramlm.core.index import FLOAT64, KENLM, PAD, SRILM, NgramIndex
from ngramlm.core.model import BackoffModel
from ngramlm.core.scorer import Scorer
from ngramlm.core.vocab import BOS, EOS, UNK_ID, Vocabulary
from ngramlm.formats.fst import write_fst
from ngramlm.models.cache import CacheScorer
from ngramlm.use.generate import SentenceSampler
from ngramlm.use.mix import Mixture, mix_models
from ngramlm.use.prune import prune_entropy, prune_low_probs
from ngramlm.use.scoring import BackoffScorer
from reference_backoff import logprob_ids, table

WORDS = 6  # ids 3..5 are words, 0..2 are <unk>, <s>, </s>; id 6 is unknown to every model


@st.composite
def random_models(draw, context_only: bool = False):
    """Trigram models over a few ids whose n-grams have their prefixes but often lack their suffixes, with
    log-probabilities including ARPA's -99; with `context_only`, some n-grams that prefix a longer one are
    contexts only (NaN log-probability)."""
    ids = list(range(WORDS))
    trigrams = draw(st.sets(st.tuples(*[st.sampled_from(ids)] * 3), max_size=12))
    bigrams = draw(st.sets(st.tuples(*[st.sampled_from(ids)] * 2), max_size=12)) | {g[:2] for g in trigrams}
    unigrams = draw(st.sets(st.sampled_from(ids), min_size=1)) | {g[:1] for g in bigrams}
    unigrams = {g if isinstance(g, tuple) else (g,) for g in unigrams}
    values = st.one_of(st.floats(-3.0, 0.0, allow_nan=False), st.just(-99.0))
    entries = {g: (draw(values), draw(values)) for g in sorted(unigrams | bigrams | set(trigrams))}
    if context_only:
        prefixes = sorted({g[:-1] for g in entries if len(g) > 1})
        for g in draw(st.lists(st.sampled_from(prefixes), unique=True)) if prefixes else []:
            entries[g] = (math.nan, entries[g][1])
    vocab = Vocabulary()
    for w in range(3, WORDS):
        vocab.add(f"w{w}")
    order = max(len(g) for g in entries)
    grams = [np.array(sorted(g for g in entries if len(g) == n), dtype=np.uint32).reshape(-1, n)
             for n in range(1, order + 1)]
    return BackoffModel(vocab, grams, [np.array([entries[tuple(r)][0] for r in g.tolist()]) for g in grams],
                        [np.array([entries[tuple(r)][1] for r in g.tolist()]) for g in grams])


queries = st.lists(st.tuples(st.integers(0, 2), *[st.integers(0, WORDS)] * 3), min_size=1, max_size=30)


def _as_arrays(query_list):
    """(words, histories) with PAD before a shorter history."""
    grams = np.array([q[1:] for q in query_list], dtype=np.uint32)
    for row, (padding, *_) in zip(grams, query_list):
        row[:padding] = PAD
    return grams[:, -1], grams[:, :-1]


def _history(row) -> list[int]:
    return [int(w) for w in row if w != PAD]


def _log32(value: float) -> np.float32:
    return np.float32(-np.inf) if value <= -99.0 else np.float32(value)


def srilm_reference(model, word: int, context: list[int]) -> tuple[float, int]:
    """SRILM's Ngram::wordProbBO in float32: descend the context trie from the most recent word, restarting the
    sum of weights at each explicit probability; every suffix of a context is a node of the trie."""
    entries = table(model)
    recent = list(reversed(context[max(0, len(context) - (model.order - 1)):]))
    logp, bow, found = np.float32(-np.inf), np.float32(0), 0
    for depth in range(len(recent) + 1):
        entry = entries.get(tuple(reversed(recent[:depth])) + (word,))
        if entry is not None and not math.isnan(entry[0]):
            logp, bow, found = _log32(entry[0]), np.float32(0), depth + 1
        if depth == len(recent):
            break
        context_entry = entries.get(tuple(reversed(recent[:depth + 1])))
        bow = np.float32(bow + (_log32(context_entry[1]) if context_entry is not None else np.float32(0)))
    return np.float32(logp + bow), found


def kenlm_reference(model, word: int, context: list[int]) -> tuple[float, int]:
    """KenLM's FullScore arithmetic: the probability, then each longer context's weight added in turn; <unk>
    missing from the model gets -100."""
    entries = table(model)
    recent = list(reversed(context[max(0, len(context) - (model.order - 1)):]))
    _, found = logprob_ids(model, word, context)
    if found == 0 and word == UNK_ID:
        logp, found = np.float32(-100.0), 1
    elif found == 0:
        return np.float32(-np.inf), 0
    else:
        logp = _log32(entries[tuple(reversed(recent[:found - 1])) + (word,)][0])
    for depth in range(found, len(recent) + 1):
        context_entry = entries.get(tuple(reversed(recent[:depth])))
        if context_entry is not None:
            logp = np.float32(logp + _log32(context_entry[1]))
    return logp, found


@settings(max_examples=40, deadline=None)
@given(random_models(context_only=True), queries)
def test_float64_recursion_matches_the_reference_with_context_only_entries(model, query_list):
    words, histories = _as_arrays(query_list)
    logp, matched = model.index.score(words, histories, FLOAT64)
    for word, history, value, length in zip(words.tolist(), histories, logp, matched):
        expected, expected_length = logprob_ids(model, word, _history(history))
        assert length == expected_length
        assert value == pytest.approx(expected, abs=1e-12) or value == expected == -np.inf


@settings(max_examples=40, deadline=None)
@given(random_models(), queries)
def test_srilm_arithmetic_matches_wordprobbo_bit_for_bit(model, query_list):
    words, histories = _as_arrays(query_list)
    logp, matched = model.index.score(words, histories, SRILM)
    assert logp.dtype == np.float32
    for word, history, value, length in zip(words.tolist(), histories, logp, matched):
        expected, expected_length = srilm_reference(model, word, _history(history))
        assert (length, value) == (expected_length, expected) or (np.isneginf(value) and np.isneginf(expected))


@settings(max_examples=40, deadline=None)
@given(random_models(), queries)
def test_kenlm_arithmetic_adds_weights_one_by_one_and_scores_missing_unk(model, query_list):
    words, histories = _as_arrays(query_list)
    logp, matched = model.index.score(words, histories, KENLM)
    for word, history, value, length in zip(words.tolist(), histories, logp, matched):
        expected, expected_length = kenlm_reference(model, word, _history(history))
        assert (length, value) == (expected_length, expected) or (np.isneginf(value) and np.isneginf(expected))


@settings(max_examples=40, deadline=None)
@given(random_models(context_only=True), st.lists(st.integers(0, WORDS), max_size=3),
       st.sampled_from([FLOAT64, SRILM, KENLM]))
def test_distribution_is_the_recursion_for_every_word(model, context, arithmetic):
    index = model.index
    logp = index.distribution(context, arithmetic)
    words = np.arange(index.vocab_size)
    history = np.tile(np.array(context, dtype=np.int64), (len(words), 1)).reshape(len(words), len(context))
    np.testing.assert_array_equal(logp, index.score(words, history, arithmetic)[0])


@settings(max_examples=40, deadline=None)
@given(random_models())
def test_rows_children_and_parents_agree_with_the_arrays(model):
    index = model.index
    for k, grams in enumerate(model.ngrams):
        np.testing.assert_array_equal(index.rows(grams), np.arange(len(grams)))
        if k:
            parents = index.parent_rows(k + 1)
            np.testing.assert_array_equal(model.ngrams[k - 1][parents], grams[:, :-1])
            for row in np.unique(parents):
                children = index.children(k, int(row))
                assert np.all(parents[children] == row) and (children.stop - children.start) == np.sum(parents == row)


@settings(max_examples=40, deadline=None)
@given(random_models())
def test_an_index_built_order_by_order_with_inserted_contexts_matches_the_models(model):
    """Estimation's way of building: each order's missing prefixes become context-only rows, then are filled."""
    index = NgramIndex(model.index.vocab_size)
    for k, grams in enumerate(model.ngrams):
        keep = np.arange(len(grams)) % 2 == 0 if k < model.order - 1 else np.ones(len(grams), dtype=bool)
        index.add_order(grams[keep], model.logprob[k][keep], model.logbow[k][keep]) if k == 0 else None
        if k:
            index.add_contexts(grams[keep])
            index.add_order(grams[keep], model.logprob[k][keep], model.logbow[k][keep])
    for k, grams in enumerate(index.ngrams):
        np.testing.assert_array_equal(index.rows(grams), np.arange(len(grams)))
        if k:
            np.testing.assert_array_equal(index.ngrams[k - 1][index.parent_rows(k + 1)], grams[:, :-1])


def _bigram_model():
    return katz_bigram_model({"a": 0.3, "b": 0.3, "c": 0.2, EOS: 0.2},
                             {(BOS, "a"): 0.5, (BOS, "b"): 0.3, ("a", "b"): 0.5, ("a", EOS): 0.3, ("b", EOS): 0.7})


def test_every_consumer_shares_the_index_the_model_owns(monkeypatch):
    built = []
    original = NgramIndex.of.__func__

    def counting(cls, model):
        built.append(model)
        return original(cls, model)

    monkeypatch.setattr(NgramIndex, "of", classmethod(counting))
    model = _bigram_model()
    a, b = model.vocab.id("a"), model.vocab.id("b")
    scorers = [BackoffScorer(model), BackoffScorer(model, arithmetic="kenlm"), Mixture([model, model], [0.5, 0.5])]
    for scorer in scorers + [CacheScorer(scorers[0], size=10)]:
        assert isinstance(scorer, Scorer)
        scorer.score(b, [a])
    assert all(s.index is model.index for s in scorers[:2] + scorers[2]._scorers)
    SentenceSampler(model, seed=1).sample_sentence()
    write_fst(model, io.StringIO(), io.StringIO())
    mix_models([model, model], [0.5, 0.5])
    prune_entropy(model, 1e-3)
    prune_low_probs(model)
    assert [m for m in built if m is model] == [model]
    assert model.word_logprob("b", ["a"]) == pytest.approx(math.log10(0.5))
