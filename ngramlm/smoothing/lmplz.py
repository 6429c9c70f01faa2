"""Interpolated modified Kneser-Ney exactly as KenLM's `lmplz` estimates it.

lmplz (Heafield, Pouzyrevsky, Clark & Koehn 2013, "Scalable Modified Kneser-Ney Language Model Estimation") is a
row of stages; each is a function here, named after what it computes, and `Lmplz` runs them in order:

  adjusted_counts         raw counts -> Kneser-Ney adjusted counts a(w_1..w_n) of every order
  count_of_counts         a -> n_1..n_4, the number of n-grams with adjusted count 1..4, per order
  kneser_ney_discounts    n_1..n_4 -> D1, D2, D3+ of one order (Chen & Goodman 1998, eq. 26)
  initial_probabilities   a, D -> discounted estimate u(w | h) and interpolation weight gamma(h)
  interpolate             u, gamma -> p(w | h) = u(w | h) + gamma(h) p(w | h') (unigrams: interpolate_with_uniform);
                          Lmplz.model folds the result
                          into back-off form (p as the n-gram's probability, gamma as its context's weight)

What makes the result lmplz's rather than SRILM's modified Kneser-Ney (ngramlm.smoothing.estimate's
"modified-kneser-ney"):
  - n-grams that begin with <s> keep their raw counts at every order, since nothing can precede them; every
    other n-gram below the highest order gets its continuation count (Kneser & Ney 1995);
  - the unigram distribution is itself interpolated with the uniform distribution over the vocabulary less <s>,
    so <unk>, whose adjusted count is 0, gets exactly that share: gamma(empty context) / |V|;
  - <s> gets probability 1 (written as log10 0 = 0), as it is never predicted;
  - discounts come from each order's adjusted count-of-counts; there are no count cut-offs (lmplz's --prune,
    --limit_vocab_file and its other model options are on the on-disk path, lmplz_on_disk.LmplzConfig).

In:  NgramCounts (ngramlm.counting.counts) of orders 1..N counted with <s> and </s>, optional fallback discounts.
Out: a BackoffModel (Lmplz.model, estimate_lmplz); Lmplz's sizes() and discounts before it is built.
Memory: every order's n-grams at once; each order's statistics are released once the order is done.
"""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from ..core.index import NgramIndex
from ..core.model import BackoffModel
from ..counting.counts import NgramCounts
from ..core.errors import ModelError
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID
from .discount import EstimationWarning
from .modified_kneser_ney_discounts import full_fallback, modified_kneser_ney_discounts

# The name lmplz's users catch: the one warning class of every estimator (here: fallback discounts were used).
DiscountFallbackWarning = EstimationWarning

# Rows per slice of the index searches and of the gathers of the estimation: bounds their temporaries (about
# 100 MB each).
_SEARCH_SLICE = 1 << 22


