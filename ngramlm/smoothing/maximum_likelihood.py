"""Maximum likelihood: p(w | h) = c(h w) / c(h), no discounting, so nothing is left for unseen words.

In:  per n-gram its count c and its context's total T; no parameters to estimate.
Out: d = 1 for every n-gram (no_discount: the estimator skips the factors) and gamma(h) = 0.
"""
from __future__ import annotations

from .discount import Discount


class MaximumLikelihood(Discount):
    """Relative frequencies (SRILM's behaviour when discounting is turned off, e.g. -gtNmax 0)."""

    def no_discount(self) -> bool:
        return True
