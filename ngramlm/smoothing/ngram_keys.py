"""Sortable keys for rows of word ids, so that n-gram tables can be searched with np.searchsorted.

A row (w_1, ..., w_n) becomes one number w_1 w_2 ... w_n written in base 2^bits, where 2^bits exceeds every
word id; when n * bits does not fit in 64 bits it becomes a big-endian byte string instead. Either way the keys
sort exactly as the rows sort lexicographically, so a table sorted by rows has sorted keys.
"""
from __future__ import annotations

import numpy as np


class NgramKeys:
    """Maps (m, n) id arrays to sortable keys, for a vocabulary of `vocab_size` words."""

    def __init__(self, vocab_size: int):
        self.bits = max(1, int(max(vocab_size, 2) - 1).bit_length())

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        m, n = rows.shape
        if n * self.bits <= 64:
            keys = np.zeros(m, dtype=np.uint64)
            shift = np.uint64(self.bits)
            for j in range(n):
                keys = (keys << shift) | rows[:, j].astype(np.uint64)
            return keys
        return np.ascontiguousarray(rows.astype(">u4")).view(f"S{4 * n}").ravel()


def find(table_keys: np.ndarray, query_keys: np.ndarray) -> np.ndarray:
    """Index of each query key in the sorted `table_keys`, or -1 where it is absent."""
    if len(table_keys) == 0:
        return np.full(len(query_keys), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(table_keys, query_keys), len(table_keys) - 1)
    return np.where(table_keys[at] == query_keys, at, -1)


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Start index of each run of equal keys in a sorted key array (the contexts of a sorted n-gram table)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))


def run_index(starts: np.ndarray, length: int) -> np.ndarray:
    """For each of `length` rows, the index of the run (as given by `group_starts`) that holds it."""
    flags = np.zeros(length, dtype=np.int64)
    flags[starts] = 1
    return np.cumsum(flags) - 1
