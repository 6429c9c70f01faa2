"""Model(path.arpa) builds its hash tables straight from the file's lines (formats.probing.load_arpa, no sort and
no BackoffModel between): scores against the back-off recursion over read_arpa's model and against kenlm, and the
file's faults reported with their line as read_arpa reports them."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramlm.core.errors import InputError
from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.use.query import Model, State
from reference_backoff import logprob_ids
from test_query import random_model


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), order=st.integers(2, 5),
       sentence=st.lists(st.sampled_from(["<unk>", "a", "b", "c", "</s>"]), max_size=10))
def test_arpa_file_scores_by_the_backoff_recursion(tmp_path_factory, seed, order, sentence):
    # Suffixes are dropped from the random models, so the file has holes the index fills with blanks.
    path = str(tmp_path_factory.mktemp("arpa") / "model.arpa")
    write_arpa(random_model(seed, order, drop_suffixes=True), path)
    reference = read_arpa(path)
    model = Model(path)
    state, out = State(), State()
    model.BeginSentenceWrite(state)
    history = [reference.vocab.id("<s>")]
    for word in sentence:
        wid = reference.vocab.id(word)
        expected, _ = logprob_ids(reference, wid, history)
        assert model.BaseScore(state, word, out) == pytest.approx(expected, abs=1e-5)
        history.append(wid)
        state, out = out, state


def test_long_sentence_scores_as_kenlm(tmp_path):
    kenlm = pytest.importorskip("kenlm")
    path = str(tmp_path / "model.arpa")
    write_arpa(random_model(7, 4, drop_suffixes=False), path)  # (kenlm's probing refuses holes in so small a model)
    rng = np.random.default_rng(1)
    # Longer than the word ids score() keeps on its stack (512), and short ones.
    for length in (0, 1, 3, 600, 1500):
        sentence = " ".join(rng.choice(["a", "b", "c", "zzz", "</s>"], size=length))
        for bos in (True, False):
            assert Model(path).score(sentence, bos=bos) == pytest.approx(
                kenlm.Model(path).score(sentence, bos=bos), abs=1e-3)


HEADER = "\\data\\\nngram 1=4\nngram 2={bigrams}\n{trigram_count}\n\\1-grams:\n-1\t<s>\t-0.5\n-1\t</s>\n-1\ta\t-0.3\n-1\tb\t-0.2\n"


@pytest.mark.parametrize("text, message", [
    (HEADER.format(bigrams=2, trigram_count="") + "\n\\2-grams:\n-0.5\ta b\n-0.5\ta b\n\n\\end\\\n",
     ":13: the 2-gram 'a b' appears twice"),
    (HEADER.format(bigrams=1, trigram_count="ngram 3=1\n") + "\n\\2-grams:\n-0.5\ta b\n\n\\3-grams:\n-0.2\tb a b\n\n"
     "\\end\\\n", ":16: the 3-gram 'b a b' has no 2-gram for its context"),
])
def test_faults_of_the_file_named_with_their_line(tmp_path, text, message):
    path = tmp_path / "bad.arpa"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(str(path) + message)):
        Model(str(path))
