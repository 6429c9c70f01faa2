"""The cache model (Kuhn & De Mori 1990, "A cache-based natural language model for speech recognition", IEEE
PAMI 12(6)), mixed into an n-gram model as SRILM's `ngram -cache N -cache-lambda L` mixes it:

    p(w | h) = (1 - L) p_ngram(w | h) + L p_cache(w),
    p_cache(w) = (count of w among the last N tokens) / (number of tokens in the cache)

Which tokens enter the cache follows SRILM's CacheLM: every scored token, words and the sentence end </s> (so
p_cache is a distribution over the same events as the n-gram), not <s> (context only, never scored), and not an
unknown word unless <unk> is a word of the model (an open vocabulary). The cache runs across sentences.

One departure from SRILM, unless `srilm=True` (what `ngram -cache` asks for): where the cache is empty (the
first token of a text or of a document) SRILM's cache gives every word probability 0, so the mixture sums to
1 - L there; here p_cache is then p_ngram itself, so every distribution sums to 1 and the first token gets p_ngram.
With `srilm=True` the mixture is also computed with SRILM's arithmetic (BayesMix::wordProb over CacheLM): the
cache's probability through a single-precision log10, the weights 1 - L and 1 - (1 - L), divided by their sum.

Variants (ngramlm only; with their defaults the scorer is SRILM's cache):
  * decay a > 0, the exponentially decaying cache (Clarkson & Robinson 1997, "Language model adaptation using
    mixtures and an exponentially decaying cache", ICASSP): the token i positions back weighs e^(-a i) (the last
    token weighs 1), so
        p_cache(w) = sum_{i: w_{t-i} = w} e^(-a i) / sum_i e^(-a i)      (i over the cache's tokens)
  * bigram_weight M > 0, a bigram cache beside the unigram one (Jelinek, Merialdo, Roukos & Strauss 1991, "A
    dynamic language model for speech recognition", DARPA Speech and Natural Language Workshop):
        p(w | h) = (1 - L - M) p_ngram(w | h) + L p_cache(w) + M p_cache(w | v),
        p_cache(w | v) = (weight of the cached pairs v w) / (weight of the cached pairs v *)
    with v the previous token (p_cache(w | v) = p_cache(w) where no cached pair starts with v);
  * exclude: word ids kept out of the cache (</s>, frequent function words: `most_probable_words`), so that
    the cache's mass goes to the content words that recur within a document;
  * fill F > 0, a weight that grows with the cache's content: with n tokens in the cache, L and M are scaled by
    n / (n + F) (a near-empty cache is a poor estimate, so it is trusted less).
Each variant mixes distributions that sum to 1 with weights that sum to 1, so every p(. | h) sums to 1.

Documents: SRILM never empties the cache within a text. `cache_ppl` can reset it where a document ends:
`boundary="blank"` resets at blank lines, a regular expression resets before each line it matches (the line is
then scored as the first of the new document; WikiText's article titles ` = Title = ` match
WIKITEXT_ARTICLE), and None (the default, SRILM's behaviour) never resets.

In:  a Scorer to mix with, the cache's size, weights and variant settings; text files scored in order (cache_ppl, and
     a held-out text for tune_cache_weights) with PplOptions.
Out: CacheScorer, a stateful Scorer; cache_ppl: SRILM's totals (TextStats); tune_cache_weight(s): the weights L (and
     M) that maximise the held-out likelihood (the held-out text's component probabilities held in memory).
"""
from __future__ import annotations

import math
import re
from collections import deque
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..core.errors import ModelError
from ..core.io import iter_lines, lower_case, split_words
from ..core.scorer import NO_WORD, Scorer
from ..use.ppl_report import PplOptions, encode_sentence
from ..use.scoring import score_by_batch, score_sentences
from ..use.text_stats import TextStats
from ..core.vocab import BOS_ID, UNK_ID

# SRILM's default -cache-lambda.
DEFAULT_CACHE_WEIGHT = 0.05
# A WikiText article starts with its title line ` = Title = ` (sections have `= =`).
WIKITEXT_ARTICLE = r"^ = [^=].* = $"
# The decayed weights are kept as e^(a (i - origin)); the origin moves up before they could overflow.
_MAX_EXPONENT = 300.0


