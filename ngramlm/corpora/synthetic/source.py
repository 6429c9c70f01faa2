"""A probabilistic finite-state source of sentences whose exact probabilities are known.

A `SentenceSource` is a probabilistic finite-state automaton whose arcs emit words drawn from word classes: from
state s an arc (c, t, p) is taken with probability p, emits a word w of class c with probability p(w | c), and
moves to state t; a state also ends the sentence with its stop probability (emitting </s>). The probabilities
leaving every state (arcs and stop) sum to one, so every prefix has a proper next-word distribution.

The probability of a word given everything before it is the forward algorithm (Rabiner 1989, eq. 19-20) run
over the hidden states: alpha_t(s) = p(state s | w_1..w_t), and

    p(w_{t+1} | w_1..w_t) = sum_s alpha_t(s) sum_{(c, t') leaving s} p_arc p(w_{t+1} | c)
    p(</s> | w_1..w_t)    = sum_s alpha_t(s) stop(s)

Sources are written with `SourceBuilder`, which allows epsilon arcs (choices that emit nothing) for readable
grammars and compiles them away. A source in which no word can lead from one state to two different states is
deterministic: the forward distribution is then a single state after every prefix, and the per-word entropy of
the source has the closed form used by `entropy_rate` (expected state visits times the entropy of each state's
next-token distribution).
"""
from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_matrix, identity
from scipy.sparse.linalg import spsolve

from ...core.errors import ModelError
from ...core.vocab import EOS


@dataclass(frozen=True)
class WordClass:
    """A named distribution over words: `probs[i]` is p(words[i] | class); they sum to one."""

    name: str
    words: tuple[str, ...]
    probs: tuple[float, ...]

    @classmethod
    def zipf(cls, name: str, words: Sequence[str], exponent: float = 1.0, offset: float = 2.7) -> "WordClass":
        """Words in order of decreasing frequency with Zipf-Mandelbrot weights (r + offset) ** -exponent
        (Mandelbrot 1953), the rank-frequency law of natural-language vocabularies."""
        if not words or len(set(words)) != len(words):
            raise ModelError(f"word class {name!r} needs distinct words, got {list(words)!r}")
        weights = [(rank + offset) ** -exponent for rank in range(1, len(words) + 1)]
        total = sum(weights)
        return cls(name, tuple(words), tuple(w / total for w in weights))


@dataclass(frozen=True)
class SourceEntropy:
    """The exact per-token entropy of a deterministic source, tokens counted as SRILM's ppl counts them
    (every word and the </s> of each sentence; <s> is context only)."""

    bits_per_token: float
    tokens_per_sentence: float

    @property
    def perplexity(self) -> float:
        """2 ** entropy: the perplexity a perfect model reaches on a long sample of the source."""
        return 2.0 ** self.bits_per_token


