"""`ngramlm train`: text in, ARPA model out, with KenLM's defaults (interpolated modified Kneser-Ney exactly as
`lmplz` estimates it, no count cut-offs, <unk> in the model) and every other smoothing method a flag away."""
from __future__ import annotations

import os
import resource
import warnings

import click

from ngramlm import smoothing
from ngramlm.formats.arpa import write_arpa
from ngramlm.corpora.reader import TextOptions
from ngramlm.counting.corpus_count import count_files
from ngramlm.counting.memory import DEFAULT_MEMORY, counting_budget, parse_memory
from ngramlm.core.errors import ModelError, NgramlmError
from ngramlm.core.progress import Progress
from ngramlm.smoothing.lmplz_on_disk import LmplzConfig, train_lmplz
from ngramlm.smoothing.modified_kneser_ney_discounts import FALLBACK_DISCOUNTS
from ngramlm.smoothing.stupid_backoff import SCORES_COMMENT, stupid_backoff
from ngramlm.core.vocab import Vocabulary

from ngramlm.cli.common import checks_outputs, report_errors
from ngramlm.cli.text_checks import warn_if_unsegmented
from ngramlm.cli.lmplz_flags import GreedyOption, lmplz_options, lmplz_settings, writes_arpa

LMPLZ = "lmplz"
STUPID_BACKOFF = "stupid-backoff"


def _parse_size(ctx, param, text: str | None) -> int | None:
    """Bytes from lmplz-style sizes: 512M, 8G, 1.5T, or a percentage of physical memory (80%); the unit is required
    (parse_memory would take a bare number as bytes, where lmplz reads other units)."""
    if text is None:
        return None
    size = None
    if not text.strip()[-1:].isdigit():
        try:
            size = parse_memory(text)
        except NgramlmError:
            pass
    if size is None:
        raise click.BadParameter(f"{text!r} is not a size; give one such as 512M, 8G or 80% (of physical memory)")
    return size


def _parse_discounts(ctx, param, text: str | None) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        return tuple(float(v) for v in text.replace(",", " ").split())
    except ValueError:
        raise click.BadParameter(f"{text!r}: give one to three numbers, e.g. '0.5 1 1.5'") from None


def _parse_params(ctx, param, pairs: tuple[str, ...]) -> dict[str, object]:
    """--param NAME=VALUE pairs as keyword arguments: numbers become int or float, the rest stays text."""
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE")
        params[name] = _number_or_text(value)
    return params


def _number_or_text(value: str):
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    return value


