"""The Scorer protocol: what every model that scores words declares, so that one evaluator, one -ppl report and
one generator serve them all (back-off models, mixtures, class and cache models, the query index, neural models).

A scorer has a vocabulary, an order (how many words it looks at, the word included) and
`score(word_id, context_ids) -> (log10 p, length of the matched n-gram)`: context oldest word first, -inf for
probability zero, length 0 when the word is not even a unigram (models without n-grams report what fits best).
It may also offer `score_batch(words, histories) -> (log10 p, matched lengths)`, for words (m,) and histories
(m, order - 1) with the most recent word last and NO_WORD before the start of a sentence; callers use it where
it is there (ngramlm.use.scoring.score_positions), and `distribution(context)`, every word's log10 p at once.

In:  word ids of the scorer's Vocabulary: a word and its context (score), or words (m,) and histories (m, order - 1)
     (score_batch), or a context (distribution).
Out: log10 p and the matched n-gram length per word; distribution: a log10 p for every word id.
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from .index import PAD
from .vocab import Vocabulary

# Fills history columns before the start of a sentence; no word has this id (the index's PAD).
NO_WORD = PAD


@runtime_checkable
class Scorer(Protocol):
    """What the evaluator needs from a model (see the module docstring)."""

    vocab: Vocabulary
    order: int

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        """log10 p(word | context) (context oldest word first; -inf for probability zero) and the length of the
        n-gram that matched (0 when the word is not even a unigram)."""