class SentenceSource:
    """A compiled probabilistic finite-state automaton over words (build one with `SourceBuilder`).

    States are 0..n-1 with `start` the initial one; `arcs[s]` lists (class index, destination, probability);
    `stop[s]` is the probability of ending the sentence in s.
    """

    def __init__(self, classes: Sequence[WordClass], arcs: Sequence[Sequence[tuple[int, int, float]]],
                 stop: Sequence[float], start: int, state_names: Sequence[str]):
        self.classes = tuple(classes)
        self.arcs = tuple(tuple(a) for a in arcs)
        self.stop = tuple(stop)
        self.start = start
        self.state_names = tuple(state_names)
        # word -> [(class index, p(word | class))]: the emission side of the forward step.
        self._word_classes: dict[str, list[tuple[int, float]]] = {}
        for ci, wc in enumerate(self.classes):
            for word, p in zip(wc.words, wc.probs):
                self._word_classes.setdefault(word, []).append((ci, p))
        # state -> class index -> [(destination, arc probability)]
        self._arcs_by_class = []
        for state_arcs in self.arcs:
            by_class: dict[int, list[tuple[int, float]]] = {}
            for ci, dst, p in state_arcs:
                by_class.setdefault(ci, []).append((dst, p))
            self._arcs_by_class.append(by_class)
        self._sampling_tables = None
        self._entropy: SourceEntropy | None = None

    @property
    def num_states(self) -> int:
        return len(self.arcs)

    @property
    def words(self) -> list[str]:
        """Every word the source can emit, sorted (</s> not included)."""
        return sorted(self._word_classes)

    # ---- the forward algorithm -------------------------------------------------------------------------------

    def initial_belief(self) -> dict[int, float]:
        """The state distribution before the first word: all mass on the start state."""
        return {self.start: 1.0}

    def advance(self, belief: dict[int, float], word: str) -> tuple[float, dict[int, float]]:
        """One forward step: p(word | prefix) and the state distribution after it (empty if p = 0)."""
        after: dict[int, float] = {}
        for ci, p_word in self._word_classes.get(word, ()):
            for state, mass in belief.items():
                for dst, p_arc in self._arcs_by_class[state].get(ci, ()):
                    after[dst] = after.get(dst, 0.0) + mass * p_arc * p_word
        total = sum(after.values())
        if total == 0.0:
            return 0.0, {}
        return total, {s: m / total for s, m in after.items()}

    def stop_probability(self, belief: dict[int, float]) -> float:
        """p(</s> | prefix)."""
        return sum(mass * self.stop[s] for s, mass in belief.items())

    def belief_after(self, prefix: Iterable[str]) -> dict[int, float]:
        """The forward state distribution after `prefix`; empty if the source cannot emit it."""
        belief = self.initial_belief()
        for word in prefix:
            _, belief = self.advance(belief, word)
            if not belief:
                break
        return belief

    def next_token_distribution(self, prefix: Iterable[str]) -> dict[str, float]:
        """p(w | prefix) for every word w with nonzero probability, and for </s>."""
        belief = self.belief_after(prefix)
        dist: dict[str, float] = {}
        for state, mass in belief.items():
            for ci, _, p_arc in self.arcs[state]:
                wc = self.classes[ci]
                for word, p_word in zip(wc.words, wc.probs):
                    dist[word] = dist.get(word, 0.0) + mass * p_arc * p_word
        p_stop = self.stop_probability(belief)
        if p_stop > 0.0:
            dist[EOS] = p_stop
        return dist

    def token_logprobs(self, sentence: Sequence[str]) -> list[float]:
        """log10 p of each word of `sentence` and of its </s>, given everything before it (-inf where zero;
        nothing after the first zero is scored)."""
        belief = self.initial_belief()
        logprobs = []
        for word in sentence:
            p, belief = self.advance(belief, word)
            if p == 0.0:
                return logprobs + [-math.inf]
            logprobs.append(math.log10(p))
        p_stop = self.stop_probability(belief)
        logprobs.append(math.log10(p_stop) if p_stop > 0.0 else -math.inf)
        return logprobs

    def logprob(self, sentence: Sequence[str]) -> float:
        """log10 p(sentence </s>); -inf if the source cannot produce it."""
        return sum(self.token_logprobs(sentence))

    # ---- sampling --------------------------------------------------------------------------------------------

    def _tables(self):
        # Cumulative tables in plain Python floats, so that a seed gives the same text on every platform.
        if self._sampling_tables is None:
            states = []
            for state_arcs, p_stop in zip(self.arcs, self.stop):
                outcomes = [(ci, dst) for ci, dst, _ in state_arcs] + [None]
                states.append((_cumulative([p for _, _, p in state_arcs] + [p_stop]), outcomes))
            classes = [_cumulative(wc.probs) for wc in self.classes]
            self._sampling_tables = (states, classes)
        return self._sampling_tables

    def sample(self, rng: random.Random, max_tokens: int = 10_000) -> list[str]:
        """Draw one sentence (without </s>) using `rng` (Python's Mersenne Twister: stable across versions)."""
        state_tables, class_tables = self._tables()
        state, sentence = self.start, []
        while len(sentence) < max_tokens:
            cumulative, outcomes = state_tables[state]
            outcome = outcomes[_draw(cumulative, rng)]
            if outcome is None:
                return sentence
            ci, state = outcome
            sentence.append(self.classes[ci].words[_draw(class_tables[ci], rng)])
        raise ModelError(f"sampled sentence exceeded {max_tokens} tokens; is the source's stop probability zero?")

    # ---- exact quantities of a deterministic source ----------------------------------------------------------

    def ambiguities(self) -> list[tuple[str, str, str, str]]:
        """(state, word, destination 1, destination 2) for every state where a word can lead to two different
        states (one example word per pair of arcs); empty for a deterministic source."""
        word_sets = [frozenset(wc.words) for wc in self.classes]
        found = []
        for state, state_arcs in enumerate(self.arcs):
            for i, (ci, dst, _) in enumerate(state_arcs):
                for cj, other, _ in state_arcs[i + 1:]:
                    shared = word_sets[ci] & word_sets[cj] if dst != other else None
                    if shared:
                        found.append((self.state_names[state], min(shared), self.state_names[dst],
                                      self.state_names[other]))
        return found

    def transition_matrix(self) -> csr_matrix:
        """P[s, t] = probability of moving from s to t by emitting a word."""
        rows, cols, vals = [], [], []
        for state, state_arcs in enumerate(self.arcs):
            for _, dst, p in state_arcs:
                rows.append(state)
                cols.append(dst)
                vals.append(p)
        n = self.num_states
        return csr_matrix((vals, (rows, cols)), shape=(n, n))

    def expected_visits(self) -> np.ndarray:
        """Expected number of times each state is visited per sentence: v = (I - P^T)^-1 e_start
        (the fundamental matrix of an absorbing Markov chain; Kemeny & Snell 1960, ch. 3)."""
        n = self.num_states
        e_start = np.zeros(n)
        e_start[self.start] = 1.0
        system = (identity(n, format="csc") - self.transition_matrix().T.tocsc())
        return np.asarray(spsolve(system, e_start))

    def state_entropies(self, chunk: int = 1024) -> np.ndarray:
        """Entropy in bits of each state's next-token distribution (words and </s>)."""
        vocabulary = {w: i for i, w in enumerate(self.words)}
        emissions = np.zeros((len(self.classes), len(vocabulary)))
        for ci, wc in enumerate(self.classes):
            emissions[ci, [vocabulary[w] for w in wc.words]] = wc.probs
        entropies = -_plogp(np.asarray(self.stop))
        for first in range(0, self.num_states, chunk):  # chunks keep the states x words matrix small
            states = range(first, min(first + chunk, self.num_states))
            class_mass = np.zeros((len(states), len(self.classes)))
            for row, state in enumerate(states):
                for ci, _, p in self.arcs[state]:
                    class_mass[row, ci] += p
            entropies[first:first + len(states)] -= _plogp(class_mass @ emissions).sum(axis=1)
        return entropies

    def entropy_rate(self) -> SourceEntropy:
        """Exact entropy per token of the source: E[sum of next-token entropies over a sentence] divided by
        E[tokens per sentence] (each state visit emits exactly one token, a word or </s>). This is the limit of
        log2 perplexity of the true model on a long sample. Needs a deterministic source, where the state
        after a prefix is known and the sentence entropy is the expected sum of state entropies."""
        if self._entropy is None:
            ambiguous = self.ambiguities()
            if ambiguous:
                state, word, one, two = ambiguous[0]
                raise ModelError(f"the source is not deterministic (word {word!r} leads from state {state} to "
                                 f"both {one} and {two}); its entropy has no closed form")
            visits = self.expected_visits()
            tokens = float(visits.sum())
            self._entropy = SourceEntropy(float(visits @ self.state_entropies()) / tokens, tokens)
        return self._entropy

    def length_distribution(self, max_tokens: int) -> np.ndarray:
        """p(a sentence has exactly k tokens including </s>) for k = 0..max_tokens (entry 0 is zero)."""
        transition_t = self.transition_matrix().T.tocsr()
        stop = np.asarray(self.stop)
        occupancy = np.zeros(self.num_states)
        occupancy[self.start] = 1.0
        pmf = np.zeros(max_tokens + 1)
        for k in range(1, max_tokens + 1):
            pmf[k] = occupancy @ stop
            occupancy = transition_t @ occupancy
        return pmf


