"""The counts type: the n-grams of every order 1..N as sorted id arrays with their counts, and counts from
unsorted rows.

Counting follows SRILM's ngram-count: every window of 1..N words inside each sentence `<s> w1 .. wk </s>` is
counted (the markers added by the rules of the corpus reader, ngramlm.corpora.reader), n-grams never cross
sentences, and the unigram `<s>` is counted too. The counting itself is in corpus_count (text and token lists)
and windows (id arrays); adding count sets up is in merging.

In:  unsorted (m, n) id arrays with counts of orders n = 1..N (counts_from_rows), or the counters' sorted output.
Out: NgramCounts over a Vocabulary: per order, a sorted (m, n) ID_DTYPE array without repeated rows and its
     COUNT_DTYPE (int64) counts.

SRILM keeps counts in a trie, where each n-gram's prefixes are nodes too: a count file that leaves a prefix out
gives it count 0 there (with_prefixes, prefix_rows), which `ngram-count -read F -write` writes and estimation
counts among its context's followers. Counted text has every prefix.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core.errors import NgramlmError
from ..core.index import distinct_rows, lexicographic_order, rows_in
from ..core.vocab import ID_DTYPE, Vocabulary

COUNT_DTYPE = np.int64
MAX_COUNT = int(np.iinfo(COUNT_DTYPE).max)
# Takes the counts of one range of first words: (n-gram arrays, count arrays), one of each per order.
CountSink = Callable[[list[np.ndarray], list[np.ndarray]], None]
# The compiled core keeps window lengths in a byte.
MAX_ORDER = 255


@dataclass
class NgramCounts:
    """Counts of the n-grams of orders 1..N: `ngrams[k]` is a sorted (m, k+1) id array, `counts[k]` its counts."""

    vocab: Vocabulary
    ngrams: list[np.ndarray]
    counts: list[np.ndarray]

    @property
    def order(self) -> int:
        return len(self.ngrams)

    @classmethod
    def empty(cls, vocab: Vocabulary, order: int) -> "NgramCounts":
        """No n-grams of any order 1..order."""
        return cls(vocab, [np.empty((0, n), dtype=ID_DTYPE) for n in range(1, order + 1)],
                   [np.empty(0, dtype=COUNT_DTYPE) for _ in range(order)])

    def sizes(self) -> list[int]:
        """The number of distinct n-grams of each order."""
        return [len(c) for c in self.counts]

    def total(self, n: int = 1) -> int:
        """The sum of the counts of order n (for n = 1, the number of tokens counted, markers included)."""
        return int(self.counts[n - 1].sum())


class CountOverflow(NgramlmError):
    """Counts of one n-gram that add up past MAX_COUNT (2^63 - 1): `ngram` holds its word ids."""

    def __init__(self, ngram: np.ndarray, vocab: Vocabulary | None = None):
        self.ngram = ngram
        shown = " ".join(vocab.decode(ngram)) if vocab is not None else " ".join(map(str, ngram.tolist()))
        super().__init__(f"the counts of '{shown}' add up to more than 2^63 - 1, the largest count supported")


def checked_sums(counts: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """np.add.reduceat(counts, starts) for counts of 0 or more, with CountOverflow (its ngram the group's number)
    where an integer sum would pass MAX_COUNT, where int64 arithmetic wraps around to a negative count."""
    sums = np.add.reduceat(counts, starts)
    if len(counts) == 0 or counts.dtype.kind != "i" or int(counts.max()) <= MAX_COUNT // len(counts):
        return sums  # no sum can pass the limit: the usual case, one comparison
    # Floating point finds the groups near the limit; Python's integers settle them exactly.
    near = np.flatnonzero(np.add.reduceat(counts.astype(np.float64), starts) > 2.0**62)
    ends = np.append(starts[1:], len(counts))
    for group in near.tolist():
        if sum(counts[starts[group]:ends[group]].tolist()) > MAX_COUNT:
            raise CountOverflow(np.array([group]))
    return sums


def check_order(order: int) -> None:
    """Refuse an order the compiled counter cannot count."""
    if not 1 <= order <= MAX_ORDER:
        raise NgramlmError(f"n-gram order {order} is out of range; choose an order from 1 to {MAX_ORDER}")


def sort_and_sum(grams: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort n-gram rows lexicographically, adding up the counts of repeated rows (CountOverflow, without the
    vocabulary, where a sum passes MAX_COUNT)."""
    if len(grams) == 0:
        return grams, counts
    order = np.lexsort(grams.T[::-1])
    grams, counts = grams[order], counts[order]
    first = np.ones(len(grams), dtype=bool)
    first[1:] = np.any(grams[1:] != grams[:-1], axis=1)
    starts = np.flatnonzero(first)
    try:
        return grams[starts], checked_sums(counts, starts)
    except CountOverflow as exc:
        raise CountOverflow(grams[starts[exc.ngram[0]]]) from None


def counts_from_rows(vocab: Vocabulary, rows: list[tuple[np.ndarray, np.ndarray]],
                     fractional: bool = False) -> NgramCounts:
    """NgramCounts from unsorted (m, n) id arrays and counts of orders n = 1..N, repeated n-grams summed
    (float64 counts where `fractional`, as SRILM's -float-counts)."""
    ngrams, counts = [], []
    for n, (grams, totals) in enumerate(rows, 1):
        grams = np.asarray(grams, dtype=ID_DTYPE).reshape(-1, n)
        try:
            grams, totals = sort_and_sum(grams, np.asarray(totals, dtype=np.float64 if fractional else COUNT_DTYPE))
        except CountOverflow as exc:
            raise CountOverflow(exc.ngram, vocab) from None
        ngrams.append(grams)
        counts.append(totals)
    return NgramCounts(vocab, ngrams, counts)


def with_prefixes(counts: NgramCounts) -> NgramCounts:
    """The counts with every n-gram's (n-1)-word prefix among the (n-1)-grams, of count 0 where the counts lack
    it: SRILM's count trie holds a node for each prefix, which Ngram::estimate counts among its context's
    followers, Kneser-Ney gives a continuation count, and -write writes. Counts of text have every prefix; a count
    file may leave some out, and -read-with-mincounts drops an n-gram below its cut-off, not its extensions."""
    ngrams, values = list(counts.ngrams), list(counts.counts)
    size = len(counts.vocab)
    for n in range(counts.order - 1, 0, -1):  # the n-grams, from the (n+1)-grams (those added included)
        prefixes = distinct_rows(ngrams[n][:, :-1], size)
        missing = ~rows_in(prefixes, ngrams[n - 1])
        if missing.any():
            grams = np.concatenate((ngrams[n - 1], prefixes[missing]))
            rank = lexicographic_order(grams, size)
            ngrams[n - 1] = grams[rank]
            values[n - 1] = np.concatenate((values[n - 1], np.zeros(int(missing.sum()), values[n - 1].dtype)))[rank]
    return NgramCounts(counts.vocab, ngrams, values)


def prefix_rows(rows: list[tuple[np.ndarray, np.ndarray]], vocab_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Unsorted rows of orders 1..N (as counts_from_rows takes them) with the distinct prefixes of each order's
    n-grams (those added included) added to the order below with count 0: summed, they give with_prefixes'
    counts, a batch at a time (each prefix where it is missing from every batch comes out 0)."""
    rows = list(rows)
    for n in range(len(rows) - 1, 0, -1):
        grams, totals = rows[n - 1]
        prefixes = distinct_rows(rows[n][0][:, :-1], vocab_size) if len(rows[n][0]) else rows[n][0][:, :-1]
        if len(prefixes):
            rows[n - 1] = (np.concatenate((np.asarray(grams).reshape(-1, n), prefixes)),
                           np.concatenate((totals, np.zeros(len(prefixes), np.asarray(totals).dtype))))
    return rows
