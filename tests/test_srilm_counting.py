"""ngram-count's weighted and fractional counting, counts read with cut-offs and binary output, on inputs small
enough to count by hand. (Against SRILM 1.7.3's own output: the count-* cases of tests/srilm_cases.py, run by
tests/test_srilm_options.py: -prune / -minprune, -text-has-weights, -float-counts with Witten-Bell, absolute
discounting and additive smoothing, -read-with-mincounts.)"""
from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.cli import ngram as ngram_cli
from ngramlm.cli import ngram_count
from ngramlm.formats.arpa import read_arpa
from ngramlm.formats.binary import load_binary


def _counts(text: str) -> dict[str, str]:
    return dict(line.split("\t") for line in text.splitlines())


@pytest.fixture
def weighted(tmp_path):
    path = tmp_path / "weighted.txt"
    path.write_text("2.5 a b\n1 a\nx a a\n", encoding="utf-8")  # SRILM skips the last line, with a warning
    return path


def test_fractional_weights_by_hand(weighted):
    result = CliRunner().invoke(ngram_count.main, ["-order", "2", "-text", str(weighted), "-text-has-weights",
                                                   "-float-counts", "-sort"])
    assert result.exit_code == 0, result.output
    assert _counts(result.stdout) == {"<s>": "3.5", "a": "3.5", "b": "2.5", "</s>": "3.5", "<s> a": "3.5",
                                      "a b": "2.5", "a </s>": "1", "b </s>": "2.5"}
    assert result.stderr == f"{weighted}: line 3: illegal count weight or line too long?\n"


def test_negative_weights(tmp_path):
    # SRILM: a negative whole count is an illegal weight; a negative fractional one is taken
    path = tmp_path / "negative.txt"
    path.write_text("2 a\n-1 a\n", encoding="utf-8")
    whole = CliRunner().invoke(ngram_count.main, ["-order", "1", "-text", str(path), "-text-has-weights", "-sort"])
    assert _counts(whole.stdout) == {"<s>": "2", "a": "2", "</s>": "2"}
    assert "line 2: illegal count weight" in whole.stderr
    fractional = CliRunner().invoke(ngram_count.main, ["-order", "1", "-text", str(path), "-text-has-weights",
                                                       "-float-counts", "-sort"])
    assert _counts(fractional.stdout) == {"<s>": "1", "a": "1", "</s>": "1"}


def test_whole_weights_take_the_digits_before_the_point(weighted, tmp_path):
    # SRILM reads a weight with scanf("%lu"): 2.5 counts 2
    last = tmp_path / "last.txt"
    last.write_text("a b 2.5\na 1\n", encoding="utf-8")
    for args in (["-text", str(weighted), "-text-has-weights"], ["-text", str(last), "-text-has-weights-last"]):
        result = CliRunner().invoke(ngram_count.main, ["-order", "2", "-sort", *args])
        assert result.exit_code == 0, result.output
        assert _counts(result.stdout) == {"<s>": "3", "a": "3", "b": "2", "</s>": "3", "<s> a": "3", "a b": "2",
                                          "a </s>": "1", "b </s>": "2"}


@pytest.mark.parametrize("method", [[], ["-kndiscount"], ["-ukndiscount"], ["-wbdiscount", "-kndiscount3"]])
def test_fractional_counts_refuse_methods_that_need_whole_counts(weighted, tmp_path, method):
    # SRILM 1.7.3's two lines (Discount::estimate for FloatCount, then ngram-count), exit status 1
    result = CliRunner().invoke(ngram_count.main, ["-text", str(weighted), "-text-has-weights", "-float-counts",
                                                   *method, "-lm", str(tmp_path / "x.lm")])
    order = 3 if method[:1] == ["-wbdiscount"] else 1
    assert result.exit_code == 1
    assert result.stderr.endswith("\ndiscounting method does not support float counts\n"
                                  f"error in discount estimator for order {order}\n")
    assert not (tmp_path / "x.lm").exists()


def test_fractional_witten_bell_unigrams_by_hand(weighted, tmp_path):
    # p(w) = c(w) / (T + V) with T = 9.5 (the counts of a, b and </s>) and V = 3 words seen (c, in the vocabulary
    # but unseen, gets the rest)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\nc\n", encoding="utf-8")
    result = CliRunner().invoke(ngram_count.main, ["-order", "1", "-text", str(weighted), "-text-has-weights",
                                                   "-vocab", str(vocab), "-float-counts", "-wbdiscount", "-lm", "-"])
    assert result.exit_code == 0, result.output
    probs = {line.split("\t")[1]: float(line.split("\t")[0]) for line in result.stdout.splitlines()
             if line.count("\t") == 1}
    for word, count in [("a", 3.5), ("b", 2.5), ("</s>", 3.5)]:
        assert probs[word] == pytest.approx(math.log10(count / 12.5), abs=1e-6)


def test_read_with_mincounts_drops_counts_below_the_cutoffs(tmp_path):
    counts = tmp_path / "counts.txt"
    counts.write_text("a\t5\nb\t1\na b\t1\nb a\t2\na b a\t2\nb a b\t1\n", encoding="utf-8")
    result = CliRunner().invoke(ngram_count.main, ["-read", str(counts), "-read-with-mincounts", "-gt2min", "2",
                                                   "-sort"])
    assert result.exit_code == 0, result.output
    # default cut-offs: 1 for unigrams, 2 for trigrams; "a b" stays, of count 0, as the prefix of "a b a" in SRILM's
    # count trie (SRILM 1.7.3 writes it so)
    assert _counts(result.stdout) == {"a": "5", "b": "1", "a b": "0", "b a": "2", "a b a": "2"}


def test_write_binary_lm(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("a b c\nb c a\na c\nc b a b\n", encoding="utf-8")
    arpa, binary, again = tmp_path / "m.arpa", tmp_path / "m.bin", tmp_path / "again.bin"
    for extra, path in [([], arpa), (["-write-binary-lm"], binary)]:
        result = CliRunner().invoke(ngram_count.main, ["-text", str(text), "-wbdiscount", "-lm", str(path),
                                                       *extra])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(ngram_cli.main, ["-lm", str(arpa), "-write-bin-lm", str(again)])
    assert result.exit_code == 0, result.output
    model = read_arpa(str(arpa))
    for path in (binary, again):
        tables = load_binary(str(path))
        assert list(tables.sizes) == model.sizes()
        finite = tables.unigram_prob[tables.unigram_prob > -99]
        assert np.allclose(np.sort(finite), np.sort(model.logprob[0][model.logprob[0] > -99]), atol=1e-6)


def test_fractional_counts_are_not_read_from_count_files(weighted, tmp_path):
    counts = tmp_path / "counts.txt"
    counts.write_text("a\t3\n", encoding="utf-8")
    result = CliRunner().invoke(ngram_count.main, ["-text", str(weighted), "-text-has-weights", "-float-counts",
                                                   "-read", str(counts)])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.endswith("error: -float-counts with -read is not supported: fractional counts come only "
                                  "from weighted -text (-text-has-weights)\n")
