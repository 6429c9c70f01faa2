"""Counts -> back-off model, for any discounting method, with SRILM's exact rules (Ngram::estimate).

For each order n = 1..N, shortest first (an interpolated estimate needs the finished lower orders):

  1. The n-grams h w considered are those whose word w can be predicted (not <s>; not <unk> in a closed
     vocabulary), whose context h does not end in </s> and (closed vocabulary) does not contain <unk>.
  2. Per context h: T = sum of counts, N1+, N2+, N3+ = number of followers with count >= 1, 2, 3.
  3. p(w | h) = d * c / T, plus gamma(h) p(w | h') when interpolated (Chen & Goodman 1998, section "Backoff
     vs. interpolated models"; unigrams interpolate with the uniform distribution 1/|V|). An n-gram with
     d = 0 (below the cut-off) is dropped.
  4. If a context's explicit probabilities leave no mass (sum > 1 - 3e-6) although not every word of the
     vocabulary was seen in it, SRILM first turns interpolation off for that context, then adds 1 to T until
     some mass is left (a hack it credits to Doug Paul); so do we.
  5. The back-off weights of the contexts are computed by normalisation (ngramlm.smoothing.backoff_weights). Unigram
     mass left over is spread evenly over the words with zero probability, or over all words if there are none.
Finally every context and each of its sub-sequences gets an explicit probability (equal to its back-off
estimate) where it has none, since the ARPA format needs a line for every context; and every suffix of a context
gets a written back-off weight, as in SRILM's trie of contexts (see _weigh_context_suffixes).

Interpolated models come out folded into back-off form: the interpolated probability is the n-gram's
probability and the interpolation weight becomes (after normalisation) the context's back-off weight.
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np

from . import backoff_weights as weights
from . import meta_counts
from ..core.constants import LOG10_ZERO, PROB_EPSILON
from ..core.index import NgramIndex, distinct_rows
from ..core.model import BackoffModel
from ..counting.counts import NgramCounts, with_prefixes
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, PAUSE, UNK_ID, Vocabulary
from .continuation_counts import continuation_counts
from .discount import Discount, EstimationWarning, OrderCounts, note


@dataclass
class OrderPlan:
    """How one order is estimated: its discount and whether it is interpolated with the lower order.
    `estimated` is False when the discount's parameters were read from a file (given discounts are kept by
    the discount's own `estimate`)."""

    discount: Discount
    interpolate: bool = False
    estimated: bool = True


# Notes on the estimation that SRILM prints under -debug 1 (ngram-count shows them there; silent otherwise).
log = logging.getLogger(__name__)


class ImproperWarning(EstimationWarning):
    """The unigram probabilities sum to more than one (SRILM's `BOW numerator for context "" is X < 0`, which it
    prints whatever the -debug level, once the unigrams are estimated): zero counts counted as SRILM counts them
    can do this (_ngrams)."""


def non_events(vocab: Vocabulary) -> list[int]:
    """The ids of the words no distribution predicts but that are contexts, written with probability 0: <s>, and
    the pause word -pau- where the vocabulary has it (SRILM's non-events), and the vocabulary's own (the tags of
    ngramlm.models.tagged's vocabulary)."""
    own = getattr(vocab, "non_event_ids", None)
    return [BOS_ID] + ([vocab.id(PAUSE)] if PAUSE in vocab else []) + (own() if own else [])


def predicted_words(vocab_size: int, unk: bool, excluded: list[int] | None = None) -> np.ndarray:
    """Mask over word ids: the words a distribution ranges over (not <s>, nor the other `excluded` non-events;
    not <unk> unless -unk)."""
    predicted = np.ones(vocab_size, dtype=bool)
    predicted[excluded or [BOS_ID]] = False
    if not unk:
        predicted[UNK_ID] = False
    return predicted


