"""`ngramlm demo`: the main job on the corpus that ships with the project.

Trains every smoothing method at a few orders on the synthetic corpus that ships inside the package, scores test.txt the way
SRILM's `ngram -ppl` does, and prints each model's perplexity beside the true perplexity of the grammar that
generated the text, so the gap a fixed n-gram context leaves is visible.
"""
from __future__ import annotations

import os
import time
import warnings

import click

from ngramlm.cli.common import report_errors
from ngramlm.counting.corpus_count import count_files
from ngramlm.counting.counts import NgramCounts
from ngramlm.corpora.datasets import load_folder
from ngramlm.core.errors import InputError
from ngramlm.use.evaluation import evaluate_text
from ngramlm.use.ppl_report import PplOptions
from ngramlm.smoothing import EstimationWarning, estimate
from ngramlm.core.vocab import Vocabulary
from ngramlm.corpora.synthetic import DEMO_CORPUS

# (label, method, interpolate): Chen & Goodman's line-up, weakest first.
METHODS = [
    ("additive (delta 0.1)", "additive", False),
    ("Good-Turing / Katz", "good-turing", False),
    ("Witten-Bell, interpolated", "witten-bell", True),
    ("absolute discounting, interp.", "absolute", True),
    ("Kneser-Ney, interpolated", "kneser-ney", True),
    ("modified Kneser-Ney, interp.", "modified-kneser-ney", True),
]


def true_perplexity_line(folder: str) -> str | None:
    """The true test perplexity recorded beside the shipped corpus, if this is that corpus."""
    path = os.path.join(folder, "TRUE_PPL.txt")
    if not os.path.exists(path):
        return None
    lines = open(path, encoding="utf-8").read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("file test.txt") and i + 1 < len(lines):
            return lines[i + 1].split("ppl=")[1].split()[0]
    return None


@click.command("demo")
@click.option("--corpus", "folder", default=None,
              help="A folder with train.txt and test.txt  [default: the synthetic corpus shipped in the package]")
@click.option("--orders", default="2,3,5", show_default=True, help="Comma-separated n-gram orders to train.")
@click.option("-q", "--quiet", is_flag=True, help="Hide the estimators' warnings (undefined discounts and the like).")
@report_errors
def demo(folder: str, orders: str, quiet: bool) -> None:
    """Train every smoothing method on a corpus and print test perplexities (SRILM's counting)."""
    folder = folder or DEMO_CORPUS
    if not os.path.isdir(folder):
        raise InputError(folder, None, "no such corpus folder; pass --corpus DIR (a folder with train.txt and "
                                       "test.txt), or leave --corpus out for the corpus that ships with ngramlm")
    corpus = load_folder(folder)
    if quiet:
        warnings.simplefilter("ignore", EstimationWarning)
    order_list = sorted({int(o) for o in orders.split(",") if o.strip()})
    counts = count_files([corpus.train], max(order_list), Vocabulary(), quiet=True)
    click.echo(f"corpus {folder}: {counts.total(1):,} training tokens (with <s> and </s>); test {corpus.test}")
    click.echo(f"{'model':32s} {'order':>5s} {'n-grams':>9s} {'test ppl':>9s} {'ppl1':>9s} {'seconds':>8s}")
    for order in order_list:
        # Lower-order counts do not depend on the highest order counted, so one counting pass serves all.
        sub = NgramCounts(counts.vocab, counts.ngrams[:order], counts.counts[:order])
        for label, method, interpolate in METHODS:
            start = time.perf_counter()
            params = {"delta": 0.1} if method == "additive" else {}
            model = estimate(sub, method, interpolate=interpolate, unk=True, gtmin=1, **params)
            result = evaluate_text(model, corpus.test, options=PplOptions(unk_is_word=True)).srilm
            seconds = time.perf_counter() - start
            click.echo(f"{label:32s} {order:5d} {sum(model.sizes()):9,d} {result.ppl:9.2f} {result.ppl1:9.2f} "
                       f"{seconds:8.2f}")
    truth = true_perplexity_line(folder)
    if truth:
        click.echo(f"{'true source (the grammar itself)':32s} {'-':>5s} {'-':>9s} {float(truth):9.2f}")
