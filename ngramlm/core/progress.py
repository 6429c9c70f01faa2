"""Progress on standard error for long work (counting, estimation, training).

Shown only when standard error is a terminal and the user did not ask for quiet (-q); a log file or a CI run
gets no carriage-return noise.
"""
from __future__ import annotations

import sys
import time


class Progress:
    """A one-line counter: `with Progress("counting", unit="tokens") as p: p.update(n)`."""

    def __init__(self, label: str, *, unit: str = "", total: int | None = None, quiet: bool = False,
                 stream=None, interval: float = 0.5):
        self.label, self.unit, self.total = label, unit, total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval
        self.done = 0
        self._start = self._last = time.monotonic()

    def __enter__(self):
        return self

    def update(self, amount: int = 1) -> None:
        self.done += amount
        now = time.monotonic()
        if self.enabled and now - self._last >= self.interval:
            self._last = now
            self._draw(now)

    def _draw(self, now: float, end: str = "") -> None:
        rate = self.done / max(now - self._start, 1e-9)
        of_total = f"/{self.total:,}" if self.total else ""
        self.stream.write(f"\r{self.label}: {self.done:,}{of_total} {self.unit} ({rate:,.0f} {self.unit}/s){end}")
        self.stream.flush()

    def __exit__(self, *exc):
        if self.enabled:
            self._draw(time.monotonic(), end="\n")
        return False
