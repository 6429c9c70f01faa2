"""The general class n-gram (`ngram -classes C` without -simple-classes) to SRILM 1.7.3's last digit
(tests/data/srilm/tolower-general-classes-debug*.stdout, see its README). SRILM keeps the forward pass's
probabilities in floats and reports a sentence's joint probability below -debug 2 but the sum of the printed
conditionals at -debug 2, which differ in the last digit: `ppl= 3.129135` at -debug 1, `ppl= 3.129134` at -debug 2
for the same sentence; a sentence with unknown words gets `p( of | <unk> ...) = -0.9890047` where the model's
unigram is -0.9890046 (a float difference of the prefix probabilities)."""
from __future__ import annotations

import math
import re

import pytest

from ngramlm.cli.ngram import main as ngram

from test_srilm_comments import DATA, run

COMMAND = ["-lm", "tolower-wb2.arpa.gz", "-tolower", "-classes", "tolower.classes", "-ppl", "tolower-classes.txt"]


@pytest.mark.parametrize("debug", ["0", "1"])
def test_sentence_probabilities_as_srilm_sums_them(in_srilm_data, debug):
    result = run(ngram, COMMAND + ["-debug", debug], "ngram")
    assert result.stdout == (DATA / f"tolower-general-classes-debug{debug}.stdout").read_text()
    assert result.stderr == ("" if debug == "0" else (DATA / "tolower-classes.stderr").read_text())


def without_hit_labels(text: str) -> str:
    # SRILM prints the label of every n-gram looked up for the word's parses ([OOV][2gram]); ngramlm one label
    return re.sub(r"= (\[[^]]*\])+ ", "= ", text)


def test_word_probabilities_and_their_sums_at_debug_2(in_srilm_data):
    result = run(ngram, COMMAND + ["-debug", "2"], "ngram")
    expected = (DATA / "tolower-general-classes-debug2.stdout").read_text()
    assert without_hit_labels(result.stdout) == without_hit_labels(expected)
    assert "ppl= 3.129134" in expected and "[ -0.9890047 ]" in expected  # the digits this test is about


def test_probability_sums_at_debug_3_leave_out_the_classes(in_srilm_data):
    # SRILM's wordProbSum skips the class names (ClassNgram::isNonWord): a class is read through its expansions'
    # words, so counting it as a word too would sum to 1 + p(class | context) and warn
    result = run(ngram, COMMAND + ["-debug", "3"], "ngram")
    expected = (DATA / "tolower-general-classes-debug3.stdout").read_text()
    assert without_hit_labels(result.stdout) == without_hit_labels(expected)
    assert "warning" not in result.stderr


def test_conditionals_sum_to_one_over_the_words(tmp_path):
    """p(w | history) = p(history w) / p(history) sums to 1 over the words (the classes left out), after a
    history ending between tokens, inside an expansion, or at an unknown word: a hand-made unigram model over
    a, C and </s> whose probabilities sum to 1, and C's expansions sum to 1."""
    from ngramlm.core.model import BackoffModel
    from ngramlm.core.vocab import Vocabulary
    from ngramlm.models.class_trellis import ClassTrellisScorer
    from ngramlm.models.classes import read_class_expansions

    model = BackoffModel.from_entries(Vocabulary(), {("<s>",): (-99.0, 0.0), ("a",): (math.log10(0.3), 0.0),
                                                     ("C",): (math.log10(0.5), 0.0),
                                                     ("</s>",): (math.log10(0.2), 0.0)})
    classes = tmp_path / "classes.txt"
    classes.write_text("C 0.4 a b\nC 0.5 b\nC 0.1 c a b\n")
    scorer = ClassTrellisScorer(read_class_expansions(str(classes)), model)
    v = scorer.vocab
    words = ["a", "b", "c", "</s>"]
    assert {v.words[i] for i in scorer.non_words} == {"C"}
    for history in (["<s>"], ["<s>", "a"], ["<s>", "c"], ["<s>", "c", "a"], ["<s>", "a", "b", "a"],
                    ["<s>", "<unk>", "a"]):
        context = [v.id(h) for h in history]
        total = sum(10.0 ** scorer.score(v.id(w), context)[0] for w in words)
        assert total == pytest.approx(1.0, abs=1e-6), history