def most_probable_words(model, count: int) -> list[int]:
    """Ids of the `count` words with the highest unigram probability in a BackoffModel (<s> and <unk> left out):
    the function words to keep out of a cache with `exclude`."""
    ids, logprob = model.ngrams[0][:, 0].astype(np.int64), np.asarray(model.logprob[0], dtype=np.float64)
    keep = (ids != BOS_ID) & (ids != UNK_ID)
    ids, logprob = ids[keep], logprob[keep]
    return ids[np.argsort(-logprob, kind="stable")[:count]].tolist()


class CacheScorer(Scorer):
    """An n-gram scorer mixed with a cache of the last `size` tokens (a stateful Scorer).

    `score_batch` must see the tokens in text order: each scored token enters the cache after it is scored
    (ngramlm.use.ppl_report.ppl_file and `cache_ppl` score in order). `reset` empties the cache. `decay`,
    `bigram_weight`, `exclude` and `fill` select the variants of the module docstring; `srilm` SRILM's empty
    cache and arithmetic (with none of the variants), and with it `labels` (SRILM's -debug level) keeps each
    scored token's probabilities for `hit_label`, which spells them as SRILM's report does at that level
    (2: `[2gram][cache=0.01]`, 3: then `[probs=P_NGRAM,P_CACHE]`).
    """

    def __init__(self, scorer, size: int, weight: float = DEFAULT_CACHE_WEIGHT, *, unk_is_word: bool = False,
                 decay: float = 0.0, bigram_weight: float = 0.0, exclude: Iterable[int] = (), fill: float = 0.0,
                 srilm: bool = False, labels: int = 0):
        if size < 1:
            raise ModelError(f"the cache must hold at least one word, not {size}")
        if not (0.0 <= weight <= 1.0 and 0.0 <= bigram_weight <= 1.0 and weight + bigram_weight <= 1.0):
            raise ModelError(f"the cache weights must be between 0 and 1 and sum to at most 1, not {weight} and "
                             f"{bigram_weight}")
        if decay < 0.0 or fill < 0.0:
            raise ModelError(f"the cache decay and fill constant must not be negative, not {decay} and {fill}")
        self.scorer, self.size, self.weight, self.unk_is_word = scorer, size, weight, unk_is_word
        self.decay, self.bigram_weight, self.fill = decay, bigram_weight, fill
        self.exclude = frozenset(int(w) for w in exclude)
        if srilm and (decay or bigram_weight or self.exclude or fill):
            raise ModelError("SRILM's cache arithmetic (srilm=True) has none of the cache variants")
        self.srilm = srilm
        # (cached, p_cache, p_ngram) of the tokens scored and not yet labelled, in the report's order
        self.labels = labels if srilm else 0
        self._labels: deque = deque()
        # at level 3, the cache's tokens when each token was scored, for the report's sum over the vocabulary
        # (`distribution` of the next token reported: the report sums after the whole batch is scored)
        self._windows: deque = deque()
        # The history holds at least the previous token, which the bigram cache needs even over a unigram model.
        self.vocab, self.order = scorer.vocab, max(scorer.order, 2)
        self.reset()

    def reset(self) -> None:
        """Empty the cache (at a document boundary)."""
        self._recent: deque = deque()  # (word, previous word, time) of each cached token, oldest first
        self._unigram = np.zeros(len(self.vocab) + 1, dtype=np.float64)
        self._pairs: dict[int, dict[int, float]] = {}
        self._histories: dict[int, float] = {}
        self._total = 0.0
        self._time = 0
        self._origin = 0

    def has_unk(self) -> bool:
        return getattr(self.scorer, "has_unk", lambda: False)()

    def _weight_of(self, time: int) -> float:
        """The stored weight of the token that entered at `time`, e^(a (time - origin))."""
        return math.exp(self.decay * (time - self._origin)) if self.decay else 1.0

    def _rebase(self) -> None:
        """Move the origin to now, dividing every stored weight by the same factor (ratios are unchanged)."""
        scale = math.exp(-self.decay * (self._time - self._origin))
        self._unigram *= scale
        self._total *= scale
        for followers in self._pairs.values():
            for word in followers:
                followers[word] *= scale
        for previous in self._histories:
            self._histories[previous] *= scale
        self._origin = self._time

    def _enter(self, word: int, previous: int) -> None:
        if self.decay and self.decay * (self._time - self._origin) > _MAX_EXPONENT:
            self._rebase()
        if len(self._recent) == self.size:
            old, old_previous, old_time = self._recent.popleft()
            self._add(old, old_previous, -self._weight_of(old_time))
        self._recent.append((word, previous, self._time))
        self._add(word, previous, self._weight_of(self._time))
        self._time += 1

    def _add(self, word: int, previous: int, amount: float) -> None:
        self._unigram[word] = max(self._unigram[word] + amount, 0.0)
        self._total = max(self._total + amount, 0.0)
        if self.bigram_weight and previous != NO_WORD:
            followers = self._pairs.setdefault(previous, {})
            followers[word] = max(followers.get(word, 0.0) + amount, 0.0)
            self._histories[previous] = max(self._histories.get(previous, 0.0) + amount, 0.0)

    def _trust(self) -> float:
        """The factor n / (n + F) on the cache weights (1 without `fill`)."""
        cached = len(self._recent)
        return cached / (cached + self.fill) if self.fill else 1.0

    def probabilities(self, words: np.ndarray, histories: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For tokens in text order: the n-gram's probabilities, the unigram cache's (the n-gram's where the
        cache is empty), the bigram cache's (the unigram cache's where it has no pair for the previous token),
        the factor on the cache weights, and the n-gram lengths matched. The tokens then enter the cache."""
        histories = np.asarray(histories, dtype=np.uint32)
        histories = histories.reshape(len(words), histories.shape[1] if histories.ndim == 2 else 0)
        if histories.shape[1] < self.order - 1:
            padding = np.full((len(words), self.order - 1 - histories.shape[1]), NO_WORD, dtype=np.uint32)
            histories = np.concatenate([padding, histories], axis=1)
        logp, matched = self.scorer.score_batch(words, histories[:, self.order - self.scorer.order:])
        base = np.power(10.0, np.asarray(logp, dtype=np.float64))
        unigram, bigram, trust = np.empty(len(base)), np.empty(len(base)), np.empty(len(base))
        previous_words = histories[:, -1].astype(np.int64).tolist()
        for i, (word, previous) in enumerate(zip(np.asarray(words, dtype=np.int64).tolist(), previous_words)):
            unigram[i] = self._unigram[word] / self._total if self._total > 0 else 0.0 if self.srilm else base[i]
            bigram[i] = unigram[i]
            if self.bigram_weight and self._histories.get(previous, 0.0) > 0:
                bigram[i] = self._pairs[previous].get(word, 0.0) / self._histories[previous]
            trust[i] = self._trust()
            if self.labels >= 3:
                self._windows.append([cached for cached, _, _ in self._recent])
            if (word == UNK_ID and not self.unk_is_word) or word in self.exclude:
                continue
            self._enter(word, previous)
        return base, unigram, bigram, trust, matched

    def components(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The n-gram's log10 probabilities, the unigram cache's (the n-gram's where the cache is empty), and the
        n-gram lengths matched, for tokens in text order; the tokens then enter the cache."""
        base, unigram, _, _, matched = self.probabilities(words, histories)
        with np.errstate(divide="ignore"):
            return np.log10(base), np.log10(unigram), matched

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        base, unigram, bigram, trust, matched = self.probabilities(words, histories)
        if self.srilm:
            if self.labels >= 2:
                cached = (np.asarray(words) != UNK_ID) | self.unk_is_word  # SRILM's cache skips unknown words
                self._labels.extend(zip(cached.tolist(), np.where(cached, unigram, 0.0).tolist(), base.tolist()))
            return _srilm_mix(base, unigram, self.weight), matched
        mixed = _mix(base, unigram, bigram, trust * self.weight, trust * self.bigram_weight)
        with np.errstate(divide="ignore"):
            return np.log10(mixed).astype(np.float32), matched

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def hit_label(self, matched: int) -> str:
        """The -debug 2 label of the next token reported: its n-gram length and (with `labels`) SRILM's
        `[cache=P]` (none for an unknown word) and at level 3 `[probs=P_NGRAM,P_CACHE]`, printed %.7g."""
        label = f"[{matched}gram]" if matched > 0 else "[OOV]"
        if not self._labels:
            return label
        cached, cache, ngram = self._labels.popleft()
        if cached:
            label += f"[cache={cache:.7g}]"
        if self.labels < 3:
            return label
        # the mixture reads the cache's probability back from its single-precision log10
        cache = math.exp(float(np.float32(math.log10(cache))) * math.log(10.0)) if cache > 0 else 0.0
        return label + f"[probs={ngram:.7g},{cache:.7g}]"

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id under the current cache (which it leaves as it is); with
        `labels` 3, under the cache the next token reported was scored with (SRILM's -debug 3 sums)."""
        base = np.power(10.0, np.asarray(self.scorer.distribution(context), dtype=np.float64))
        if self.srilm:
            if self._windows:
                window = self._windows.popleft()
                counts = np.bincount(np.asarray(window, dtype=np.int64), minlength=len(self.vocab))
                cache = counts[:len(self.vocab)] / len(window) if window else np.zeros(len(self.vocab))
            else:
                cache = self._unigram[:len(self.vocab)] / self._total if self._total > 0 else \
                    np.zeros(len(self.vocab))
            return _srilm_mix(base, cache, self.weight).astype(np.float64)
        if self._total <= 0:
            with np.errstate(divide="ignore"):
                return np.log10(base)
        unigram = self._unigram[:len(self.vocab)] / self._total
        bigram = unigram
        previous = int(context[-1]) if len(context) else NO_WORD
        if self.bigram_weight and self._histories.get(previous, 0.0) > 0:
            bigram = np.zeros(len(self.vocab))
            for word, amount in self._pairs[previous].items():
                bigram[word] = amount / self._histories[previous]
        trust = self._trust()
        with np.errstate(divide="ignore"):
            return np.log10(_mix(base, unigram, bigram, trust * self.weight, trust * self.bigram_weight))


def _srilm_mix(base, cache, weight: float) -> np.ndarray:
    """log10 of the mixture as SRILM's BayesMix::wordProb computes it for `ngram -cache`: each component's
    probability from its single-precision log10 by exp(x ln 10), the priors 1 - L and 1 - (1 - L), the weighted
    sum divided by theirs, the result in single precision."""
    with np.errstate(divide="ignore"):
        logs = [np.log10(np.asarray(p, dtype=np.float64)).astype(np.float32).astype(np.float64) for p in (base, cache)]
    probs = [np.where(np.isneginf(x), 0.0, np.exp(x * math.log(10.0))) for x in logs]
    first = 1.0 - weight
    second = 1.0 - first
    with np.errstate(divide="ignore"):
        return np.log10((first * probs[0] + second * probs[1]) / (first + second)).astype(np.float32)


def _mix(base, unigram, bigram, weight, bigram_weight) -> np.ndarray:
    """(1 - L - M) p_ngram + L p_cache(w) + M p_cache(w | v) (Jelinek et al. 1991)."""
    return (1.0 - weight - bigram_weight) * base + weight * unigram + bigram_weight * bigram


def _documents(path: str, options: PplOptions, boundary: str | None) -> Iterator[list[list[str]]]:
    """The non-blank lines of a text as token lists, grouped into documents by `boundary`."""
    pattern = re.compile(boundary) if boundary not in (None, "blank") else None
    document: list[list[str]] = []
    for _, line in iter_lines(path, options.errors):
        tokens = split_words(line)
        text = line.rstrip("\r\n")
        if document and ((boundary == "blank" and not tokens) or (pattern is not None and pattern.search(text))):
            yield document
            document = []
        if tokens:
            document.append([lower_case(t) for t in tokens] if options.tolower else tokens)
    if document:
        yield document


# Sentences scored per batch (in order, so the cache sees the tokens in text order).
BATCH_SENTENCES = 8192


def _scored_documents(scorer: CacheScorer, path: str, options: PplOptions, boundary: str | None):
    for document in _documents(path, options, boundary):
        scorer.reset()
        encoded = [encode_sentence(scorer.vocab, tokens, options) for tokens in document]
        for start in range(0, len(encoded), BATCH_SENTENCES):
            yield score_sentences(scorer, encoded[start:start + BATCH_SENTENCES])


def cache_ppl(scorer: CacheScorer, path: str, options: PplOptions = PplOptions(),
              boundary: str | None = None) -> TextStats:
    """SRILM's -ppl totals of a text under a cache-mixed scorer, the cache reset at each document boundary."""
    total = TextStats()
    for scored in _scored_documents(scorer, path, options, boundary):
        for sentence in scored:
            total.add(sentence.stats())
    return total


class _ComponentRecorder:
    """Stands in for a CacheScorer in score_sentences, keeping each token's component probabilities."""

    def __init__(self, scorer: CacheScorer):
        self.cache_scorer = scorer
        self.vocab, self.order = scorer.vocab, scorer.order
        self.parts: list[tuple[np.ndarray, ...]] = []

    def reset(self) -> None:
        self.cache_scorer.reset()

    def score_batch(self, words, histories):
        base, unigram, bigram, trust, matched = self.cache_scorer.probabilities(words, histories)
        self.parts.append((base, unigram, bigram, trust))
        with np.errstate(divide="ignore"):
            return np.log10(base).astype(np.float32), matched


def tune_cache_weights(scorer: CacheScorer, heldout: str, options: PplOptions = PplOptions(),
                       boundary: str | None = None) -> tuple[float, float]:
    """The cache weights (L, M) maximising the likelihood of a held-out text (M stays 0 without a bigram cache).

    The component probabilities do not depend on the weights, so they are computed once; the log-likelihood
    sum_t log((1 - f_t (L + M)) p_ngram + f_t L p_cache(w) + f_t M p_cache(w | v)) is concave in (L, M), so a
    bounded quasi-Newton search finds its maximum."""
    from scipy.optimize import minimize

    recorder = _ComponentRecorder(scorer)
    for document in _documents(heldout, options, boundary):
        recorder.reset()
        encoded = [encode_sentence(scorer.vocab, tokens, options) for tokens in document]
        for start in range(0, len(encoded), BATCH_SENTENCES):
            score_sentences(recorder, encoded[start:start + BATCH_SENTENCES])
    if not recorder.parts:
        raise ModelError(f"{heldout}: no words to tune the cache weight on")
    base, unigram, bigram, trust = (np.concatenate(column) for column in zip(*recorder.parts))
    scored = (base > 0) | (unigram > 0) | (bigram > 0)
    base, unigram, bigram, trust = base[scored], unigram[scored], bigram[scored], trust[scored]
    tune_bigram = scorer.bigram_weight > 0

    def negative_log_likelihood(weights):
        weight, bigram_weight = weights[0], (weights[1] if tune_bigram else 0.0)
        mixed = np.maximum(_mix(base, unigram, bigram, trust * weight, trust * bigram_weight), 1e-300)
        gradient = np.array([np.sum(trust * (unigram - base) / mixed), np.sum(trust * (bigram - base) / mixed)])
        return -np.sum(np.log(mixed)), -gradient[:len(weights)]

    start = [scorer.weight, scorer.bigram_weight][:1 + tune_bigram]
    # Keep L + M below 1 by bounding each by 1/2 when both are tuned (far above any weight a cache is given).
    bound = 0.5 if tune_bigram else 1.0
    start = [min(max(value, 1e-3), bound - 1e-3) for value in start]
    result = minimize(negative_log_likelihood, start, jac=True, method="L-BFGS-B", bounds=[(0.0, bound)] * len(start))
    weights = [float(value) for value in result.x]
    return weights[0], (weights[1] if tune_bigram else 0.0)


def tune_cache_weight(scorer: CacheScorer, heldout: str, options: PplOptions = PplOptions(),
                      boundary: str | None = None) -> float:
    """The unigram cache weight L maximising the likelihood of a held-out text (see `tune_cache_weights`)."""
    return tune_cache_weights(scorer, heldout, options, boundary)[0]
