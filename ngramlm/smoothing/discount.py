"""The interface every discounting method implements (SRILM's Discount class, vectorised over arrays).

For an n-gram h w with count c in a context h whose followers have total count T and number of distinct
followers N1+(h .), the back-off estimator (ngramlm.smoothing.backoff_estimator) computes

    p(w | h) = d(c, T, N1+) * c / T  [+ gamma(h) * p(w | h')  when interpolated]

A method supplies the discount factor d (0 drops the n-gram: a count below the cut-off), the lower-order weight
gamma(h) of interpolated estimates, and the estimation of its parameters from the count-of-counts of its order.
Parameters can be written to and read from SRILM's discount files (ngram-count -gtN / -knN FILE).

In:  OrderCounts of one order: its counts, which of them end in a predicted word, the vocabulary size.
Out: the method's parameters (estimate); d per n-gram (factors) and gamma(h) per context (lower_order_weight), float
     arrays for the back-off estimator; the parameters as an SRILM discount file (write, read).
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from ..core.errors import InputError


@dataclass
class OrderCounts:
    """What a discount estimator sees of one order: its (possibly Kneser-Ney-modified) counts, which of those
    n-grams end in a word that can be predicted (count-of-counts are taken over these), and the number of
    words a distribution ranges over (the vocabulary less <s>, and less <unk> in a closed vocabulary)."""

    order: int
    counts: np.ndarray
    predicted: np.ndarray
    vocab_size: int
    extra: np.ndarray | None = None  # count-of-counts to add: those of meta n-grams (ngramlm.smoothing.meta_counts)

    def count_of_counts(self, highest: int) -> np.ndarray:
        """n[r] = number of predicted n-grams with count r, for r = 0..highest."""
        counts = self.counts[self.predicted]
        n = np.bincount(counts[counts <= highest], minlength=highest + 1)[:highest + 1]
        if self.extra is not None:
            n[:min(len(self.extra), highest + 1)] += self.extra[:highest + 1]
        return n


def warn(message: str, stacklevel: int = 3, *, order: int | None = None, srilm: str | None = None,
         srilm_stops: bool = False) -> None:
    """A warning about estimation that the user can act on (shown once per message by default); `stacklevel`
    counts from this function, as warnings.warn's does (3: the caller of its caller). `srilm`: the line SRILM's
    ngram-count prints in its place (ngramlm's `ngram-count` prints that one), `order`: the order estimated.
    `srilm_stops`: SRILM's ngram-count stops here instead of going on (the warning is a SrilmStop)."""
    category = SrilmStop if srilm_stops else EstimationWarning
    warnings.warn(category(message, order=order, srilm=srilm), stacklevel=stacklevel)


class EstimationWarning(UserWarning):
    """A discount could not be estimated as the method defines it, and a documented fallback was used.
    `order` (or None) and `srilm`, SRILM's line for it (or None), as warn gives them."""

    def __init__(self, message: str, *, order: int | None = None, srilm: str | None = None):
        super().__init__(message)
        self.order, self.srilm = order, srilm


class SrilmStop(EstimationWarning):
    """A discount the counts leave undefined (Kneser-Ney's), where SRILM's ngram-count stops with `srilm` as its
    message and exit status 1 instead of using a fallback. ngramlm's `ngram-count`, a drop-in for SRILM's, turns
    it into that error (warnings filter "error"); the Python API and `ngramlm train` (lmplz's --discount_fallback
    semantics: a warned fallback) see an EstimationWarning and go on with the fallback."""


# SRILM's -debug 1 lines of discount estimation (count-of-counts, discounts: Discount.cc's), one log record each
# with the order as `order`; `ngram-count -debug 1` prints them, nothing else does.
log = logging.getLogger(__name__)


def note(order: int, text: str) -> None:
    """Log one of SRILM's -debug 1 lines about estimating the discount of `order`."""
    if log.isEnabledFor(logging.INFO):
        log.info(text, extra={"order": order})


FALLBACK_DISCOUNT = 0.5  # absolute discounting and original Kneser-Ney, where n1 or n2 is 0


def ney_discount(stats: OrderCounts, counted: str, srilm: str | None = None) -> float:
    """D = n1 / (n1 + 2 n2) from the order's count-of-counts (Ney, Essen & Kneser 1994), or FALLBACK_DISCOUNT
    with a warning where n1 or n2 is zero. `counted` names the counts in that warning ("count", "adjusted
    count"); `srilm`: SRILM's message where its ngram-count stops instead (the warning is then a SrilmStop)."""
    n = stats.count_of_counts(2)
    if n[1] == 0 or n[2] == 0:
        which = 1 if n[1] == 0 else 2
        warn(f"Could not calculate the discount for {stats.order}-grams because we didn't observe any "
             f"{stats.order}-grams with {counted} {which}; Is this small or artificial data? "
             f"Falling back to D={FALLBACK_DISCOUNT}.", order=stats.order, srilm=srilm, srilm_stops=srilm is not None)
        return FALLBACK_DISCOUNT
    return n[1] / (n[1] + 2.0 * n[2])


class Discount:
    """Base class: no discounting, no cut-off, no interpolation weight."""

    #: Kneser-Ney replaces the counts of its order (below the highest) with continuation counts.
    modifies_counts = False

    def __init__(self, min_count: float = 1):
        self.min_count = min_count

    def estimate(self, stats: OrderCounts) -> None:
        """Estimate the parameters from the counts of the order (nothing to do by default)."""

    def no_discount(self) -> bool:
        """True when this discount leaves every count unchanged (SRILM then skips its checks)."""
        return False

    def factors(self, counts: np.ndarray, totals: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """d(c, T, N1+) for each n-gram: p = d * c / T."""
        return self._cut(counts, np.ones(len(counts)))

    def lower_order_weight(self, totals, observed, min2, min3) -> np.ndarray:
        """gamma(h) per context from T, N1+(h .), N2+(h .), N3+(h .) (0: the method does not interpolate)."""
        return np.zeros(len(totals))

    def _cut(self, counts: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """Apply the count cut-off (gtNmin): counts below it are dropped (factor 0)."""
        return np.where(counts < self.min_count, 0.0, factors)

    def write(self, f: TextIO) -> None:
        """Write the parameters in SRILM's discount-file format."""
        f.write(f"mincount {_count_text(self.min_count)}\n")

    def read(self, path: str, lines: list[tuple[int, str]]) -> None:
        """Read parameters written by `write` (or by SRILM); unknown lines are an InputError."""
        for lineno, line in lines:
            if not self._read_line(line.split()):
                raise InputError(path, lineno, f"unrecognised discount parameter {line.strip()!r} for "
                                 f"{type(self).__name__}; expected lines such as 'mincount 1'")

    def _read_line(self, fields: list[str]) -> bool:
        if len(fields) == 2 and fields[0] == "mincount":
            self.min_count = float(fields[1])
            return True
        return False


def _count_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def read_discount_file(discount: Discount, path: str) -> None:
    """Load `discount`'s parameters from an SRILM discount file (-gtN / -knN)."""
    from ..core.io import iter_lines

    lines = [(n, line) for n, line in iter_lines(path) if line.strip()]
    discount.read(path, lines)


def write_discount_file(discount: Discount, path: str) -> None:
    """Save `discount`'s parameters as an SRILM discount file."""
    from ..core.io import atomic_write

    with atomic_write(path) as f:
        discount.write(f)
