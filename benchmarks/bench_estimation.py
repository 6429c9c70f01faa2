"""Estimation speed: counts -> BackoffModel for every SRILM-compatible smoothing method, beside the KenLM-style
estimator of the same package (ngramlm.smoothing.lmplz, lmplz's interpolated modified Kneser-Ney).

    python benchmarks/bench_estimation.py [--text PATH] [--orders 3 5] [--repeat 3]

Counting is done once per order and not timed in the estimation columns (its time is printed apart). Each
estimation is run --repeat times in this process; the table shows the best wall-clock time. The default text is
../shared/reference/srilm-brown-10k/train.txt (10,000 sentences, about 200k tokens), the data of the SRILM
reference models.
"""
from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path
from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
DEFAULT_TEXT = SHARED / "reference" / "srilm-brown-10k" / "train.txt"

# (label, estimate() arguments); cut-offs off above order 2 (-gtNmin 1), as in the reference commands.
METHODS = [
    ("modified-kneser-ney, interpolated (-kndiscount -interpolate)",
     dict(method="modified-kneser-ney", interpolate=True)),
    ("modified-kneser-ney, back-off (-kndiscount)", dict(method="modified-kneser-ney")),
    ("kneser-ney, interpolated (-ukndiscount -interpolate)", dict(method="kneser-ney", interpolate=True)),
    ("witten-bell, interpolated (-wbdiscount -interpolate)", dict(method="witten-bell", interpolate=True)),
    ("good-turing / Katz (default)", dict(method="good-turing")),
]


def best_time(function, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    parser.add_argument("--orders", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from ngramlm.counting.corpus_count import count_files
    from ngramlm.smoothing import estimate
    from ngramlm.smoothing.lmplz import estimate_lmplz
    from ngramlm.core.vocab import Vocabulary

    print(f"machine: {describe_machine()}")
    print(f"text: {args.text}")
    warnings.simplefilter("ignore")
    rows = []
    for order in args.orders:
        start = time.perf_counter()
        counts = count_files([str(args.text)], order, Vocabulary())
        counting = time.perf_counter() - start
        sizes = "/".join(str(len(g)) for g in counts.ngrams)
        print(f"order {order}: counted {sizes} n-grams in {counting:.2f} s")
        no_cutoffs = {n: 1 for n in range(3, order + 1)}
        for label, arguments in METHODS:
            seconds = best_time(lambda: estimate(counts, unk=True, gtmin=no_cutoffs, **arguments), args.repeat)
            rows.append((order, f"ngramlm.smoothing.estimate: {label}", seconds))
        seconds = best_time(lambda: estimate_lmplz(counts, unk=True), args.repeat)
        rows.append((order, "peer: ngramlm.smoothing.lmplz (KenLM lmplz's modified Kneser-Ney)", seconds))
    width = max(len(r[1]) for r in rows)
    print(f"\n{'order':>5}  {'estimator':<{width}}  {'seconds':>8}")
    for order, label, seconds in rows:
        print(f"{order:>5}  {label:<{width}}  {seconds:>8.2f}")


if __name__ == "__main__":
    main()
