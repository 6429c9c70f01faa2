"""KenLM-compatible estimation (ngramlm.smoothing.lmplz) against lmplz's own output, hand computation from
Chen & Goodman's formulas, and normalisation."""
import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramlm.formats.arpa import read_arpa
from ngramlm.counting.corpus_count import count_files, count_sentences
from ngramlm.counting.counts import NgramCounts
from ngramlm.core.errors import ModelError
from ngramlm.smoothing.lmplz import DiscountFallbackWarning, Lmplz, estimate_lmplz
from ngramlm.core.vocab import BOS, EOS, UNK, Vocabulary
from reference_backoff import logprob_ids

TOLERANCE = 1e-4  # lmplz computes in single precision and prints 8 significant digits


@pytest.fixture(scope="module")
def kenlm_brown(reference_dir):
    return reference_dir / "kenlm-brown"


@pytest.fixture(scope="module")
def brown_counts5(kenlm_brown):
    """Counts of lmplz's training text up to order 5 (orders 1..3 of them are the order-3 counts)."""
    return count_files([str(kenlm_brown / "train.txt")], 5, Vocabulary())


def truncated(counts: NgramCounts, order: int) -> NgramCounts:
    return NgramCounts(counts.vocab, counts.ngrams[:order], counts.counts[:order])


def assert_same_model(mine, reference, tolerance=TOLERANCE):
    """Same n-grams of every order, and every log10 probability and back-off weight within `tolerance`."""
    assert mine.order == reference.order
    assert mine.sizes() == reference.sizes()
    to_reference = np.array([reference.vocab.id(w) if w in reference.vocab else -1 for w in mine.vocab.words])
    for k in range(mine.order):
        rows = to_reference[mine.ngrams[k].astype(np.int64)]
        assert np.all(rows >= 0), f"{k + 1}-grams with words the reference lacks"
        order = np.lexsort(rows.T[::-1])
        assert np.array_equal(rows[order], reference.ngrams[k]), f"the {k + 1}-grams differ"
        np.testing.assert_allclose(mine.logprob[k][order], reference.logprob[k], rtol=0, atol=tolerance)
        np.testing.assert_allclose(mine.logbow[k][order], reference.logbow[k], rtol=0, atol=tolerance)


@pytest.mark.slow
@pytest.mark.parametrize("order", [3, 5])
def test_brown_model_matches_lmplz(brown_counts5, kenlm_brown, order):
    model = estimate_lmplz(truncated(brown_counts5, order))
    assert_same_model(model, read_arpa(str(kenlm_brown / f"mkn{order}.arpa.gz")))


def lmplz_statistics(log_text):
    """From lmplz's stderr: {order: (n-grams, [D1, D2, D3+])} and the orders (1-based) that fell back."""
    stats = {}
    for n, size, d1, d2, d3 in re.findall(r"^(\d+) (\d+) D1=(\S+) D2=(\S+) D3\+=(\S+)$", log_text, re.M):
        stats[int(n)] = (int(size), [float(d1), float(d2), float(d3)])
    # lmplz numbers orders from 0 in this message.
    fell_back = {int(i) + 1 for i in re.findall(r"Substituting fallback discounts for order (\d+)", log_text)}
    return stats, fell_back


def test_tiny_corpus_with_fallback_matches_lmplz(kenlm_brown):
    counts = count_files([str(kenlm_brown / "tiny.txt")], 3, Vocabulary())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator = Lmplz(counts, discount_fallback=(0.5, 1, 1.5))
    stats, fell_back = lmplz_statistics((kenlm_brown / "tiny-fallback.log").read_text())
    warned = {int(re.search(r"for (\d+)-grams: D1", str(w.message)).group(1)) for w in caught
              if issubclass(w.category, DiscountFallbackWarning)}
    assert warned == fell_back == {1, 3}
    assert estimator.sizes() == [stats[n][0] for n in (1, 2, 3)]
    for n in (1, 2, 3):
        np.testing.assert_allclose(estimator.discounts[n - 1][1:], stats[n][1], rtol=1e-5)
    assert_same_model(estimator.model(), read_arpa(str(kenlm_brown / "tiny-fallback.arpa.gz")))


