"""`ngramlm compare`: n-gram and neural models on one corpus folder, one table (Markdown and CSV), one plot."""
from __future__ import annotations

import sys

import click

from ngramlm.corpora.reader import TextOptions

from ngramlm.cli.common import report_errors


def _fractions(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers such as 0.1,0.3,1, got {text!r}") from None


@click.command()
@click.argument("corpus", type=click.Path(exists=True, file_okay=False))
@click.option("--ngram", "ngram_specs", multiple=True,
              help="N-gram model METHOD:ORDER[:OPTIONS], e.g. kn:3, mkn:5, wb:3, kn:3:backoff (repeatable).")
@click.option("--neural", "neural_specs", multiple=True,
              help="Neural model KIND[:KEY=VALUE,...], e.g. lstm, ffnn:order=5, transformer:layers=2 (repeatable).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="A file of model lines ('ngram kn:3', 'neural lstm:hidden=200'); '#' starts a comment.")
@click.option("--out", "out_dir", required=True,
              help="Folder for results.md, results.csv, learning_curves.png and work/ (trained models).")
@click.option("--fractions", default="0.1,0.3,1", help="Prefixes of train.txt for the learning curves.")
@click.option("--neural-fractions", default=None,
              help="Fractions the neural models are trained on (default: all of --fractions).")
@click.option("--context", type=click.Choice(["stream", "sentence"]), default="stream",
              help="Neural context: stream carries it across sentences, sentence restarts at <s> as n-grams do.")
@click.option("--device", default="auto", help="auto (cuda if available, else cpu), cpu, cuda or cuda:N.")
@click.option("--tolower", is_flag=True,
              help="Lower-case the text (every Unicode capital; SRILM's -tolower lowers A-Z only).")
@click.option("--plot/--no-plot", default=True, help="Draw learning_curves.png (needs matplotlib).")
@click.option("--reuse-only", is_flag=True,
              help="Score the neural checkpoints in OUT/work as they stand; train nothing further.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@report_errors
def compare(corpus, ngram_specs, neural_specs, config_path, out_dir, fractions, neural_fractions, context, device,
            tolower, plot, reuse_only, quiet):
    """Train and evaluate n-gram and neural models on CORPUS (a folder with train.txt, valid.txt, test.txt).

    Writes one table (model, parameters or n-grams, file size, training time, perplexities, OOV rate) as
    Markdown and CSV, a plot of test perplexity against training tokens, and the interpolation of the best
    n-gram model with each neural model (weight tuned on valid by EM). Needs the neural extra (PyTorch).
    """
    from ngramlm.apps.compare import run_comparison

    ngram_specs, neural_specs = list(ngram_specs), list(neural_specs)
    if config_path:
        with open(config_path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                fields = line.split("#", 1)[0].split()
                if not fields:
                    continue
                if len(fields) != 2 or fields[0] not in ("ngram", "neural"):
                    raise click.UsageError(f"{config_path}:{lineno}: expected 'ngram SPEC' or 'neural SPEC'")
                (ngram_specs if fields[0] == "ngram" else neural_specs).append(fields[1])
    comparison = run_comparison(
        corpus, out_dir, ngram_specs, neural_specs, fractions=_fractions(fractions),
        neural_fractions=_fractions(neural_fractions), context=context, device=device,
        options=TextOptions(tolower=tolower), quiet=quiet, log=sys.stderr, plot=plot,
        reuse_only=reuse_only)
    with open(f"{out_dir}/results.md", encoding="utf-8") as f:
        click.echo(f.read(), nl=False)
    if not quiet:
        click.echo(f"{len(comparison.results)} results in {out_dir}/results.csv", err=True)
