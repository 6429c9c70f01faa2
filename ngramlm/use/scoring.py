"""Scoring positions with any Scorer, and BackoffScorer: a BackoffModel scored through its index.

Input: a Scorer (ngramlm.core.scorer) and encoded sentences (ngramlm.use.ppl_report.encode_sentence) or
(word, history) positions. Output: log10 probabilities (-inf for zero) and the length of the n-gram matched at
each position, in one batch call where the scorer has one. BackoffScorer takes both from the model's index
(`BackoffModel.index`, ngramlm.core.index), with SRILM's or KenLM's float arithmetic, so that the printed figures
agree with theirs to the last digit.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.errors import ModelError
from ..core.index import KENLM, SRILM
from ..core.model import BackoffModel
from ..core.scorer import NO_WORD, Scorer
from .text_stats import ScoredSentence


def score_by_batch(scorer, word: int, context: Sequence[int]) -> tuple[float, int]:
    """Scorer.score for scorers that only know how to score batches (`order` and `score_batch`)."""
    width = scorer.order - 1
    recent = list(context)[max(0, len(context) - width):] if width else []
    history = np.array([[NO_WORD] * (width - len(recent)) + recent], dtype=np.uint32).reshape(1, width)
    logp, matched = scorer.score_batch(np.array([word], dtype=np.uint32), history)
    return float(logp[0]), int(matched[0])


class BackoffScorer(Scorer):
    """Scores a BackoffModel by the back-off recursion of its index, with the float arithmetic of SRILM or KenLM.

    Args:
        model: the model.
        order: use only its n-grams up to this order (SRILM's -order); default: all.
        arithmetic: "srilm" adds up the back-off weights first, then the probability (Ngram::wordProbBO);
            "kenlm" adds the weights one by one to the probability (GenericModel::FullScore) and gives a missing
            <unk> KenLM's log10 probability of -100.
    """

    def __init__(self, model: BackoffModel, order: int | None = None, arithmetic: str = "srilm"):
        if arithmetic not in ("srilm", "kenlm"):
            raise ValueError(f"arithmetic must be 'srilm' or 'kenlm', not {arithmetic!r}")
        self.model = model
        self.vocab = model.vocab
        self.order = model.order if order is None else order
        if not 1 <= self.order <= model.order:
            raise ModelError(f"cannot use order {self.order}: the model's n-grams go up to order {model.order}")
        self.index = model.index
        self.arithmetic = KENLM if arithmetic == "kenlm" else SRILM

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score many positions: words (m,) and histories (m, order - 1), most recent word last, NO_WORD where
        the sentence has no word. Returns log10 probabilities (float32, -inf for zero) and matched lengths."""
        m, width = len(words), self.order - 1
        histories = np.asarray(histories).reshape(m, width)
        return self.index.score(words, histories, self.arithmetic)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id w (float32), as `score` gives them (for -debug 3 sums)."""
        width = min(len(context), self.order - 1)
        logp = self.index.distribution(list(context)[len(context) - width:], self.arithmetic)
        if len(logp) >= len(self.vocab):
            return logp[:len(self.vocab)]
        return np.concatenate((logp, np.full(len(self.vocab) - len(logp), -np.inf, dtype=logp.dtype)))


def sentence_positions(ids: list, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(words, histories) of the positions to score in an encoded sentence; histories keep `width` >= 1 words."""
    start = 1 if ids[0] is not None else 0
    sequence = ids if start else ids[1:]
    padded = np.array([NO_WORD] * width + sequence, dtype=np.uint32)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width + 1)[start:]
    return windows[:, -1], windows[:, :-1]


def score_sentences(scorer: Scorer, sentences: list[list]) -> list[ScoredSentence]:
    """Score encoded sentences (see `encode_sentence`), all positions in one batch where the scorer allows."""
    width = max(scorer.order - 1, 1)
    parts = [sentence_positions(ids, width) for ids in sentences]
    if not parts:
        return []
    words = np.concatenate([w for w, _ in parts])
    histories = np.concatenate([h for _, h in parts])
    logprob, matched = score_positions(scorer, words, histories[:, width - (scorer.order - 1):])
    bounds = np.cumsum([len(w) for w, _ in parts])[:-1]
    return [ScoredSentence(w, h, lp, mt) for (w, h), lp, mt in
            zip(parts, np.split(logprob, bounds), np.split(matched, bounds))]


def score_positions(scorer: Scorer, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The scorer's batch call, or its one-word call position by position."""
    batch = getattr(scorer, "score_batch", None)
    if batch is not None:
        return batch(words, histories)
    results = [scorer.score(int(w), [int(x) for x in h if x != NO_WORD]) for w, h in zip(words, histories)]
    logprob = np.array([r[0] for r in results], dtype=np.float64)
    return logprob, np.array([r[1] for r in results], dtype=np.int64)
