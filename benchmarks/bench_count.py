"""Counting speed: ngramlm against a pure-Python collections.Counter, all 1..5-grams.

    python benchmarks/bench_count.py [--scale 50] [--order 5] [--memory 1G] [--baseline-words 2000000] [--repeat 3]
                                     [--threads N]

Corpora: Brown train (../shared/corpora/brown/train.txt, about 1M words) and a synthetic corpus SCALE times as
large, sampled (fixed seed) from the bigram distribution of Brown's counts and written to a temporary folder.
Each measurement runs in a fresh Python process, so its peak resident memory is its own. The tools run in
rounds, one run of each back to back, and a speed-up compares the runs of one round: this shared machine's speed
drifts by a third from one minute to the next, and not alike for the memory-bound counting and the interpreter-bound
baseline. The Counter baseline counts Brown, and on the synthetic corpus only its first BASELINE_WORDS words (the
full corpus would take it minutes and many GB); the table says so. ngramlm runs twice: with every core (or
--threads) and with one thread.
Speed-up = words per wall-clock second against the Counter baseline's (what a user waits for; the baseline is
single-threaded by nature), and words per CPU second against its (the work done), both in the table.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
BROWN = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared")) / "corpora" / "brown" / "train.txt"


def python_counter(path: str, order: int, max_words: int | None) -> int:
    """The idiomatic baseline: every window of 1..order tokens of `<s> line </s>`, counted by Counter.update
    over zip()ped shifted copies of the sentence (the fastest pure-Python way we know)."""
    counters = [Counter() for _ in range(order)]
    words = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            tokens = line.split()
            if not tokens:
                continue
            words += len(tokens)
            sentence = ["<s>"] + tokens + ["</s>"]
            for n in range(1, order + 1):
                counters[n - 1].update(zip(*(sentence[i:] for i in range(n))))
            if max_words is not None and words >= max_words:
                break
    return words


def python_loop(path: str, order: int, max_words: int | None) -> int:
    """The plain baseline: a loop over every window, a tuple slice per n-gram (as the scaffold ngramlm.counting.counts
    started from did)."""
    counter: Counter = Counter()
    words = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            tokens = line.split()
            if not tokens:
                continue
            words += len(tokens)
            sentence = ["<s>"] + tokens + ["</s>"]
            for start in range(len(sentence)):
                for n in range(1, min(order, len(sentence) - start) + 1):
                    counter[tuple(sentence[start:start + n])] += 1
            if max_words is not None and words >= max_words:
                break
    return words


def ngramlm_count(path: str, order: int, memory: str, threads: int) -> int:
    from ngramlm.counting.corpus_count import count_files  # imported (and timed apart) by measure()

    counts = count_files([path], order, memory=memory, quiet=True, threads=threads)
    starts = counts.counts[0][counts.ngrams[0][:, 0] == 1].sum()
    return int(counts.total(1) - 2 * starts)  # words: every sentence has one <s> and one </s>


def measure(tool: str, path: str, order: int, memory: str, max_words: int | None, threads: int) -> dict:
    """Runs in the child process. Like the baseline's `collections`, ngramlm is imported before the clocks start:
    the import is a fixed cost per process, not per word, and is reported apart."""
    import_start = time.process_time()
    if tool == "ngramlm":
        import ngramlm.counting.corpus_count  # noqa: F401
    import_cpu = time.process_time() - import_start
    start, cpu_start = time.perf_counter(), time.process_time()
    if tool == "ngramlm":
        words = ngramlm_count(path, order, memory, threads)
    elif tool == "zip":
        words = python_counter(path, order, max_words)
    else:
        words = python_loop(path, order, max_words)
    return {"words": words, "seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu_start,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "import_cpu": import_cpu}


def in_child(tool: str, path: str, order: int, memory: str, max_words: int | None, threads: int = 1) -> dict:
    """One measurement, in a fresh process."""
    command = [sys.executable, __file__, "--measure", tool, path, str(order), memory, str(max_words or 0),
               str(threads)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])


def in_rounds(tools: list[tuple[str, tuple]], repeat: int) -> dict[str, list[dict]]:
    """Every tool's runs, `repeat` rounds of one run of each tool back to back (tools = (name, in_child args)).

    This shared virtual machine runs a third faster or slower from one minute to the next, so a speed-up is taken
    within a round, between runs seconds apart, never between a tool's good minute and the baseline's bad one.
    """
    runs: dict[str, list[dict]] = {name: [] for name, _ in tools}
    for _ in range(repeat):
        for name, arguments in tools:
            runs[name].append(in_child(*arguments))
    return runs


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall-clock time."""
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def rate(run: dict, clock: str) -> float:
    """Words per second of wall-clock ("seconds") or CPU ("cpu") time."""
    return run["words"] / run[clock]


