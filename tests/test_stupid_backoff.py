"""Stupid Backoff (Brants et al. 2007) on one machine: scores computed by hand from the counts of a tiny text,
the ARPA encoding scored by query.Model as S(w | h), the file's label, and the commands that refuse perplexity.

Text:  "a b" and "a a", with <s> and </s>. Counts: <s> 2, a 3, b 1, </s> 2 (N = 6 tokens predicted, <s> is not);
       <s> a 2, a b 1, a a 1, a </s> 1, b </s> 1; <s> a b 1, <s> a a 1, a b </s> 1, a a </s> 1.
"""
from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.core.vocab import Vocabulary
from ngramlm.counting.corpus_count import count_sentences
from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.smoothing.stupid_backoff import SCORES_COMMENT, holds_scores, stupid_backoff
from ngramlm.use.query import Model

SENTENCES = [["<s>", "a", "b", "</s>"], ["<s>", "a", "a", "</s>"]]
ALPHA = math.log10(0.4)


@pytest.fixture
def model():
    return stupid_backoff(count_sentences(SENTENCES, 3, Vocabulary()))


def entries(model) -> dict[tuple[str, ...], tuple[float, float]]:
    words = model.vocab.words
    return {tuple(words[i] for i in g): (float(p), float(b)) for k in range(model.order)
            for g, p, b in zip(model.ngrams[k], model.logprob[k], model.logbow[k])}


def test_scores_are_relative_frequencies_by_hand(model):
    got = entries(model)
    expected = {("a",): 3 / 6, ("b",): 1 / 6, ("</s>",): 2 / 6,
                ("<s>", "a"): 2 / 2, ("a", "b"): 1 / 3, ("a", "a"): 1 / 3, ("a", "</s>"): 1 / 3, ("b", "</s>"): 1,
                ("<s>", "a", "b"): 1 / 2, ("<s>", "a", "a"): 1 / 2, ("a", "b", "</s>"): 1, ("a", "a", "</s>"): 1}
    for ngram, score in expected.items():
        assert got[ngram][0] == pytest.approx(math.log10(score), abs=1e-12), ngram
    assert got[("<s>",)][0] == -math.inf and got[("<unk>",)][0] == -math.inf  # never predicted; never seen
    assert set(got) == set(expected) | {("<s>",), ("<unk>",)}


def test_every_lower_order_ngram_backs_off_with_log10_of_0_4(model):
    for ngram, (_, bow) in entries(model).items():
        assert bow == pytest.approx(ALPHA if len(ngram) < 3 else 0.0, abs=1e-12), ngram


def test_query_model_scores_the_arpa_file_as_s_of_w_given_h(model, tmp_path):
    """S by hand for "<s> a a b </s>": a|<s> = 2/2; a|<s> a = 1/2; b|a a: c(a a b) = 0, so 0.4 * S(b|a) =
    0.4 * 1/3; </s>|a b = 1/1. And "<s> b": c(<s> b) = 0, so S(b|<s>) = 0.4 * S(b) = 0.4 * 1/6."""
    path = str(tmp_path / "sb.arpa")
    write_arpa(model, path, preamble=SCORES_COMMENT)
    lm = Model(path)
    assert lm.score("a a b") == pytest.approx(math.log10(1 * 1 / 2 * 0.4 * 1 / 3 * 1), abs=1e-6)
    first = next(iter(lm.full_scores("b")))
    assert first[0] == pytest.approx(math.log10(0.4 * 1 / 6), abs=1e-6)


def test_the_file_is_labelled_as_scores_and_reads_back(model, tmp_path):
    path = str(tmp_path / "sb.arpa")
    write_arpa(model, path, preamble=SCORES_COMMENT)
    assert holds_scores(path)
    assert b"not probabilities" in open(path, "rb").read(300)
    assert entries(read_arpa(path)).keys() == entries(model).keys()
    other = str(tmp_path / "plain.arpa")
    write_arpa(model, other)
    assert not holds_scores(other)


def test_train_writes_stupid_backoff_and_eval_refuses_its_perplexity(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("a b\na a\n")
    arpa = str(tmp_path / "sb.arpa")
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "-o", "3", "--text", str(text), "--arpa", arpa, "--method", "stupid-backoff"])
    assert result.exit_code == 0, result.output
    assert "not probabilities" in result.output
    assert entries(read_arpa(arpa))[("a", "b")][0] == pytest.approx(math.log10(1 / 3), abs=1e-6)
    refused = runner.invoke(cli, ["eval", arpa, str(text)])
    assert refused.exit_code == 1 and "not probabilities" in refused.output


def test_stupid_backoff_takes_no_parameters(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("a b\n")
    result = CliRunner().invoke(cli, ["train", "-o", "2", "--text", str(text), "--method", "stupid-backoff",
                                      "--param", "alpha=0.5"])
    assert result.exit_code == 1 and "no parameters" in result.output
