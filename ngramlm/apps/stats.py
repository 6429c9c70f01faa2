"""`ngramlm stats`: the statistics of ngramlm.counting.statistics as a report and as plots.

In: training text files (and a test text), the order, the largest count of the count-of-counts table, the
vocabulary choice. Out: a plain-text report (tables in Markdown), the chosen vocabulary, and PNG/SVG plots:
Zipf (rank-frequency), type/token growth, the modified Kneser-Ney discounts D1, D2, D3+ of each order, and the test
text's OOV rate against the vocabulary size.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import TextIO

from ..core.errors import NgramlmError
from ..core.vocab import EOS_ID, Vocabulary
from ..corpora.reader import TextOptions, read_corpus
from ..counting.corpus_count import count_files
from ..counting.statistics import (OrderCounts, choose_vocabulary, coverage, ngram_tokens, oov_by_vocabulary_size,
                                   order_counts, type_token_growth, vocabulary_sizes, word_frequencies)


@dataclass
class StatsConfig:
    """What `ngramlm stats` computes (filled by the command line)."""

    texts: list[str]
    test: str | None = None
    order: int = 3
    max_count: int = 10
    top_k: int | None = None
    min_count: int | None = None
    write_vocab: str | None = None
    plots: str | None = None
    plot_format: str = "png"
    quiet: bool = True
    options: TextOptions = field(default_factory=TextOptions)


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _percent(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.2f}%"


def text_statistics(config: StatsConfig, out: TextIO) -> dict:
    """Compute the statistics, print the report on `out`, write the vocabulary and the plots; returns the
    numbers (for tests and callers)."""
    counts = count_files(config.texts, config.order, Vocabulary(), config.options, quiet=config.quiet)
    words, frequencies = word_frequencies(counts)
    if not words:
        raise NgramlmError(f"{', '.join(config.texts)}: no words to make statistics of")
    tokens = int(frequencies.sum())
    sentences = int(counts.counts[0][counts.ngrams[0][:, 0] == EOS_ID].sum())
    growth = type_token_growth(read_corpus(config.texts, config.options))
    per_order = order_counts(counts, config.max_count)
    lines = [f"# Statistics of {', '.join(config.texts)}", "",
             f"tokens {tokens:,} (</s> not counted), types {len(words):,}, sentences {sentences:,}, "
             f"singletons {int((frequencies == 1).sum()):,} ({100 * (frequencies == 1).mean():.1f}% of types)", ""]
    lines += ["## Type/token growth", ""]
    marks = growth[:: max(1, len(growth) // 12)] + ([growth[-1]] if growth[-1] not in growth[:: max(1, len(growth) // 12)] else [])
    lines += _table(["tokens", "types", "types/tokens"], [[f"{t:,}", f"{v:,}", f"{v / t:.3f}"] for t, v in marks])
    lines += ["", f"## Count-of-counts n_r (n-grams of each order seen exactly r times; <s> not a unigram)", ""]
    header = ["order", "distinct"] + [f"n_{r}" for r in range(1, config.max_count + 1)] + ["KN D", "modified KN D1, D2, D3+"]
    rows = []
    for oc in per_order:
        modified = ", ".join(f"{d:.3f}" for d in oc.modified_kneser_ney) if oc.modified_kneser_ney else "-"
        rows.append([oc.order, f"{oc.distinct:,}"] + [f"{x:,}" for x in oc.count_of_counts]
                    + [f"{oc.kneser_ney:.3f}" if oc.kneser_ney is not None else "-", modified])
    lines += _table(header, rows)
    result = {"tokens": tokens, "types": len(words), "growth": growth, "orders": per_order,
              "words": words, "frequencies": frequencies}
    if config.test is not None:
        test_sentences = list(read_corpus([config.test], config.options))
        shares = coverage(counts, ngram_tokens(test_sentences, counts.vocab, config.order))
        lines += ["", f"## Coverage of {config.test}: share of its n-gram tokens seen in training", ""]
        lines += _table([f"{n}-grams" for n in range(1, config.order + 1)], [[_percent(s) for s in shares]])
        test_words = [w for s in test_sentences for w in s if w not in ("<s>", "</s>")]
        oov = oov_by_vocabulary_size(frequencies, words, test_words, vocabulary_sizes(len(words)))
        lines += ["", f"## OOV rate of {config.test} ({len(test_words):,} words) by vocabulary size (top K by "
                      "frequency)", ""]
        lines += _table(["K", "smallest count kept", "OOV rate"], [[f"{k:,}", c, _percent(r)] for k, c, r in oov])
        result.update(coverage=shares, oov=oov)
    if config.top_k is not None or config.min_count is not None:
        chosen = choose_vocabulary(words, frequencies, top_k=config.top_k, min_count=config.min_count)
        covered = int(frequencies[:len(chosen)].sum())
        lines += ["", f"## Vocabulary chosen: {len(chosen):,} words, {100 * covered / tokens:.2f}% of the training "
                      "tokens"]
        if config.write_vocab:
            Vocabulary(chosen).write(config.write_vocab)
        result["vocabulary"] = chosen
    out.write("\n".join(lines) + "\n")
    if config.plots:
        result["plots"] = write_plots(config, result)
    return result


def discount_series(per_order: list[OrderCounts]) -> tuple[list[int], list[list[float]]]:
    """The orders whose count-of-counts give modified Kneser-Ney discounts, and the series D1, D2, D3+ over them."""
    defined = [(oc.order, oc.modified_kneser_ney) for oc in per_order if oc.modified_kneser_ney is not None]
    return [order for order, _ in defined], [[discounts[k] for _, discounts in defined] for k in range(3)]


def write_plots(config: StatsConfig, result: dict) -> list[str]:
    """zipf, growth, discounts (where some order has them) and (with a test text) oov plots in the folder
    config.plots; their paths."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        raise NgramlmError("the plots need matplotlib; install it with pip install \"ngramlm[plot]\" (or leave "
                           "out --plots)") from None
    os.makedirs(config.plots, exist_ok=True)
    paths = []

    def save(figure, name):
        path = os.path.join(config.plots, f"{name}.{config.plot_format}")
        figure.tight_layout()
        figure.savefig(path)
        pyplot.close(figure)
        paths.append(path)

    frequencies = result["frequencies"]
    figure, axes = pyplot.subplots(figsize=(6, 4.5))
    axes.loglog(range(1, len(frequencies) + 1), frequencies, ".", markersize=2)
    axes.set(xlabel="rank", ylabel="frequency", title="Zipf plot (rank-frequency)")
    save(figure, "zipf")
    figure, axes = pyplot.subplots(figsize=(6, 4.5))
    tokens, types = zip(*result["growth"])
    axes.loglog(tokens, types, "-")
    axes.set(xlabel="tokens", ylabel="types", title="Type/token growth")
    save(figure, "growth")
    orders, series = discount_series(result["orders"])
    if orders:
        figure, axes = pyplot.subplots(figsize=(6, 4.5))
        for values, label, marker in zip(series, ("D1", "D2", "D3+"), "os^"):
            axes.plot(orders, values, marker + "-", label=label)
        axes.set_xticks(orders)
        axes.set(xlabel="order", ylabel="discount",
                 title="Modified Kneser-Ney discounts from the raw count-of-counts")
        axes.legend()
        save(figure, "discounts")
    if "oov" in result:
        sizes, _, rates = zip(*result["oov"])
        figure, axes = pyplot.subplots(figsize=(6, 4.5))
        axes.semilogx(sizes, [100 * r for r in rates], "o-")
        axes.set(xlabel="vocabulary size (top K by frequency)", ylabel="OOV rate of the test text (%)",
                 title="OOV rate by vocabulary size")
        save(figure, "oov")
    return paths
