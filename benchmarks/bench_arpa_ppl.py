"""ARPA reading and writing, and perplexity, against kenlm (the PyPI module) on the reference models.

    python benchmarks/bench_arpa_ppl.py [--repeat 3]

For each ARPA file: the time to read it (ngramlm.formats.arpa.read_arpa vs kenlm.Model, which also builds its probing
index), to write it back (write_arpa; kenlm has no ARPA writer), and to compute the perplexity of the test text
(ngramlm.use.evaluate.ppl_file vs kenlm's full_scores over every sentence), with the two perplexities side by
side. Best of --repeat runs, wall clock and CPU time. The reference files are in ../shared/reference
(NGRAMLM_SHARED overrides the place).
"""
from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path
from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))

CASES = [  # (ARPA file, test text) under ../shared/reference
    ("srilm-brown-10k/kn3-interp.arpa.gz", "srilm-brown-10k/test.txt"),
    ("srilm-brown-10k/kn5-interp.arpa.gz", "srilm-brown-10k/test.txt"),
    ("kenlm-brown/mkn5.arpa.gz", "kenlm-brown/test.txt"),
]


def best(run, repeat: int):
    """(result, best wall seconds, best CPU seconds) of `repeat` calls."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, min(walls), min(cpus)


def kenlm_perplexity(model, text: Path) -> float:
    total, tokens = 0.0, 0
    with open(text, encoding="utf-8") as f:
        for line in f:
            for logp, _, _ in model.full_scores(line.strip()):
                total += logp
                tokens += 1
    return 10 ** (-total / tokens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import kenlm

    from ngramlm.formats.arpa import read_arpa, write_arpa
    from ngramlm.use.ppl_report import PplOptions, ppl_file
    from ngramlm.use.scoring import BackoffScorer

    print(f"machine: {describe_machine()}")
    print(f"{'model':<36} {'n-grams':>9} {'task':<14} {'ngramlm wall/cpu s':>19} {'kenlm wall/cpu s':>17}  result")
    for arpa, text in CASES:
        arpa_path, text_path = SHARED / "reference" / arpa, SHARED / "reference" / text
        model, wall, cpu = best(lambda: read_arpa(str(arpa_path)), args.repeat)
        theirs, k_wall, k_cpu = best(lambda: kenlm.Model(str(arpa_path)), args.repeat)
        size = sum(model.sizes())
        print(f"{arpa:<36} {size:>9,} {'read ARPA':<14} {wall:>9.2f}/{cpu:<9.2f} {k_wall:>8.2f}/{k_cpu:<8.2f}")
        with tempfile.TemporaryDirectory() as folder:
            _, wall, cpu = best(lambda: write_arpa(model, os.path.join(folder, "out.arpa")), args.repeat)
        print(f"{'':<36} {'':>9} {'write ARPA':<14} {wall:>9.2f}/{cpu:<9.2f} {'-':>8}/{'-':<8}")

        def ours():
            scorer = BackoffScorer(model)
            return ppl_file(scorer, str(text_path), PplOptions(), io.StringIO()).ppl

        ppl, wall, cpu = best(ours, args.repeat)
        k_ppl, k_wall, k_cpu = best(lambda: kenlm_perplexity(theirs, text_path), args.repeat)
        print(f"{'':<36} {'':>9} {'perplexity':<14} {wall:>9.2f}/{cpu:<9.2f} {k_wall:>8.2f}/{k_cpu:<8.2f}  "
              f"ppl {ppl:.4f} vs {k_ppl:.4f}")


if __name__ == "__main__":
    main()
