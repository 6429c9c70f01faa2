"""The query index's builder (IndexBuilder, filled by formats.probing's loader): holes whose blanks have holes of
their own (a blank's suffix missing too, a blank the context of another), more blanks than a table has room
for, and a file handed over a few rows at a time, each scored by the back-off recursion over read_arpa's model."""
import itertools

import pytest

from ngramlm.core.errors import InputError
from ngramlm.formats.arpa import read_arpa
from ngramlm.use.query import Model, State
from reference_backoff import logprob_ids

# "a b c d" lacks its suffix "b c d", whose suffix "c d" is missing too (a blank below a blank); "y c d e" lacks
# "c d e", whose context is that blank "c d"; "y c d" lacks "c d" as well.
ARPA = """\\data\\
ngram 1=8
ngram 2=5
ngram 3=2
ngram 4=2

\\1-grams:
-1.0\t<s>\t-0.3
-1.2\t</s>
-1.1\ta\t-0.2
-1.3\tb\t-0.25
-1.4\tc\t-0.15
-1.5\td\t-0.35
-1.6\te
-1.7\ty\t-0.05

\\2-grams:
-0.5\ta b\t-0.1
-0.6\ty c\t-0.2
-0.7\td e
-0.8\t<s> a\t-0.4
-0.9\tb c\t-0.3

\\3-grams:
-0.3\ta b c\t-0.05
-0.4\ty c d\t-0.15

\\4-grams:
-0.2\ta b c d
-0.25\ty c d e

\\end\\
"""


def _score_like_the_recursion(path, reference, histories, words):
    """Model(path) scores each of `words` after each history as the back-off recursion over `reference`."""
    model = Model(str(path))
    for history in histories:
        ids = [reference.vocab.id(w) for w in history]
        state = State()
        model.NullContextWrite(state)
        for word in history:
            out = State()
            model.BaseScore(state, word, out)
            state = out
        for word in words:
            expected, _ = logprob_ids(reference, reference.vocab.id(word), ids)
            assert model.BaseScore(state, word, State()) == pytest.approx(expected, abs=1e-5), (history, word)
    return model


def test_cascaded_blanks_score_by_the_backoff_recursion(tmp_path):
    path = tmp_path / "holes.arpa"
    path.write_text(ARPA)
    words = ["<s>", "a", "b", "c", "d", "e", "y", "</s>"]
    histories = [h for length in range(4) for h in itertools.product(words[:-1], repeat=length)]
    _score_like_the_recursion(path, read_arpa(str(path)), histories, words[1:])


def _many_holes_arpa(first, second, third):
    """Bigrams first x second; trigrams first x second x third, none of whose suffixes (second x third) is a
    bigram: len(second) * len(third) blanks against a bigram table sized for len(first) * len(second)."""
    words = first + second + third
    lines = ["\\data\\", f"ngram 1={len(words) + 2}", f"ngram 2={len(first) * len(second)}",
             f"ngram 3={len(first) * len(second) * len(third)}", "", "\\1-grams:", "-1.0\t<s>\t-0.3", "-1.2\t</s>"]
    lines += [f"-{1.1 + i / 100:.2f}\t{w}\t-0.{i % 9 + 1}" for i, w in enumerate(words)]
    lines += ["", "\\2-grams:"]
    lines += [f"-0.{(i + j) % 9 + 1}\t{x} {y}\t-0.{(i * j) % 9 + 1}" for i, x in enumerate(first)
              for j, y in enumerate(second)]
    lines += ["", "\\3-grams:"]
    lines += [f"-0.{(i + j + k) % 9 + 1}\t{x} {y} {z}" for i, x in enumerate(first) for j, y in enumerate(second)
              for k, z in enumerate(third)]
    return "\n".join(lines + ["", "\\end\\", ""])


