"""SRILM's option tables (ngram, ngram-count, ngram-class 1.7.3) and the click command class that checks a command
line against them before click parses it.

Click reads `-use-server` as the short option `-u` and says "No such option '-u'", which names the wrong flag.
`SrilmCommand` scans the arguments first: a flag of SRILM's that ngramlm does not implement gets
`ngram: -use-server is a SRILM option that ngramlm does not support (REASON)`, any other unknown flag
`ngram: unknown option -foo`; both exit with status 1, as SRILM's own option parser does. Arguments that are no
option's are ignored, as SRILM ignores them. While a SRILM command runs, lines that begin with "##" in the texts,
counts, vocabularies, classes, N-best lists and ARPA models it reads are comments, as SRILM's File class skips
them (core.io.srilm_reading).
"""
from __future__ import annotations

import sys

import click

from ngramlm.core.io import srilm_reading

# The option names of SRILM 1.7.3's Option tables (lm/src/ngram.cc, ngram-count.cc, ngram-class.cc), without "-".
_NGRAM = """version order debug skipoovs df tagged factored skip hiddens hidden-vocab hidden-not classes simple-classes
expand-classes expand-exact stop-words decipher unk nonull map-unk zeroprob-word unk-prob tolower multiwords ppl
text-has-weights escape counts counts-entropy count-order float-counts use-server cache-served-ngrams server-port
server-maxclients gen gen-prefixes seed vocab vocab-aliases nonevents limit-vocab codebook write-codebook
write-with-codebook quantize lm bayes bayes-scale mix-lm lambda mix-lm2 mix-lambda2 mix-lm3 mix-lambda3 mix-lm4
mix-lambda4 mix-lm5 mix-lambda5 mix-lm6 mix-lambda6 mix-lm7 mix-lambda7 mix-lm8 mix-lambda8 mix-lm9 mix-lambda9
context-priors loglinear-mix read-mix-lms maxent mix-maxent maxent-convert-to-arpa null cache cache-lambda dynamic
hmm count-lm msweb-lm adapt-mix adapt-decay adapt-iters adapt-marginals base-marginals adapt-marginals-beta
adapt-marginals-ratios dynamic-lambda reverse no-sos no-eos rescore-ngram write-lm write-bin-lm write-oldbin-lm
write-vocab renorm minbackoff prune minprune prune-lowprobs prune-history-lm memuse nbest nbest-files
split-multiwords multi-char write-nbest-dir decipher-nbest max-nbest no-reorder rescore decipher-lm decipher-order
decipher-nobackoff decipher-lmw decipher-wtw rescore-lmw rescore-wtw noise noise-vocab help"""

_NGRAM_COUNT = """version order varprune debug recompute sort write-order tag text text-has-weights
text-has-weights-last no-sos no-eos read intersect read-with-mincounts read-google write write1 write2 write3 write4
write5 write6 write7 write8 write9 write-binary gtmin gtmax gt1min gt1max gt2min gt2max gt3min gt3max gt4min gt4max
gt5min gt5max gt6min gt6max gt7min gt7max gt8min gt8max gt9min gt9max gt gt1 gt2 gt3 gt4 gt5 gt6 gt7 gt8 gt9
cdiscount cdiscount1 cdiscount2 cdiscount3 cdiscount4 cdiscount5 cdiscount6 cdiscount7 cdiscount8 cdiscount9
ndiscount ndiscount1 ndiscount2 ndiscount3 ndiscount4 ndiscount5 ndiscount6 ndiscount7 ndiscount8 ndiscount9
addsmooth addsmooth1 addsmooth2 addsmooth3 addsmooth4 addsmooth5 addsmooth6 addsmooth7 addsmooth8 addsmooth9
wbdiscount wbdiscount1 wbdiscount2 wbdiscount3 wbdiscount4 wbdiscount5 wbdiscount6 wbdiscount7 wbdiscount8
wbdiscount9 kndiscount kndiscount1 kndiscount2 kndiscount3 kndiscount4 kndiscount5 kndiscount6 kndiscount7
kndiscount8 kndiscount9 ukndiscount ukndiscount1 ukndiscount2 ukndiscount3 ukndiscount4 ukndiscount5 ukndiscount6
ukndiscount7 ukndiscount8 ukndiscount9 kn kn1 kn2 kn3 kn4 kn5 kn6 kn7 kn8 kn9 kn-counts-modified
kn-modify-counts-at-end interpolate interpolate1 interpolate2 interpolate3 interpolate4 interpolate5 interpolate6
interpolate7 interpolate8 interpolate9 lm write-binary-lm init-lm unk map-unk meta-tag float-counts tagged count-lm
skip skip-init em-iters em-delta stop-words maxent maxent-alpha maxent-sigma2 maxent-convert-to-arpa tolower
trust-totals prune minprune vocab vocab-aliases nonevents limit-vocab write-vocab write-vocab-index write-text
memuse help"""

_NGRAM_CLASS = """version debug vocab tolower noclass-vocab counts text numclasses full incremental interact
class-counts classes read save save-maxclasses maxwordsperclass help"""

SRILM_OPTIONS = {
    "ngram": frozenset(_NGRAM.split()),
    "ngram-count": frozenset(_NGRAM_COUNT.split()),
    "ngram-class": frozenset(_NGRAM_CLASS.split()),
}

