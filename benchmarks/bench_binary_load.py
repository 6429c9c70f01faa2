"""Load time of a binary model with the default check (crc32 of the whole payload, plus the structure checks)
against the spot-sample check it replaced as the default.

    python benchmarks/bench_binary_load.py [--arpa FILE | --text FILE] [--pairs 15]

The model is the Brown 5-gram, trained by `ngramlm train -o 5` (lmplz's interpolated modified Kneser-Ney) on
../shared/corpora/brown/train.txt (NGRAMLM_SHARED overrides the place), unless --arpa names a model; its binary is
written to a temporary folder, so the timings are of a file in the page cache (a cold load adds the disk's read
time to both). The two checks are
timed in alternating pairs (the machine is shared), and the median and range of each, and of their difference,
are printed, with the parts of the default load: the crc32 alone and the structure checks alone.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from machine import describe_machine

from ngramlm.formats.arpa import read_arpa
from ngramlm.formats.binary import load_binary, write_binary
from ngramlm.use.query import Model

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))


def timed(call) -> tuple[float, float]:
    """(wall, CPU) milliseconds of `call()`: on a shared machine the CPU time is the steadier of the two."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3


def summary(pairs: list[tuple[float, float]]) -> str:
    out = []
    for name, values in (("wall", [p[0] for p in pairs]), ("CPU", [p[1] for p in pairs])):
        out.append(f"{name} median {statistics.median(values):6.1f} ms ({min(values):.1f}-{max(values):.1f})")
    return ", ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arpa")
    parser.add_argument("--text", default=str(SHARED / "corpora" / "brown" / "train.txt"))
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        trained = args.arpa is None
        if trained:
            args.arpa = os.path.join(folder, "model.arpa")
            subprocess.run([sys.executable, "-c", "from ngramlm.cli.main import cli; cli()", "train", "-o", "5",
                            "--text", args.text, "--arpa", args.arpa], check=True, capture_output=True)
        path = os.path.join(folder, "model.bin")
        write_binary(read_arpa(args.arpa), path)
        payload = np.memmap(path, np.uint8, mode="r")
        print(describe_machine())
        name = "Brown 5-gram (ngramlm train -o 5)" if trained else args.arpa
        print(f"{name}: binary of {os.path.getsize(path) / 2 ** 20:.1f} MiB; {args.pairs} alternating pairs")
        full, sample = [], []
        Model(path)  # page the file in
        for _ in range(args.pairs):
            full.append(timed(lambda: Model(path)))
            sample.append(timed(lambda: load_binary(path, verify="sample")))
        crc = [timed(lambda: zlib.crc32(payload)) for _ in range(args.pairs)]
        print(f"Model(path), default check (full crc32 + structure): {summary(full)}")
        print(f"load_binary(path, verify='sample') (old default):      {summary(sample)}")
        difference = [(f[0] - s[0], f[1] - s[1]) for f, s in zip(full, sample)]
        print(f"difference per pair:                                  {summary(difference)}")
        print(f"zlib.crc32 of the whole file alone:                   {summary(crc)}")


if __name__ == "__main__":
    main()
