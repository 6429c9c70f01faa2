"""The corpus reader and the vocabulary: compressed files, standard input, sentence markers, bad bytes, <unk>."""
import bz2
import gzip
import io
import lzma
import sys

import numpy as np
import pytest

from ngramlm.corpora.reader import TextOptions, add_markers, iter_lines, read_corpus, read_sentences
from ngramlm.core.errors import InputError
from ngramlm.core.vocab import BOS_ID, EOS_ID, UNK, UNK_ID, Vocabulary

TEXT = "the cat\n\n   \nsat on the mat\n"
SENTENCES = [["<s>", "the", "cat", "</s>"], ["<s>", "sat", "on", "the", "mat", "</s>"]]


@pytest.mark.parametrize("name, compress", [("t.txt", lambda b: b), ("t.txt.gz", gzip.compress),
                                             ("t.txt.bz2", bz2.compress), ("t.txt.xz", lzma.compress)])
def test_plain_and_compressed_text_read_alike(tmp_path, name, compress):
    path = tmp_path / name
    path.write_bytes(compress(TEXT.encode()))
    assert list(read_sentences(str(path))) == SENTENCES


def test_dash_reads_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode())))
    assert list(read_sentences("-")) == SENTENCES


def test_markers_are_added_once():
    assert add_markers(["a"]) == ["<s>", "a", "</s>"]
    assert add_markers(["<s>", "a", "</s>"]) == ["<s>", "a", "</s>"]
    assert add_markers(["a", "</s>"]) == ["<s>", "a", "</s>"]
    assert add_markers(["a"], sos=False) == ["a", "</s>"]
    assert add_markers(["a"], eos=False) == ["<s>", "a"]


def test_no_sos_no_eos_and_tolower(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("The CAT\n")
    options = TextOptions(sos=False, eos=False, tolower=True)
    assert list(read_sentences(str(path), options)) == [["the", "cat"]]


def test_empty_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("\n \t \na\n\n")
    assert list(read_sentences(str(path))) == [["<s>", "a", "</s>"]]


def test_read_corpus_joins_files_in_order(tmp_path):
    (tmp_path / "1.txt").write_text("a\n")
    (tmp_path / "2.txt").write_text("b\n")
    assert list(read_corpus([str(tmp_path / "1.txt"), str(tmp_path / "2.txt")])) == [
        ["<s>", "a", "</s>"], ["<s>", "b", "</s>"]]


def test_invalid_utf8_names_the_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good\n\xff bad\n")
    with pytest.raises(InputError, match="invalid UTF-8") as error:
        list(read_sentences(str(path)))
    assert error.value.path == str(path)
    assert str(error.value).startswith(f"{path}:")


def test_invalid_utf8_names_the_line_of_the_bad_bytes(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(5000)) + b"\xff\n")
    with pytest.raises(InputError) as error:
        list(iter_lines(str(path)))
    assert error.value.line == 5001


def test_errors_replace_substitutes_bad_bytes(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"a \xff b\n")
    assert list(read_sentences(str(path), TextOptions(errors="replace"))) == [["<s>", "a", "\ufffd", "b", "</s>"]]


def test_truncated_gzip_is_a_user_error(tmp_path):
    path = tmp_path / "t.txt.gz"
    path.write_bytes(gzip.compress(TEXT.encode() * 100)[:-20])
    with pytest.raises(InputError, match="cannot read"):
        list(read_sentences(str(path)))


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(InputError, match="cannot open"):
        list(read_sentences(str(tmp_path / "absent.txt")))


def test_special_words_have_fixed_ids():
    vocab = Vocabulary(["a"])
    assert [vocab.id(w) for w in (UNK, "<s>", "</s>", "a")] == [UNK_ID, BOS_ID, EOS_ID, 3]


def test_closed_vocabulary_maps_unknown_words_to_unk():
    vocab = Vocabulary(["a", "b"], closed=True)
    assert vocab.encode(["a", "zz", "b"]).tolist() == [3, UNK_ID, 4]
    assert vocab.add("zz") == UNK_ID and len(vocab) == 5


def test_open_vocabulary_grows():
    vocab = Vocabulary()
    ids = vocab.encode(["x", "y", "x"])
    assert ids.dtype == np.uint32 and ids.tolist() == [3, 4, 3]
    assert vocab.decode(ids) == ["x", "y", "x"]


def test_map_unk_spelling():
    vocab = Vocabulary(["a"], unk_word="<UNK>", closed=True)
    assert vocab.word(vocab.encode(["q"])[0]) == "<UNK>"


def test_vocabulary_file_round_trip(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("b\na 12\n\nb\n")
    vocab = Vocabulary.read(str(path))
    assert vocab.closed and vocab.words[3:] == ["b", "a"]
    vocab.write(str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_text().split() == sorted(["<unk>", "<s>", "</s>", "a", "b"])
    vocab.write(str(tmp_path / "srilm.txt"), srilm_pause=True)  # as SRILM's commands write it
    assert (tmp_path / "srilm.txt").read_text().split() == sorted(["<unk>", "<s>", "</s>", "-pau-", "a", "b"])


def test_vocabulary_extend_adds_new_words_in_order_and_refuses_known_ones():
    vocab = Vocabulary(["a"])
    vocab.extend(["b", "c"])
    assert [vocab.id(w) for w in ("a", "b", "c")] == [3, 4, 5] and vocab.word(5) == "c"
    for bad in (["d", "d"], ["e", "a"], [UNK]):
        with pytest.raises(ValueError):
            vocab.extend(bad)
    assert len(vocab) == 6 and "d" not in vocab and "e" not in vocab  # a refused call changes nothing
    closed = Vocabulary(["x"], closed=True)
    with pytest.raises(ValueError):
        closed.extend(["y"])


def test_vocabulary_extend_to_takes_the_new_words_of_a_dictionary_in_id_order():
    vocab = Vocabulary(["a"])
    ids = {word: wid for wid, word in enumerate(vocab.words)} | {"b": 4, "c": 5}
    vocab.extend_to(ids)
    assert vocab.words[3:] == ["a", "b", "c"] and vocab.id("c") == 5
    ids["d"] = 6
    assert "d" not in vocab  # a copy, not the caller's dictionary
    for bad in ({"<unk>": 0}, {**ids, "e": 9}, {**dict(list(ids.items())[:3]), "z": 3, "a": 4}):
        with pytest.raises(ValueError):
            Vocabulary(["a"]).extend_to(bad)
    with pytest.raises(ValueError):
        Vocabulary(["x"], closed=True).extend_to({"<unk>": 0, "<s>": 1, "</s>": 2, "x": 3, "y": 4})
