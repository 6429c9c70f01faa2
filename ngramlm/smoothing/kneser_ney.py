"""Kneser-Ney smoothing (the original: one discount per order).

Kneser & Ney (1995): absolute discounting whose lower orders are estimated not from counts but from the number
of different words that precede an n-gram (continuation counts, see continuation_counts.py), with
Chen & Goodman (1998), section "Kneser-Ney smoothing" (one discount, as Ney et al. 1994 estimate it):

    D = n1 / (n1 + 2 n2),   d = (c - D) / c,   gamma(h) = D N1+(h .) / c(h)

where n_r counts the n-grams of the order with (continuation) count r.

In:  D, or the count-of-counts n1, n2 of the order's (continuation) counts (OrderCounts); per n-gram c, T, N1+(h .).
Out: D (0.5 with an EstimationWarning where n1 or n2 is 0), d (0 below the cut-off) and gamma(h); -knN files.
"""
from __future__ import annotations

import numpy as np

from ..core.constants import PROB_PRECISION
from .discount import Discount, OrderCounts, ney_discount, note


class KneserNey(Discount):
    modifies_counts = True

    def __init__(self, discount: float | None = None, min_count: float = 1):
        super().__init__(min_count)
        self.discount = discount

    def estimate(self, stats: OrderCounts) -> None:
        if self.discount is None:
            n = stats.count_of_counts(2)
            note(stats.order, f"Kneser-Ney smoothing {stats.order}-grams\nn1 = {n[1]}\nn2 = {n[2]}")
            # (SRILM's KneserNey::estimate stops where n1 or n2 is 0, with this message)
            self.discount = ney_discount(stats, "adjusted count", "one of required KneserNey count-of-counts is zero")
            note(stats.order, f"D = {self.discount:.6g}")

    def factors(self, counts, totals, observed) -> np.ndarray:
        counts = counts.astype(np.float64)
        return self._cut(counts, (counts - self.discount) / counts)

    def lower_order_weight(self, totals, observed, min2, min3) -> np.ndarray:
        return self.discount * observed / totals

    def write(self, f) -> None:
        super().write(f)
        f.write(f"discount1 {self.discount:.{PROB_PRECISION}g}\n")

    def _read_line(self, fields) -> bool:
        if super()._read_line(fields):
            return True
        if len(fields) == 2 and fields[0] == "discount1":
            self.discount = float(fields[1])
            return True
        return False