class ContextsAndSuffixes:
    """Where each n-gram's context (first n-1 words) and suffix (last n-1 words) sit among the (n-1)-grams.

    The n-grams are keyed as in ngramlm.core.index (row of the context among the (n-1)-grams * |V| + last word),
    in an NgramIndex that holds only the keys. Contexts are found walking down each n-gram's prefixes, searching
    each distinct prefix once (the rows are sorted, so equal prefixes are adjacent); the suffix of w_1..w_n is
    (suffix of its context) + w_n, so suffixes take one search per order. An n-gram whose context or suffix is
    missing means the counts are not those of a text, and is refused.

    Built order by order (`add_order`), each order's n-grams located a slice at a time if need be (`locate`):
    lmplz_on_disk indexes counts larger than memory that way.
    """

    def __init__(self, unigrams: np.ndarray, vocab_size: int):
        self.index = NgramIndex(vocab_size)
        self.index.add_keys(unigrams[:, 0].astype(np.int64))
        self.context_rows: list[np.ndarray | None] = [None]
        self.suffix_rows: list[np.ndarray | None] = [None]

    @classmethod
    def of(cls, grams: list[np.ndarray], vocab_size: int) -> "ContextsAndSuffixes":
        """The context and suffix rows of every order of n-grams held in memory."""
        located = cls(grams[0], vocab_size)
        for k in range(1, len(grams)):
            context, suffix = located.locate(grams[k])
            located.add_order(located.key(context, grams[k][:, -1]) if k + 1 < len(grams) else None, suffix,
                              context)
        located.index = None  # only the searches need the keys: free them before the estimation
        return located

    def locate(self, grams: np.ndarray, tally: np.ndarray | None = None,
               context: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(context rows, suffix rows) of n-grams of the order after the last added; with `tally`, also add to
        tally[r] the number of them whose suffix is row r (their continuation counts). `context`: their context
        rows where the caller found them (then only the keys of the order below are searched)."""
        k = grams.shape[1] - 1
        if context is None:
            context = self._prefix_rows(grams)
        last = grams[:, -1].astype(np.int64)
        query = last if k == 1 else self.index.key(self.suffix_rows[k - 1][context], last)
        del last
        return context, self._find(k - 1, query, "suffix", tally=tally)

    def key(self, context: np.ndarray, last: np.ndarray) -> np.ndarray:
        """The keys of n-grams from their context rows and last words (to add their order)."""
        return self.index.key(context, last.astype(np.int64))

    def add_order(self, keys: np.ndarray | None, suffix_rows: np.ndarray, context_rows: np.ndarray | None = None):
        """Take in the next order: its keys (None for the last order, which no search needs) and rows."""
        self.index.add_keys(keys)
        self.suffix_rows.append(suffix_rows)
        self.context_rows.append(context_rows)

    def forget_keys(self, k: int) -> None:
        """Free the keys of the (k+1)-grams, once no search needs them (contexts found by the caller)."""
        self.index.forget_keys(k)

    def _prefix_rows(self, grams: np.ndarray) -> np.ndarray:
        """Row of each n-gram's first n-1 words among the (n-1)-grams, prefix by prefix (depth j = 1..n-1)."""
        changed = np.zeros(len(grams), dtype=bool)
        changed[:1] = True
        run = rows = None
        for j in range(1, grams.shape[1]):
            column = grams[:, j - 1]
            changed[1:] |= column[1:] != column[:-1]
            starts = np.flatnonzero(changed)
            query = column[starts].astype(np.int64) if j == 1 else self.index.key(rows[run[starts]], column[starts])
            rows = self._find(j - 1, query, "prefix", presorted=True)
            run = np.cumsum(changed, dtype=np.int32 if len(grams) < 2**31 else np.int64)
            run -= 1
        return rows[run]

    def _find(self, k: int, query: np.ndarray, part: str, presorted: bool = False,
              tally: np.ndarray | None = None) -> np.ndarray:
        """Rows among the (k+1)-grams of the keys `query`, int32 where the order has fewer than 2^31 n-grams.

        Unsorted queries are searched a slice at a time, each slice in sorted order (kinder to the cache), so
        the sorting temporaries stay small however many n-grams there are; the sorted rows are also what makes
        `tally` cheap (see locate)."""
        size = self.index.size(k + 1)
        rows = np.empty(len(query), dtype=np.int32 if size < 2**31 else np.int64)
        for span in _slices(len(query)):
            piece = query[span]
            if presorted:
                found = self.index.search(k, piece)
            else:
                order = np.argsort(piece)
                in_order = self.index.search(k, piece[order])
                if tally is not None and len(in_order):
                    starts = np.flatnonzero(np.concatenate(([True], in_order[1:] != in_order[:-1])))
                    tally[in_order[starts]] += np.diff(starts, append=len(in_order)).astype(tally.dtype)
                found = np.empty(len(piece), dtype=np.int64)
                found[order] = in_order
                del in_order
            if np.any(found < 0):
                raise ModelError(f"some n-grams have no {k + 1}-gram {part} among the counts; KenLM's estimator "
                                 "needs every prefix and suffix of a counted n-gram counted (counts of a text have "
                                 "them)")
            rows[span] = found
        return rows


def adjusted_counts(grams: list[np.ndarray], counts: list[np.ndarray],
                    suffix_rows: list[np.ndarray | None]) -> list[np.ndarray]:
    """KenLM's adjusted counts a(w_1..w_n) for every order (its adjust_counts stage).

    The highest order keeps its raw counts, and so does every n-gram that begins with <s>: no word can precede
    it, so it has no left context to be continued from. Every other lower-order n-gram gets its continuation
    count N1+(. w_1..w_n), the number of distinct words seen before it (Kneser & Ney 1995; Chen & Goodman
    1998, section on Kneser-Ney smoothing). The unigram <s> gets 0: it is never predicted.

    `suffix_rows[k]` maps each (k+1)-gram to the row of its k-word suffix (None for unigrams).
    """
    order = len(grams)
    adjusted = [None] * order
    adjusted[order - 1] = _narrow(counts[order - 1])
    for k in range(order - 2, -1, -1):
        continuation = np.bincount(suffix_rows[k + 1], minlength=len(grams[k]))
        if k:
            adjusted[k] = _narrow(np.where(grams[k][:, 0] == BOS_ID, counts[k], continuation))
        else:
            adjusted[k] = _narrow(continuation)
    adjusted[0][grams[0][:, 0] == BOS_ID] = 0
    return adjusted


def _narrow(values: np.ndarray) -> np.ndarray:
    """An int32 copy of counts where they fit (nearly always: half the memory of int64), else an int64 copy."""
    fits = len(values) == 0 or values.max() < 2**31
    return values.astype(np.int32 if fits else np.int64)


def count_of_counts(adjusted: Sequence[np.ndarray]) -> np.ndarray:
    """n_j per order: row k holds, for j = 0..4, the number of (k+1)-grams whose adjusted count is j."""
    return np.array([np.bincount(np.minimum(a, 5), minlength=6)[:5] for a in adjusted], dtype=np.int64)


def kneser_ney_discounts(n: Sequence[int], order: int, fallback: Sequence[float] | None = None) -> np.ndarray:
    """Discounts [0, D1, D2, D3+] of one order, indexed by adjusted count (capped at 3), from its count-of-counts
    n = (n_0, n_1, n_2, n_3, n_4): Chen & Goodman's eq. (26), see modified_kneser_ney_discounts, which raises
    ModelError or, given `fallback` (D1, D2, D3+), warns and substitutes it."""
    return np.array([0.0, *modified_kneser_ney_discounts(n, order, fallback)])


def initial_probabilities(adjusted: np.ndarray, discounts: np.ndarray, contexts: np.ndarray | None,
                          n_contexts: int, pruned: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Discounted estimate u(w | h) of each n-gram of one order and interpolation weight gamma(h) of each context.

    Modified Kneser-Ney (Chen & Goodman 1998, p. 20 of TR-10-98), with a = adjusted counts, D(0) = 0:
        u(w | h)  = (a(h w) - D(a(h w))) / sum_v a(h v)
        gamma(h)  = (D1 N1(h .) + D2 N2(h .) + D3+ N3+(h .)) / sum_v a(h v)
    `contexts` gives each n-gram's context row (None for unigrams: one empty context). A context whose n-grams
    all have adjusted count 0 passes all its mass to the lower order (gamma = 1).

    `pruned` marks the n-grams that lmplz's --prune / --limit_vocab_file leave out: they stay in the denominator,
    and their whole adjusted count (not its discount) goes to gamma, so the context's distribution still sums to
    1 (KenLM's AddRight: "collect unused probability mass from pruning").
    """
    contexts = np.zeros(len(adjusted), dtype=np.int64) if contexts is None else contexts
    # In place where possible: for the highest order these arrays are the largest of the whole estimation.
    estimate = discounts[np.minimum(adjusted, 3)]  # D(a), then a - D(a), then u
    total = np.bincount(contexts, weights=adjusted, minlength=n_contexts)
    removed = np.bincount(contexts, weights=estimate if pruned is None else np.where(pruned, adjusted, estimate),
                          minlength=n_contexts)
    seen = total > 0
    gamma = np.ones(n_contexts)
    gamma[seen] = removed[seen] / total[seen]
    del removed, seen
    np.subtract(adjusted, estimate, out=estimate)
    with np.errstate(invalid="ignore", divide="ignore"):
        for piece in _slices(len(estimate)):
            estimate[piece] /= total[contexts[piece]]
    estimate[adjusted == 0] = 0.0
    return estimate, gamma


def interpolate(estimate: np.ndarray, gamma: np.ndarray, contexts: np.ndarray, lower: np.ndarray,
                suffix_rows: np.ndarray) -> np.ndarray:
    """Interpolated probabilities of one order n >= 2: p(w | h) = u(w | h) + gamma(h) p(w | h'), h' = h less its
    oldest word (Chen & Goodman 1998, modified Kneser-Ney in interpolated form).

    `lower` holds p of the (n-1)-grams; `suffix_rows` points each n-gram at its (n-1)-gram suffix h' w. The
    result is written over `estimate`.
    """
    for piece in _slices(len(estimate)):
        share = gamma[contexts[piece]]
        share *= lower[suffix_rows[piece]]
        estimate[piece] += share
    return estimate


def interpolate_with_uniform(estimate: np.ndarray, gamma: float, words: np.ndarray, interpolate: bool = True,
                             vocab_size: int | None = None) -> np.ndarray:
    """Probabilities of the unigrams `words`: p(w) = u(w) + gamma / |V|, |V| counting every word but <s>, whose
    probability is 1 (lmplz: it is only ever a context). Written over `estimate`.

    lmplz's options: `vocab_size` replaces that |V| (--vocab_pad raises it, as if the vocabulary were padded with
    words of count 0; pruned unigrams lower it); interpolate=False (--interpolate_unigrams 0, SRILM's way) gives
    all of gamma to <unk> instead."""
    is_bos = words == BOS_ID
    if interpolate:
        estimate += gamma / (len(estimate) - np.count_nonzero(is_bos) if vocab_size is None else vocab_size)
    else:
        estimate[words == UNK_ID] += gamma
    estimate[is_bos] = 1.0
    return estimate


def _slices(size: int) -> Iterator[slice]:
    """Consecutive slices of _SEARCH_SLICE rows: gathers done a slice at a time keep their temporaries small."""
    return (slice(start, start + _SEARCH_SLICE) for start in range(0, size, _SEARCH_SLICE))


class Lmplz:
    """KenLM's `lmplz` estimation of `counts`, stage by stage.

    Construction runs the counting statistics (adjusted counts and discounts; a fallback warning is issued
    here), so `sizes` and `discounts` can be reported before `model()` builds the BackoffModel.

    Args:
        counts: raw n-gram counts of every order (ngramlm.counting.counts), with <s> and </s> markers.
        unk: keep <unk> in the model (lmplz always does). With unk=False, n-grams containing <unk> are left
            out and the uniform distribution is over the vocabulary less <s> and <unk>.
        discount_fallback: D1, D2, D3+ (one to three values; the last repeats) substituted, with a warning,
            for an order whose discounts cannot be estimated. None (the default) raises ModelError there.
    """

    def __init__(self, counts: NgramCounts, *, unk: bool = True, discount_fallback: Sequence[float] | None = None):
        self.vocab = counts.vocab
        self.grams, raw = _with_every_unigram(counts, unk)
        self.index = ContextsAndSuffixes.of(self.grams, len(self.vocab))
        self.adjusted = adjusted_counts(self.grams, raw, self.index.suffix_rows)
        fallback = full_fallback(discount_fallback)
        self.count_of_counts = count_of_counts(self.adjusted)
        self.discounts = [kneser_ney_discounts(n, k + 1, fallback) for k, n in enumerate(self.count_of_counts)]

    @property
    def order(self) -> int:
        return len(self.grams)

    def sizes(self) -> list[int]:
        """Number of n-grams per order, lowest first."""
        return [len(g) for g in self.grams]

    def model(self) -> BackoffModel:
        """The interpolated model folded into back-off form: an n-gram's log10 p(w | h) is its probability,
        and gamma of a context is its back-off weight (1, log10 0, where the n-gram is not a context).

        Orders are done lowest first, each from the one below, keeping only the final arrays: the adjusted
        counts and the index of each order are released once it is done (they weigh as much as the model), so
        this can be called once.
        """
        if self.adjusted[0] is None:
            raise ModelError("Lmplz.model() was already called: it releases the statistics it builds the model from")
        logprob, logbow = [], []
        lower = None  # p of the order below
        for k in range(self.order):
            n_contexts = 1 if k == 0 else len(self.grams[k - 1])
            estimate, gamma = initial_probabilities(self.adjusted[k], self.discounts[k], self.index.context_rows[k],
                                                    n_contexts)
            if k == 0:
                probs = interpolate_with_uniform(estimate, gamma[0], self.grams[0][:, 0])
            else:
                probs = interpolate(estimate, gamma, self.index.context_rows[k], lower, self.index.suffix_rows[k])
                logbow.append(np.log10(gamma))
                logprob.append(probabilities_to_log10(lower))
            lower = probs
            self.adjusted[k] = self.index.context_rows[k] = self.index.suffix_rows[k] = None
            del estimate, gamma, probs
        logprob.append(probabilities_to_log10(lower))
        logbow.append(np.zeros(len(self.grams[-1])))
        return BackoffModel(self.vocab, self.grams, logprob, logbow)


def probabilities_to_log10(probs: np.ndarray) -> np.ndarray:
    """log10 in place, clipped at 0 where rounding took a probability above 1 (as lmplz does)."""
    with np.errstate(divide="ignore"):
        np.log10(probs, out=probs)
    return np.minimum(probs, 0.0, out=probs)


def estimate_lmplz(counts: NgramCounts, *, unk: bool = True,
                   discount_fallback: Sequence[float] | None = None) -> BackoffModel:
    """Estimate an interpolated modified Kneser-Ney model exactly as KenLM's `lmplz` does (see `Lmplz`)."""
    return Lmplz(counts, unk=unk, discount_fallback=discount_fallback).model()


def _with_every_unigram(counts: NgramCounts, unk: bool) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The counted n-grams with every vocabulary word as a unigram (unseen ones, <unk> and <s> with count 0; </s>
    only where counted, as in lmplz_on_disk), and without the n-grams that contain <unk> when `unk` is False."""
    words = np.arange(len(counts.vocab), dtype=ID_DTYPE)
    unigram_counts = np.zeros(len(words), dtype=np.int64)
    unigram_counts[counts.ngrams[0][:, 0]] = counts.counts[0]
    if not unigram_counts[EOS_ID]:
        words, unigram_counts = words[words != EOS_ID], unigram_counts[words != EOS_ID]
    grams, raw = [words[:, None]], [unigram_counts]
    for g, c in zip(counts.ngrams[1:], counts.counts[1:]):
        grams.append(g)
        raw.append(np.asarray(c, dtype=np.int64))
    if not unk:
        for k, g in enumerate(grams):
            keep = ~np.any(g == UNK_ID, axis=1)
            grams[k], raw[k] = g[keep], raw[k][keep]
    return grams, raw
