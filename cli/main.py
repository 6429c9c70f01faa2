"""`ngramlm`: the toolkit's modern command line. Subcommands live in their own modules and register here."""
from __future__ import annotations

import importlib

import click

from ngramlm.cli.common import verbose_option

# (module in ngramlm.cli, click command object name); a module is imported only when its command runs.
SUBCOMMANDS = {
    "demo": ("demo", "demo"),
    "corpus": ("corpus", "corpus"),
    "train": ("train", "train"),
    "neural": ("neural", "neural"),
    "compare": ("compare", "compare"),
    "count": ("count", "count"),
    "prune": ("prune", "prune"),
    "mix": ("mix", "mix"),
    "generate": ("generate", "generate"),
    "degeneration": ("degeneration", "degeneration"),
    "build-binary": ("build_binary", "build_binary"),
    "fst": ("fst", "fst"),
    "eval": ("eval", "eval_command"),
    "classes": ("classes", "classes"),
    "segment": ("segment", "segment"),
    "prepare": ("prepare", "prepare"),
    "stats": ("stats", "stats"),
    "draw": ("draw", "draw"),
    "filter": ("filter", "filter_command"),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used (keeps --help fast and
    lets the n-gram commands work without the optional neural extra installed)."""

    def list_commands(self, ctx):
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx, name):
        if name not in SUBCOMMANDS:
            return None
        module, attr = SUBCOMMANDS[name]
        return getattr(importlib.import_module(f"ngramlm.cli.{module}"), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="ngramlm")
@verbose_option
def cli():
    """ngramlm: classical n-gram language models (counting, smoothing, ARPA, perplexity, fast queries) and
    neural baselines beside them."""
