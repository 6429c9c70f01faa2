"""End to end against the peers: each command as a user runs it, ngramlm and the peer alternating in pairs.

    python benchmarks/bench_end_to_end.py [--pairs 5] [--srilm DIR] [--kenlm-bin DIR] [--work DIR] [--rows ...]

Rows (issue 24's table), each on the same files for both tools:
  count   `ngram-count -order 5 -text brown/train.txt -sort -write c.txt`, against SRILM's ngram-count
  ppl     `ngram -lm kn5.arpa -order 5 -ppl wikitext-2/test.txt` (-debug 0 and -debug 2), against SRILM's ngram
  binary  `ngram -lm kn5.bin -order 5 -ppl wikitext-2/test.txt` (ngramlm build-binary), against the same on kn5.arpa
          and against KenLM's query on its own binary of kn5.arpa (build_binary; -v summary beside -debug 0)
  eval    `ngramlm eval model.arpa wikitext-2/test.txt`, against KenLM's `query model.arpa < test.txt`
  load    loading an ARPA file into ngramlm.use.query.Model, against kenlm.Model: CPU time and resident memory
  score   Model.score over every sentence of the test text, against kenlm.Model.score (same processes as load)

Every run is a fresh process; its CPU time (user + system) and peak resident memory come from wait4. Python
writes and reads its bytecode caches (in WORK/pycache: PYTHONDONTWRITEBYTECODE is dropped for the runs), as an
installed package has them, and each ngramlm command runs once untimed before its pairs, so that no timed run
compiles source (--no-bytecode-cache: every run compiles ngramlm's modules, as where PYTHONDONTWRITEBYTECODE is
set). Pairs alternate which tool goes first; the ratio (ngramlm / peer: below 1 means ngramlm is faster or smaller) is taken
within each pair, and the table gives its median and range over the pairs, with each tool's median beside it.
Where both tools write the same output (count files, -ppl reports) the table says whether they are identical.

Peers: SRILM's ngram-count and ngram are looked for in --srilm (a folder, searched recursively, e.g. SRILM's
bin/) or on PATH (only compiled programs count: ngramlm's own entry points share the names); KenLM's query and
lmplz in --kenlm-bin or on PATH, and the kenlm Python module for load and score. A row whose peer is missing is
skipped with a note. kn5.arpa is made by SRILM's ngram-count (-kndiscount -interpolate; ngramlm's when SRILM's
is missing), model.arpa by lmplz -o 5 (KenLM's ARPA, every n-gram kept: the large model).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
CORPORA = SHARED / "corpora"

OURS_NGRAM_COUNT = "from ngramlm.cli.ngram_count import main; main()"
OURS_NGRAM = "from ngramlm.cli.ngram import main; main()"
OURS_CLI = "from ngramlm.cli.main import cli; cli()"

# Load and score in one process: prints {"load": CPU s, "rss": MiB after loading, "rss_model": MiB loading added,
# "imports": MiB before loading, "score": CPU s, "total": ...}.
LOAD_AND_SCORE = r"""
import json, sys, time
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
import_module = sys.argv[1]
if import_module == "kenlm":
    import kenlm
    make = kenlm.Model
else:
    from ngramlm.use.query import Model as make
before = rss()
start = time.process_time()
model = make(sys.argv[2])
load = time.process_time() - start
after = rss()
lines = [l for l in open(sys.argv[3], encoding="utf-8").read().split("\n") if l.strip()]
score = model.score
start = time.process_time()
total = 0.0
for line in lines:
    total += score(line)
scoring = time.process_time() - start
print(json.dumps({"load": load, "rss": after, "rss_model": after - before, "imports": before, "score": scoring,
                  "total": total}))
"""


def is_program(path: Path) -> bool:
    """A compiled executable (ELF), not a script: ngramlm's entry points are called ngram and ngram-count too."""
    try:
        with open(path, "rb") as f:
            return os.access(path, os.X_OK) and f.read(4) == b"\x7fELF"
    except OSError:
        return False


