"""The score transformations of decoding, with Hugging Face's names and semantics (transformers' logits
processors and warpers), on numpy arrays of scores (rows, vocabulary); -inf marks a word that may not be chosen.

Processors (every strategy):
  repetition_penalty     Keskar et al. 2019 (CTRL), as transformers applies it: the score of a word already in
                         the row's sequence (prefix included) is divided by the penalty where it is positive and
                         multiplied by it where it is negative, so a penalty > 1 always lowers it.
  no_repeat_ngram_size   a word that would complete an n-gram already in the sequence gets -inf.
  min_new_tokens         </s> gets -inf until that many words have been generated.
Warpers (sampling only), in transformers' order:
  temperature            scores / T;
  top_k                  (Fan et al. 2018) all but the k best get -inf;
  top_p                  (Holtzman et al. 2020) keep the smallest set of best words whose probability reaches p;
  min_p                  keep the words whose probability is at least min_p times the best one's;
  typical_p              (Meister et al. 2022) keep, in order of |-log p - entropy|, the smallest set whose
                         probability reaches typical_p.
Every warper keeps at least `keep` words (transformers' min_tokens_to_keep).

In:  scores (rows, vocabulary) float64 and, for the processors, each row's sequence of word ids.
Out: the same array with some scores changed (the functions work in place and return it).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """Rows normalised to natural-log probabilities (-inf stays -inf; an all -inf row stays so)."""
    top = np.max(scores, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return scores - top - np.log(np.sum(np.exp(scores - top), axis=-1, keepdims=True))


def softmax(scores: np.ndarray) -> np.ndarray:
    return np.exp(log_softmax(scores))


def repetition_penalty(scores: np.ndarray, sequences: Sequence[Sequence[int]], penalty: float) -> np.ndarray:
    for row, sequence in enumerate(sequences):
        seen = np.unique(np.asarray(sequence, dtype=np.int64))
        values = scores[row, seen]
        scores[row, seen] = np.where(values < 0, values * penalty, values / penalty)
    return scores


def repeated_ngram_completions(sequence: Sequence[int], n: int) -> list[int]:
    """The words that would complete an n-gram already in `sequence`."""
    if len(sequence) < n - 1 or n < 1:
        return []
    tail = tuple(sequence[len(sequence) - (n - 1):]) if n > 1 else ()
    return [sequence[i + n - 1] for i in range(len(sequence) - n + 1) if tuple(sequence[i:i + n - 1]) == tail]


def no_repeat_ngram(scores: np.ndarray, sequences: Sequence[Sequence[int]], n: int) -> np.ndarray:
    for row, sequence in enumerate(sequences):
        banned = repeated_ngram_completions(sequence, n)
        if banned:
            scores[row, banned] = -np.inf
    return scores


def temperature(scores: np.ndarray, value: float) -> np.ndarray:
    scores /= value
    return scores


def top_k(scores: np.ndarray, k: int, keep: int = 1) -> np.ndarray:
    k = max(k, keep)
    if k >= scores.shape[-1]:
        return scores
    kth = np.partition(scores, -k, axis=-1)[:, -k:].min(axis=-1, keepdims=True)
    scores[scores < kth] = -np.inf
    return scores


def _keep_prefix_of(scores: np.ndarray, order: np.ndarray, keep_count: np.ndarray) -> np.ndarray:
    """Set -inf on every word of each row but the first keep_count[row] words of order[row]."""
    removed = np.arange(order.shape[-1])[None, :] >= keep_count[:, None]
    rows = np.repeat(np.arange(order.shape[0]), order.shape[-1]).reshape(order.shape)
    scores[rows[removed], order[removed]] = -np.inf
    return scores


def top_p(scores: np.ndarray, p: float, keep: int = 1) -> np.ndarray:
    """The smallest set of most probable words whose probability reaches p (Holtzman et al. 2020, eq. 3)."""
    probs = softmax(scores)
    order = np.argsort(-probs, axis=-1, kind="stable")
    cumulative = np.cumsum(np.take_along_axis(probs, order, axis=-1), axis=-1)
    # The first position where the mass reaches p is the last word kept (a small tolerance for rounding).
    count = np.sum(cumulative < p - 1e-12, axis=-1) + 1
    return _keep_prefix_of(scores, order, np.maximum(count, keep))


def min_p(scores: np.ndarray, p: float, keep: int = 1) -> np.ndarray:
    probs = softmax(scores)
    order = np.argsort(-probs, axis=-1, kind="stable")
    threshold = p * probs.max(axis=-1)
    count = np.sum(probs >= threshold[:, None], axis=-1)
    return _keep_prefix_of(scores, order, np.maximum(count, keep))


def typical_p(scores: np.ndarray, mass: float, keep: int = 1) -> np.ndarray:
    logp = log_softmax(scores)
    probs = np.exp(logp)
    entropy = -np.sum(np.where(probs > 0, probs * logp, 0.0), axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        distance = np.where(np.isfinite(logp), np.abs(-logp - entropy), np.inf)
    order = np.argsort(distance, axis=-1, kind="stable")
    cumulative = np.cumsum(np.take_along_axis(probs, order, axis=-1), axis=-1)
    count = np.minimum(np.sum(cumulative < mass - 1e-12, axis=-1) + 1, scores.shape[-1])
    return _keep_prefix_of(scores, order, np.maximum(count, keep))
