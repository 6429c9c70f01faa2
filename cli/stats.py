"""`ngramlm stats`: statistics of a training text (ngramlm.apps.stats)."""
from __future__ import annotations

import sys

import click

from ngramlm.apps.stats import StatsConfig, text_statistics
from ngramlm.corpora.reader import TextOptions

from ngramlm.cli.common import checks_outputs, report_errors


@click.command("stats")
@click.argument("texts", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--test", type=click.Path(dir_okay=False), default=None,
              help="Test text: n-gram coverage by order and OOV rate by vocabulary size.")
@click.option("--order", default=3, show_default=True, help="Highest n-gram order counted.")
@click.option("--max-count", default=10, show_default=True, help="Count-of-counts n_1 .. n_R up to this R.")
@click.option("--top-k", type=int, default=None, help="Vocabulary: the K most frequent words.")
@click.option("--min-count", type=int, default=None, help="Vocabulary: the words seen at least this often.")
@click.option("--write-vocab", type=click.Path(dir_okay=False), default=None,
              help="Write the vocabulary chosen by --top-k/--min-count (one word a line, SRILM's -vocab).")
@click.option("--plots", type=click.Path(file_okay=False), default=None,
              help="Folder for the Zipf, growth, discount and OOV plots (needs matplotlib).")
@click.option("--plot-format", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True)
@click.option("--tolower", is_flag=True,
              help="Lower-case the text (every Unicode capital; SRILM's -tolower lowers A-Z only).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@report_errors
@checks_outputs("write_vocab")
def stats(texts, test, order, max_count, top_k, min_count, write_vocab, plots, plot_format, tolower, quiet):
    """Statistics of the training text TEXTS (one sentence a line, tokens separated by spaces): tokens, types,
    type/token growth, count-of-counts per order with the Kneser-Ney discounts they give, coverage and OOV rate of
    a test text, and a vocabulary chosen by frequency."""
    if write_vocab and top_k is None and min_count is None:
        raise click.UsageError("--write-vocab needs --top-k or --min-count")
    config = StatsConfig(list(texts), test, order, max_count, top_k, min_count, write_vocab, plots, plot_format,
                         quiet, TextOptions(tolower=tolower))
    text_statistics(config, sys.stdout)
