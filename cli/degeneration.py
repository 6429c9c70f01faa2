"""`ngramlm degeneration`: the repetition of generated text measured over a grid of decoding strategies, for one or
more models, on the prefixes of a test text, beside the human continuation (Welleck et al. 2019's evaluation).

Each long enough line of the text gives a prefix (<s> and its first P words) and its human continuation (the next
C words); the prefixes are spread evenly over the eligible lines. Each model continues every prefix with every
strategy for exactly C words (min_new_tokens = max_new_tokens = C, as Welleck et al. generate fixed-length
continuations), batched over the prefixes. Per model and strategy the table gives seq-rep-n, distinct-n, uniq-seq,
rep/l and wrep/l (against the human continuation), the model's perplexity of the continuation, and the speed in
tokens per second; the `human` row measures the human continuations (perplexity: the model's, of that text), and
the `next-token` row the model's arg-max predictions along the human continuation (teacher forcing, Welleck et
al.'s token-level rep/l, wrep/l and acc).
"""
from __future__ import annotations

import csv
import time

import click
import numpy as np

from ngramlm.cli.common import report_errors
from ngramlm.cli.generate import load_step_model
from ngramlm.core.errors import ModelError
from ngramlm.core.io import atomic_write, iter_lines, split_words
from ngramlm.core.vocab import BOS
from ngramlm.use.generation import GenerationConfig, generate, score_continuations
from ngramlm.use.generation.metrics import accuracy, perplexity, rep_l, sequence_metrics, uniq_seq

# The strategies of the grid by name (Welleck et al. 2019, Holtzman et al. 2020, Keskar et al. 2019, Su et al. 2022).
STRATEGIES = {
    "greedy": dict(),
    "beam-4": dict(num_beams=4),
    "sampling": dict(do_sample=True),
    "top-k-40": dict(do_sample=True, top_k=40),
    "top-p-0.9": dict(do_sample=True, top_p=0.9),
    "rep-penalty-1.2": dict(repetition_penalty=1.2),
    "no-repeat-3": dict(no_repeat_ngram_size=3),
    "contrastive": dict(penalty_alpha=0.6, top_k=4),
}
COLUMNS = ["model", "strategy", "seq-rep-1", "seq-rep-2", "seq-rep-4", "distinct-1", "distinct-2", "distinct-4",
           "uniq-seq", "rep/l", "wrep/l", "acc", "ppl", "length", "tokens/s", "seconds"]


def test_prefixes(path: str, prefix_words: int, continuation_words: int, count: int
                  ) -> tuple[list[list[str]], list[list[str]]]:
    """(prefixes with <s>, human continuations) from `count` lines spread evenly over the lines long enough."""
    lines = [split_words(line) for _, line in iter_lines(path)]
    eligible = [words for words in lines if len(words) >= prefix_words + continuation_words]
    if not eligible:
        raise ModelError(f"{path}: no line has {prefix_words + continuation_words} words")
    chosen = np.unique(np.linspace(0, len(eligible) - 1, min(count, len(eligible))).round().astype(int))
    prefixes = [[BOS] + eligible[i][:prefix_words] for i in chosen]
    human = [eligible[i][prefix_words:prefix_words + continuation_words] for i in chosen]
    return prefixes, human


def evaluate_model(name: str, lm, prefixes: list[list[str]], human: list[list[str]], strategies: list[str],
                   seed: int, window: int) -> list[dict]:
    """The table's rows for one model."""
    ids = [[lm.vocab.id(w) for w in p] for p in prefixes]
    human_ids = [[lm.vocab.id(w) for w in h] for h in human]
    length = len(human[0])
    rows = []
    logprobs, predicted = score_continuations(lm, ids, human_ids)
    tokens = sum(len(h) for h in human)
    row = sequence_metrics(human, prefixes, human, float(sum(lp.sum() for lp in logprobs)), tokens, l=window)
    rows.append(_row(name, "human", row, window))
    guesses = [lm.vocab.decode(p.tolist()) for p in predicted]
    rows.append({"model": name, "strategy": "next-token", "rep/l": rep_l(guesses, prefixes, window, contexts=human),
                 "wrep/l": rep_l(guesses, prefixes, window, contexts=human, references=human),
                 "acc": accuracy(guesses, human), "uniq-seq": uniq_seq(guesses),
                 "ppl": perplexity([lp.sum() for lp in logprobs], tokens)})
    for strategy in strategies:
        settings = STRATEGIES[strategy]
        if "penalty_alpha" in settings and not lm.has_hidden:
            continue
        config = GenerationConfig(max_new_tokens=length, min_new_tokens=length, **settings)
        started = time.perf_counter()
        found = [group[0] for group in generate(lm, ids, config, seed)]
        seconds = time.perf_counter() - started
        texts = [lm.vocab.decode(g.words) for g in found]
        made = sum(len(g.words) + g.finished for g in found)
        figures = sequence_metrics(texts, prefixes, human, float(sum(g.logprob for g in found)), made, l=window)
        figures.update({"tokens/s": made / seconds, "seconds": seconds})
        rows.append(_row(name, strategy, figures, window))
        click.echo(f"{name} {strategy}: seq-rep-4 {figures['seq-rep-4']:.3f}, {made / seconds:,.0f} tokens/s",
                   err=True)
    return rows


