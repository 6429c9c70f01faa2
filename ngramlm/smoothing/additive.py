"""Additive (Lidstone) smoothing: add delta to the count of every word of the vocabulary.

Chen & Goodman (1998), section "Additive smoothing":  p_add(w | h) = (c(h w) + delta) / (c(h) + delta * |V|).
As a discount factor on c/T (SRILM's AddSmooth): d = (1 + delta / c) / (1 + |V| delta / T). Unseen words get
their delta / (T + |V| delta) through the back-off weight, which the normalisation computes.

In:  delta, the vocabulary size |V| (OrderCounts.vocab_size: the only thing estimated), per n-gram c and T.
Out: d as above (0 below the cut-off) and gamma(h) = 0: additive smoothing backs off, never interpolates.
"""
from __future__ import annotations

import numpy as np

from .discount import Discount, OrderCounts


class Additive(Discount):
    def __init__(self, delta: float = 1.0, min_count: float = 1):
        super().__init__(min_count)
        self.delta = max(0.0, float(delta))
        self.vocab_size = 0

    def estimate(self, stats: OrderCounts) -> None:
        self.vocab_size = stats.vocab_size

    def no_discount(self) -> bool:
        return self.min_count <= 1 and self.delta == 0.0

    def factors(self, counts, totals, observed) -> np.ndarray:
        counts = counts.astype(np.float64)
        # Chen & Goodman (1998), additive smoothing, divided by c / T.
        d = (1.0 + self.delta / counts) / (1.0 + self.vocab_size * self.delta / totals)
        return self._cut(counts, d)
