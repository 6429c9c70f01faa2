"""The learning-curve prefixes of `ngramlm compare` (CorpusSplit.train_path) hold the first sentences of the
training text as the text reader reads them: only \\n ends a line (a lone \\r is a word separator), and a line
whose only word is U+3000 or \\v is a sentence (words are split at space, tab, CR, LF and NUL only)."""
from __future__ import annotations

from pathlib import Path

from ngramlm.apps.compare import CorpusSplit
from ngramlm.corpora.reader import TextOptions


def test_prefix_keeps_the_readers_sentences(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # sentences: "a\rb" (one line), "\u3000", "\x0b", "c d", "e"; blank lines are no sentences
    (corpus / "train.txt").write_bytes("a\rb\n\n\u3000\n \t\n\x0b\nc d\r\ne\n".encode())
    for part in ("valid", "test"):
        (corpus / f"{part}.txt").write_text("a\n")
    split = CorpusSplit(str(corpus), str(tmp_path), TextOptions())
    assert Path(split.train_path(0.6)).read_bytes() == "a\rb\n\u3000\n\x0b\n".encode()
    assert Path(split.train_path(1.0)) == corpus / "train.txt"
