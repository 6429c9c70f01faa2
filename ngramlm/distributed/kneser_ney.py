"""KenLM's `lmplz` (interpolated modified Kneser-Ney) on partitions: the stage functions of ngramlm.smoothing.lmplz,
each applied where its inputs meet (see partitioning), so that the model is the one machine's to the last bit.

  adjust        by last words: the n-grams of orders 2..N with their suffixes -> adjusted counts (lmplz's
                adjusted_counts: continuation counts for all but the highest order and <s>-initial n-grams); a
                unigram's continuation count is the number of bigrams that end in it, which lie on every
                partition: each partition counts its own (|V| numbers), and the client adds them up
  (client)      count-of-counts summed over the partitions -> discounts of each order (kneser_ney_discounts);
                the unigrams' adjusted counts -> their probabilities (initial_probabilities over the one empty
                context, interpolate_with_uniform): |V| numbers, sent to every partition
  initial       by first words: each n-gram with the others of its context -> u(w | h) and gamma(h)
                (initial_probabilities); each n-gram keeps the gamma of its context, and each context's gamma
                goes out in a table of its own (the context itself may lie on another partition)
  interpolated  by last words: each context's gamma joined to its n-gram (its back-off weight), then
                p(w | h) = u(w | h) + gamma(h) p(w | h') order by order, lowest first (interpolate), then log10 p
                and log10 gamma as ARPA shows them (probabilities_to_log10, shown_weights)

In and out: parts (partitioning); orders 1..N with "counts" -> orders 2..N with "adjusted" (and the unigrams'
counts) -> orders 2..N with "u", "gamma_context", then the contexts of orders 1..N-1 with "gamma" -> orders 1..N
with "logprob", "logbow", "show".
"""
from __future__ import annotations

import numpy as np

from ..core.errors import ModelError
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID
from ..formats.arpa import shown_weights
from ..smoothing.lmplz import (adjusted_counts, count_of_counts, initial_probabilities, interpolate,
                               interpolate_with_uniform, probabilities_to_log10)
from .partitioning import (HeavyPairs, Part, Table, hashed, merged, merged_counts, pair_keys, rows_of, suffix_rows,
                           with_guests)


def adjust(pieces: list[Part], vocab_size: int, unk: bool, prune: list[int],
           heavy: HeavyPairs) -> tuple[Part, np.ndarray, np.ndarray]:
    """Adjusted counts of one partition (by last words) of orders 2..N, from its pieces of counts, each n-gram
    marked "pruned" where lmplz's --prune leaves it out (`prune`: a raw-count threshold per order, 0: none);
    this partition's share of the unigrams' adjusted counts and raw counts (rows 0 and 1, indexed by word id),
    and of the heavy bigrams' adjusted counts (in heavy.keys' order): the client sums both, and with_heavy_counts
    puts the heavy bigrams' sums in place."""
    counts = merged_counts(pieces)
    words = unigram_words(vocab_size, unk)
    # Every word as a unigram, and every heavy bigram as a guest, so that each n-gram finds its suffix here;
    # adjusted_counts gives them their continuation counts (the others' unigrams have count 0 here).
    unigram_counts = np.zeros(len(words), dtype=np.int64)
    unigram_counts[np.searchsorted(words, counts[0]["grams"][:, 0])] = counts[0]["counts"]
    grams = [words[:, None]] + [t["grams"] for t in counts[1:]]
    raw = [unigram_counts] + [t["counts"] for t in counts[1:]]
    guest = np.zeros(0, dtype=bool)
    if len(counts) > 1:
        grams[1], guest = with_guests(counts[1]["grams"], heavy.bigrams())
        raw[1] = np.zeros(len(guest), dtype=np.int64)
        raw[1][~guest] = counts[1]["counts"]
    adjusted = adjusted_counts(grams, raw, suffix_rows(grams))
    unigrams = np.zeros((2, vocab_size), dtype=np.int64)
    unigrams[0, words] = adjusted[0]
    unigrams[1, words] = unigram_counts
    heavy_counts = np.zeros(len(heavy.keys), dtype=np.int64)
    if len(counts) > 1:
        np.subtract.at(unigrams[0], grams[1][guest, 1], 1)  # the guests are not this partition's bigrams
        heavy_counts = adjusted[1][rows_of(grams[1], heavy.bigrams())].astype(np.int64)
        grams[1], raw[1], adjusted[1] = grams[1][~guest], raw[1][~guest], adjusted[1][~guest]
    return [{"grams": g, "adjusted": a, "pruned": pruned_by_count(c, t)}
            for g, a, c, t in zip(grams[1:], adjusted[1:], raw[1:], prune[1:])], unigrams, heavy_counts


