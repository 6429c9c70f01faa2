"""Modified Kneser-Ney smoothing (Chen & Goodman 1998): three discounts per order, for counts 1, 2 and 3+.

The discounts D1, D2, D3+ come from the order's count-of-counts by Chen & Goodman's eq. (26)
(modified_kneser_ney_discounts.py, shared with lmplz), and, in the same section:
d = (c - D(c)) / c, gamma(h) = (D1 N1(h .) + D2 N2(h .) + D3+ N3+(h .)) / c(h).
Lower orders use continuation counts (continuation_counts.py), including for n_r.

In:  (D1, D2, D3+), or the count-of-counts n_0..n_4 of the order's (continuation) counts (OrderCounts).
Out: (D1, D2, D3+) (FALLBACK_DISCOUNTS with an EstimationWarning where eq. 26 fails), d and gamma(h); -knN files.
"""
from __future__ import annotations

import numpy as np

from ..core.constants import PROB_PRECISION
from .discount import Discount, OrderCounts, note
from .modified_kneser_ney_discounts import modified_kneser_ney_discounts


class ModifiedKneserNey(Discount):
    modifies_counts = True

    def __init__(self, discounts: tuple[float, float, float] | None = None, min_count: float = 1):
        super().__init__(min_count)
        self.discounts = None if discounts is None else tuple(float(d) for d in discounts)

    def estimate(self, stats: OrderCounts) -> None:
        if self.discounts is not None:
            return
        n = stats.count_of_counts(4).astype(np.float64)
        note(stats.order, f"Kneser-Ney smoothing {stats.order}-grams\n" +
             "\n".join(f"n{j} = {int(n[j])}" for j in (1, 2, 3, 4)))
        self.discounts = modified_kneser_ney_discounts(n, stats.order, srilm=True)
        note(stats.order, "\n".join(f"{name} = {d:.6g}" for name, d in zip(("D1", "D2", "D3+"), self.discounts)))

    def factors(self, counts, totals, observed) -> np.ndarray:
        counts = counts.astype(np.float64)
        d1, d2, d3 = self.discounts
        # Chen & Goodman (1998), modified Kneser-Ney: D(c) = D1, D2, D3+ for c = 1, 2, >= 3.
        subtract = np.where(counts >= 3, d3, np.where(counts == 2, d2, d1))
        return self._cut(counts, (counts - subtract) / counts)

    def lower_order_weight(self, totals, observed, min2, min3) -> np.ndarray:
        d1, d2, d3 = self.discounts
        # Chen & Goodman (1998), modified Kneser-Ney: the mass the three discounts free.
        return (d1 * (observed - min2) + d2 * (min2 - min3) + d3 * min3) / totals

    def write(self, f) -> None:
        super().write(f)
        for name, d in zip(("discount1", "discount2", "discount3+"), self.discounts):
            f.write(f"{name} {d:.{PROB_PRECISION}f}\n")

    def _read_line(self, fields) -> bool:
        if super()._read_line(fields):
            return True
        names = ("discount1", "discount2", "discount3+")
        if len(fields) == 2 and fields[0] in names:
            current = list(self.discounts or (0.0, 0.0, 0.0))
            current[names.index(fields[0])] = float(fields[1])
            self.discounts = tuple(current)
            return True
        return False
