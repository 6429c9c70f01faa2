"""Opening files the way the field expects: compressed by extension, '-' for standard streams, and outputs
written atomically (to a temporary file in the same folder, renamed into place only when complete), so an
interrupted run never leaves a half-written model behind."""
from __future__ import annotations

import bz2
import contextlib
import functools
import gzip
import io
import lzma
import os
import sys
import tempfile

# gzip at level 6, the gzip command's default: Python's default of 9 takes twice the time for 1% smaller files.
_OPENERS = {".gz": functools.partial(gzip.open, compresslevel=6), ".bz2": bz2.open, ".xz": lzma.open}


def _opener(path: str):
    return _OPENERS.get(os.path.splitext(path)[1].lower(), open)


def open_binary(path: str):
    """Open a file for reading bytes, decompressing by extension; '-' is standard input."""
    if path == "-":
        return sys.stdin.buffer
    return _opener(path)(path, "rb")


def _umask() -> int:
    """The process's umask (read by setting it, then setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w", encoding: str = "utf-8"):
    """Write `path` through a temporary file that is renamed into place only if the block succeeds.

    Compresses by extension; '-' writes to standard output. Text mode unless `mode` is 'wb'.
    """
    binary = "b" in mode
    if path == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as exc:
        from .errors import InputError

        raise InputError(path, None, f"cannot write: {exc.strerror or exc} (does the folder exist, and may you "
                         "write there?)") from None
    os.close(fd)
    try:
        opener = _opener(path)
        if opener is open:
            f = open(tmp, "wb" if binary else "w", encoding=None if binary else encoding, newline=None if binary else "\n")
        else:
            raw = opener(tmp, "wb")
            f = raw if binary else io.TextIOWrapper(raw, encoding=encoding, newline="\n")
        with f:
            yield f
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp made it private; a model is shared as any new file is
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