def test_blanks_beyond_the_tables_room_grow_it_and_score_by_the_recursion(tmp_path):
    first, second, third = ["a", "b"], [f"m{i}" for i in range(5)], [f"z{i}" for i in range(12)]
    path = tmp_path / "holes.arpa"
    path.write_text(_many_holes_arpa(first, second, third))
    reference = read_arpa(str(path))
    model = _score_like_the_recursion(path, reference, [(x, y) for x in first for y in second] + [(y,) for y in second],
                                      third + first)
    # 60 blanks in a table sized for 10 bigrams: it grew (keeping a sixth of its buckets empty, so that probes
    # stay short), and every missing suffix is a blank, nothing else
    assert len(model.tables.blanks[1]) == len(second) * len(third)
    bigrams = model.tables.middle[0]
    assert (bigrams["key"] != 0).sum() == 10 + 60 and len(bigrams) >= 70 * 1.2
    assert model.tables.blanks[2] is None and model.sizes() == [len(first + second + third) + 2, 10, 120]


def test_blocks_of_the_file_meet_in_the_tables(tmp_path, monkeypatch):
    """The loader hands the builder a few rows at a time: blanks closed by one block serve the next, and a row
    whose context is only such a blank (the file lacks it) is still refused, with its line."""
    from ngramlm.formats import probing

    monkeypatch.setattr(probing, "_BLOCK_ROWS", 2)
    path = tmp_path / "holes.arpa"
    path.write_text(ARPA)
    reference = read_arpa(str(path))
    words = ["<s>", "a", "b", "c", "d", "e", "y"]
    _score_like_the_recursion(path, reference, itertools.product(words, repeat=3), words[1:] + ["</s>"])
    # "c d e" is a blank of "y c d e" (closed in the first block of 4-grams); "x c d e f" needs it as its context
    broken = ARPA.replace("ngram 1=8", "ngram 1=10").replace("-1.7\ty\t-0.05", "-1.7\ty\t-0.05\n-1.8\tx\n-1.9\tf")
    broken = broken.replace("ngram 4=2", "ngram 4=4").replace("-0.25\ty c d e", "-0.25\ty c d e\n-0.3\tx b c d\n-0.3\tc d e f")
    (tmp_path / "broken.arpa").write_text(broken)
    with pytest.raises(InputError, match=r"broken\.arpa:\d+: .*context"):
        Model(str(tmp_path / "broken.arpa"))


def test_header_counts_beyond_memory_or_a_number_are_one_line_errors(tmp_path):
    """Tables are sized from the header before the n-grams are read: a count no memory holds (numpy refuses an
    array beyond the address space), or one beyond a 64-bit number (or int()'s 4300 digits), is an InputError
    naming the file; a plain file's tables are sized no larger than its size allows, so that the section's
    count check names the line."""
    import gzip

    from ngramlm.formats.probing import load_arpa

    for count in ("9" * 18, str(2**62), "1" + "0" * 30, "1" + "0" * 5000):
        text = ARPA.replace("ngram 2=5", f"ngram 2={count}")
        plain, packed = tmp_path / f"count{len(count)}.arpa", tmp_path / f"count{len(count)}.arpa.gz"
        plain.write_text(text)
        packed.write_bytes(gzip.compress(text.encode()))
        with pytest.raises(InputError, match=rf"count{len(count)}\.arpa:\d+: .*(header announces|more n-grams)"):
            load_arpa(str(plain))
        with pytest.raises(InputError, match=rf"count{len(count)}\.arpa\.gz(:3)?: .*(memory|more n-grams)"):
            load_arpa(str(packed))


def test_an_error_in_standard_input_is_reported_without_reading_it_again(monkeypatch):
    """The loader names the line of a fault by reading the file again (read_arpa); standard input cannot be read
    twice, so its fault is reported as the tables found it (not as an empty file)."""
    import io
    import sys

    from ngramlm.formats.probing import load_arpa

    broken = ARPA.replace("ngram 4=2", "ngram 4=3").replace("-0.25\ty c d e", "-0.25\ty c d e\n-0.3\te a b c")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(broken.encode())))
    with pytest.raises(InputError, match=r"^-: .*context"):
        load_arpa("-")


