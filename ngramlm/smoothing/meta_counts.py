"""Count-of-count meta n-grams (SRILM's `ngram-count -meta-tag TAG`): an n-gram `a b TAGk` with count m says that
m n-grams `a b *` occurred k times each, without listing them (`a b TAG` with count m: their counts total m).
Counts cut off by -read-with-mincounts are kept as such n-grams, so that the methods that need count-of-counts
still see them.

A word is a meta tag when it is TAG followed by nothing (type 0) or by a whole number k (type k). Meta tags get no
probability and are no words of the model (nor of its vocabulary size). In estimation (SRILM's Ngram::estimate and
Discount::estimate) a meta n-gram of type k > 0 and count m adds, in its context, k m to the total count, m to the
distinct followers (and to those seen at least twice, three times where k is), and m n-grams of count k to its
order's count-of-counts (Kneser-Ney's methods add 1, as SRILM does); type 0 adds m to the total and 1 to the
followers. Unigram meta tags add only to the count-of-counts.

In:  a vocabulary with the meta tag (`vocab.meta_tag`, set by ngram-count), an order's n-grams and counts.
Out: the type of each word (meta_types), and each context's additions (ContextAdditions) and the count-of-counts
     additions (count_of_counts) for the back-off estimator (ngramlm.smoothing.backoff_estimator).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.index import sort_keys

NOT_META = -1


def meta_types(vocab) -> np.ndarray | None:
    """Per word id, its meta-tag type (NOT_META for other words); None without a meta tag."""
    tag = getattr(vocab, "meta_tag", None)
    if not tag:
        return None
    types = np.full(len(vocab), NOT_META, dtype=np.int64)
    for wid, word in enumerate(vocab.words):
        if word.startswith(tag):
            rest = word[len(tag):]
            if rest == "":
                types[wid] = 0
            elif rest.isdigit() and rest.isascii():
                types[wid] = int(rest)
    return types


def count_of_counts(types: np.ndarray, counts: np.ndarray, by_ngram: bool) -> np.ndarray:
    """The count-of-counts the meta n-grams of one order add (index k: n-grams of count k), from their types
    and counts; `by_ngram` (Kneser-Ney's methods): each meta n-gram adds 1, not its count."""
    keep = types > 0
    weights = np.ones(int(keep.sum())) if by_ngram else counts[keep].astype(np.float64)
    return np.bincount(types[keep], weights=weights).astype(np.int64)


@dataclass
class ContextAdditions:
    """What the meta n-grams add to each context of the regular n-grams: total count, distinct followers, and
    followers seen at least twice / three times (arrays aligned with the contexts)."""

    total: np.ndarray
    observed: np.ndarray
    min2: np.ndarray
    min3: np.ndarray


def context_additions(contexts: np.ndarray, meta_rows: np.ndarray, meta_counts: np.ndarray,
                      row_types: np.ndarray, vocab_size: int) -> ContextAdditions:
    """The additions to each of `contexts` (distinct (m, n-1) rows) of the meta n-grams `meta_rows` with
    counts `meta_counts` and types `row_types` (those of zero count add nothing)."""
    m = len(contexts)
    total, observed, min2, min3 = (np.zeros(m) for _ in range(4))
    if m == 0 or len(meta_rows) == 0:
        return ContextAdditions(total, observed, min2, min3)
    positive = meta_counts > 0
    meta_rows, c, k = meta_rows[positive], meta_counts[positive].astype(np.float64), row_types[positive]
    width = contexts.shape[1]
    keys = sort_keys(np.asarray(contexts, dtype=np.int64), vocab_size) if width else np.zeros(m, np.int64)
    wanted = sort_keys(np.asarray(meta_rows[:, :width], dtype=np.int64), vocab_size) if width else \
        np.zeros(len(meta_rows), np.int64)
    order = np.argsort(keys, kind="stable")
    at = np.minimum(np.searchsorted(keys[order], wanted), m - 1)
    found = keys[order][at] == wanted
    target = order[at[found]]
    c, k = c[found], k[found]
    np.add.at(total, target, np.where(k == 0, c, k * c))
    np.add.at(observed, target, np.where(k == 0, 1.0, c))
    np.add.at(min2, target, np.where(k >= 2, c, 0.0))
    np.add.at(min3, target, np.where(k >= 3, c, 0.0))
    return ContextAdditions(total, observed, min2, min3)
