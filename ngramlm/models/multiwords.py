"""Multiwords (SRILM's MultiwordLM, `ngram -multiwords`): a vocabulary word joined from several by a separator
(`i've_got_a`, separator `_`) is scored by a model of the single words as the product of its components'
probabilities, each given the components before it and the history with its multiwords split likewise:

    p(a_b | h) = p(a | split(h)) * p(b | split(h) a)

In:  a Scorer over single words whose vocabulary holds the multiwords too (from -vocab or the model).
Out: MultiwordScorer, a Scorer over the same vocabulary; its matched lengths pack one length per component
     (hit_label spells them as SRILM's -debug 2 report does, `[2gram][3gram][3gram]`).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.scorer import NO_WORD, Scorer
from ..use.scoring import score_by_batch

# The matched lengths of a multiword's components, packed in one integer: a base-MATCH_BASE digit each, the first
# component lowest; the top digit says how many components there are.
MATCH_BASE = 256


class MultiwordScorer(Scorer):
    """Splits the multiwords of `scorer`'s vocabulary at `separator` and scores them by their components (the
    components must be words of that vocabulary: a missing one gets probability zero)."""

    def __init__(self, scorer, separator: str = "_"):
        self.scorer = scorer
        self.vocab = scorer.vocab
        self.order = scorer.order
        self._parts: dict[int, tuple[int, ...]] = {}
        for wid, word in enumerate(self.vocab.words):
            if separator in word:
                parts = [p for p in word.split(separator) if p]
                if len(parts) > 1:
                    self._parts[wid] = tuple(self.vocab.id(p) if p in self.vocab else -1 for p in parts)

    def has_unk(self) -> bool:
        return getattr(self.scorer, "has_unk", lambda: False)()

    def _split(self, words: Sequence[int]) -> list[int]:
        split: list[int] = []
        for w in words:
            split.extend(self._parts.get(w, (w,)))
        return split

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every component of every position is scored in one batch of the underlying scorer."""
        if not self._parts:
            return self.scorer.score_batch(words, histories)
        width = self.order - 1
        histories = np.asarray(histories).reshape(len(words), width)
        query_words, query_histories, owner, missing = [], [], [], np.zeros(len(words), dtype=bool)
        for i, (word, row) in enumerate(zip(np.asarray(words).tolist(), histories.tolist())):
            split = self._split([h for h in row if h != NO_WORD])
            for part in self._parts.get(word, (word,)):
                if part < 0:
                    missing[i] = True
                    part = 0
                context = split[len(split) - width:] if width and len(split) > width else split
                query_words.append(part)
                query_histories.append([NO_WORD] * (width - len(context)) + context)
                owner.append(i)
                split.append(part)
        logp, matched = self.scorer.score_batch(np.array(query_words, dtype=np.uint32),
                                                np.array(query_histories, dtype=np.uint32).reshape(-1, width))
        owner_array = np.array(owner)
        logprob = np.zeros(len(words), dtype=np.float64)
        np.add.at(logprob, owner_array, np.asarray(logp, dtype=np.float64))
        logprob[missing] = -np.inf
        packed = np.zeros(len(words), dtype=np.int64)
        counts = np.zeros(len(words), dtype=np.int64)
        for i, m in zip(owner, np.asarray(matched).tolist()):
            packed[i] += m * MATCH_BASE ** counts[i]
            counts[i] += 1
        multi = counts > 1
        packed[multi] += counts[multi] * MATCH_BASE ** counts[multi]
        return logprob.astype(np.float32), packed

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    @staticmethod
    def hit_label(matched: int) -> str:
        """SRILM's `[Ngram]` per component of a multiword, `[Ngram]` or `[OOV]` for a single word."""
        if matched >= MATCH_BASE ** 2:  # a multiword: its components' digits, then their number on top
            digits = []
            while matched:
                digits.append(matched % MATCH_BASE)
                matched //= MATCH_BASE
            return "".join(f"[{m}gram]" for m in digits[:digits[-1]])
        return f"[{matched}gram]" if matched > 0 else "[OOV]"
