"""The general class n-gram (`ngram -classes C` without -simple-classes) to SRILM 1.7.3's last digit
(tests/data/srilm/tolower-general-classes-debug*.stdout, see its README). SRILM keeps the forward pass's
probabilities in floats and reports a sentence's joint probability below -debug 2 but the sum of the printed
conditionals at -debug 2, which differ in the last digit: `ppl= 3.129135` at -debug 1, `ppl= 3.129134` at -debug 2
for the same sentence; a sentence with unknown words gets `p( of | <unk> ...) = -0.9890047` where the model's
unigram is -0.9890046 (a float difference of the prefix probabilities)."""
from __future__ import annotations

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
