"""The text as the compiled counter reads it: word ids with the sentence markers written in (_count.mark_text),
kept in memory up to a limit and in a temporary file beyond, with the number of windows that start with each word.

In: batches of (word ids, sentence lengths). Out: one uint32 array (or memory map) padded for count_marked, and
the windows per first word that windows.count_text cuts its ranges by.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from .._ext import _count
from ..core.vocab import ID_DTYPE


class MarkedText:
    """The text as the compiled counter reads it (see _count.mark_text), built batch by batch, with the number of
    windows that start with each word. It is written in place into one array (sized from `size_hint` entries
    where known, and doubled when full), up to `limit` bytes, and goes to a temporary file beyond, which the
    counting passes then read through a memory map."""

    def __init__(self, limit: int, temp_dir: str | None, size_hint: int = 0):
        self.limit, self.temp_dir = limit, temp_dir
        self._size_hint = min(size_hint, limit // ID_DTYPE().itemsize)
        self._buffer = np.empty(0, dtype=ID_DTYPE)
        self._used = 0
        self._file = None
        self.path: str | None = None
        # first_words[w + 1]: the windows that start with word w; first_words[0]: the sentence ends.
        self.first_words = np.zeros(0, dtype=np.int64)

    def add(self, words: np.ndarray, lengths: np.ndarray, sos: bool, eos: bool) -> None:
        bins = max(int(words.max()) + 2 if len(words) else 0, 4)
        if bins > len(self.first_words):
            grown = np.zeros(max(bins, len(self.first_words) * 5 // 4), dtype=np.int64)
            grown[:len(self.first_words)] = self.first_words
            self.first_words = grown
        room = len(words) + (1 + sos + eos) * len(lengths)
        if self._file is not None:
            marked = np.empty(room, dtype=ID_DTYPE)
            marked[:_count.mark_text(words, lengths, sos, eos, marked, self.first_words)].tofile(self._file)
            return
        self._reserve(self._used + room)
        self._used += _count.mark_text(words, lengths, sos, eos, self._buffer[self._used:], self.first_words)
        if self._used * ID_DTYPE().itemsize > self.limit:
            fd, self.path = tempfile.mkstemp(prefix="ngramlm-text-", suffix=".u32", dir=self.temp_dir)
            self._file = os.fdopen(fd, "wb")
            self._buffer[:self._used].tofile(self._file)
            self._buffer = np.empty(0, dtype=ID_DTYPE)

    def _reserve(self, entries: int) -> None:
        if entries > len(self._buffer):
            grown = np.empty(max(entries, 2 * len(self._buffer), self._size_hint, 1 << 16), dtype=ID_DTYPE)
            grown[:self._used] = self._buffer[:self._used]
            self._buffer = grown

    def finish(self, order: int) -> np.ndarray:
        """The whole text, followed by `order` zeros (count_marked reads past a window's sentence end)."""
        padding = np.zeros(order, dtype=ID_DTYPE)
        if self._file is None:
            self._reserve(self._used + order)
            self._buffer[self._used:self._used + order] = padding
            return self._buffer[:self._used + order]
        padding.tofile(self._file)
        self._file.close()
        return np.memmap(self.path, dtype=ID_DTYPE, mode="r")

    def remove(self) -> None:
        self._buffer = np.empty(0, dtype=ID_DTYPE)
        if self._file is not None:
            self._file.close()
            os.unlink(self.path)
            self._file = None
