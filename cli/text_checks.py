"""Warnings about input text that the commands which count words share (one line each, on standard error)."""
from __future__ import annotations

from typing import Iterable

import click

from ngramlm.corpora.unsegmented import file_looks_unsegmented


def warn_if_unsegmented(paths: Iterable[str], errors: str = "strict") -> list[str]:
    """Warn about each text file whose first lines look unsegmented (Chinese without spaces, one long token a
    line); standard input is not checked. Returns the warnings given."""
    warnings = []
    for path in paths:
        message = file_looks_unsegmented(path, errors)
        if message:
            click.echo(f"warning: {message}", err=True)
            warnings.append(message)
    return warnings
