"""SRILM count files: byte-identical sorted output, round trips, validation of what is read."""
import gzip
import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramlm.formats.countfile import read_counts, write_counts
from ngramlm.counting.corpus_count import count_files, count_sentences
from ngramlm.core.errors import InputError
from ngramlm.core.vocab import UNK, Vocabulary

SENTENCES = [["<s>", "the", "cat", "sat", "</s>"], ["<s>", "The", "dog", "sat", "</s>"],
             ["<s>", "the", "cat", "</s>"], ["<s>", "Émile", "zebra", "</s>"]]


def as_counter(counts):
    words = counts.vocab.words
    return Counter({tuple(words[i] for i in row): int(c)
                    for grams, totals in zip(counts.ngrams, counts.counts)
                    for row, c in zip(grams.tolist(), totals.tolist())})


def lines_of(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_sorted_counts_are_byte_identical_to_srilm(reference_dir, tmp_path):
    """counts3.txt.gz is `ngram-count -order 3 -sort -write` of train.txt, made by SRILM 1.7.3."""
    folder = reference_dir / "srilm-brown-10k"
    counts = count_files([str(folder / "train.txt")], 3)
    write_counts(counts, str(tmp_path / "counts3.txt"), sort=True)
    assert (tmp_path / "counts3.txt").read_bytes() == gzip.open(folder / "counts3.txt.gz").read()


def test_sorted_output_is_a_depth_first_walk_in_byte_order(tmp_path):
    counts = count_sentences(SENTENCES, 3, Vocabulary())
    write_counts(counts, str(tmp_path / "c.txt"), sort=True)
    ngrams = [tuple(line.split("\t")[0].split(" ")) for line in lines_of(tmp_path / "c.txt")]
    # Python orders tuples with a prefix before its extensions, and str by code point (= UTF-8 byte order).
    assert ngrams == sorted(ngrams, key=lambda g: [w.encode() for w in g])
    assert ngrams.index(("The",)) < ngrams.index(("the",)) < ngrams.index(("zebra",)) < ngrams.index(("Émile",))


def test_unsorted_output_puts_each_ngram_before_its_extensions(tmp_path):
    counts = count_sentences(SENTENCES, 3, Vocabulary())
    write_counts(counts, str(tmp_path / "c.txt"))
    ngrams = [tuple(line.split("\t")[0].split(" ")) for line in lines_of(tmp_path / "c.txt")]
    assert len(ngrams) == len(as_counter(counts))
    for place, gram in enumerate(ngrams):
        if len(gram) > 1 and gram[:-1] in ngrams:
            assert ngrams.index(gram[:-1]) < place


def test_write_one_order(tmp_path):
    counts = count_sentences(SENTENCES, 3, Vocabulary())
    write_counts(counts, str(tmp_path / "all.txt"), sort=True)
    write_counts(counts, str(tmp_path / "two.txt"), order=2, sort=True)
    bigram_lines = [line for line in lines_of(tmp_path / "all.txt") if len(line.split("\t")[0].split()) == 2]
    assert lines_of(tmp_path / "two.txt") == bigram_lines
    write_counts(counts, str(tmp_path / "five.txt"), order=5)
    assert lines_of(tmp_path / "five.txt") == []


@pytest.mark.parametrize("name", ["c.txt", "c.txt.gz", "c.txt.bz2", "c.txt.xz"])
def test_counts_round_trip(tmp_path, name):
    counts = count_sentences(SENTENCES, 4, Vocabulary())
    write_counts(counts, str(tmp_path / name))
    again = read_counts(str(tmp_path / name))
    assert again.order == 4
    assert as_counter(again) == as_counter(counts)


def test_reading_adds_repeated_ngrams_and_accepts_any_whitespace(tmp_path):
    (tmp_path / "c.txt").write_text("a b\t2\n\na  b   3\nb 1\n")
    counts = read_counts(str(tmp_path / "c.txt"))
    assert as_counter(counts) == Counter({("a", "b"): 5, ("b",): 1})
    assert counts.order == 2


def test_reading_skips_ngrams_longer_than_the_order(tmp_path):
    (tmp_path / "c.txt").write_text("a\t1\na b\t1\na b c\t1\n")
    counts = read_counts(str(tmp_path / "c.txt"), order=2)
    assert as_counter(counts) == Counter({("a",): 1, ("a", "b"): 1})


def test_closed_vocabulary_maps_or_limits(tmp_path):
    (tmp_path / "c.txt").write_text("a x\t2\nx\t1\na\t4\ny a\t1\n")
    mapped = read_counts(str(tmp_path / "c.txt"), Vocabulary(["a"], closed=True))
    assert as_counter(mapped) == Counter({("a", UNK): 2, (UNK, "a"): 1, (UNK,): 1, ("a",): 4})
    limited = read_counts(str(tmp_path / "c.txt"), Vocabulary(["a"], closed=True), limit_vocab=True)
    assert as_counter(limited) == Counter({("a",): 4})


def test_tolower_when_reading(tmp_path):
    (tmp_path / "c.txt").write_text("The\t1\nthe\t2\n")
    assert as_counter(read_counts(str(tmp_path / "c.txt"), tolower=True)) == Counter({("the",): 3})


@pytest.mark.parametrize("line, reason", [
    ("a b", "not a whole-number count"),
    ("a b 1.5", "not a whole-number count"),
    ("a b -3", "negative count"),
    ("7", "no n-gram before it"),
    ("a b x", "not a whole-number count"),
])
def test_malformed_lines_name_the_file_and_line(tmp_path, line, reason):
    path = tmp_path / "bad.txt"
    path.write_text(f"a\t1\n{line}\n")
    with pytest.raises(InputError, match=reason) as error:
        read_counts(str(path))
    assert error.value.path == str(path) and error.value.line == 2
    assert str(error.value).startswith(f"{path}:2: ")


def test_invalid_utf8_in_a_count_file_names_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"a\t1\r\n" * 3000 + b"\xff\xfe\t2\n")
    with pytest.raises(InputError) as error:
        read_counts(str(path))
    assert error.value.line == 3001
    assert as_counter(read_counts(str(path), errors="replace"))[("\ufffd\ufffd",)] == 2