def spread(speedups: list[float]) -> str:
    """The median speed-up of the rounds, and their range where there are several."""
    middle = sorted(speedups)[len(speedups) // 2]
    return f"{middle:.1f}x" if len(speedups) == 1 else f"{middle:.1f}x ({min(speedups):.1f}-{max(speedups):.1f})"


def bigram_corpus(path: Path, scale: int, seed: int = 2024) -> int:
    """Write about `scale` times Brown's words, sampled from Brown's bigram distribution; returns the words."""
    from ngramlm.counting.corpus_count import count_files
    from ngramlm.core.vocab import BOS_ID, EOS_ID

    counts = count_files([str(BROWN)], 2)
    grams, totals = counts.ngrams[1], counts.counts[1]  # sorted by context word, then next word
    cumulative = np.cumsum(totals)
    first_row = np.searchsorted(grams[:, 0], np.arange(len(counts.vocab)))
    context_total = np.bincount(grams[:, 0], weights=totals, minlength=len(counts.vocab)).astype(np.int64)
    before = np.concatenate([[0], cumulative])[first_row]
    # Each line of the table is a word and a space; </s> ends the line.
    spelling = np.array([w + " " for w in counts.vocab.words], dtype=object)
    spelling[EOS_ID] = "\n"
    target_words = scale * (counts.total(1) - 2 * int(context_total[BOS_ID]))
    rng = np.random.default_rng(seed)
    steps, written = 60, 0
    lanes = int(min(200_000, target_words // steps // 4 + 1))
    with open(path, "w", encoding="utf-8") as f:
        while written < target_words:
            context = np.full(lanes, BOS_ID, dtype=np.int64)
            block = np.empty((steps + 1, lanes), dtype=np.int64)
            for step in range(steps):
                draw = before[context] + (rng.random(lanes) * context_total[context]).astype(np.int64)
                word = grams[np.searchsorted(cumulative, draw, side="right"), 1].astype(np.int64)
                block[step] = word
                context = np.where(word == EOS_ID, BOS_ID, word)
            block[steps] = EOS_ID  # every lane ends its last sentence
            stream = block.T.ravel()
            stream = stream[np.concatenate([[True], (stream[1:] != EOS_ID) | (stream[:-1] != EOS_ID)])]
            f.write("".join(spelling[stream].tolist()))
            written += int(np.count_nonzero(stream != EOS_ID))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--order", type=int, default=5)
    parser.add_argument("--memory", default="1G", help="ngramlm's memory budget on the synthetic corpus")
    parser.add_argument("--baseline-words", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of runs (each tool once a round)")
    parser.add_argument("--threads", type=int, default=None, help="ngramlm's threads (default: every core)")
    parser.add_argument("--measure", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        tool, path, order, memory, max_words, threads = args.measure
        print(json.dumps(measure(tool, path, int(order), memory, int(max_words) or None, int(threads))))
        return
    from ngramlm.counting.memory import usable_threads

    threads = usable_threads(args.threads)
    ours = f"ngramlm, {threads} threads" if threads > 1 else "ngramlm, 1 thread"

    print(f"machine: {describe_machine()}; load average {os.getloadavg()[0]:.1f} at the start")
    print(f"all 1..{args.order}-grams; times cover reading, vocabulary and counting (imports before the clock "
          f"starts); {args.repeat} rounds, each running every tool once in a fresh process, back to back; a row "
          "shows the run with the median wall time; speed-up = words per second against the Counter baseline "
          "run of the same round, by wall-clock time (wall) and by CPU time of all threads (CPU): the median of "
          "the rounds (their range)\n")
    baseline = "Python Counter (zip idiom)"
    table = []  # (corpus, tool, note, its runs, the baseline's runs of the same rounds)

    def measure_corpus(corpus: str, path: str, memory: str, baseline_words: int | None) -> list[dict]:
        """Adds the corpus's rows to the table; returns the baseline's runs."""
        tools = [(ours, ("ngramlm", path, args.order, memory, None, threads))]
        if threads > 1:  # the same without the threads: what the algorithm alone does
            tools.append(("ngramlm, 1 thread", ("ngramlm", path, args.order, memory, None, 1)))
        tools.append((baseline, ("zip", path, args.order, "", baseline_words)))
        runs = in_rounds(tools, args.repeat)
        note = f"-memory {memory}" if memory != "2G" else ""
        only = f"; first {baseline_words:,} words only" if baseline_words else ""
        for name, _ in tools:
            table.append((corpus, name, f"baseline{only}" if name == baseline else note, runs[name], runs[baseline]))
        return runs[baseline]

    brown_baseline = measure_corpus("Brown train", str(BROWN), "2G", None)
    table.append(("Brown train", "Python Counter (loop, tuple slices)", "one run",
                  [in_child("loop", str(BROWN), args.order, "", None)], [median_run(brown_baseline)]))
    with tempfile.TemporaryDirectory(prefix="bench-count-") as folder:
        synthetic = Path(folder) / "synthetic.txt"
        start = time.perf_counter()
        words = bigram_corpus(synthetic, args.scale)
        print(f"synthetic corpus: {words:,} words ({args.scale}x Brown, sampled from its bigrams), "
              f"{synthetic.stat().st_size / 2**20:.0f} MiB, made in {time.perf_counter() - start:.0f} s\n")
        measure_corpus(f"synthetic {args.scale}x", str(synthetic), args.memory, args.baseline_words)

    print("| corpus | tool | words | wall s | CPU s | words/s (wall) | peak RSS MiB | speed-up (wall) | "
          "speed-up (CPU) | note |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for corpus, tool, note, runs, baseline_runs in table:
        shown = median_run(runs)
        # Speed-ups round by round (words per second against the baseline run of the same round).
        wall = [rate(r, "seconds") / rate(b, "seconds") for r, b in zip(runs, baseline_runs)]
        cpu = [rate(r, "cpu") / rate(b, "cpu") for r, b in zip(runs, baseline_runs)]
        wall_text, cpu_text = ("1.0x", "1.0x") if tool == baseline else (spread(wall), spread(cpu))
        print(f"| {corpus} | {tool} | {shown['words']:,} | {shown['seconds']:.2f} | {shown['cpu']:.2f} | "
              f"{rate(shown, 'seconds'):,.0f} | {shown['peak_mb']:,.0f} | {wall_text} | {cpu_text} | {note} |")
    imports = [r["import_cpu"] for _, t, _, runs, _ in table if t.startswith("ngramlm") for r in runs]
    print(f"\nimport ngramlm (once per process, not in the CPU s column): {min(imports):.2f}-{max(imports):.2f} s CPU")


if __name__ == "__main__":
    main()
