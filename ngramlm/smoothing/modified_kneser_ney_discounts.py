"""The three discounts of modified Kneser-Ney, and what to do where they cannot be estimated: the one
implementation both estimators use (SRILM's, ngramlm.smoothing.modified_kneser_ney, and KenLM's,
ngramlm.smoothing.lmplz and lmplz_on_disk).

Input: one order's count-of-counts n = (n_0, n_1, n_2, n_3, n_4), n_j the number of n-grams with (adjusted) count
j. Output: (D1, D2, D3+), the amounts subtracted from counts 1, 2 and 3 or more.

Chen & Goodman (1998), eq. (26) (after Ries 1997):

    Y = n1 / (n1 + 2 n2),    D_j = j - (j + 1) Y n_{j+1} / n_j    for j = 1, 2, 3

The estimate is undefined where some n_j (j = 1..3) is 0, and unusable where some D_j falls outside [0, j]. KenLM's
lmplz then stops, unless given --discount_fallback discounts, which it substitutes with a warning. The SRILM
path (srilm=True) also refuses an order without n-grams of count 4, as SRILM's ModKneserNey::estimate does, and
substitutes KenLM's default fallback with a SrilmStop warning (an EstimationWarning) carrying SRILM's message:
SRILM's ngram-count stops there (exit status 1), so ngramlm's `ngram-count`, its drop-in, turns that warning into
the same error, while the Python API and `ngramlm train` (lmplz's --discount_fallback semantics) go on with the
fallback. Each path warns in its own words.
"""
from __future__ import annotations

from typing import Sequence

from ..core.errors import ModelError
from .discount import note, warn

# KenLM's --discount_fallback default: D1, D2, D3+ used where the closed-form estimate fails.
FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)


def modified_kneser_ney_discounts(n: Sequence[float], order: int, fallback: Sequence[float] | None = None, *,
                                  srilm: bool = False) -> tuple[float, float, float]:
    """(D1, D2, D3+) of one order from its count-of-counts n = (n_0, .., n_4), by Chen & Goodman's eq. (26).

    Where the estimate is undefined or out of range: with `fallback` (D1, D2, D3+; see full_fallback), warn
    (EstimationWarning) and return the fallback; without, raise ModelError with lmplz's advice.

    srilm: the checks and warnings of ngram-count's modified Kneser-Ney (ngramlm.smoothing.estimate): n_4 must be
        positive too (SRILM's ModKneserNey::estimate requires it), and the fallback defaults to FALLBACK_DISCOUNTS.
    """
    if srilm and fallback is None:
        fallback = FALLBACK_DISCOUNTS
    problem = _undefined(n, order, srilm)
    discounts = None
    if problem is None:
        y = n[1] / (n[1] + 2.0 * n[2])
        # Chen & Goodman (1998), eq. (26).
        discounts = tuple(float(j - (j + 1) * y * n[j + 1] / n[j]) for j in (1, 2, 3))
        problem = _out_of_range(discounts, order, srilm)
        if problem is not None and srilm:  # SRILM's -debug 1 shows the discounts before refusing them
            note(order, "\n".join(f"{name} = {d:.6g}" for name, d in zip(("D1", "D2", "D3+"), discounts)))
    if problem is None:
        return discounts
    if fallback is None:
        raise ModelError(f"{problem} Try deduplicating the input. To override this error, e.g. for a class-based "
                         "model, rerun with --discount-fallback (discount_fallback= in Python).")
    fallback = tuple(float(d) for d in fallback)
    shown = f"D1={fallback[0]:g} D2={fallback[1]:g} D3+={fallback[2]:g}"
    if srilm:
        stop = ("one of required modified KneserNey count-of-counts is zero" if discounts is None
                else "one of modified KneserNey discounts is negative")  # SRILM's ModKneserNey::estimate
        warn(f"{problem} Falling back to {shown}.", stacklevel=4, order=order, srilm=stop, srilm_stops=True)
    else:
        warn(f"{problem} Substituting fallback discounts for {order}-grams: {shown}", stacklevel=4)
    return fallback


def _undefined(n: Sequence[float], order: int, srilm: bool) -> str | None:
    """Why eq. (26) is undefined for these count-of-counts (a zero n_j), or None."""
    for j in (1, 2, 3, 4) if srilm else (1, 2, 3):
        if n[j] == 0:
            if srilm:
                return (f"Could not calculate Kneser-Ney discounts for {order}-grams because we didn't observe any "
                        f"{order}-grams with adjusted count {j}; Is this small or artificial data?")
            return (f"Could not calculate Kneser-Ney discounts for {order}-grams with adjusted count {j + 1} "
                    f"because we didn't observe any {order}-grams with adjusted count {j}; "
                    "is this small or artificial data?")
    return None


def _out_of_range(discounts: Sequence[float], order: int, srilm: bool) -> str | None:
    """Which discount D_j lies outside [0, j], or None."""
    for j, d in enumerate(discounts, 1):
        if not 0.0 <= d <= j:
            if srilm:
                return (f"Kneser-Ney discount D{j}{'+' if j == 3 else ''}={d:g} for {order}-grams is out of range "
                        f"[0, {j}]; Is this small or artificial data?")
            return (f"{order}-gram discount out of range for adjusted count {j}: {d:g}; "
                    "modified Kneser-Ney smoothing thinks something is weird about your data.")
    return None


def full_fallback(values: Sequence[float] | None) -> tuple[float, float, float] | None:
    """lmplz's --discount_fallback: one to three discounts, the last repeated, each D_j within [0, j]."""
    if values is None:
        return None
    values = tuple(float(v) for v in values)
    if not 1 <= len(values) <= 3:
        raise ModelError(f"give one to three fallback discounts (for adjusted counts 1, 2 and 3+), not {len(values)}")
    full = tuple(values[min(j, len(values) - 1)] for j in range(3))
    for j, d in enumerate(full, 1):
        if not 0.0 <= d <= j:
            raise ModelError(f"the fallback discount for count {j} is {d:g}, which is not in the range [0, {j}]")
    return full
