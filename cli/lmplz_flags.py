"""`ngramlm train`'s lmplz options, spelled as KenLM's lmplz spells them (--prune, --limit_vocab_file, ...; the
dashed spelling --limit-vocab-file is accepted too), and the LmplzConfig / TextOptions settings they ask for.

Model-changing options give lmplz's model (ngramlm.smoothing.lmplz_on_disk documents each); the ones that only
tune lmplz's memory blocks are accepted and ignored, since ngramlm sizes its own (-S still bounds memory). As in
lmplz, --prune and --discount_fallback take several values after one flag (`--prune 0 1 1`), which click cannot
express, so GreedyOption takes the numbers that follow.
"""
from __future__ import annotations

import click
from click.core import ParameterSource

from ngramlm.cli.srilm_options import is_number
from ngramlm.core.errors import ModelError
from ngramlm.core.io import check_output
from ngramlm.smoothing.lmplz_on_disk import read_word_list


class GreedyOption(click.Option):
    """An option that, like Boost's multitoken options, also takes the numbers that follow its value
    (`--prune 0 1 1`), joined by spaces into one value for its callback."""

    def add_to_parser(self, parser, ctx):
        result = super().add_to_parser(parser, ctx)
        for name in self.opts:
            option = parser._long_opt.get(name) or parser._short_opt.get(name)
            if option is None:
                continue
            take_value = option.process

            def process(value, state, take_value=take_value):
                # Without a value of its own (an optional-value option given alone) `value` is click's marker.
                values = [value] if isinstance(value, str) else []
                while state.rargs and is_number(state.rargs[0]):
                    values.append(state.rargs.pop(0))
                take_value(" ".join(values) if values else value, state)

            option.process = process
        return result


def _parse_thresholds(ctx, param, text: str | None) -> tuple[int, ...]:
    if text is None:
        return ()
    try:
        return tuple(int(v) for v in text.replace(",", " ").split())
    except ValueError:
        raise click.BadParameter(f"{text!r}: give whole-number count thresholds, e.g. '0 1 1'") from None


def _parse_bool(ctx, param, text: str) -> bool:
    """Boost's spellings of a bool (lmplz --interpolate_unigrams 0)."""
    value = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
             "off": False}.get(str(text).lower())
    if value is None:
        raise click.BadParameter(f"{text!r} is not a truth value (1/0, true/false, yes/no, on/off)")
    return value


def _both(name: str) -> list[str]:
    """lmplz's spelling and the dashed one."""
    return [f"--{name}", f"--{name.replace('_', '-')}"] if "_" in name else [f"--{name}"]


_IGNORED = "Accepted for lmplz compatibility and ignored: it tunes lmplz's memory blocks only (ngramlm sizes its own)."

