"""Counting a marked text one range of first words at a time, and the same for id arrays given directly.

How: the compiled core (ngramlm._ext._count) counts every order with one radix sort of the windows, one range of
first words at a time: each range's sort fits in the budget, and its n-grams come after those of the ranges
before, so the final arrays grow in place, with no runs to merge. So text larger than memory can be counted; only
the final counts must fit. Within a range, the bucketing, sorting and writing run on several threads: the text is
cut into chunks that threads bucket side by side, the range's buckets into pieces that threads sort side by side,
and a tally of each piece's distinct n-grams tells each where in the arrays to write, so the result is the same
whatever the number of threads.

In: a marked text (MarkedText) and its windows per first word, or word ids and sentence lengths. Out: sorted
unique n-grams and their counts per order 1..N, returned or handed range by range to a sink.
"""
from __future__ import annotations

import numpy as np

from .._ext import _count
from ..core.progress import Progress
from ..core.vocab import ID_DTYPE, Vocabulary
from .counts import COUNT_DTYPE, CountSink, NgramCounts, check_order
from .marked_text import MarkedText
from .memory import DEFAULT_MEMORY, parse_memory, usable_threads

# The working memory of sorting, per window: its packed key (the radix sort's copies hold one bucket a thread
# only), or, with keys that do not pack, two positions and two bytes.
_PACKED_SORT_BYTES_PER_WINDOW = 8
_SORT_BYTES_PER_WINDOW = 18
# With a sink, the text is counted in at least this many ranges of first words, so that a range's arrays (what
# the peak memory holds) are a fraction of the counts even under a budget that would hold them all.
_LEAST_SINK_RANGES = 4


