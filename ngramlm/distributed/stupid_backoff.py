"""Stupid Backoff on partitions by ranges of the first two words, balanced as the lmplz path's ARPA text
(partitioning.balanced_bounds): an n-gram of order 3 and up shares its first two words with its context, so
c(h w) / c(h) is local (ngramlm.smoothing.stupid_backoff's formulas); a bigram's context is a unigram, whose
count comes from the unigram counts summed by the client (|V| values, sent to every partition), as does N, the
tokens predicted. The ranges follow the n-grams' order, so their lines are already in the order the ARPA file
is written in.

In: pieces of counts of one range of leading pairs. Out: the part with "logprob", "logbow", "show".
"""
from __future__ import annotations

import numpy as np

from ..core.vocab import ID_DTYPE, UNK_ID
from ..smoothing.stupid_backoff import (backoff_log_weights, log10_relative_frequency, predicted_tokens,
                                        unigram_log_scores)
from .partitioning import Part, context_rows


def with_unk(part: Part, unk: bool) -> Part:
    """<unk> as a unigram of count 0 where the partition should hold it and no word was unknown."""
    unigrams = part[0]
    words = unigrams["grams"][:, 0]
    if not unk or np.any(words == UNK_ID):
        return part
    at = int(np.searchsorted(words, UNK_ID))
    unigrams = {"grams": np.insert(unigrams["grams"], at, np.array([UNK_ID], dtype=ID_DTYPE), axis=0),
                "counts": np.insert(unigrams["counts"], at, 0)}
    return [unigrams, *part[1:]]


def tokens_predicted(part: Part) -> int:
    return predicted_tokens(part[0]["grams"][:, 0], part[0]["counts"])


def unigram_counts(part: Part, vocab_size: int) -> np.ndarray:
    """The counts of the partition's unigrams at their word ids (0 elsewhere): summed over the partitions, every
    word's."""
    counts = np.zeros(vocab_size, dtype=np.int64)
    counts[part[0]["grams"][:, 0]] = part[0]["counts"]
    return counts


def scored(part: Part, total: int, unigrams: np.ndarray) -> Part:
    """log10 S of every n-gram of the partition (`unigrams`: every word's count, for the bigrams' contexts), and
    the back-off weight log10 0.4 below the highest order."""
    result = []
    for k, table in enumerate(part):
        grams, counts = table["grams"], table["counts"]
        if k == 0:
            logprob = unigram_log_scores(grams[:, 0], counts, total)
        elif k == 1:
            logprob = log10_relative_frequency(counts, unigrams[grams[:, 0]])
        else:
            logprob = log10_relative_frequency(counts, part[k - 1]["counts"][context_rows(part[k - 1]["grams"],
                                                                                        grams)])
        highest = k + 1 == len(part)
        result.append({"grams": grams, "logprob": logprob, "logbow": backoff_log_weights(len(grams), highest),
                       "show": np.full(len(grams), not highest)})
    return result
