"""Training on a local Dask cluster (ngramlm.distributed) beside the one-machine path and KenLM's `lmplz`.

    python benchmarks/bench_distributed.py [--size 5000000] [--order 5] [--workers 2] [--repeat 3]
                                           [--workdir benchmarks/work] [--lmplz PATH] [--skip-full-corpora]
                                           [--skew-only] [--skip-skew] [--release-only] [--append]

The run behind benchmarks/results/bench_distributed.txt: the defaults, then the 200M-token one with
    --size 200000000 --order 3 --repeat 1 --release-only --skip-full-corpora --skip-skew --append

The corpus is generated once, deterministically: SIZE tokens sampled (fixed seed) from the bigram distribution of
Brown and Gutenberg (bench_train.generate_corpus), never copies of one text, which would break the discount
estimates. 200M tokens (--size 200000000: 0.9 GiB of text, generated in about 4 minutes) take about 7 minutes
a round at order 3 on a 2-core machine; the default of 5M runs in a few minutes. Each of `ngramlm train --workers W`
(the Dask path, run by this script in a fresh process so that its memory is its own; once holding every stage's
results, once releasing them, keep_stages=False), `ngramlm train` (one machine) and `lmplz -o N -S 2G` is run --repeat times, in turn,
so that the load of a shared machine falls on all of them alike; the table gives each one's median wall time,
the median and range of the per-round ratios, and the peak memory: of the client process, and of each Dask
worker (their own ru_maxrss, read by client.run). --release-only leaves out the run that holds every stage's
results (at 200M tokens they would not fit in memory). Bytes shuffled are the n-gram tables moved between partitions
(every repartitioning, summed: an upper bound on the network traffic, since a piece that stays on its worker
does not travel), per input token (tokens counted, markers included).

The Dask model is compared with the one-machine model (byte-identical files, else the same n-grams with values
within 1e-6), and unless
--skip-full-corpora so are the models of the full Brown (3-gram) and Gutenberg (5-gram) training texts, which the
CI test (tests/test_distributed.py) checks on slices only. Last, the partitions' balance (skew): largest / mean
partition at 4, 100, 400, 1600 and 3200 partitions under each key (--skew-only: that alone, in seconds).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench_train import CORPORA, NGRAMLM, generate_corpus, measure
from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SEED = 20261206

# Run in a fresh process by the benchmark: a local cluster of W worker processes trains one model, then the
# run's figures and each worker's peak memory go to a JSON file.
_DASK_RUN = """
import json, resource, sys, time
from distributed import Client, LocalCluster
from ngramlm.corpora.reader import TextOptions
from ngramlm.distributed.pipeline import train_on_dask
from ngramlm.smoothing.lmplz_on_disk import LmplzConfig

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

if __name__ == "__main__":
    text, order, arpa, workers, result = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    keep_stages = sys.argv[6] == "keep"
    started = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster, \\
            Client(cluster) as client:
        ready = time.perf_counter()
        run = train_on_dask(client, LmplzConfig([text], order, arpa, text_options=TextOptions(blank_lines=True),
                                                quiet=True), keep_stages=keep_stages)
        trained = time.perf_counter()
        workers_peak = sorted(client.run(peak_mib).values())
    with open(result, "w") as f:
        json.dump({"startup_s": ready - started, "train_s": trained - ready, "tokens": run.tokens,
                   "bytes_shuffled": run.bytes_shuffled, "worker_peak_mib": workers_peak,
                   "client_peak_mib": peak_mib()}, f)
