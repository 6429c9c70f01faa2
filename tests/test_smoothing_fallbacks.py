"""Small and odd data never crash: undefined discounts fall back to documented defaults with a warning naming
the order; SRILM's discount-parameter files (-gtN / -knN) are written and read back."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from ngramlm.counting.corpus_count import count_sentences
from ngramlm.core.errors import InputError, ModelError
from ngramlm.smoothing import (METHODS, EstimationWarning, estimate, make_discount, read_discount_file,
                               write_discount_file)
from ngramlm.smoothing.discount import OrderCounts
from ngramlm.core.vocab import BOS, EOS, Vocabulary

from test_smoothing_normalisation import assert_normalised, random_corpus

# KenLM's --discount_fallback example (../shared/reference/kenlm-brown/tiny.txt).
TINY = ["a b c", "b c a", "c a b", "a a b b"]


def sentences(lines):
    return [[BOS, *line.split(), EOS] for line in lines]


def test_tiny_corpus_falls_back_to_kenlm_discounts_and_says_which_order():
    counts = count_sentences(sentences(TINY), 3, Vocabulary())
    with pytest.warns(EstimationWarning) as record:
        model = estimate(counts, "modified-kneser-ney", interpolate=True, unk=True, gtmin=1)
    messages = [str(w.message) for w in record]
    assert any(m.startswith("Could not calculate Kneser-Ney discounts for 3-grams") for m in messages)
    assert any("1-grams" in m for m in messages)
    assert all("Falling back to D1=0.5 D2=1 D3+=1.5" in m for m in messages)
    assert_normalised(model, unk=True)


def test_deduplicated_text_disables_good_turing_with_warnings():
    # Every n-gram of the highest order seen once: no count-of-count 2 to estimate discounts from.
    lines = [f"w{i} w{i + 1} w{i + 2}" for i in range(0, 30, 3)]
    counts = count_sentences(sentences(lines), 3, Vocabulary())
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = estimate(counts, "good-turing", unk=True, gtmin=1)
    assert "Good-Turing: no 3-grams with count 2; lowering gt3max from 7 to 0." in [str(w.message) for w in record]
    assert_normalised(model, unk=True)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("lines", [[], ["x"], ["x x x x"]], ids=["empty", "one-word", "repeated-word"])
def test_degenerate_corpora_give_proper_models(method, lines):
    counts = count_sentences(sentences(lines), 3, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        model = estimate(counts, method, interpolate=method != "mle", unk=True)
    model.validate()
    assert_normalised(model, unk=True)


def test_unknown_method_and_parameter_are_errors():
    counts = count_sentences(sentences(["a b"]), 2, Vocabulary())
    with pytest.raises(ModelError, match="unknown smoothing method 'katz'"):
        estimate(counts, "katz")
    with pytest.raises(ModelError, match="unknown estimation parameter 'gt_min'"):
        estimate(counts, "witten-bell", gt_min=1)


def natural_counts(order):
    """Counts whose count-of-counts look like natural text's, so every discount is defined."""
    return count_sentences(random_corpus(seed=11, words=300, sentences=600), order, Vocabulary())


def _order_counts(order=2):
    counts = natural_counts(order)
    c = counts.counts[order - 1]
    return OrderCounts(order, c, np.ones(len(c), dtype=bool), vocab_size=len(counts.vocab) - 1)


@pytest.mark.filterwarnings("error::ngramlm.smoothing.EstimationWarning")
@pytest.mark.parametrize("method", ["good-turing", "kneser-ney", "modified-kneser-ney"])
def test_discount_files_round_trip(method, tmp_path):
    stats = _order_counts()
    written = make_discount(method, 2)
    written.estimate(stats)
    path = str(tmp_path / "params")
    write_discount_file(written, path)
    read = make_discount(method, 2, gtmin=5)
    read_discount_file(read, path)
    probe = np.array([1, 2, 3, 4, 9])
    np.testing.assert_allclose(read.factors(probe, np.full(5, 50.0), np.full(5, 6.0)),
                               written.factors(probe, np.full(5, 50.0), np.full(5, 6.0)), rtol=1e-15)
    assert read.min_count == written.min_count


def test_discount_files_use_srilms_format(tmp_path):
    gt = make_discount("good-turing", 3)
    gt.coefficients = np.array([1.0] + [0.5] * 7)
    write_discount_file(gt, str(tmp_path / "gt3"))
    assert (tmp_path / "gt3").read_text().splitlines()[:3] == ["mincount 2", "maxcount 7", "discount 1 0.5"]
    mkn = make_discount("modified-kneser-ney", 2, discount=(0.5, 1.0, 1.5))
    write_discount_file(mkn, str(tmp_path / "kn2"))
    assert (tmp_path / "kn2").read_text().splitlines() == [
        "mincount 1", "discount1 0.5000000000000000", "discount2 1.0000000000000000", "discount3+ 1.5000000000000000"]


def test_bad_discount_file_names_file_and_line(tmp_path):
    path = tmp_path / "kn1"
    path.write_text("mincount 1\ndiscount1 0.5\nbogus 3\n")
    with pytest.raises(InputError, match=r"kn1:3: unrecognised discount parameter 'bogus 3'"):
        read_discount_file(make_discount("kneser-ney", 1), str(path))


@pytest.mark.filterwarnings("error::ngramlm.smoothing.EstimationWarning")
def test_estimating_with_a_discount_file_gives_the_same_model(tmp_path):
    counts = natural_counts(2)
    direct = estimate(counts, "modified-kneser-ney", interpolate=True, unk=True)
    stats = OrderCounts(2, counts.counts[1], np.ones(len(counts.counts[1]), dtype=bool), len(counts.vocab) - 1)
    discount = make_discount("modified-kneser-ney", 2)
    discount.estimate(stats)
    write_discount_file(discount, str(tmp_path / "kn2"))
    from_file = estimate(counts, "modified-kneser-ney", interpolate=True, unk=True,
                         discount_file={2: str(tmp_path / "kn2")})
    for ours, theirs in zip(from_file.logprob, direct.logprob):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert Path(tmp_path / "kn2").exists()
