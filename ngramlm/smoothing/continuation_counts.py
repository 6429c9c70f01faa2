"""Kneser-Ney's continuation counts: the lower orders count contexts, not occurrences.

Kneser & Ney (1995); Chen & Goodman (1998), section "Kneser-Ney smoothing": below the highest order, the count
of w_2..w_n is replaced by the number of distinct words that precede it,

    N1+(. w_2..w_n) = |{w_1 : c(w_1 w_2..w_n) > 0}|.

As in SRILM, n-grams that start with a word that is never predicted (<s>, and <unk> in a closed vocabulary)
keep their ordinary counts, since nothing can precede them; the preceding word itself may be anything,
<s> included.

In:  one order's sorted n-grams and counts, the next order's, and which word ids are ever predicted.
Out: the counts the order is estimated from, parallel to its rows: N1+(. w_2..w_n), or the ordinary count of an
     n-gram that starts with a word never predicted.
"""
from __future__ import annotations

import numpy as np

from ..core.index import row_tally, sort_keys


def continuation_counts(rows: np.ndarray, counts: np.ndarray, longer_rows: np.ndarray, longer_counts: np.ndarray,
                        predicted_word: np.ndarray, vocab_size: int) -> np.ndarray:
    """Counts for the n-grams `rows` from the (n+1)-grams `longer_rows` that extend them to the left.

    In: one order's n-grams and counts, the next order's n-grams and counts (ids < vocab_size). Out: the counts
    to estimate the order from, parallel to `rows`. `predicted_word[id]` is False for words that are never
    predicted (their n-grams keep `counts`). Each (n+1)-gram's suffix is tallied, and the tallies matched to
    `rows` by their sort keys (the counts need not hold every suffix: count files are read as they are).
    """
    extends = (longer_counts > 0) & predicted_word[longer_rows[:, 1]]
    suffixes, preceding = row_tally(longer_rows[extends, 1:], vocab_size)
    keys = sort_keys(rows, vocab_size)
    at = np.minimum(np.searchsorted(suffixes, keys), max(len(suffixes) - 1, 0))
    found = (suffixes[at] == keys) if len(suffixes) else np.zeros(len(rows), dtype=bool)
    continuation = np.where(found, preceding[at] if len(preceding) else 0, 0)
    return np.where(predicted_word[rows[:, 0]], continuation, counts).astype(counts.dtype)
