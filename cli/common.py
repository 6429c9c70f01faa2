"""What every command shares: one error boundary (report_errors) that turns whatever stops a command into one
line `prog: error: FILE: what happened` and a non-zero exit; outputs checked before the work (checks_outputs);
-v/--verbose logging (configure_logging).

The traceback is shown only when asked for, with NGRAMLM_DEBUG=1.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import lzma
import os
import sys
import warnings
import zlib

import click

from ngramlm.core.errors import NgramlmError
from ngramlm.core.io import FULL_DISK_ERRNOS, check_output

DEBUG_VARIABLE = "NGRAMLM_DEBUG"


def describe(exc: BaseException) -> str:
    """The one-line message for an exception that ended a command: the file where one is known, then what
    happened and, where it helps, what to do."""
    if isinstance(exc, NgramlmError):
        return str(exc)
    if isinstance(exc, MemoryError):  # numpy's ArrayMemoryError included
        detail = str(exc).split(" for an array")[0]
        return (f"out of memory{f' ({detail})' if detail else ''}: free memory, raise the limit (ulimit -v), or "
                "make the job smaller (a lower order, count cut-offs, pruning, a smaller text)")
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):  # its stack did not fit
        return "out of memory: cannot start a thread; free memory or raise the limit (ulimit -v)"
    if isinstance(exc, OSError) and exc.filename is None and exc.errno in FULL_DISK_ERRNOS:
        # Output files name themselves (atomic_write): this is standard output or a spill to the temporary folder.
        return (f"cannot write: {exc.strerror} (standard output or the temporary folder: TMPDIR, or -T where the "
                "command has it)")
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename2 is None else f"{exc.filename} -> {exc.filename2}"
        what = exc.strerror or str(exc)
        return f"{where}: {what}" if where is not None else what
    if isinstance(exc, (lzma.LZMAError, zlib.error, EOFError)):
        return f"cannot read a compressed input ({exc or type(exc).__name__}); is it truncated or corrupt?"
    if isinstance(exc, OverflowError):
        return f"a number is out of range ({exc})"
    return (f"internal error: {type(exc).__name__}: {exc} (a bug: set {DEBUG_VARIABLE}=1 to see where, and "
            "please report it)")


def _program() -> str:
    context = click.get_current_context(silent=True)
    return (context.find_root().info_name if context else None) or "ngramlm"


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning that a command does not report in its own words: one line `prog: warning: what`, without
    Python's file and line of the code that warned (they mean nothing to a user)."""
    click.echo(f"{_program()}: warning: {message}", err=True)


def report_errors(func):
    """Run a command body; anything that stops it ends it with one line on standard error, never a traceback
    (unless NGRAMLM_DEBUG=1): status 1 for errors, 130 for Ctrl-C, 141 for a closed pipe."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                return func(*args, **kwargs)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # click's own: usage errors and exits, reported by click
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, and keep Python from failing again on flushing stdout.
            with contextlib.suppress(OSError, ValueError):  # standard output may be no file (a test's buffer)
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:
            if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
                raise
            click.echo(f"{_program()}: error: {describe(exc)}", err=True)
            sys.exit(1)

    wrapper.reports_errors = True  # tests/test_cli_errors.py checks that every command has the boundary
    return wrapper


def checks_outputs(*names: str):
    """Check the output files named by these parameters before the command's work starts (check_output): a
    folder, a missing folder or one without write permission is an error at once, not after the training.
    Goes under @report_errors, so that its errors are reported as the command's."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for name in names:
                value = kwargs.get(name)
                for path in value if isinstance(value, (list, tuple)) else [value]:
                    if path:
                        check_output(path)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def configure_logging(verbosity: int) -> None:
    """-v: the stages and their times (INFO); -vv: DEBUG too; on standard error, through the logging module (a
    handler on the "ngramlm" logger, so that an application's own logging setup is left alone)."""
    if verbosity <= 0:
        return
    log = logging.getLogger("ngramlm")
    log.handlers = [h for h in log.handlers if not getattr(h, "from_verbose_flag", False)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    handler.from_verbose_flag = True
    log.addHandler(handler)
    log.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)


def verbose_option(func):
    """The -v/--verbose flag (repeatable), applied before the command runs."""

    def callback(ctx, param, value):
        configure_logging(value)
        return value

    return click.option("-v", "--verbose", count=True, expose_value=False, is_eager=True, callback=callback,
                        help="Log the stages and their times on standard error (-vv: more).")(func)
