"""Absolute discounting: subtract a constant D from every count and give the freed mass to the lower order.

Ney, Essen & Kneser (1994); Chen & Goodman (1998), section "Absolute discounting":
    p_abs(w | h) = max(c(h w) - D, 0) / c(h) + (D N1+(h .) / c(h)) p(w | h')
so d = (c - D) / c and gamma(h) = D N1+(h .) / T. SRILM (-cdiscount D) takes D from the user and clamps it to
[0, 1]; when no D is given it is estimated as Ney et al. suggest, D = n1 / (n1 + 2 n2).

In:  D, or the order's count-of-counts n1, n2 (OrderCounts) to estimate it from; per n-gram c, T and N1+(h .).
Out: D (FALLBACK_DISCOUNT, 0.5, with an EstimationWarning where n1 or n2 is 0), d (0 below the cut-off), gamma(h).
"""
from __future__ import annotations

import numpy as np

from .discount import Discount, OrderCounts, ney_discount

# Used when n1 + 2 n2 = 0 leaves D undefined (KenLM's --discount_fallback value for D1).


class AbsoluteDiscounting(Discount):
    def __init__(self, discount: float | None = None, min_count: float = 1):
        super().__init__(min_count)
        self.discount = None if discount is None else float(np.clip(discount, 0.0, 1.0))

    def estimate(self, stats: OrderCounts) -> None:
        if self.discount is None:
            self.discount = ney_discount(stats, "count")

    def no_discount(self) -> bool:
        return self.min_count <= 1 and self.discount == 0.0

    def factors(self, counts, totals, observed) -> np.ndarray:
        counts = counts.astype(np.float64)
        return self._cut(counts, (counts - self.discount) / counts)

    def lower_order_weight(self, totals, observed, min2, min3) -> np.ndarray:
        # Chen & Goodman (1998), absolute discounting: the subtracted mass D N1+(h .) / c(h).
        return self.discount * observed / totals
