"""Modified Kneser-Ney smoothing (Chen & Goodman 1998): three discounts per order, for counts 1, 2 and 3+.

Chen & Goodman (1998), eq. (26) (after Ries 1997):

    Y = n1 / (n1 + 2 n2)
    D1 = 1 - 2 Y n2 / n1,   D2 = 2 - 3 Y n3 / n2,   D3+ = 3 - 4 Y n4 / n3

and, in the same section: d = (c - D(c)) / c, gamma(h) = (D1 N1(h .) + D2 N2(h .) + D3+ N3+(h .)) / c(h).
Lower orders use continuation counts (continuation_counts.py), including for n_r.
"""
from __future__ import annotations

import numpy as np

from .discount import Discount, OrderCounts, warn

# KenLM's --discount_fallback defaults, used when a count-of-count is zero or a discount is out of range.
FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)
# Precision SRILM uses for discount files (Prob_Precision).
_PRECISION = 16


class ModifiedKneserNey(Discount):
    modifies_counts = True

    def __init__(self, discounts: tuple[float, float, float] | None = None, min_count: float = 1):
        super().__init__(min_count)
        self.discounts = None if discounts is None else tuple(float(d) for d in discounts)

    def estimate(self, stats: OrderCounts) -> None:
        if self.discounts is not None:
            return
        n = stats.count_of_counts(4).astype(np.float64)
        fallback = " ".join(f"D{i}={d:g}" for i, d in zip(("1", "2", "3+"), FALLBACK_DISCOUNTS))
        for r in range(1, 5):
            if n[r] == 0:
                warn(f"Could not calculate Kneser-Ney discounts for {stats.order}-grams because we didn't observe "
                     f"any {stats.order}-grams with adjusted count {r}; Is this small or artificial data? "
                     f"Falling back to {fallback}.")
                self.discounts = FALLBACK_DISCOUNTS
                return
        # Chen & Goodman (1998) eq. (26).
        y = n[1] / (n[1] + 2.0 * n[2])
        discounts = tuple(r - (r + 1) * y * n[r + 1] / n[r] for r in (1, 2, 3))
        for r, d in enumerate(discounts, 1):
            if not 0.0 <= d <= r:
                warn(f"Kneser-Ney discount D{r}{'+' if r == 3 else ''}={d:g} for {stats.order}-grams is out of range "
                     f"[0, {r}]; Is this small or artificial data? Falling back to {fallback}.")
                self.discounts = FALLBACK_DISCOUNTS
                return
        self.discounts = discounts

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
            f.write(f"{name} {d:.{_PRECISION}f}\n")

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
