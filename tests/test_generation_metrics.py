"""The repetition metrics (Welleck et al. 2019; Li et al. 2016) against hand computation."""
import math

import pytest

from ngramlm.use.generation.metrics import (accuracy, distinct_n, perplexity, rep_l, seq_rep_n, sequence_metrics,
                                            uniq_seq)

PREFIX = [["x", "a"]]
GENERATED = [["a", "b", "a", "b", "c"]]
HUMAN = [["a", "c", "a", "d", "c"]]


def test_seq_rep_n_by_hand():
    assert seq_rep_n(GENERATED, 1) == pytest.approx(1 - 3 / 5)
    assert seq_rep_n(GENERATED, 2) == pytest.approx(1 - 3 / 4)          # ab ba ab bc
    assert seq_rep_n(GENERATED + [["c", "c"]], 2) == pytest.approx((0.25 + 0.0) / 2)
    assert seq_rep_n([["a"], ["b", "b", "b"]], 2) == pytest.approx(0.5)  # only the second has a bigram: bb bb
    assert seq_rep_n([], 4) == 0.0


def test_distinct_n_and_uniq_seq_by_hand():
    texts = [["a", "b", "a", "b"], ["c", "c"]]
    assert distinct_n(texts, 1) == pytest.approx(3 / 6)
    assert distinct_n(texts, 2) == pytest.approx(3 / 4)  # ab ba ab cc
    assert uniq_seq(texts) == 3


def test_rep_l_and_wrep_l_by_hand():
    # text x a | a b a b c. With l = 2: a (x a) yes, b (a a) no, a (a b) yes, b (b a) yes, c (a b) no.
    assert rep_l(GENERATED, PREFIX, 2) == pytest.approx(3 / 5)
    # wrep: only repeats that differ from the human token: a = a, a = a are right; b != d counts.
    assert rep_l(GENERATED, PREFIX, 2, references=HUMAN) == pytest.approx(1 / 5)
    assert rep_l(GENERATED, PREFIX, 128) == pytest.approx(3 / 5)
    assert rep_l(GENERATED, PREFIX, 1) == pytest.approx(1 / 5)  # only the first a, right after the prefix's a


def test_next_token_rep_looks_back_at_the_true_text():
    predictions, truth = [["x", "y"]], [["y", "y"]]
    assert rep_l(predictions, [["x"]], 5, contexts=truth) == pytest.approx(1.0)  # x in [x]; y in [x, y]
    assert rep_l(predictions, [["x"]], 5, contexts=truth, references=truth) == pytest.approx(0.5)  # y is right
    assert accuracy(predictions, truth) == 0.5 and accuracy(truth, truth) == 1.0


def test_perplexity_and_the_summary():
    assert perplexity([-1.0, -1.0], 2) == pytest.approx(10.0)
    figures = sequence_metrics(GENERATED, PREFIX, HUMAN, logprob=-5.0, scored=5, l=2)
    assert figures["ppl"] == pytest.approx(10.0)
    assert figures["seq-rep-2"] == pytest.approx(0.25) and figures["rep/2"] == pytest.approx(0.6)
    assert figures["uniq-seq"] == 3 and figures["length"] == 5
    assert not math.isnan(figures["distinct-4"])
