"""Small cases worked by hand from the published formulas.

The corpus is three sentences, "a b", "a b", "a c", i.e. <s> a b </s> (twice) and <s> a c </s>. Closed
vocabulary (unk=False), so the predicted words are a, b, c, </s> (|V| = 4).
  unigram counts  a 3, b 2, c 1, </s> 3        (T = 9; <s> is never predicted)
  bigram counts   <s> a 3, a b 2, a c 1, b </s> 2, c </s> 1
  continuation counts (Kneser-Ney unigrams: distinct left neighbours)  a 1 (<s>), b 1, c 1, </s> 2 (b, c)
"""
from __future__ import annotations

import numpy as np
import pytest

from ngramlm.counting.corpus_count import count_sentences
from ngramlm.smoothing import estimate
from ngramlm.smoothing.continuation_counts import continuation_counts
from ngramlm.smoothing.discount import OrderCounts
from ngramlm.smoothing.good_turing import GoodTuring
from ngramlm.smoothing.kneser_ney import KneserNey
from ngramlm.smoothing.modified_kneser_ney import ModifiedKneserNey
from ngramlm.core.vocab import BOS, EOS, Vocabulary

SENTENCES = [[BOS, "a", "b", EOS], [BOS, "a", "b", EOS], [BOS, "a", "c", EOS]]


@pytest.fixture
def counts():
    return count_sentences(SENTENCES, 2, Vocabulary())


def p(model, word, *context):
    return 10.0 ** model.word_logprob(word, context)


def test_maximum_likelihood(counts):
    model = estimate(counts, "mle")
    assert p(model, "a") == pytest.approx(3 / 9)
    assert p(model, "b", "a") == pytest.approx(2 / 3)
    assert p(model, "a", "<s>") == pytest.approx(1.0)
    # Nothing is left for words unseen after a: log10 0, written -99.
    assert model.word_logprob("a", ["a"]) <= -99


def test_additive_laplace(counts):
    # Additive smoothing (Chen & Goodman 1998) with delta = 1: p(w|h) = (c(hw) + 1) / (c(h) + 4).
    model = estimate(counts, "additive", delta=1.0, gtmin=1)
    assert p(model, "a") == pytest.approx(4 / 13, rel=1e-6)
    assert p(model, "b", "a") == pytest.approx(3 / 7, rel=1e-6)
    assert p(model, "c", "a") == pytest.approx(2 / 7, rel=1e-6)
    # Unseen in context a: (0 + 1) / (3 + 4), reached through the back-off weight.
    assert p(model, "</s>", "a") == pytest.approx(1 / 7, rel=1e-6)


def test_witten_bell_backoff(counts):
    # Unigrams: c / (T + N1+) = c / 13 leaves 4/13, which (no word has probability 0) is added evenly to the
    # four words: a 4/13, b 3/13, c 2/13, </s> 4/13.
    # Context a: T = 3, N1+ = 2, so p(b|a) = 2/5, p(c|a) = 1/5 and
    # bow(a) = (1 - 3/5) / (1 - p(b) - p(c)) = (2/5) / (8/13) = 0.65, so p(a|a) = 0.65 * 4/13 = 0.2.
    model = estimate(counts, "witten-bell", gtmin=1)
    assert p(model, "a") == pytest.approx(4 / 13, rel=1e-6)
    assert p(model, "c") == pytest.approx(2 / 13, rel=1e-6)
    assert p(model, "b", "a") == pytest.approx(2 / 5, rel=1e-6)
    assert p(model, "a", "a") == pytest.approx(0.2, rel=1e-6)


def test_witten_bell_interpolated(counts):
    # p(b|a) = 2/5 + (2/5) p(b) = 2/5 + (2/5)(3/13) = 32/65; p(c|a) = 1/5 + (2/5)(2/13) = 17/65;
    # the back-off weight equals the interpolation weight N1+ / (T + N1+) = 2/5.
    model = estimate(counts, "witten-bell", interpolate=True, gtmin=1)
    assert p(model, "b", "a") == pytest.approx(32 / 65, rel=1e-6)
    assert p(model, "c", "a") == pytest.approx(17 / 65, rel=1e-6)
    assert p(model, "</s>", "a") == pytest.approx(2 / 5 * 4 / 13, rel=1e-6)


def test_absolute_discounting_backoff(counts):
    # Unigrams: (c - 0.5) / 9 leaves 4 * 0.5 / 9, spread evenly: back to c / 9.
    # Context a: p(b|a) = 1.5 / 3, p(c|a) = 0.5 / 3, bow(a) = (1/3) / (1 - 3/9) = 1/2, p(a|a) = 1/2 * 3/9.
    model = estimate(counts, "absolute", discount=0.5, gtmin=1)
    assert p(model, "b") == pytest.approx(2 / 9, rel=1e-6)
    assert p(model, "b", "a") == pytest.approx(0.5, rel=1e-6)
    assert p(model, "c", "a") == pytest.approx(1 / 6, rel=1e-6)
    assert p(model, "a", "a") == pytest.approx(1 / 6, rel=1e-6)


