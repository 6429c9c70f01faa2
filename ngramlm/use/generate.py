"""Sampling sentences from a back-off model, with the decoding controls of neural text generation, and the
repetition statistics that describe what was generated.

Each step computes the context's whole next-word distribution at once (the model index's distribution: numpy over the
vocabulary, by the back-off recursion), reshapes it, and draws one word:

  repetition penalty  (Keskar et al. 2019, CTRL) the log-probability of a word already in the sentence is
                      multiplied by the penalty (log-probabilities are negative, so a penalty > 1 lowers it:
                      p -> p^penalty before renormalisation);
  no-repeat n-gram    a word that would complete an n-gram already in the sentence is banned;
  temperature         p -> p^(1/T), renormalised; T = 0 picks the most probable word (greedy decoding);
  top-k               (Fan et al. 2018) only the k most probable words are kept;
  top-p               (Holtzman et al. 2020, nucleus sampling) only the smallest set of most probable words
                      whose probability reaches p is kept.

With none of them set, a sentence is drawn from the model's own distribution, as SRILM's `ngram -gen` does: start
after <s> (or a given prefix), draw words until </s>; <s> is never drawn. The random numbers come from numpy's
generator seeded with `seed`, so a seed reproduces a run of this toolkit (not SRILM's drand48 sequence).

In:  a BackoffModel (or a model with vocab, order and distribution(context)), SamplingOptions, a seed and a prefix.
Out: sentences as lists of words without <s> and </s> (generate_sentences), and repetition_statistics' dict of
     distinct-n and seq-rep-n. Memory: one distribution over the vocabulary a step; those of the last 512 contexts
     are cached.

This is SRILM's one-sentence-at-a-time sampler (`ngram -gen`); the batched engine with every Hugging Face strategy
(beam and contrastive search, typical-p, min-p, ...) over n-gram and neural models is ngramlm.use.generation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..core.model import BackoffModel
from ..core.errors import ModelError
from ..core.vocab import BOS_ID, EOS_ID
from .generation import processors as P
from .generation.metrics import distinct_n, ngrams, seq_rep_n
from .generation.models import NgramStepModel


@dataclass(frozen=True)
class SamplingOptions:
    """How each next word is drawn (defaults: plain sampling from the model)."""

    temperature: float = 1.0
    top_k: int = 0  # 0: no limit
    top_p: float = 1.0  # 1: no limit
    no_repeat_ngram_size: int = 0  # 0: no ban
    repetition_penalty: float = 1.0  # 1: none
    max_words: int = 100  # a sentence stops after this many words even without </s>

    def check(self) -> None:
        """Raise ModelError for values outside their ranges."""
        if self.temperature < 0:
            raise ModelError(f"temperature must be >= 0, not {self.temperature}")
        if self.top_k < 0:
            raise ModelError(f"top-k must be >= 0 (0 turns it off), not {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise ModelError(f"top-p must be in (0, 1], not {self.top_p}")
        if self.no_repeat_ngram_size < 0:
            raise ModelError("the no-repeat n-gram size must be >= 0 (0 turns it off), "
                             f"not {self.no_repeat_ngram_size}")
        if self.repetition_penalty <= 0:
            raise ModelError(f"the repetition penalty must be > 0 (1 turns it off), not {self.repetition_penalty}")
        if self.max_words < 1:
            raise ModelError(f"max_words must be at least 1, not {self.max_words}")


class SentenceSampler:
    """Draws sentences from `model`; `seed` makes the draws reproducible.

    `model` is a BackoffModel, or anything with `vocab`, `order` and `distribution(context)` giving log10
    p(w | context) for every word id (such as the dynamic mixture, ngramlm.use.mix.Mixture). The distributions
    and the score transformations are those of the generation engine (ngramlm.use.generation)."""

    def __init__(self, model, options: SamplingOptions = SamplingOptions(), seed: int | None = None):
        options.check()
        self.model = model
        self.options = options
        self._steps = NgramStepModel(model)
        self.rng = np.random.default_rng(seed)

    def model_log_distribution(self, context: Sequence[int]) -> np.ndarray:
        """Natural-log p(w | context) for every word id, from the model alone (<s> gets -inf: it is never
        predicted). A copy the caller may change."""
        return self._steps.logits(context)

    def next_word_scores(self, sequence: Sequence[int]) -> np.ndarray:
        """Natural-log scores of the next word after `sequence` (which starts with <s> or a prefix) with the
        repetition penalty, the no-repeat ban, temperature, top-k and top-p applied; -inf marks excluded words."""
        opts = self.options
        scores = self.model_log_distribution(sequence)[None, :]
        if opts.repetition_penalty != 1.0:
            P.repetition_penalty(scores, [[w for w in sequence if w not in (BOS_ID, EOS_ID)]],
                                 opts.repetition_penalty)
        if opts.no_repeat_ngram_size:
            P.no_repeat_ngram(scores, [sequence], opts.no_repeat_ngram_size)
        if opts.temperature == 0:
            best = int(np.argmax(scores[0]))
            greedy = np.full(scores.shape[1], -np.inf)
            greedy[best] = 0.0 if np.isfinite(scores[0, best]) else -np.inf
            return greedy
        P.temperature(scores, opts.temperature)
        if opts.top_k:
            P.top_k(scores, opts.top_k)
        if opts.top_p < 1.0:
            P.top_p(scores, opts.top_p)
        return scores[0]

    def sample_word(self, sequence: Sequence[int]) -> int | None:
        """Draw the next word after `sequence`; None when every word is excluded."""
        scores = self.next_word_scores(sequence)
        finite = np.isfinite(scores)
        if not finite.any():
            return None
        weights = np.where(finite, np.exp(scores - scores[finite].max()), 0.0)
        cumulative = np.cumsum(weights)
        return int(np.searchsorted(cumulative, self.rng.random() * cumulative[-1], side="right"))

    def sample_sentence(self, prefix: Sequence[int] = (BOS_ID,)) -> list[int]:
        """The words drawn after `prefix` (word ids, oldest first; <s> is not added), up to but excluding </s>."""
        sequence = list(prefix)
        words: list[int] = []
        while len(words) < self.options.max_words:
            word = self.sample_word(sequence)
            if word is None or word == EOS_ID:
                break
            words.append(word)
            sequence.append(word)
        return words


def generate_sentences(model: BackoffModel, count: int, *, seed: int | None = None,
                       options: SamplingOptions = SamplingOptions(),
                       prefix: Sequence[str] | None = None) -> list[list[str]]:
    """Draw `count` sentences (as words, without <s> and </s>); after `prefix` if given (<s> is not added to
    it, as in SRILM's -gen-prefixes), else after <s>. The prefix is not repeated in the result."""
    sampler = SentenceSampler(model, options, seed)
    start = [BOS_ID] if prefix is None else [model.vocab.id(w) for w in prefix]
    return [model.vocab.decode(sampler.sample_sentence(start)) for _ in range(count)]


def ngram_list(words: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return ngrams(words, n)


def repetition_statistics(sentences: Sequence[Sequence[str]], orders: Sequence[int] = (1, 2, 3, 4)) -> dict:
    """How repetitive generated text is: distinct-n (Li et al. 2016) and seq-rep-n (Welleck et al. 2019), as
    ngramlm.use.generation.metrics defines them."""
    stats: dict[str, float] = {"sentences": len(sentences),
                               "mean_length": float(np.mean([len(s) for s in sentences])) if sentences else 0.0}
    for n in orders:
        stats[f"distinct-{n}"] = distinct_n(sentences, n)
        stats[f"seq-rep-{n}"] = seq_rep_n(sentences, n)
    return stats
