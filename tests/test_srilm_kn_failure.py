"""Issue 19: Kneser-Ney discounts the count-of-counts leave undefined, under SRILM's command and in ngramlm's own.

SRILM 1.7.3's ngram-count stops (exit status 1) where an order's count-of-counts n1..n4 (n1, n2 for -ukndiscount)
has a zero or a modified Kneser-Ney discount comes out negative, with its message, writing no model, counts or
vocabulary (a -knN file only for the orders estimated before); ngramlm's `ngram-count` must do the same, while
Good-Turing's warnings about zero count-of-counts let it go on. Each case of CASES is compared with SRILM's stdout,
stderr, exit status and the files it left, kept in tests/data/srilm/kn-failure/references.json (inputs beside it:
tiny/neg/r1/r2/u6.txt, ngramlm's own texts, small enough for every order to fail somewhere). The Python API keeps
its fallback discounts (with an EstimationWarning), as `ngramlm train` keeps lmplz's --discount_fallback.

Remake the references with SRILM built from its 1.7.3 sources:
    python tests/test_srilm_kn_failure.py SRILM/bin/i686-m64
"""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data" / "srilm" / "kn-failure"

# name, input text, ngram-count's arguments after -text INPUT ({out}: a folder for the files written)
CASES = [
    ("tiny-kn1", "tiny", "-order 1 -kndiscount -lm {out}/lm"),
    ("tiny-kn3-interpolate-debug1", "tiny", "-order 3 -kndiscount -interpolate -lm {out}/lm -debug 1"),
    ("tiny-ukn2-debug1", "tiny", "-order 2 -ukndiscount -lm {out}/lm -debug 1"),
    ("tiny-ukn1-debug2", "tiny", "-order 1 -ukndiscount -interpolate -lm {out}/lm -debug 2"),
    ("neg-kn1-debug1", "neg", "-order 1 -kndiscount -lm {out}/lm -debug 1"),  # D2 < 0
    ("neg-kn2-interpolate", "neg", "-order 2 -kndiscount -interpolate -lm {out}/lm"),
    ("r1-kn3-debug1", "r1", "-order 3 -kndiscount -lm {out}/lm -debug 1"),  # order 2 fails after order 1
    ("r1-kn5-gtmin", "r1", "-order 5 -kndiscount -gt2min 1 -gt3min 1 -gt4min 1 -gt5min 1 -lm {out}/lm"),
    ("r2-kn4-interpolate-debug1", "r2", "-order 4 -kndiscount -interpolate -lm {out}/lm -debug 1"),
    ("r2-kn5-gtmin-debug1", "r2", "-order 5 -kndiscount -gt3min 1 -gt4min 1 -gt5min 1 -lm {out}/lm -debug 1"),
    ("u6-kn5", "u6", "-order 5 -kndiscount -lm {out}/lm"),  # order 3
    ("u6-ukn5-interpolate-debug1", "u6", "-order 5 -ukndiscount -interpolate -lm {out}/lm -debug 1"),  # order 4
    ("tiny-wb1-kn2-debug1", "tiny", "-order 3 -wbdiscount1 -kndiscount2 -lm {out}/lm -debug 1"),
    ("tiny-gt1-kn2", "tiny", "-order 2 -kndiscount2 -lm {out}/lm"),  # Good-Turing's warnings, then the stop
    ("r1-kn1-file", "r1", "-order 3 -kndiscount -kn1 {out}/kn1"),  # order 1's file written, order 2 stops
    ("r1-kn-file-debug1", "r1", "-order 3 -kndiscount -kn {out}/kn -debug 1"),
    ("tiny-write-counts", "tiny", "-order 3 -kndiscount -write {out}/counts -write-vocab {out}/vocab -lm {out}/lm"),
    ("tiny-gt", "tiny", "-order 3 -lm {out}/lm"),  # Good-Turing warns and goes on
    ("tiny-gt-debug1", "tiny", "-order 2 -gt1max 3 -lm {out}/lm -debug 1"),
]


def _arguments(text: str, args: str, folder: Path) -> list[str]:
    return ["-text", str(folder / f"{text}.txt"), *shlex.split(args.format(out=folder / "out"))]


