"""Kneser-Ney's continuation counts: the lower orders count contexts, not occurrences.

Kneser & Ney (1995); Chen & Goodman (1998), section "Kneser-Ney smoothing": below the highest order, the count
of w_2..w_n is replaced by the number of distinct words that precede it,

    N1+(. w_2..w_n) = |{w_1 : c(w_1 w_2..w_n) > 0}|.

As in SRILM, n-grams that start with a word that is never predicted (<s>, and <unk> in a closed vocabulary)
keep their ordinary counts, since nothing can precede them; the preceding word itself may be anything,
<s> included.
"""
from __future__ import annotations

import numpy as np

from ..core.index import NgramIndex, lexicographic_order


def counts_index(ngrams: list[np.ndarray], vocab_size: int) -> NgramIndex:
    """The index of counted n-grams (orders 1..len(ngrams)); a prefix that was not counted (count files need
    not hold every one) becomes a context-only row."""
    index = NgramIndex(vocab_size)
    for grams in ngrams:
        index.add_order(grams, add_contexts=True)
    return index


def continuation_counts(rows: np.ndarray, counts: np.ndarray, longer_rows: np.ndarray, longer_counts: np.ndarray,
                        predicted_word: np.ndarray, index: NgramIndex) -> np.ndarray:
    """Counts for the n-grams `rows` (sorted) from the (n+1)-grams `longer_rows` that extend them to the left.

    `predicted_word[id]` is False for words that are never predicted (their n-grams keep `counts`). `index` holds
    the n-grams `rows` (counts_index): each (n+1)-gram's suffix is found there, and tallied by its row.
    """
    n = rows.shape[1]
    extends = (longer_counts > 0) & predicted_word[longer_rows[:, 1]]
    suffixes = longer_rows[extends, 1:]
    suffixes = suffixes[lexicographic_order(suffixes, index.vocab_size)]  # sorted: searched in order
    suffix_rows = index.rows(suffixes, presorted=True)
    preceding = np.bincount(suffix_rows[suffix_rows >= 0], minlength=len(index.ngrams[n - 1]))
    at = index.rows(rows, presorted=True)
    continuation = np.where(at >= 0, preceding[np.maximum(at, 0)], 0)
    return np.where(predicted_word[rows[:, 0]], continuation, counts).astype(counts.dtype)
