"""N-gram counts of every order 1..N: sorted id arrays with counts.

(Scaffolding: a plain-Python counter with the final interface; the Cython core replaces its inside.)
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .backoff import sort_ngrams
from .corpus import TextOptions, read_corpus
from .vocab import ID_DTYPE, Vocabulary

COUNT_DTYPE = np.int64


@dataclass
class NgramCounts:
    """Counts of the n-grams of orders 1..N: `ngrams[k]` is a sorted (m, k+1) id array, `counts[k]` its counts."""

    vocab: Vocabulary
    ngrams: list[np.ndarray]
    counts: list[np.ndarray]

    @property
    def order(self) -> int:
        return len(self.ngrams)


def count_sentences(sentences: Iterable[list[str]], order: int, vocab: Vocabulary) -> NgramCounts:
    """Count all n-grams of orders 1..order in sentences that already carry their <s>/</s> markers."""
    counters = [Counter() for _ in range(order)]
    for sentence in sentences:
        ids = vocab.encode(sentence).tolist()
        for i in range(len(ids)):
            for n in range(1, min(order, len(ids) - i) + 1):
                counters[n - 1][tuple(ids[i:i + n])] += 1
    ngrams, counts = [], []
    for n, counter in enumerate(counters, 1):
        grams = np.array(list(counter.keys()), dtype=ID_DTYPE).reshape(len(counter), n)
        c = np.array(list(counter.values()), dtype=COUNT_DTYPE)
        grams, c = sort_ngrams(grams, c)
        ngrams.append(grams)
        counts.append(c)
    return NgramCounts(vocab, ngrams, counts)


def count_files(paths: Iterable[str], order: int, vocab: Vocabulary | None = None,
                options: TextOptions = TextOptions()) -> NgramCounts:
    """Count all n-grams of orders 1..order in text files."""
    vocab = vocab if vocab is not None else Vocabulary()
    return count_sentences(read_corpus(paths, options), order, vocab)