def _outcome(status: int, stdout: bytes, stderr: bytes, folder: Path) -> dict:
    """What a run left, temporary folder names replaced by TMP."""
    def clean(data: bytes) -> str:
        return data.decode().replace(str(folder), "TMP")
    return {"status": status, "stdout": clean(stdout), "stderr": clean(stderr),
            "files": {path.name: clean(path.read_bytes()) for path in sorted((folder / "out").iterdir())}}


def _inputs(folder: Path) -> None:
    for text in {case[1] for case in CASES}:
        (folder / f"{text}.txt").write_bytes((DATA / f"{text}.txt").read_bytes())
    (folder / "out").mkdir()


REFERENCES = json.loads((DATA / "references.json").read_text()) if (DATA / "references.json").exists() else {}


@pytest.mark.parametrize("name,text,args", CASES, ids=[case[0] for case in CASES])
def test_ngram_count_stops_as_srilm(tmp_path, name, text, args):
    from click.testing import CliRunner

    from ngramlm.cli import ngram_count

    _inputs(tmp_path)
    result = CliRunner().invoke(ngram_count.main, _arguments(text, args, tmp_path))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception  # no traceback
    got = _outcome(result.exit_code, result.stdout_bytes, result.stderr_bytes, tmp_path)
    assert got == REFERENCES[name]


def _tiny_counts():
    from ngramlm.counting.corpus_count import count_sentences
    from ngramlm.core.vocab import Vocabulary

    return count_sentences([["<s>", "a", "b", "c", "</s>"]], 2, Vocabulary())


def test_python_api_keeps_the_fallback():
    """estimate() warns (an EstimationWarning, SRILM's message with it) and uses D1, D2, D3+ = 0.5, 1, 1.5
    (KenLM's --discount_fallback default) where SRILM stops. By hand (Chen & Goodman's interpolated modified
    Kneser-Ney, every count 1 so D1 = 0.5): the unigrams' continuation counts are 1 each of 4, so
    p(w) = (1 - 0.5) / 4 + (0.5 * 4 / 4) / 4 = 0.25; p(b | a) = (1 - 0.5) / 1 + (0.5 * 1 / 1) * 0.25 = 0.625."""
    from ngramlm.smoothing import EstimationWarning, estimate

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = estimate(_tiny_counts(), "modified-kneser-ney", interpolate=True)
    found = [w.message for w in caught if isinstance(w.message, EstimationWarning)]
    assert [(w.order, w.srilm) for w in found] == [
        (1, "one of required modified KneserNey count-of-counts is zero"),
        (2, "one of required modified KneserNey count-of-counts is zero")]
    assert np.allclose(10.0 ** model.logprob[0][1:], 0.25, atol=1e-6)  # (row 0: <s>, not predicted)
    assert np.allclose(10.0 ** model.logprob[1], 0.625, atol=1e-6)


def test_original_kneser_ney_api_keeps_the_fallback():
    from ngramlm.smoothing import EstimationWarning, estimate

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimate(_tiny_counts(), "kneser-ney")
    assert [w.message.srilm for w in caught if isinstance(w.message, EstimationWarning)] == [
        "one of required KneserNey count-of-counts is zero"] * 2


def test_an_interrupted_estimation_writes_no_discount_file(tmp_path, monkeypatch):
    """Only a SrilmStop leaves the files of the orders estimated before it: any other error (here Ctrl-C) leaves
    none, and comes through as itself, not as a failure to write a discount never estimated."""
    from ngramlm.cli import estimation_flags
    from ngramlm.cli.ngram_count import main
    from ngramlm.smoothing import backoff_estimator

    args = ["-text", "x", "-order", "2", "-kndiscount", "-kn1", str(tmp_path / "kn1"), "-kn2", str(tmp_path / "kn2")]
    params = main.make_context("ngram-count", args).params

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(backoff_estimator, "prepare_counts", interrupted)
    with pytest.raises(KeyboardInterrupt):
        estimation_flags.write_discount_parameters(_tiny_counts(), params)
    assert list(tmp_path.iterdir()) == []


def _make_references(srilm: Path) -> None:
    references = {}
    for name, text, args in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            _inputs(folder)
            run = subprocess.run([srilm / "ngram-count", *_arguments(text, args, folder)], capture_output=True)
            references[name] = _outcome(run.returncode, run.stdout, run.stderr, folder)
    (DATA / "references.json").write_text(json.dumps(references, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    _make_references(Path(sys.argv[1]))
