"""Model size against test perplexity under entropy pruning (Stolcke 1998), plotted to docs/pruning.png.

    python benchmarks/plot_pruning.py [--corpus ptb] [--order 3] [--thresholds 1e-9 3e-9 ... 1e-5]

Trains an interpolated modified Kneser-Ney model and a Katz (Good-Turing back-off) model of CORPUS/train.txt
without cut-offs, prunes each at every threshold and scores CORPUS/test.txt, through the SRILM-compatible commands:

    ngram-count -order N -kndiscount -interpolate -gt3min 1 ... -unk -text CORPUS/train.txt -lm kn.arpa
    ngram-count -order N -gt3min 1 ... -unk -text CORPUS/train.txt -lm katz.arpa
    ngram -order N -unk -lm kn.arpa -prune T -write-lm pruned.arpa -ppl CORPUS/test.txt

The plot shows the number of n-grams of each pruned model (all orders) against its test perplexity (`ppl`, `</s>`
counted); the table printed gives the same figures with the n-grams per order. Models go to --work.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from pathlib import Path

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
MODELS = {"modified Kneser-Ney, interpolated": ["-kndiscount", "-interpolate"], "Katz (Good-Turing back-off)": []}


def run(command: list[str]) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def arpa_sizes(path: Path) -> list[int]:
    """The n-grams per order that the ARPA header announces."""
    sizes = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            match = re.match(r"ngram (\d+)=(\d+)", line)
            if match:
                sizes.append(int(match.group(2)))
            elif line.startswith("\\1-grams:"):
                return sizes
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ptb", help="A folder of ../shared/corpora, or the path of a folder "
                        "with train.txt and test.txt.")
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--thresholds", type=float, nargs="+",
                        default=[1e-9, 3e-9, 1e-8, 3e-8, 1e-7, 3e-7, 1e-6, 3e-6, 1e-5])
    parser.add_argument("--output", default=str(REPO / "docs" / "pruning.png"))
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--work", default=str(REPO / "benchmarks" / "work" / "pruning"), help="Folder for the models.")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    corpus = Path(args.corpus) if Path(args.corpus).is_dir() else SHARED / "corpora" / args.corpus
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    no_cutoffs = [flag for n in range(3, args.order + 1) for flag in (f"-gt{n}min", "1")]
    print(f"machine: {describe_machine()}")
    print(f"{corpus.name} order {args.order}, test perplexity of {corpus.name}/test.txt after ngram -prune T\n")
    print(f"{'model':<36} {'T':>7} {'n-grams per order':>28} {'n-grams':>10} {'ppl':>9} {'seconds':>7}")
    figure, axes = pyplot.subplots(figsize=(6, 4.5))
    for name, flags in MODELS.items():
        model = work / f"{corpus.name}-{'kn' if flags else 'katz'}{args.order}.arpa"
        run(["ngram-count", "-order", str(args.order), *flags, *no_cutoffs, "-unk", "-text", str(corpus / "train.txt"),
             "-lm", str(model)])
        points = []
        for threshold in [0.0, *args.thresholds]:
            pruned = work / f"pruned-{threshold:g}.arpa"
            start = time.perf_counter()
            report = run(["ngram", "-order", str(args.order), "-unk", "-lm", str(model), "-prune", str(threshold),
                          "-write-lm", str(pruned), "-ppl", str(corpus / "test.txt")])
            seconds = time.perf_counter() - start
            ppl = float(re.search(r"ppl= ([0-9.]+)", report).group(1))
            sizes = arpa_sizes(pruned)
            points.append((sum(sizes), ppl))
            print(f"{name:<36} {threshold:>7.0e} {'/'.join(f'{s:,}' for s in sizes):>28} {sum(sizes):>10,} "
                  f"{ppl:>9.2f} {seconds:>7.1f}")
        sizes, ppls = zip(*points)
        axes.semilogx(sizes, ppls, "o-", label=name)
    axes.set(xlabel="n-grams in the model (all orders)", ylabel="test perplexity",
             title=f"Entropy pruning, {corpus.name} {args.order}-gram (ngram -prune T)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(args.output, dpi=args.dpi)
    print(f"\nplot: {args.output}")


if __name__ == "__main__":
    main()
