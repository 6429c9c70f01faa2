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

from .ngram_keys import NgramKeys, find


def continuation_counts(rows: np.ndarray, counts: np.ndarray, longer_rows: np.ndarray, longer_counts: np.ndarray,
                        predicted_word: np.ndarray, keys: NgramKeys) -> np.ndarray:
    """Counts for the n-grams `rows` (sorted) from the (n+1)-grams `longer_rows` that extend them to the left.

    `predicted_word[id]` is False for words that are never predicted (their n-grams keep `counts`).
    """
    extends = (longer_counts > 0) & predicted_word[longer_rows[:, 1]]
    suffixes, preceding = np.unique(keys(longer_rows[extends, 1:]), return_counts=True)
    at = find(suffixes, keys(rows))
    continuation = np.where(at >= 0, preceding[np.maximum(at, 0)] if len(preceding) else 0, 0)
    return np.where(predicted_word[rows[:, 0]], continuation, counts).astype(counts.dtype)
