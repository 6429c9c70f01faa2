"""Stupid Backoff on partitions by first word: an n-gram and its context share their first word, so each score
c(h w) / c(h) is local (ngramlm.smoothing.stupid_backoff's formulas); only N, the tokens predicted, is summed
over the partitions by the client. The partitions are ranges of word ids, so their lines are already in the
order the ARPA file is written in.

In: pieces of counts of one range of first words. Out: the part with "logprob", "logbow", "show".
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


def scored(part: Part, total: int) -> Part:
    """log10 S of every n-gram of the partition, and the back-off weight log10 0.4 below the highest order."""
    result = []
    for k, table in enumerate(part):
        grams, counts = table["grams"], table["counts"]
        if k == 0:
            logprob = unigram_log_scores(grams[:, 0], counts, total)
        else:
            logprob = log10_relative_frequency(counts, part[k - 1]["counts"][context_rows(part[k - 1]["grams"],
                                                                                        grams)])
        highest = k + 1 == len(part)
        result.append({"grams": grams, "logprob": logprob, "logbow": backoff_log_weights(len(grams), highest),
                       "show": np.full(len(grams), not highest)})
    return result
