"""Opening files the way the field expects: compressed by extension, '-' for standard streams, and outputs
written atomically (to a temporary file in the same folder, renamed into place only when complete), so an
interrupted run never leaves a half-written model behind.

Reading text, below every room that reads it (the vocabulary, the corpus reader, counting, count files): UTF-8
lines one at a time with their numbers (iter_lines), or blocks of whole lines as bytes for the compiled readers
(read_blocks, decode_block); decoding and I/O failures become InputError naming the file and line.

In:  paths (plain, .gz, .bz2, .xz by extension; '-' for standard input or output).
Out: byte or UTF-8 text streams; (line number, line) pairs (iter_lines); (block of whole lines, number of its first
     line) pairs (read_blocks); a file renamed into place only once its block completes (atomic_write).
Reading streams: one line (iter_lines) or one block (read_blocks) is held at a time.
"""
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
from typing import Iterator

from .errors import InputError

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


def open_text(path: str, errors: str = "strict"):
    """Open a (possibly compressed) text file, or standard input for '-', as UTF-8 text."""
    try:
        raw = open_binary(path)
    except OSError as exc:
        raise InputError(path, None, f"cannot open: {exc.strerror or exc}") from None
    return io.TextIOWrapper(raw, encoding="utf-8", errors=errors, newline=None)


def iter_lines(path: str, errors: str = "strict") -> Iterator[tuple[int, str]]:
    """Yield (line number, line) of a text file, turning decoding and I/O failures into InputError.

    Lines are decoded one at a time (not in blocks) so that an invalid byte is reported at its own line.
    """
    lineno = 0
    try:
        raw = open_binary(path)
    except OSError as exc:
        raise InputError(path, None, f"cannot open: {exc.strerror or exc}") from None
    try:
        for lineno, data in enumerate(raw, 1):
            try:
                yield lineno, data.decode("utf-8", errors)
            except UnicodeDecodeError as exc:
                raise InputError(
                    path, lineno, f"invalid UTF-8 ({exc.reason} at byte {exc.start} of the line); "
                    "convert the file to UTF-8, or pass --errors replace to substitute the bad bytes"
                ) from None
    except (OSError, EOFError) as exc:  # truncated or corrupt compressed files land here
        raise InputError(path, lineno + 1, f"cannot read: {exc}") from None
    finally:
        if path != "-":
            raw.close()


# Whole-block reading, for the compiled counting and count-file readers: bytes, not lines, so that the
# compiled code sees each byte once; a block's first line number lets an error name its line.
def read_blocks(path: str, block_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Blocks of whole lines of a (possibly compressed) file, or of standard input for '-', with the number of the
    first line of each (only \n ends a line, as in SRILM and iter_lines)."""
    try:
        raw = open_binary(path)
    except OSError as exc:
        raise InputError(path, None, f"cannot open: {exc.strerror or exc}") from None
    lineno, carry = 1, b""
    try:
        while data := raw.read(block_bytes):
            data = carry + data
            cut = data.rfind(b"\n") + 1
            block, carry = data[:cut], data[cut:]
            if block:
                yield block, lineno
                lineno += block.count(b"\n")
        if carry:
            yield carry, lineno
    except (OSError, EOFError) as exc:  # truncated or corrupt compressed files land here
        raise InputError(path, lineno, f"cannot read: {exc}") from None
    finally:
        if path != "-":
            raw.close()


def decode_block(data: bytes, errors: str, path: str, lineno: int) -> str:
    """UTF-8 text of `data` (lines from line `lineno` on); bad bytes name their line unless errors="replace"."""
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        line = lineno + data.count(b"\n", 0, exc.start)
        raise InputError(path, line, f"invalid UTF-8 ({exc.reason}); convert the file to UTF-8, or pass "
                                     "--errors replace to substitute the bad bytes") from None
