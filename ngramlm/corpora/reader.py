"""Reading text: one sentence per line, whitespace-separated tokens (SRILM's convention).

Plain, .gz, .bz2 and .xz files are read by extension, '-' is standard input. Sentence markers are added as
SRILM adds them: <s> in front unless the line already starts with it, </s> at the end unless it already ends
with it. Empty lines are skipped. Undecodable bytes stop the run with the file and line, unless the caller asks
for them to be replaced (errors="replace").
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterable, Iterator

from ..core.errors import InputError
from ..core.io import open_binary
from ..core.vocab import BOS, EOS


def open_text(path: str, errors: str = "strict"):
    """Open a (possibly compressed) text file, or standard input for '-', as UTF-8 text."""
    try:
        raw = open_binary(path)
    except OSError as exc:
        raise InputError(path, None, f"cannot open: {exc.strerror or exc}") from None
    return io.TextIOWrapper(raw, encoding="utf-8", errors=errors, newline=None)


@dataclass(frozen=True)
class TextOptions:
    """How lines become sentences (SRILM: -no-sos, -no-eos, -tolower; and what to do with bad bytes)."""

    sos: bool = True
    eos: bool = True
    tolower: bool = False
    errors: str = "strict"  # "strict" stops at invalid UTF-8; "replace" substitutes U+FFFD


def add_markers(tokens: list[str], sos: bool = True, eos: bool = True) -> list[str]:
    """Add <s> and </s> around a sentence unless it already has them (as SRILM does)."""
    if sos and (not tokens or tokens[0] != BOS):
        tokens = [BOS] + tokens
    if eos and (not tokens or tokens[-1] != EOS):
        tokens = tokens + [EOS]
    return tokens


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


def read_sentences(path: str, options: TextOptions = TextOptions()) -> Iterator[list[str]]:
    """Yield the sentences of a text file as token lists, with markers added as `options` asks."""
    for _, line in iter_lines(path, options.errors):
        if options.tolower:
            line = line.lower()
        tokens = line.split()
        if tokens:
            yield add_markers(tokens, options.sos, options.eos)


def read_corpus(paths: Iterable[str], options: TextOptions = TextOptions()) -> Iterator[list[str]]:
    """Sentences of several files, in order."""
    for path in paths:
        yield from read_sentences(path, options)


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