def find_program(name: str, folder: str | None) -> str | None:
    if folder:
        for candidate in sorted(Path(folder).rglob(name)):
            if is_program(candidate):
                return str(candidate)
        return None
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(entry) / name
        if is_program(candidate):
            return str(candidate)
    return None


# Runs one command and writes its CPU seconds and peak resident KiB to the file argv[1]. A fresh process per
# command, because some kernels (gVisor) report through wait4 the largest peak among all the children a process
# has waited for, not the one child's.
MEASURE = r"""
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"status": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime,
               "rss": usage.ru_maxrss}, f)
"""


class Runner:
    """Runs one command at a time, measured by wait4 in a fresh parent: its own CPU seconds (user + system) and
    peak resident MiB."""

    def __init__(self, work: Path):
        self.out, self.err, self.usage = work / ".stdout", work / ".stderr", work / ".usage"

    def measure(self, command: list[str], stdin: str | None = None, stdout: str | None = None) -> dict:
        started = time.perf_counter()
        with open(stdin or os.devnull, "rb") as source, open(stdout or self.out, "wb") as sink, \
                open(self.err, "wb") as errors:
            subprocess.run([sys.executable, "-c", MEASURE, str(self.usage), *command], stdin=source, stdout=sink,
                           stderr=errors, check=False)
        wall = time.perf_counter() - started
        usage = json.loads(self.usage.read_text())
        if usage["status"]:
            raise RuntimeError(f"{' '.join(command)} failed:\n{self.err.read_text(errors='replace')[-2000:]}")
        return {"cpu": usage["cpu"], "wall": wall, "rss": usage["rss"] / 1024,
                "stdout": b"" if stdout else self.out.read_bytes()}


def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


def alternate(pairs: int, ours, peer) -> list[tuple[dict, dict]]:
    """`pairs` pairs of (ours(), peer()) results, ours first in even pairs, the peer first in odd ones, after one
    untimed run of ours (which writes the bytecode caches of what it imports)."""
    ours()
    results = []
    for i in range(pairs):
        if i % 2 == 0:
            a = ours()
            b = peer()
        else:
            b = peer()
            a = ours()
        results.append((a, b))
        print(f"    pair {i + 1}: ngramlm {a['cpu']:.2f} s, peer {b['cpu']:.2f} s CPU", file=sys.stderr, flush=True)
    return results


def summarise(name: str, results: list[tuple[dict, dict]], key: str, unit: str, note: str = "") -> dict:
    ratios = [a[key] / b[key] for a, b in results if b[key] > 0]
    row = {"command": name, "measure": key, "unit": unit,
           "ours": statistics.median(a[key] for a, _ in results),
           "peer": statistics.median(b[key] for _, b in results),
           "ratio": statistics.median(ratios) if ratios else None,
           "low": min(ratios, default=None), "high": max(ratios, default=None),
           "faster_pairs": sum(r <= 1 for r in ratios), "pairs": len(ratios), "note": note}
    return row


