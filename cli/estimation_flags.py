"""ngram-count's estimation flags (-kndiscount, -interpolate, -gtNmin, ...) and the model they ask for.

`OPTIONS` holds click option decorators that cli/ngram_count.py applies to its command; `build_model` turns counts
and the parsed flags into a BackoffModel when -lm is given; `write_discount_parameters` writes the -gtN / -knN
files when no -lm is given. Flag names, defaults and their interplay follow SRILM 1.7.3's ngram-count:

  - A method flag without a digit (-kndiscount) is the default for every order that has no flag of its own
    (-wbdiscount1 -kndiscount2 ...); two methods for one order are an error. Without any, Good-Turing is used.
  - -interpolate turns interpolation on for all orders, -interpolateN for order N.
  - -gtNmin is the count cut-off of order N for every method (default 1 for orders 1-2, 2 above), -gtNmax the
    Good-Turing discounting range (default 1 for unigrams, 7 above); -gtmin / -gtmax apply only to orders
    above 9, as in SRILM.
  - -gtN FILE / -knN FILE: with -lm the order's discount parameters are read from FILE; without -lm they are
    estimated and written to FILE.
  - Kneser-Ney discounts the count-of-counts leave undefined (a zero n1..n4, a negative D) stop estimation, as in
    SRILM (SrilmStop raised, see stop_lines), where ngramlm's Python API and `ngramlm train` warn and use fixed
    fallback discounts (lmplz's --discount_fallback): a drop-in must fail where SRILM fails, not write a model
    SRILM would not.
"""
from __future__ import annotations

import warnings

import click

from ngramlm.core.errors import ModelError
from ngramlm.smoothing import (DEFAULT_GTMAX, DEFAULT_GTMIN, EstimationWarning, estimate, make_discount,
                               write_discount_file)
from ngramlm.smoothing.discount import SrilmStop

MAX_FLAG_ORDER = 9
_SUFFIXES = [""] + [str(n) for n in range(1, MAX_FLAG_ORDER + 1)]


def _which(n: int | None) -> str:
    return "every order without its own flag" if n is None else f"{n}-grams"


def _family(flag: str, kind: str, help_text: str, metavar: str | None = None) -> list:
    """One option per suffix: -FLAG (default for all orders) and -FLAG1 .. -FLAG9."""
    options = []
    for suffix in _SUFFIXES:
        n = int(suffix) if suffix else None
        text = help_text.format(which=_which(n))
        if kind == "flag":
            options.append(click.option(f"-{flag}{suffix}", f"{flag}{suffix}".replace("-", "_"), is_flag=True,
                                        help=text))
        else:
            options.append(click.option(f"-{flag}{suffix}", f"{flag}{suffix}".replace("-", "_"), type=kind,
                                        default=None, metavar=metavar, help=text))
    return options


def _cutoff_options() -> list:
    options = [
        click.option("-gtmin", "gtmin", type=float, default=1, show_default=True,
                     help="Count cut-off for orders above 9."),
        click.option("-gtmax", "gtmax", type=int, default=5, show_default=True,
                     help="Good-Turing discounting range for orders above 9."),
    ]
    for n in range(1, MAX_FLAG_ORDER + 1):
        options.append(click.option(
            f"-gt{n}min", f"gt{n}min", type=float, default=DEFAULT_GTMIN[n - 1], show_default=True,
            help=f"Count cut-off: {n}-grams with a lower count are left out of the model (every method)."))
        options.append(click.option(
            f"-gt{n}max", f"gt{n}max", type=int, default=DEFAULT_GTMAX[n - 1], show_default=True,
            help=f"Good-Turing: {n}-gram counts above this are not discounted."))
    return options


OPTIONS: list = [
    *_family("addsmooth", float, "Additive smoothing: add D to every count, for {which}.", "D"),
    *_family("wbdiscount", "flag", "Witten-Bell discounting for {which}."),
    *_family("cdiscount", float, "Absolute discounting (Ney's) with constant D, for {which}.", "D"),
    *_family("ukndiscount", "flag", "Original Kneser-Ney discounting (one discount per order) for {which}."),
    *_family("kndiscount", "flag", "Modified Kneser-Ney discounting (Chen & Goodman's D1, D2, D3+) for {which}."),
    *_family("interpolate", "flag", "Interpolate with the lower order instead of backing off, for {which} "
                                    "(Witten-Bell, absolute discounting and Kneser-Ney)."),
    *_cutoff_options(),
    *_family("gt", str, "Good-Turing parameter file for {which}: read with -lm, written without it.", "FILE"),
    *_family("kn", str, "Kneser-Ney parameter file for {which}: read with -lm, written without it; selects "
                        "modified Kneser-Ney unless -ukndiscount is given.", "FILE"),
]


