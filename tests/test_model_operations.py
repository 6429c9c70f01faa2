"""BackoffModel's operations (ngramlm.core.operations): SRILM's -order, -tolower and -limit-vocab, and a model
re-expressed over another vocabulary; and -renorm (ngramlm.smoothing.backoff_weights.renormalize). Each against a
small model worked by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ngramlm.core.errors import ModelError
from ngramlm.core.model import BackoffModel
from ngramlm.core.vocab import BOS, EOS, UNK, Vocabulary
from ngramlm.smoothing.backoff_weights import renormalize

# A trigram model over a, b (weights and probabilities in log10, chosen by hand; not normalised).
ENTRIES = {
    (UNK,): (-2.0, 0.0), (BOS,): (-99.0, -0.3), (EOS,): (-0.6, 0.0), ("a",): (-0.5, -0.2), ("b",): (-0.7, -0.1),
    (BOS, "a"): (-0.3, -0.25), ("a", "b"): (-0.2, -0.15), ("b", EOS): (-0.4, 0.0),
    (BOS, "a", "b"): (-0.1, 0.0), ("a", "b", EOS): (-0.05, 0.0),
}


def trigram_model():
    return BackoffModel.from_entries(Vocabulary(), dict(ENTRIES))


def test_at_order_keeps_the_lower_orders_as_stored_like_srilms_order_flag():
    model = trigram_model()
    bigram = model.at_order(2)
    assert bigram.order == 2 and bigram.vocab is model.vocab
    for k in range(2):
        np.testing.assert_array_equal(bigram.ngrams[k], model.ngrams[k])
        np.testing.assert_array_equal(bigram.logprob[k], model.logprob[k])
        np.testing.assert_array_equal(bigram.logbow[k], model.logbow[k])
    # p(</s> | a b) backs off to the bigram b </s>: the trigram is gone, only one word of history is used.
    assert bigram.word_logprob(EOS, ["a", "b"]) == pytest.approx(-0.4)
    # p(a | b) = bow(b) p(a).
    assert bigram.word_logprob("a", ["a", "b"]) == pytest.approx(-0.1 - 0.5)
    assert model.at_order(3) is model


def test_at_order_above_the_models_order_is_an_error():
    with pytest.raises(ModelError, match="3-gram model to order 4"):
        trigram_model().at_order(4)


def test_lowercase_merges_words_and_keeps_the_first_ngram_by_id():
    model = BackoffModel.from_entries(Vocabulary(), {
        (UNK,): (-2.0, 0.0), ("The",): (-0.5, -0.1), ("the",): (-0.6, -0.2), ("cat",): (-0.4, 0.0),
        ("The", "cat"): (-0.3, 0.0), ("the", "cat"): (-0.35, 0.0)})
    lowered = model.lowercase()
    assert lowered.vocab.words == [UNK, BOS, EOS, "the", "cat"]
    assert lowered.sizes() == [3, 1]
    # "The" has the smaller id: its unigram and bigram are the ones kept.
    assert lowered.word_logprob("the") == pytest.approx(-0.5)
    assert lowered.word_logprob("cat", ["the"]) == pytest.approx(-0.3)
    assert trigram_model().lowercase().vocab.words == trigram_model().vocab.words


def test_renormalize_recomputes_the_weights_by_hand():
    # Unigrams p(a) = 0.5, p(b) = 0.3, p(</s>) = 0.2; bigrams p(b | a) = 0.6, p(</s> | a) = 0.3. Context a leaves
    # 1 - 0.9 = 0.1 for a, which the unigrams give 1 - 0.5 = 0.5: bow(a) = 0.1 / 0.5 = 0.2.
    log = math.log10
    model = BackoffModel.from_entries(Vocabulary(), {
        (UNK,): (-99.0, 0.0), (BOS,): (-99.0, 0.0), (EOS,): (log(0.2), 0.0), ("a",): (log(0.5), 0.0),
        ("b",): (log(0.3), 0.0), ("a", "b"): (log(0.6), 0.0), ("a", EOS): (log(0.3), 0.0)})
    renormalized = renormalize(model)
    assert renormalized.logbow[0][renormalized.ngrams[0][:, 0] == model.vocab.id("a")][0] == pytest.approx(log(0.2))
    assert 10 ** renormalized.word_logprob("a", ["a"]) == pytest.approx(0.2 * 0.5)
    for k in range(model.order):
        np.testing.assert_array_equal(renormalized.logprob[k], model.logprob[k])


def test_limit_vocab_keeps_the_ngrams_of_the_words_and_their_scores():
    model = trigram_model()
    # SRILM's -vocab FILE -limit-vocab: the vocabulary is FILE's words, in its order, whether the model has them
    # or not; the model's other words and every n-gram containing one are gone.
    limited = model.limit_vocab(["c", "a"])
    assert limited.vocab.words == [UNK, BOS, EOS, "c", "a"]
    kept = {tuple(limited.vocab.decode(g)) for grams in limited.ngrams for g in grams.tolist()}
    assert kept == {(UNK,), (BOS,), (EOS,), ("a",), (BOS, "a")}
    assert limited.word_logprob("a", [BOS]) == model.word_logprob("a", [BOS])
    assert limited.word_logprob(EOS, ["a"]) == model.word_logprob(EOS, ["a"])
    assert limited.word_logprob("c") == -math.inf
    limited.validate()


def test_with_vocabulary_renumbers_words_and_keeps_every_score():
    model = trigram_model()
    shared = Vocabulary(["z", "b"])
    moved = model.with_vocabulary(shared)
    assert moved.vocab is shared and shared.words == [UNK, BOS, EOS, "z", "b", "a"]
    moved.validate()
    for words in (["a"], [BOS, "a", "b"], ["a", "b", EOS], ["b", "a"]):
        assert moved.word_logprob(words[-1], words[:-1]) == model.word_logprob(words[-1], words[:-1])
    assert model.with_vocabulary(model.vocab) is model