def test_kneser_ney_interpolated_uses_continuation_counts(counts):
    # Unigrams from continuation counts a 1, b 1, c 1, </s> 2 (T = 5, N1+ = 4), D = 0.5, interpolated with
    # the uniform 1/4: p(w) = (c - 0.5) / 5 + (0.5 * 4 / 5) / 4, so a = b = c = 0.2 and </s> = 0.4.
    # Context a (raw counts, highest order): gamma = 0.5 * 2 / 3 = 1/3,
    # p(b|a) = 1.5 / 3 + 0.2 / 3 = 17/30, p(c|a) = 0.5 / 3 + 0.2 / 3 = 7/30, p(</s>|a) = 0.4 / 3.
    model = estimate(counts, "kneser-ney", discount=0.5, interpolate=True, gtmin=1)
    assert p(model, "a") == pytest.approx(0.2, rel=1e-6)
    assert p(model, "</s>") == pytest.approx(0.4, rel=1e-6)
    assert p(model, "b", "a") == pytest.approx(17 / 30, rel=1e-6)
    assert p(model, "c", "a") == pytest.approx(7 / 30, rel=1e-6)
    assert p(model, "</s>", "a") == pytest.approx(0.4 / 3, rel=1e-6)


def test_continuation_counts_count_distinct_left_neighbours(counts):
    vocab = counts.vocab
    predicted = np.ones(len(vocab), dtype=bool)
    predicted[vocab.id(BOS)] = False
    result = continuation_counts(counts.ngrams[0], counts.counts[0], counts.ngrams[1], counts.counts[1], predicted,
                                 len(vocab))
    by_word = dict(zip(vocab.decode(counts.ngrams[0][:, 0]), result.tolist()))
    # <s> keeps its ordinary count (3): nothing precedes it.
    assert by_word == {"<s>": 3, "a": 1, "b": 1, "c": 1, "</s>": 2}


def _stats(count_of_counts: dict[int, int]) -> OrderCounts:
    counts = np.array([r for r, n in count_of_counts.items() for _ in range(n)])
    return OrderCounts(2, counts, np.ones(len(counts), dtype=bool), vocab_size=100)


def test_good_turing_katz_coefficients():
    # n1 = 10, n2 = 4, n3 = 2, k = 2. Katz: common = 3 n3 / n1 = 0.6;
    # d1 = (2 n2 / n1 - 0.6) / 0.4 = (0.8 - 0.6) / 0.4 = 0.5; d2 = (3 n3 / (2 n2) - 0.6) / 0.4 = 0.375.
    gt = GoodTuring(min_count=1, max_count=2)
    gt.estimate(_stats({1: 10, 2: 4, 3: 2, 5: 1}))
    factors = gt.factors(np.array([1, 2, 3, 5]), np.full(4, 30.0), np.full(4, 4.0))
    np.testing.assert_allclose(factors, [0.5, 0.375, 1.0, 1.0])


def test_modified_kneser_ney_discounts_chen_goodman_eq_26():
    # n1 = 10, n2 = 4, n3 = 2, n4 = 1: Y = 10 / 18 = 5/9; D1 = 1 - 2 Y 4/10 = 5/9;
    # D2 = 2 - 3 Y 2/4 = 7/6; D3+ = 3 - 4 Y 1/2 = 17/9.
    mkn = ModifiedKneserNey()
    mkn.estimate(_stats({1: 10, 2: 4, 3: 2, 4: 1}))
    np.testing.assert_allclose(mkn.discounts, [5 / 9, 7 / 6, 17 / 9])
    kn = KneserNey()
    kn.estimate(_stats({1: 10, 2: 4, 3: 2, 4: 1}))
    assert kn.discount == pytest.approx(5 / 9)
    # gamma = (D1 N1 + D2 N2 + D3+ N3+) / T for a context with followers of counts 1, 2, 5 (T = 8).
    weight = mkn.lower_order_weight(np.array([8.0]), np.array([3.0]), np.array([2.0]), np.array([1.0]))
    assert weight[0] == pytest.approx((5 / 9 + 7 / 6 + 17 / 9) / 8)


def test_count_cutoff_drops_ngrams_below_gtmin(counts):
    # gt2min = 2 drops the bigrams seen once (a c, c </s>); p(c|a) is then backed off.
    model = estimate(counts, "witten-bell", gtmin={2: 2})
    rows = {tuple(counts.vocab.decode(r)) for r in model.ngrams[1]}
    assert ("a", "c") not in rows and ("a", "b") in rows
