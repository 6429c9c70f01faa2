"""SRILM's two options for scoring around unknown words, as wrappers of any batch Scorer.

  - -unk-prob L (SRILM's NonzeroLM): <unk> gets log10 probability L wherever it is scored (-99: probability zero),
    so an unknown word counts as a word rather than an OOV;
  - -skipoovs (Ngram::wordProb's compatibility mode): probability zero for <unk> and for a word whose previous
    word (order > 1) or the one before (order > 2) is <unk>; such words count as OOVs or zero-probability words.

In:  a Scorer with score_batch (BackoffScorer, mixtures) and the option's value.
Out: a Scorer with the same vocabulary and order.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.constants import LOG10_ZERO
from ..core.vocab import UNK_ID
from .scoring import score_by_batch, score_positions


class UnkProbScorer:
    """`scorer` with <unk>'s log10 probability replaced by `unk_logprob` (-unk-prob)."""

    def __init__(self, scorer, unk_logprob: float):
        self.scorer, self.vocab, self.order = scorer, scorer.vocab, scorer.order
        self.unk_logprob = -np.inf if unk_logprob <= LOG10_ZERO else unk_logprob

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logprob, matched = score_positions(self.scorer, words, histories)
        logprob = np.array(logprob, dtype=np.float32)
        logprob[np.asarray(words) == UNK_ID] = self.unk_logprob
        return logprob, matched


class SkipOovScorer:
    """`scorer` giving probability zero to <unk> and to words right after <unk> (-skipoovs)."""

    def __init__(self, scorer):
        self.scorer, self.vocab, self.order = scorer, scorer.vocab, scorer.order

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logprob, matched = score_positions(self.scorer, words, histories)
        logprob = np.array(logprob, dtype=np.float32)
        histories = np.asarray(histories).reshape(len(words), -1)
        skip = np.asarray(words) == UNK_ID
        if self.order > 1 and histories.shape[1] >= 1:
            skip |= histories[:, -1] == UNK_ID
        if self.order > 2 and histories.shape[1] >= 2:
            skip |= histories[:, -2] == UNK_ID
        logprob[skip] = -np.inf
        matched = np.array(matched, dtype=np.int64)
        matched[skip] = -1  # no n-gram was looked up (the -debug 2 line shows no hit)
        return logprob, matched
