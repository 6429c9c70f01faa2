"""Pruning a back-off model: relative-entropy pruning (Stolcke 1998), removal of n-grams that are no better than
their back-off estimate, and count cut-offs. Each returns a new BackoffModel whose back-off weights are
recomputed, so every context's distribution still sums to 1.

Entropy pruning follows SRILM's `ngram -prune` (NgramLM::pruneProbs) so that its output can be reproduced:

- orders are pruned from the highest down to `min_order` (SRILM's -minprune, default 2: unigrams stay);
- within an order, each n-gram's cost is computed as if it alone were removed from the unpruned model;
- an n-gram that is still the context of a longer surviving n-gram is kept (the ARPA format needs it);
- the history marginal P(h) comes from the chain rule on the model itself or on a separate history model
  (-prune-history-lm; Chelba et al. 2010 show Kneser-Ney lower orders are poor marginals);
- SRILM holds log-probabilities in single precision, and so does the cost computation here, so that borderline
  n-grams fall on the same side of the threshold.

In:  a BackoffModel and a threshold, optionally a history BackoffModel (prune_entropy); a BackoffModel
     (prune_low_probs); a BackoffModel, NgramCounts and per-order minimum counts (prune_by_count).
Out: a new BackoffModel holding a subset of the n-grams, back-off weights recomputed
     (ngramlm.smoothing.backoff_weights.compute_logbows); the model given is not changed.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.constants import LOG10_ZERO, PROB_EPSILON
from ..core.model import BackoffModel
from ..counting.counts import NgramCounts
from ..core.errors import ModelError
from ..core.index import PAD, SRILM, NgramIndex
from ..core.vocab import BOS_ID, EOS_ID, Vocabulary

def _single_precision(model: BackoffModel) -> BackoffModel:
    """The model with its log values rounded to float32 (as SRILM stores them) and ARPA's -99 read as log(0)."""
    logprob = [np.where(lp <= LOG10_ZERO, -np.inf, lp).astype(np.float32) for lp in model.logprob]
    logbow = [np.where(bow <= LOG10_ZERO, -np.inf, bow).astype(np.float32) for bow in model.logbow]
    return BackoffModel(model.vocab, model.ngrams, logprob, logbow)


def _map_ids(grams: np.ndarray, source: Vocabulary, target: Vocabulary) -> np.ndarray:
    """Re-express word ids of the `source` vocabulary in `target` (words `target` lacks become PAD)."""
    if source is target or source == target:
        return grams
    mapping = np.array([target.id(w) if w in target else PAD for w in source], dtype=np.uint32)
    return mapping[grams]


def context_logprobs(index: NgramIndex, contexts: np.ndarray) -> np.ndarray:
    """log10 P(h) for each row h of `contexts` by the chain rule, in float32 (SRILM's LM::contextProb).

    A leading <s> is scored as </s> (its marginal is that of a sentence end, since <s> itself is never
    predicted), and a <s> elsewhere, which has probability 0, is skipped.
    """
    total = np.zeros(len(contexts), dtype=np.float32)
    for k in range(1, contexts.shape[1] + 1):
        grams = contexts[:, :k].copy()
        if k == 1:
            grams[grams[:, 0] == BOS_ID, 0] = EOS_ID
        logp = index.logprobs(grams, SRILM)
        skip = np.isneginf(logp) & (grams[:, -1] == BOS_ID)
        total = total + np.where(skip, 0, logp).astype(np.float32)
    return total


