"""KenLM's `lmplz` (interpolated modified Kneser-Ney) on partitions: the stage functions of ngramlm.smoothing.lmplz,
each applied where its inputs meet (see partitioning), so that the model is the one machine's to the last bit.

  adjust        by last word: the n-grams of every order with their suffixes -> adjusted counts (lmplz's
                adjusted_counts, continuation counts for all but the highest order and <s>-initial n-grams);
                every vocabulary word of the partition is a unigram (unseen ones, <unk> and <s> with count 0)
  (client)      count-of-counts summed over the partitions -> discounts of each order (kneser_ney_discounts);
                the unigrams' adjusted counts gathered -> their probabilities (initial_probabilities over the
                one empty context, interpolate_with_uniform): |V| numbers, sent to every partition
  initial       by first word: each n-gram with its context -> u(w | h) and gamma(h) (initial_probabilities);
                each n-gram keeps the gamma of its context, and each context its own gamma (its back-off weight)
  interpolated  by last word: p(w | h) = u(w | h) + gamma(h) p(w | h') order by order, lowest first
                (interpolate), then log10 p and log10 gamma as ARPA shows them (probabilities_to_log10,
                shown_weights)

In and out: parts (partitioning); columns "counts" -> "adjusted" -> "u", "gamma_context", "gamma", "is_context"
-> "logprob", "logbow", "show".
"""
from __future__ import annotations

import numpy as np

from ..core.vocab import ID_DTYPE, UNK_ID
from ..formats.arpa import shown_weights
from ..smoothing.lmplz import (adjusted_counts, count_of_counts, initial_probabilities, interpolate,
                               interpolate_with_uniform, probabilities_to_log10)
from .partitioning import Part, context_rows, hashed, merged, merged_counts, suffix_rows


def adjust(pieces: list[Part], vocab_size: int, unk: bool, parts: int, index: int) -> Part:
    """Adjusted counts of partition `index` of `parts` (by last word), from its pieces of counts."""
    counts = merged_counts(pieces)
    words = np.arange(vocab_size, dtype=ID_DTYPE)
    words = words[hashed(words, parts) == index]
    if not unk:
        words = words[words != UNK_ID]
    unigram_counts = np.zeros(len(words), dtype=np.int64)
    unigram_counts[np.searchsorted(words, counts[0]["grams"][:, 0])] = counts[0]["counts"]
    grams = [words[:, None]] + [t["grams"] for t in counts[1:]]
    raw = [unigram_counts] + [t["counts"] for t in counts[1:]]
    adjusted = adjusted_counts(grams, raw, suffix_rows(grams))
    return [{"grams": g, "adjusted": a} for g, a in zip(grams, adjusted)]


def counts_of_counts(part: Part) -> np.ndarray:
    """This partition's share of count_of_counts (rows: orders; columns: adjusted counts 0..4)."""
    return count_of_counts([t["adjusted"] for t in part])


def unigram_adjusted(part: Part) -> tuple[np.ndarray, np.ndarray]:
    return part[0]["grams"][:, 0], part[0]["adjusted"]


def unigram_probabilities(words: np.ndarray, adjusted: np.ndarray, discounts: np.ndarray,
                          vocab_size: int) -> np.ndarray:
    """p(w) of every unigram as lmplz computes it, indexed by word id (NaN for a word left out of the model)."""
    rows = np.argsort(words)
    words, adjusted = words[rows], adjusted[rows]
    estimate, gamma = initial_probabilities(adjusted, discounts, None, 1)
    probs = np.full(vocab_size, np.nan)
    probs[words] = interpolate_with_uniform(estimate, gamma[0], words)
    return probs


def initial(pieces: list[Part], discounts: list[np.ndarray]) -> Part:
    """u and gamma of one partition by first word (orders 2..N; unigrams get their gamma as contexts)."""
    part = merged(pieces)
    tables: Part = [{"grams": t["grams"]} for t in part]
    for k in range(1, len(part)):
        lower = part[k - 1]["grams"]
        contexts = context_rows(lower, part[k]["grams"])
        u, gamma = initial_probabilities(part[k]["adjusted"], discounts[k], contexts, len(lower))
        tables[k]["u"] = u
        tables[k]["gamma_context"] = gamma[contexts]
        tables[k - 1]["gamma"] = gamma
        tables[k - 1]["is_context"] = np.bincount(contexts, minlength=len(lower)) > 0
    tables[-1]["gamma"] = np.ones(len(part[-1]["grams"]))
    tables[-1]["is_context"] = np.zeros(len(part[-1]["grams"]), dtype=bool)
    return tables


def interpolated(pieces: list[Part], unigram_probs: np.ndarray) -> Part:
    """log10 p and log10 gamma of one partition by last word, as ARPA lines show them."""
    part = merged(pieces)
    suffixes = suffix_rows([t["grams"] for t in part])
    lower = unigram_probs[part[0]["grams"][:, 0]]
    probs = [lower]
    for k in range(1, len(part)):
        table = part[k]
        lower = interpolate(table["u"], table["gamma_context"], np.arange(len(suffixes[k])), lower, suffixes[k])
        probs.append(lower)
    result = []
    for table, p in zip(part, probs):
        logbow = np.log10(table["gamma"])
        result.append({"grams": table["grams"], "logprob": probabilities_to_log10(p),
                       "logbow": logbow, "show": shown_weights(table["is_context"], logbow)})
    return result
