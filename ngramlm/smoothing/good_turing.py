"""Good-Turing discounting with Katz back-off (SRILM's default method).

Good (1953); Katz (1987): a count r <= k is replaced by r* = (r + 1) n_{r+1} / n_r, renormalised so that the
mass taken from counts 1..k equals the Good-Turing estimate n_1 / N of the unseen mass (Katz 1987;
Chen & Goodman 1998, section "Katz smoothing"):

    d_r = (r*/r - (k+1) n_{k+1} / n_1) / (1 - (k+1) n_{k+1} / n_1)      for 1 <= r <= k

Counts above k (gtNmax) are trusted (d = 1) and counts below gtNmin are dropped. As in SRILM, missing
count-of-counts lower k, and coefficients outside (0, 1] are replaced by 1 (no discount) with a warning (SRILM
lets a coefficient above 1 through on odd data, making an improper model; we do not).

In:  the order's count-of-counts n_1..n_{k+1} (OrderCounts), gtmin and gtmax = k.
Out: the coefficients d_1..d_k (k lowered where counts are missing), d per n-gram by its count (1 above k, 0 below
     gtmin), and gamma(h) = 0: Katz's method backs off, never interpolates; -gtN files.
"""
from __future__ import annotations

import numpy as np

from ..core.constants import PROB_EPSILON, PROB_PRECISION
from .discount import Discount, OrderCounts, note, warn


class GoodTuring(Discount):
    def __init__(self, min_count: float = 1, max_count: int = 5):
        super().__init__(min_count)
        self.max_count = int(max_count)
        self.coefficients = np.ones(self.max_count + 1)

    def estimate(self, stats: OrderCounts) -> None:
        n = stats.count_of_counts(self.max_count + 1).astype(np.float64)
        order, name = stats.order, f"{stats.order}-grams"
        note(order, f"Good-Turing discounting {name}")
        for r in range(self.max_count + 2):
            note(order, f"GT-count [{r}] = {int(n[r])}")
        if n[1] == 0:
            warn(f"Good-Turing: no singleton {name}; Is this small or de-duplicated data? {name} are not discounted.",
                 order=order, srilm="warning: no singleton counts")
            self.max_count = 0
        highest = self.max_count
        while self.max_count > 0 and n[self.max_count + 1] == 0:
            self.max_count -= 1
        if self.max_count < highest:
            # SRILM's line for each step down
            warn(f"Good-Turing: no {name} with count {self.max_count + 2}; lowering gt{order}max from "
                 f"{highest} to {self.max_count}.", order=order, srilm="\n".join(
                     f"warning: count of count {k + 1} is zero -- lowering maxcount"
                     for k in range(highest, self.max_count, -1)))
        k = self.max_count
        self.coefficients = np.ones(k + 1)
        if k <= 0:
            warn(f"Good-Turing: {name} are not discounted (gt{order}max 0).", order=order,
                 srilm="GT discounting disabled")
            return
        # Katz (1987): the common term (k+1) n_{k+1} / n_1.
        common = (k + 1) * n[k + 1] / n[1]
        for r in range(1, k + 1):
            if n[r] == 0:
                warn(f"Good-Turing: no {name} with count {r}; count {r} is not discounted.", order=order,
                     srilm=f"warning: count of count {r} is zero")
                continue
            ratio = (r + 1) * n[r + 1] / (r * n[r])
            with np.errstate(divide="ignore", invalid="ignore"):
                coefficient = (ratio - common) / (1.0 - common)
            # SRILM checks all but coefficient > 1 (possible when (k+1) n_{k+1} > n_1), which would make the
            # context's probabilities sum to more than one; we treat it as out of range too.
            if not np.isfinite(coefficient) or coefficient <= PROB_EPSILON or ratio > 1.0 or coefficient > 1.0:
                warn(f"Good-Turing: discount coefficient for {name} with count {r} is out of range "
                     f"({coefficient:.6g}); count {r} is not discounted.", order=order,
                     srilm=f"warning: discount coeff {r} is out of range: {coefficient:.6g}")
                continue
            self.coefficients[r] = coefficient

    def no_discount(self) -> bool:
        return self.min_count <= 1 and self.max_count <= 0

    def factors(self, counts, totals, observed) -> np.ndarray:
        table = np.ones(self.max_count + 2)
        table[:self.max_count + 1] = self.coefficients[:self.max_count + 1]
        table[0] = 1.0
        return self._cut(counts, table[np.minimum(counts, self.max_count + 1).astype(np.int64)])

    def write(self, f) -> None:
        super().write(f)
        f.write(f"maxcount {self.max_count}\n")
        for r in range(1, self.max_count + 1):
            f.write(f"discount {r} {self.coefficients[r]:.{PROB_PRECISION}g}\n")

    def _read_line(self, fields) -> bool:
        if super()._read_line(fields):
            return True
        if len(fields) == 2 and fields[0] == "maxcount":
            self.max_count = int(fields[1])
            self.coefficients = np.zeros(self.max_count + 1)
            return True
        if len(fields) == 3 and fields[0] == "discount":
            r = int(fields[1])
            if r >= len(self.coefficients):
                self.coefficients = np.concatenate((self.coefficients, np.ones(r + 1 - len(self.coefficients))))
            self.coefficients[r] = float(fields[2])
            return True
        return False