def test_blanks_grow_a_table_of_a_small_multiplier_in_few_steps(tmp_path):
    """A multiplier just above 1 leaves a table little slack: growing it one slack at a time would rebuild it
    once per few blanks (minutes for 10^5 blanks); a growth adds room for an eighth more entries at least."""
    import time

    from ngramlm.formats.probing import load_arpa

    first, second, third = ["a"], [f"m{i}" for i in range(400)], [f"z{i}" for i in range(250)]
    path = tmp_path / "holes.arpa"
    path.write_text(_many_holes_arpa(first, second, third))
    start = time.perf_counter()
    tables = load_arpa(str(path), probing_multiplier=1.001)
    assert time.perf_counter() - start < 5
    assert len(tables.blanks[1]) == 400 * 250 and (tables.middle[0]["key"] != 0).sum() == 400 + 400 * 250


def test_a_context_missing_from_a_backoff_model_is_marked_once_a_blank_fills_it():
    """A BackoffModel whose rows lack their context (the builder does not refuse it): the blank "x y z" of
    "w x y z" has the context "x y", missing then and a blank of a later row "u t x y" since, so "x y" is the
    context of an entry and its weight loses the "never extends" sign (-0.0) as every context's does."""
    import numpy as np

    from ngramlm.core.model import BackoffModel
    from ngramlm.core.vocab import Vocabulary
    from ngramlm.formats.probing import build_index

    entries = {(w,): (-1.0, -0.1) for w in ["<s>", "</s>", "w", "x", "y", "z", "u", "t"]}
    entries.update({("u", "t"): (-0.5, -0.1), ("t", "x"): (-0.5, -0.1), ("y", "z"): (-0.5, -0.1),
                    ("u", "t", "x"): (-0.3, -0.1), ("w", "x", "y", "z"): (-0.2, 0.0),
                    ("u", "t", "x", "y"): (-0.2, 0.0)})
    tables = build_index(BackoffModel.from_entries(Vocabulary(), entries))
    assert len(tables.blanks[1]) == 1 and len(tables.blanks[2]) == 2  # "x y"; "x y z", "t x y"
    bigrams = tables.middle[0]
    blank = bigrams[bigrams["key"] == tables.blanks[1][0]]
    assert len(blank) == 1 and blank["bow"][0] == 0 and not np.signbit(blank["bow"][0])


def test_a_spent_or_unbuilt_builder_is_refused_not_read():
    """finish() hands the tables over; a second finish(), or add() and finish() on a builder whose __init__
    failed, raise ValueError rather than read tables that are not there (a crash of the compiled code)."""
    import numpy as np

    from ngramlm._ext._query import IndexBuilder

    prob, bow = np.full(5, -1, np.float32), np.full(5, -0.0, np.float32)
    builder = IndexBuilder(prob, bow, [5, 3])
    builder.finish()
    with pytest.raises(ValueError, match="spent"):
        builder.finish()
    for counts in ([5, 3, -1], [5, 3, 2**62]):  # a table of order 3 cannot be made
        builder = IndexBuilder(prob, bow, [5, 3, 2])
        with pytest.raises(ValueError):
            builder.__init__(prob, bow, counts)
        with pytest.raises(ValueError):
            builder.add(3, np.array([[1, 2, 3]], np.uint32), np.array([-0.5], np.float32))
        with pytest.raises(ValueError, match="spent"):
            builder.finish()


def test_a_good_file_beyond_the_index_orders_is_refused_naming_it(tmp_path):
    """An order-9 model is a good ARPA file the index cannot hold: a ModelError (ngram and eval then read it
    into a BackoffModel) that names the file."""
    from ngramlm.core.errors import ModelError

    words = [f"w{i}" for i in range(9)]
    lines = ["\\data\\", "ngram 1=11"] + [f"ngram {n}=1" for n in range(2, 10)] + ["", "\\1-grams:"]
    lines += [f"-1\t{w}\t-0.1" for w in ["<s>", "</s>"] + words]
    for n in range(2, 10):
        lines += ["", f"\\{n}-grams:", f"-0.5\t{' '.join(words[:n])}" + ("\t-0.1" if n < 9 else "")]
    path = tmp_path / "order9.arpa"
    path.write_text("\n".join(lines + ["", "\\end\\", ""]))
    with pytest.raises(ModelError, match=r"order9\.arpa: .*up to order 8"):
        Model(str(path))
