"""Training speed and memory: `ngramlm train` (KenLM-compatible modified Kneser-Ney) beside KenLM's `lmplz`.

    python benchmarks/bench_train.py [--size 100000000] [--orders 3 5] [--workdir benchmarks/work]
                                     [--lmplz PATH] [--lmplz-memory 2G] [--skip-generated]
    python benchmarks/bench_train.py --memory-pairs [--sizes 1000000 5000000 20000000] [--pairs 5 5 3]
                                     [--lmplz PATH] [--lmplz-memory 2G]

Each run is the whole job, text to ARPA file (count + estimate + write), in a fresh process, timed on the wall
clock, with that process's own peak resident memory (wait4's ru_maxrss). Corpora: Brown and Gutenberg train
(../shared/corpora, about 1M words each), and a generated corpus of SIZE tokens (words and sentence ends):
sentences sampled (fixed seed, numpy) from the bigram distribution of Brown and Gutenberg together, written
once to WORKDIR and reused, with 100K held-out tokens sampled the same way (another seed). `lmplz` runs where
it is on PATH (or --lmplz names it), otherwise its columns say so; by default it reserves 80% of RAM for
sorting, so its peak memory means more with --lmplz-memory. Both models are scored on the corpus's test set
(the held-out tokens for the generated corpus) with the kenlm module, to show they are the same model.

Expected runtime (measured on a shared 2-core AMD EPYC, 24 GiB, lmplz -S 2G): Brown and Gutenberg take about a
minute in all; the default 1e8 generated tokens about 20 minutes more, most of it lmplz and the kenlm module
loading the two 5-gram models to score them (ngramlm's 5-gram trains in about 3 minutes and 2 GiB, with its
counts on disk: give WORKDIR's disk and the temporary folder about 15 GB).

--memory-pairs: the 5-gram's peak memory and CPU time (user + system) at several sizes of the generated corpus,
`ngramlm train` with its default -S and with -S as lmplz's (--lmplz-memory, 2G by default) beside `lmplz -S` in
alternating rounds (ngramlm first in even rounds, lmplz first in odd ones), each ratio ngramlm / lmplz taken
within a round: the median and range over the rounds. The two tools' models are compared once per size (every
n-gram, the largest difference of log10 values; both files read into one vocabulary). About 19 minutes for the
default sizes on a loaded 2-core machine, most of it the 20M-token rounds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
CORPORA = {name: SHARED / "corpora" / name for name in ("brown", "gutenberg")}
SEED = 20261123
TEST_TOKENS = 100_000  # held-out text sampled from the generated corpus's source, to show the two models agree
NGRAMLM = [sys.executable, "-c", "from ngramlm.cli.main import cli; cli(prog_name='ngramlm')", "train"]


# Runs the command given after the result file's path, and writes "seconds peak-RSS-KiB exit-status CPU-seconds"
# there (CPU: user + system). The
# command is forked from this small process: a child forked from the benchmark itself would inherit the
# benchmark's resident memory as its starting peak.
_MEASURE = """
import os, sys, time
result, command = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(command[0], command)
_, status, usage = os.wait4(pid, 0)
with open(result, "w") as f:
    f.write(f"{time.perf_counter() - start} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} "
            f"{usage.ru_utime + usage.ru_stime}")
