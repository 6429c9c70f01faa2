"""Progress on standard error for long work (counting, estimation, training), drawn by tqdm: a bar with the
percentage, rate and time left where the total is known, a count and rate where it is not.

Shown only when standard error is a terminal and the user did not ask for quiet (-q); a log file or a CI run
gets no carriage-return noise. Whatever is shown, each finished stage is logged at INFO level on the "ngramlm"
logger (its size and time), which -v/--verbose shows.

Callers update once per block of work (a block of the input read, a slice of n-grams written, a batch of
sentences scored), never per line, so that the bar costs nothing measurable. Reading files (FileProgress) counts
bytes of the files on disk: for a compressed file, how far its decompressor has read into it.
"""
from __future__ import annotations

import logging
import os
import stat
import sys
import time
from typing import Callable, Iterable

log = logging.getLogger("ngramlm")


def _columns(stream) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


class Progress:
    """A progress bar: `with Progress("counting", unit="tokens", total=n) as p: p.update(k)`.

    `total` may be a function, called only where a bar is drawn (a count that costs a pass over a file); unit
    "bytes" shows KB, MB, ... A bar with a total is drawn with its percentage, rate and time left."""

    def __init__(self, label: str, *, unit: str = "", total: int | Callable[[], int | None] | None = None,
                 quiet: bool = False, stream=None, interval: float = 0.5):
        self.label, self.unit = label, unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total = (total() if self.enabled else None) if callable(total) else total
        self.done = 0
        self._start = time.monotonic()
        self._bar = None
        if self.enabled:
            from tqdm import tqdm  # imported only where a bar is drawn: a script or a test pays nothing

            width = _columns(self.stream)  # 0 where the terminal does not say (a bare pseudo-terminal)
            size = {"unit": "B", "unit_scale": True, "unit_divisor": 1024} if unit == "bytes" else {
                "unit": f" {unit}" if unit else "it",
                "unit_scale": self.total is None or self.total >= 100}  # 1.5M tokens, but 3/5 orders
            self._bar = tqdm(desc=label, total=self.total or None, file=self.stream, mininterval=interval,
                             dynamic_ncols=bool(width), ncols=None if width else 80, **size)

    def __enter__(self):
        return self

    def update(self, amount: int = 1) -> None:
        self.done += amount
        if self._bar is not None:
            self._bar.update(amount)

    def update_to(self, done: int) -> None:
        """Set the amount done so far (where the caller knows a position rather than a step)."""
        self.update(done - self.done)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        log.info("%s: %s %s in %.2f s", self.label, f"{self.done:,}", self.unit, time.monotonic() - self._start)
        return False


def _size(path: str) -> int | None:
    """The bytes of a regular file, None for anything else (standard input, a pipe, a missing file)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size if path != "-" and stat.S_ISREG(info.st_mode) else None


class FileProgress(Progress):
    """Progress through reading files one after the other, in bytes on disk (so a percentage where their sizes
    are known). The reader calls `read(raw, handed)` after each block it reads from `raw` (what open_binary
    opened), `handed` being the bytes it has taken from `raw` so far, and `finish_file` once a file is read."""

    def __init__(self, label: str, paths: Iterable[str], *, quiet: bool = False, stream=None,
                 interval: float = 0.5):
        self._sizes = [_size(path) for path in paths]
        known = None if None in self._sizes else sum(self._sizes)  # type: ignore[arg-type]
        super().__init__(label, unit="bytes", total=known, quiet=quiet, stream=stream, interval=interval)
        self._before = 0  # bytes of the files already read
        self._files = 0

    def read(self, raw, handed: int) -> None:
        self.update_to(self._before + _position(raw, handed))

    def finish_file(self, raw, handed: int) -> None:
        """The whole file is read: its size counts (a decompressor or a parser may stop short of its last bytes)."""
        size = self._sizes[self._files] if self._files < len(self._sizes) else None
        self.update_to(self._before + (size if size is not None else _position(raw, handed)))
        self._before = self.done
        self._files += 1


def _position(raw, handed: int) -> int:
    """How far reading has come in the file under `raw`: the offset of its descriptor (for a compressed file,
    the decompressor's place in the compressed bytes; buffered read-ahead makes it at most a buffer early), or
    the bytes handed out where the descriptor has no offset (a pipe)."""
    try:
        return os.lseek(raw.fileno(), 0, os.SEEK_CUR)
    except (AttributeError, OSError, ValueError):
        return handed


def count_lines(path: str) -> int | None:
    """The lines of a plain file (a last line without its newline counted), for a bar's total; None for standard
    input and compressed files (which would have to be read twice)."""
    if path == "-" or path.lower().endswith((".gz", ".bz2", ".xz")) or _size(path) is None:
        return None
    lines, last = 0, b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")
