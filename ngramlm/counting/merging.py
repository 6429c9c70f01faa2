"""Adding counts up: sorted runs of one order merged into one (the compiled merge), and whole count sets
(SRILM's ngram-merge), re-expressed in one vocabulary first.

In: sorted unique n-gram runs with counts, or NgramCounts of any vocabularies and orders. Out: sorted unique
n-grams with summed counts.
"""
from __future__ import annotations

import numpy as np

from .._ext import _count
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID, Vocabulary
from .counts import COUNT_DTYPE, MAX_COUNT, CountOverflow, NgramCounts, counts_from_rows, sort_and_sum


def merge_runs(ngram_runs: list[np.ndarray], count_runs: list[np.ndarray], n: int):
    """Merge sorted runs of unique n-grams of order n into one, summing the counts (0 or more) of equal n-grams;
    CountOverflow, without the vocabulary, where a sum passes MAX_COUNT."""
    pairs = [(np.ascontiguousarray(g, dtype=ID_DTYPE), np.ascontiguousarray(c, dtype=COUNT_DTYPE))
             for g, c in zip(ngram_runs, count_runs) if len(c)]
    if not pairs:
        return np.empty((0, n), dtype=ID_DTYPE), np.empty(0, dtype=COUNT_DTYPE)
    if len(pairs) == 1:
        return pairs[0]
    for grams, counts in pairs:
        if grams.ndim != 2 or grams.shape[1] != n or len(grams) != len(counts):
            raise ValueError(f"runs of order {n} need (m, {n}) id arrays with m counts")
    if sum(int(c.max()) for _, c in pairs) > MAX_COUNT:  # a sum may pass the limit: sorted and summed with checks
        return sort_and_sum(np.concatenate([g for g, _ in pairs]), np.concatenate([c for _, c in pairs]))
    return _count.merge_sorted_runs([g for g, _ in pairs], [c for _, c in pairs])


def _in_vocabulary(target: Vocabulary, counts: NgramCounts) -> NgramCounts:
    """`counts` re-expressed in the ids of `target`, which gains the words it lacks (SRILM's count merging adds
    words to the vocabulary; a closed target maps them to <unk>)."""
    if counts.vocab is target or counts.vocab == target:
        return counts
    # The special words keep their fixed ids whatever the spelling of the unknown word.
    special = [UNK_ID, BOS_ID, EOS_ID]
    mapping = np.array(special + [target.add(word) for word in counts.vocab.words[len(special):]], dtype=ID_DTYPE)
    return counts_from_rows(target, [(mapping[g], c) for g, c in zip(counts.ngrams, counts.counts)])


def merge_counts(first: NgramCounts, *others: NgramCounts) -> NgramCounts:
    """Add up count sets (SRILM's ngram-merge): the result has the highest order among them and the vocabulary of
    `first`, extended with the words of the others. CountOverflow where a sum passes 2^63 - 1."""
    vocab = first.vocab
    sets = [first] + [_in_vocabulary(vocab, other) for other in others]
    order = max(s.order for s in sets)
    ngrams, counts = [], []
    for n in range(1, order + 1):
        present = [s for s in sets if s.order >= n]
        try:
            grams, totals = merge_runs([s.ngrams[n - 1] for s in present], [s.counts[n - 1] for s in present], n)
        except CountOverflow as exc:
            raise CountOverflow(exc.ngram, vocab) from None
        ngrams.append(grams)
        counts.append(totals)
    return NgramCounts(vocab, ngrams, counts)
