"""ARPA reading and writing: SRILM's files come back byte for byte, other writers' dialects are read, malformed
files are refused with their file and line, and kenlm reads what we write."""
from __future__ import annotations

import gzip
import math
import os
import re
import stat
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.core.model import BackoffModel
from ngramlm.core.errors import InputError
from ngramlm.core.vocab import BOS_ID, EOS_ID, UNK_ID, Vocabulary
from reference_backoff import logprob_ids
from reference_backoff import table as reference_table

# A 2-gram model small enough to check by eye; a, b and c are words 3, 4, 5 in file order.
SMALL = """\\data\\
ngram 1=6
ngram 2=4

\\1-grams:
-1.0\t<unk>
-99\t<s>\t-0.5
-0.6\t</s>
-0.7\tc\t-0.2
-0.8\ta\t-0.3
-0.9\tb

\\2-grams:
-0.1\t<s> a
-0.2\ta </s>
-0.3\tc c
-0.4\t<s> c

\\end\\
"""


def write_text(tmp_path, text: str, name: str = "model.arpa") -> str:
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def test_reader_gives_special_ids_and_file_order_and_sorted_rows(tmp_path):
    model = read_arpa(write_text(tmp_path, SMALL))
    assert model.vocab.words == ["<unk>", "<s>", "</s>", "c", "a", "b"]
    assert model.sizes() == [6, 4]
    model.validate()
    c, a = model.vocab.id("c"), model.vocab.id("a")
    assert model.ngrams[1].tolist() == sorted([[BOS_ID, a], [a, EOS_ID], [c, c], [BOS_ID, c]])
    table = reference_table(model)
    assert table[(BOS_ID, c)] == (-0.4, 0.0)
    assert table[(c,)] == (-0.7, -0.2)
    assert table[(UNK_ID,)] == (-1.0, 0.0)
    assert table[(BOS_ID,)] == (-99.0, -0.5)


def test_reader_uses_a_given_vocabulary_and_adds_the_model_words_even_when_closed(tmp_path):
    vocab = Vocabulary(["b", "zebra"], closed=True)
    model = read_arpa(write_text(tmp_path, SMALL), vocab)
    assert model.vocab is vocab and vocab.closed
    assert vocab.words == ["<unk>", "<s>", "</s>", "b", "zebra", "c", "a"]
    assert reference_table(model)[(vocab.id("b"),)] == (-0.9, 0.0)


def test_reader_accepts_kenlm_and_irstlm_dialects(tmp_path):
    text = ("made by some tool\n\n\\data\\\nngram 1 = 3\nngram  2=1\n\\1-grams:\n"
            "-1.5 <unk> 0\r\n0\t<s>  -0.25\n-inf\t</s>\n\\2-grams:\n-0.5  <s>\t</s>\t0\n\\end\\")
    model = read_arpa(write_text(tmp_path, text))
    table = reference_table(model)
    assert table[(UNK_ID,)] == (-1.5, 0.0)
    assert table[(BOS_ID,)] == (0.0, -0.25)
    assert table[(EOS_ID,)][0] == -math.inf
    assert table[(BOS_ID, EOS_ID)] == (-0.5, 0.0)


def test_reader_reads_compressed_files(tmp_path):
    model = read_arpa(write_text(tmp_path, SMALL, "model.arpa.gz"))
    assert model.sizes() == [6, 4]


def test_srilm_files_are_written_back_byte_for_byte(reference_dir):
    # The pruned model also has zero weights on n-grams that are no longer contexts.
    for name in ("srilm-brown-10k/kn3-interp.prune1e-6.arpa.gz",):
        original = gzip.open(reference_dir / name).read()
        assert _written(read_arpa(str(reference_dir / name))) == original, name


