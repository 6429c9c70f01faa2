"""N-best rescoring speed: ngramlm's `ngram -nbest` beside SRILM's on the same list and model.

    python benchmarks/bench_nbest.py [--hyps 1000] [--lists 20] [--repeat 5] [--srilm-bin DIR]

The model is SRILM's Kneser-Ney trigram of the Brown 10k corpus (../shared/reference/srilm-brown-10k/
kn3-interp.arpa.gz); the list has --hyps hypotheses in SRILM's format, made from the corpus's test sentences with
random deletions, substitutions and pauses (seeded). Reported:
  - in-process: ngramlm.use.nbest read + rescore + sort of one list (median of --repeat), hypotheses per second;
  - command line: `ngram -lm M -nbest-files F` with F naming the list once and --lists times; the difference of
    the two wall times over (lists - 1) is the time per list without the model's reading. ngramlm and SRILM
    (--srilm-bin: SRILM's bin/MACHINE_TYPE) alternate in pairs; the median ratio and its range are shown.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
MODEL = SHARED / "reference" / "srilm-brown-10k" / "kn3-interp.arpa.gz"
TEXT = SHARED / "corpora" / "brown-10k" / "test.txt"


def make_list(path: Path, hyps: int, seed: int = 1) -> None:
    """--hyps hypotheses of one sentence each, perturbed, with random acoustic and LM scores."""
    rng = random.Random(seed)
    sentences = [line.split() for line in TEXT.read_text(encoding="utf-8").splitlines() if line.split()][:200]
    vocab = sorted({w for s in sentences for w in s})
    with open(path, "w", encoding="utf-8") as f:
        for h in range(hyps):
            words = list(sentences[h % len(sentences)])
            for _ in range(rng.randint(0, 3)):
                r = rng.random()
                if r < 0.3 and len(words) > 1:
                    del words[rng.randrange(len(words))]
                elif r < 0.7:
                    words[rng.randrange(len(words))] = rng.choice(vocab)
                else:
                    words.insert(rng.randrange(len(words) + 1), "-pau-")
            f.write(f"{-rng.uniform(1000, 3000):.4f} {-rng.uniform(10, 80):.5f} {len(words)} {' '.join(words)}\n")


def in_process(path: Path, repeat: int) -> float:
    """Median seconds to read, rescore and sort the list with ngramlm's library."""
    from ngramlm.formats.arpa import read_arpa
    from ngramlm.use import nbest
    from ngramlm.use.scoring import BackoffScorer

    scorer = BackoffScorer(read_arpa(str(MODEL)))
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        hyps = nbest.read_nbest(str(path))
        nbest.rescore(hyps, scorer)
        nbest.sort_hypotheses(hyps)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])  # the first run builds the scorer's tables


def command_time(ngram: str, files: Path) -> float:
    start = time.perf_counter()
    subprocess.run([ngram, "-lm", str(MODEL), "-nbest-files", str(files)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def per_list(ngram: str, once: Path, many: Path, lists: int) -> float:
    return (command_time(ngram, many) - command_time(ngram, once)) / (lists - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hyps", type=int, default=1000)
    parser.add_argument("--lists", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--srilm-bin", help="SRILM's bin/MACHINE_TYPE folder, to time its ngram beside")
    args = parser.parse_args()
    print(describe_machine())
    with tempfile.TemporaryDirectory() as tmp:
        nbest_list = Path(tmp) / "list.nbest"
        make_list(nbest_list, args.hyps)
        once, many = Path(tmp) / "once.files", Path(tmp) / "many.files"
        once.write_text(f"{nbest_list}\n")
        many.write_text(f"{nbest_list}\n" * args.lists)
        seconds = in_process(nbest_list, args.repeat)
        print(f"ngramlm in-process read+rescore+sort of {args.hyps} hypotheses: {seconds * 1000:.1f} ms "
              f"({args.hyps / seconds:,.0f} hypotheses/s)")
        ours, theirs = [], []
        for _ in range(args.repeat):
            ours.append(per_list("ngram", once, many, args.lists))
            if args.srilm_bin:
                theirs.append(per_list(str(Path(args.srilm_bin) / "ngram"), once, many, args.lists))
        median = statistics.median(ours)
        print(f"ngramlm `ngram -nbest-files`: {median * 1000:.1f} ms per list of {args.hyps} "
              f"({args.hyps / median:,.0f} hypotheses/s)")
        if theirs:
            ratios = sorted(o / t for o, t in zip(ours, theirs))
            median_srilm = statistics.median(theirs)
            print(f"SRILM `ngram -nbest-files`:   {median_srilm * 1000:.1f} ms per list "
                  f"({args.hyps / median_srilm:,.0f} hypotheses/s)")
            print(f"ngramlm / SRILM time: median {statistics.median(ratios):.2f} "
                  f"(range {ratios[0]:.2f}-{ratios[-1]:.2f}, {len(ratios)} pairs)")


if __name__ == "__main__":
    main()
