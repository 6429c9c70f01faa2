"""Counts added up within a memory budget: rows of n-grams sorted and summed a block at a time into sorted runs,
held in memory up to a share of the budget and spilled beyond to files of a working folder (core.workdir; per
order, one core.row_file.RowFile of rows and one of counts, run after run), then merged in the order of a count
file's walk (each n-gram just before its extensions) and handed to a sink a stretch at a time, so that neither
the rows nor the sums are ever held whole (SRILM's merge-batch-counts).

The runs are sorted under a key of the words: their ids, or (for -sort) their ranks in byte order. A key may be
given anew as the vocabulary grows, if it keeps the order of the words already there (ids do; byte-order ranks
do): the runs sorted under an earlier key are still sorted under the later one, so the merge reads every run
through the final key.

The merge takes, from a buffer of each run of each order, every row that comes no later in the walk than the
earliest of the buffers' last rows: the rows after a buffer come after its last row, so every row up to that
bound is there, and the run that set the bound empties its buffer (so each step makes progress).

In:  per order 1..N, unsorted (m, n) id arrays and their counts, each batch from a source (a file's number).
Out: sorted unique n-grams with summed counts, in key space, handed to a CountSink (see counts) stretch by
     stretch; RunsOverflow, with each source's total, where a sum passes MAX_COUNT.
"""
from __future__ import annotations

import os

import numpy as np

from ..core.index import sort_keys
from ..core.progress import Progress
from ..core.row_file import RowFile
from ..core.vocab import ID_DTYPE
from ..core.workdir import make_work_folder, remove_work_folder
from .counts import COUNT_DTYPE, CountOverflow, CountSink, sort_and_sum
from .merging import merge_runs

# Shares of the budget: the runs held in memory before they go to the file, the merge's buffers (one per run and
# order) and the merged rows gathered before the sink takes them. Sorting a batch takes about three times its
# size (see SortedRuns.batch_bytes).
_HELD_SHARE, _BUFFER_SHARE, _PENDING_SHARE = 4, 4, 8
# The most of a budget the runs use: larger runs save little time (merging 13.6M n-grams took 1.05x as long at 64M
# as at 2G, benchmarks/bench_merge_counts.py) and only raise the peak memory, which a default budget would double.
_MOST_USEFUL_BUDGET = 256 << 20
# The least rows a merge buffer reads at a time (many runs under a small budget would read too little).
_LEAST_BUFFER_ROWS = 1024


class RunsOverflow(CountOverflow):
    """An n-gram (word ids) whose counts add up past MAX_COUNT; `totals[source]`: its total in each source that
    has it (in one batch only, where the batch alone passes the limit)."""

    def __init__(self, ngram: np.ndarray, totals: dict[int, int]):
        super().__init__(ngram)
        self.totals = totals


class _Run:
    """One sorted run: per order, its rows and counts in memory, or (`starts`) from a row of the runs' files."""

    def __init__(self, source: int, grams: list[np.ndarray], counts: list[np.ndarray]):
        self.source = source
        self.grams: list[np.ndarray] | None = grams
        self.counts: list[np.ndarray] | None = counts
        self.sizes = [len(c) for c in counts]
        self.nbytes = sum(g.nbytes + c.nbytes for g, c in zip(grams, counts))
        self.starts: list[int] | None = None


