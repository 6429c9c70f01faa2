"""Merging the count files of several batches (SRILM's merge-batch-counts, make-big-lm): peak resident memory
and time of `ngram-count -read B1.gz ... -read Bk.gz -order 5 -sort -write ALL.gz` with `-memory 64M` and with
the default budget (2G), beside the counts held whole (the library's read_counts and write_counts, as -lm holds
them), SRILM's `ngram-merge` (streams sorted files) and SRILM's `ngram-count -read -` (reads them all into
memory; SRILM's -read takes one file, so the batches come concatenated on standard input), in alternating
rounds; every output compared byte for byte.

    python benchmarks/bench_merge_counts.py [--tokens 5000000] [--slices 4] [--repeat 3] [--srilm DIR]
                                            [--workdir DIR] [--text FILE]

The batches: the first --tokens tokens of the text of bench_memory.py (built once in WORKDIR from
../shared/corpora), or of --text, cut into --slices slices of lines, each counted with
`ngram-count -order 5 -sort -write` (sorted, as ngram-merge needs). Peak memory is the ru_maxrss that wait4
reports for each child (bench_memory.peak_run). SRILM's tools are taken from --srilm (its bin/ARCH folder), or
skipped. Expected runtime on a shared 2-core machine: about 10 minutes at 5M tokens and 3 rounds.
"""
from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench_memory import build_text, peak_run
from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
NGRAM_COUNT = [str(Path(sys.executable).parent / "ngram-count")]  # the entry point installed beside Python


def batches(text: Path, tokens: int, slices: int, workdir: Path) -> list[Path]:
    """The sorted count files of `slices` slices of the first `tokens` tokens of `text` (made once)."""
    paths = [workdir / f"merge-batch-{tokens}-{k}.counts.gz" for k in range(slices)]
    if all(p.exists() for p in paths):
        return paths
    lines, taken = [], 0
    with open(text, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            if taken >= tokens:
                break
            lines.append(line)
            taken += len(line.split())
    for k, path in enumerate(paths):
        piece = workdir / f"merge-batch-{tokens}-{k}.txt"
        piece.write_text("".join(lines[k * len(lines) // slices:(k + 1) * len(lines) // slices]),
                         encoding="utf-8", errors="surrogateescape")
        subprocess.run([*NGRAM_COUNT, "-q", "-text", str(piece), "-order", "5", "-sort", "-write", str(path)],
                       check=True)
        piece.unlink()
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=5_000_000)
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", default="64M", help="the budget of the bounded run")
    parser.add_argument("--srilm", type=Path, default=None, help="SRILM's bin/ARCH folder (ngram-merge, "
                        "ngram-count)")
    parser.add_argument("--workdir", type=Path, default=REPO / "benchmarks" / "work")
    parser.add_argument("--text", type=Path, default=None, help="the text to slice [default: bench_memory's]")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    text = args.text
    if text is None:
        text = args.workdir / "memory-20m.txt"
        if not text.exists():
            build_text(text)
    paths = batches(text, args.tokens, args.slices, args.workdir)
    concatenated = args.workdir / f"merge-batch-{args.tokens}-all.counts"
    if args.srilm and not concatenated.exists():
        with open(concatenated, "wb") as out:
            for path in paths:
                with gzip.open(path) as f:
                    shutil.copyfileobj(f, out)
    reads = [a for p in paths for a in ("-read", str(p))]
    out = {name: args.workdir / f"merge-{name}.counts.gz" for name in ("bounded", "default", "whole",
                                                                        "ngram-merge", "srilm-count")}
    commands = {"bounded": ([*NGRAM_COUNT, "-q", *reads, "-order", "5", "-sort", "-memory", args.memory,
                             "-write", str(out["bounded"])], None),
                "default": ([*NGRAM_COUNT, "-q", *reads, "-order", "5", "-sort", "-write", str(out["default"])],
                            None)}
    # The counts held whole, as before -memory bound this merge (and as -lm still holds them): read_counts,
    # add_read_counts, write_counts.
    whole = ("import sys\nfrom ngramlm.core.vocab import Vocabulary\n"
             "from ngramlm.formats.countfile import add_read_counts, read_counts, write_counts\n"
             "vocab, counts = Vocabulary(), None\n"
             "for path in sys.argv[2:]:\n    counts = add_read_counts(counts, read_counts(path, vocab, 5), path)\n"
             "write_counts(counts, sys.argv[1], sort=True)\n")
    commands["whole"] = ([sys.executable, "-c", whole, str(out["whole"]), *map(str, paths)], None)
    if args.srilm:
        commands["ngram-merge"] = ([str(args.srilm / "ngram-merge"), "-write", str(out["ngram-merge"]),
                                    *map(str, paths)], None)
        commands["srilm-count"] = ([str(args.srilm / "ngram-count"), "-read", "-", "-order", "5", "-sort",
                                    "-write", str(out["srilm-count"])], concatenated)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for r in range(args.repeat):  # alternating: each round runs every command once, in turn
        for name, (command, stdin) in commands.items():
            runs[name].append(peak_run(command, stdin))
            print(f"round {r + 1} {name}: {runs[name][-1][0]:.0f} MB, {runs[name][-1][1]:.1f} s", flush=True)
    merged = {name: gzip.open(out[name]).read() for name in commands}
    same = all(merged[name] == merged["bounded"] for name in merged)
    ngrams = merged["bounded"].count(b"\n")
    lines = [describe_machine(),
             f"python benchmarks/bench_merge_counts.py --tokens {args.tokens} --slices {args.slices} --repeat "
             f"{args.repeat} --memory {args.memory}" + (" --srilm SRILM/bin/ARCH" if args.srilm else ""),
             f"{args.slices} batches of the first {args.tokens:,} tokens of {text.name}, order 5, sorted count "
             f"files ({sum(p.stat().st_size for p in paths) / 2**20:.0f} MiB gzipped, "
             f"{ngrams:,} n-grams merged); {args.repeat} alternating rounds; "
             f"median (range)",
             f"outputs byte-identical across all commands: {same}",
             f"{'command':<60} {'peak MB':>20} {'seconds':>20}"]
    labels = {"bounded": f"ngram-count -read x{args.slices} -sort -memory {args.memory}",
              "default": f"ngram-count -read x{args.slices} -sort (default -memory 2G)",
              "whole": "counts held whole (read_counts, add_read_counts, write_counts)",
              "ngram-merge": f"SRILM ngram-merge (x{args.slices} sorted files)",
              "srilm-count": "SRILM ngram-count -read - (all on stdin) -sort"}
    for name, values in runs.items():
        peaks, times = [v[0] for v in values], [v[1] for v in values]
        lines.append(f"{labels[name]:<60} {statistics.median(peaks):>8.0f} ({min(peaks):.0f}-{max(peaks):.0f})"
                     f" {statistics.median(times):>8.1f} ({min(times):.1f}-{max(times):.1f})")
    for other in ("default", "whole", "ngram-merge", "srilm-count"):
        if other in runs:
            ratios = [b[1] / o[1] for b, o in zip(runs["bounded"], runs[other])]
            lines.append(f"time ratio bounded / {other}: median {statistics.median(ratios):.2f} "
                         f"({min(ratios):.2f}-{max(ratios):.2f})")
    report = "\n".join(lines)
    print(report)
    (REPO / "benchmarks" / "results" / "bench_merge_counts.txt").write_text(report + "\n")
    if not same:
        raise SystemExit("the merged count files differ")


if __name__ == "__main__":
    main()
