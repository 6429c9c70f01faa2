"""The one implementation of Chen & Goodman's eq. (26) and its fallback, shared by SRILM's and KenLM's modified
Kneser-Ney (ngramlm.smoothing.modified_kneser_ney_discounts), on count-of-counts worked by hand."""
from __future__ import annotations

import pytest

from ngramlm.core.errors import ModelError
from ngramlm.smoothing import EstimationWarning
from ngramlm.smoothing.lmplz import DiscountFallbackWarning
from ngramlm.smoothing.modified_kneser_ney_discounts import (FALLBACK_DISCOUNTS, full_fallback,
                                                             modified_kneser_ney_discounts)


@pytest.mark.parametrize("srilm", [False, True])
@pytest.mark.filterwarnings("error::ngramlm.smoothing.EstimationWarning")
def test_discounts_follow_chen_goodman_eq_26(srilm):
    # n1 = 10, n2 = 4, n3 = 2, n4 = 1: Y = 10 / 18 = 5/9; D1 = 1 - 2 Y 4/10 = 5/9; D2 = 2 - 3 Y 2/4 = 7/6;
    # D3+ = 3 - 4 Y 1/2 = 17/9.
    assert modified_kneser_ney_discounts([0, 10, 4, 2, 1], 3, srilm=srilm) == pytest.approx((5 / 9, 7 / 6, 17 / 9))


def test_lmplz_needs_no_four_counts_but_srilm_falls_back_without_them():
    # n1 = 6, n2 = 4, n3 = 1, n4 = 0: Y = 3/7; D1 = 1 - 2 Y 4/6 = 3/7, D2 = 2 - 3 Y 1/4 = 47/28, D3+ = 3.
    assert modified_kneser_ney_discounts([0, 6, 4, 1, 0], 2) == pytest.approx((3 / 7, 47 / 28, 3.0))
    with pytest.warns(EstimationWarning, match="with adjusted count 4; Is this small or artificial data\\? "
                                               "Falling back to D1=0.5 D2=1 D3\\+=1.5."):
        assert modified_kneser_ney_discounts([0, 6, 4, 1, 0], 2, srilm=True) == FALLBACK_DISCOUNTS


def test_undefined_discounts_stop_lmplz_unless_given_a_fallback():
    with pytest.raises(ModelError, match="2-grams with adjusted count 2 because we didn't observe any 2-grams with "
                                         "adjusted count 1.*--discount-fallback"):
        modified_kneser_ney_discounts([0, 0, 4, 2, 1], 2)
    with pytest.warns(EstimationWarning, match="Substituting fallback discounts for 2-grams: D1=0.7 D2=0.7 D3\\+=0.7"):
        assert modified_kneser_ney_discounts([0, 0, 4, 2, 1], 2, (0.7, 0.7, 0.7)) == (0.7, 0.7, 0.7)


def test_out_of_range_discounts_fall_back_in_both_conventions():
    # n = (0, 10, 1, 50, 1): Y = 10 / 12, D2 = 2 - 3 Y 50 / 1 = -123 < 0.
    with pytest.raises(ModelError, match="2-gram discount out of range for adjusted count 2: -123"):
        modified_kneser_ney_discounts([0, 10, 1, 50, 1], 2)
    with pytest.warns(EstimationWarning, match="D2=-123 for 2-grams is out of range \\[0, 2\\]"):
        assert modified_kneser_ney_discounts([0, 10, 1, 50, 1], 2, srilm=True) == FALLBACK_DISCOUNTS


def test_fallback_takes_one_to_three_values_the_last_repeated():
    assert full_fallback(None) is None
    assert full_fallback([0.7]) == (0.7, 0.7, 0.7)
    assert full_fallback([0.5, 1]) == (0.5, 1.0, 1.0)
    with pytest.raises(ModelError, match="not in the range \\[0, 1\\]"):
        full_fallback([1.5])
    with pytest.raises(ModelError, match="one to three"):
        full_fallback([])


def test_every_estimator_warns_with_one_class():
    assert DiscountFallbackWarning is EstimationWarning