def same_files(a: str, b: str) -> bool:
    return Path(a).read_bytes() == Path(b).read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--srilm", help="folder holding SRILM's ngram-count and ngram (searched recursively)")
    parser.add_argument("--kenlm-bin", help="folder holding KenLM's query and lmplz")
    parser.add_argument("--work", default=None, help="folder for the models and outputs (default: a temporary one)")
    parser.add_argument("--rows", nargs="+", default=["count", "ppl", "binary", "eval", "load"],
                        choices=["count", "ppl", "binary", "eval", "load"], help="load also measures score")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="run Python without bytecode caches (every run compiles ngramlm's modules)")
    args = parser.parse_args()

    work = Path(args.work or tempfile.mkdtemp(prefix="bench_end_to_end."))
    work.mkdir(parents=True, exist_ok=True)
    if args.no_bytecode_cache:
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        os.environ.pop("PYTHONPYCACHEPREFIX", None)
    else:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    brown, wt2_train, wt2_test = (CORPORA / "brown" / "train.txt", CORPORA / "wikitext-2" / "train.txt",
                                  CORPORA / "wikitext-2" / "test.txt")
    srilm_count, srilm_ngram = find_program("ngram-count", args.srilm), find_program("ngram", args.srilm)
    query, lmplz = find_program("query", args.kenlm_bin), find_program("lmplz", args.kenlm_bin)
    has_kenlm_module = find_spec("kenlm") is not None
    runner = Runner(work)
    rows, notes = [], []

    if "count" in args.rows:
        ours = lambda: runner.measure(python(OURS_NGRAM_COUNT, "-order", "5", "-text", str(brown), "-sort",
                                             "-write", str(work / "c.ours.txt")))
        if srilm_count:
            peer = lambda: runner.measure([srilm_count, "-order", "5", "-text", str(brown), "-sort",
                                           "-write", str(work / "c.srilm.txt")])
            print("count: ngram-count -order 5 -sort -write", file=sys.stderr)
            results = alternate(args.pairs, ours, peer)
            same = same_files(work / "c.ours.txt", work / "c.srilm.txt")
            rows.append(summarise("ngram-count -order 5 -text brown -sort -write", results, "cpu", "s CPU",
                                  f"identical: {same}"))
            rows.append(summarise("  (the same, peak memory)", results, "rss", "MiB"))
        else:
            notes.append("count: no SRILM ngram-count (pass --srilm)")

    kn5 = work / "kn5.arpa"
    if ("ppl" in args.rows or "binary" in args.rows) and not kn5.exists():
        maker = [srilm_count] if srilm_count else python(OURS_NGRAM_COUNT)
        runner.measure(maker + ["-order", "5", "-text", str(wt2_train), "-kndiscount", "-interpolate",
                                "-lm", str(kn5)])
    if "ppl" in args.rows:
        if srilm_ngram:
            for debug in ("0", "2"):
                ppl = ["-lm", str(kn5), "-order", "5", "-ppl", str(wt2_test), "-debug", debug]
                ours = lambda: runner.measure(python(OURS_NGRAM, *ppl), stdout=str(work / f"ppl{debug}.ours"))
                peer = lambda: runner.measure([srilm_ngram, *ppl], stdout=str(work / f"ppl{debug}.srilm"))
                print(f"ppl: ngram -ppl -debug {debug}", file=sys.stderr)
                results = alternate(args.pairs, ours, peer)
                same = same_files(work / f"ppl{debug}.ours", work / f"ppl{debug}.srilm")
                rows.append(summarise(f"ngram -lm kn5.arpa -order 5 -ppl wikitext-2/test -debug {debug}", results,
                                      "cpu", "s CPU", f"identical: {same}"))
            rows.append(summarise("  (-debug 2, peak memory)", results, "rss", "MiB"))
        else:
            notes.append("ppl: no SRILM ngram (pass --srilm)")

    if "binary" in args.rows:
        runner.measure(python(OURS_CLI, "build-binary", "-q", str(kn5), str(work / "kn5.bin")))
        build_binary = find_program("build_binary", args.kenlm_bin)
        if build_binary:
            runner.measure([build_binary, "probing", str(kn5), str(work / "kn5.probing")])
        for debug, verbosity in (("0", "summary"), ("2", "word")):
            def ppl_run(model, debug=debug):
                command = ["-lm", str(work / model), "-order", "5", "-ppl", str(wt2_test), "-debug", debug]
                return lambda: runner.measure(python(OURS_NGRAM, *command), stdout=str(work / f"{model}{debug}"))
            print(f"binary: ngram -lm kn5.bin -ppl -debug {debug} against kn5.arpa", file=sys.stderr)
            results = alternate(args.pairs, ppl_run("kn5.bin"), ppl_run("kn5.arpa"))
            rows.append(summarise(f"ngram -lm kn5.bin -ppl -debug {debug} vs kn5.arpa", results, "cpu", "s CPU"))
            if query and build_binary:
                kenlm_query = [query, "-v", verbosity, str(work / "kn5.probing")]
                peer = lambda: runner.measure(kenlm_query, stdin=str(wt2_test))
                print(f"binary: ngram -lm kn5.bin -ppl -debug {debug} against query -v {verbosity}", file=sys.stderr)
                results = alternate(args.pairs, ppl_run("kn5.bin"), peer)
                rows.append(summarise(f"  vs query -v {verbosity} kn5.probing", results, "cpu", "s CPU"))
                rows.append(summarise("  (the same, peak memory)", results, "rss", "MiB"))
            else:
                notes.append("binary: no KenLM query and build_binary (pass --kenlm-bin)")

    big = work / "model.arpa"
    if ("eval" in args.rows or "load" in args.rows) and not big.exists():
        if lmplz:
            with open(wt2_train, "rb") as text, open(big, "wb") as out:
                subprocess.run([lmplz, "-o", "5", "-S", "1G", "-T", str(work), "--skip_symbols"], stdin=text,
                               stdout=out, stderr=subprocess.DEVNULL, check=True)
        else:
            notes.append("eval, load: no lmplz to make model.arpa (pass --kenlm-bin)")
    if "eval" in args.rows and big.exists():
        if query:
            ours = lambda: runner.measure(python(OURS_CLI, "eval", str(big), str(wt2_test)))
            peer = lambda: runner.measure([query, str(big)], stdin=str(wt2_test))
            print("eval: ngramlm eval against query", file=sys.stderr)
            results = alternate(args.pairs, ours, peer)
            rows.append(summarise("ngramlm eval model.arpa wikitext-2/test vs query", results, "cpu", "s CPU"))
            rows.append(summarise("  (the same, peak memory)", results, "rss", "MiB"))
        else:
            notes.append("eval: no KenLM query (pass --kenlm-bin)")
    if "load" in args.rows and big.exists():
        if has_kenlm_module:
            def load(module):
                def measure():
                    result = runner.measure(python(LOAD_AND_SCORE, module, str(big), str(wt2_test)))
                    result["peak"] = result.pop("rss")
                    result.update(json.loads(result["stdout"]))  # "rss": resident after loading
                    result["peak_model"] = result["peak"] - result["imports"]
                    return result
                return measure
            print("load + score: Model against kenlm.Model", file=sys.stderr)
            results = alternate(args.pairs, load("ngramlm"), load("kenlm"))
            rows.append(summarise("Model(model.arpa) load vs kenlm.Model", results, "load", "s CPU"))
            rows.append(summarise("  (resident memory after loading)", results, "rss", "MiB"))
            rows.append(summarise("  (peak memory of the process)", results, "peak", "MiB"))
            # What loading adds to a process that has imported the library (Python with numpy and ngramlm is
            # about 30 MiB, with kenlm about 16): the model's own memory, the same tables on both sides.
            rows.append(summarise("  (resident memory added by loading)", results, "rss_model", "MiB"))
            rows.append(summarise("  (peak memory above the imports)", results, "peak_model", "MiB"))
            rows.append(summarise("Model.score(sentence) over the test text vs kenlm", results, "score", "s CPU"))
        else:
            notes.append("load, score: the kenlm Python module is not installed")

    caches = "without bytecode caches" if args.no_bytecode_cache else "bytecode cached"
    print(f"\nMachine: {describe_machine()}; {args.pairs} pairs, ngramlm and peer alternating; Python {caches}")
    found = {True: "found", False: "missing"}
    print(f"Peers: SRILM ngram-count {found[bool(srilm_count)]}, ngram {found[bool(srilm_ngram)]}; "
          f"KenLM query {found[bool(query)]}, kenlm module {found[has_kenlm_module]}\n")
    header = f"{'command':<58} {'ngramlm':>9} {'peer':>9} {'unit':<6} {'ratio':>6} {'range':>13} {'wins':>5}  note"
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        spread = "" if row["low"] is None else f"{row['low']:.2f}-{row['high']:.2f}"
        print(f"{row['command']:<58} {row['ours']:>9.3f} {row['peer']:>9.3f} {row['unit']:<6} {ratio:>6} "
              f"{spread:>13} {row['faster_pairs']:>2}/{row['pairs']:<2}  {row['note']}")
    for note in notes:
        print("note:", note)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": describe_machine(), "rows": rows, "notes": notes},
                                              indent=2))


if __name__ == "__main__":
    main()
