"""Pruning while counting: `ngram-count -order 3 -text ptb/train.txt -kndiscount -interpolate -prune T -lm F`,
ngramlm's against SRILM's, alternating in pairs (issue 19).

    python benchmarks/bench_count_prune.py [--pairs 3] [--srilm DIR] [--threshold 1e-8] [--text FILE]

Each run is a fresh process measured by wait4 (CPU seconds, user + system, and peak resident MiB: see
bench_end_to_end.Runner); the ratio (ngramlm / SRILM, below 1: ngramlm faster or smaller) is taken within each
pair, and the table gives its median and range. Also said: whether the two pruned models hold the same n-grams
with the same probabilities (back-off weights may differ in the last printed digit: see tests/srilm_cases.py).
SRILM's ngram-count is looked for in --srilm (searched recursively) or on PATH.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_end_to_end import CORPORA, OURS_NGRAM_COUNT, Runner, alternate, find_program, python, summarise
from machine import describe_machine


def same_probabilities(a: Path, b: Path) -> bool:
    """Same ARPA lines but for the back-off weights."""
    def cut(path: Path) -> list[str]:
        return ["\t".join(line.split("\t")[:2]) for line in path.read_text(encoding="utf-8").splitlines()]
    return cut(a) == cut(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--srilm", help="folder holding SRILM's ngram-count (searched recursively)")
    parser.add_argument("--threshold", default="1e-8")
    parser.add_argument("--text", default=str(CORPORA / "ptb" / "train.txt"))
    args = parser.parse_args()
    srilm = find_program("ngram-count", args.srilm)
    if srilm is None:
        sys.exit("SRILM's ngram-count not found: pass --srilm")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        runner = Runner(work)
        ours_lm, peer_lm = work / "ours.lm", work / "srilm.lm"
        flags = ["-order", "3", "-text", args.text, "-kndiscount", "-interpolate", "-prune", args.threshold, "-lm"]
        results = alternate(args.pairs, lambda: runner.measure(python(OURS_NGRAM_COUNT, *flags, str(ours_lm))),
                            lambda: runner.measure([srilm, *flags, str(peer_lm)]))
        same = same_probabilities(ours_lm, peer_lm)
    print(describe_machine())
    command = f"ngram-count -order 3 -text {Path(args.text).name} -kndiscount -interpolate -prune {args.threshold}"
    print(f"{command}; {args.pairs} pairs; same n-grams and probabilities as SRILM's: {same}")
    print(f"{'measure':<10}{'ngramlm':>10}{'SRILM':>10}{'ratio':>8}  range")
    for key, unit in [("cpu", "s"), ("wall", "s"), ("rss", "MiB")]:
        row = summarise(command, results, key, unit)
        print(f"{key + ' ' + unit:<10}{row['ours']:>10.2f}{row['peer']:>10.2f}{row['ratio']:>8.2f}  "
              f"{row['low']:.2f}-{row['high']:.2f}")


if __name__ == "__main__":
    main()