def estimate_backoff(counts: NgramCounts, plans: list[OrderPlan], *, unk: bool,
                     srilm_zero_counts: bool = False) -> BackoffModel:
    """Estimate a back-off model from `counts` with one plan per order (see the module docstring).

    `srilm_zero_counts`: n-grams of count 0 count among their context's followers as SRILM counts them (see
    _ngrams); otherwise they are left out."""
    vocab = counts.vocab
    order = counts.order
    if len(plans) != order:
        raise ValueError(f"{len(plans)} order plans for {order}-gram counts")
    if srilm_zero_counts:
        counts = with_prefixes(counts)
    zero = non_events(vocab)
    predicted = predicted_words(len(vocab), unk, zero)
    meta = meta_counts.meta_types(vocab)
    if meta is not None:  # meta tags (-meta-tag) are no words of the model
        predicted &= meta == meta_counts.NOT_META
    vocab_size = int(predicted.sum())
    order_counts = prepare_counts(counts, plans, predicted, vocab_size, meta)

    # The model's n-grams as they are estimated, shortest first, with the contexts of each order (context-only
    # rows, NaN log-probabilities, until _fill_in_contexts gives them one).
    # (a vocabulary may bring its own back-off recursion: ngramlm.models.tagged's)
    index = getattr(vocab, "estimation_index", NgramIndex)(len(vocab))
    contexts: list[np.ndarray] = [np.zeros((0, 0), dtype=ID_DTYPE)]
    for n in range(1, order + 1):
        plan = plans[n - 1]
        if n == 1:
            rows, logprob = _unigrams(counts.ngrams[0], order_counts[0], plan, predicted, vocab_size, zero,
                                      srilm_zero_counts)
            index.add_order(rows, weights.as_stored(logprob), np.zeros(len(rows)))
            continue
        rows, logprob = _ngrams(index, counts.ngrams[n - 1], order_counts[n - 1], plan, predicted, vocab_size,
                               vocab.words, meta, srilm_zero_counts)
        context_rows, logbow, logprob = weights.context_weights(index, rows, weights.as_stored(logprob))
        index.add_order(rows, weights.as_stored(logprob), np.zeros(len(rows)), add_contexts=True)
        index.logbow[n - 2][index.rows(context_rows, presorted=True)] = weights.as_stored(logbow)
        contexts.append(context_rows)
    _fill_in_contexts(index, contexts)
    _weigh_context_suffixes(index)
    return BackoffModel(vocab, [g.astype(ID_DTYPE) for g in index.ngrams], index.logprob, index.logbow)


def prepare_counts(counts: NgramCounts, plans: list[OrderPlan], predicted: np.ndarray,
                   vocab_size: int, meta: np.ndarray | None = None) -> list[np.ndarray]:
    """The counts each order is estimated from (continuation counts where the method asks for them, from the
    original counts of the next order), estimating each order's discount from them, lowest order first (with
    the count-of-counts of the meta n-grams, given the meta-tag types of the words: ngramlm.smoothing.meta_counts)."""
    result = []
    for n, plan in enumerate(plans, 1):
        rows, c = counts.ngrams[n - 1], counts.counts[n - 1]
        if plan.discount.modifies_counts and n < counts.order and not plan.discount.no_discount():
            if plan.estimated:
                note(n, f"modifying {n}-gram counts for Kneser-Ney smoothing")
            c = continuation_counts(rows, c, counts.ngrams[n], counts.counts[n], predicted, len(counts.vocab))
        if plan.estimated:
            extra = None if meta is None else meta_counts.count_of_counts(
                meta[rows[:, -1]], c, by_ngram=plan.discount.modifies_counts)
            # (SRILM's discounts count the meta tags among the words: Discount::vocabSize)
            size = vocab_size + (0 if meta is None else int(np.count_nonzero(meta != meta_counts.NOT_META)))
            plan.discount.estimate(OrderCounts(n, c, predicted[rows[:, -1]], size, extra))
        result.append(c)
    return result


def distribute_left_over(probs: np.ndarray, predicted: np.ndarray, vocab_size: int) -> None:
    """Give the unigram mass left over (1 - the sum of `probs` over the `predicted` words) to the predicted words
    of probability 0, or to all of them (`vocab_size`) if there are none, in place (SRILM's Ngram::distributeProb:
    the ARPA format has no weight for backing off to a uniform distribution)."""
    left = 1.0 - probs[predicted].sum()
    if left <= -PROB_EPSILON:
        warnings.warn(ImproperWarning(f"the unigram probabilities sum to {1.0 - left:.6g} > 1 (the model is improper)",
                                      srilm=f'BOW numerator for context "" is {left:.6g} < 0'), stacklevel=2)
    left = left if left >= PROB_EPSILON else 0.0
    zero = predicted & (probs == 0)
    if zero.any():
        log.info("distributing %.6g left-over probability mass over %d zeroton words", left, zero.sum())
        probs[zero] = left / zero.sum()
    else:
        if left > 0:
            log.info("distributing %.6g left-over probability mass over all %d words", left, vocab_size)
        probs[predicted] += left / vocab_size


