"""Run SRILM 1.7.3's own regression tests (lm/test/tests/*/run-test) with ngramlm's `ngram`, `ngram-count` and
`ngram-class` first on PATH, comparing stdout and stderr with SRILM's references by SRILM's sbin/compare-outputs
(numbers may differ by 0.1% relatively), as SRILM's go.run-test does.

Usage: python benchmarks/srilm_regression.py SRILM_ROOT [TEST ...] [--json FILE]

SRILM_ROOT is a copy of SRILM's sources with its tools built (bin/MACHINE/ holds them: the tests' other tools
and scripts come from there). Without TEST names, the 12 tests are run whose inputs the public mirrors hold and that
use ngram, ngram-count or ngram-class. Needs gawk.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

# The tests of lm/test whose inputs are in the public SRILM 1.7.3 mirrors and that run ngram, ngram-count or
# ngram-class (SRILM's own tools pass all 23 runnable tests; these are the 12 of them that use those three).
RUNNABLE = ["class-ngram", "class-ngram-simple", "expand-classes", "make-ngram-pfsg", "merge-batch-counts",
            "multi-ngram", "ngram-class", "ngram-multiwords", "ngram-prune-contexts", "ppl-counts", "tagged-ngram",
            "utf-read"]
OUR_TOOLS = ["ngram", "ngram-count", "ngram-class"]


def _our_bin(folder: str) -> str:
    """A folder holding ngramlm's three tools (a tool not installed becomes a stub that fails, so SRILM's own is
    never used in its place)."""
    for tool in OUR_TOOLS:
        path = shutil.which(tool, path=os.path.dirname(sys.executable)) or shutil.which(tool)
        target = os.path.join(folder, tool)
        if path and "srilm" not in path.lower():
            os.symlink(path, target)
        else:
            with open(target, "w") as f:
                f.write(f"#!/bin/sh\necho '{tool}: not provided by ngramlm' >&2\nexit 1\n")
            os.chmod(target, 0o755)
    return folder


def _machine_bin(srilm: str) -> str:
    folders = [d for d in glob.glob(os.path.join(srilm, "bin", "*")) if os.path.isfile(os.path.join(d, "ngram"))]
    if not folders:
        sys.exit(f"no built SRILM tools under {srilm}/bin/*/")
    return folders[0]


def run_test(srilm: str, name: str, path: str, work: str, timeout: float) -> dict:
    """Run one test in a copy of its folder; compare its stdout and stderr with SRILM's references."""
    # the whole tests folder is copied: some tests read their neighbours' inputs (../ngram-count-gt)
    tests = os.path.join(work, "tests")
    if not os.path.isdir(tests):
        shutil.copytree(os.path.join(srilm, "lm", "test", "tests"), tests)
    folder = os.path.join(tests, name)
    env = dict(os.environ, PATH=path, SRILM=srilm)
    try:
        result = subprocess.run(["sh", "./run-test"], cwd=folder, env=env, capture_output=True, timeout=timeout)
        outputs = {"stdout": result.stdout, "stderr": result.stderr}
    except subprocess.TimeoutExpired:
        outputs = {"stdout": b"", "stderr": b"timed out"}
    verdict = {}
    for stream, data in outputs.items():
        output = os.path.join(work, f"{name}.{stream}")
        with open(output, "wb") as f:
            f.write(data.replace(srilm.encode(), b"SRILM"))
        references = sorted(glob.glob(os.path.join(srilm, "lm", "test", "reference", f"{name}.{stream}"))
                            + glob.glob(os.path.join(srilm, "lm", "test", "reference", f"{name}.*.{stream}")))
        verdict[stream] = any(
            subprocess.run(["gawk", "-f", os.path.join(srilm, "sbin", "compare-outputs"), ref, output],
                           capture_output=True).returncode == 0 for ref in references)
    return verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("srilm", help="SRILM 1.7.3 sources with its tools built")
    parser.add_argument("tests", nargs="*", default=RUNNABLE)
    parser.add_argument("--json", help="write the verdicts to this file")
    parser.add_argument("--keep", help="keep the outputs in this folder")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    srilm = os.path.abspath(args.srilm)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or os.path.join(tmp, "work")
        os.makedirs(work, exist_ok=True)
        os.makedirs(os.path.join(tmp, "bin"))
        ours = _our_bin(os.path.join(tmp, "bin"))
        path = os.pathsep.join([ours, _machine_bin(srilm), os.path.join(srilm, "bin"), os.environ["PATH"]])
        verdicts = {name: run_test(srilm, name, path, work, args.timeout) for name in args.tests}
    for name, verdict in verdicts.items():
        print(f"{name:24s} stdout {'IDENTICAL' if verdict['stdout'] else 'DIFFERS':9s} "
              f"stderr {'IDENTICAL' if verdict['stderr'] else 'DIFFERS'}")
    print(f"stdout matches in {sum(v['stdout'] for v in verdicts.values())} of {len(verdicts)}, "
          f"stderr in {sum(v['stderr'] for v in verdicts.values())}, "
          f"both in {sum(v['stdout'] and v['stderr'] for v in verdicts.values())}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(verdicts, f, indent=1)


if __name__ == "__main__":
    main()
