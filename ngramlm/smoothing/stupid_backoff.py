"""Stupid Backoff (Brants, Popat, Xu, Och & Dean 2007, "Large Language Models in Machine Translation", eq. 5):
relative frequencies with a fixed back-off factor, no discounting and no normalisation.

    S(w | h) = c(h w) / c(h)          if c(h w) > 0
             = alpha * S(w | h')      otherwise (h' = h less its oldest word), alpha = 0.4
    S(w)     = c(w) / N               N = the number of tokens predicted (every counted word and </s>, not <s>)

S is a score, not a probability: the scores of one history do not sum to 1. The model is stored as an ARPA file
whose every lower-order n-gram carries the back-off weight log10(alpha), so a back-off model reader (query.Model)
scores it as S(w | h): where h w is missing, it adds log10 alpha for the context h and backs off to h'. (One
difference: for a history never seen in training, ARPA has no entry to carry alpha, so the reader backs off
without it; the score is then that of the longest history suffix that was seen.) The file says in a comment before
`\\data\\` that it holds scores (SCORES_COMMENT), and the perplexity commands look for it (holds_scores): both in
ngramlm.formats.score_marker, which the check imports without the smoothing methods.

In:  NgramCounts (ngramlm.counting.counts) of orders 1..N. Out: a BackoffModel of log10 scores; the log10 of
a relative frequency is `log10_relative_frequency`, the one formula that both this module and the partitions of
ngramlm.distributed apply.
"""
from __future__ import annotations

import math

import numpy as np

from ..core.model import BackoffModel
from ..core.vocab import BOS_ID, ID_DTYPE, UNK_ID
from ..counting.counts import NgramCounts
from ..formats.score_marker import SCORES_COMMENT, holds_scores  # noqa: F401 (the file's mark: re-exported)
from .lmplz import ContextsAndSuffixes

# Brants et al. (2007), section 4: "In general, the backoff factor alpha may be made to depend on k. Here, we use
# a single value for all k: alpha = 0.4".
BACKOFF_FACTOR = 0.4
LOG10_BACKOFF = math.log10(BACKOFF_FACTOR)


def log10_relative_frequency(counts: np.ndarray, context_counts: np.ndarray) -> np.ndarray:
    """log10 c(h w) / c(h): Brants et al.'s S(w | h) for the n-grams that were seen (eq. 5, first case)."""
    with np.errstate(divide="ignore"):
        return np.log10(np.asarray(counts, dtype=np.float64) / np.asarray(context_counts, dtype=np.float64))


def predicted_tokens(words: np.ndarray, counts: np.ndarray) -> int:
    """N of S(w) = c(w) / N: the unigram counts of every word but <s>, which is never predicted."""
    return int(counts[words != BOS_ID].sum())


def unigram_log_scores(words: np.ndarray, counts: np.ndarray, total: int) -> np.ndarray:
    """log10 S(w) = log10 c(w) / N; <s> gets log10 0 (ARPA's -99: it is never predicted), and so does a word of
    count 0 (<unk> where no word was unknown)."""
    scores = log10_relative_frequency(counts, np.full(len(counts), max(total, 1)))
    scores[words == BOS_ID] = -np.inf
    return scores


def backoff_log_weights(size: int, highest: bool) -> np.ndarray:
    """Every n-gram below the highest order backs off with log10 alpha (whether or not it begins a longer one)."""
    return np.zeros(size) if highest else np.full(size, LOG10_BACKOFF)


def stupid_backoff(counts: NgramCounts, *, unk: bool = True) -> BackoffModel:
    """The Stupid Backoff model of `counts`, as log10 scores in back-off form (see the module docstring).

    unk: keep <unk> as a unigram (with its count, 0 in an open vocabulary); without it, n-grams with <unk> are
    left out.
    """
    grams, raw = [], []
    for g, c in zip(counts.ngrams, counts.counts):
        keep = np.ones(len(g), dtype=bool) if unk else ~np.any(g == UNK_ID, axis=1)
        grams.append(g[keep])
        raw.append(np.asarray(c, dtype=np.int64)[keep])
    if unk and not np.any(grams[0][:, 0] == UNK_ID):  # <unk> is a word of every open-vocabulary model
        at = int(np.searchsorted(grams[0][:, 0], UNK_ID))
        grams[0] = np.insert(grams[0], at, np.array([UNK_ID], dtype=ID_DTYPE), axis=0)
        raw[0] = np.insert(raw[0], at, 0)
    contexts = ContextsAndSuffixes.of(grams, len(counts.vocab)).context_rows
    logprob = [unigram_log_scores(grams[0][:, 0], raw[0], predicted_tokens(grams[0][:, 0], raw[0]))]
    for k in range(1, len(grams)):
        logprob.append(log10_relative_frequency(raw[k], raw[k - 1][contexts[k]]))
    logbow = [backoff_log_weights(len(g), k + 1 == len(grams)) for k, g in enumerate(grams)]
    return BackoffModel(counts.vocab, grams, logprob, logbow)
