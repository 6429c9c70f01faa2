"""benchmarks/plot_pruning.py: pruned models shrink as the threshold grows, and the plot is written."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SYNTHETIC = REPO / "ngramlm" / "corpora" / "synthetic" / "data"


def test_plot_pruning_prunes_both_models_and_writes_the_plot(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    corpus = tmp_path / "small"
    corpus.mkdir()
    for name, lines in (("train.txt", 3000), ("test.txt", 300)):
        text = (SYNTHETIC / name).read_text(encoding="utf-8").splitlines()[:lines]
        (corpus / name).write_text("\n".join(text) + "\n", encoding="utf-8")
    plot = tmp_path / "pruning.png"
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "plot_pruning.py"), "--corpus", str(corpus),
                             "--order", "2", "--thresholds", "1e-5", "1e-3", "--output", str(plot),
                             "--work", str(tmp_path / "work")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = re.findall(r"^(modified Kneser-Ney, interpolated|Katz \(Good-Turing back-off\))\s+(\S+)\s+(\S+)\s+(\S+)\s+"
                      r"([0-9.]+)", result.stdout, re.M)
    assert [(name[:4], threshold) for name, threshold, *_ in rows] == [
        (name, threshold) for name in ("modi", "Katz") for threshold in ("0e+00", "1e-05", "1e-03")]
    for name in ("modi", "Katz"):
        totals = [int(total.replace(",", "")) for model, _, _, total, _ in rows if model.startswith(name)]
        assert totals[0] > totals[1] > totals[2]
    unpruned = (tmp_path / "work" / "small-kn2.arpa").read_text(encoding="utf-8")
    header = sum(int(n) for n in re.findall(r"^ngram \d+=(\d+)$", unpruned, re.M))
    assert int(rows[0][3].replace(",", "")) == header
    assert plot.stat().st_size > 0
