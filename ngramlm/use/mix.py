"""Linear interpolation of back-off models: static merging into one back-off model, the dynamic mixture, and
mixture weights tuned on held-out text by EM.

Static merging follows SRILM's `ngram -mix-lm -lambda -write-lm` (Ngram::mixProbs): the merged model holds the
union of the components' n-grams, each with probability

    p(w | h) = sum_i lambda_i p_i(w | h)                      (linear interpolation, Jelinek & Mercer 1980)

where p_i(w | h) is component i's back-off probability (explicit or backed off), and the back-off weights are
recomputed so every context sums to 1. The merged model equals the mixture on every n-gram it holds; for an
n-gram it lacks it backs off, so it approximates the dynamic mixture (SRILM's `-bayes 0`), which scores
each word with the sum above directly. With more than two models SRILM merges pairwise, one model after the
other (mix_models_pairwise, what `ngram -mix-lm2 ...` does); mix_models mixes all components at once, which
makes every explicit n-gram exact for any number of models.

The weights that minimise held-out perplexity are found by expectation-maximisation (SRILM's compute-best-mix;
Dempster, Laird & Rubin 1977): with q_i(t) = lambda_i p_i(t) / sum_j lambda_j p_j(t) the posterior of component
i for token t, the update is lambda_i <- (1/T) sum_t q_i(t). The held-out log-likelihood is concave in the
weights, so EM converges to the global optimum.

In:  BackoffModels (put over one shared Vocabulary first) and their weights; for EM, held-out text files, scored
     under each model into a (models, tokens) array of log10 probabilities (score_text -> HeldoutScores).
Out: one merged BackoffModel (mix_models), a Mixture Scorer (the dynamic mixture), or the tuned weights with the
     number of iterations (estimate_mixture_weights). score_text holds the whole held-out text in memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..core.constants import LOG10_ZERO
from ..core.model import BackoffModel
from ..core.errors import ModelError
from ..core.index import PAD, SRILM
from ..core.scorer import Scorer
from ..core.vocab import BOS, BOS_ID, EOS, ID_DTYPE, UNK_ID, Vocabulary


def shared_vocabulary(models: Sequence[BackoffModel]) -> list[BackoffModel]:
    """The models re-expressed over one Vocabulary (the first model's words, then each new word in turn)."""
    vocab = models[0].vocab
    if not all(m.vocab is vocab or m.vocab == vocab for m in models):
        vocab = Vocabulary(vocab.words[3:], unk_word=vocab.unk_word)
    return [m.with_vocabulary(vocab) for m in models]


def normalise_weights(weights: Sequence[float], count: int) -> np.ndarray:
    """Check mixture weights (one per model, non-negative, not all 0) and scale them to sum to 1."""
    weights = np.asarray(weights, dtype=np.float64)
    if len(weights) != count:
        raise ModelError(f"{count} models need {count} mixture weights, got {len(weights)}")
    if np.any(weights < 0) or not np.any(weights > 0) or not np.all(np.isfinite(weights)):
        raise ModelError(f"mixture weights must be non-negative and not all zero, got {weights.tolist()}")
    return weights / weights.sum()


def log10_mix(component_logprobs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """log10 sum_i weights_i 10^component_logprobs[i], column by column (linear interpolation, Jelinek & Mercer
    1980): component_logprobs is (models, tokens) of log10 values, LOG10_ZERO (-99) or less standing for a
    probability of 0; the result is -inf where every component gives 0."""
    probs = np.where(component_logprobs > LOG10_ZERO, 10.0 ** np.maximum(component_logprobs, LOG10_ZERO), 0.0)
    with np.errstate(divide="ignore"):
        return np.log10(weights @ probs)


def _srilm_mix(component_logprobs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """log10 of the mixture as SRILM's MixLogP computes it: exp(x ln 10) for each component, and for two
    components lambda p1 + (1 - lambda) p2 (the second weight as 1 - lambda, not as given)."""
    probs = np.where(component_logprobs > LOG10_ZERO,
                     np.exp(np.maximum(component_logprobs, LOG10_ZERO) * np.log(10.0)), 0.0)
    if len(weights) == 2:
        mixed = weights[0] * probs[0] + (1.0 - weights[0]) * probs[1]
    else:
        mixed = weights @ probs
    with np.errstate(divide="ignore"):
        return np.log10(mixed)


def _union_rows(arrays: list[np.ndarray], n: int) -> np.ndarray:
    """The distinct rows of several sorted (m, n) id arrays, sorted."""
    rows = np.concatenate([a.astype(ID_DTYPE) for a in arrays] or [np.zeros((0, n), dtype=ID_DTYPE)])
    # Big-endian bytes compare as the id rows do lexicographically, and np.unique on them is a flat sort.
    keys = np.unique(np.ascontiguousarray(rows.astype(">u4")).view(f"S{4 * n}").ravel())
    return keys.view(">u4").reshape(len(keys), n).astype(ID_DTYPE)


def mix_models(models: Sequence[BackoffModel], weights: Sequence[float]) -> BackoffModel:
    """Merge back-off models into one by static linear interpolation (SRILM's -mix-lm ... -write-lm).

    Every n-gram of any component gets p(w|h) = sum_i weights_i p_i(w|h) with the p_i by back-off; back-off
    weights are then recomputed. The result has the highest order among the components.
    """
    from ..smoothing.backoff_weights import compute_logbows

    if not models:
        raise ModelError("mixing needs at least one model")
    weights = normalise_weights(weights, len(models))
    models = shared_vocabulary(models)
    order = max(m.order for m in models)
    ngrams, logprob = [], []
    for k in range(order):
        grams = _union_rows([m.ngrams[k] for m in models if m.order > k], k + 1)
        # With SRILM's arithmetic (Ngram::mixProbs): the components' back-off probabilities as it computes them
        # (single precision), mixed in double precision by MixLogP, stored in single precision.
        component = np.array([m.index.logprobs(grams, SRILM) for m in models],
                             dtype=np.float64).reshape(len(models), len(grams))
        ngrams.append(grams)
        logprob.append(np.maximum(_srilm_mix(component, weights).astype(np.float32).astype(np.float64),
                                  LOG10_ZERO))
    merged = BackoffModel(models[0].vocab, ngrams, logprob, [np.zeros(len(g)) for g in ngrams])
    merged.logbow = compute_logbows(merged)
    return merged


def mix_models_pairwise(models: Sequence[BackoffModel], weights: Sequence[float]) -> BackoffModel:
    """Merge back-off models as SRILM's ngram does with -mix-lm2 .. -mix-lm9: the first two merged with weights
    in the ratio w0 : w1, that result with the third in the ratio (w0 + w1) : w2, and so on (ngram.cc's
    makeStaticMixLM). An n-gram that only a later model holds gets the earlier merge's back-off estimate, not
    the mixture of the components' own estimates, so the result differs from mix_models beyond two models."""
    if not models:
        raise ModelError("mixing needs at least one model")
    weights = normalise_weights(weights, len(models))
    merged, total = models[0], float(weights[0])
    for model, weight in zip(models[1:], weights[1:]):
        total += float(weight)
        share = 0.0 if weight == 0 else float(weight) / total  # SRILM: 0/0 is 0
        merged = mix_models([merged, model], [1.0 - share, share]) if share < 1.0 else model
    return merged


def sentence_ngrams(sentences: Iterable[Sequence[str]], vocab: Vocabulary, order: int) -> np.ndarray:
    """Every scored token of `sentences` (all but a leading <s>) with its history, as rows of `order` ids:
    the history's ids on the left (PAD where the sentence has fewer words), the token last.
    Words outside `vocab` become <unk> (UNK_ID)."""
    pad = PAD
    pieces, predicted = [], []
    for tokens in sentences:
        ids = vocab.encode(tokens, grow=False)
        pieces.append(np.full(order - 1, pad, dtype=ID_DTYPE))
        pieces.append(ids)
        scored = np.ones(len(ids), dtype=bool)
        if len(ids) and ids[0] == BOS_ID:
            scored[0] = False
        predicted.append(np.zeros(order - 1, dtype=bool))
        predicted.append(scored)
    if not pieces:
        return np.zeros((0, order), dtype=ID_DTYPE)
    stream = np.concatenate(pieces)
    ends = np.flatnonzero(np.concatenate(predicted))
    return np.stack([stream[ends - j] for j in range(order - 1, -1, -1)], axis=1) if len(ends) else \
        np.zeros((0, order), dtype=ID_DTYPE)


@dataclass
class HeldoutScores:
    """Per-token log10 probabilities of a text under several models, with SRILM's counts for perplexity.

    `component_logprobs` is (models, tokens) over the scored tokens (every word and </s>, not <s>), OOVs left
    out: words outside the vocabulary when no model has <unk> (with <unk>, they are scored as <unk>)."""

    component_logprobs: np.ndarray
    sentences: int
    words: int
    oovs: int

    def perplexity(self, weights: Sequence[float] | None = None) -> dict:
        """SRILM's `-ppl` summary of the mixture with `weights` (of the only model when there is one):
        logprob, zeroprobs, ppl (per word and </s>) and ppl1 (per word), zero-probability tokens left out."""
        count = self.component_logprobs.shape[0]
        weights = normalise_weights(np.ones(count) if weights is None else weights, count)
        mixed = log10_mix(self.component_logprobs, weights)
        zeroprobs = int(np.sum(~np.isfinite(mixed)))
        logprob = float(mixed[np.isfinite(mixed)].sum())
        denominator = self.words - self.oovs - zeroprobs + self.sentences
        return {"sentences": self.sentences, "words": self.words, "oovs": self.oovs, "zeroprobs": zeroprobs,
                "logprob": logprob, "ppl": 10.0 ** (-logprob / max(denominator, 1)),
                "ppl1": 10.0 ** (-logprob / max(denominator - self.sentences, 1))}


def score_text(models: Sequence[BackoffModel], paths: Sequence[str], options=None) -> HeldoutScores:
    """Score the sentences of text files under each model (which must share one vocabulary)."""
    from ..corpora.reader import TextOptions, read_corpus

    models = list(models)
    vocab = models[0].vocab
    order = max(m.order for m in models)
    sentences = list(read_corpus(paths, options or TextOptions()))
    grams = sentence_ngrams(sentences, vocab, order)
    words = sum(1 for s in sentences for w in s if w not in (BOS, EOS))
    oov = grams[:, -1] == UNK_ID if not any(m.has_unk() for m in models) else np.zeros(len(grams), dtype=bool)
    grams = grams[~oov]
    logprobs = np.array([m.index.logprobs(grams) for m in models]).reshape(len(models), len(grams))
    return HeldoutScores(logprobs, len(sentences), int(words), int(oov.sum()))


@dataclass
class Mixture(Scorer):
    """A dynamic linear mixture of back-off models (SRILM's -mix-lm with -bayes 0): each word is scored as
    log10 sum_i weights_i p_i(w | h). It is a Scorer (`score`, `score_batch`, each component by its index with SRILM's
    single-precision arithmetic in each component) and offers whole next-word distributions for generation."""

    models: list[BackoffModel]
    weights: np.ndarray

    def __post_init__(self):
        from .scoring import BackoffScorer

        self.models = shared_vocabulary(list(self.models))
        self.weights = normalise_weights(self.weights, len(self.models))
        self._scorers = [BackoffScorer(m) for m in self.models]

    @property
    def vocab(self) -> Vocabulary:
        return self.models[0].vocab

    @property
    def order(self) -> int:
        return max(m.order for m in self.models)

    def has_unk(self) -> bool:
        return any(m.has_unk() for m in self.models)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log10 mixture probabilities (float32, as SRILM's BayesMix returns them) and the longest n-gram any
        component matched, for words (m,) with histories (m, order - 1), most recent word last."""
        width = self.order - 1
        logprobs, matched = [], []
        for scorer in self._scorers:
            logp, match = scorer.score_batch(words, histories[:, width - (scorer.order - 1):])
            logprobs.append(logp.astype(np.float64))
            matched.append(match)
        mixed = log10_mix(np.array(logprobs).reshape(len(self._scorers), len(words)), self.weights)
        return mixed.astype(np.float32), np.max(np.array(matched).reshape(len(self._scorers), len(words)), axis=0)

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        """log10 p(word | context) under the mixture (context oldest first) and the longest n-gram matched."""
        results = [scorer.score(word, context) for scorer in self._scorers]
        mixed = log10_mix(np.array([[r[0]] for r in results], dtype=np.float64), self.weights)
        return float(np.float32(mixed[0])), max(r[1] for r in results)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) under the mixture for every word id."""
        components = np.array([scorer.distribution(context).astype(np.float64) for scorer in self._scorers])
        return log10_mix(components, self.weights)


def estimate_mixture_weights(component_logprobs: np.ndarray, initial: Sequence[float] | None = None, *,
                             tolerance: float = 1e-7, max_iterations: int = 10000) -> tuple[np.ndarray, int]:
    """EM for the interpolation weights maximising the likelihood of held-out tokens (SRILM's compute-best-mix).

    `component_logprobs` is (models, tokens) of log10 p_i(token | history); tokens that every component gives
    probability 0 are ignored. Iterates until no weight moves by more than `tolerance`. Returns (weights,
    iterations).
    """
    probs = np.where(component_logprobs > LOG10_ZERO, 10.0 ** np.maximum(component_logprobs, LOG10_ZERO), 0.0)
    probs = probs[:, probs.sum(axis=0) > 0]
    count = probs.shape[0]
    if probs.shape[1] == 0:
        raise ModelError("no held-out token has a non-zero probability under any model; cannot tune weights")
    weights = normalise_weights(initial if initial is not None else np.ones(count), count)
    for iteration in range(1, max_iterations + 1):
        # The mean posterior of component i is lambda_i * mean_t p_i(t) / p_mix(t): two matrix-vector products.
        updated = weights * (probs @ (1.0 / (weights @ probs))) / probs.shape[1]
        moved = np.max(np.abs(updated - weights))
        weights = updated
        if moved < tolerance:
            return weights, iteration
    return weights, max_iterations


def mixture_log_likelihood(component_logprobs: np.ndarray, weights: Sequence[float]) -> float:
    """Total log10 probability of the tokens under the mixture (tokens every component gives 0 left out)."""
    mixed = log10_mix(component_logprobs, np.asarray(weights, dtype=np.float64))
    return float(mixed[np.isfinite(mixed)].sum())
