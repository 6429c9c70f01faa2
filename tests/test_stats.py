"""Statistics of a training text (ngramlm.counting.statistics, ngramlm.apps.stats, `ngramlm stats`)."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from ngramlm.apps.stats import StatsConfig, discount_series, text_statistics
from ngramlm.cli.main import cli
from ngramlm.core.vocab import Vocabulary
from ngramlm.counting.corpus_count import count_sentences
from ngramlm.counting.statistics import (choose_vocabulary, coverage, ngram_tokens, oov_by_vocabulary_size,
                                         order_counts, type_token_growth, vocabulary_sizes, word_frequencies)

TRAIN = [["a", "b", "a", "b"], ["a", "b", "c"]]


def _counts(order=2):
    return count_sentences([["<s>", *s, "</s>"] for s in TRAIN], order, Vocabulary())


def test_word_frequencies_most_frequent_first_without_markers():
    words, frequencies = word_frequencies(_counts())
    assert words == ["a", "b", "c"] and frequencies.tolist() == [3, 3, 1]


def test_type_token_growth_ends_at_the_totals():
    curve = type_token_growth(TRAIN)
    assert curve[-1] == (7, 3) and curve[0] == (1, 1)
    assert all(t2 > t1 and v2 >= v1 for (t1, v1), (t2, v2) in zip(curve, curve[1:]))


def test_count_of_counts_and_kneser_ney_discount_by_hand():
    # Bigrams: <s> a 2, a b 3, b a 1, b </s> 1, b c 1, c </s> 1 -> n1 = 4, n2 = 1, n3 = 1.
    bigrams = order_counts(_counts(), max_count=4)[1]
    assert bigrams.count_of_counts == [4, 1, 1, 0] and bigrams.distinct == 6
    assert bigrams.kneser_ney == pytest.approx(4 / (4 + 2 * 1))
    assert bigrams.modified_kneser_ney is None  # n4 = 0


def test_unigram_count_of_counts_leave_out_the_sentence_start():
    # a 3, b 3, c 1, </s> 2 (<s> is not a unigram event).
    assert order_counts(_counts(), max_count=3)[0].count_of_counts == [1, 1, 2]


def test_modified_kneser_ney_discounts_follow_chen_and_goodman():
    sentences = [["<s>"] + [f"w{k}"] * r + ["</s>"] for k, r in enumerate([1, 1, 1, 1, 2, 2, 3, 4])]
    unigrams = order_counts(count_sentences(sentences, 1, Vocabulary()), max_count=8)[0]
    n1, n2, n3, n4 = unigrams.count_of_counts[:4]
    y = n1 / (n1 + 2 * n2)
    assert unigrams.modified_kneser_ney == pytest.approx((1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2,
                                                          3 - 4 * y * n4 / n3))


def test_coverage_by_hand():
    counts = _counts()
    test = [["<s>", "a", "c", "</s>"], ["<s>", "d", "</s>"]]
    # Unigram tokens a c </s> d </s>: d unseen -> 4/5. Bigrams <s> a, a c (no), c </s>, <s> d (no), d </s> (no).
    assert coverage(counts, ngram_tokens(test, counts.vocab, 2)) == pytest.approx([4 / 5, 2 / 5])


def test_oov_rate_by_vocabulary_size_by_hand():
    words, frequencies = word_frequencies(_counts())
    rows = oov_by_vocabulary_size(frequencies, words, ["a", "c", "d", "b"], [1, 2, 3])
    assert rows == [(1, 3, 0.75), (2, 3, 0.5), (3, 1, 0.25)]


def test_vocabulary_choice_by_top_k_and_minimum_count():
    words, frequencies = word_frequencies(_counts())
    assert choose_vocabulary(words, frequencies, top_k=1) == ["a"]
    assert choose_vocabulary(words, frequencies, min_count=2) == ["a", "b"]
    assert choose_vocabulary(words, frequencies, top_k=5, min_count=1) == ["a", "b", "c"]
    assert vocabulary_sizes(30) == [1, 2, 5, 10, 20, 30]


@pytest.fixture
def texts(tmp_path):
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("a b a b\na b c\n", encoding="utf-8")
    test.write_text("a c\nd\n", encoding="utf-8")
    return train, test


def test_stats_command_report_and_vocabulary(texts, tmp_path):
    train, test = texts
    vocab = tmp_path / "vocab.txt"
    result = CliRunner().invoke(cli, ["stats", str(train), "--test", str(test), "--order", "2", "--top-k", "2",
                                      "--write-vocab", str(vocab), "-q"])
    assert result.exit_code == 0, result.output
    assert "tokens 7" in result.output and "types 3" in result.output and "sentences 2," in result.output
    assert "| 80.00% | 40.00% |" in result.output
    # OOV of the test words a c d: top 1 {a} and top 2 {a, b} miss c and d, all three words miss d.
    assert "| 1 | 3 | 66.67% |\n| 2 | 3 | 66.67% |\n| 3 | 1 | 33.33% |" in result.output
    assert "Vocabulary chosen: 2 words" in result.output
    assert {"a", "b"} <= set(vocab.read_text(encoding="utf-8").split()) and "c" not in vocab.read_text()


def test_stats_command_plots(texts, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    train, test = texts
    result = CliRunner().invoke(cli, ["stats", str(train), "--test", str(test), "--plots", str(tmp_path / "plots"),
                                      "--plot-format", "svg"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == ["growth.svg", "oov.svg", "zipf.svg"]


def test_discounts_plot_draws_chen_and_goodman_discounts_of_each_order(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    train = tmp_path / "train.txt"
    train.write_text("b c a\nb c\nb a\nb d\na\n", encoding="utf-8")
    # Unigrams b 4, a 3, c 2, d 1, </s> 5 -> n1..n4 = 1, 1, 1, 1. Bigrams <s> b 4, a </s> 3, b c 2, and c a,
    # c </s>, b a, b d, d </s>, <s> a once -> n1..n4 = 6, 1, 1, 1.
    expected = []  # D1 of order 1, D2 of order 1, ..., D3+ of order 2
    for n1, n2, n3, n4 in [(1, 1, 1, 1), (6, 1, 1, 1)]:
        y = n1 / (n1 + 2 * n2)
        expected += [1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3]
    assert expected == pytest.approx([1 / 3, 1, 5 / 3, 0.75, -0.25, 0])
    report = io.StringIO()
    result = text_statistics(StatsConfig([str(train)], order=2, plots=str(tmp_path / "plots")), report)
    orders, series = discount_series(result["orders"])
    assert orders == [1, 2]
    assert [d for per_order in zip(*series) for d in per_order] == pytest.approx(expected)
    assert "| 0.333, 1.000, 1.667 |" in report.getvalue() and "| 0.750, -0.250, 0.000 |" in report.getvalue()
    plot = tmp_path / "plots" / "discounts.png"
    assert str(plot) in result["plots"] and plot.stat().st_size > 0


def test_discounts_plot_is_left_out_where_no_order_has_the_discounts(texts, tmp_path):
    train, _ = texts  # unigrams a 3, b 3, c 1, </s> 2: no n_4, so no modified Kneser-Ney discounts
    result = text_statistics(StatsConfig([str(train)], order=2), io.StringIO())
    assert discount_series(result["orders"]) == ([], [[], [], []])


def test_stats_command_errors_are_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["stats", str(tmp_path / "missing.txt")])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "missing.txt" in result.output and "Traceback" not in result.output
