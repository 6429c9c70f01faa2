"""Partitioning n-gram tables among workers, merging what a partition receives, and finding rows inside one.

A table holds one order's n-grams ("grams", sorted (m, n) ids) and value columns of m rows; a part holds a list
of tables (of orders 1..N, or as a stage documents it). Two partitionings put what a formula needs on one worker
(Heafield et al. 2013 sort the n-grams in these two orders for the same reason), each keyed by two words so that
no word gathers all its n-grams on one partition (skew, docs/scale_out.md):
  by last words   n >= 2: hash of the last two words, which an n-gram shares with its suffix w_2..w_n for n >= 3:
                  continuation counts and interpolation with the lower order are local; a bigram's suffix is a
                  unigram, which every partition has (|V| values);
  by first words  n >= 3: hash of the first two words, which an n-gram shares with its context w_1..w_{n-1}: the
                  sums over a context (normalisation, gamma) are local. A bigram's context is one word: bigrams
                  go by their first word (at most |V| bigrams share one).
For writing, ranges of the first two words' ids (leading_pairs), their bounds taken from a sample of the n-grams
so that the ranges hold about as many each; partitions in range order are the n-grams in id order. (Stupid
Backoff has these ranges only: they keep an n-gram of order 3 and up with its context.)
Unigrams go by the hash of their word. With one word as the key at every order (the first version), every n-gram
ending in </s> met on one partition: 6x the mean at 100 partitions, 175x at 3200. Two words leave the pairs that
end very many n-grams (". </s>": 2% of all n-grams of a 5-gram model): HeavyPairs, whose n-grams of orders 3..N
go by their last three words, which an n-gram of order 4 and up shares with its suffix. The trigrams' suffix, a
heavy bigram, is then on another partition: every partition takes the heavy bigrams in as guests (with_guests),
for their continuation counts (each partition counts its share; the client adds them up) and their probabilities
(computed on the client from their u and gamma, and sent to every partition).

In: parts. Out: parts split into buckets (each bucket still sorted) with their sizes in bytes; buckets merged into
a sorted part; context and suffix rows of one order among the order below.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._ext import _arpa
from ..core.errors import ModelError
from ..core.index import lexicographic_order, sort_keys
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


@dataclass(frozen=True)
class HeavyPairs:
    """Word pairs that end so many n-grams that those of orders 3..N are keyed by their last three words: sorted
    keys w_1 |V| + w_2 (pair_keys)."""

    keys: np.ndarray
    vocab_size: int

    def ends(self, grams: np.ndarray) -> np.ndarray:
        """Which n-grams end in a heavy pair."""
        if len(self.keys) == 0 or grams.shape[1] < 2:
            return np.zeros(len(grams), dtype=bool)
        return np.isin(pair_keys(grams[:, -2], grams[:, -1], self.vocab_size), self.keys)

    def bigrams(self) -> np.ndarray:
        """The heavy pairs as sorted bigrams."""
        return np.stack([self.keys // np.uint64(self.vocab_size), self.keys % np.uint64(self.vocab_size)],
                        axis=1).astype(ID_DTYPE)


NO_HEAVY_PAIRS = HeavyPairs(np.zeros(0, dtype=np.uint64), 1)


def pair_keys(first: np.ndarray, second: np.ndarray, vocab_size: int) -> np.ndarray:
    """w_1 |V| + w_2 of each pair of word ids: in the pairs' sorted order."""
    return first.astype(np.uint64) * np.uint64(vocab_size) + second.astype(np.uint64)


def keyed(grams: np.ndarray, parts: int, by: str, heavy: HeavyPairs = NO_HEAVY_PAIRS) -> np.ndarray:
    """The partition of each n-gram by its first or last words (`by`; see the module docstring)."""
    width = grams.shape[1]
    if width == 1 or (width == 2 and by == "first"):
        return hashed(grams[:, 0], parts)
    first, second = (grams[:, 0], grams[:, 1]) if by == "first" else (grams[:, -2], grams[:, -1])
    with np.errstate(over="ignore"):
        mixed = (first.astype(np.uint64) * _GOLDEN) ^ second.astype(np.uint64)
        if by == "last" and width >= 3:
            salted = heavy.ends(grams)
            mixed[salted] = (mixed[salted] * _GOLDEN) ^ grams[salted, -3].astype(np.uint64)
    return hashed(mixed, parts)