def _limit_memory(size: int) -> None:
    """Let the process grow by at most `size` bytes of address space from here on, so that running out ends
    with MemoryError (reported as an error) rather than with the machine swapping."""
    try:
        with open("/proc/self/status") as f:
            held = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except OSError:  # no /proc (not Linux): count from zero
        held = 0
    resource.setrlimit(resource.RLIMIT_AS, (held + size, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _discount_text(discounts) -> str:
    return f"D1={discounts[1]:g} D2={discounts[2]:g} D3+={discounts[3]:g}"


@click.command(context_settings={"show_default": True})
@click.option("--order", "-o", type=click.IntRange(1, 255), required=True, help="Order N of the model (N-grams).")
@click.option("--text", "texts", multiple=True, required=True, metavar="PATH",
              help="Training text, one sentence per line (.gz/.bz2/.xz by extension, - for stdin); repeat for "
                   "several files.")
@click.option("--arpa", default="-", metavar="PATH",
              help="Where to write the ARPA model (compressed by extension; - is stdout).")
@click.option("--method", type=click.Choice([LMPLZ, STUPID_BACKOFF, *smoothing.METHODS]), default=LMPLZ,
              help="Smoothing method: 'lmplz' is interpolated modified Kneser-Ney exactly as KenLM's lmplz; "
                   "'stupid-backoff' is Brants et al. (2007)'s scores (not probabilities: no perplexity); the "
                   "others are SRILM's (ngramlm.smoothing.estimate), here without count cut-offs (set them with "
                   "--param gtmin=N).")
@click.option("--interpolate/--backoff", default=None, show_default=False,
              help="Interpolated or back-off estimates [default: interpolated, where the method interpolates at all; "
                   "lmplz always does].")
@click.option("--vocab", "vocab_path", metavar="PATH",
              help="Closed vocabulary, one word per line: other words count as <unk> [default: every word of "
                   "the text].")
@click.option("--unk/--no-unk", default=True,
              help="Keep <unk> in the model (an open vocabulary) or leave out every n-gram containing it.")
@click.option("--discount-fallback", "--discount_fallback", "discount_fallback", is_flag=False,
              flag_value=" ".join(f"{d:g}" for d in FALLBACK_DISCOUNTS), default=None, metavar="D1 [D2 [D3+]]",
              cls=GreedyOption,
              callback=_parse_discounts,
              help="lmplz: where Kneser-Ney discounts cannot be estimated (tiny or artificial data), warn and use "
                   "these (given alone: '0.5 1 1.5') instead of stopping.  [default: stop]")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", callback=_parse_params,
              help="Extra parameter of the smoothing method (passed to ngramlm.smoothing.estimate); repeatable.")
@click.option("--tolower", is_flag=True,
              help="Lower-case the text before counting (every Unicode capital; SRILM's -tolower lowers "
                   "A-Z only).")
@click.option("--memory", "-S", "memory", metavar="SIZE", callback=_parse_size,
              help="lmplz's -S: the memory counting may use (512M, 8G, 80%; at least 1M), spilling to --temp-dir "
                   "beyond it; the other methods stop with an error rather than grow by more than SIZE "
                   "[default: no limit].")
@click.option("--temp-dir", "-T", "temp_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Where lmplz keeps its counts and intermediate files while it trains [default: the system's "
                   "temporary folder].")
@click.option("--quiet", "-q", is_flag=True, help="No progress or statistics on stderr (warnings still show).")
@click.option("--workers", type=click.IntRange(1), metavar="N",
              help="Train on a local Dask cluster of N worker processes (lmplz and stupid-backoff; needs "
                   "pip install \"ngramlm[dask]\").")
@click.option("--scheduler", metavar="ADDRESS",
              help="Train on the running Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); its workers "
                   "must read the --text files at the same paths.")
@click.option("--release-stages", is_flag=True,
              help="On Dask: free each stage's results once the next stage has them (less memory per worker; a "
                   "worker lost mid-run costs a longer recomputation, from the counting on).")
@lmplz_options
@report_errors
@checks_outputs("arpa")
def train(order, texts, arpa, method, interpolate, vocab_path, unk, discount_fallback, params, tolower, memory,
          temp_dir, quiet, workers, scheduler, release_stages, **lmplz_flags):
    """Train an n-gram model on text and write it in ARPA format.

    With no options beyond --order and --text this is KenLM's `lmplz -o N`: the same n-grams and the same
    probabilities and back-off weights (to float precision). Like lmplz, it keeps the counts on disk (in
    --temp-dir) and writes the model as it computes it, so that it needs memory for a few numbers per n-gram
    of two orders only; the n-grams of each order are written in the order of their word ids. The other
    methods estimate in memory and write n-grams in SRILM's order.

    Text is read as lmplz reads it, for every method: a blank line is an empty sentence (<s> </s>), where
    SRILM's ngram-count skips it, and a last line without a newline ends no sentence (no </s> after its words),
    where ngram-count ends it. lmplz's options are taken in its spellings (--prune 0 1 1,
    --limit_vocab_file, --interpolate_unigrams 0, --vocab_pad, --collapse_values, ...) and give its model.

    \b
    Examples:
      ngramlm train -o 3 --text train.txt --arpa lm.arpa.gz
      ngramlm train -o 5 --text a.txt --text b.txt --method witten-bell --backoff --arpa lm.arpa
      ngramlm train -o 5 --text big.txt --arpa lm.arpa --workers 8      # on a local Dask cluster
    """
    if memory is not None and method != LMPLZ:
        _limit_memory(memory)
    if method == LMPLZ and interpolate is False:
        raise ModelError("lmplz is always interpolated; for a back-off modified Kneser-Ney model use "
                         "--method modified-kneser-ney --backoff")
    if method == LMPLZ and params:
        raise ModelError(f"--param does not apply to lmplz (got {', '.join(params)}): it has no parameters and no "
                         "count cut-offs (gtmin); to leave out rare n-grams as lmplz does, use --prune")
    if method != LMPLZ and discount_fallback is not None:
        raise ModelError("--discount-fallback applies to --method lmplz only")
    if temp_dir is not None and not os.path.isdir(temp_dir):
        raise NgramlmError(f"{temp_dir}: no such folder (--temp-dir)")
    settings = lmplz_settings(lmplz_flags, method == LMPLZ)
    text_options = TextOptions(tolower=tolower, blank_lines=True, open_last_line=True,
                               skip_symbols=lmplz_flags["skip_symbols"])
    warn_if_unsegmented(texts)
    if method == STUPID_BACKOFF and (params or interpolate is not None):
        raise ModelError("stupid-backoff has no parameters and does not interpolate (its back-off factor is 0.4)")
    try:
        if workers is not None or scheduler is not None:
            _train_on_dask(LmplzConfig(texts, order, arpa, Vocabulary.read(vocab_path) if vocab_path else None,
                                       text_options, unk, discount_fallback, DEFAULT_MEMORY, temp_dir, quiet,
                                       **settings), method, workers, scheduler, release_stages)
            return
        if release_stages:
            raise ModelError("--release-stages applies to training on Dask (--workers, --scheduler) only")
        if method == STUPID_BACKOFF:
            _train_stupid_backoff(texts, order, vocab_path, text_options, unk, arpa, quiet)
            return
        if method == LMPLZ:
            # lmplz's -S: the budget of counting (its sort and each range's counts), which spills to --temp-dir
            # beyond it, rather than a limit on the whole process (which would refuse the reservations of memory
            # that counting makes and never touches).
            budget = parse_memory(DEFAULT_MEMORY) if memory is None else counting_budget(memory)
            _train_lmplz(LmplzConfig(texts, order, arpa if writes_arpa(lmplz_flags) else None,
                                     Vocabulary.read(vocab_path) if vocab_path else None,
                                     text_options, unk, discount_fallback, budget, temp_dir, quiet, **settings))
            return
        model = _train(texts, order, vocab_path, text_options, method, interpolate, unk, discount_fallback, params,
                       quiet)
        if not quiet:
            click.echo(f"writing {arpa}", err=True)
        write_arpa(model, arpa, quiet=quiet)
    except MemoryError:
        allowed = f"the {memory:,} bytes --memory allows" if memory is not None else "the memory of this machine"
        raise NgramlmError(f"out of memory: training needs more than {allowed}; lower the order or train on "
                           "less text") from None


def _count(texts, order, vocab_path, text_options, quiet):
    vocab = Vocabulary.read(vocab_path) if vocab_path else Vocabulary()
    return count_files(texts, order, vocab, text_options, quiet=quiet)  # its bar: the text's bytes read


def _train_lmplz(config: LmplzConfig):
    """lmplz's way (ngramlm.smoothing.lmplz_on_disk): the counts on disk, the n-grams and discounts of each
    order reported (unless quiet) before the model is computed and written."""
    def report(estimator):
        _report(caught, estimator.sizes(), [f"  {_discount_text(d)}" for d in estimator.discounts], config.quiet)
        caught.clear()
        if not config.quiet:
            click.echo(f"writing {config.arpa or config.intermediate + '.*'}", err=True)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", smoothing.EstimationWarning)
        train_lmplz(config, before_writing=report)


def _train_stupid_backoff(texts, order, vocab_path, text_options, unk, arpa, quiet):
    counts = _count(texts, order, vocab_path, text_options, quiet)
    model = stupid_backoff(counts, unk=unk)
    _report([], model.sizes(), [""] * model.order, quiet)
    _say_scores(arpa, quiet)
    write_arpa(model, arpa, preamble=SCORES_COMMENT, quiet=quiet)


def _say_scores(arpa, quiet):
    if not quiet:
        click.echo(f"writing {arpa}: Stupid Backoff scores, not probabilities (they do not sum to one, so "
                   "perplexity is not defined for this model)", err=True)


def _train_on_dask(config: LmplzConfig, method, workers, scheduler, release_stages=False):
    """The Dask path (ngramlm.distributed): a local cluster of `workers` processes, or the one at `scheduler`."""
    if method not in (LMPLZ, STUPID_BACKOFF):
        raise ModelError(f"--method {method} does not run on Dask (--workers, --scheduler): only lmplz and "
                         "stupid-backoff do; docs/scale_out.md says why")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise NgramlmError('--workers and --scheduler need Dask: pip install "ngramlm[dask]"') from None
    from ngramlm.distributed.pipeline import train_on_dask

    def report(run):
        _report(caught, run.sizes, [f"  {_discount_text(d)}" for d in run.discounts] or [""] * len(run.sizes),
                config.quiet)
        caught.clear()
        if method == STUPID_BACKOFF:
            _say_scores(config.arpa, config.quiet)
        elif not config.quiet:
            click.echo(f"writing {config.arpa}", err=True)

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise NgramlmError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        cluster = None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0")
        client = Client(cluster)
    try:
        if not config.quiet:
            click.echo(f"Dask: {len(client.scheduler_info()['workers'])} workers, dashboard at "
                       f"{client.dashboard_link}", err=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", smoothing.EstimationWarning)
            train_on_dask(client, config, method, keep_stages=not release_stages, before_writing=report)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _train(texts, order, vocab_path, text_options, method, interpolate, unk, fallback, params, quiet):
    """Count and estimate in memory with one of SRILM's methods."""
    counts = _count(texts, order, vocab_path, text_options, quiet)
    with warnings.catch_warnings(record=True) as caught, \
            Progress(f"estimating ({method})", unit="orders", total=counts.order, quiet=quiet) as progress:
        warnings.simplefilter("always", smoothing.EstimationWarning)
        # KenLM's defaults: no count cut-offs unless asked for.
        params = {"gtmin": 1, **params}
        model = smoothing.estimate(counts, method, interpolate=interpolate is not False, unk=unk, **params)
        progress.update(model.order)
    _report(caught, model.sizes(), [""] * model.order, quiet)
    return model


def _report(caught, sizes, statistics, quiet):
    """The estimation's warnings, then (unless quiet) the n-grams of each order with its statistics."""
    prog = click.get_current_context().find_root().info_name
    for warning in caught:
        click.echo(f"{prog}: warning: {warning.message}", err=True)
    if not quiet:
        for n, (size, detail) in enumerate(zip(sizes, statistics), 1):
            click.echo(f"{n}-grams: {size}{detail}", err=True)