"""


def measure(command: list[str], log: Path, cpu: bool = False) -> tuple[float, float]:
    """Run `command` (stdout and stderr to `log`); return (wall seconds, peak RSS in MiB) of that process, or
    with `cpu` (CPU seconds, user + system, peak RSS in MiB)."""
    result = log.with_suffix(".measure")
    with open(log, "wb") as out:
        subprocess.run([sys.executable, "-c", _MEASURE, str(result), *command], stdout=out, stderr=subprocess.STDOUT,
                       check=True)
    seconds, peak_kib, status, cpu_seconds = result.read_text().split()
    result.unlink()
    if int(status):
        sys.exit(f"{' '.join(command)} failed with status {status}; see {log}")
    return float(cpu_seconds if cpu else seconds), int(peak_kib) / 1024


def generate_corpus(path: Path, tokens: int, sources: list[Path], seed: int = SEED) -> None:
    """Write about `tokens` tokens (words and sentence ends) sampled from the bigram distribution of `sources`.

    Many sentences are drawn side by side: each step draws the next word of every chain at once by inverting
    the cumulative bigram counts of its current word (np.searchsorted). Each block of chains ends its last
    sentence where the block ends.
    """
    from ngramlm.counting.corpus_count import count_files
    from ngramlm.core.vocab import BOS_ID, EOS_ID, Vocabulary

    counts = count_files([str(s) for s in sources], 2, Vocabulary())
    bigrams, frequency = counts.ngrams[1].astype(np.int64), counts.counts[1]
    cumulative = np.cumsum(frequency)
    first = np.searchsorted(bigrams[:, 0], np.arange(len(counts.vocab)))
    last = np.searchsorted(bigrams[:, 0], np.arange(len(counts.vocab)), side="right")
    before = np.where(first > 0, cumulative[np.maximum(first - 1, 0)], 0)
    total = np.where(last > first, cumulative[np.maximum(last - 1, 0)] - before, 0)
    spelling = np.array(counts.vocab.words, dtype=object)
    spelling[EOS_ID] = "\n"
    rng = np.random.default_rng(seed)
    chains, steps = 1 << 16, 256
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        written = 0
        while written < tokens:
            width = min(chains, -(-(tokens - written) // steps))
            drawn = np.empty((steps, width), dtype=np.int64)
            current = np.full(width, BOS_ID)
            for step in range(steps):
                target = before[current] + (rng.random(width) * total[current]).astype(np.int64)
                drawn[step] = bigrams[np.searchsorted(cumulative, target, side="right"), 1]
                current = np.where(drawn[step] == EOS_ID, BOS_ID, drawn[step])
            for row in spelling[drawn.T]:
                text = " ".join(row).replace(" \n ", "\n").replace(" \n", "\n").lstrip("\n")
                f.write(text if text.endswith("\n") else text + "\n")
            written += steps * width
    tmp.rename(path)


def kenlm_perplexity(arpa: Path, test: Path) -> float:
    """Perplexity of `test` (</s> counted, OOVs included) under `arpa`, scored by the kenlm module."""
    import kenlm

    with open(os.devnull, "w") as devnull:  # kenlm reports its loading progress on stderr
        saved = os.dup(2)
        os.dup2(devnull.fileno(), 2)
        try:
            model = kenlm.Model(str(arpa))
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    total, tokens = 0.0, 0
    with open(test, encoding="utf-8") as f:
        for line in f:
            total += model.score(line.strip(), bos=True, eos=True)
            tokens += len(line.split()) + 1
    return 10 ** (-total / tokens)


def largest_difference(ours: Path, theirs: Path) -> str:
    """'same n-grams, log10 values within X' (probabilities and back-off weights) or what differs; both ARPA files
    read into one vocabulary, so that their sorted rows line up."""
    from ngramlm.core.vocab import Vocabulary
    from ngramlm.formats.arpa import read_arpa

    vocab = Vocabulary()
    a, b = read_arpa(str(ours), vocab), read_arpa(str(theirs), vocab)
    if a.sizes() != b.sizes():
        return f"different sizes {a.sizes()} vs {b.sizes()}"
    worst = 0.0
    for k in range(a.order):
        if not np.array_equal(a.ngrams[k], b.ngrams[k]):
            return f"different {k + 1}-grams"
        worst = max(worst, float(np.max(np.abs(a.logprob[k] - b.logprob[k]), initial=0)),
                    float(np.max(np.abs(a.logbow[k] - b.logbow[k]), initial=0)))
    return f"same n-grams, log10 values within {worst:.1e}"


def memory_pairs(args) -> None:
    """The --memory-pairs table (see the module docstring)."""
    from ngramlm.counting.memory import DEFAULT_MEMORY

    budget = args.lmplz_memory or "2G"
    runs = {"default": f"ngramlm -S {DEFAULT_MEMORY} (default)", "budget": f"ngramlm -S {budget}",
            "lmplz": f"lmplz -S {budget}"}
    print(f"Machine: {describe_machine()}")
    print("5-grams of the generated corpus in alternating rounds; peak RSS (MiB) and CPU seconds (user + "
          "system): medians; ratios ngramlm / lmplz within each round: median [range]")
    print()
    columns = ["tokens", "rounds", *(f"{name} MiB" for name in runs.values()), "peak ratio default",
               f"peak ratio -S {budget}", *(f"{name} CPU s" for name in runs.values()), f"CPU ratio -S {budget}",
               "models"]
    print("| " + " | ".join(columns) + " |", "| --- " * len(columns) + "|", sep="\n", flush=True)
    for size, rounds in zip(args.sizes, args.pairs + [args.pairs[-1]] * len(args.sizes)):
        train = args.workdir / f"generated-{size}.txt"
        if not train.exists():
            generate_corpus(train, size, [folder / "train.txt" for folder in CORPORA.values()])
        arpa = {name: args.workdir / f"memory-pairs-{name}.arpa" for name in runs}
        commands = {
            "default": [*NGRAMLM, "-o", "5", "--text", str(train), "--arpa", str(arpa["default"]), "-q",
                        "-T", str(args.workdir)],
            "budget": [*NGRAMLM, "-o", "5", "-S", budget, "--text", str(train), "--arpa", str(arpa["budget"]), "-q",
                       "-T", str(args.workdir)],
            "lmplz": [args.lmplz, "-o", "5", "-S", budget, "-T", str(args.workdir), "--text", str(train), "--arpa",
                      str(arpa["lmplz"])],
        }
        figures = {name: [] for name in runs}  # (CPU s, peak MiB) per round
        for round_ in range(rounds):
            names = ["default", "budget", "lmplz"] if round_ % 2 == 0 else ["lmplz", "budget", "default"]
            for name in names:
                figures[name].append(measure(commands[name], arpa[name].with_suffix(".log"), cpu=True))
        models = largest_difference(arpa["budget"], arpa["lmplz"])
        if arpa["default"].read_bytes() != arpa["budget"].read_bytes():
            models += "; default -S gave another file"
        for path in arpa.values():
            path.unlink()

        def ratios(name, which):
            values = [ours[which] / theirs[which] for ours, theirs in zip(figures[name], figures["lmplz"])]
            return f"{np.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"
        row = [f"{size:,}", str(rounds), *(f"{np.median([f[1] for f in figures[n]]):.0f}" for n in runs),
               ratios("default", 1), ratios("budget", 1),
               *(f"{np.median([f[0] for f in figures[n]]):.1f}" for n in runs), ratios("budget", 0), models]
        print("| " + " | ".join(row) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000_000, help="tokens of the generated corpus")
    parser.add_argument("--orders", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--workdir", type=Path, default=REPO / "benchmarks" / "work")
    parser.add_argument("--lmplz", default=shutil.which("lmplz"), help="KenLM's lmplz [default: from PATH]")
    parser.add_argument("--lmplz-memory", help="lmplz's -S (sorting memory) [default: lmplz's own, 80%% of RAM]")
    parser.add_argument("--skip-generated", action="store_true", help="only the shared corpora")
    parser.add_argument("--memory-pairs", action="store_true",
                        help="5-gram peak memory and CPU time against lmplz in alternating rounds, at --sizes")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000, 20_000_000],
                        help="--memory-pairs: tokens of each generated corpus")
    parser.add_argument("--pairs", type=int, nargs="+", default=[5, 5, 3],
                        help="--memory-pairs: rounds per size (the last repeated for further sizes)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.memory_pairs:
        if not args.lmplz:
            sys.exit("--memory-pairs needs lmplz (on PATH, or --lmplz)")
        memory_pairs(args)
        return

    corpora = {name: (folder / "train.txt", folder / "test.txt") for name, folder in CORPORA.items()}
    if not args.skip_generated:
        generated = args.workdir / f"generated-{args.size}.txt"
        held_out = args.workdir / f"generated-test-{TEST_TOKENS}.txt"  # the same source, another seed
        for path, tokens, seed in ((generated, args.size, SEED), (held_out, TEST_TOKENS, SEED + 1)):
            if not path.exists():
                start = time.perf_counter()
                generate_corpus(path, tokens, [c[0] for c in corpora.values()], seed)
                print(f"generated {path} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        corpora[f"generated ({args.size:.0e} tokens)"] = (generated, held_out)

    print(f"Machine: {describe_machine()}")
    lmplz = f"{os.path.basename(args.lmplz)} -S {args.lmplz_memory or '80% (default)'}" if args.lmplz else "not on PATH: skipped"
    print(f"lmplz: {lmplz}\n")
    columns = ["corpus", "order", "ngramlm s", "ngramlm peak MiB", "lmplz s", "lmplz peak MiB", "test ppl ngramlm",
               "test ppl lmplz"]
    print("| " + " | ".join(columns) + " |\n" + "| --- " * len(columns) + "|")
    for name, (train, test) in corpora.items():
        for order in args.orders:
            ours = args.workdir / f"ngramlm-{train.stem}-{order}.arpa"
            seconds, peak = measure([*NGRAMLM, "-o", str(order), "--text", str(train), "--arpa", str(ours), "-q"],
                                    ours.with_suffix(".log"))
            row = [name, str(order), f"{seconds:.1f}", f"{peak:.0f}"]
            theirs = args.workdir / f"lmplz-{train.stem}-{order}.arpa"
            if args.lmplz:
                memory = ["-S", args.lmplz_memory] if args.lmplz_memory else []
                seconds, peak = measure([args.lmplz, "-o", str(order), *memory, "--text", str(train),
                                         "--arpa", str(theirs)], theirs.with_suffix(".log"))
                row += [f"{seconds:.1f}", f"{peak:.0f}"]
            else:
                row += ["skipped", "skipped"]
            row.append(f"{kenlm_perplexity(ours, test):.4f}")
            row.append(f"{kenlm_perplexity(theirs, test):.4f}" if args.lmplz else "skipped")
            print("| " + " | ".join(row) + " |", flush=True)
            for arpa in (ours, theirs):
                arpa.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
