"""KenLM's binaries (probing; trie exact and -q 8 -b 8 -a 22) through ngramlm.Model and through kenlm.Model: load
time and query speed of the same file, and the size of ngramlm-written KenLM files against build_binary's.

    python benchmarks/bench_kenlm_binary.py [--arpa MODEL.arpa[.gz]] [--text TEST.txt] [--pairs 15]
                                            [--build-binary PATH] [--work-dir DIR]

Default model: lmplz's modified Kneser-Ney 5-gram of Brown (shared/reference/kenlm-brown/mkn5.arpa.gz, 730k
n-grams), written once in KenLM's probing format by `ngramlm build-binary --format kenlm-probing`; with
--build-binary (or $KENLM_BUILD_BINARY) KenLM's build_binary writes it too, and the two files are compared.
Scored text: shared/reference/kenlm-brown/test.txt.

The machine is shared, so the two libraries are timed in alternating pairs (ngramlm then kenlm, then the other
way round) and each figure is the median of the per-pair ratios ngramlm / kenlm, with their range; below 1 means
ngramlm is faster. Wall-clock time (perf_counter), because loading is mostly the kernel's work.
  load (method)  Model(path, config) until ready, for each LoadMethod (10 loads a sample); the file is in the
                 page cache
  score          Model.score(line) over the text
  BaseScore      BaseScore word by word with two States
  trie           ngramlm build-binary --format kenlm-trie (exact, and -q 8 -b 8 -a 22) against build_binary trie:
                 sizes and bytes; then the same load and query figures on the trie (both score it in place)
"""
from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import bench_query
from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
LOADS = 10
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def pairs(count: int, ours, theirs) -> tuple[float, float, float, float, float]:
    """(median ngramlm seconds, median kenlm seconds, median ratio, lowest ratio, highest ratio)."""
    a, b, ratios = [], [], []
    for i in range(count):
        if i % 2 == 0:
            x, y = timed(ours), timed(theirs)
        else:
            y, x = timed(theirs), timed(ours)
        a.append(x)
        b.append(y)
        ratios.append(x / y)
    return statistics.median(a), statistics.median(b), statistics.median(ratios), min(ratios), max(ratios)