# Why an option of SRILM's is not implemented, by option; the README's table of unsupported options is this one.
_SERVER = "network LM server and client; ngramlm has no server mode"
_MODEL_TYPE = "a model type ngramlm does not implement"
_MAXENT = "maximum-entropy models are not implemented"
_QUANTIZE = "quantised (codebook) models are not implemented"
_ADAPT = "adaptive mixtures and marginal adaptation are not implemented"
_MULTIWORD = "alias vocabularies and non-event word lists are not implemented"
_NBEST_EXTRA = "noise vocabularies are not implemented"
REASONS = {
    **dict.fromkeys(["use-server", "cache-served-ngrams", "server-port", "server-maxclients"], _SERVER),
    **dict.fromkeys(["df", "factored", "skip", "hiddens", "hidden-vocab", "hidden-not", "stop-words", "decipher",
                     "null", "dynamic", "dynamic-lambda", "hmm", "count-lm", "msweb-lm", "nonull", "skip-init",
                     "em-iters", "em-delta", "init-lm", "varprune"], _MODEL_TYPE),
    **dict.fromkeys(["maxent", "mix-maxent", "maxent-convert-to-arpa", "maxent-alpha", "maxent-sigma2"], _MAXENT),
    **dict.fromkeys(["codebook", "write-codebook", "write-with-codebook", "quantize"], _QUANTIZE),
    **dict.fromkeys(["adapt-mix", "adapt-decay", "adapt-iters", "adapt-marginals", "base-marginals",
                     "adapt-marginals-beta", "adapt-marginals-ratios", "context-priors", "bayes-scale",
                     "loglinear-mix", "read-mix-lms"], _ADAPT),
    **dict.fromkeys(["vocab-aliases", "nonevents"], _MULTIWORD),
    **dict.fromkeys(["noise", "noise-vocab"], _NBEST_EXTRA),
    **dict.fromkeys(["write-oldbin-lm", "write-binary", "read-google", "write-vocab-index", "write-text"],
                    "SRILM's binary and Google-format files are not written"),
    "memuse": "SRILM's memory accounting has no counterpart",
    "minbackoff": "not implemented",
    "zeroprob-word": "not implemented",
    "counts-entropy": "not implemented",
    # ngram's (ngram-count has them): weighted -ppl text and fractional -counts
    "text-has-weights": "weighted text is not implemented in ngram (ngram-count has it)",
    "float-counts": "fractional counts are not implemented in ngram (ngram-count has them)",
    "intersect": "not implemented",
    "recompute": "not implemented",
    "trust-totals": "not implemented",
    "kn-counts-modified": "not implemented",
    "kn-modify-counts-at-end": "not implemented",
    "ndiscount": "natural discounting is not implemented",
    **{f"ndiscount{n}": "natural discounting is not implemented" for n in range(1, 10)},
}


def unsupported_options(tool: str, command: click.Command) -> dict[str, str]:
    """SRILM's options of `tool` that `command` does not accept, with the reason for each."""
    accepted = {name.lstrip("-") for param in command.params for name in param.opts + param.secondary_opts}
    accepted.add("help")
    return {name: REASONS.get(name, "not implemented") for name in sorted(SRILM_OPTIONS[tool] - accepted)}


def _takes_value(param: click.Parameter) -> bool:
    return isinstance(param, click.Option) and not param.is_flag and not param.count


class SrilmCommand(click.Command):
    """A click command whose unknown flags are named in full (see the module docstring). `srilm_tool` is the
    SRILM program whose option table the flags are checked against."""

    srilm_tool = "ngram"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options: dict[str, bool] = {}
        for param in self.params:
            for name in param.opts + param.secondary_opts:
                options[name] = _takes_value(param)
        for name in self.get_help_option_names(ctx):
            options[name] = False
        skip = False
        kept = []  # SRILM's tools ignore arguments that are no option's (scripts such as make-batch-counts pass some)
        for arg in args:
            if skip:
                skip = False
                kept.append(arg)
                continue
            if arg == "--":
                break
            if arg in options:
                skip = options[arg]
                kept.append(arg)
                continue
            if not arg.startswith("-") or arg == "-" or is_number(arg):
                continue
            name = arg.lstrip("-").split("=", 1)[0]
            if name in SRILM_OPTIONS[self.srilm_tool]:
                reason = REASONS.get(name, "not implemented")
                message = f"{self.srilm_tool}: {arg} is a SRILM option that ngramlm does not support ({reason})"
            else:
                message = f"{self.srilm_tool}: unknown option {arg} ({self.srilm_tool} -help lists the options)"
            click.echo(message, err=True)
            sys.exit(1)
        return super().parse_args(ctx, kept)

    def invoke(self, ctx: click.Context):
        with srilm_reading():  # files are read as SRILM's File class reads them: "##" lines are comments
            return super().invoke(ctx)


def is_number(text: str) -> bool:
    """Whether an argument is a number (a value, such as -0.5, never an option)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def srilm_command(tool: str):
    """click.command(cls=...) for SRILM tool `tool`, with SRILM's -help."""

    class Command(SrilmCommand):
        srilm_tool = tool

    return click.command(cls=Command, context_settings={"help_option_names": ["-help", "--help", "-h"],
                                                        "show_default": True})
