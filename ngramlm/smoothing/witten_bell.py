"""Witten-Bell smoothing: the probability of a new word in context h is estimated from how many different
words have followed h.

Witten & Bell (1991); Chen & Goodman (1998), section "Witten-Bell smoothing":
    p_WB(w | h) = (c(h w) + N1+(h .) p(w | h')) / (c(h) + N1+(h .))
so the discount factor on c/T is d = T / (T + N1+(h .)) and the lower-order weight is
gamma(h) = N1+(h .) / (T + N1+(h .)).

In:  per n-gram its count c, its context's total T and N1+(h .); no parameters to estimate.
Out: d as above (0 below the cut-off) and gamma(h).
"""
from __future__ import annotations

import numpy as np

from .discount import Discount


class WittenBell(Discount):
    def factors(self, counts, totals, observed) -> np.ndarray:
        # Witten-Bell (Chen & Goodman 1998): the seen words share T / (T + N1+).
        return self._cut(counts, totals / (totals + observed))

    def lower_order_weight(self, totals, observed, min2, min3) -> np.ndarray:
        # Witten-Bell (Chen & Goodman 1998): the lower order gets N1+ / (T + N1+).
        return observed / (totals + observed)