class SortedRuns:
    """Sorted runs of n-grams of orders 1..`order` within `budget` bytes (see the module docstring): `add` batches,
    then `merge` them into a sink. A context manager: the working folder (made in `temp_dir` on the first spill)
    is removed on leaving."""

    def __init__(self, order: int, budget: int, temp_dir: str | None = None):
        self.order, self.budget, self.temp_dir = order, min(budget, _MOST_USEFUL_BUDGET), temp_dir
        self.runs: list[_Run] = []
        self._held = 0  # bytes of the runs in memory
        self._folder: str | None = None
        self._files: list[tuple[RowFile, RowFile]] | None = None  # per order, the spilled runs' rows and counts

    @property
    def batch_bytes(self) -> int:
        """The bytes of rows to gather before they are added as one batch (sorting takes about three times as
        much again)."""
        return max(1, self.budget // 8)

    @property
    def spilled(self) -> bool:
        return self._files is not None

    def __enter__(self) -> "SortedRuns":
        return self

    def __exit__(self, *exc) -> None:
        if self._files is not None:
            for grams_file, counts_file in self._files:
                grams_file.close()
                counts_file.close()
            remove_work_folder(self._folder)
            self._files = None

    def add(self, rows: list[tuple[np.ndarray, np.ndarray]], source: int, key: np.ndarray | None = None, *,
            presorted: bool = False) -> None:
        """A batch: rows[n - 1] the (m, n) ids and counts of order n, sorted under `key` (key[id]: the word's
        place; None: the ids) with equal n-grams summed, as a run of `source`. `presorted`: the rows of each order
        are already sorted and unique under the ids (counting's ranges), so only a key needs sorting."""
        inverse = None
        if key is not None:
            inverse = np.empty(len(key), dtype=ID_DTYPE)
            inverse[key] = np.arange(len(key), dtype=ID_DTYPE)
        grams_list, counts_list = [], []
        for n in range(1, self.order + 1):
            grams, counts = rows[n - 1] if n <= len(rows) else (np.empty((0, n), ID_DTYPE), np.empty(0))
            grams = np.asarray(grams, dtype=ID_DTYPE).reshape(-1, n)
            counts = np.asarray(counts, dtype=COUNT_DTYPE)
            if not (presorted and key is None):
                keyed = grams if key is None else key[grams].astype(ID_DTYPE)
                try:
                    keyed, counts = sort_and_sum(keyed, counts)
                except CountOverflow as exc:
                    ngram = exc.ngram if inverse is None else inverse[exc.ngram]
                    total = sum(counts[np.all(grams == ngram, axis=1)].tolist())
                    raise RunsOverflow(ngram, {source: total}) from None
                grams = keyed if inverse is None else inverse[keyed]
            grams_list.append(np.ascontiguousarray(grams))
            counts_list.append(np.ascontiguousarray(counts))
        run = _Run(source, grams_list, counts_list)
        self.runs.append(run)
        self._held += run.nbytes
        if self._held > self.budget // _HELD_SHARE:
            self._spill()

    def _spill(self) -> None:
        """Every run held in memory appended to the runs' files, and let go."""
        if self._files is None:
            self._folder = make_work_folder("ngramlm-runs-", self.temp_dir)  # removed by the next run if killed
            self._files = [(RowFile(os.path.join(self._folder, f"{n}-grams"), ID_DTYPE, n),
                            RowFile(os.path.join(self._folder, f"{n}-counts"), COUNT_DTYPE))
                           for n in range(1, self.order + 1)]
        for run in self.runs:
            if run.grams is None:
                continue
            run.starts = [grams_file.rows for grams_file, _ in self._files]
            for (grams_file, counts_file), grams, counts in zip(self._files, run.grams, run.counts):
                grams_file.append(grams)
                counts_file.append(counts)
            run.grams = run.counts = None
        self._held = 0

    def _rows(self, run: _Run, n: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows start..stop-1 of order n of a run, and their counts."""
        if run.grams is not None:
            return run.grams[n - 1][start:stop], run.counts[n - 1][start:stop]
        grams_file, counts_file = self._files[n - 1]
        first = run.starts[n - 1]
        return (grams_file.read(first + start, first + stop).reshape(-1, n),
                counts_file.read(first + start, first + stop))

    def rows(self) -> int:
        """The rows of every run (the n-grams before equal ones of different runs are summed)."""
        return sum(sum(run.sizes) for run in self.runs)

    def merge(self, sink: CountSink, vocab_size: int, key: np.ndarray | None = None,
              progress: Progress | None = None) -> None:
        """Hand every n-gram of the runs, equal ones summed, to `sink` in the walk's order, in key space (key[id],
        or the ids where None; every id below vocab_size), as lists of (m, n) arrays and counts of orders
        1..order, stretch after stretch; `progress` is told of the runs' rows as they are merged. RunsOverflow
        where a sum passes MAX_COUNT."""
        readers = [_Reader(self, run, n, key, vocab_size) for n in range(1, self.order + 1) for run in self.runs
                   if run.sizes[n - 1]]
        for reader in readers:
            reader.rows = max(_LEAST_BUFFER_ROWS,
                              self.budget // _BUFFER_SHARE // max(1, len(readers)) // (4 * reader.n + 16))
        pending: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(self.order)]
        pending_bytes = 0
        while readers := [reader for reader in readers if reader.fill()]:
            bound = min(reader.last for reader in readers)
            targets = [_target(bound, n, vocab_size) for n in range(1, self.order + 1)]
            pieces: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(self.order)]
            for reader in readers:
                grams, counts = reader.take(*targets[reader.n - 1])
                if len(counts):
                    pieces[reader.n - 1].append((grams, counts))
                    if progress is not None:
                        progress.update(len(counts))
            for n, order_pieces in enumerate(pieces, 1):
                if not order_pieces:
                    continue
                try:
                    merged = merge_runs([g for g, _ in order_pieces], [c for _, c in order_pieces], n)
                except CountOverflow as exc:
                    raise self._overflow(exc.ngram, key) from None
                pending[n - 1].append(merged)
                pending_bytes += merged[0].nbytes + merged[1].nbytes
            if pending_bytes > self.budget // _PENDING_SHARE:
                _hand_over(pending, sink)
                pending, pending_bytes = [[] for _ in range(self.order)], 0
        if pending_bytes:
            _hand_over(pending, sink)

    def _overflow(self, keyed: np.ndarray, key: np.ndarray | None) -> RunsOverflow:
        """RunsOverflow of an n-gram (in key space) whose sum passes MAX_COUNT, with its total in each source
        (read back from the runs: a rare path)."""
        ngram = keyed if key is None else np.argsort(key)[keyed].astype(ID_DTYPE)  # (key: a permutation)
        n = len(ngram)
        totals: dict[int, int] = {}
        for run in self.runs:
            size = run.sizes[n - 1]
            for start in range(0, size, 1 << 20):
                grams, counts = self._rows(run, n, start, min(size, start + (1 << 20)))
                found = counts[np.all(grams == ngram, axis=1)].tolist()
                totals[run.source] = totals.get(run.source, 0) + sum(found)
        return RunsOverflow(ngram, totals)


def _hand_over(pending: list[list[tuple[np.ndarray, np.ndarray]]], sink: CountSink) -> None:
    """The merged stretches of each order, joined, to the sink."""
    ngrams = [np.concatenate([g for g, _ in order]) if order else np.empty((0, n), dtype=ID_DTYPE)
              for n, order in enumerate(pending, 1)]
    counts = [np.concatenate([c for _, c in order]) if order else np.empty(0, dtype=COUNT_DTYPE)
              for order in pending]
    sink(ngrams, counts)


def _target(bound: tuple[int, ...], n: int, vocab_size: int) -> tuple[np.ndarray, str]:
    """Where the rows of order n that come no later than `bound` in the walk end: (a sort key, a side) for
    np.searchsorted among the rows' sort keys."""
    m = len(bound)
    if n <= m:  # a row comes no later than the bound if it is at most the bound's first n words
        target, side = bound[:n], "right"
    else:  # a row comes before the bound if its first m words are below the bound's (not an extension)
        target, side = bound + (0,) * (n - m), "left"
    return sort_keys(np.array([target], dtype=ID_DTYPE), vocab_size), side


class _Reader:
    """The rows of one order of one run, read a buffer of `rows` rows at a time through the key."""

    def __init__(self, runs: SortedRuns, run: _Run, n: int, key: np.ndarray | None, vocab_size: int):
        self.runs, self.run, self.n, self.key, self.vocab_size = runs, run, n, key, vocab_size
        self.rows = _LEAST_BUFFER_ROWS
        self.position = 0  # the run's next row to read
        self.grams = np.empty((0, n), dtype=ID_DTYPE)
        self.counts = np.empty(0, dtype=COUNT_DTYPE)
        self.sort_keys = sort_keys(self.grams, vocab_size)
        self.at = 0  # the buffer's next row to take
        self.last: tuple[int, ...] = ()  # the buffer's last row (Python's tuples compare as the walk orders
        # n-grams: a prefix first)

    def fill(self) -> bool:
        """A buffer with rows left to take, read if needed; False at the run's end."""
        if self.at < len(self.counts):
            return True
        size = self.run.sizes[self.n - 1]
        if self.position >= size:
            return False
        stop = min(size, self.position + self.rows)
        grams, self.counts = self.runs._rows(self.run, self.n, self.position, stop)
        self.grams = grams if self.key is None else self.key[grams].astype(ID_DTYPE)
        self.sort_keys = sort_keys(self.grams, self.vocab_size)
        self.last = tuple(self.grams[-1].tolist())
        self.position, self.at = stop, 0
        return True

    def take(self, wanted: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
        """The buffer's rows not yet taken up to `wanted` (a sort key) on `side` (see _target)."""
        first = self.sort_keys[self.at]
        if first > wanted[0] or (side == "left" and first == wanted[0]):
            return self.grams[:0], self.counts[:0]  # (the usual case among many runs: nothing to take)
        end = int(np.searchsorted(self.sort_keys, wanted, side=side)[0])
        start, self.at = self.at, max(self.at, end)
        return self.grams[start:self.at], self.counts[start:self.at]
