"""`ngramlm compare` with n-gram models only works where PyTorch is not installed (it is an optional extra), and a
neural model asked for there gets a clear message instead of an ImportError from deep inside."""
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("kenlm")

SCRIPT = textwrap.dedent("""
    import sys
    sys.modules["torch"] = None  # as if PyTorch were not installed: `import torch` raises ImportError
    from ngramlm.apps.compare import run_comparison
    from ngramlm.core.errors import NgramlmError
    corpus, out = sys.argv[1:3]
    comparison = run_comparison(corpus, out, ["kn:2", "wb:2"], [], quiet=True, plot=False)
    print(" ".join(f"{r.model}={r.test_ppl:.6f}" for r in comparison.results))
    try:
        run_comparison(corpus, out, [], ["lstm:hidden=4,epochs=1"], quiet=True, plot=False)
    except NgramlmError as error:
        print("neural:", error)
""")


def test_ngram_only_comparison_needs_no_torch(tmp_path):
    import kenlm

    corpus = tmp_path / "tiny"
    corpus.mkdir()
    (corpus / "train.txt").write_text("the cat sat on the mat\na dog sat on a log\nthe dog saw the cat\n")
    (corpus / "valid.txt").write_text("the cat sat\n")
    (corpus / "test.txt").write_text("a cat sat on the log\nthe dog ran\n")
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(corpus), str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    scores, neural = result.stdout.splitlines()
    models = dict(item.split("=") for item in scores.split())
    assert set(models) == {"kn:2", "wb:2"}
    # The figure is kenlm's on the same ARPA file (ngram -ppl semantics: -unk words count, as compare scores them).
    reference = kenlm.Model(str(tmp_path / "out" / "work" / "kn_2@1.arpa"))
    lines = ["a cat sat on the log", "the dog ran"]
    total = sum(reference.score(line) for line in lines)
    tokens = sum(len(line.split()) + 1 for line in lines)
    assert float(models["kn:2"]) == pytest.approx(10 ** (-total / tokens), rel=1e-6)
    assert "pip install" in neural and "PyTorch" in neural
