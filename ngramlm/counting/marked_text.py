"""The text as the compiled counter reads it: word ids with the sentence markers written in (_count.mark_text),
kept in memory up to a limit and in a temporary file beyond, with the number of windows that start with each word.

In: batches of (word ids, sentence lengths, whether the last sentence ends). Out: one uint32 array (or memory
map) padded for count_marked, and the windows per first word that windows.count_text cuts its ranges by.
"""
from __future__ import annotations

import os

import numpy as np

from .._ext import _count
from ..core.vocab import ID_DTYPE
from ..core.workdir import make_work_folder, remove_work_folder

# Entries relabelled at a time (bounds the temporaries of `relabel`).
_RELABEL_ENTRIES = 1 << 20


class MarkedText:
    """The text as the compiled counter reads it (see _count.mark_text), built batch by batch, with the number of
    windows that start with each word. It is written in place into one array (sized from `size_hint` entries
    where known, and doubled when full), up to `limit` bytes, and goes to a file beyond, which the counting
    passes then read through a memory map. The file is in a working folder of its own (core.workdir), so that
    a killed run leaves nothing behind."""

    def __init__(self, limit: int, temp_dir: str | None, size_hint: int = 0):
        self.limit, self.temp_dir = limit, temp_dir
        self._size_hint = min(size_hint, limit // ID_DTYPE().itemsize)
        self._buffer = np.empty(0, dtype=ID_DTYPE)
        self._used = 0
        self._file = None
        self._folder: str | None = None
        self.path: str | None = None
        # first_words[w + 1]: the windows that start with word w; first_words[0]: the sentence ends.
        self.first_words = np.zeros(0, dtype=np.int64)

    def add(self, words: np.ndarray, lengths: np.ndarray, sos: bool, eos: bool, last_ends: bool = True) -> None:
        """Add sentences, markers written as `sos`/`eos` ask; `last_ends` False: the last one gets no </s> (lmplz's
        last line without a newline: see corpora.reader.TextOptions.open_last_line)."""
        if not last_ends:
            cut = len(words) - int(lengths[-1])
            self.add(words[:cut], lengths[:-1], sos, eos)
            self.add(words[cut:], lengths[-1:], sos, False)
            return
        bins = max(int(words.max()) + 2 if len(words) else 0, 4)
        if bins > len(self.first_words):
            grown = np.zeros(max(bins, len(self.first_words) * 5 // 4), dtype=np.int64)
            grown[:len(self.first_words)] = self.first_words
            self.first_words = grown
        room = len(words) + (1 + sos + eos) * len(lengths)
        if self._file is None and (self._used + room) * ID_DTYPE().itemsize > self.limit:
            self._to_file()  # before the array outgrows the limit
        if self._file is not None:
            marked = np.empty(room, dtype=ID_DTYPE)
            written = _count.mark_text(words, lengths, sos, eos, marked, self.first_words)
            marked[:written].tofile(self._file)
            self._used += written
            return
        self._reserve(self._used + room)
        self._used += _count.mark_text(words, lengths, sos, eos, self._buffer[self._used:], self.first_words)

    def _to_file(self) -> None:
        self._folder = make_work_folder("ngramlm-text-", self.temp_dir)
        self.path = os.path.join(self._folder, "text.u32")
        self._file = open(self.path, "w+b")  # read back by relabel
        self._buffer[:self._used].tofile(self._file)
        self._buffer = np.empty(0, dtype=ID_DTYPE)

    def _reserve(self, entries: int) -> None:
        if entries > len(self._buffer):
            # Doubled, but not past the limit (the text goes to the file beyond it).
            most = max(entries, self.limit // ID_DTYPE().itemsize)
            grown = np.empty(min(max(entries, 2 * len(self._buffer), self._size_hint, 1 << 16), most), dtype=ID_DTYPE)
            grown[:self._used] = self._buffer[:self._used]
            self._buffer = grown

    def relabel(self, new_ids: np.ndarray) -> None:
        """Give every word w the id new_ids[w] (a permutation of the ids; before `finish`), so that counting
        sorts the n-grams by the new ids; `first_words` follows."""
        table = np.empty(len(new_ids) + 1, dtype=ID_DTYPE)
        table[0] = 0  # the sentence ends stay 0
        table[1:] = new_ids + 1
        words = len(new_ids)
        before = np.zeros(max(len(self.first_words), words + 1), dtype=np.int64)
        before[:len(self.first_words)] = self.first_words
        moved = np.zeros_like(before)
        moved[0] = before[0]
        moved[table[1:].astype(np.int64)] = before[1:words + 1]
        self.first_words = moved
        if self._file is None:
            for start in range(0, self._used, _RELABEL_ENTRIES):
                piece = self._buffer[start:min(start + _RELABEL_ENTRIES, self._used)]
                np.take(table, piece, out=piece)
            return
        # On file: read and written back a piece at a time (a writable memory map's pages would be memory).
        self._file.flush()
        fd = self._file.fileno()
        item = ID_DTYPE().itemsize
        for start in range(0, self._used, _RELABEL_ENTRIES):
            piece = np.empty(min(_RELABEL_ENTRIES, self._used - start), dtype=ID_DTYPE)
            _read_exactly(fd, piece, start * item)
            np.take(table, piece, out=piece)
            os.pwrite(fd, memoryview(piece).cast("B"), start * item)

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
            self._file = None
        if self._folder is not None:
            remove_work_folder(self._folder)
            self._folder = None


def _read_exactly(fd: int, out: np.ndarray, offset: int) -> None:
    view = memoryview(out).cast("B")
    while len(view):
        got = os.preadv(fd, [view], offset)
        if got <= 0:
            raise OSError("the counting text file ended early")
        view, offset = view[got:], offset + got