LMPLZ_OPTIONS = [
    click.option(*_both("prune"), "prune", cls=GreedyOption, default=None, metavar="'T1 T2 ...'",
                 callback=_parse_thresholds,
                 help="lmplz: leave out the n-grams whose count is at most T_n (one value per order, "
                      "non-decreasing, the last repeated for higher orders: '0 1 1' prunes singleton bigrams and "
                      "above). Pruned n-grams still count in the lower orders' statistics.  [default: no pruning]"),
    click.option(*_both("limit_vocab_file"), "limit_vocab_file", metavar="PATH",
                 help="lmplz: leave out every n-gram holding a word not in this white-space separated list "
                      "(<s>, </s>, <unk> are always kept); combines with --prune."),
    click.option(*_both("interpolate_unigrams"), "interpolate_unigrams", is_flag=False, flag_value="1", default="1",
                 metavar="BOOL", callback=_parse_bool,
                 help="lmplz: interpolate the unigrams with the uniform distribution (1), or give <unk> the whole "
                      "interpolation mass as SRILM does (0)."),
    click.option(*_both("skip_symbols"), "skip_symbols", is_flag=True,
                 help="Read <s>, </s> and <unk> in the text as white space (lmplz's --skip_symbols; without it "
                      "ngramlm reads them as SRILM does, where lmplz stops)."),
    click.option(*_both("vocab_pad"), "vocab_pad", type=click.IntRange(0), default=0,
                 help="lmplz: interpolate unigrams as if the vocabulary had at least this many words (the extra "
                      "ones unseen, like <unk>)."),
    click.option(*_both("collapse_values"), "collapse_values", is_flag=True,
                 help="lmplz: write each n-gram's probability and back-off as one value q that scores sentences "
                      "the same (Heafield, Koehn & Lavie 2012), with back-off 0."),
    click.option(*_both("verbose_header"), "verbose_header", is_flag=True,
                 help="lmplz: comment lines before \\data\\ with the input files, the token count and the "
                      "smoothing."),
    click.option(*_both("renumber"), "renumber", is_flag=True,
                 help="Accepted for lmplz compatibility: lmplz renumbers its word ids for the trie, which changes "
                      "only the order of the ARPA file's lines, not the model."),
    click.option(*_both("intermediate"), "intermediate", metavar="PREFIX",
                 help="lmplz: write KenLM's intermediate files PREFIX.{1..N,vocab,kenlm_intermediate} (the input of "
                      "KenLM's interpolate; word ids numbered as --renumber numbers them), and the ARPA model only "
                      "if --arpa is given."),
    click.option(*_both("vocab_estimate"), "vocab_estimate", type=click.IntRange(1), default=1000000,
                 help=_IGNORED),
    click.option(*_both("minimum_block"), "minimum_block", default="8K", metavar="SIZE", help=_IGNORED),
    click.option(*_both("sort_block"), "sort_block", default="64M", metavar="SIZE", help=_IGNORED),
    click.option(*_both("block_count"), "block_count", type=click.IntRange(1), default=2, help=_IGNORED),
]

def lmplz_options(command):
    """Decorate a click command with LMPLZ_OPTIONS."""
    for option in reversed(LMPLZ_OPTIONS):
        command = option(command)
    return command


# The settings that change an lmplz model (the others apply to every method, or to none).
_MODEL_FLAGS = ("prune", "limit_vocab_file", "vocab_pad", "collapse_values", "verbose_header", "intermediate")


def lmplz_settings(flags: dict, lmplz: bool) -> dict:
    """LmplzConfig fields from the parsed LMPLZ_OPTIONS (`flags`: their click names and values), checking that
    the model-changing ones are only given to the lmplz method (`lmplz`)."""
    if not lmplz:
        given = [name for name in _MODEL_FLAGS if flags[name]]
        if not flags["interpolate_unigrams"]:
            given.append("interpolate_unigrams")
        if given:
            raise ModelError(f"--{', --'.join(given)} appl{'ies' if len(given) == 1 else 'y'} to --method lmplz only")
    if flags["intermediate"] is not None:
        check_output(flags["intermediate"] + ".vocab")  # before the work, as for --arpa
    if flags["vocab_pad"] and not flags["interpolate_unigrams"]:
        raise ModelError("--vocab_pad requires --interpolate_unigrams be on (as in lmplz)")
    return {
        "prune": flags["prune"],
        "limit_vocab": read_word_list(flags["limit_vocab_file"]) if flags["limit_vocab_file"] else None,
        "interpolate_unigrams": flags["interpolate_unigrams"],
        "vocab_pad": flags["vocab_pad"],
        "collapse_values": flags["collapse_values"],
        "verbose_header": flags["verbose_header"],
        "intermediate": flags["intermediate"],
    }


def writes_arpa(flags: dict) -> bool:
    """Whether the ARPA model is written: as lmplz, not with --intermediate unless --arpa is given too."""
    given = click.get_current_context().get_parameter_source("arpa") is not ParameterSource.DEFAULT
    return flags["intermediate"] is None or given
