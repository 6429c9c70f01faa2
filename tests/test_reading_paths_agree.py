"""The compiled reader (counting.reading: read_blocks and the TokenTable) and the line reader
(corpora.reader.read_sentences: iter_lines and split_words) give the same sentences, whichever of the two a
command takes. Expected values are counted by hand; a seeded random text of the bytes where the rules bite (the
separators, \\v, \\f, NUL, non-ASCII white space, bad UTF-8, markers) checks the two against each other."""
from __future__ import annotations

import contextlib
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from ngramlm.core.io import srilm_reading
from ngramlm.core.vocab import Vocabulary
from ngramlm.corpora.reader import TextOptions, read_sentences
from ngramlm.counting.corpus_count import count_files


def unigrams(path: Path, options: TextOptions) -> Counter:
    counts = count_files([str(path)], 1, Vocabulary(), options)
    return Counter({counts.vocab.words[g[0]]: int(n) for g, n in zip(counts.ngrams[0].tolist(),
                                                                         counts.counts[0].tolist())})


@pytest.mark.parametrize("last", [b"\x00", b" \t", b"\r"])
def test_a_blank_last_line_without_a_newline_is_a_blank_line_unless_open(tmp_path, last):
    path = tmp_path / "t.txt"
    path.write_bytes(b"a\n" + last)
    blank_is_sentence = TextOptions(blank_lines=True)
    assert unigrams(path, blank_is_sentence) == Counter({"<s>": 2, "</s>": 2, "a": 1})
    assert [s for s in read_sentences(str(path), blank_is_sentence)] == [["<s>", "a", "</s>"], ["<s>", "</s>"]]
    assert unigrams(path, replace(blank_is_sentence, open_last_line=True)) == Counter({"<s>": 1, "</s>": 1, "a": 1})


PIECES = [b"a", b"B", b"\xc3\x89", b"\xce\xa3", b" ", b"\t", b"\r", b"\n", b"\n", b"\0", b"\x0b", b"\x0c",
          b"\xe3\x80\x80", b"\xc2\xa0", b"\xc2\x85", b"\x1c", b"\xff", b"\xe2\x82", b"##", b"<s>", b"</s>", b"<unk>"]


def test_the_two_readers_agree_on_random_texts(tmp_path):
    rng = random.Random(7)
    path = tmp_path / "t.txt"
    for _ in range(150):
        path.write_bytes(b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40))))
        lmplz = rng.random() < 0.5  # ngramlm train's reading, or SRILM's (under its comment rule half the time)
        options = TextOptions(tolower=rng.random() < 0.5, errors=rng.choice(["replace", "surrogateescape"]),
                              blank_lines=lmplz, open_last_line=lmplz, skip_symbols=lmplz and rng.random() < 0.5)
        with srilm_reading() if not lmplz and rng.random() < 0.5 else contextlib.nullcontext():
            by_lines = Counter(w for s in read_sentences(str(path), options) for w in s)
            assert unigrams(path, options) == by_lines, path.read_bytes()

