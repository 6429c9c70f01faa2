"""What generation needs from a model: the next word's scores for a batch of states, and how to move, reorder and
duplicate the states. One protocol serves the n-gram models (through NgramStepModel, below) and the neural ones
(ngramlm.models.neural.stepping.NeuralStepModel).

  start(prefixes)        -> (state, logits (rows, vocab), hidden)  after reading each prefix (word ids, <s> first
                            where a sentence starts); hidden: per row, the hidden vector of every prefix position
                            (rows of (length, width) arrays), or None for a model without hidden states
  advance(state, words)  -> (state, logits, hidden)  after reading one more word per row; hidden (rows, width)
  select(state, rows)    -> the state of those rows, in that order (rows may repeat: beams, candidates)
  has_hidden             whether the model has hidden states (contrastive search needs them)

Logits are scores whose softmax is the next-word distribution: a neural model's raw output layer, an n-gram
model's natural-log probabilities (so the repetition penalty, defined on logits, sees log-probabilities there,
as it does in every strategy of an n-gram model). <s> always gets -inf.

Contrastive search (Su et al. 2022) compares the hidden vector of each candidate word with those of the words
before it. An n-gram model has no such vector: its "state" is the last n-1 words themselves, and two different
contexts share nothing to compare but words, so the degeneration penalty would reduce to word identity (the
no-repeat and repetition-penalty controls already do that). NgramStepModel therefore has has_hidden = False and
the engine refuses contrastive search for it.

A stateful scorer, one whose distribution depends on more than the last n-1 words (a cache model: it has
`reset` and learns from `score_batch`), keeps each row's whole history as its state; before each of that row's
distributions the scorer is reset and re-reads the history, so that the cache holds the row's own words (the prefix
and what was generated so far, <s> excepted) and no other row's.

In:  a model with next-word distributions: a BackoffModel (any smoothing), ngramlm.use.query.Model (ARPA or
     ngramlm binary), or any Scorer with distribution(context) (class models, cache models, mixtures).
Out: NgramStepModel, the adapter; memory: the distributions of the last 512 contexts (histories, for a stateful
     scorer) are cached.
"""
from __future__ import annotations

from collections import OrderedDict
from functools import partial
from typing import Any, Protocol, Sequence

import numpy as np

from ...core.constants import LN10
from ...core.index import FLOAT64_STEPWISE
from ...core.model import BackoffModel
from ...core.scorer import NO_WORD
from ...core.vocab import BOS_ID, Vocabulary
from ..query import Model as QueryModel, State


class StepModel(Protocol):
    """See the module docstring."""

    vocab: Vocabulary
    has_hidden: bool

    def start(self, prefixes: Sequence[Sequence[int]]) -> tuple[Any, np.ndarray, list[np.ndarray] | None]: ...

    def advance(self, state: Any, words: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray | None]: ...

    def select(self, state: Any, rows: np.ndarray) -> Any: ...


class NgramStepModel:
    """Any n-gram model as a StepModel: a row's state is its last order-1 words."""

    has_hidden = False
    CACHED_CONTEXTS = 512

    def __init__(self, model):
        self.model = model
        self.vocab = model.vocab
        self.order = model.order
        if isinstance(model, QueryModel):
            self._distribution = self._query_distribution
        elif isinstance(model, BackoffModel):
            self._distribution = partial(model.index.distribution, arithmetic=FLOAT64_STEPWISE)
        elif hasattr(model, "distribution"):
            self._distribution = model.distribution
        else:
            raise TypeError(f"{type(model).__name__} gives no next-word distribution")
        self.stateful = hasattr(model, "reset") and hasattr(model, "score_batch")
        self._cache: OrderedDict[tuple[int, ...], np.ndarray] = OrderedDict()

    def _context(self, words: Sequence[int]) -> tuple[int, ...]:
        """A row's state: its last order-1 words, or its whole history for a stateful scorer."""
        keep = len(words) if self.stateful else self.order - 1
        return tuple(int(w) for w in words[max(0, len(words) - keep):]) if keep > 0 else ()

    def _replay(self, history: tuple[int, ...]) -> None:
        """Reset a stateful scorer and let it read `history` (every word after <s>), as scoring the text would."""
        self.model.reset()
        width = self.order - 1
        padded = np.asarray([NO_WORD] * width + list(history), dtype=np.uint32)
        windows = np.lib.stride_tricks.sliding_window_view(padded, width + 1)
        if history[:1] == (BOS_ID,):  # <s> is context only, never scored (as ngramlm.use.scoring reads a sentence)
            windows = windows[1:]
        if len(windows):
            self.model.score_batch(windows[:, -1], windows[:, :-1])

    def _query_distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word from the hash index: the context's state, then every word."""
        state, out = State(), State()
        words = list(context)
        if words[:1] == [BOS_ID]:
            self.model.BeginSentenceWrite(state)
            words = words[1:]
        else:
            self.model.NullContextWrite(state)
        for word in words:
            self.model.BaseScore(state, self.vocab.word(word), out)
            state, out = out, state
        logp, _ = self.model.score_pairs(state, np.arange(len(self.vocab)), return_states=False)
        return logp

    def logits(self, context: Sequence[int]) -> np.ndarray:
        """Natural-log p(w | context) for every word id (a copy the caller may change)."""
        key = self._context(context)
        scores = self._cache.get(key)
        if scores is None:
            if self.stateful:
                self._replay(key)
                key_context = key[max(0, len(key) - (self.order - 1)):]
            else:
                key_context = key
            scores = np.full(len(self.vocab), -np.inf)
            given = np.asarray(self._distribution(key_context), dtype=np.float64)[:len(self.vocab)]
            scores[:len(given)] = given * LN10
            scores[BOS_ID] = -np.inf
            self._cache[key] = scores
            if len(self._cache) > self.CACHED_CONTEXTS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return scores.copy()

    def _batch(self, state: list[tuple[int, ...]]) -> np.ndarray:
        return np.stack([self.logits(context) for context in state]) if state else np.zeros((0, len(self.vocab)))

    def start(self, prefixes):
        state = [self._context(prefix) for prefix in prefixes]
        return state, self._batch(state), None

    def advance(self, state, words):
        state = [self._context(context + (int(word),)) for context, word in zip(state, words)]
        return state, self._batch(state), None

    def select(self, state, rows):
        return [state[int(row)] for row in rows]
