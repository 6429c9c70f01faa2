"""The general class n-gram (SRILM's ClassNgram, `ngram -classes C` without -simple-classes): classes that expand
to several words, words in several classes, and words that are also n-gram tokens of their own.

A sentence's probability sums over every way of reading it as a string of tokens, each token a word of the model
or a class standing for one of its expansions:

    p(w_1 .. w_k) = sum over parses of  prod p(token | previous tokens) * p(expansion | class)

computed left to right by a forward pass whose states are (the last tokens, as many as the model uses as a context;
the expansion being read and its words left). A word's conditional probability is p(w_1 .. w_k) / p(w_1 .. w_{k-1}),
both sums over every state (parses ending inside an expansion included), as SRILM's ClassNgram::prefixProb has it.
A word no state can read (an unknown word) gets probability zero, and the pass goes on from the words themselves as
the context with the prefix probability so far, as SRILM does.

The sums follow SRILM's arithmetic (float log probabilities, AddLogP, float differences of prefix probabilities),
so that its printed digits come out. Where several parses meet, SRILM adds them in its hash tables' order (which
hashes the expansions' addresses); they are added here in the order the parses are made, so a last digit may still
differ there.

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

# (last tokens, most recent last; the expansion's words left; the expansion's number, or PLAIN outside any).
# A parse inside an expansion, even at its end, is a state of its own (SRILM tells expansions apart by identity).
State = tuple[tuple[int, ...], tuple[int, ...], int]
PLAIN = -1


class ClassTrellisScorer(Scorer):
    """Scores words with the general class n-gram. Its vocabulary is the model's (ids kept), then the words of
    the class expansions; `score` runs the forward pass over the context given."""

    def __init__(self, expansions: Sequence[ClassExpansion], model: BackoffModel):
        tokens = model.vocab
        self.vocab = Vocabulary(tokens.words[3:], unk_word=tokens.unk_word)
        self._model_size = len(tokens)
        # Expansions by their first word: (class token, the words after the first, log10 p(expansion | class),
        # the expansion's number)
        self._starting: dict[int, list[tuple[int, tuple[int, ...], float, int]]] = defaultdict(list)
        for number, expansion in enumerate(expansions):
            words = [self.vocab.add(word) for word in expansion.words]
            # a class the model lacks, or a zero probability, starts no parse
            if expansion.name in tokens and expansion.prob > 0:
                self._starting[words[0]].append((tokens.id(expansion.name), tuple(words[1:]),
                                                 math.log10(expansion.prob), number))
        # the classes are tokens of the model, not words of a text: SRILM's wordProbSum leaves them out
        # (ClassNgram::isNonWord), as they are read through their expansions' words
        self.non_words = np.array(sorted({tokens.id(e.name) for e in expansions if e.name in tokens}), np.intp)
        self.order = model.order
        self._scorer = BackoffScorer(model)
        self._logps: dict[tuple[int, tuple[int, ...]], float] = {}
        # the model's contexts, oldest word first: its n-grams below the highest order (SRILM's context trie)
        self._contexts = {tuple(row) for grams in model.ngrams[:-1] for row in grams.tolist()}

    def has_unk(self) -> bool:
        return self._scorer.model.has_unk()

    def _logp(self, token: int, context: tuple[int, ...]) -> float:
        """log10 p(token | context) of the model over tokens, a float32 as SRILM's Ngram::wordProb gives it
        (memoised: a text asks for the same ones again)."""
        key = (token, context)
        logp = self._logps.get(key)
        if logp is None:
            width = self.order - 1
            history = np.array([[NO_WORD] * (width - len(context)) + list(context)], dtype=np.uint32)
            scored, _ = self._scorer.score_batch(np.array([token], dtype=np.uint32), history.reshape(1, width))
            logp = self._logps[key] = float(np.float32(scored[0]))
        return logp

    def _context(self, tokens: Sequence[int]) -> tuple[int, ...]:
        width = self.order - 1
        return tuple(tokens[max(len(tokens) - width, 0):]) if width else ()

    def _used(self, tokens: tuple[int, ...]) -> tuple[int, ...]:
        """The state's context: the longest recent part of `tokens` that is a context of the model (SRILM's
        Ngram::contextID), so that parses the model cannot tell apart share a state."""
        used = 0
        while used < min(len(tokens), self.order - 1) and tokens[len(tokens) - used - 1:] in self._contexts:
            used += 1
        return tokens[len(tokens) - used:]

    def _model_id(self, word: int) -> int:
        return word if word < self._model_size else UNKNOWN_TO_COMPONENT

    def sentence_logprobs(self, sequence: Sequence[int], context_first: bool) -> np.ndarray:
        """log10 p(w | everything before it) of each word of `sequence` (word ids of self.vocab); with
        `context_first` the first word (<s>) is context only and gets no probability."""
        return self.forward(sequence, context_first)[0]

    def forward(self, sequence: Sequence[int], context_first: bool) -> tuple[np.ndarray, float]:
        """The forward pass over a sentence in SRILM's arithmetic (ClassNgram::prefixProb over a Trellis): each
        word's log10 p(w | everything before it) (float32s, as SRILM's -debug 2 prints and sums them), and the
        log10 probability of the whole sequence leaving out the words of probability zero (SRILM's
        ClassNgram::sentenceProb, what it reports below -debug 2).

        SRILM keeps every state's log probability in a float, adds parses with AddLogP, and takes a word's
        conditional as the float difference of the prefix probabilities with and without it; a last printed
        digit depends on these roundings, so they are followed here step by step."""
        start = 1 if context_first else 0
        states: dict[State, float] = {(self._context([sequence[0]]) if start else (), (), PLAIN): 0.0}
        logprobs = np.empty(len(sequence) - start, dtype=np.float32)
        prefix = -math.inf
        for k in range(start, len(sequence)):
            word = sequence[k]
            following: dict[State, float] = {}
            prefix = -math.inf  # log10 p(w_1 .. w_k), summed transition by transition (SRILM's logSum)
            for (context, rest, expansion), prob in states.items():
                if rest:
                    if rest[0] == word:
                        _update(following, (context, rest[1:], expansion), prob)
                        prefix = _f32(_add_logp(prefix, prob))
                    continue
                if word < self._model_size:
                    logp = self._logp(word, context)
                    if logp > -math.inf:
                        _update(following, (self._used(context + (word,)), (), PLAIN), _f32(prob + logp))
                        prefix = _f32(_add_logp(prefix, _f32(prob + logp)))
                for token, tail, expansion_logp, number in self._starting.get(word, ()):
                    logp = self._logp(token, context)
                    if logp > -math.inf:
                        _update(following, (self._used(context + (token,)), tail, number),
                                _f32(prob + _f32(logp + expansion_logp)))
                        prefix = _f32(_add_logp(prefix, _f32(prob + logp) + expansion_logp))
            before = _sum_logp(states.values())
            logprobs[k - start] = -math.inf if prefix == -math.inf else _f32(prefix - before)
            if following:
                states = following
            else:  # no parse reads the word: go on from the words themselves with the prefix probability so far
                states = {(self._context([self._model_id(w) for w in sequence[:k + 1]]), (), PLAIN): before}
        return logprobs, prefix

    def score_in_sentences(self, sequences: Sequence[Sequence[int]], context_first: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
        """The log10 probabilities (float32) and matched lengths of every scored position of the sentences, in
        order (what ngramlm.use.scoring.score_sentences lays out). A matched length is the model's order where
        the probability is not zero (the parses use n-grams of several lengths at once), else 0."""
        return self.score_whole_sentences(sequences, context_first)[:2]

    def score_whole_sentences(self, sequences: Sequence[Sequence[int]], context_first: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """score_in_sentences, and each sentence's log10 probability as SRILM's ClassNgram::sentenceProb sums
        it in one forward pass (what it reports below -debug 2; at -debug 2 it adds the words' instead)."""
        passes = [self.forward(ids, bool(first)) for ids, first in zip(sequences, context_first)]
        logprob = np.concatenate([p[0] for p in passes]) if passes else np.zeros(0, np.float32)
        matched = np.where(np.isfinite(logprob), self.order, 0).astype(np.int32)
        return logprob.astype(np.float32), matched, np.array([p[1] for p in passes], dtype=np.float64)

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


def _f32(value: float) -> float:
    """The value rounded to a float (SRILM's LogP)."""
    return float(np.float32(value))


def _add_logp(x: float, y: float) -> float:
    """log10(10^x + 10^y) computed as SRILM's AddLogP does (in double)."""
    if x < y:
        x, y = y, x
    if y == -math.inf:
        return x
    return x + math.log10(1.0 + math.exp((y - x) * _LN10))


def _update(column: dict[State, float], state: State, logp: float) -> None:
    """Add a parse reaching `state` (SRILM's Trellis::update: the state's sum is kept in a float)."""
    old = column.get(state)
    column[state] = logp if old is None else _f32(_add_logp(old, logp))


def _sum_logp(logps) -> float:
    """A column's total (SRILM's TrellisSlice::sum: added in double, returned as a float)."""
    total = -math.inf
    for logp in logps:
        total = _add_logp(total, logp)
    return _f32(total)


_LN10 = math.log(10.0)
