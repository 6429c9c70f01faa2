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
