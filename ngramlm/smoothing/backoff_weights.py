"""Back-off weights: the factor that makes every context's distribution sum to one.

Given the explicit probabilities p(w | h) of a back-off model, the weight of a context h is (Katz 1987;
SRILM's Ngram::computeBOW)

    bow(h) = (1 - sum_{w: h w explicit} p(w | h)) / (1 - sum_{w: h w explicit} p_BO(w | h'))

where h' is h without its oldest word and p_BO is the back-off estimate of the lower orders. Contexts are
processed shortest first, since p_BO(. | h') needs the weights of h' and shorter. Everything is vectorised:
an order's n-grams are sorted, so each context's n-grams are one contiguous run.

Sums that are within PROB_EPSILON of 0 or 1 are treated as exactly 0 or 1, as SRILM does, so rounding never
produces a tiny spurious weight:
  - numerator and denominator ~0 (the context's n-grams take all the mass, and so would the lower order): bow 1;
  - numerator 0, denominator > 0 (no mass left for unseen words): bow 0, written -99;
  - denominator ~0 but numerator > 0 (the lower order has nothing left to give): SRILM scales the context's
    probabilities to sum to one and sets bow 1 (estimation does this; `compute_logbows` reports bow 1);
  - numerator < 0 (probabilities sum to more than one: an improper model): bow 0 (-99) and a warning.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..core.model import LOG10_ZERO, BackoffModel
from .ngram_keys import NgramKeys, find, group_starts, run_index

# SRILM's Prob_Epsilon: probability sums closer than this to 0 or 1 are taken to be exactly 0 or 1.
PROB_EPSILON = 3e-6


def to_prob(logp: np.ndarray) -> np.ndarray:
    """10 ** logp, with anything at or below LOG10_ZERO (-99, ARPA's log10(0)) read as exactly 0."""
    logp = np.asarray(logp, dtype=np.float64)
    return np.where(logp <= LOG10_ZERO, 0.0, np.power(10.0, np.maximum(logp, LOG10_ZERO)))


def to_log10(prob: np.ndarray) -> np.ndarray:
    """log10 prob, with 0 (and anything too small to write) as LOG10_ZERO."""
    prob = np.asarray(prob, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log10(prob)
    return np.where(prob > 0, np.maximum(logp, LOG10_ZERO), LOG10_ZERO)


def as_stored(logp: np.ndarray) -> np.ndarray:
    """log10 values rounded to single precision, as SRILM stores them (its LogP is a C float), so that
    estimates agree with SRILM's to the last printed digit."""
    return np.asarray(logp, dtype=np.float32).astype(np.float64)


class BackoffTables:
    """The explicit probabilities and context weights of a back-off model, searchable in bulk.

    `set_probs(n, rows, logprob)` installs the n-grams of order n; `set_bows(n, rows, logbow)` the weights of
    the contexts of length n (a context without a weight backs off with weight 1). Estimators fill these order
    by order, since higher orders are estimated from the finished lower ones.
    """

    def __init__(self, vocab_size: int, order: int):
        self.keys = NgramKeys(vocab_size)
        self.order = order
        empty = self.keys(np.zeros((0, 1), dtype=np.uint32))
        self.rows = [np.zeros((0, n), dtype=np.uint32) for n in range(order + 1)]
        self.prob_keys = [empty] * (order + 1)
        self.logprob = [np.zeros(0)] * (order + 1)
        self.bow_keys = [empty] * (order + 1)
        self.logbow = [np.zeros(0)] * (order + 1)

    def set_probs(self, n: int, rows: np.ndarray, logprob: np.ndarray) -> None:
        """Install the n-grams of order n (`rows` sorted) with their log10 probabilities."""
        self.rows[n] = rows
        self.prob_keys[n] = self.keys(rows)
        self.logprob[n] = as_stored(logprob)

    def set_bows(self, n: int, rows: np.ndarray, logbow: np.ndarray) -> None:
        """Install the log10 back-off weights of the contexts of length n (`rows` sorted)."""
        self.bow_keys[n] = self.keys(rows)
        self.logbow[n] = as_stored(logbow)

    def context_logbow(self, rows: np.ndarray) -> np.ndarray:
        """log10 bow of each context row (0 for contexts without explicit extensions)."""
        n = rows.shape[1]
        if n == 0:
            return np.zeros(len(rows))
        at = find(self.bow_keys[n], self.keys(rows))
        return np.where(at >= 0, self.logbow[n][np.maximum(at, 0)] if len(self.logbow[n]) else 0.0, 0.0)

    def backoff_logprob(self, histories: np.ndarray, words: np.ndarray) -> np.ndarray:
        """log10 p(w | h) by the back-off recursion, for each row h of `histories` (oldest word first).

        Only the last order-1 words of a history matter. A word that is not even a unigram gets LOG10_ZERO.
        """
        histories = histories[:, max(0, histories.shape[1] - (self.order - 1)):]
        m, length = histories.shape
        result = np.full(m, LOG10_ZERO)
        backoff = np.zeros(m)
        pending = np.arange(m)
        for used in range(length, -1, -1):
            if len(pending) == 0:
                break
            context = histories[pending, length - used:]
            rows = np.column_stack((context, words[pending]))
            at = find(self.prob_keys[used + 1], self.keys(rows))
            hit = at >= 0
            result[pending[hit]] = self.logprob[used + 1][at[hit]] + backoff[pending[hit]]
            missed = pending[~hit]
            if used > 0:
                backoff[missed] += self.context_logbow(context[~hit])
            pending = missed
        return as_stored(np.maximum(result, LOG10_ZERO))


def context_weights(tables: BackoffTables, rows: np.ndarray, logprob: np.ndarray, *, rescale: bool = True):
    """Back-off weights of the contexts of the (n)-grams `rows` (sorted, n >= 2), as SRILM computes them.

    Returns (contexts, logbow, logprob): the distinct contexts (rows[:, :-1]) in order, their log10 weights,
    and the n-gram log probabilities, scaled to sum to one in contexts whose back-off distribution has no mass
    left (when `rescale`; otherwise unchanged). `tables` must hold every lower order with its weights.
    """
    n = rows.shape[1]
    prefix_keys = tables.keys(rows[:, :-1])
    starts = group_starts(prefix_keys)
    contexts = rows[starts, :-1]
    if len(rows) == 0:
        return contexts, np.zeros(0), logprob
    numerator = 1.0 - np.add.reduceat(to_prob(logprob), starts)
    lower = to_prob(tables.backoff_logprob(rows[:, 1:n - 1], rows[:, -1]))
    denominator = 1.0 - np.add.reduceat(lower, starts)
    numerator[np.abs(numerator) < PROB_EPSILON] = 0.0
    denominator[np.abs(denominator) < PROB_EPSILON] = 0.0

    lower_exhausted = (denominator < PROB_EPSILON) & (numerator > PROB_EPSILON)
    improper = ~lower_exhausted & (numerator < 0)
    unnormalisable = ~lower_exhausted & ~improper & (denominator <= 0) & (numerator > PROB_EPSILON)
    regular = ~(lower_exhausted | improper) & (denominator > 0)

    logbow = np.zeros(len(starts))
    with np.errstate(divide="ignore"):
        logbow[regular] = np.log10(numerator[regular]) - np.log10(denominator[regular])
    logbow[improper | unnormalisable] = LOG10_ZERO
    logbow = np.maximum(logbow, LOG10_ZERO)

    if np.any(improper | unnormalisable):
        warnings.warn(f"{int(np.sum(improper | unnormalisable))} {n - 1}-word contexts have explicit probabilities "
                      "summing to more than one; their back-off weights are set to zero (the model is improper)",
                      stacklevel=2)
    if rescale and np.any(lower_exhausted):
        group = run_index(starts, len(rows))
        scale = -np.log10(1.0 - numerator)
        logprob = np.where(lower_exhausted[group] & (logprob > LOG10_ZERO), logprob + scale[group], logprob)
    return contexts, logbow, logprob


def compute_logbows(model: BackoffModel) -> list[np.ndarray]:
    """Recompute every back-off weight of `model` so that each context's distribution sums to one.

    Returns one log10 bow array per order, parallel to `model.ngrams` (0 for n-grams that are not contexts,
    and for the highest order). The explicit probabilities are taken as they are; see the module docstring for
    contexts whose numerator or denominator is ~0.
    """
    tables = BackoffTables(len(model.vocab), model.order)
    for k in range(model.order):
        tables.set_probs(k + 1, model.ngrams[k], model.logprob[k])
    logbows = [np.zeros(len(g)) for g in model.ngrams]
    for k in range(1, model.order):
        contexts, bows, _ = context_weights(tables, model.ngrams[k], model.logprob[k], rescale=False)
        tables.set_bows(k, contexts, bows)
        at = find(tables.keys(model.ngrams[k - 1]), tables.keys(contexts))
        logbows[k - 1][at[at >= 0]] = bows[at >= 0]
    return logbows