"""


def dask_train(text: Path, order: int, arpa: Path, workers: int, log: Path, keep_stages: bool = True) -> dict:
    result = log.with_suffix(".json")
    wall, peak = measure([sys.executable, "-c", _DASK_RUN, str(text), str(order), str(arpa), str(workers),
                          str(result), "keep" if keep_stages else "release"], log)
    figures = json.loads(result.read_text())
    figures.update(wall_s=wall, process_peak_mib=peak)
    return figures


def same_model(path: Path, reference: Path) -> str:
    """'byte-identical' where the files are, else 'same' where the n-grams are the same and every value is
    within 1e-6, else what differs."""
    import filecmp

    import numpy as np

    if filecmp.cmp(path, reference, shallow=False):
        return "byte-identical"

    from ngramlm.core.vocab import Vocabulary
    from ngramlm.formats.arpa import read_arpa

    vocab = Vocabulary()
    want, got = read_arpa(str(reference), vocab), read_arpa(str(path), vocab)
    if got.sizes() != want.sizes():
        return f"different sizes {got.sizes()} vs {want.sizes()}"
    for k in range(want.order):
        if not np.array_equal(got.ngrams[k], want.ngrams[k]):
            return f"different {k + 1}-grams"
        worst = max(np.max(np.abs(got.logprob[k] - want.logprob[k]), initial=0),
                    np.max(np.abs(got.logbow[k] - want.logbow[k]), initial=0))
        if worst > 1e-6:
            return f"{k + 1}-gram values differ by up to {worst:g}"
    return "same"


def skew(corpus: Path, order: int, partitions=(4, 100, 400, 1600, 3200)) -> list[str]:
    """Largest / mean partition (rows of all orders) under each key, at each number of partitions: the one-word
    keys of the first version beside the two-word keys (partitioning.keyed), and the ranges in which the ARPA
    text is formatted and Stupid Backoff estimated: of first-word ids (first version), balanced of first two."""
    import numpy as np

    from ngramlm.corpora.reader import TextOptions
    from ngramlm.distributed.pipeline import _SAMPLE, HEAVY_SHARE
    from ngramlm.counting.corpus_count import count_files
    from ngramlm.distributed.partitioning import (balanced_bounds, hashed, heavy_pairs, in_ranges, keyed,
                                                  leading_pairs, part_of_counts, sampled_pairs, trailing_pairs)

    counts = count_files([str(corpus)], order, options=TextOptions(blank_lines=True))
    grams = counts.ngrams
    vocab_size = len(counts.vocab)
    keys = {
        "one word, last (first version)": lambda g, p: hashed(g[:, -1], p),
        "one word, first (first version)": lambda g, p: hashed(g[:, 0], p),
        "two words, last": lambda g, p: keyed(g, p, "last"),
        "two words, last, heavy pairs by three (adjusted counts, interpolation)":
            lambda g, p: keyed(g, p, "last", heavy[p]),
        "two words, first (u and gamma)": lambda g, p: keyed(g, p, "first"),
        "ranges of first-word ids (ARPA text and Stupid Backoff, first version)":
            lambda g, p: in_ranges(g[:, 0], np.linspace(0, vocab_size, p + 1)[1:-1].astype(np.int64)),
        "balanced ranges of first two words (ARPA text, Stupid Backoff)":
            lambda g, p: in_ranges(leading_pairs(g, vocab_size), bounds[p]),
    }
    # The heavy pairs as the pipeline finds them (from one shard here), and the bounds from a sample of the size
    # it draws (pipeline._SAMPLE per partition).
    part = part_of_counts(counts)
    heavy = {p: heavy_pairs([trailing_pairs(part, vocab_size, p, HEAVY_SHARE)], vocab_size, p, HEAVY_SHARE)
             for p in partitions}
    bounds = {p: balanced_bounds([sampled_pairs(part, vocab_size, p * _SAMPLE)], p)
              for p in partitions}
    lines = [f"skew, largest / mean partition (n-grams of all orders, {sum(len(g) for g in grams):,} in all):"]
    for name, key in keys.items():
        ratios = []
        for parts in partitions:
            sizes = sum(np.bincount(key(g, parts), minlength=parts) for g in grams)
            ratios.append(f"{sizes.max() / sizes.mean():.1f}x at {parts}")
        lines.append(f"  {name}: {', '.join(ratios)}")
    lines.append(f"  heavy pairs: {', '.join(f'{len(heavy[p].keys)} at {p}' for p in partitions)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5_000_000, help="tokens of the generated corpus")
    parser.add_argument("--order", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=REPO / "benchmarks" / "work")
    parser.add_argument("--lmplz", default=shutil.which("lmplz"), help="KenLM's lmplz [default: the one on PATH]")
    parser.add_argument("--skip-full-corpora", action="store_true")
    parser.add_argument("--skew-only", action="store_true", help="only the partition sizes, no training")
    parser.add_argument("--skip-skew", action="store_true", help="leave out the partition sizes (they count the "
                        "whole corpus in one process)")
    parser.add_argument("--release-only", action="store_true", help="only the Dask run that releases each "
                        "stage's results (keep_stages=False)")
    parser.add_argument("--append", action="store_true", help="append the report to the results file")
    parser.add_argument("--note", default="", help="a line for the report (why this order, say)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = args.workdir / f"sampled-{args.size}.txt"
    if not corpus.exists():
        print(f"generating {corpus} ({args.size:,} tokens sampled from Brown and Gutenberg's bigrams)", flush=True)
        generate_corpus(corpus, args.size, [CORPORA[name] / "train.txt" for name in ("brown", "gutenberg")], SEED)
    lines = [describe_machine(), f"corpus: {args.size:,} sampled tokens ({corpus.stat().st_size / 2**20:.0f} MiB), "
             f"order {args.order}, {args.workers} Dask workers (one thread each), {args.repeat} rounds"]
    lines += [args.note] if args.note else []
    if args.skew_only:
        print("\n".join(skew(corpus, args.order)))
        return

    rounds = []
    first = "release" if args.release_only else "dask"  # the Dask run the table's first lines describe
    for r in range(args.repeat):
        row = {"release": dask_train(corpus, args.order, args.workdir / "release.arpa", args.workers,
                                     args.workdir / "release.log", keep_stages=False)}
        if not args.release_only:
            row["dask"] = dask_train(corpus, args.order, args.workdir / "dask.arpa", args.workers,
                                     args.workdir / "dask.log")
        row["one"] = measure([*NGRAMLM, "-o", str(args.order), "--text", str(corpus), "--arpa",
                              str(args.workdir / "one.arpa"), "-q"], args.workdir / "one.log")
        if args.lmplz:
            row["lmplz"] = measure([args.lmplz, "-o", str(args.order), "-S", "2G", "-T", str(args.workdir),
                                    "--text", str(corpus), "--arpa", str(args.workdir / "lmplz.arpa")],
                                   args.workdir / "lmplz.log")
        rounds.append(row)
        print(f"round {r + 1}: dask {row[first]['wall_s']:.1f} s" + (
              "" if args.release_only else f", releasing stages {row['release']['wall_s']:.1f} s")
              + f", one machine {row['one'][0]:.1f} s"
              + (f", lmplz {row['lmplz'][0]:.1f} s" if args.lmplz else ""), flush=True)

    def median(values):
        return statistics.median(values)

    dask_wall = [row[first]["wall_s"] for row in rounds]
    dask_train_s = [row[first]["train_s"] for row in rounds]
    one_wall = [row["one"][0] for row in rounds]
    ratios = [d / o for d, o in zip(dask_wall, one_wall)]
    last = rounds[-1][first]
    lines += [
        f"Dask path, {args.workers} workers{', releasing each stage (keep_stages=False)' * args.release_only}: "
        f"{median(dask_wall):.1f} s wall in all (cluster start "
        f"{median(row[first]['startup_s'] for row in rounds):.1f} s, training {median(dask_train_s):.1f} s), "
        f"{last['tokens'] / median(dask_train_s) / 1e3:.0f}K tokens/s of training",
        f"  peak memory per worker: {', '.join(f'{m:.0f}' for m in last['worker_peak_mib'])} MiB; "
        f"client process {last['client_peak_mib']:.0f} MiB",
        f"  bytes shuffled: {last['bytes_shuffled'] / 2**20:.0f} MiB = "
        f"{last['bytes_shuffled'] / last['tokens']:.0f} bytes per input token ({last['tokens']:,} tokens)",
    ]
    if not args.release_only:
        lines.append(
            f"Dask path releasing each stage's results (keep_stages=False): training "
            f"{median(row['release']['train_s'] for row in rounds):.1f} s; peak memory per worker: "
            f"{', '.join(f'{m:.0f}' for m in rounds[-1]['release']['worker_peak_mib'])} MiB (median of the "
            f"rounds' largest: {median(max(row['release']['worker_peak_mib']) for row in rounds):.0f} MiB, "
            f"holding every stage: {median(max(row['dask']['worker_peak_mib']) for row in rounds):.0f} MiB)")
    lines += [
        f"one machine (ngramlm train): {median(one_wall):.1f} s, peak {median(row['one'][1] for row in rounds):.0f} "
        f"MiB; Dask / one machine: median {median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f})",
    ]
    if args.lmplz:
        lmplz_wall = [row["lmplz"][0] for row in rounds]
        lratios = [d / k for d, k in zip(dask_wall, lmplz_wall)]
        lines.append(f"lmplz -S 2G: {median(lmplz_wall):.1f} s, peak "
                     f"{median(row['lmplz'][1] for row in rounds):.0f} MiB; Dask / lmplz: median "
                     f"{median(lratios):.2f} (range {min(lratios):.2f}-{max(lratios):.2f})")
    else:
        lines.append("lmplz: not found (give --lmplz PATH)")
    verdict = same_model(args.workdir / 'release.arpa', args.workdir / 'one.arpa')
    lines.append(f"Dask model vs one machine's: releasing stages: {verdict}" + (
        "" if args.release_only else
        f"; holding every stage: {same_model(args.workdir / 'dask.arpa', args.workdir / 'one.arpa')}"))

    if not args.skip_full_corpora:
        for name, order in (("brown", 3), ("gutenberg", 5)):
            text = CORPORA[name] / "train.txt"
            figures = dask_train(text, order, args.workdir / f"{name}.dask.arpa", args.workers,
                                 args.workdir / f"{name}.dask.log")
            subprocess.run([*NGRAMLM, "-o", str(order), "--text", str(text), "--arpa",
                            str(args.workdir / f"{name}.one.arpa"), "-q"], check=True)
            verdict = same_model(args.workdir / f"{name}.dask.arpa", args.workdir / f"{name}.one.arpa")
            lines.append(f"full {name} train, {order}-gram, {args.workers} workers: {verdict} as one machine's "
                         f"(training {figures['train_s']:.1f} s)")

    if not args.skip_skew:
        lines += skew(corpus, args.order)
    report = "\n".join(lines)
    print(report)
    out = REPO / "benchmarks" / "results" / "bench_distributed.txt"
    with open(out, "a" if args.append else "w") as f:
        f.write(("\n" if args.append else "") + report + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
