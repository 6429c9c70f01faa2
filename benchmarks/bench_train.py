"""Training speed and memory: `ngramlm train` (KenLM-compatible modified Kneser-Ney) beside KenLM's `lmplz`.

    python benchmarks/bench_train.py [--size 100000000] [--orders 3 5] [--workdir benchmarks/work]
                                     [--lmplz PATH] [--lmplz-memory 2G] [--skip-generated]

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


# Runs the command given after the result file's path, and writes "seconds peak-RSS-KiB exit-status" there. The
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
    f.write(f"{time.perf_counter() - start} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def measure(command: list[str], log: Path) -> tuple[float, float]:
    """Run `command` (stdout and stderr to `log`); return (wall seconds, peak RSS in MiB) of that process."""
    result = log.with_suffix(".measure")
    with open(log, "wb") as out:
        subprocess.run([sys.executable, "-c", _MEASURE, str(result), *command], stdout=out, stderr=subprocess.STDOUT,
                       check=True)
    seconds, peak_kib, status = result.read_text().split()
    result.unlink()
    if int(status):
        sys.exit(f"{' '.join(command)} failed with status {status}; see {log}")
    return float(seconds), int(peak_kib) / 1024


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000_000, help="tokens of the generated corpus")
    parser.add_argument("--orders", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--workdir", type=Path, default=REPO / "benchmarks" / "work")
    parser.add_argument("--lmplz", default=shutil.which("lmplz"), help="KenLM's lmplz [default: from PATH]")
    parser.add_argument("--lmplz-memory", help="lmplz's -S (sorting memory) [default: lmplz's own, 80%% of RAM]")
    parser.add_argument("--skip-generated", action="store_true", help="only the shared corpora")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

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
