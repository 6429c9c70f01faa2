"""Arrays larger than memory kept in a working file: rows of a fixed width appended a slice at a time, then read
back by row number a slice at a time. The one reader of the passes that hold more than memory on disk: the
counts and columns of lmplz's estimation on disk (smoothing.lmplz_on_disk) and the sorted runs of counts merged
within a budget (counting.sorted_runs).

The rows are read with pread, not memory-mapped: mapped pages would count as the process's memory, which is
what the budget bounds.

In:  a path (in a folder of core.workdir), a dtype and a row width; arrays of rows appended in order.
Out: rows start..stop-1 as a new array (read); the file closed (close) or removed (discard).
"""
from __future__ import annotations

import contextlib
import os

import numpy as np


class RowFile:
    """An array of rows of `width` values of `dtype` in the file `path` (made anew, or emptied): `append` adds
    rows at the end, `read` gives any stretch of them back; `rows` is how many there are."""

    def __init__(self, path: str, dtype, width: int = 1):
        self.dtype, self.width = np.dtype(dtype), width
        self.row_bytes = self.dtype.itemsize * width
        self.rows = 0
        self._file = open(path, "w+b")

    def append(self, values: np.ndarray) -> None:
        """Rows after the last: an array of `width` values a row (or of single values for width 1)."""
        values = np.ascontiguousarray(values, dtype=self.dtype)
        if values.size:
            self._file.write(memoryview(values.reshape(-1)).cast("B"))
        self.rows += len(values)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows start..stop-1, those there are (a 1-D array for width 1, else one of `width` columns)."""
        stop = min(stop, self.rows)
        out = np.empty((max(stop - start, 0), self.width), dtype=self.dtype)
        if out.size:  # (memoryview cannot cast an empty array)
            self._file.flush()
            view, offset = memoryview(out).cast("B"), start * self.row_bytes
            while len(view):
                got = os.preadv(self._file.fileno(), [view], offset)
                if got <= 0:
                    raise OSError(f"{self._file.name}: ended early")
                view, offset = view[got:], offset + got
        return out[:, 0] if self.width == 1 else out

    def close(self) -> None:
        """Close the file (which is then removed with its folder). Nothing reads it after this, and every read
        flushes what was appended first: a flush that fails here (the disk full, which an append or read has
        already reported) loses nothing, and must not keep the folder from being removed."""
        with contextlib.suppress(OSError):
            self._file.close()  # (the descriptor is closed even where the flush fails)

    def discard(self) -> None:
        """Close and remove the file, once nothing reads it again (its disk space back before its folder goes)."""
        self._file.close()
        os.remove(self._file.name)