def _order_method(params: dict, n: int) -> tuple[str, dict]:
    """The smoothing method of order n and its options, by SRILM's rules (see the module docstring)."""
    index = "" if n > MAX_FLAG_ORDER else str(n)

    def chosen(suffix: str) -> list[str]:
        names = []
        if params[f"wbdiscount{suffix}"]:
            names.append("witten-bell")
        if params[f"cdiscount{suffix}"] is not None:
            names.append("absolute")
        if params[f"addsmooth{suffix}"] is not None:
            names.append("additive")
        if params[f"ukndiscount{suffix}"]:
            names.append("kneser-ney")
        if params[f"kndiscount{suffix}"] or params[f"kn{suffix}"]:
            names.append("modified-kneser-ney")
        if params[f"gt{suffix}"]:
            names.append("good-turing")
        return names

    own = chosen(index) if index else []
    if len(own) > 1:
        raise ModelError(f"conflicting discounting options for order {n} ({', '.join(own)}); give one")
    suffix = index if own else ""
    if not own:
        inherited = chosen("")
        if len(inherited) > 1:
            raise ModelError(f"conflicting default discounting options ({', '.join(inherited)}); give one")
    # -ukndiscountN with -knN FILE: original Kneser-Ney reading its parameters from the file (as in SRILM).
    if params[f"ukndiscount{suffix}"]:
        method = "kneser-ney"
    elif params[f"wbdiscount{suffix}"]:
        method = "witten-bell"
    elif params[f"cdiscount{suffix}"] is not None:
        method = "absolute"
    elif params[f"addsmooth{suffix}"] is not None:
        method = "additive"
    elif params[f"kndiscount{suffix}"] or params[f"kn{suffix}"]:
        method = "modified-kneser-ney"
    else:
        method = "good-turing"
    options = {
        "gtmin": params["gtmin"] if not index else params[f"gt{n}min"],
        "gtmax": params["gtmax"] if not index else params[f"gt{n}max"],
    }
    if method == "absolute":
        options["discount"] = params[f"cdiscount{suffix}"]
    if method == "additive":
        options["delta"] = params[f"addsmooth{suffix}"]
    family = {"kneser-ney": "kn", "modified-kneser-ney": "kn", "good-turing": "gt"}.get(method)
    if family and (params[f"{family}{index}"] or params[family]):
        options["discount_file"] = params[f"{family}{index}"] or params[family]
    return method, options


def _plan(params: dict, order: int) -> tuple[list[str], dict, list[bool]]:
    methods, per_order = [], {}
    for n in range(1, order + 1):
        method, options = _order_method(params, n)
        methods.append(method)
        for name, value in options.items():
            per_order.setdefault(name, {})[n] = value
    interpolate = [bool(params["interpolate"] or (n <= MAX_FLAG_ORDER and params[f"interpolate{n}"]))
                   for n in range(1, order + 1)]
    return methods, per_order, interpolate


def methods(params: dict, order: int) -> list[str]:
    """The smoothing method of each order 1..order, as the flags choose them."""
    return _plan(params, order)[0]


def build_model(counts, params: dict, quiet: bool, *, catch_warnings: bool = True):
    """Estimate a back-off model from `counts` as the ngram-count flags in `params` ask (click parameter names).

    Estimation warnings (a discount that the counts leave undefined, and the fallback used) go to stderr, in
    SRILM's words where it has some (warning_line), after estimation; with `catch_warnings` False they are left
    to the caller's warning filters instead.
    """
    methods, per_order, interpolate = _plan(params, counts.order)
    # (SRILM's treatment of zero counts: ngramlm.smoothing.backoff_estimator._ngrams)
    options = dict(interpolate=interpolate, unk=bool(params.get("unk")), srilm_zero_counts=True, **per_order)
    if not catch_warnings:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SrilmStop)
            return estimate(counts, methods, **options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EstimationWarning)
        warnings.simplefilter("error", SrilmStop)
        try:
            return estimate(counts, methods, **options)
        finally:  # (the warnings of the orders estimated before a SrilmStop too, as SRILM prints them)
            for warning in caught:
                click.echo(warning_line(warning.message), err=True)


def stop_lines(stop: SrilmStop) -> list[str]:
    """What SRILM's ngram-count prints where a discount cannot be estimated (it then exits with status 1)."""
    return [stop.srilm, f"error in discount estimator for order {stop.order}"]


def warning_line(warning: Warning) -> str:
    """What ngram-count prints for an estimation warning: SRILM's line where it has one, else ours."""
    srilm = getattr(warning, "srilm", None)
    return srilm if srilm is not None else f"warning: {warning}"


def discount_orders(params: dict, order: int) -> list[tuple[int, str]]:
    """Without -lm: the (order, method) of each order whose discount SRILM's ngram-count estimates."""
    methods, per_order, _ = _plan(params, order)
    files = per_order.get("discount_file", {})
    # Good-Turing is a method flag's default only where an -lm is estimated
    return [(n, method) for n, method in enumerate(methods, 1) if files.get(n) or method != "good-turing"]


def write_discount_parameters(counts, params: dict) -> list[tuple[int, str]]:
    """Without -lm: estimate the discounts SRILM's ngram-count estimates then (the orders with a method flag or a
    -gtN / -knN file) and write those that name a file; returns the (order, method) of each order estimated.
    Estimation warnings are left to the caller's warning filters; a SrilmStop is raised."""
    from ngramlm.smoothing.backoff_estimator import OrderPlan, predicted_words, prepare_counts

    methods, per_order, _ = _plan(params, counts.order)
    files = [per_order.get("discount_file", {}).get(n) for n in range(1, counts.order + 1)]
    if not any(files):
        return []
    plans, estimated = [], discount_orders(params, counts.order)
    for n, method in enumerate(methods, 1):
        options = {name: values[n] for name, values in per_order.items() if n in values and name != "discount_file"}
        plans.append(OrderPlan(make_discount(method, n, **options), estimated=(n, method) in estimated))
    predicted = predicted_words(len(counts.vocab), bool(params.get("unk")))

    def write_files(below: int) -> None:
        for n, (plan, path) in enumerate(zip(plans, files), 1):
            if path and n < below:
                write_discount_file(plan.discount, path)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SrilmStop)
            prepare_counts(counts, plans, predicted, int(predicted.sum()))
    except SrilmStop as stop:  # SRILM writes each order's file once estimated: those below the order it stops at
        write_files(stop.order)  # (none on any other error: the orders above were not estimated)
        raise
    write_files(counts.order + 1)
    return estimated
