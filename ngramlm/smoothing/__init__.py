"""Smoothing methods: n-gram counts -> BackoffModel, with SRILM's exact semantics.

One module per method, named after the math (additive, good_turing, witten_bell, absolute_discounting,
kneser_ney, modified_kneser_ney, maximum_likelihood), on one shared estimator (backoff_estimator) and the
shared back-off weight computation (ngramlm.smoothing.backoff_weights). `estimate` is the entry point.

In:  NgramCounts (ngramlm.counting.counts) of orders 1..N, a method per order, and ngram-count's parameters.
Out: a BackoffModel (ngramlm.core.model) of order N over the counts' Vocabulary; the counts are not modified.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..core.model import BackoffModel
from ..counting.counts import NgramCounts
from ..core.errors import ModelError
from .absolute_discounting import AbsoluteDiscounting
from .additive import Additive
from .backoff_estimator import OrderPlan, estimate_backoff
from .discount import Discount, EstimationWarning, read_discount_file, write_discount_file
from .good_turing import GoodTuring
from .kneser_ney import KneserNey
from .maximum_likelihood import MaximumLikelihood
from .modified_kneser_ney import ModifiedKneserNey
from .witten_bell import WittenBell

METHODS = ("mle", "additive", "good-turing", "witten-bell", "absolute", "kneser-ney", "modified-kneser-ney")

# SRILM's ngram-count defaults (ngram-count.cc) for orders 1..9: gtNmin is 1 for orders 1-2 and 2 above;
# gtNmax is 1 for unigrams and 7 above. Orders above 9 take -gtmin / -gtmax, whose defaults are 1 and 5.
DEFAULT_GTMIN = (1, 1, 2, 2, 2, 2, 2, 2, 2)
DEFAULT_GTMAX = (1, 7, 7, 7, 7, 7, 7, 7, 7)
DEFAULT_GTMIN_ABOVE_9, DEFAULT_GTMAX_ABOVE_9 = 1, 5

__all__ = ["estimate", "METHODS", "make_discount", "Discount", "EstimationWarning", "read_discount_file",
           "write_discount_file", "DEFAULT_GTMIN", "DEFAULT_GTMAX"]


def estimate(counts: NgramCounts, method: str | Sequence[str] = "modified-kneser-ney", *,
             interpolate: bool | Sequence[bool] | Mapping[int, bool] = False, unk: bool = False,
             srilm_zero_counts: bool = False, **params: Any) -> BackoffModel:
    """Estimate a back-off model from n-gram counts.

    Args:
        counts: counts of orders 1..N (ngramlm.counting.counts); not modified.
        method: one name for every order, or a list with one name per order (SRILM's -wbdiscount1
            -kndiscount2 ...). Names, and the ngram-count flag each matches:
              "mle"                  relative frequencies, no discounting (-gtNmax 0)
              "additive"             add delta to every count (-addsmooth D); param `delta` (default 1)
              "good-turing"          Katz back-off with Good-Turing discounts (ngram-count's default)
              "witten-bell"          Witten-Bell (-wbdiscount)
              "absolute"             absolute discounting (-cdiscount D); param `discount` (default: estimated
                                     as n1 / (n1 + 2 n2))
              "kneser-ney"           original Kneser-Ney, one discount per order (-ukndiscount)
              "modified-kneser-ney"  Chen & Goodman's modified Kneser-Ney, D1, D2, D3+ (-kndiscount)
        interpolate: interpolate each order with the lower one (-interpolate; a list or {order: bool} sets it
            per order, -interpolateN). Witten-Bell, absolute discounting and both Kneser-Neys support it.
        unk: keep <unk> as a word of the model (-unk, open vocabulary); without it n-grams with <unk> are
            left out of the model, as SRILM does for a closed vocabulary.
        srilm_zero_counts: n-grams of count 0 (Kneser-Ney continuation counts of n-grams nothing precedes, as
            under -no-sos; zeros of count files) count among their context's distinct followers, as SRILM's
            ngram-count counts them (the context's probabilities can then sum to more than one); by default
            they are left out.
        params: per-method parameters; each is a single value for every order, a list (first item: order 1)
            or a dict {order: value}:
              gtmin          count cut-off: n-grams with a count below it are dropped (-gtNmin; default
                             1 for orders 1-2, 2 above; applies to every method)
              gtmax          Good-Turing: counts above it are not discounted (-gtNmax; default 1, then 7)
              delta          additive constant
              discount       absolute / Kneser-Ney discount D, or (D1, D2, D3+) for modified Kneser-Ney,
                             instead of estimating it
              discount_file  read the order's discount parameters from an SRILM -gtN / -knN file

    Warnings (EstimationWarning) name the order and the reason when a discount cannot be estimated from the
    counts (tiny or de-duplicated data) and a documented fallback is used instead.
    """
    if counts.order < 1:
        raise ModelError("cannot estimate a model from counts of order 0")
    order = counts.order
    # Orders a list leaves out use ngram-count's default method, Good-Turing.
    methods = _per_order(method, order, "method", "good-turing")
    unknown = {m for m in methods if m not in METHODS}
    if unknown:
        raise ModelError(f"unknown smoothing method {sorted(unknown)[0]!r}; choose one of {', '.join(METHODS)}")
    interpolations = _per_order(interpolate, order, "interpolate", False)
    known = {"gtmin", "gtmax", "delta", "discount", "discount_file"}
    if set(params) - known:
        raise ModelError(f"unknown estimation parameter {sorted(set(params) - known)[0]!r}; "
                         f"known: {', '.join(sorted(known))}")
    per_order = {name: _per_order(value, order, name, None, allow_triple=name == "discount")
                 for name, value in params.items()}
    plans = []
    for n in range(1, order + 1):
        option = {name: values[n - 1] for name, values in per_order.items() if values[n - 1] is not None}
        discount_file = option.pop("discount_file", None)
        discount = make_discount(methods[n - 1], n, **option)
        if discount_file is not None:
            read_discount_file(discount, discount_file)
        plans.append(OrderPlan(discount, bool(interpolations[n - 1]),
                               estimated=discount_file is None))
    return estimate_backoff(counts, plans, unk=unk, srilm_zero_counts=srilm_zero_counts)


def make_discount(method: str, order: int, *, gtmin: float | None = None, gtmax: int | None = None,
                  delta: float | None = None, discount=None) -> Discount:
    """The discount object of `method` for n-grams of order `order`, with SRILM's defaults."""
    if gtmin is None:
        gtmin = DEFAULT_GTMIN[order - 1] if order <= 9 else DEFAULT_GTMIN_ABOVE_9
    if gtmax is None:
        gtmax = DEFAULT_GTMAX[order - 1] if order <= 9 else DEFAULT_GTMAX_ABOVE_9
    min_count = gtmin
    if method == "mle":
        return MaximumLikelihood()
    if method == "additive":
        return Additive(1.0 if delta is None else delta, min_count)
    if method == "good-turing":
        return GoodTuring(int(min_count), int(gtmax))
    if method == "witten-bell":
        return WittenBell(min_count)
    if method == "absolute":
        return AbsoluteDiscounting(discount, min_count)
    if method == "kneser-ney":
        return KneserNey(discount, int(min_count))
    if method == "modified-kneser-ney":
        return ModifiedKneserNey(discount, int(min_count))
    raise ModelError(f"unknown smoothing method {method!r}")


def _per_order(value, order: int, name: str, default, *, allow_triple: bool = False) -> list:
    """Expand a parameter to one value per order: a scalar applies to all, a list is indexed from order 1,
    a dict maps orders to values. A 3-tuple of numbers is a scalar for modified Kneser-Ney's `discount`."""
    if isinstance(value, Mapping):
        bad = [k for k in value if not (isinstance(k, int) and 1 <= k <= order)]
        if bad:
            raise ModelError(f"{name}: order {bad[0]!r} is not between 1 and {order}")
        return [value.get(n, default) for n in range(1, order + 1)]
    is_triple = (allow_triple and isinstance(value, tuple) and len(value) == 3
                 and all(isinstance(v, (int, float)) for v in value))
    if isinstance(value, (list, tuple)) and not is_triple:
        if len(value) > order:
            raise ModelError(f"{name}: {len(value)} values given for a model of order {order}")
        return list(value) + [default] * (order - len(value))
    return [value] * order
