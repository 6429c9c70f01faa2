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

In:  a BackoffModel whose explicit probabilities are final (compute_logbows, renormalize); or one order's sorted
     n-grams and log10 probabilities, with an NgramIndex holding the lower orders and their weights (context_weights).
Out: log10 back-off weights, one array per order parallel to model.ngrams (0 for the n-grams that are no context
     and for the highest order); renormalize: a new BackoffModel with them.
"""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np

from ..core.constants import LOG10_ZERO, PROB_EPSILON
from ..core.index import SRILM, NgramIndex
from ..core.model import BackoffModel

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


def backoff_logprob(index: NgramIndex, histories: np.ndarray, words: np.ndarray) -> np.ndarray:
    """log10 p(w | h) by the back-off recursion of `index` (ngramlm.core.index) for each row h of `histories`
    (oldest word first), as estimation uses it: in SRILM's single-precision sums (its wordProbBO adds floats:
    in double, an order-5 model of PTB differs from SRILM's in the last digit of a few lines), at least
    LOG10_ZERO (a word that is not even a unigram gets LOG10_ZERO)."""
    return as_stored(np.maximum(index.score(words, histories, SRILM)[0], LOG10_ZERO))


def context_starts(rows: np.ndarray) -> np.ndarray:
    """Start of each context's run in sorted n-gram rows (n >= 2): where rows[:, :-1] changes."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    changed = np.any(rows[1:, :-1] != rows[:-1, :-1], axis=1)
    return np.flatnonzero(np.concatenate(([True], changed)))


def run_index(starts: np.ndarray, length: int) -> np.ndarray:
    """For each of `length` rows, the index of the run (as given by `context_starts`) that holds it."""
    flags = np.zeros(length, dtype=np.int64)
    flags[starts] = 1
    return np.cumsum(flags) - 1


def context_weights(index: NgramIndex, rows: np.ndarray, logprob: np.ndarray, *, rescale: bool = True):
    """Back-off weights of the contexts of the (n)-grams `rows` (sorted, n >= 2), as SRILM computes them.

    Returns (contexts, logbow, logprob): the distinct contexts (rows[:, :-1]) in order, their log10 weights,
    and the n-gram log probabilities, scaled to sum to one in contexts whose back-off distribution has no mass
    left (when `rescale`; otherwise unchanged). `index` must hold every lower order with its weights.
    """
    n = rows.shape[1]
    starts = context_starts(rows)
    contexts = rows[starts, :-1]
    if len(rows) == 0:
        return contexts, np.zeros(0), logprob
    numerator = 1.0 - np.add.reduceat(to_prob(logprob), starts)
    lower = to_prob(backoff_logprob(index, rows[:, 1:n - 1], rows[:, -1]))
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


def compute_logbows(model: BackoffModel, index: NgramIndex | None = None) -> list[np.ndarray]:
    """Recompute every back-off weight of `model` so that each context's distribution sums to one.

    Returns one log10 bow array per order, parallel to `model.ngrams` (0 for n-grams that are not contexts,
    and for the highest order), each weight rounded to single precision as SRILM stores it. The explicit
    probabilities are taken as SRILM holds them (in single precision); see the module docstring for contexts
    whose numerator or denominator is ~0. Rows whose log-probability is NaN are contexts only: they
    count neither in the numerator nor in the denominator (SRILM's recomputeBOWs while pruning). `index` is the
    index of the model's n-grams to use (by default `model.index`; a working copy of a model may share its
    original's).
    """
    logbows = [np.zeros(len(g)) for g in model.ngrams]
    # The recursion runs over the values as SRILM stores them (single precision), the weights filled in as they
    # are computed: each order needs only the shorter contexts' weights.
    stored = SimpleNamespace(logprob=[as_stored(lp) for lp in model.logprob],
                             logbow=[np.zeros(len(g)) for g in model.ngrams])
    index = (model.index if index is None else index).with_values(stored)
    for k in range(1, model.order):
        explicit = np.flatnonzero(~np.isnan(model.logprob[k]))
        rows = model.ngrams[k][explicit]
        _, bows, _ = context_weights(index, rows, stored.logprob[k][explicit], rescale=False)
        contexts = index.parent_rows(k + 1)[explicit][context_starts(rows)]
        # kept in single precision, as SRILM keeps them (a C float): printed with %.7g, a double can round the other
        # way in the last digit
        logbows[k - 1][contexts] = stored.logbow[k - 1][contexts] = as_stored(bows)
    return logbows


def renormalize(model: BackoffModel) -> BackoffModel:
    """The model with its back-off weights recomputed so every context's distribution sums to 1 (SRILM's -renorm,
    Ngram::recomputeBOWs); its n-grams and probabilities unchanged. (Not a method of BackoffModel: the model sits
    in core, a room below this normalisation.)"""
    return BackoffModel(model.vocab, model.ngrams, model.logprob, compute_logbows(model))