def _unigrams(rows, counts, plan: OrderPlan, predicted, vocab_size, zero_words: list[int],
              zero_counts: bool = False):
    """Unigram probabilities for every predicted word of the vocabulary, and the non-events with log10 0: <s>,
    and the others (-pau-, tags) where they were counted (SRILM's unigram loop runs over the counts; a -vocab
    file that names -pau-, as SRILM's -write-vocab writes it, adds no -pau- unigram). With `zero_counts`
    (SRILM's), a word of count 0 counts among the followers and gets the interpolated share of the uniform
    distribution (its discount is 1: d * 0 / T is 0)."""
    zero_words = [w for w in zero_words if w == BOS_ID or np.any(rows[:, 0] == w)]
    keep = predicted[rows[:, 0]] & ((counts > 0) | zero_counts & (counts == 0))
    words, c = rows[keep, 0].astype(np.int64), counts[keep]
    total = np.array([c.sum()], dtype=np.float64)
    starts = np.zeros(1, dtype=np.int64)
    group = np.zeros(len(c), dtype=np.int64)
    if total[0] > 0:
        # The uniform distribution's log10, kept in single precision as SRILM keeps it.
        uniform = np.full(len(c), weights.to_prob(weights.as_stored(-np.log10(vocab_size))))
        prob, kept = _discounted(plan, c, starts, group, total, uniform, vocab_size, 1, lambda k: ())
    else:
        prob, kept = np.zeros(0), np.zeros(0, dtype=bool)
    probs = np.zeros(len(predicted))
    # Left-over mass is reckoned from the probabilities as stored (single precision, like SRILM's).
    probs[words[kept]] = weights.to_prob(weights.as_stored(weights.to_log10(prob[kept])))
    distribute_left_over(probs, predicted, vocab_size)
    ids = np.flatnonzero(predicted | np.isin(np.arange(len(predicted)), zero_words))
    logprob = weights.to_log10(probs[ids])
    logprob[np.isin(ids, zero_words)] = LOG10_ZERO
    return ids.astype(ID_DTYPE).reshape(-1, 1), logprob


def _ngrams(index: NgramIndex, rows, counts, plan: OrderPlan, predicted, vocab_size, words: list[str],
            meta: np.ndarray | None = None, zero_counts: bool = False):
    """Explicit probabilities of the n-grams of one order (n >= 2), before normalisation.

    N-grams with count zero (Kneser-Ney's continuation count of an n-gram that nothing precedes, as under
    -no-sos or after -read-with-mincounts, or zeros in count files) get no probability. With `zero_counts` they
    count among their context's followers (N1+: observed, not min2 / min3) as in SRILM's Ngram::estimate (which
    tests the count's pointer, not its value, for zero, where it totals a context's counts), which gives the
    lower order more weight and can make a context's probabilities sum to more than one; otherwise they are
    left out entirely."""
    estimated = rows[:, -2] != EOS_ID
    if not predicted[UNK_ID]:
        estimated &= ~np.any(rows[:, :-1] == UNK_ID, axis=1)
    keep = predicted[rows[:, -1]] & ((counts > 0) | zero_counts & (counts == 0)) & estimated
    all_rows, all_counts = rows, counts
    rows, c = rows[keep], counts[keep]
    starts = weights.context_starts(rows)
    group = weights.run_index(starts, len(rows))
    if zero_counts and len(rows) and not np.all(c > 0):  # a context whose followers all have count 0 is skipped
        counted = (np.maximum.reduceat(c, starts) > 0)[group]  # (SRILM: its total is 0)
        if not np.all(counted):
            rows, c = rows[counted], c[counted]
            starts = weights.context_starts(rows)
            group = weights.run_index(starts, len(rows))
    total = np.add.reduceat(c, starts).astype(np.float64) if len(rows) else np.zeros(0)
    additions = None
    if meta is not None:  # the meta n-grams' counts of counts join their contexts' totals and followers
        is_meta = estimated & (meta[all_rows[:, -1]] != meta_counts.NOT_META)
        additions = meta_counts.context_additions(rows[starts, :-1], all_rows[is_meta], all_counts[is_meta],
                                                  meta[all_rows[is_meta, -1]], index.vocab_size)
        total = total + additions.total
    lower = weights.to_prob(weights.backoff_logprob(index, rows[:, 1:-1], rows[:, -1])) if plan.interpolate else None
    prob, kept = _discounted(plan, c, starts, group, total, lower, vocab_size, rows.shape[1],
                             lambda k: tuple(int(w) for w in rows[starts[k], :-1]), words, additions)
    return rows[kept], weights.to_log10(prob[kept])


