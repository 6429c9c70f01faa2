"""`ngramlm prune`: shrink an ARPA model by relative-entropy pruning (Stolcke 1998, as SRILM's `ngram -prune`),
count cut-offs and removal of n-grams no better than backing off; report sizes and perplexities before and
after."""
from __future__ import annotations

import click

from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.formats.countfile import read_counts
from ngramlm.core.errors import ModelError
from ngramlm.use.mix import score_text
from ngramlm.use.prune import prune_by_count, prune_entropy, prune_low_probs

from ngramlm.cli.common import checks_outputs, report_errors


def _min_counts(text: str | None, order: int) -> list[int] | None:
    """'1 1 2' or '1,1,2' -> [1, 1, 2]; the last value repeats for higher orders."""
    if text is None:
        return None
    try:
        values = [int(v) for v in text.replace(",", " ").split()]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give one minimum count per order, e.g. '1 1 2'") from None
    if not values:
        raise click.BadParameter("give at least one minimum count")
    return (values + [values[-1]] * order)[:order]


@click.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--threshold", type=float, default=0.0, show_default=True,
              help="Relative-entropy pruning: drop n-grams whose removal raises perplexity by less than this "
                   "(relative; e.g. 1e-8). 0: off.")
@click.option("--min-order", default=2, show_default=True,
              help="Prune only n-grams at least this long (SRILM -minprune).")
@click.option("--history-lm", type=click.Path(dir_okay=False), default=None,
              help="Model of order N-1 giving the history marginals P(h) (SRILM -prune-history-lm).")
@click.option("--lowprobs", is_flag=True, help="Also drop n-grams whose probability is below the backed-off estimate.")
@click.option("--counts", "counts_file", type=click.Path(dir_okay=False), default=None,
              help="Count file (w1 .. wn<TAB>count) for --min-counts.")
@click.option("--min-counts", default=None, help="Count cut-offs per order, e.g. '1 1 2' (needs --counts).")
@click.option("--test", "test_files", multiple=True, type=click.Path(dir_okay=False),
              help="Text to measure perplexity on before and after (repeatable).")
@report_errors
@checks_outputs("output")
def prune(model, output, threshold, min_order, history_lm, lowprobs, counts_file, min_counts, test_files):
    """Prune MODEL (an ARPA file) and write the result to OUTPUT, printing sizes and perplexities."""
    original = read_arpa(model)
    cutoffs = _min_counts(min_counts, original.order)
    if (cutoffs is None) != (counts_file is None):
        raise ModelError("--min-counts and --counts go together: the cut-offs need the training counts")
    pruned = original
    if cutoffs is not None:
        pruned = prune_by_count(pruned, read_counts(counts_file, original.vocab, original.order), cutoffs, min_order)
    if threshold > 0:
        history = read_arpa(history_lm, original.vocab) if history_lm else None
        pruned = prune_entropy(pruned, threshold, min_order, history)
    if lowprobs:
        pruned = prune_low_probs(pruned, min_order)
    write_arpa(pruned, output)

    click.echo(f"{'order':>5} {'before':>10} {'after':>10} {'kept':>7}")
    for n, (before, after) in enumerate(zip(original.sizes(), pruned.sizes()), 1):
        click.echo(f"{n:>5} {before:>10,} {after:>10,} {after / max(before, 1):>7.1%}")
    if test_files:
        scores = score_text([original, pruned], list(test_files))
        for name, weights in (("before", [1, 0]), ("after", [0, 1])):
            result = scores.perplexity(weights)
            click.echo(f"{name}: logprob= {result['logprob']:.7g} ppl= {result['ppl']:.7g} ppl1= {result['ppl1']:.7g}"
                       f" ({result['oovs']} OOVs, {result['zeroprobs']} zeroprobs)")
