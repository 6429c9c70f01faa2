"""Memory budgets that bind: peak resident memory of `ngram-count -order 5 -memory 64M` and `ngramlm train -o 5
-S 64M` beside the budget and beside KenLM's `lmplz -o 5 -S 64M`, on a 20M-token text; the outputs compared with
unbounded runs.

    python benchmarks/bench_memory.py [--memory 64M] [--lmplz PATH] [--workdir DIR] [--skip-train]

The text (about 20M tokens, built once in WORKDIR) is every train/valid/test file of the distinct corpora of
../shared/corpora (Brown's other splits left out) as it is, then with the words of every sentence in reverse
order, then WikiText-2 with each pair of neighbouring words swapped: new n-grams with natural counts (copies of
one text would make every count a multiple of the copies, and Kneser-Ney discounts undefined). Each
command runs as a child process; its peak resident memory is the ru_maxrss that wait4 reports for it. Goal: peak
at most budget + 160 MB (the interpreter, libraries and vocabulary are the fixed overhead). `lmplz` runs where it
is on PATH or --lmplz names it (built from kpu/kenlm).
Expected runtime on a shared 2-core machine: about 5 minutes (ngram-count twice, train twice, lmplz once).
"""
from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared")) / "corpora"
MB = 1 << 20


def _swapped(words: list[str]) -> list[str]:
    """w2 w1 w4 w3 ...: each pair of neighbouring words swapped."""
    swapped = words[:]
    swapped[0:len(words) - 1:2], swapped[1::2] = words[1::2], words[0:len(words) - 1:2]
    return swapped


def build_text(path: Path) -> int:
    """Write the benchmark text (see the module docstring); returns its tokens."""
    files = sorted(p for p in CORPORA.glob("*/*.txt")
                   if p.stem in ("train", "valid", "test") and p.parent.name not in ("brown-10k", "brown-bengio"))
    variants = [(files, None), (files, lambda words: words[::-1]),
                ([p for p in files if p.parent.name == "wikitext-2"], _swapped)]
    tokens = 0
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as out:
        for sources, change in variants:
            for source in sources:
                with open(source, encoding="utf-8", errors="surrogateescape") as f:
                    for line in f:
                        words = line.split()
                        if change is not None:
                            if not words:
                                continue
                            line = " ".join(change(words)) + "\n"
                        out.write(line)
                        tokens += len(words)
    return tokens


def peak_run(command: list[str], stdin: Path | None = None) -> tuple[float, float]:
    """(peak resident MB, wall seconds) of one child process."""
    start = time.perf_counter()
    # stderr to a file, not a pipe: nobody reads a pipe while waiting, and a full one would stall the child.
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as source, tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(command, stdin=source, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {errors.read().decode(errors='replace')[-2000:]}")
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--memory", default="64M", help="the budget of every bounded run")
    parser.add_argument("--lmplz", default=shutil.which("lmplz"), help="KenLM's lmplz [default: from PATH]")
    parser.add_argument("--workdir", type=Path, default=REPO / "benchmarks" / "work")
    parser.add_argument("--skip-train", action="store_true", help="ngram-count only")
    parser.add_argument("--skip-count", action="store_true", help="ngramlm train and lmplz only")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    text = args.workdir / "memory-20m.txt"
    if not text.exists():
        build_text(text)
    budget_mb = int(args.memory.rstrip("M"))
    bin_dir = Path(sys.executable).parent
    print(describe_machine())
    print(f"text: {text.name}, {text.stat().st_size / MB:.0f} MB; budget {args.memory}; goal: peak <= budget + 160 MB")
    print(f"{'command':<40} {'peak MB':>8} {'- budget':>9} {'seconds':>8} {'unbounded peak MB':>18} "
          f"{'same output':>12}")

    def show(name, run, unbounded=None, same=None):
        peak, seconds = run
        print(f"{name:<40} {peak:>8.0f} {peak - budget_mb:>9.0f} {seconds:>8.1f} "
              f"{'' if unbounded is None else f'{unbounded[0]:.0f}':>18} {'' if same is None else str(same):>12}",
              flush=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        out = Path(tmp)
        count = [str(bin_dir / "ngram-count"), "-order", "5", "-text", str(text), "-sort", "-q"]
        if not args.skip_count:
            bounded = peak_run(count + ["-memory", args.memory, "-write", str(out / "b.counts")])
            unbounded = peak_run(count + ["-memory", "100%", "-write", str(out / "u.counts")])
            same = filecmp.cmp(out / "b.counts", out / "u.counts", shallow=False)
            show(f"ngram-count -order 5 -memory {args.memory} -sort", bounded, unbounded, same)
            for name in ("b.counts", "u.counts"):
                (out / name).unlink()
        if not args.skip_train:
            # --skip_symbols: the text holds <unk> (PTB, WikiText-2), which lmplz refuses otherwise.
            train = [str(bin_dir / "ngramlm"), "train", "-o", "5", "--text", str(text), "--skip_symbols", "-q",
                     "-T", tmp]
            bounded = peak_run(train + ["-S", args.memory, "--arpa", str(out / "b.arpa")])
            unbounded = peak_run(train + ["--arpa", str(out / "u.arpa")])
            same = filecmp.cmp(out / "b.arpa", out / "u.arpa", shallow=False)
            show(f"ngramlm train -o 5 -S {args.memory}", bounded, unbounded, same)
            if args.lmplz:
                lmplz = peak_run([args.lmplz, "-o", "5", "-S", args.memory, "-T", tmp, "--skip_symbols", "--arpa",
                                  str(out / "k.arpa")], stdin=text)
                show(f"lmplz -o 5 -S {args.memory}", lmplz)


if __name__ == "__main__":
    main()
