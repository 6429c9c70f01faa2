"""`ngramlm train -S` bounds estimation too, not only counting: the index pass holds one lower order's keys
(contexts found by a merge walk), the probability pass keeps back-off weights in files, and the slices read from
disk shrink with the budget. Before, a 1M-token text at -S 64M peaked about 135 MB above the interpreter."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from peak_memory import peak_kb  # noqa: E402

MB = 1 << 20


def _peak_kb(*args) -> int:
    return peak_kb("ngramlm.cli.main:cli", "ngramlm", *args)


def test_train_peak_memory_follows_the_budget(shared_corpora, tmp_path):
    text = shared_corpora / "brown" / "train.txt"  # about 1M tokens: 3.6M n-grams of orders 2..5
    idle = _peak_kb()  # the interpreter and libraries
    arpa = tmp_path / "b.arpa"
    peak = _peak_kb("train", "-o", 5, "--text", text, "-S", "64M", "-q", "-T", tmp_path, "--arpa", arpa)
    assert b"\nngram 5=" in arpa.read_bytes()[:200]
    # Stated overhead above the interpreter: the budget plus 40 MB (vocabulary, a slice's temporaries, the
    # probabilities of two orders). Measured: about 80 MB; before this change, about 135 MB.
    assert peak * 1024 <= idle * 1024 + 64 * MB + 40 * MB, (idle, peak)
