"""Progress on standard error for long work (counting, estimation, training), drawn by tqdm: a bar with the
percentage, rate and time left where the total is known, a count and rate where it is not.

Shown only when standard error is a terminal and the user did not ask for quiet (-q); a log file or a CI run
gets no carriage-return noise. Whatever is shown, each finished stage is logged at INFO level on the "ngramlm"
logger (its size and time), which -v/--verbose shows.
"""
from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger("ngramlm")


def _columns(stream) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


class Progress:
    """A progress bar: `with Progress("counting", unit="tokens", total=n) as p: p.update(k)`."""

    def __init__(self, label: str, *, unit: str = "", total: int | None = None, quiet: bool = False,
                 stream=None, interval: float = 0.5):
        self.label, self.unit, self.total = label, unit, total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = 0
        self._start = time.monotonic()
        self._bar = None
        if self.enabled:
            from tqdm import tqdm  # imported only where a bar is drawn: a script or a test pays nothing

            width = _columns(self.stream)  # 0 where the terminal does not say (a bare pseudo-terminal)
            self._bar = tqdm(desc=label, total=total or None, unit=f" {unit}" if unit else "it",
                             unit_scale=total is None or total >= 10_000,  # 1.5M tokens, but 3/5 orders
                             file=self.stream, mininterval=interval, dynamic_ncols=bool(width),
                             ncols=None if width else 80)

    def __enter__(self):
        return self

    def update(self, amount: int = 1) -> None:
        self.done += amount
        if self._bar is not None:
            self._bar.update(amount)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        log.info("%s: %s %s in %.2f s", self.label, f"{self.done:,}", self.unit, time.monotonic() - self._start)
        return False