def test_tiny_corpus_without_fallback_stops_with_kenlm_message(kenlm_brown):
    counts = count_files([str(kenlm_brown / "tiny.txt")], 3, Vocabulary())
    with pytest.raises(ModelError, match=r"Could not calculate Kneser-Ney discounts for 1-grams with adjusted count 2 "
                                         r"because we didn't observe any 1-grams with adjusted count 1.*"
                                         r"--discount-fallback"):
        estimate_lmplz(counts)


TINY = [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "a", "b", "b"]]


def tiny_estimator():
    counts = count_sentences([[BOS, *s, EOS] for s in TINY], 3, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiscountFallbackWarning)
        return Lmplz(counts, discount_fallback=(0.5, 1, 1.5))


def adjusted_of(estimator, n):
    vocab = estimator.vocab
    grams, adjusted = estimator.grams[n - 1].tolist(), estimator.adjusted[n - 1].tolist()
    return {" ".join(vocab.decode(g)): a for g, a in zip(grams, adjusted)}


def test_adjusted_counts_are_continuation_counts_except_after_bos():
    # Worked by hand on the four sentences: a lower-order n-gram's adjusted count is the number of distinct words
    # seen before it; one that starts with <s> keeps its raw count; <unk> and <s> get 0.
    estimator = tiny_estimator()
    assert adjusted_of(estimator, 1) == {UNK: 0, BOS: 0, EOS: 3, "a": 3, "b": 3, "c": 2}
    assert adjusted_of(estimator, 2) == {
        "<s> a": 2, "<s> b": 1, "<s> c": 1, "a b": 3, "b c": 2, "c a": 2, "a a": 1, "b b": 1,
        "a </s>": 1, "b </s>": 2, "c </s>": 1}
    assert set(adjusted_of(estimator, 3).values()) == {1}


def test_discounts_follow_chen_goodman_eq_26():
    # Bigrams: n1 = 6, n2 = 4, n3 = 1, n4 = 0, so Y = 6 / 14 = 3/7 and
    # D1 = 1 - 2 Y 4/6 = 3/7, D2 = 2 - 3 Y 1/4 = 47/28, D3+ = 3 - 4 Y 0/1 = 3.
    discounts = tiny_estimator().discounts[1]
    np.testing.assert_allclose(discounts, [0, 3 / 7, 47 / 28, 3], rtol=1e-12)


def test_probabilities_interpolate_down_to_the_uniform_distribution():
    model = tiny_estimator().model()
    # Unigrams: total adjusted count 11, gamma = (D2 * 1 + D3+ * 3) / 11 = 0.5 with the fallback discounts, and
    # |V| = 5 words without <s>: p(<unk>) = 0.5 / 5, p(b) = (3 - 1.5) / 11 + 0.1.
    p_unk = 0.5 / 5
    p_b = (3 - 1.5) / 11 + p_unk
    assert model.word_logprob(UNK) == pytest.approx(math.log10(p_unk), abs=1e-12)
    assert model.word_logprob("b") == pytest.approx(math.log10(p_b), abs=1e-12)
    assert model.word_logprob(BOS) == 0.0
    # Context "a": children a b (3), a a (1), a </s> (1); u(b | a) = (3 - 3) / 5, gamma(a) = (3 + 2 * 3/7) / 5.
    gamma_a = (3 + 2 * 3 / 7) / 5
    assert model.word_logprob("b", ["a"]) == pytest.approx(math.log10(gamma_a * p_b), abs=1e-12)
    assert model.word_logprob("c", ["a"]) == pytest.approx(math.log10(gamma_a * ((2 - 1) / 11 + p_unk)), abs=1e-12)


