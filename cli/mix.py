"""`ngramlm mix`: interpolate ARPA models linearly, with weights tuned by EM on held-out text (SRILM's
compute-best-mix) or given, and write them merged into one back-off model (SRILM's -mix-lm -write-lm)."""
from __future__ import annotations

import click

from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.core.errors import ModelError
from ngramlm.use.mix import estimate_mixture_weights, mix_models, normalise_weights, score_text
from ngramlm.core.vocab import Vocabulary

from ngramlm.cli.common import checks_outputs, report_errors


def _report(label: str, result: dict) -> None:
    click.echo(f"{label}: logprob= {result['logprob']:.7g} ppl= {result['ppl']:.7g} ppl1= {result['ppl1']:.7g}"
               f" ({result['oovs']} OOVs, {result['zeroprobs']} zeroprobs)")


@click.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the merged model here (ARPA; compressed by extension).")
@click.option("--dev", "dev_files", multiple=True, type=click.Path(dir_okay=False),
              help="Held-out text to tune the weights on by EM (repeatable).")
@click.option("--weights", default=None,
              help="Mixture weights, one per model ('0.6 0.4'); the starting point of EM when --dev is given. "
                   "Default: equal.")
@click.option("--tolerance", default=1e-7, show_default=True, help="EM stops when no weight moves more than this.")
@click.option("--test", "test_files", multiple=True, type=click.Path(dir_okay=False),
              help="Text to report perplexities on: each model, the mixture, and the merged model (repeatable).")
@report_errors
@checks_outputs("output")
def mix(models, output, dev_files, weights, tolerance, test_files):
    """Interpolate MODELS (ARPA files), tune the weights on --dev, and write the merged model to --output."""
    if len(models) < 2:
        raise ModelError("mixing needs at least two models")
    vocab = Vocabulary()
    components = [read_arpa(path, vocab) for path in models]
    if weights is None:
        lambdas = normalise_weights([1.0] * len(models), len(models))
    else:
        try:
            lambdas = normalise_weights([float(v) for v in weights.replace(",", " ").split()], len(models))
        except ValueError:
            raise click.BadParameter(f"{weights!r}: give one number per model", param_hint="--weights") from None

    if dev_files:
        dev = score_text(components, list(dev_files))
        lambdas, iterations = estimate_mixture_weights(dev.component_logprobs, lambdas, tolerance=tolerance)
        click.echo(f"EM converged in {iterations} iterations on {dev.component_logprobs.shape[1]:,} dev tokens")
        for i, path in enumerate(models):
            _report(f"dev {path}", dev.perplexity([1.0 if j == i else 0.0 for j in range(len(models))]))
        _report("dev mixture", dev.perplexity(lambdas))
    click.echo("weights: " + " ".join(f"{lam:.6f}" for lam in lambdas))

    merged = mix_models(components, lambdas) if output or test_files else None
    if output:
        write_arpa(merged, output)
        click.echo(f"merged model: {' '.join(f'ngram {n}={size}' for n, size in enumerate(merged.sizes(), 1))}")
    if test_files:
        test = score_text(components + [merged], list(test_files))
        count = len(components)
        for i, path in enumerate(models):
            _report(f"test {path}", test.perplexity([1.0 if j == i else 0.0 for j in range(count + 1)]))
        _report("test dynamic mixture", test.perplexity(list(lambdas) + [0.0]))
        _report("test merged model", test.perplexity([0.0] * count + [1.0]))
