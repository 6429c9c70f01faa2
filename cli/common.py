"""What every command shares: turning toolkit errors into a one-line message and exit status 1."""
from __future__ import annotations

import functools
import sys

import click

from ngramlm.core.errors import NgramlmError


def report_errors(func):
    """Run a command body; an NgramlmError or a broken pipe ends it with a message, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NgramlmError as exc:
            prog = click.get_current_context().find_root().info_name or "ngramlm"
            click.echo(f"{prog}: error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(141)

    return wrapper