def _log10(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(x)


def _context_sums(index: NgramIndex, n: int, logprob: np.ndarray, backoff_logprob: np.ndarray):
    """Per context of the order-n n-grams: the back-off weight's numerator 1 - sum p(w|h) and denominator
    1 - sum p_BO(w|h') (SRILM's Ngram::computeBOW), with near-zero values rounded to 0; and which contexts are
    usable (SRILM skips a context whose numerator is negative)."""
    parent = index.parent_rows(n)
    contexts = len(index.ngrams[n - 2])
    numerator = 1.0 - np.bincount(parent, weights=10.0 ** logprob.astype(np.float64), minlength=contexts)
    denominator = 1.0 - np.bincount(parent, weights=10.0 ** backoff_logprob.astype(np.float64), minlength=contexts)
    numerator[np.abs(numerator) < PROB_EPSILON] = 0.0
    denominator[np.abs(denominator) < PROB_EPSILON] = 0.0
    usable = numerator >= 0.0
    # A context whose lower-order distribution has no mass left for its unseen words gets numerator and
    # denominator 0, which makes removing any one n-gram free (its back-off estimate becomes exact).
    exhausted = denominator <= 0.0
    numerator[exhausted] = 0.0
    denominator[exhausted] = 0.0
    return parent, numerator, denominator, usable


def _surviving_contexts(index: NgramIndex, n: int, keep: np.ndarray, longer_contexts: np.ndarray) -> np.ndarray:
    """Which (n-1)-grams are still contexts after pruning order n: those with a kept child, and those that are the
    suffix of a longer surviving context (in SRILM's context trie the longer one hangs below the shorter)."""
    parent = index.parent_rows(n)
    alive = np.bincount(parent[keep], minlength=len(index.ngrams[n - 2])) > 0
    if np.any(longer_contexts):
        suffix_rows = index.rows(index.ngrams[n - 1][longer_contexts][:, 1:])
        alive[suffix_rows[suffix_rows >= 0]] = True
    return alive


def prune_entropy(model: BackoffModel, threshold: float, min_order: int = 2,
                  history_model: BackoffModel | None = None) -> BackoffModel:
    """Remove the n-grams whose removal raises the model's (training-set) perplexity by less than `threshold`,
    relatively (Stolcke 1998, "Entropy-based pruning of backoff language models"; SRILM's -prune).

    For an n-gram h w with probability p(w|h), removing it changes the back-off weight of h to (Stolcke 1998,
    eq. 9, with the numerator and denominator of the weight's definition, eq. 6)

        bow'(h) = (1 - sum p(v|h) + p(w|h)) / (1 - sum p_BO(v|h') + p_BO(w|h'))

    and the relative entropy between the model and the pruned one to (eq. 10-11)

        D = -P(h) { p(w|h) [log p_BO(w|h') + log bow'(h) - log p(w|h)] + (1 - sum p(v|h)) [log bow'(h) - log bow(h)] }

    where the sums run over the words v with an explicit probability in context h. The n-gram is pruned when
    10^D - 1 (the relative perplexity increase) is below `threshold`. P(h) is the chain-rule marginal of h under
    `history_model` (an (N-1)-gram model, SRILM's -prune-history-lm) or the model itself.
    """
    if threshold < 0:
        raise ModelError(f"the pruning threshold must be >= 0, not {threshold}")
    if min_order < 2:
        raise ModelError(f"min_order must be at least 2 (unigrams are never pruned), not {min_order}")
    single = _single_precision(model)
    index = model.index
    history = index if history_model is None else history_model.index
    keep = [np.ones(len(g), dtype=bool) for g in model.ngrams]
    contexts_alive = np.zeros(len(model.ngrams[-1]), dtype=bool)  # no n-gram of the top order is a context
    for n in range(model.order, min_order - 1, -1):
        logprob = single.logprob[n - 1]
        backoff_logprob = index.backoff_logprobs(n, SRILM)
        parent, numerator, denominator, usable = _context_sums(index, n, logprob, backoff_logprob)
        context_grams = model.ngrams[n - 2]
        if history_model is not None:
            context_grams = _map_ids(context_grams, model.vocab, history_model.vocab)
        context_logprob = context_logprobs(history, context_grams)
        num, den = numerator[parent], denominator[parent]
        new_logbow = (_log10(num + 10.0 ** logprob) - _log10(den + 10.0 ** backoff_logprob.astype(np.float64))
                      ).astype(np.float32)
        delta_logprob = (backoff_logprob + new_logbow) - logprob
        old_logbow = single.logbow[n - 2][parent]
        delta_entropy = -(10.0 ** context_logprob[parent].astype(np.float64)) * (
            10.0 ** logprob.astype(np.float64) * delta_logprob + num * (new_logbow - old_logbow))
        with np.errstate(over="ignore", invalid="ignore"):
            perplexity_change = 10.0 ** delta_entropy - 1.0
        prune = (threshold > 0) & (perplexity_change < threshold) & usable[parent] & ~contexts_alive
        keep[n - 1] = ~prune
        contexts_alive = _surviving_contexts(index, n, keep[n - 1], contexts_alive) | ~usable
    return _rebuild(model, keep)


def prune_low_probs(model: BackoffModel, min_order: int = 2) -> BackoffModel:
    """Remove n-grams whose probability is below their back-off estimate bow(h) p(w|h') (SRILM's
    -prune-lowprobs, Ngram::pruneLowProbs), so that an explicit n-gram never loses to backing off, which is what
    a finite-state network without failure transitions needs.

    As in SRILM, orders are visited from `min_order` up, each against the back-off weights of the previous round,
    and rounds (with the weights recomputed) repeat until nothing more is removed. An n-gram that is still the
    context of a longer one cannot go: it loses its own probability while pruning, and in the result gets the
    back-off estimate as its probability (SRILM's fixupProbs), which leaves the distribution unchanged.
    """
    from ..smoothing.backoff_weights import compute_logbows

    if min_order < 2:
        raise ModelError(f"min_order must be at least 2 (unigrams are never pruned), not {min_order}")
    working = BackoffModel(model.vocab, model.ngrams, [lp.astype(np.float64) for lp in model.logprob],
                           [bow.astype(np.float64) for bow in model.logbow])
    index = model.index.with_values(working)
    absent = [np.zeros(len(g), dtype=bool) for g in model.ngrams]
    while True:
        removed = 0
        for n in range(min_order, model.order + 1):
            backed_off = index.backoff_logprobs(n) + working.logbow[n - 2][index.parent_rows(n)]
            low = ~absent[n - 1] & (backed_off > working.logprob[n - 1])
            absent[n - 1] |= low
            working.logprob[n - 1][low] = np.nan
            removed += int(low.sum())
        # SRILM's recomputeBOWs while n-grams are removed but their context nodes remain: NaN rows count as absent.
        working.logbow = compute_logbows(working, model.index)
        if not removed:
            break
    keep = _still_needed(index, absent)
    for k in range(1, model.order):
        # SRILM's fixupProbs: a context that lost its probability gets its back-off estimate back.
        fill = keep[k] & absent[k]
        if np.any(fill):
            working.logprob[k][fill] = index.logprobs(model.ngrams[k][fill])
    return _rebuild(working, keep)


def _still_needed(index: NgramIndex, absent: list[np.ndarray]) -> list[np.ndarray]:
    """Which n-grams the pruned model keeps: those with a probability, and those still needed as contexts (with
    an extension that has a probability, or a longer context ending in them), with their prefixes."""
    order = index.order
    keep = [~a for a in absent]
    is_context = np.zeros(len(absent[-1]), dtype=bool)
    for n in range(order, 1, -1):
        contexts = _surviving_contexts(index, n, ~absent[n - 1], is_context)
        prefixes = np.zeros(len(contexts), dtype=bool)
        prefixes[index.parent_rows(n)[keep[n - 1]]] = True
        keep[n - 2] |= contexts | prefixes
        is_context = contexts
    return keep


def prune_by_count(model: BackoffModel, counts: NgramCounts, min_counts: Sequence[int],
                   min_order: int = 2) -> BackoffModel:
    """Remove the n-grams of order n >= min_order seen fewer than `min_counts[n-1]` times in `counts` (count
    cut-offs, SRILM's -gtNmin applied to a finished model), keeping n-grams that are contexts of kept longer ones.

    N-grams absent from `counts` count as 0.
    """
    if len(min_counts) < model.order:
        raise ModelError(f"give a minimum count for each of the model's {model.order} orders, not {len(min_counts)}")
    if counts.order < model.order:
        raise ModelError(f"counts of order {counts.order} cannot prune a model of order {model.order}")
    index = model.index
    keep = [np.ones(len(g), dtype=bool) for g in model.ngrams]
    needed_as_context = np.zeros(len(model.ngrams[-1]), dtype=bool)
    for n in range(model.order, min_order - 1, -1):
        seen = np.zeros(len(model.ngrams[n - 1]), dtype=np.int64)
        grams = _map_ids(counts.ngrams[n - 1], counts.vocab, model.vocab)
        rows = index.rows(grams)
        np.add.at(seen, rows[rows >= 0], counts.counts[n - 1][rows >= 0])
        keep[n - 1] = (seen >= min_counts[n - 1]) | needed_as_context
        needed_as_context = np.bincount(index.parent_rows(n)[keep[n - 1]],
                                        minlength=len(model.ngrams[n - 2])) > 0
    return _rebuild(model, keep)


def _rebuild(model: BackoffModel, keep: list[np.ndarray]) -> BackoffModel:
    """The model restricted to the kept rows, with back-off weights recomputed so it is normalised again."""
    from ..smoothing.backoff_weights import compute_logbows

    pruned = BackoffModel(model.vocab, [g[k] for g, k in zip(model.ngrams, keep)],
                          [lp[k] for lp, k in zip(model.logprob, keep)],
                          [bow[k] for bow, k in zip(model.logbow, keep)])
    pruned.logbow = compute_logbows(pruned)
    return pruned
