"""Is the working tree slower than an earlier commit? The end-to-end paths of bench_count, bench_train and
bench_query, run alternately with the two versions in pairs, each run a fresh process.

    python benchmarks/bench_regression.py [--against REV] [--pairs 5] [--corpus brown]

REV (default: HEAD~1) is checked out into a temporary git worktree and its compiled core built there (a minute);
every task then runs once with that build and once with the installed working tree, alternately, PAIRS times. The
table gives, per task, the median of the per-pair ratios (working tree / REV; below 1 is faster) and their range:
this machine's speed drifts by a third from one minute to the next, and a ratio within a pair is what survives it.
Times are CPU seconds (user + system) of the measured section only, measured inside the child process, so the
interpreter's start and imports are left out.

Tasks (on ../shared/corpora/CORPUS; Brown train is about 1M words):
  count        count every 1..5-gram of the training text (ngramlm.count_files), as bench_count does
  count-write  ngram-count -order 5 -text TRAIN -sort -write FILE (counting and the count file)
  train        ngramlm train -o 5 (lmplz's estimation on disk, ARPA written), as bench_train does
  estimate     interpolated modified Kneser-Ney 5-gram of the counts (ngramlm.estimate) and write_arpa
  ppl          ngram -order 5 -lm KN5.arpa -ppl TEST (SRILM's report through the numpy scorer)
  load         Model(KN5.arpa), the query index from ARPA
  state        BaseScore word by word over the test set (20 times) with two States (bench_query's state API)
  batch        score_ids over the whole test set in one call, 100 times (bench_query's batch)
  prune        ngram -prune 1e-7 of the 5-gram
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))

# Each task is a Python snippet run in a fresh process with the version under test first on sys.path. It sets up
# what it needs outside the timed section and prints the CPU seconds of the timed section.
PRELUDE = r"""
import json, os, resource, sys
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
train, test, work = sys.argv[1:4]
def timed(run):
    start = cpu(); run(); print(json.dumps({"cpu": cpu() - start}))
def cli(module, args):
    def run():
        old = sys.argv
        sys.argv = [module] + args
        try:
            __import__("ngramlm.cli." + module, fromlist=["main"]).main()
        except SystemExit as exit:
            if exit.code:
                raise
        finally:
            sys.argv = old
    return run
