"""The general class n-gram (SRILM's ClassNgram, `ngram -classes C` without -simple-classes): classes that expand
to several words, words in several classes, and words that are also n-gram tokens of their own.

A sentence's probability sums over every way of reading it as a string of tokens, each token a word of the model
or a class standing for one of its expansions:

    p(w_1 .. w_k) = sum over parses of  prod p(token | previous tokens) * p(expansion | class)

computed left to right by a forward pass whose states are (the last order-1 tokens, the rest of the expansion being
read). A word's conditional probability is p(w_1 .. w_k) / p(w_1 .. w_{k-1}), both sums over every state (parses
ending inside an expansion included), as SRILM's ClassNgram::prefixProb has it. A word no state can read (an
unknown word) gets probability zero, and the pass goes on from the words themselves as the context with the prefix
probability so far, as SRILM does.

In:  the class file's expansions (ngramlm.models.classes.read_class_expansions) and the BackoffModel over tokens.
Out: ClassTrellisScorer, a Scorer whose probabilities depend on the whole sentence so far: ngramlm.use.scoring's
     score_sentences asks it for whole sentences (score_in_sentences).
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Sequence

import numpy as np

from ..core.model import BackoffModel
from ..core.scorer import NO_WORD, Scorer
from ..core.vocab import BOS_ID, Vocabulary
from ..use.scoring import BackoffScorer
from .classes import UNKNOWN_TO_COMPONENT, ClassExpansion

State = tuple[tuple[int, ...], tuple[int, ...]]  # (last tokens, most recent last; the expansion's words left)


class ClassTrellisScorer(Scorer):
    """Scores words with the general class n-gram. Its vocabulary is the model's (ids kept), then the words of
    the class expansions; `score` runs the forward pass over the context given."""

    def __init__(self, expansions: Sequence[ClassExpansion], model: BackoffModel):
        tokens = model.vocab
        self.vocab = Vocabulary(tokens.words[3:], unk_word=tokens.unk_word)
        self._model_size = len(tokens)
        # Expansions by their first word: (class token, the words after the first, p(expansion | class)).
        self._starting: dict[int, list[tuple[int, tuple[int, ...], float]]] = defaultdict(list)
        for expansion in expansions:
            words = [self.vocab.add(word) for word in expansion.words]
            # a class the model lacks, or a zero probability, starts no parse
            if expansion.name in tokens and expansion.prob > 0:
                self._starting[words[0]].append((tokens.id(expansion.name), tuple(words[1:]), expansion.prob))
        self.order = model.order
        self._scorer = BackoffScorer(model)
        self._probs: dict[tuple[int, tuple[int, ...]], float] = {}

    def has_unk(self) -> bool:
        return self._scorer.model.has_unk()

    def _prob(self, token: int, context: tuple[int, ...]) -> float:
        """p(token | context) of the model over tokens (memoised: a text asks for the same ones again)."""
        key = (token, context)
        prob = self._probs.get(key)
        if prob is None:
            width = self.order - 1
            history = np.array([[NO_WORD] * (width - len(context)) + list(context)], dtype=np.uint32)
            logp, _ = self._scorer.score_batch(np.array([token], dtype=np.uint32), history.reshape(1, width))
            prob = self._probs[key] = 10.0 ** float(logp[0])
        return prob

    def _context(self, tokens: Sequence[int]) -> tuple[int, ...]:
        width = self.order - 1
        return tuple(tokens[max(len(tokens) - width, 0):]) if width else ()

    def _model_id(self, word: int) -> int:
        return word if word < self._model_size else UNKNOWN_TO_COMPONENT

    def sentence_logprobs(self, sequence: Sequence[int], context_first: bool) -> np.ndarray:
        """log10 p(w | everything before it) of each word of `sequence` (word ids of self.vocab); with
        `context_first` the first word (<s>) is context only and gets no probability."""
        start = 1 if context_first else 0
        states: dict[State, float] = {(self._context([sequence[0]]) if start else (), ()): 1.0}
        logprobs = np.empty(len(sequence) - start)
        for k in range(start, len(sequence)):
            word = sequence[k]
            following: dict[State, float] = defaultdict(float)
            for (context, rest), prob in states.items():
                if rest:
                    if rest[0] == word:
                        following[(context, rest[1:])] += prob
                    continue
                if word < self._model_size:
                    p = self._prob(word, context)
                    if p > 0:
                        following[(self._context(context + (word,)), ())] += prob * p
                for token, tail, expansion_prob in self._starting.get(word, ()):
                    p = self._prob(token, context)
                    if p > 0:
                        following[(self._context(context + (token,)), tail)] += prob * p * expansion_prob
            total = sum(following.values())
            if total > 0:
                logprobs[k - start] = math.log10(total)
                # each column is scaled to sum to 1: the next conditional is then the next column's sum
                states = {state: prob / total for state, prob in following.items()}
            else:
                logprobs[k - start] = -math.inf
                states = {(self._context([self._model_id(w) for w in sequence[:k + 1]]), ()): 1.0}
        return logprobs

    def score_in_sentences(self, sequences: Sequence[Sequence[int]], context_first: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
        """The log10 probabilities (float32) and matched lengths of every scored position of the sentences, in
        order (what ngramlm.use.scoring.score_sentences lays out). A matched length is the model's order where
        the probability is not zero (the parses use n-grams of several lengths at once), else 0."""
        parts = [self.sentence_logprobs(ids, bool(first)) for ids, first in zip(sequences, context_first)]
        logprob = np.concatenate(parts) if parts else np.zeros(0)
        matched = np.where(np.isfinite(logprob), self.order, 0).astype(np.int32)
        return logprob.astype(np.float32), matched

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        """log10 p(word | context), the context read from its start (a <s> there is context only)."""
        context = [w for w in context if w != NO_WORD]
        first = bool(context) and context[0] == BOS_ID
        logp = float(self.sentence_logprobs(list(context) + [word], first)[-1])
        return logp, self.order if math.isfinite(logp) else 0

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores with only the (order - 1)-word histories given as the context."""
        results = [self.score(int(w), [int(h) for h in row]) for w, row in zip(words, histories)]
        return (np.array([r[0] for r in results], dtype=np.float32),
                np.array([r[1] for r in results], dtype=np.int32))
