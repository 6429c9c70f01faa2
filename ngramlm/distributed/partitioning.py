"""Partitioning n-gram tables among workers, merging what a partition receives, and finding rows inside one.

A table holds one order's n-grams ("grams", sorted (m, n) ids) and value columns of m rows; a part holds the
tables of orders 1..N. Two partitionings put what a formula needs on one worker (Heafield et al. 2013 sort the
n-grams in these two orders for the same reason):
  by last word (hash)  an n-gram and its suffixes (w_2..w_n, ..., w_n) share their last word: continuation counts
                       and interpolation with the lower order are local;
  by first word        an n-gram and its context (w_1..w_{n-1}) share their first word: the sums over a context
                       (normalisation, gamma) are local. Hashed for estimation; in ranges of word ids for writing,
                       so that partitions in range order are the n-grams in id order.
One word is the coarsest key that keeps both relations local at every order; its cost is skew (every n-gram
ending in </s> meets on one partition), discussed in docs/scale_out.md.

In: parts. Out: parts split into buckets (each bucket still sorted) with their sizes in bytes; buckets merged into
a sorted part; context and suffix rows of one order among the order below.
"""
from __future__ import annotations

import numpy as np

from .._ext import _arpa
from ..core.errors import ModelError
from ..core.vocab import ID_DTYPE
from ..counting.counts import NgramCounts
from ..counting.merging import merge_runs

Table = dict[str, np.ndarray]
Part = list[Table]
# Fibonacci hashing (Knuth, TAOCP 6.4): word ids are given in order of appearance, so frequent words have small
# ids; multiplying scatters them over the partitions.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def hashed(words: np.ndarray, parts: int) -> np.ndarray:
    """The partition (0..parts-1) of each word id."""
    with np.errstate(over="ignore"):
        mixed = words.astype(np.uint64) * _GOLDEN
    return ((mixed >> np.uint64(32)) % np.uint64(parts)).astype(np.int64)


def in_ranges(words: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The range of each word id, range r being [bounds[r-1], bounds[r]) (bounds: the first ids of ranges 1..)."""
    return np.searchsorted(bounds, words, side="right").astype(np.int64)


def word_ranges(vocab_size: int, ranges: int) -> np.ndarray:
    """Bounds of `ranges` ranges of word ids of about equal size (for in_ranges)."""
    return np.linspace(0, vocab_size, ranges + 1)[1:-1].astype(np.int64)


def part_of_counts(counts: NgramCounts) -> Part:
    return [{"grams": g, "counts": c} for g, c in zip(counts.ngrams, counts.counts)]


def split(part: Part, parts: int, *, by: str, bounds: np.ndarray | None = None) -> list:
    """The part cut into `parts` buckets by the n-grams' first or last word (`by`), hashed, or in the ranges of
    `bounds`; each bucket keeps the rows' order. Returns the buckets, then the list of their sizes in bytes."""
    column = 0 if by == "first" else -1
    buckets: list[Part] = [[] for _ in range(parts)]
    for table in part:
        words = table["grams"][:, column]
        key = hashed(words, parts) if bounds is None else in_ranges(words, bounds)
        rows = np.argsort(key, kind="stable")
        cuts = np.searchsorted(key[rows], np.arange(parts + 1))
        for b in range(parts):
            taken = rows[cuts[b]:cuts[b + 1]]
            buckets[b].append({name: values[taken] for name, values in table.items()})
    sizes = [sum(values.nbytes for table in bucket for values in table.values()) for bucket in buckets]
    return [*buckets, sizes]


def merged_counts(pieces: list[Part]) -> Part:
    """Counts of one partition from its pieces (sorted runs; equal n-grams from different shards add up)."""
    merged = []
    for k in range(len(pieces[0])):
        grams, counts = merge_runs([p[k]["grams"] for p in pieces], [p[k]["counts"] for p in pieces], k + 1)
        merged.append({"grams": grams, "counts": counts})
    return merged


def merged(pieces: list[Part]) -> Part:
    """A partition's tables from its pieces, sorted runs of distinct n-grams, merged in linear time: the compiled
    merge of counts, given each row's position as its "count", gives the position of each merged row."""
    result = []
    for k in range(len(pieces[0])):
        names = pieces[0][k].keys()
        table = {name: np.concatenate([p[k][name] for p in pieces]) for name in names}
        starts = np.cumsum([0] + [len(p[k]["grams"]) for p in pieces])
        _, rows = merge_runs([p[k]["grams"] for p in pieces],
                             [np.arange(a, b, dtype=np.int64) for a, b in zip(starts[:-1], starts[1:])], k + 1)
        result.append({name: values[rows] for name, values in table.items()})
    return result


def lexicographic_order(grams: np.ndarray) -> np.ndarray:
    """The rows' order sorted lexicographically: the ids packed, first word most significant, into as few 63-bit
    keys as hold them (one for trigrams of a million words), which sort several times faster than a column each."""
    if len(grams) == 0:
        return np.zeros(0, dtype=np.int64)
    bits = max(1, int(grams.max()).bit_length())
    keys: list[np.ndarray] = []
    used = 63
    for column in range(grams.shape[1]):
        if used + bits > 63:
            keys.append(np.zeros(len(grams), dtype=np.int64))
            used = 0
        keys[-1] <<= bits
        keys[-1] |= grams[:, column].astype(np.int64)
        used += bits
    return np.argsort(keys[0], kind="stable") if len(keys) == 1 else np.lexsort(keys[::-1])


def context_rows(shorter: np.ndarray, longer: np.ndarray) -> np.ndarray:
    """Row among `shorter` (sorted (n-1)-grams) of each n-gram's context w_1..w_{n-1}; `longer` sorted."""
    rows = _arpa.prefix_index(np.ascontiguousarray(shorter, dtype=ID_DTYPE),
                              np.ascontiguousarray(longer, dtype=ID_DTYPE))
    return _present(rows, "context")


def suffix_rows(grams: list[np.ndarray]) -> list[np.ndarray | None]:
    """For each order after the first, the row among the order below of each n-gram's suffix w_2..w_n (None for
    unigrams): the contexts of the n-grams written backwards, among the (n-1)-grams written backwards, each order
    sorted backwards once."""
    backwards = [g[:, ::-1] for g in grams]
    orders = [lexicographic_order(g) for g in backwards]
    rows: list[np.ndarray | None] = [None]
    for k in range(1, len(grams)):
        found = _arpa.prefix_index(np.ascontiguousarray(backwards[k - 1][orders[k - 1]], dtype=ID_DTYPE),
                                   np.ascontiguousarray(backwards[k][orders[k]], dtype=ID_DTYPE))
        suffixes = np.empty(len(found), dtype=np.int64)
        suffixes[orders[k]] = np.where(found >= 0, orders[k - 1][np.maximum(found, 0)], -1)
        rows.append(_present(suffixes, "suffix"))
    return rows


def _present(rows: np.ndarray, part: str) -> np.ndarray:
    if np.any(rows < 0):
        raise ModelError(f"some n-grams have no {part} among the counts; the estimator needs every prefix and suffix "
                         "of a counted n-gram counted (counts of a text have them)")
    return rows
