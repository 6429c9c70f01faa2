"""Brown clustering by the exchange algorithm: likelihood never falls, determinism, an obvious clustering."""
import math
from collections import Counter

import numpy as np
import pytest

from ngramlm.models.clustering import cluster_sentences
from ngramlm.core.errors import ModelError


def class_bigram_log_likelihood(sentences, word_class):
    """Reference: log-likelihood (natural log) of the sentences' bigrams under the class-bigram model with
    maximum-likelihood estimates, p(w | v) = N(c(v), c(w)) / N_l(c(v)) * N_r(w) / N_r(c(w)) (Brown et al. 1992),
    summed word by word. Sentence markers are classes of their own."""
    cls = lambda w: word_class.get(w, w)  # noqa: E731
    bigrams = [(v, w) for s in sentences for v, w in zip(s, s[1:])]
    class_pairs = Counter((cls(v), cls(w)) for v, w in bigrams)
    left = Counter(cls(v) for v, _ in bigrams)
    right_word = Counter(w for _, w in bigrams)
    right_class = Counter(cls(w) for _, w in bigrams)
    return sum(math.log(class_pairs[cls(v), cls(w)] / left[cls(v)]) + math.log(right_word[w] / right_class[cls(w)])
               for v, w in bigrams)


def random_corpus(seed, sentences=60, vocabulary=25):
    rng = np.random.default_rng(seed)
    # Zipf-like word frequencies and some sentence structure, so that there is something to cluster.
    words = [f"w{i}" for i in range(vocabulary)]
    probs = 1.0 / np.arange(1, vocabulary + 1)
    probs /= probs.sum()
    return [["<s>"] + [words[i] for i in rng.choice(vocabulary, size=rng.integers(1, 12), p=probs)] + ["</s>"]
            for _ in range(sentences)]


@pytest.mark.parametrize("seed", [None, 3])
@pytest.mark.parametrize("corpus_seed", [0, 1, 2])
def test_exchange_never_lowers_the_class_bigram_likelihood(corpus_seed, seed):
    corpus = random_corpus(corpus_seed)
    previous = -math.inf
    for passes in range(1, 5):
        result = cluster_sentences(corpus, 5, max_passes=passes, seed=seed)
        reference = class_bigram_log_likelihood(corpus, result.classes.word_class)
        assert reference >= previous - 1e-9
        # The likelihood the algorithm tracks is the one the reference computes from its classes.
        assert result.log_likelihoods[-1] == pytest.approx(reference, rel=1e-9)
        assert all(b >= a - 1e-9 for a, b in zip(result.log_likelihoods, result.log_likelihoods[1:]))
        previous = reference


def test_clustering_separates_determiners_from_nouns():
    corpus = [["<s>", d, n, "</s>"] for d in ("the", "a", "this") for n in ("cat", "dog", "bird", "fish")] * 3
    classes = cluster_sentences(corpus, 2).classes.word_class
    assert classes["the"] == classes["a"] == classes["this"]
    assert classes["cat"] == classes["dog"] == classes["bird"] == classes["fish"] != classes["the"]


def test_memberships_are_relative_frequencies_within_the_class():
    corpus = [["<s>", "the", "cat", "</s>"], ["<s>", "the", "dog", "</s>"], ["<s>", "a", "cat", "</s>"]]
    result = cluster_sentences(corpus, 2)
    classes = result.classes
    assert classes.word_class["cat"] == classes.word_class["dog"]
    assert 10 ** classes.word_logprob["cat"] == pytest.approx(2 / 3)
    assert 10 ** classes.word_logprob["dog"] == pytest.approx(1 / 3)
    assert "<s>" not in classes.word_class and "</s>" not in classes.word_class


def test_same_seed_same_classes_and_markers_are_never_clustered():
    corpus = random_corpus(7, sentences=80, vocabulary=40)
    first = cluster_sentences(corpus, 6, seed=11).classes.word_class
    again = cluster_sentences(corpus, 6, seed=11).classes.word_class
    assert first == again
    assert len(set(first.values())) <= 6


def test_more_classes_than_words_gives_every_word_its_own_class():
    corpus = [["<s>", "x", "y", "</s>"], ["<s>", "y", "z", "</s>"]]
    classes = cluster_sentences(corpus, 10).classes
    assert len(set(classes.word_class.values())) == 3


def test_zero_classes_is_an_error():
    with pytest.raises(ModelError):
        cluster_sentences([["<s>", "x", "</s>"]], 0)