"""

TASKS = {
    "count": "import ngramlm\ntimed(lambda: ngramlm.count_files([train], 5))",
    "count-write": "timed(cli('ngram_count', ['-order', '5', '-text', train, '-sort', '-write', work + '/c.txt']))",
    "train": "from ngramlm.cli.main import cli as main\n"
             "def run():\n"
             "    try: main(['train', '-q', '-o', '5', '--text', train, '--arpa', work + '/t.arpa'])\n"
             "    except SystemExit as e:\n"
             "        if e.code: raise\n"
             "timed(run)",
    "estimate": "import ngramlm\ncounts = ngramlm.count_files([train], 5)\n"
                "timed(lambda: ngramlm.write_arpa(ngramlm.estimate(counts, 'modified-kneser-ney', interpolate=True, "
                "gtmin=1), work + '/e.arpa'))",
    "ppl": "import contextlib, io\nbuf = io.StringIO()\n"
           "with contextlib.redirect_stdout(buf):\n"
           "    timed_run = cli('ngram', ['-order', '5', '-lm', work + '/kn5.arpa', '-ppl', test])\n"
           "    start = cpu(); timed_run(); spent = cpu() - start\n"
           "print(json.dumps({'cpu': spent}))",
    "load": "import ngramlm\ntimed(lambda: ngramlm.Model(work + '/kn5.arpa'))",
    "state": "import ngramlm\nm = ngramlm.Model(work + '/kn5.arpa')\n"
             "sents = [l.split() for l in open(test, encoding='utf-8') if l.split()]\n"
             "def run():\n"
             "    s, o = ngramlm.State(), ngramlm.State()\n"
             "    for _ in range(20):\n"
             "        for words in sents:\n"
             "            m.BeginSentenceWrite(s)\n"
             "            for w in words:\n"
             "                m.BaseScore(s, w, o); s, o = o, s\n"
             "            m.BaseScore(s, '</s>', o)\n"
             "timed(run)",
    "batch": "import ngramlm, numpy as np\nm = ngramlm.Model(work + '/kn5.arpa')\n"
             "ids = [m.encode(l.split()) for l in open(test, encoding='utf-8') if l.split()]\n"
             "flat, offsets = np.concatenate(ids), np.cumsum([0] + [len(i) for i in ids])\n"
             "timed(lambda: [m.score_ids(flat, offsets) for _ in range(100)])",
    "prune": "timed(cli('ngram', ['-order', '5', '-lm', work + '/kn5.arpa', '-prune', '1e-7', '-write-lm', "
             "work + '/p.arpa']))",
}


def build_revision(rev: str, folder: Path) -> Path:
    """A worktree of REV with its compiled core built in place; returns the folder to put first on sys.path."""
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(folder), rev], cwd=REPO, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q"], cwd=folder, check=True,
                   capture_output=True)
    # setup.py installs cli/ as ngramlm.cli; in a source tree a link stands in for that mapping.
    link = folder / "ngramlm" / "cli"
    if not link.exists():
        link.symlink_to(folder / "cli")
    return folder


def run_task(task: str, path: Path, train: Path, test: Path, work: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(path))
    code = f"import sys\nsys.path.insert(0, {str(path)!r})\n" + PRELUDE + TASKS[task]
    result = subprocess.run([sys.executable, "-c", code, str(train), str(test), str(work)], capture_output=True,
                            text=True, env=env, cwd=work)
    if result.returncode:
        raise SystemExit(f"{task} failed with {path}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])["cpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", default="HEAD~1", help="the earlier commit [default: HEAD~1]")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--corpus", default="brown")
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    args = parser.parse_args()
    train = SHARED / "corpora" / args.corpus / "train.txt"
    test = SHARED / "corpora" / args.corpus / "test.txt"
    if not train.exists():
        raise SystemExit(f"{train}: not found (the shared corpora sit beside the checkout, or set NGRAMLM_SHARED)")
    rev = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=REPO, check=True, capture_output=True,
                         text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ngramlm-regression-") as tmp:
        tmp = Path(tmp)
        work = tmp / "work"
        work.mkdir()
        try:
            old = build_revision(rev, tmp / "old")
            new = REPO
            # The model every query task reads, made once (by REV, the version known to work).
            make_model = (f"import sys\nsys.path.insert(0, {str(old)!r})\nfrom ngramlm.cli.ngram_count import main\n"
                          "sys.argv[0] = 'ngram-count'\nmain()")
            subprocess.run([sys.executable, "-c", make_model, "-order", "5", "-kndiscount", "-interpolate", "-text",
                            str(train), "-lm", str(work / "kn5.arpa")], check=True, capture_output=True,
                           env=dict(os.environ, PYTHONPATH=str(old)))
            print(f"machine: {describe_machine()}")
            print(f"working tree against {rev}, {args.pairs} alternating pairs, CPU seconds of the timed section, "
                  f"corpus {args.corpus}\n")
            print(f"| task | {rev} median s | working tree median s | ratio median | ratio range |")
            print("| --- | --- | --- | --- | --- |")
            for task in args.tasks:
                before, after = [], []
                for pair in range(args.pairs):
                    # Alternate which version goes first, so neither always runs on a warmer cache.
                    order = [(old, before), (new, after)] if pair % 2 == 0 else [(new, after), (old, before)]
                    for path, times in order:
                        times.append(run_task(task, path, train, test, work))
                ratios = [a / b for a, b in zip(after, before)]
                print(f"| {task} | {statistics.median(before):.3f} | {statistics.median(after):.3f} | "
                      f"{statistics.median(ratios):.3f} | {min(ratios):.3f}-{max(ratios):.3f} |", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tmp / "old")], cwd=REPO, capture_output=True)


if __name__ == "__main__":
    main()
