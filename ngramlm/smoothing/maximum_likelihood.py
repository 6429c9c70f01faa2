"""Maximum likelihood: p(w | h) = c(h w) / c(h), no discounting, so nothing is left for unseen words."""
from __future__ import annotations

from .discount import Discount


class MaximumLikelihood(Discount):
    """Relative frequencies (SRILM's behaviour when discounting is turned off, e.g. -gtNmax 0)."""

    def no_discount(self) -> bool:
        return True