def with_heavy_counts(part: Part, heavy: HeavyPairs, totals: np.ndarray) -> Part:
    """The part with its heavy bigrams' adjusted counts summed over all partitions (`totals`, in heavy.keys'
    order) in place of its own share."""
    if len(heavy.keys) == 0:
        return part
    bigrams = dict(part[0])
    ends = heavy.ends(bigrams["grams"])
    if np.any(ends):
        keys = pair_keys(bigrams["grams"][ends, 0], bigrams["grams"][ends, 1], heavy.vocab_size)
        bigrams["adjusted"] = bigrams["adjusted"].copy()
        bigrams["adjusted"][ends] = totals[np.searchsorted(heavy.keys, keys)]
    return [bigrams] + part[1:]


def heavy_bigram_estimates(part: Part, heavy: HeavyPairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The heavy bigrams among a partition's u and gamma (initial's output): their keys, u and gamma_context."""
    if len(heavy.keys) == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0), np.zeros(0)
    bigrams = part[0]
    ends = heavy.ends(bigrams["grams"])
    grams = bigrams["grams"][ends]
    return pair_keys(grams[:, 0], grams[:, 1], heavy.vocab_size), bigrams["u"][ends], \
        bigrams["gamma_context"][ends]


def heavy_bigram_probabilities(estimates: list[tuple[np.ndarray, np.ndarray, np.ndarray]], heavy: HeavyPairs,
                               unigram_probs: np.ndarray) -> np.ndarray:
    """p of each heavy bigram (in heavy.keys' order) from its u and gamma, as interpolated computes it."""
    keys = np.concatenate([k for k, _, _ in estimates])
    rows = np.argsort(keys)
    u = np.concatenate([e for _, e, _ in estimates])[rows]
    gamma = np.concatenate([g for _, _, g in estimates])[rows]
    if not np.array_equal(keys[rows], heavy.keys):
        raise ModelError("a heavy pair of words is not among the bigrams; the estimator needs every suffix of a "
                         "counted n-gram counted (counts of a text have them)")
    last = (heavy.keys % np.uint64(heavy.vocab_size)).astype(np.int64)
    return interpolate(u, gamma, np.arange(len(u)), unigram_probs, last)


def pruned_by_count(raw: np.ndarray, threshold: int) -> np.ndarray:
    """lmplz's --prune: an n-gram whose raw count is at most its order's threshold (if above 0) is left out."""
    return raw <= threshold if threshold > 0 else np.zeros(len(raw), dtype=bool)


def counts_of_counts(part: Part) -> np.ndarray:
    """This partition's share of count_of_counts of orders 2..N (rows: orders; columns: adjusted counts 0..4)."""
    return count_of_counts([t["adjusted"] for t in part])


def unigram_words(vocab_size: int, unk: bool) -> np.ndarray:
    """The unigrams of the model: every word, less <unk> unless it is modelled."""
    words = np.arange(vocab_size, dtype=ID_DTYPE)
    return words if unk else words[words != UNK_ID]


def unigram_probabilities(words: np.ndarray, adjusted: np.ndarray, discounts: np.ndarray, vocab_size: int,
                          pruned: np.ndarray) -> np.ndarray:
    """p(w) of every unigram as lmplz computes it, indexed by word id (NaN for a word left out of the model);
    `pruned` marks those --prune leaves out (their mass goes to the uniform distribution, over the others)."""
    estimate, gamma = initial_probabilities(adjusted, discounts, None, 1, pruned)
    probs = np.full(vocab_size, np.nan)
    kept = len(words) - int(np.count_nonzero(pruned)) - int(np.count_nonzero(words[~pruned] == BOS_ID))
    probs[words] = interpolate_with_uniform(estimate, gamma[0], words, vocab_size=kept)
    probs[words[pruned]] = np.nan
    return probs


def unigrams_pruned(words: np.ndarray, raw: np.ndarray, threshold: int) -> np.ndarray:
    """The unigrams --prune leaves out: by raw count, but <s>, </s> and <unk> always stay."""
    return pruned_by_count(raw, threshold) & ~np.isin(words, [UNK_ID, BOS_ID, EOS_ID])


def initial(pieces: list[Part], discounts: list[np.ndarray]) -> Part:
    """u and gamma of one partition by first words: the n-grams of orders 2..N with "u" and "gamma_context",
    then the contexts of orders 1..N-1 (those of this partition's n-grams) with their "gamma"."""
    part = merged(pieces)
    ngrams: Part = []
    contexts: Part = []
    for k, table in enumerate(part, start=1):
        grams = table["grams"]
        # The n-grams are sorted, so those of one context are adjacent: number the contexts in order.
        starts = np.ones(len(grams), dtype=bool)
        starts[1:] = np.any(grams[1:, :-1] != grams[:-1, :-1], axis=1)
        rows = np.cumsum(starts) - 1
        n_contexts = int(np.count_nonzero(starts))
        u, gamma = initial_probabilities(table["adjusted"], discounts[k], rows, n_contexts, table["pruned"])
        ngrams.append({"grams": grams, "u": u, "gamma_context": gamma[rows], "pruned": table["pruned"]})
        # A context is shown as one (its back-off weight written) only if an n-gram of it is kept.
        used = np.bincount(rows[~table["pruned"]], minlength=n_contexts) > 0
        contexts.append({"grams": grams[starts, :-1], "gamma": gamma, "used": used})
    return ngrams + contexts


def interpolated(pieces: list[Part], unigram_probs: np.ndarray, unk: bool, parts: int, index: int,
                 heavy: HeavyPairs, heavy_probs: np.ndarray) -> Part:
    """log10 p and log10 gamma of one partition by last words, as ARPA lines show them, orders 1..N (the
    unigrams: the words of this partition), less the n-grams --prune leaves out (unigrams: probability NaN).
    The heavy bigrams are guests for the trigrams' suffixes, with their probabilities `heavy_probs`."""
    part = merged(pieces)
    order = len(part) // 2 + 1
    words = unigram_words(len(unigram_probs), unk)
    words = words[hashed(words, parts) == index]
    ngrams = [{"grams": words[:, None], "pruned": np.isnan(unigram_probs[words])}] + part[:order - 1]
    contexts = part[order - 1:]
    probs = [unigram_probs[words]]
    if order > 1:
        table = ngrams[1]
        probs.append(interpolate(table["u"], table["gamma_context"], np.arange(len(table["u"])), unigram_probs,
                                 table["grams"][:, -1]))
    if order > 2:
        bigrams, guest = with_guests(ngrams[1]["grams"], heavy.bigrams())
        lower = np.empty(len(bigrams))
        lower[~guest] = probs[1]
        lower[guest] = heavy_probs[rows_of(heavy.bigrams(), bigrams[guest])]
        suffixes = suffix_rows([bigrams] + [t["grams"] for t in ngrams[2:]])
        for k in range(2, order):
            table, rows = ngrams[k], suffixes[k - 1]
            assert rows is not None  # only the first order has no suffixes
            lower = interpolate(table["u"], table["gamma_context"], np.arange(len(table["u"])), lower, rows)
            probs.append(lower)
    result = []
    for k, (table, p) in enumerate(zip(ngrams, probs)):
        gamma, is_context = _joined_gamma(table["grams"], contexts[k] if k < order - 1 else None)
        logbow = np.log10(gamma)
        kept = ~table["pruned"]
        result.append({"grams": table["grams"][kept], "logprob": probabilities_to_log10(p[kept]),
                       "logbow": logbow[kept], "show": shown_weights(is_context, logbow)[kept]})
    return result


def _joined_gamma(grams: np.ndarray, contexts: Table | None) -> tuple[np.ndarray, np.ndarray]:
    """Each n-gram's own gamma as a context (1 where it is none), and whether it is one."""
    gamma = np.ones(len(grams))
    if contexts is None:
        return gamma, np.zeros(len(grams), dtype=bool)
    rows = rows_of(contexts["grams"], grams)
    found = rows >= 0
    gamma[found] = contexts["gamma"][rows[found]]
    is_context = np.zeros(len(grams), dtype=bool)
    is_context[found] = contexts["used"][rows[found]]
    return gamma, is_context
