"""The ARPA loader's bottom-up pass (formats.probing): holes whose blanks have holes of their own (a blank's suffix
missing too, a blank the context of another), scored by the back-off recursion over read_arpa's model; and the
key matching it closes them with, against numpy's set membership."""
import itertools

import numpy as np
import pytest

from ngramlm._ext import _query
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


def test_cascaded_blanks_score_by_the_backoff_recursion(tmp_path):
    path = tmp_path / "holes.arpa"
    path.write_text(ARPA)
    reference = read_arpa(str(path))
    model = Model(str(path))
    words = ["<s>", "a", "b", "c", "d", "e", "y", "</s>"]
    for length in range(4):
        for history in itertools.product(words[:-1], repeat=length):
            ids = [reference.vocab.id(w) for w in history]
            state = State()
            model.NullContextWrite(state)
            for word in history:
                out = State()
                model.BaseScore(state, word, out)
                state = out
            for word in words[1:]:
                expected, _ = logprob_ids(reference, reference.vocab.id(word), ids)
                assert model.BaseScore(state, word, State()) == pytest.approx(expected, abs=1e-5), (history, word)


def test_match_keys_is_set_membership():
    rng = np.random.default_rng(5)
    keys = rng.integers(1, 2**64 - 1, 5000, dtype=np.uint64)
    queries = np.concatenate([rng.choice(keys, 300), rng.integers(1, 2**64 - 1, 300, dtype=np.uint64)])
    marks = np.concatenate([rng.choice(keys, 200), queries[:50]])
    found, among = _query.match_keys(keys, queries, marks)
    assert (found == np.isin(queries, keys)).all() and found.sum() >= 300
    assert (among == np.isin(keys, marks)).all() and among.any()
    found, among = _query.match_keys(keys, queries)
    assert (among == np.isin(keys, queries)).all()
