"""Query speed, load time and memory of ngramlm.use.query.Model beside kenlm.Model, in the same run.

    python benchmarks/bench_query.py [--corpora brown gutenberg] [--orders 3 5] [--work-dir DIR]

Models: interpolated modified Kneser-Ney (ngramlm's estimator) without count cut-offs (as KenLM's lmplz) on each
corpus's train.txt, written as ARPA once and cached in --work-dir; both toolkits load the same ARPA file.
Scored text: the corpus's test.txt.
Measured per model:
  load        ARPA -> ready (both), and ngramlm's binary format (memory-mapped) -> ready
  8-bit       size and load time of the binary quantised to 8 bits (build-binary --quantize 8), and the change of the
              test perplexity (every token, </s> included) it causes
  memory      growth of resident memory when the model is loaded and the test set scored once, in a fresh
              process (ngramlm: from the binary file; kenlm: its default probing structure from the ARPA)
  sentences   Model.score(line) over the test set, words per second (</s> counted)
  state API   BaseScore word by word with two State objects, words per second
  batch       ngramlm's score_ids over the whole test set in one call (ids prepared beforehand)
Times are CPU time of this process (time.process_time; best of several runs), so that other jobs on a shared
machine distort them less than wall-clock time would; cache contention from those jobs still shows.
Goals: state API >= kenlm's BaseScore loop, batch >= 5x kenlm's BaseScore loop, binary load < 50 ms for the
Brown 5-gram, memory <= kenlm probing.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))


def train(corpus: str, order: int, work: Path) -> Path:
    """The cached ARPA of an interpolated modified Kneser-Ney model of the corpus."""
    arpa = work / f"{corpus}-mkn{order}-all.arpa"
    if not arpa.exists():
        from ngramlm.formats.arpa import write_arpa
        from ngramlm.counting.corpus_count import count_files
        from ngramlm.smoothing import estimate

        start = time.perf_counter()
        counts = count_files([str(SHARED / "corpora" / corpus / "train.txt")], order)
        model = estimate(counts, "modified-kneser-ney", interpolate=True, gtmin=1)
        write_arpa(model, str(arpa))
        print(f"  trained {arpa.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return arpa


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return min(times)


def state_loop(model, state_type, sentences) -> None:
    state, out = state_type(), state_type()
    for words in sentences:
        model.BeginSentenceWrite(state)
        for word in words:
            model.BaseScore(state, word, out)
            state, out = out, state
        model.BaseScore(state, "</s>", out)


MEMORY_PROBE = r"""
import json, resource, sys
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
kind, path, test = sys.argv[1:4]
if kind == "kenlm":
    import kenlm as lib
else:
    import ngramlm.use.query as lib
lines = [l for l in open(test, encoding="utf-8") if l.split()]
before = rss()
model = lib.Model(path)
for line in lines:
    model.score(line)
print(json.dumps({"rss": rss() - before}))
"""


def resident_growth(kind: str, path: Path, test: Path) -> int:
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, kind, str(path), str(test)], capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["rss"]


def bench_model(corpus: str, order: int, work: Path) -> dict:
    import kenlm

    from ngramlm.formats.binary import write_binary
    from ngramlm.use.query import Model, State, build_index
    from ngramlm.formats.arpa import read_arpa

    arpa = train(corpus, order, work)
    binary = work / f"{corpus}-mkn{order}-all.ngramlm.bin"
    test = SHARED / "corpora" / corpus / "test.txt"
    lines = [line for line in test.read_text(encoding="utf-8").splitlines() if line.split()]
    sentences = [line.split() for line in lines]
    words = sum(len(s) + 1 for s in sentences)
    row = {"model": f"{corpus} {order}-gram"}

    start = time.process_time()
    reference = kenlm.Model(str(arpa))
    row["kenlm arpa load s"] = time.process_time() - start
    start = time.process_time()
    model = Model(str(arpa))
    row["ngramlm arpa load s"] = time.process_time() - start
    tables = build_index(read_arpa(str(arpa)))
    write_binary(tables, str(binary))
    row["ngramlm binary load ms"] = 1000 * best_of(5, lambda: Model(str(binary)))
    row["sizes"] = model.sizes()
    row["ngramlm table MiB"] = os.path.getsize(binary) / 2**20
    quantised = work / f"{corpus}-mkn{order}-all.q8.ngramlm.bin"
    write_binary(tables, str(quantised), prob_bits=8)
    row["ngramlm 8-bit binary MiB"] = os.path.getsize(quantised) / 2**20
    row["ngramlm 8-bit binary load ms"] = 1000 * best_of(5, lambda: Model(str(quantised)))
    row["kenlm rss MiB"] = resident_growth("kenlm", arpa, test) / 2**20
    row["ngramlm rss MiB"] = resident_growth("ngramlm", binary, test) / 2**20

    row["kenlm sentences w/s"] = words / best_of(3, lambda: [reference.score(line) for line in lines])
    row["ngramlm sentences w/s"] = words / best_of(3, lambda: [model.score(line) for line in lines])
    row["kenlm state w/s"] = words / best_of(3, lambda: state_loop(reference, kenlm.State, sentences))
    row["ngramlm state w/s"] = words / best_of(3, lambda: state_loop(model, State, sentences))
    ids = [model.encode(s) for s in sentences]
    flat, offsets = np.concatenate(ids), np.cumsum([0] + [len(i) for i in ids])
    row["ngramlm batch w/s"] = words / best_of(5, lambda: model.score_ids(flat, offsets))
    batch_total = model.score_ids(flat, offsets).log_prob.sum()
    kenlm_total = sum(reference.score(line) for line in lines)
    row["total log10p |ngramlm - kenlm|"] = abs(batch_total - kenlm_total)
    quantised_total = Model(str(quantised)).score_ids(flat, offsets).log_prob.sum()
    row["8-bit perplexity change %"] = 100 * (10.0 ** ((batch_total - quantised_total) / words) - 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=["brown", "gutenberg"])
    parser.add_argument("--orders", nargs="+", type=int, default=[3, 5])
    parser.add_argument("--work-dir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "ngramlm-bench-query"))
    args = parser.parse_args()
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {describe_machine()}")
    rows = [bench_model(corpus, order, work) for corpus in args.corpora for order in args.orders]
    print(f"{'':34s}" + "".join(f"{r['model']:>18s}" for r in rows))
    for r in rows:
        print(f"  {r['model']}: n-grams per order {'/'.join(str(v) for v in r['sizes'])}")
    for key in rows[0]:
        if key in ("model", "sizes"):
            continue
        cells = []
        for r in rows:
            value = r[key]
            if key.endswith("w/s"):
                cells.append(f"{value / 1e6:>16.2f} M")
            else:
                cells.append(f"{value:>18.3g}")
        print(f"{key:34s}" + "".join(cells))
    print(f"{'state API / kenlm BaseScore loop':34s}" +
          "".join(f"{r['ngramlm state w/s'] / r['kenlm state w/s']:>17.2f}x" for r in rows))
    print(f"{'batch / kenlm BaseScore loop':34s}" +
          "".join(f"{r['ngramlm batch w/s'] / r['kenlm state w/s']:>17.2f}x" for r in rows))
    print(f"{'sentences / kenlm score':34s}" +
          "".join(f"{r['ngramlm sentences w/s'] / r['kenlm sentences w/s']:>17.2f}x" for r in rows))


if __name__ == "__main__":
    main()