class _CountArrays:
    """Where _count.count_marked writes, range after range: each order's arrays are made once, as large as the
    text's windows (a bound on its distinct n-grams), so that only the pages written to become memory; `trimmed`
    gives the unused tails back. (Where the system refuses so large an allocation, they grow range by range.)"""

    def __init__(self, order: int, windows: int, words: int):
        self.rows = np.zeros(order, dtype=np.int64)
        try:
            self.ngrams = [np.empty((min(windows, words) if n == 1 else windows, n), ID_DTYPE)
                           for n in range(1, order + 1)]
            self.counts = [np.empty(len(grams), COUNT_DTYPE) for grams in self.ngrams]
        except MemoryError:
            self.ngrams = [np.empty((0, n), ID_DTYPE) for n in range(1, order + 1)]
            self.counts = [np.empty(0, COUNT_DTYPE) for _ in range(order)]

    def make_room(self, windows: int, words: int) -> None:
        """Room for a range of `windows` windows that start with `words` different words."""
        for k, (grams, totals) in enumerate(zip(self.ngrams, self.counts)):
            needed = int(self.rows[k]) + (min(windows, words) if k == 0 else windows)
            if needed > len(totals):
                grams.resize((needed, k + 1), refcheck=False)
                totals.resize(needed, refcheck=False)

    def trimmed(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The arrays, shrunk in place to the rows written."""
        for k, rows in enumerate(self.rows):
            self.ngrams[k].resize((rows, k + 1), refcheck=False)
            self.counts[k].resize(rows, refcheck=False)
        return self.ngrams, self.counts


def _first_word_ranges(windows_per_word: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Consecutive ranges [lo, hi) of first words that cover them all, each starting at most `limit` windows (a
    word that starts more gets a range of its own)."""
    cumulative = np.cumsum(windows_per_word)
    ranges, lo = [], 0
    while lo < len(windows_per_word):
        before = int(cumulative[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(cumulative, before + limit, side="right")))
        ranges.append((lo, hi))
        lo = hi
    return ranges


def count_text(text: np.ndarray, first_words: np.ndarray, order: int, budget: int, threads: int,
                quiet: bool, sink: CountSink | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Count a marked text one range of first words at a time, each range's sort within `budget` bytes.

    With a `sink`, each range's counts go to it as soon as they are made (and the ranges are also small enough
    for their counts to fit in the budget); nothing is returned then."""
    present = np.flatnonzero(first_words[1:])
    max_word = int(present[-1]) if len(present) else -1  # the largest id in the text
    first_words = first_words[:max_word + 2]
    if max_word < 0:
        empty = NgramCounts.empty(Vocabulary(), order)
        return empty.ngrams, empty.counts
    packs = order >= 2 and (max_word + 1).bit_length() * (order - 1) <= 64  # as _count.count_marked decides
    bytes_per_window = _PACKED_SORT_BYTES_PER_WINDOW if packs else _SORT_BYTES_PER_WINDOW
    # A text on file is read in order, its pages let go behind the reading, so it takes no room in the budget;
    # where keys do not pack, each window's words are then copied out of it to be sorted.
    on_file = isinstance(text, np.memmap)
    if on_file and not packs:
        bytes_per_window += ID_DTYPE().itemsize * order
    if sink is not None:  # a range's counts are held until the sink takes them: at most one n-gram per window
        bytes_per_window += sum(ID_DTYPE().itemsize * n + COUNT_DTYPE().itemsize for n in range(1, order + 1))
    windows = first_words[1:]
    total = int(windows.sum())
    limit = budget // bytes_per_window
    if sink is not None:  # the sink gains nothing from larger ranges; a few more passes over the text cost little
        limit = min(limit, -(-total // _LEAST_SINK_RANGES))
    ranges = _first_word_ranges(windows, max(1, limit))
    arrays = _CountArrays(order, total, max_word + 1) if sink is None else None
    with Progress("sorting", unit="windows", total=total, quiet=quiet or len(ranges) == 1) as progress:
        for lo, hi in ranges:
            in_range = int(windows[lo:hi].sum())
            if sink is not None:
                arrays = _CountArrays(order, in_range, hi - lo)
            arrays.make_room(in_range, hi - lo)
            _count.count_marked(text, order, max_word, lo, hi, arrays.ngrams, arrays.counts, arrays.rows, threads,
                                on_file)
            if sink is not None:
                sink(*arrays.trimmed())
                arrays = None  # released before the next range's arrays are made
            progress.update(in_range)
    return arrays.trimmed() if sink is None else None


def count_windows(words: np.ndarray, sentence_lengths: np.ndarray, order: int, *, sos: bool = False,
                  eos: bool = False, threads: int | None = None):
    """Count the n-grams of orders 1..order of sentences given as one id array and their lengths.

    With `sos`/`eos`, each non-empty sentence gets the markers by the rule of corpora.reader.add_markers (SRILM's):
    <s> in front unless it starts with it, </s> at the end unless it ends with it.

    Returns (ngrams, counts), lists over orders 1..order of sorted unique (m, n) id arrays and int64 counts.
    `threads`: as count_sentences.
    """
    check_order(order)
    threads = usable_threads(threads)
    words = np.ascontiguousarray(words, dtype=ID_DTYPE)
    sentence_lengths = np.ascontiguousarray(sentence_lengths, dtype=np.int64)
    if sentence_lengths.size and sentence_lengths.min() < 0:
        raise ValueError("sentence lengths must not be negative")
    if int(sentence_lengths.sum()) != len(words):
        raise ValueError(f"sentence lengths sum to {int(sentence_lengths.sum())}, but there are {len(words)} words")
    if len(words) and int(words.max()) >= np.iinfo(ID_DTYPE).max:
        raise ValueError(f"word id {int(words.max())} is too large")
    text = MarkedText(np.iinfo(np.int64).max, None)  # never goes to a file
    text.add(words, sentence_lengths, sos, eos)
    return count_text(text.finish(order), text.first_words, order, parse_memory(DEFAULT_MEMORY), threads,
                       quiet=True)