class SourceBuilder:
    """Builds a SentenceSource from states joined by word-emitting arcs, epsilon arcs and stop weights.

    Weights are relative: the probability of an arc is its weight divided by the sum of all weights leaving its
    state (emitting arcs, epsilon arcs and stop). Epsilon arcs must not form a cycle.
    """

    def __init__(self):
        self._names: list[str] = []
        self._emits: list[list[tuple[WordClass, int, float]]] = []
        self._epsilons: list[list[tuple[int, float]]] = []
        self._stops: list[float] = []

    def state(self, name: str) -> int:
        """A new state; `name` appears in error messages and ambiguity reports."""
        self._names.append(name)
        self._emits.append([])
        self._epsilons.append([])
        self._stops.append(0.0)
        return len(self._names) - 1

    def emit(self, src: int, word_class: WordClass, dst: int, weight: float = 1.0) -> None:
        """An arc from src to dst that emits a word of `word_class`."""
        self._emits[src].append((word_class, dst, weight))

    def epsilon(self, src: int, dst: int, weight: float = 1.0) -> None:
        """An arc from src to dst that emits nothing."""
        self._epsilons[src].append((dst, weight))

    def stop(self, src: int, weight: float = 1.0) -> None:
        """Let the sentence end in src."""
        self._stops[src] += weight

    def compile(self, start: int) -> SentenceSource:
        """Remove epsilon arcs (following every epsilon path to the emitting arcs and stops it reaches), drop
        states unreachable from `start`, and merge parallel arcs with the same class and destination."""
        closure: dict[int, tuple[dict[tuple[str, int], float], float]] = {}
        classes: dict[str, WordClass] = {}
        in_progress: set[int] = set()

        def close(state: int):
            if state in closure:
                return closure[state]
            if state in in_progress:
                raise ModelError(f"epsilon arcs form a cycle through state {self._names[state]}")
            in_progress.add(state)
            total = (sum(w for _, _, w in self._emits[state]) + sum(w for _, w in self._epsilons[state])
                     + self._stops[state])
            if total <= 0.0:
                raise ModelError(f"state {self._names[state]} has no way out (no arc and no stop)")
            arcs: dict[tuple[str, int], float] = {}
            for wc, dst, w in self._emits[state]:
                if classes.setdefault(wc.name, wc) != wc:
                    raise ModelError(f"two different word classes are named {wc.name!r}")
                arcs[(wc.name, dst)] = arcs.get((wc.name, dst), 0.0) + w / total
            p_stop = self._stops[state] / total
            for dst, w in self._epsilons[state]:
                sub_arcs, sub_stop = close(dst)
                for key, p in sub_arcs.items():
                    arcs[key] = arcs.get(key, 0.0) + w / total * p
                p_stop += w / total * sub_stop
            in_progress.discard(state)
            closure[state] = (arcs, p_stop)
            return closure[state]

        order, index = [start], {start: 0}
        for state in order:  # breadth-first over emitting arcs: only reachable states survive
            for (_, dst) in close(state)[0]:
                if dst not in index:
                    index[dst] = len(order)
                    order.append(dst)
        class_names = sorted({name for s in order for name, _ in closure[s][0]})
        class_index = {name: i for i, name in enumerate(class_names)}
        arcs = [[(class_index[name], index[dst], p) for (name, dst), p in closure[s][0].items()] for s in order]
        return SentenceSource([classes[n] for n in class_names], arcs, [closure[s][1] for s in order], 0,
                              [self._names[s] for s in order])


def _cumulative(probs: Sequence[float]) -> list[float]:
    running, out = 0.0, []
    for p in probs:
        running += p
        out.append(running)
    return out


def _draw(cumulative: list[float], rng: random.Random) -> int:
    # Scale by the last entry so rounding in the running sum can never leave the last outcome unreachable.
    return min(bisect.bisect_right(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


def _plogp(p: np.ndarray) -> np.ndarray:
    safe = np.where(p > 0.0, p, 1.0)
    return p * np.log2(safe)