def _discounted(plan: OrderPlan, c, starts, group, total, lower, vocab_size, order: int, context_of,
                words: list[str] = (), additions: meta_counts.ContextAdditions | None = None):
    """p = d c / T (+ gamma p_lower), with SRILM's retries for contexts left without back-off mass (each noted
    in SRILM's words, most recent word first as SRILM prints it, with the context's ids `context_of(k)`, oldest
    first, as the record's `context`).

    Returns the probabilities and which n-grams are kept (d != 0)."""
    discount = plan.discount
    no_discount = discount.no_discount()
    observed = np.add.reduceat(np.ones(len(c)), starts) if len(c) else np.zeros(0)
    min2 = np.add.reduceat((c >= 2).astype(np.float64), starts) if len(c) else np.zeros(0)
    min3 = np.add.reduceat((c >= 3).astype(np.float64), starts) if len(c) else np.zeros(0)
    if additions is not None:
        observed, min2, min3 = observed + additions.observed, min2 + additions.min2, min3 + additions.min3
    interpolated = np.full(len(starts), plan.interpolate and lower is not None)
    c = c.astype(np.float64)
    while True:
        if no_discount:
            factors = np.ones(len(c))
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                factors = np.where(c > 0, discount.factors(c, total[group], observed[group]), 1.0)  # SRILM: d(0) = 1
        prob = factors * c / total[group]
        if interpolated.any():
            # SRILM passes fractional totals (-float-counts) to lowerOrderWeight rounded up to a whole count
            weight = discount.lower_order_weight(np.ceil(total), observed, min2, min3)
            prob = prob + np.where(interpolated[group], weight[group] * lower, 0.0)
        kept = (factors != 0) & ((c > 0) | (order == 1))  # a count of 0 gives no probability above unigrams
        if no_discount or len(c) == 0:
            return prob, kept
        mass = np.add.reduceat(np.where(kept, prob, 0.0), starts)
        exhausted = (observed < vocab_size) & (mass > 1.0 - PROB_EPSILON)
        if not exhausted.any():
            return prob, kept
        if log.isEnabledFor(logging.INFO):
            for k in np.flatnonzero(exhausted):
                context = context_of(k)
                log.info('%.6g backoff probability mass left for "%s" -- %s', 1.0 - mass[k],
                         " ".join(words[w] for w in reversed(context)),
                         "disabling interpolation" if interpolated[k] else "incrementing denominator",
                         extra={"estimating": order, "context": context})
        # SRILM: first give up interpolation in such a context, then enlarge its denominator by one.
        total = np.where(exhausted & ~interpolated, total + 1.0, total)
        interpolated &= ~exhausted


def _fill_in_contexts(index: NgramIndex, contexts: list[np.ndarray]) -> None:
    """Give every context, and every sub-sequence of a context, an explicit probability where it has none
    (its back-off estimate, so the distribution is unchanged; SRILM's Ngram::fixupProbs)."""
    order = len(contexts)
    needed = [np.zeros((0, n), dtype=ID_DTYPE) for n in range(order + 1)]
    for n in range(order - 1, 0, -1):
        longer = needed[n + 1] if n + 1 < order else np.zeros((0, n + 1), dtype=ID_DTYPE)
        candidates = np.concatenate((contexts[n], longer[:, :-1], longer[:, 1:])).astype(ID_DTYPE)
        needed[n] = distinct_rows(candidates, index.vocab_size)
    for n in range(1, order):
        rows = index.rows(needed[n], presorted=True)
        lacking = (rows < 0) | np.isnan(index.logprob[n - 1][np.maximum(rows, 0)])
        if not np.any(lacking):
            continue
        missing, rows = needed[n][lacking], rows[lacking]
        logprob = weights.backoff_logprob(index, missing[:, :-1], missing[:, -1])
        # a word of probability zero (a non-event) keeps it whatever the weights: SRILM's LogP_Zero absorbs them
        unigram = index.rows(missing[:, -1:])
        logprob[(unigram < 0) | (index.logprob[0][np.maximum(unigram, 0)] <= LOG10_ZERO)] = LOG10_ZERO
        context_only = rows >= 0
        index.logprob[n - 1][rows[context_only]] = logprob[context_only]
        if not np.all(context_only):
            new = ~context_only
            index.insert(missing[new], logprob[new], np.zeros(int(new.sum())))


def _weigh_context_suffixes(index: NgramIndex) -> None:
    """Mark every suffix of a context that is no context itself with a written back-off weight of 1 (log10 -0.0,
    which write_arpa writes as 0), in place.

    SRILM keeps back-off weights in a trie of contexts keyed most recent word first, so storing a context makes a
    node, with a weight, for each of its suffixes, and its ARPA writer writes the weight of every n-gram that is
    a node. Such a suffix has no explicit n-gram of its own (else it would be a context), so its weight is 1.
    Only counts modified for Kneser-Ney make one: a context "procter & gamble" whose extension
    "& gamble co." fell below the cut-off as a continuation count (1 < 2)."""
    suffixes = np.zeros((0, index.order - 1), dtype=ID_DTYPE)
    for n in range(index.order - 1, 1, -1):  # contexts of n words, and the suffixes of longer ones
        contexts = index.ngrams[n - 1][np.unique(index.parent_rows(n + 1))]
        suffixes = distinct_rows(np.concatenate((contexts, suffixes)).astype(ID_DTYPE)[:, 1:], index.vocab_size)
        rows = index.rows(suffixes, presorted=True)
        rows = rows[rows >= 0]  # (every sub-sequence of a context is an n-gram: _fill_in_contexts)
        bows = index.logbow[n - 2]
        bows[rows] = np.where(bows[rows] == 0, -0.0, bows[rows])