def _row(name: str, strategy: str, figures: dict, window: int) -> dict:
    row = {"model": name, "strategy": strategy, **figures}
    row["rep/l"], row["wrep/l"] = figures.get(f"rep/{window}"), figures.get(f"wrep/{window}")
    return row


def _cell(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def write_tables(rows: list[dict], out_dir: str, window: int, note: str) -> None:
    columns = [c.replace("/l", f"/{window}") for c in COLUMNS]
    with atomic_write(f"{out_dir}/degeneration.csv") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in COLUMNS])
    with atomic_write(f"{out_dir}/degeneration.md") as out:
        out.write(note + "\n\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n")
        for row in rows:
            out.write("| " + " | ".join(_cell(row.get(c)) for c in COLUMNS) + " |\n")


def plot(rows: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(r["model"] for r in rows))
    strategies = ["human"] + [s for s in STRATEGIES if any(r["strategy"] == s for r in rows)]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    width = 0.8 / len(models)
    for panel, (metric, title) in enumerate((("seq-rep-4", "seq-rep-4 (lower: less repetition)"),
                                              ("distinct-2", "distinct-2 (higher: more diverse)"))):
        ax = axes[panel]
        for m, model in enumerate(models):
            values = [next((r.get(metric) for r in rows if r["model"] == model and r["strategy"] == s), np.nan)
                      for s in strategies]
            ax.bar(np.arange(len(strategies)) + m * width, [np.nan if v is None else v for v in values], width,
                   label=model)
        ax.set_xticks(np.arange(len(strategies)) + width * (len(models) - 1) / 2)
        ax.set_xticklabels(strategies, rotation=35, ha="right")
        ax.set_title(title)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@click.command()
@click.option("--model", "models", multiple=True, required=True,
              help="NAME=PATH of a model (ARPA, ngramlm binary or neural checkpoint); repeatable.")
@click.option("--text", required=True, type=click.Path(dir_okay=False), help="Test text, one paragraph per line.")
@click.option("--prefix-words", default=50, show_default=True, help="Words of each prefix.")
@click.option("--continuation-words", default=100, show_default=True, help="Words of each continuation.")
@click.option("--count", default=100, show_default=True, help="Prefixes (lines spread evenly over the text).")
@click.option("--strategy", "strategies", multiple=True, type=click.Choice(list(STRATEGIES)),
              help="Strategies to run (repeatable; default: all). Contrastive search runs for neural models only.")
@click.option("--window", default=128, show_default=True, help="l of rep/l and wrep/l.")
@click.option("--seed", default=1, show_default=True, help="Random seed of the sampling strategies.")
@click.option("--device", default="cpu", show_default=True, help="Neural models: cpu, cuda, auto.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False), help="Where the table and plot go.")
@report_errors
def degeneration(models, text, prefix_words, continuation_words, count, strategies, window, seed, device, out_dir):
    """Measure repetition over a grid of decoding strategies (greedy, beam 4, pure sampling, top-k 40, top-p 0.9,
    repetition penalty 1.2, no-repeat 3-gram, contrastive search) and the human text; writes degeneration.csv,
    degeneration.md and degeneration.png in --out-dir."""
    import os

    os.makedirs(out_dir, exist_ok=True)
    named = []
    for spec in models:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise click.UsageError(f"--model {spec!r}: expected NAME=PATH")
        named.append((name, path))
    prefixes, human = test_prefixes(text, prefix_words, continuation_words, count)
    rows = []
    for name, path in named:
        started = time.perf_counter()
        lm = load_step_model(path, device)
        click.echo(f"{name}: loaded in {time.perf_counter() - started:.0f} s", err=True)
        rows.extend(evaluate_model(name, lm, prefixes, human, list(strategies or STRATEGIES), seed, window))
    note = (f"{len(prefixes)} prefixes of {prefix_words} words from {os.path.basename(text)}, continuations of "
            f"{continuation_words} words; seed {seed}; rep/wrep window l = {window}.")
    write_tables(rows, out_dir, window, note)
    plot(rows, f"{out_dir}/degeneration.png")
    click.echo(f"wrote {out_dir}/degeneration.csv, .md and .png", err=True)
