"""`ngram -lm model.bin`: a binary model (ngramlm build-binary, or KenLM's build_binary) scored through its hash
index (ngramlm.use.index_scorer), for -ppl, -counts and the N-best options; and `ngram -lm model.arpa -ppl`
read straight into the same index (arpa_index) when no other option asks for the model's n-gram rows.

A binary holds hashed tables, not the model's n-gram rows, so the options that change or rewrite the model, or
read it into another vocabulary, are refused with a one-line error that names the option and asks for the ARPA
file. The -ppl report is SRILM's, as for an ARPA model; what may differ is in ngramlm.use.index_scorer. An ARPA
file read into the index is scored by ngramlm.use.scoring.IndexBackoffScorer: its report is the BackoffModel
path's, byte for byte.
"""
from __future__ import annotations

import math
import sys

import click

from click.core import ParameterSource

from ngramlm.core.errors import InputError, ModelError
from ngramlm.core.vocab import UNK, UNK_ID
from ngramlm.use.index_scorer import IndexScorer, load_index
from ngramlm.use.ppl_report import PplOptions, ppl_counts_file, ppl_file
from ngramlm.use.scoring import IndexBackoffScorer

from ngramlm.cli.ngram_nbest import run_nbest
from ngramlm.cli.srilm_text import readable_input

# The options that need the model's n-gram rows (or its ARPA vocabulary), with their default values.
NEEDS_ROWS = {"vocab": None, "limit_vocab": False, "tolower": False, "write_lm": None, "write_bin_lm": None,
              "mix_lm": None, "renorm": False, "prune": 0.0, "prune_history_lm": None, "prune_lowprobs": False, "gen": 0,
              "gen_prefixes": None, "classes": None, "expand_classes": None, "bayes": None, "rescore_ngram": None,
              "tagged": False, **{f"mix_lm{i}": None for i in range(2, 10)}}


def check_options(lm: str, params: dict) -> None:
    """One line naming the first option a binary model cannot serve."""
    for name, default in NEEDS_ROWS.items():
        if params.get(name, default) != default:
            raise ModelError(f"-{name.replace('_', '-')} needs the model's n-grams, which the binary file {lm} "
                             "holds only as hash tables: use the ARPA file it was built from")
    if params.get("map_unk", UNK) != UNK:
        raise ModelError(f"-map-unk: the unknown word of the binary file {lm} was fixed when it was built: use the "
                         "ARPA file it was built from")


# The options of `ngram -lm model.arpa` that the ARPA file read into the hash index serves (those of -ppl and
# -counts); any other option given on the command line sends the file through the BackoffModel (cli/ngram.py).
INDEX_OPTIONS = frozenset({"version", "lm", "order", "ppl", "counts", "count_order", "debug", "unk", "no_sos",
                           "no_eos", "escape", "write_vocab", "quiet", "unk_prob", "skipoovs", "reverse", "errors",
                           "verbose"})


def arpa_index(lm: str, ctx: click.Context):
    """The ARPA file `lm` read into the query index (ngramlm.use.query.Model), when only INDEX_OPTIONS are given;
    else None, and None where the index cannot take the file (words that are not UTF-8, an order above its limit,
    a Stupid Backoff file, whose warning the BackoffModel path prints, or a fault in the file, which that path
    then reports as it always has)."""
    if lm == "-" or any(ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)
                        for name in ctx.params if name not in INDEX_OPTIONS):
        return None
    from ngramlm.formats.score_marker import holds_scores
    from ngramlm.use.query import Model

    if holds_scores(lm):
        return None
    try:
        return Model(lm, quiet=ctx.params["quiet"])
    except (InputError, ModelError):
        return None


def run_binary(lm: str, params: dict, model_scorer_options: dict, wrapped, index=None) -> None:
    """ngram's run for a binary -lm, or for the `index` an ARPA -lm was read into (arpa_index): read (with
    -debug 1's `reading` lines), cut to -order, score through `wrapped(index scorer)`: the scorer with the options
    an ARPA model's gets too (-multiwords, -cache, -unk-prob, -skipoovs; cli/ngram.py). The warnings come in the
    BackoffModel path's order."""
    if index is None:
        check_options(lm, params)
        index = load_index(lm)
    scorer_of = IndexBackoffScorer if IndexBackoffScorer.serves(index) else IndexScorer
    order, debug, quiet = params["order"], params["debug"], params["quiet"]
    if debug >= 1:
        keep = order or 3
        for k, count in enumerate(index.sizes(), 1):
            click.echo(f"{'reading' if k <= keep else 'skipping'} {count} {k}-grams", err=True)
    if not params["unk"] and not quiet and scorer_of(index).score(UNK_ID, [])[0] > -math.inf:
        click.echo(f"ngram: warning: {lm} gives {UNK} a non-zero probability, so unknown words are scored with it; "
                   "pass -unk to declare the model open-vocabulary", err=True)
    if order is None:
        order = min(3, index.order)  # SRILM's default -order
        if index.order > order and not quiet:
            click.echo(f"ngram: warning: {lm} has order {index.order} but only its n-grams up to order {order} are "
                       f"used (SRILM's default -order 3); pass -order {index.order} to use them all", err=True)
    elif order > index.order:
        raise ModelError(f"-order {order} asks for more than the model has: {lm} is a {index.order}-gram model; "
                         f"pass -order {index.order} or less")
    scorer = scorer_of(index, order)
    if params["write_vocab"]:
        scorer.vocab.write(params["write_vocab"], srilm_pause=True)
    unk = params["unk"] or params["unk_prob"] is not None
    scorer = wrapped(scorer)
    if params["ppl"] or params["counts"]:
        options = PplOptions(sos=not params["no_sos"], eos=not params["no_eos"], escape=params["escape"],
                             debug=min(debug, 3), unk_is_word=unk, errors=params["errors"], reverse=params["reverse"])
        if params["ppl"]:
            ppl_file(scorer, readable_input(params["ppl"]), options, sys.stdout, sys.stderr, quiet=quiet)
        if params["counts"]:
            ppl_counts_file(scorer, readable_input(params["counts"]), options, params["count_order"] or None,
                            sys.stdout, sys.stderr)
    run_nbest(scorer, model_scorer_options, unk=unk, escape=params["escape"], errors=params["errors"],
              sos=not params["no_sos"], eos=not params["no_eos"])
