"""The unigram cache model (Kuhn & De Mori 1990), mixed into an n-gram model as SRILM's `ngram -cache N
-cache-lambda L` mixes it:

    p(w | h) = (1 - L) p_ngram(w | h) + L p_cache(w),
    p_cache(w) = (count of w among the last N tokens) / (number of tokens in the cache)

Which tokens enter the cache follows SRILM's CacheLM: every scored token, words and the sentence end </s> (so
p_cache is a distribution over the same events as the n-gram), not <s> (context only, never scored), and not an
unknown word unless <unk> is a word of the model (an open vocabulary). The cache runs across sentences.

One departure from SRILM: where the cache is empty (the first token of a text or of a document) SRILM's cache
gives every word probability 0, so the mixture sums to 1 - L there; here p_cache is then p_ngram itself, so
every distribution sums to 1 and the first token gets p_ngram.

Documents: SRILM never empties the cache within a text. `cache_ppl` can reset it where a document ends:
`boundary="blank"` resets at blank lines, a regular expression resets before each line it matches (the line is
then scored as the first of the new document; WikiText's article titles ` = Title = ` match
WIKITEXT_ARTICLE), and None (the default, SRILM's behaviour) never resets.
"""
from __future__ import annotations

import re
from collections import deque
from typing import Iterator, Sequence

import numpy as np

from .errors import ModelError
from .corpus import iter_lines
from .evaluate import PplOptions, TextStats, encode_sentence, score_sentences
from .vocab import UNK_ID

# SRILM's default -cache-lambda.
DEFAULT_CACHE_WEIGHT = 0.05
# A WikiText article starts with its title line ` = Title = ` (sections have `= =`).
WIKITEXT_ARTICLE = r"^ = [^=].* = $"


class CacheScorer:
    """An n-gram scorer mixed with a unigram cache of the last `size` tokens (a stateful Scorer).

    `score_batch` must see the tokens in text order: each scored token enters the cache after it is scored
    (ngramlm.evaluate.ppl_file and `cache_ppl` score in order). `reset` empties the cache.
    """

    def __init__(self, scorer, size: int, weight: float = DEFAULT_CACHE_WEIGHT, *, unk_is_word: bool = False):
        if size < 1:
            raise ModelError(f"the cache must hold at least one word, not {size}")
        if not 0.0 <= weight <= 1.0:
            raise ModelError(f"the cache weight must be between 0 and 1, not {weight}")
        self.scorer, self.size, self.weight, self.unk_is_word = scorer, size, weight, unk_is_word
        self.vocab, self.order = scorer.vocab, scorer.order
        self.reset()

    def reset(self) -> None:
        """Empty the cache (at a document boundary)."""
        self._recent: deque = deque()
        self._counts = np.zeros(len(self.vocab) + 1, dtype=np.int64)

    def has_unk(self) -> bool:
        return getattr(self.scorer, "has_unk", lambda: False)()

    def components(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The n-gram's log10 probabilities, the cache's (the n-gram's where the cache is empty), and the n-gram
        lengths matched, for tokens in text order; the tokens then enter the cache."""
        base, matched = self.scorer.score_batch(words, histories)
        base = np.asarray(base, dtype=np.float64)
        cache = np.empty(len(base))
        recent, counts, size = self._recent, self._counts, self.size
        for i, word in enumerate(np.asarray(words, dtype=np.int64).tolist()):
            cached = len(recent)
            cache[i] = counts[word] / cached if cached else -1.0
            if word == UNK_ID and not self.unk_is_word:
                continue
            if cached == size:
                counts[recent.popleft()] -= 1
            recent.append(word)
            counts[word] += 1
        with np.errstate(divide="ignore"):
            cache_logp = np.where(cache < 0, base, np.log10(np.maximum(cache, 0.0)))
        return base, cache_logp, matched

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        base, cache, matched = self.components(words, histories)
        return _mix(base, cache, self.weight).astype(np.float32), matched

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        width = self.order - 1
        recent = list(context)[max(0, len(context) - width):] if width else []
        history = np.array([[0xFFFFFFFF] * (width - len(recent)) + recent], dtype=np.uint32).reshape(1, width)
        logp, matched = self.score_batch(np.array([word], dtype=np.uint32), history)
        return float(logp[0]), int(matched[0])

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id under the current cache (which it leaves as it is)."""
        base = np.asarray(self.scorer.distribution(context), dtype=np.float64)
        if not self._recent:
            return base
        with np.errstate(divide="ignore"):
            cache = np.log10(self._counts[:len(self.vocab)] / len(self._recent))
        return _mix(base, cache, self.weight)


def _mix(base: np.ndarray, cache: np.ndarray, weight: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log10((1.0 - weight) * np.power(10.0, base) + weight * np.power(10.0, cache))


def _documents(path: str, options: PplOptions, boundary: str | None) -> Iterator[list[list[str]]]:
    """The non-blank lines of a text as token lists, grouped into documents by `boundary`."""
    pattern = re.compile(boundary) if boundary not in (None, "blank") else None
    document: list[list[str]] = []
    for _, line in iter_lines(path, options.errors):
        tokens = line.split()
        text = line.rstrip("\r\n")
        if document and ((boundary == "blank" and not tokens) or (pattern is not None and pattern.search(text))):
            yield document
            document = []
        if tokens:
            document.append([t.lower() for t in tokens] if options.tolower else tokens)
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
    """Stands in for a CacheScorer in score_sentences, keeping each token's n-gram and cache log probabilities."""

    def __init__(self, scorer: CacheScorer):
        self.cache_scorer = scorer
        self.vocab, self.order = scorer.vocab, scorer.order
        self.base: list[np.ndarray] = []
        self.cache: list[np.ndarray] = []

    def reset(self) -> None:
        self.cache_scorer.reset()

    def score_batch(self, words, histories):
        base, cache, matched = self.cache_scorer.components(words, histories)
        self.base.append(base)
        self.cache.append(cache)
        return base.astype(np.float32), matched


def tune_cache_weight(scorer: CacheScorer, heldout: str, options: PplOptions = PplOptions(),
                      boundary: str | None = None) -> float:
    """The cache weight L maximising the likelihood of a held-out text, by EM (the cache probabilities do not
    depend on L, so they are computed once)."""
    from .mix import estimate_mixture_weights

    recorder = _ComponentRecorder(scorer)
    for document in _documents(heldout, options, boundary):
        recorder.reset()
        encoded = [encode_sentence(scorer.vocab, tokens, options) for tokens in document]
        for start in range(0, len(encoded), BATCH_SENTENCES):
            score_sentences(recorder, encoded[start:start + BATCH_SENTENCES])
    if not recorder.base:
        raise ModelError(f"{heldout}: no words to tune the cache weight on")
    logprobs = np.array([np.concatenate(recorder.base), np.concatenate(recorder.cache)])
    weights, _ = estimate_mixture_weights(logprobs, [1.0 - scorer.weight, scorer.weight])
    return float(weights[1])
