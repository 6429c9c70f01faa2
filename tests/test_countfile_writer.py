"""The compiled count-file writer (ngramlm._ext._countfile): the walk's order where prefixes are missing, the
spellings and counts it formats, and the sizes of its chunks. Expected lines are written out by hand."""
import numpy as np
import pytest

from ngramlm._ext._countfile import CountLines
from ngramlm.counting.counts import COUNT_DTYPE, NgramCounts
from ngramlm.core.vocab import ID_DTYPE, Vocabulary
from ngramlm.formats.countfile import write_counts


def counts_of(vocab, orders):
    """NgramCounts from {n-gram tuple of words: count} per order (rows sorted by id, as NgramCounts keeps them)."""
    ngrams, totals = [], []
    for n, table in enumerate(orders, 1):
        rows = sorted((vocab.encode(list(g)).tolist(), c) for g, c in table.items())
        ngrams.append(np.array([r for r, _ in rows], dtype=ID_DTYPE).reshape(-1, n))
        totals.append(np.array([c for _, c in rows], dtype=COUNT_DTYPE))
    return NgramCounts(vocab, ngrams, totals)


def test_ngrams_without_their_prefix_land_where_the_prefix_would_be(tmp_path):
    # As from a count file read with -read: "b a" has no unigram "b", "a b c" no bigram "a b".
    vocab = Vocabulary(["c", "b", "a"])  # ids: c < b < a, so id order and byte order differ
    counts = counts_of(vocab, [{("a",): 5, ("c",): 2}, {("b", "a"): 1, ("a", "c"): 3},
                               {("a", "b", "c"): 4, ("a", "c", "a"): 1}])
    write_counts(counts, str(tmp_path / "sorted.txt"), sort=True)
    assert (tmp_path / "sorted.txt").read_text() == (
        "a\t5\na b c\t4\na c\t3\na c a\t1\nb a\t1\nc\t2\n")
    write_counts(counts, str(tmp_path / "ids.txt"))
    assert (tmp_path / "ids.txt").read_text() == (
        "c\t2\nb a\t1\na\t5\na c\t3\na c a\t1\na b c\t4\n")


def test_long_and_multibyte_spellings_and_large_counts(tmp_path):
    long_word = "x" * 40 + "é"
    vocab = Vocabulary([long_word, "ü", "a"])
    counts = counts_of(vocab, [{(long_word,): 2**62 + 7, ("ü",): 0, ("a",): 10}, {("a", long_word): 123456789}])
    write_counts(counts, str(tmp_path / "c.txt"), sort=True)
    assert (tmp_path / "c.txt").read_text(encoding="utf-8") == (
        f"a\t10\na {long_word}\t123456789\n{long_word}\t{2**62 + 7}\nü\t0\n")


def test_chunks_hold_whole_lines_and_end_empty():
    spellings = [b"w%d" % i for i in range(100)]
    grams = np.arange(100, dtype=np.uint32).reshape(-1, 1)
    lines = CountLines(spellings, [grams], [np.arange(100, dtype=np.int64)], [None])
    chunks = []
    while len(chunk := lines.chunk(16)):
        chunks.append(bytes(chunk))
    assert all(c.endswith(b"\n") for c in chunks) and len(chunks) > 10
    assert b"".join(chunks) == b"".join(b"w%d\t%d\n" % (i, i) for i in range(100))


def test_bad_arguments_raise_instead_of_reading_out_of_bounds():
    spellings = [b"a", b"b"]
    with pytest.raises(IndexError):
        CountLines(spellings, [np.array([[5]], dtype=np.uint32)], [np.array([1])], [None])
    with pytest.raises(ValueError):
        CountLines(spellings, [np.array([[1]], dtype=np.uint32)], [np.array([1])], [np.array([3])])
    with pytest.raises(ValueError):
        CountLines(spellings, [np.array([[1]], dtype=np.uint32)], [np.array([1, 2])], [None])
