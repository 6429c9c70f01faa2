"""Rescoring an n-gram model's probabilities with another model (SRILM's ngram -rescore-ngram, Ngram::rescoreProbs):
every explicit n-gram `h w` of the target model gets log10 p(w | h) under the scoring model (any Scorer: a back-off
model, a mixture, a class or cache model), and the target's back-off weights are then recomputed so that each
context's distribution sums to one (SRILM's recomputeBOWs, which also gives the unigram mass left over to the
target's words of probability zero). The target keeps its own n-grams: the result is a back-off approximation of
the scoring model on the target's n-gram set.

In:  the target BackoffModel (with its own vocabulary) and a Scorer.
Out: a new BackoffModel: the target's n-grams and vocabulary, the scorer's probabilities, recomputed back-off
     weights. (As in SRILM, the target's words are added to the scorer's vocabulary to be scored; the result's
     vocabulary stays the target's, so words only the scorer knows are out of its vocabulary.)
"""
from __future__ import annotations

import numpy as np

from ..core.model import BackoffModel
from ..core.scorer import NO_WORD
from ..core.vocab import UNK_ID
from ..smoothing.backoff_estimator import distribute_left_over, non_events
from ..smoothing.backoff_weights import as_stored, compute_logbows


def _scores(scorer, grams: np.ndarray) -> np.ndarray:
    """log10 p(last word | the words before it) of each row of `grams` (an (m, n) id array)."""
    width = scorer.order - 1
    words = grams[:, -1]
    history = grams[:, :-1][:, max(0, grams.shape[1] - 1 - width):]
    if history.shape[1] < width:
        pad = np.full((len(grams), width - history.shape[1]), NO_WORD, dtype=np.uint32)
        history = np.hstack([pad, history.astype(np.uint32)])
    if hasattr(scorer, "score_batch"):
        return np.asarray(scorer.score_batch(words.astype(np.uint32), history.astype(np.uint32))[0],
                          dtype=np.float64)
    return np.array([scorer.score(int(w), [int(v) for v in h if v != NO_WORD])[0] for w, h in zip(words, history)],
                    dtype=np.float64)


def rescored_probabilities(target: BackoffModel, scorer) -> BackoffModel:
    """The target's n-grams with the scorer's probabilities (SRILM's Ngram::rescoreProbs), back-off weights 0."""
    to_scorer = np.array([scorer.vocab.add(w) for w in target.vocab.words], dtype=np.uint32)
    logprob = [_scores(scorer, to_scorer[grams]) if len(grams) else np.zeros(0) for grams in target.ngrams]
    return BackoffModel(target.vocab, target.ngrams, logprob, [np.zeros(len(g)) for g in target.ngrams])


def recompute_weights(model: BackoffModel, unk: bool = False) -> BackoffModel:
    """SRILM's Ngram::recomputeBOWs: the unigram mass left over given to the words of probability zero (or to all
    words), then every back-off weight recomputed; `unk`: <unk> is a word (-unk), not a non-event."""
    words = model.ngrams[0][:, 0]
    predicted = ~np.isin(words, non_events(model.vocab)) & (unk | (words != UNK_ID))
    logprob = list(model.logprob)
    with np.errstate(divide="ignore"):
        probs = 10.0 ** as_stored(logprob[0])  # SRILM sums the values it stores
        distribute_left_over(probs, predicted, int(predicted.sum()))
        logprob[0] = np.where(predicted, np.log10(probs), logprob[0])
    redistributed = BackoffModel(model.vocab, model.ngrams, logprob, model.logbow)
    return BackoffModel(model.vocab, model.ngrams, logprob, compute_logbows(redistributed))


def rescore_ngrams(target: BackoffModel, scorer, unk: bool = False) -> BackoffModel:
    """The target's n-grams with the scorer's probabilities and back-off weights recomputed (SRILM's
    Ngram::rescoreProbs followed by recomputeBOWs)."""
    return recompute_weights(rescored_probabilities(target, scorer), unk)