def test_missing_count_file_is_a_user_error(tmp_path):
    with pytest.raises(InputError, match="cannot open"):
        read_counts(str(tmp_path / "absent.txt"))


def test_reading_into_a_shared_vocabulary_keeps_ids(tmp_path):
    vocab = Vocabulary()
    counts = count_sentences(SENTENCES, 2, vocab)
    write_counts(counts, str(tmp_path / "c.txt"), sort=True)
    again = read_counts(str(tmp_path / "c.txt"), vocab)
    assert again.vocab is vocab
    for a, b in zip(counts.ngrams + counts.counts, again.ngrams + again.counts):
        np.testing.assert_array_equal(a, b)


COUNT_PIECES = ["a", "B", "日本", "0", "7", "12", " ", "\t", "\xa0", "\x0b", "\u3000", "\n", "\r\n", "\n\n"]


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(st.sampled_from(COUNT_PIECES), max_size=50), tolower=st.booleans())
def test_reading_equals_a_line_by_line_reference(tmp_path_factory, pieces, tolower):
    """Any text either reads as a line-by-line parse says, or fails with the first bad line."""
    path = tmp_path_factory.mktemp("counts") / "c.txt"
    text = "".join(pieces)
    path.write_text(text, encoding="utf-8", newline="")
    expected, first_bad = Counter(), None
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        # words end only at SRILM's separators: U+00A0, \v and U+3000 are parts of words
        fields = re.findall("[^ \t\r\n]+", line.lower() if tolower else line)
        if not fields:
            continue
        if len(fields) < 2 or not fields[-1].isdigit():
            first_bad = number
            break
        expected[tuple(fields[:-1])] += int(fields[-1])
    if first_bad is not None:
        with pytest.raises(InputError) as error:
            read_counts(str(path), tolower=tolower)
        assert error.value.line == first_bad
    else:
        assert as_counter(read_counts(str(path), tolower=tolower)) == expected


def test_count_tokens_do_not_become_words(tmp_path):
    (tmp_path / "c.txt").write_text("a\t12\nb a\t3\n")
    vocab = Vocabulary()
    read_counts(str(tmp_path / "c.txt"), vocab)
    assert vocab.words[3:] == ["a", "b"]