def trailing_pairs(part: Part, vocab_size: int, parts: int, share: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The pairs that end at least `share` of a partition's worth of this part's n-grams of orders 3..N (keys,
    how many each), and how many such n-grams the part has: candidates for HeavyPairs."""
    tables = [t["grams"] for t in part if t["grams"].shape[1] >= 3]
    total = sum(len(g) for g in tables)
    if not tables:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), 0
    keys, counts = np.unique(np.concatenate([pair_keys(g[:, -2], g[:, -1], vocab_size) for g in tables]),
                             return_counts=True)
    many = counts >= share * total / parts
    return keys[many], counts[many], total


def heavy_pairs(candidates: list[tuple[np.ndarray, np.ndarray, int]], vocab_size: int, parts: int,
                share: float) -> HeavyPairs:
    """The pairs whose n-grams (orders 3..N, summed over the shards' candidates) fill `share` of a partition."""
    keys = np.concatenate([k for k, _, _ in candidates])
    distinct, rows = np.unique(keys, return_inverse=True)
    counts = np.bincount(rows, weights=np.concatenate([c for _, c, _ in candidates]), minlength=len(distinct))
    total = sum(t for _, _, t in candidates)
    return HeavyPairs(distinct[counts >= max(1.0, share * total / parts)], vocab_size)


def with_guests(grams: np.ndarray, guests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted n-grams `grams` with those of `guests` (sorted) that they lack, in order; and which rows are
    guests."""
    extra = guests[rows_of(grams, guests) < 0]
    together = np.concatenate([grams, extra])
    is_guest = np.concatenate([np.zeros(len(grams), dtype=bool), np.ones(len(extra), dtype=bool)])
    rows = lexicographic_order(together, _id_bound(together))
    return together[rows], is_guest[rows]


def in_ranges(words: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The range of each word id, range r being [bounds[r-1], bounds[r]) (bounds: the first ids of ranges 1..)."""
    return np.searchsorted(bounds, words, side="right").astype(np.int64)


def leading_pairs(grams: np.ndarray, vocab_size: int) -> np.ndarray:
    """w_1 |V| + w_2 of each n-gram (w_1 |V| for unigrams): in the n-grams' sorted order."""
    return pair_keys(grams[:, 0], grams[:, 1] if grams.shape[1] > 1 else np.zeros(len(grams)), vocab_size)


def sampled_pairs(part: Part, vocab_size: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """About `size` leading pairs of the part's n-grams, each with the number of n-grams it stands for."""
    keys, weights = [], []
    step = max(1, sum(len(t["grams"]) for t in part) // max(1, size))
    for table in part:
        taken = leading_pairs(table["grams"][::step], vocab_size)
        keys.append(taken)
        weights.append(np.full(len(taken), step, dtype=np.int64))
    return np.concatenate(keys), np.concatenate(weights)


def balanced_bounds(samples: list[tuple[np.ndarray, np.ndarray]], ranges: int) -> np.ndarray:
    """Bounds (for in_ranges) of `ranges` ranges of leading pairs holding about as many n-grams each."""
    keys = np.concatenate([k for k, _ in samples])
    rows = np.argsort(keys, kind="stable")
    weights = np.cumsum(np.concatenate([w for _, w in samples])[rows])
    if len(keys) == 0:
        return np.zeros(ranges - 1, dtype=np.uint64)
    cuts = np.searchsorted(weights, weights[-1] * np.arange(1, ranges) / ranges)
    return keys[rows][np.minimum(cuts, len(keys) - 1)]


def part_of_counts(counts: NgramCounts) -> Part:
    return [{"grams": g, "counts": c} for g, c in zip(counts.ngrams, counts.counts)]


def split(part: Part, parts: int, *, by: str, bounds: np.ndarray | None = None,
          vocab_size: int | None = None, heavy: HeavyPairs = NO_HEAVY_PAIRS) -> list:
    """The part cut into `parts` buckets by the n-grams' first or last words (`by`, keyed), or in the ranges of
    `bounds`: of leading pairs given `vocab_size`, else of first words. Each bucket keeps the rows' order. Returns
    the buckets, then the list of their sizes in bytes."""
    buckets: list[Part] = [[] for _ in range(parts)]
    for table in part:
        grams = table["grams"]
        key = (keyed(grams, parts, by, heavy) if bounds is None else
               in_ranges(grams[:, 0] if vocab_size is None else leading_pairs(grams, vocab_size), bounds))
        # Narrow keys sort by radix (numpy's stable sort of 8- and 16-bit integers): 4-8x faster than int64.
        rows = np.argsort(key.astype(np.min_scalar_type(parts)), kind="stable")
        cuts = np.concatenate(([0], np.cumsum(np.bincount(key, minlength=parts))))
        for b in range(parts):
            taken = rows[cuts[b]:cuts[b + 1]]
            buckets[b].append({name: values[taken] for name, values in table.items()})
    sizes = [sum(values.nbytes for table in bucket for values in table.values()) for bucket in buckets]
    return [*buckets, sizes]


def merged_counts(pieces: list[Part]) -> Part:
    """Counts of one partition from its pieces (sorted runs; equal n-grams from different shards add up)."""
    merged = []
    for k in range(len(pieces[0])):
        grams, counts = merge_runs([p[k]["grams"] for p in pieces], [p[k]["counts"] for p in pieces],
                                   pieces[0][k]["grams"].shape[1])
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
                             [np.arange(a, b, dtype=np.int64) for a, b in zip(starts[:-1], starts[1:])],
                             pieces[0][k]["grams"].shape[1])
        result.append({name: values[rows] for name, values in table.items()})
    return result


def context_rows(shorter: np.ndarray, longer: np.ndarray) -> np.ndarray:
    """Row among `shorter` (sorted (n-1)-grams) of each n-gram's context w_1..w_{n-1}; `longer` sorted."""
    rows = _arpa.prefix_index(np.ascontiguousarray(shorter, dtype=ID_DTYPE),
                              np.ascontiguousarray(longer, dtype=ID_DTYPE))
    return _present(rows, "context")


def rows_of(table: np.ndarray, grams: np.ndarray) -> np.ndarray:
    """Row among `table` (sorted n-grams) of each of `grams` (sorted, of the same order), or -1 where absent."""
    return _arpa.prefix_index(np.ascontiguousarray(table, dtype=ID_DTYPE),
                              np.ascontiguousarray(grams, dtype=ID_DTYPE))


def suffix_rows(grams: list[np.ndarray]) -> list[np.ndarray | None]:
    """For each order after the first, the row among the order below (sorted) of each n-gram's suffix w_2..w_n
    (None for unigrams): the suffixes' sort keys (core.index.sort_keys: they sort as the rows do) searched among
    the sorted keys of the order below, a binary search each (no sort: 1.5x faster than sorting both orders
    backwards and merging them)."""
    vocab_size = max(_id_bound(g) for g in grams)
    rows: list[np.ndarray | None] = [None]
    for k in range(1, len(grams)):
        table = sort_keys(grams[k - 1], vocab_size)
        wanted = sort_keys(grams[k][:, 1:], vocab_size)
        found = np.minimum(np.searchsorted(table, wanted), max(0, len(table) - 1))
        rows.append(_present(np.where(table[found] == wanted, found, -1) if len(table) else
                             np.full(len(wanted), -1), "suffix"))
    return rows


def _id_bound(grams: np.ndarray) -> int:
    """One more than the largest id of the rows (the vocabulary size sort_keys needs, where it is not at hand)."""
    return int(grams.max(initial=0)) + 1


def _present(rows: np.ndarray, part: str) -> np.ndarray:
    if np.any(rows < 0):
        raise ModelError(f"some n-grams have no {part} among the counts; the estimator needs every prefix and suffix "
                         "of a counted n-gram counted (counts of a text have them)")
    return rows