@pytest.mark.parametrize("rows_per_call", [1, 7])
def test_srilm_file_written_in_small_slices_is_still_byte_for_byte(reference_dir, monkeypatch, rows_per_call):
    # The writer formats a large section in slices of rows; slice borders must not show in the file.
    import ngramlm.formats.arpa

    monkeypatch.setattr(ngramlm.formats.arpa, "_WRITE_ROWS", rows_per_call)
    name = "srilm-brown-10k/kn3-interp.prune1e-6.arpa.gz"
    assert _written(read_arpa(str(reference_dir / name))) == gzip.open(reference_dir / name).read()


def _written(model: BackoffModel) -> bytes:
    """The bytes write_arpa writes for `model`."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.arpa")
        write_arpa(model, path)
        with open(path, "rb") as f:
            return f.read()


def test_kenlm_file_written_read_and_written_again_is_identical(reference_dir):
    model = read_arpa(str(reference_dir / "kenlm-brown/tiny-fallback.arpa.gz"))
    first = _written(model)
    assert b"-99\t<s>" not in first  # KenLM's 0 for <s> stays 0
    again = read_arpa_bytes(first)
    assert _written(again) == first


def read_arpa_bytes(data: bytes) -> BackoffModel:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.arpa")
        with open(path, "wb") as f:
            f.write(data)
        return read_arpa(path)


def test_writer_follows_srilm_conventions(tmp_path):
    vocab = Vocabulary()
    entries = {
        ("<s>",): (-math.inf, -0.25), ("</s>",): (-0.5, 0.0), ("b",): (-0.123456789, 0.0), ("a",): (-1e-05, 0.5),
        ("<s>", "b"): (-0.3, 0.0), ("b", "a"): (-0.2, 0.0), ("a", "</s>"): (-0.1, 0.0),
    }
    model = BackoffModel.from_entries(vocab, entries)
    path = str(tmp_path / "out.arpa.gz")
    write_arpa(model, path)
    text = gzip.open(path, "rt").read()
    assert text == (
        "\n\\data\\\nngram 1=4\nngram 2=3\n\n\\1-grams:\n"
        "-0.5\t</s>\n"            # not a context, zero weight: no weight written
        "-99\t<s>\t-0.25\n"       # log10(0) is -99; a context gets its weight
        "-1e-05\ta\t0.5\n"        # a non-zero weight is written even on a word that begins no 2-gram
        "-0.1234568\tb\t0\n"      # %.7g, and a zero weight on a context is written
        "\n\\2-grams:\n-0.3\t<s> b\n-0.1\ta </s>\n-0.2\tb a\n\n\\end\\\n")


def test_writer_orders_ngrams_by_reversed_context_as_srilm(tmp_path):
    entries = {(w,): (-1.0, -0.1) for w in ("<s>", "</s>", "x", "y")}
    entries.update({("x", "y"): (-0.5, 0.0), ("y", "x"): (-0.5, 0.0), ("x", "x"): (-0.5, 0.0)})
    entries.update({("y", "x", "y"): (-0.2, 0.0), ("x", "y", "x"): (-0.2, 0.0), ("x", "x", "y"): (-0.2, 0.0)})
    model = BackoffModel.from_entries(Vocabulary(["y", "x"]), entries)
    path = str(tmp_path / "m.arpa")
    write_arpa(model, path)
    trigrams = open(path).read().split("\\3-grams:\n")[1].split("\n\n")[0].splitlines()
    # Sorted by the middle word, then the first, then the last.
    assert [line.split("\t")[1] for line in trigrams] == ["x x y", "y x y", "x y x"]


def test_write_is_atomic_and_leaves_nothing_on_failure(tmp_path):
    model = read_arpa(write_text(tmp_path, SMALL))
    model.logprob[1] = model.logprob[1][:1]  # inconsistent arrays make writing fail half-way
    target = tmp_path / "out.arpa"
    with pytest.raises(Exception):
        write_arpa(model, str(target))
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["model.arpa"]


def test_written_model_gets_the_permissions_of_any_new_file(tmp_path):
    # The temporary file an atomic write goes through is private (mkstemp); the model must not stay so.
    model = read_arpa(write_text(tmp_path, SMALL))
    saved = os.umask(0o027)
    try:
        write_arpa(model, str(tmp_path / "shared.arpa"))
    finally:
        os.umask(saved)
    assert stat.S_IMODE(os.stat(tmp_path / "shared.arpa").st_mode) == 0o640


def test_kenlm_loads_what_we_write_and_scores_as_we_read(tmp_path, reference_dir):
    kenlm = pytest.importorskip("kenlm")
    model = read_arpa(str(reference_dir / "srilm-brown-10k/kn3-interp.prune1e-6.arpa.gz"))
    path = str(tmp_path / "written.arpa")
    write_arpa(model, path)
    theirs = kenlm.Model(path)
    sentence = "the senate voted to finance the government 's zzzunknown ."
    words = sentence.split()
    vocab = model.vocab
    ids = [vocab.id("<s>")] + [vocab.id(w) for w in words] + [vocab.id("</s>")]
    expected = sum(logprob_ids(model, ids[i], ids[:i])[0] for i in range(1, len(ids)))
    assert theirs.score(sentence, bos=True, eos=True) == pytest.approx(expected, abs=1e-4)
    assert theirs.order == 3


MALFORMED = [
    # (file text, line of the error, words the message must contain)
    ("\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\ta\n-x\tb\n\n\\end\\\n", 6, "bad log probability"),
    ("\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1.0\ta\n\n\\2-grams:\n-1.0\ta\n\n\\end\\\n", 9, "needs 2 words"),
    ("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\ta b c\n\n\\end\\\n", 5, "1 word"),
    ("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\ta\t-0.5\t7\n\n\\end\\\n", 5, "too many fields"),
    ("\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\ta\n-1.0\tb\n\n\\end\\\n", 7, "has 2 entries but the header announces 3"),
    ("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\ta\n-1.0\tb\n\n\\end\\\n", 6, "more entries than the 1"),
    ("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\ta\n\n", 6, "before \\end\\"),
    ("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\ta\n\n\\2-grams:\n\n\\end\\\n", 7, "not announced"),
    ("\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1.0\ta\n\n\\2-grams:\n-1.0\ta q\n\n\\end\\\n", 9,
     "'q' is not a 1-gram"),
    ("\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\ta\n-2.0\ta\n\n\\end\\\n", 6, "appears twice"),
    ("\\data\\\nngram 1=1\n\n\\1-grams:\n0.5\ta\n\n\\end\\\n", 5, "positive log probability"),
    ("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\ta\t-nan\n\n\\end\\\n", 5, "bad back-off weight"),
    ("no header here\njust words\n", 2, "no \\data\\"),
    ("\\data\\\nngram 1=1\nngram 3=1\n", 3, "order 3 where order 2"),
    ("\\data\\\nngram 1=1\nngram 2=1\n\n\\2-grams:\n-1\ta a\n\n\\end\\\n", 5, "expected the \\1-grams:"),
]


@pytest.mark.parametrize("text,line,words", MALFORMED)
def test_malformed_files_are_refused_with_file_and_line(tmp_path, text, line, words):
    path = write_text(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_arpa(path)
    assert caught.value.path == path
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_missing_context_and_repeated_ngram_are_refused_with_their_line(tmp_path):
    text = "\\data\\\nngram 1=3\nngram 2=1\nngram 3=1\n\n\\1-grams:\n-1\ta\n-1\tb\n-1\tc\n\n" \
           "\\2-grams:\n-1\ta b\n\n\\3-grams:\n-1\tb c a\n\n\\end\\\n"
    path = write_text(tmp_path, text)
    with pytest.raises(InputError, match=f"^{re.escape(path)}:15: the 3-gram 'b c a' has no 2-gram for its context"):
        read_arpa(path)
    text = "\\data\\\nngram 1=2\nngram 2=2\n\n\\1-grams:\n-1\ta\n-1\tb\n\n" \
           "\\2-grams:\n-1\ta b\n-2 a  b\n\n\\end\\\n"
    path = write_text(tmp_path, text)
    with pytest.raises(InputError, match=f"^{re.escape(path)}:11: the 2-gram 'a b' appears twice"):
        read_arpa(path)


@pytest.mark.parametrize("cut", ["-0.8\ta\t-0.3\n", "-0.8\ta\t-0.3"])
def test_file_cut_inside_a_section_is_refused(tmp_path, cut):
    text = SMALL[:SMALL.index(cut) + len(cut)]
    with pytest.raises(InputError, match="section has 5 entries but the header announces 6"):
        read_arpa(write_text(tmp_path, text))


def test_absurd_header_counts_are_refused_without_allocating_them(tmp_path):
    text = SMALL.replace("ngram 2=4", "ngram 2=400000000000")
    with pytest.raises(InputError, match="has 4 entries but the header announces 400000000000"):
        read_arpa(write_text(tmp_path, text))


def test_truncated_gzip_is_refused(tmp_path):
    data = gzip.compress(SMALL.encode() * 50)
    path = tmp_path / "cut.arpa.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated"):
        read_arpa(str(path))


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot open"):
        read_arpa(str(tmp_path / "absent.arpa"))


def test_invalid_utf8_word_is_refused(tmp_path):
    path = tmp_path / "bad.arpa"
    path.write_bytes(b"\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\t\xff\xfe\n\n\\end\\\n")
    with pytest.raises(InputError, match="not valid UTF-8") as caught:
        read_arpa(str(path))
    assert caught.value.line == 5


def test_long_files_cross_block_boundaries(tmp_path, monkeypatch):
    import ngramlm.formats.arpa as arpa

    monkeypatch.setattr(arpa, "BLOCK_SIZE", 7)  # every line straddles blocks
    monkeypatch.setattr(arpa, "INITIAL_ROWS", 1)  # and the arrays grow row by row
    model = read_arpa(write_text(tmp_path, SMALL))
    assert model.sizes() == [6, 4]
    assert reference_table(model)[(model.vocab.id("c"), model.vocab.id("c"))] == (-0.3, 0.0)


WORDS = st.sampled_from(["a", "b", "c", "d", "é", "<unk>", "</s>"])


@st.composite
def models(draw):
    """Random 3-gram models whose every n-gram has its context (prefix) and suffix."""
    trigrams = draw(st.sets(st.tuples(WORDS, WORDS, WORDS), min_size=1, max_size=12))
    value = st.floats(min_value=-9, max_value=0, allow_nan=False).map(lambda v: float("%.7g" % v))
    bow = st.floats(min_value=-3, max_value=3, allow_nan=False).map(lambda v: float("%.7g" % v))
    entries = {}
    for t in trigrams:
        for gram in (t, t[:2], t[1:], t[:1], t[1:2], t[2:]):
            entries[gram] = (draw(value), draw(bow) if len(gram) < 3 else 0.0)
    return BackoffModel.from_entries(Vocabulary(), entries)


@settings(max_examples=25, deadline=None)
@given(models())
def test_written_models_read_back_to_the_same_model(model):
    again = read_arpa_bytes(_written(model))
    assert again.sizes() == model.sizes()
    for k in range(model.order):
        original = {tuple(model.vocab.decode(g)): (p, b) for g, p, b in
                    zip(model.ngrams[k].tolist(), model.logprob[k].tolist(), model.logbow[k].tolist())}
        read = {tuple(again.vocab.decode(g)): (p, b) for g, p, b in
                zip(again.ngrams[k].tolist(), again.logprob[k].tolist(), again.logbow[k].tolist())}
        assert read == original
    assert _written(again) == _written(model)


def _section_lines(text: str, n: int) -> list[list[str]]:
    return [line.split("\t") for line in text.split(f"\\{n}-grams:\n")[1].split("\n\n")[0].splitlines()]


@st.composite
def sparse_models(draw):
    """Random 3-gram models whose n-grams need not have their context: both of the writer's sorts are used."""
    entries = {}
    for gram in draw(st.sets(st.lists(WORDS, min_size=1, max_size=3).map(tuple), min_size=1, max_size=30)):
        entries[gram] = (-1.0, 0.0)
    for word in [w for gram in entries for w in gram]:
        entries.setdefault((word,), (-1.0, 0.0))
    for n in range(2, max(map(len, entries)) + 1):  # no order without n-grams
        entries.setdefault(("a",) * n, (-1.0, 0.0))
    return BackoffModel.from_entries(Vocabulary(), entries)


