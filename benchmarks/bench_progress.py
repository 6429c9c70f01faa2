"""What the progress bars cost, on Brown (../shared/corpora/brown: train for counting and the model, test for
scoring), in alternating pairs (this shared machine's speed drifts; a pair's two runs see the same load; which
goes first alternates): the median ratio of wall times (bars / quiet) and its range over the pairs.

    python benchmarks/bench_progress.py [--pairs 9] [--order 5] [--commands]

By default each stage is timed in this process with standard error on a pseudo-terminal, once drawing its bar
and once quiet: counting the text (count_files), writing the counts (write_counts), reading them (read_counts),
writing the ARPA model (write_arpa), loading it (read_arpa), scoring the test text (ppl_file). With --commands,
whole commands run instead, each with and without -q (process start-up included, so the noise is larger):
ngram-count -text train -order N -write counts -lm lm; ngram-count -read counts -write counts2; ngram -lm lm -ppl
test -write-lm lm2.
"""
from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BROWN = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared")) / "corpora" / "brown"
ENTRIES = {"ngram": "ngramlm.cli.ngram", "ngram-count": "ngramlm.cli.ngram_count"}


def timed(folder: str, program: str, arguments: list[str], quiet: bool) -> float:
    """Wall seconds of one run, standard error on a pseudo-terminal that is read (and dropped) as it comes."""
    command = [sys.executable, "-c", f"from {ENTRIES[program]} import main; main(prog_name='{program}')",
               *arguments, *(["-q"] if quiet else [])]
    main, child = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=folder, stderr=child, stdout=subprocess.DEVNULL)
    os.close(child)
    while True:
        try:
            if not os.read(main, 1 << 16):
                break
        except OSError:  # the child closed the terminal
            break
    os.close(main)
    if process.wait() != 0:
        raise SystemExit(f"{program} {' '.join(arguments)} failed")
    return time.perf_counter() - start


def _stages(train: str, test: str, order: int, folder: str) -> dict:
    """Each stage as a function of `quiet`, its inputs made once."""
    from ngramlm.counting.corpus_count import count_files
    from ngramlm.formats.arpa import read_arpa, write_arpa
    from ngramlm.formats.countfile import read_counts, write_counts
    from ngramlm.smoothing import estimate
    from ngramlm.use.ppl_report import PplOptions, ppl_file
    from ngramlm.use.scoring import BackoffScorer

    counts = count_files([train], order, quiet=True)
    counts_file, arpa = os.path.join(folder, "c.txt"), os.path.join(folder, "lm.arpa")
    write_counts(counts, counts_file)
    model = estimate(counts, "modified-kneser-ney", interpolate=True)
    write_arpa(model, arpa)
    scorer = BackoffScorer(model)
    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the life of the process)
    return {
        "count_files (text bytes)": lambda quiet: count_files([train], order, quiet=quiet),
        "write_counts": lambda quiet: write_counts(counts, counts_file, quiet=quiet),
        "read_counts (file bytes)": lambda quiet: read_counts(counts_file, quiet=quiet),
        "write_arpa": lambda quiet: write_arpa(model, arpa, quiet=quiet),
        "read_arpa (file bytes)": lambda quiet: read_arpa(arpa, quiet=quiet),
        "ppl_file (lines)": lambda quiet: ppl_file(scorer, test, PplOptions(), sink, sink, quiet=quiet),
    }


def in_process(train: str, test: str, order: int, pairs: int) -> None:
    main, child = pty.openpty()
    terminal = os.fdopen(child, "w")
    reading = open(main, "rb", buffering=0)
    os.set_blocking(main, False)
    saved, sys.stderr = sys.stderr, terminal
    try:
        with tempfile.TemporaryDirectory() as folder:
            for name, stage in _stages(train, test, order, folder).items():
                ratios, shown, silent = [], [], []
                stage(True)  # warm: caches, imports (tqdm's included)
                stage(False)
                for pair in range(pairs):
                    times = {}
                    for quiet in ([False, True] if pair % 2 == 0 else [True, False]):
                        start = time.perf_counter()
                        stage(quiet)
                        times[quiet] = time.perf_counter() - start
                        while True:  # drain the terminal, so that the bar never waits on a full one
                            try:
                                if not reading.read(1 << 16):
                                    break
                            except (BlockingIOError, TypeError):
                                break
                    ratios.append(times[False] / times[True])
                    shown.append(times[False])
                    silent.append(times[True])
                print(f"{name}: bars {statistics.median(shown):.3f} s, quiet {statistics.median(silent):.3f} s; ratio "
                      f"median {statistics.median(ratios):.3f} (range {min(ratios):.3f} to {max(ratios):.3f}, "
                      f"{pairs} pairs)", file=saved, flush=True)
    finally:
        sys.stderr = saved
        terminal.close()
        reading.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=9)
    parser.add_argument("--order", type=int, default=5)
    parser.add_argument("--commands", action="store_true", help="Time whole commands (with and without -q).")
    args = parser.parse_args()
    train, test = str(BROWN / "train.txt"), str(BROWN / "test.txt")
    if not args.commands:
        in_process(train, test, args.order, args.pairs)
        return
    with tempfile.TemporaryDirectory() as folder:
        commands = [
            ("ngram-count", ["-text", train, "-order", str(args.order), "-write", "c.txt", "-lm", "lm.arpa"]),
            ("ngram-count", ["-read", "c.txt", "-write", "c2.txt"]),
            ("ngram", ["-lm", "lm.arpa", "-ppl", test, "-write-lm", "lm2.arpa"]),
        ]
        timed(folder, *commands[0], quiet=True)  # the files the others read
        for program, arguments in commands:
            ratios, shown, silent = [], [], []
            for pair in range(args.pairs):
                # alternate which goes first, so that neither always meets a warm or a cold cache
                runs = [False, True] if pair % 2 == 0 else [True, False]
                times = {quiet: timed(folder, program, arguments, quiet) for quiet in runs}
                ratios.append(times[False] / times[True])
                shown.append(times[False])
                silent.append(times[True])
            name = f"{program} {' '.join(a if not a.startswith('/') else Path(a).name for a in arguments)}"
            print(f"{name}\n  bars {statistics.median(shown):.2f} s, -q {statistics.median(silent):.2f} s; "
                  f"ratio median {statistics.median(ratios):.3f} (range {min(ratios):.3f} to {max(ratios):.3f}, "
                  f"{args.pairs} pairs)")


if __name__ == "__main__":
    main()