def test_out_of_range_discounts_are_refused_or_replaced():
    # n = (n0, n1, n2, n3, n4) = (0, 10, 1, 50, 1): Y = 10 / 12, D2 = 2 - 3 Y 50 / 1 < 0.
    from ngramlm.smoothing.lmplz import kneser_ney_discounts

    with pytest.raises(ModelError, match="2-gram discount out of range for adjusted count 2"):
        kneser_ney_discounts([0, 10, 1, 50, 1], 2)
    with pytest.warns(DiscountFallbackWarning, match="Substituting fallback discounts for 2-grams"):
        assert list(kneser_ney_discounts([0, 10, 1, 50, 1], 2, (0.5, 1, 1.5))) == [0, 0.5, 1, 1.5]


def test_discount_fallback_takes_one_to_three_values_in_range():
    counts = count_sentences([[BOS, *s, EOS] for s in TINY], 2, Vocabulary())
    with pytest.warns(DiscountFallbackWarning, match="D1=0.7 D2=0.7 D3\\+=0.7"):
        Lmplz(counts, discount_fallback=[0.7])
    with pytest.raises(ModelError, match="not in the range"):
        Lmplz(counts, discount_fallback=[0.5, 2.5])
    with pytest.raises(ModelError, match="one to three"):
        Lmplz(counts, discount_fallback=[0.1, 0.2, 0.3, 0.4])


def test_counts_without_an_ngrams_suffix_are_refused():
    counts = count_sentences([[BOS, *s, EOS] for s in TINY], 3, Vocabulary())
    bigrams = [" ".join(counts.vocab.decode(g)) for g in counts.ngrams[1].tolist()]
    keep = np.array([g != "c </s>" for g in bigrams])  # the suffix of "b c </s>", and nobody's prefix
    counts.ngrams[1], counts.counts[1] = counts.ngrams[1][keep], counts.counts[1][keep]
    with pytest.raises(ModelError, match="no 2-gram suffix"):
        Lmplz(counts, discount_fallback=(0.5, 1, 1.5))


def test_without_unk_the_model_has_no_unk_and_still_sums_to_one():
    counts = count_sentences([[BOS, *s, EOS] for s in TINY + [["a", UNK, "c"]]], 2, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiscountFallbackWarning)
        model = estimate_lmplz(counts, unk=False, discount_fallback=(0.5, 1, 1.5))
    assert not model.has_unk()
    assert not any(np.any(g == 0) for g in model.ngrams)
    assert_distributions_sum_to_one(model)


def assert_distributions_sum_to_one(model, extra_contexts=()):
    """Every context of the model (and the empty one, and `extra_contexts`) gives a distribution over the
    predictable words (all but <s>) that sums to 1."""
    words = [w for w in range(len(model.vocab)) if w != model.vocab.id(BOS) and (w or model.has_unk())]
    contexts = {()} | {tuple(g) for grams in model.ngrams[:-1] for g in grams.tolist()} | set(extra_contexts)
    for context in contexts:
        if context and context[-1] == model.vocab.id(EOS):
            continue
        total = sum(10 ** logprob_ids(model, w, list(context))[0] for w in words)
        assert total == pytest.approx(1.0, abs=1e-6), f"context {model.vocab.decode(context)} sums to {total}"


sentences = st.lists(st.lists(st.sampled_from("abcdefg"), min_size=0, max_size=8), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(corpus=sentences, order=st.integers(1, 4))
def test_distributions_sum_to_one_on_random_corpora(corpus, order):
    counts = count_sentences([[BOS, *s, EOS] for s in corpus], order, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiscountFallbackWarning)
        model = estimate_lmplz(counts, discount_fallback=(0.5, 1, 1.5))
    unseen = [(model.vocab.id("a"),) * (order - 1)] if order > 1 else []
    assert_distributions_sum_to_one(model, unseen)


def test_model_releases_the_statistics_and_refuses_a_second_call():
    estimator = tiny_estimator()
    estimator.model()
    assert all(a is None for a in estimator.adjusted)
    with pytest.raises(ModelError, match="already called"):
        estimator.model()
