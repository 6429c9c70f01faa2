"""SRILM 1.7.3's own regression tests (lm/test/tests/*/run-test) that ngramlm's `ngram`, `ngram-count` and
`ngram-class` pass (all 12 runnable ones), run with them first on PATH and compared with SRILM's references by
SRILM's sbin/compare-outputs (benchmarks/srilm_regression.py). Needs SRILM's sources with its tools built
(their scripts, such as make-batch-counts, come from there): set SRILM to that folder. Skipped otherwise."""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

PASSING = ["class-ngram", "class-ngram-simple", "expand-classes", "make-ngram-pfsg", "merge-batch-counts",
           "multi-ngram", "ngram-class", "ngram-multiwords", "ngram-prune-contexts", "ppl-counts", "tagged-ngram", "utf-read"]

SRILM = os.environ.get("SRILM")
RUNNER = Path(__file__).resolve().parent.parent / "benchmarks" / "srilm_regression.py"


@pytest.fixture(scope="module")
def runner():
    if not SRILM or not (Path(SRILM) / "lm" / "test" / "tests").is_dir() or not shutil.which("gawk"):
        pytest.skip("set SRILM to SRILM 1.7.3's sources with its tools built (and install gawk) to run its tests")
    spec = importlib.util.spec_from_file_location("srilm_regression", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", PASSING)
def test_srilm_regression(runner, name, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    path = os.pathsep.join([runner._our_bin(str(bin_dir)), runner._machine_bin(SRILM),
                            os.path.join(SRILM, "bin"), os.environ["PATH"]])
    verdict = runner.run_test(os.path.abspath(SRILM), name, path, str(tmp_path), timeout=120)
    assert verdict == {"stdout": True, "stderr": True}