def compare(path: str, lines: list[str], words: list[list[str]], count: int) -> None:
    """Load time for each LoadMethod, then score and BaseScore speed, of one file through both libraries."""
    import kenlm
    import ngramlm

    for method in ngramlm.LoadMethod:
        ours_config, theirs_config = ngramlm.Config(), kenlm.Config()
        ours_config.load_method = theirs_config.load_method = int(method)
        theirs_config.show_progress = False
        try:
            kenlm.Model(path, theirs_config)
        except OSError as exc:  # kenlm's PARALLEL_READ: "Parallel read was removed from this repo."
            t = statistics.median(timed(lambda: ngramlm.Model(path, ours_config)) for _ in range(count))
            print(f"  load {method.name:<17} ngramlm {t * 1e3:7.3f} ms  kenlm refuses it ({str(exc)[-45:]})")
            continue
        # Each sample loads the file LOADS times (a lazy load takes some 30 microseconds).
        t = pairs(count, lambda: [ngramlm.Model(path, ours_config) for _ in range(LOADS)],
                  lambda: [kenlm.Model(path, theirs_config) for _ in range(LOADS)])
        print(f"  load {method.name:<17} ngramlm {t[0] / LOADS * 1e3:7.3f} ms  kenlm {t[1] / LOADS * 1e3:7.3f} ms  "
              f"ratio {t[2]:.2f} [{t[3]:.2f}, {t[4]:.2f}]")

    a, b = ngramlm.Model(path), kenlm.Model(path)
    total = sum(map(len, words)) + len(lines)

    def sentences(m):
        return lambda: [m.score(line) for line in lines]

    def state_loop(m, state_class):
        return lambda: bench_query.state_loop(m, state_class, words)

    for name, ours_run, theirs_run in [("score", sentences(a), sentences(b)),
                                       ("BaseScore", state_loop(a, ngramlm.State), state_loop(b, kenlm.State))]:
        t = pairs(count, ours_run, theirs_run)
        print(f"  {name:<22} ngramlm {total / t[0] / 1e6:6.2f} M words/s  kenlm {total / t[1] / 1e6:6.2f} M words/s  "
              f"time ratio {t[2]:.2f} [{t[3]:.2f}, {t[4]:.2f}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arpa", default=str(SHARED / "reference" / "kenlm-brown" / "mkn5.arpa.gz"))
    parser.add_argument("--text", default=str(SHARED / "reference" / "kenlm-brown" / "test.txt"))
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--build-binary", default=os.environ.get("KENLM_BUILD_BINARY") or shutil.which("build_binary"))
    parser.add_argument("--work-dir", default=str(REPO / "benchmarks" / "work"))
    args = parser.parse_args()

    from ngramlm.formats.arpa import read_arpa
    from ngramlm.formats.kenlm_binary import arpa_file_order, write_kenlm_probing

    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    arpa = Path(args.arpa)
    if arpa.suffix == ".gz":
        plain = work / arpa.stem
        if not plain.exists():
            plain.write_bytes(gzip.decompress(arpa.read_bytes()))
        arpa = plain
    ours = work / f"{arpa.stem}.ngramlm-kenlm.binary"
    start = time.perf_counter()
    model = read_arpa(str(arpa))
    write_kenlm_probing(model, str(ours), file_order=arpa_file_order(str(arpa), model))
    print(describe_machine())
    print(f"model: {Path(args.arpa).name}, n-grams {model.sizes()}")
    print(f"ngramlm build-binary --format kenlm-probing: {ours.stat().st_size} bytes "
          f"({time.perf_counter() - start:.1f} s from ARPA)")
    if args.build_binary:
        theirs = work / f"{arpa.stem}.build_binary.binary"
        start = time.perf_counter()
        subprocess.run([args.build_binary, "-s", "probing", str(arpa), str(theirs)], check=True, capture_output=True)
        same = theirs.read_bytes() == ours.read_bytes()
        print(f"build_binary probing:                      {theirs.stat().st_size} bytes "
              f"({time.perf_counter() - start:.1f} s); byte-identical: {same}")
    path = str(ours)
    lines = Path(args.text).read_text(encoding="utf-8").splitlines()
    words = [line.split() for line in lines]
    print(f"text: {Path(args.text).name}, {len(lines)} sentences, {sum(map(len, words)) + len(lines)} tokens")
    print(f"{args.pairs} alternating pairs; ratio = ngramlm / kenlm (median [min, max])")

    compare(path, lines, words, args.pairs)

    # Tries: ngramlm-written against build_binary's, then loaded and scored in place by both libraries.
    from ngramlm.formats.kenlm_trie import write_kenlm_trie

    for flags, options in [([], {}), (["-q", "8", "-b", "8", "-a", "22"], dict(prob_bits=8, backoff_bits=8,
                                                                              pointer_bits=22))]:
        trie = work / f"{arpa.stem}.ngramlm{''.join(flags)}.trie"
        start = time.perf_counter()
        write_kenlm_trie(model, str(trie), **options)
        line = f"  trie {' '.join(flags) or '(exact)':<16} ngramlm writes {trie.stat().st_size} bytes " \
               f"({time.perf_counter() - start:.1f} s)"
        if args.build_binary:
            built = work / f"{arpa.stem}.build_binary{''.join(flags)}.trie"
            start = time.perf_counter()
            subprocess.run([args.build_binary, "-s", *flags, "trie", str(arpa), str(built)], check=True,
                           capture_output=True)
            line += f", build_binary {built.stat().st_size} bytes ({time.perf_counter() - start:.1f} s), " \
                    f"byte-identical: {built.read_bytes() == trie.read_bytes()}"
        print(line)
        compare(str(trie), lines, words, args.pairs)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