@settings(max_examples=40, deadline=None)
@given(st.one_of(models(), sparse_models()))
def test_writer_orders_every_section_by_reversed_context_then_word_as_bytes(model):
    text = _written(model).decode("utf-8")
    for n in range(1, model.order + 1):
        grams = [line[1].split(" ") for line in _section_lines(text, n)]
        # SRILM's order, spelled out: w_{n-1}, ..., w_1, then w_n, each compared as UTF-8 bytes (strcmp).
        key = [[w.encode("utf-8") for w in gram[-2::-1] + gram[-1:]] for gram in grams]
        assert key == sorted(key)
        assert len(grams) == model.sizes()[n - 1]


FINITE = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(FINITE, FINITE.map(lambda v: float("%.8g" % v)),
                          st.integers(10 ** 6, 10 ** 7).map(lambda d: (d + 0.5) / 10 ** 7)), min_size=1, max_size=40))
def test_numbers_are_written_as_c_printf_writes_them_with_7_digits(values):
    # Python's %-formatting rounds the exact binary value correctly, as glibc's printf does: an independent
    # reference for the writer's own %.7g. Rounding ties (x.5 in the eighth digit) and carries are drawn too.
    words = [f"w{i}" for i in range(len(values))]
    entries = {(w,): (-abs(v), v) for w, v in zip(words, values)}
    entries[("w0", "w0")] = (-1.0, 0.0)  # a 2-gram, so that the 1-grams have a weight column
    text = _written(BackoffModel.from_entries(Vocabulary(), entries)).decode("utf-8")
    written = {line[1]: line[::2] for line in _section_lines(text, 1)}

    def expected(v: float) -> str:
        return "-99" if v <= -99 else "0" if v == 0 else "%.7g" % v

    for w, v in zip(words, values):
        # A weight of +0 is left out on a 1-gram that is no context; -0.0 is written as 0 (see read_arpa).
        unwritten = v == 0 and math.copysign(1.0, v) > 0 and w != "w0"
        assert written[w] == [expected(-abs(v))] + ([] if unwritten else [expected(v)])


def test_numbers_at_rounding_boundaries_are_written_as_c_printf_writes_them():
    values = [9.9999995, 0.99999995, 9999999.5, 9999999.49, 99999995.0, 1e7, 9999999.9, 1234567.5, 1234568.5,
              1e-16, 1e-17, 1e-4, 9.9999995e-5, 0.00012345675, 5e-324, 1e300, 98.99999999, 2.0 ** -30, 100.0]
    values += [-v for v in values]
    words = [f"w{i}" for i in range(len(values))]
    entries = {(w,): (-1.0, v) for w, v in zip(words, values)}
    entries[("w0", "w0")] = (-1.0, 0.0)  # a 2-gram, so that the 1-grams have a weight column
    model = BackoffModel.from_entries(Vocabulary(), entries)
    written = {line[1]: line[2] for line in _section_lines(_written(model).decode("utf-8"), 1) if len(line) > 2}
    assert [written[w] for w in words] == ["-99" if v <= -99 else "%.7g" % v for v in values]
