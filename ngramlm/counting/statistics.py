"""Statistics of a training text that decide a model's design: size, vocabulary, count-of-counts, coverage.

In: n-gram counts of the training text (count_files), and optionally a test text. Out, as plain numbers:
  - tokens and types, and the type/token growth curve (types seen after the first t tokens; Heaps' law);
  - rank-frequency pairs (Zipf's law);
  - count-of-counts n_r (how many n-grams of order n occur exactly r times), per order: the numbers the
    Good-Turing discounts r* = (r+1) n_{r+1} / n_r (Good 1953; Katz 1987) and the Kneser-Ney discounts
    D = n_1 / (n_1 + 2 n_2) (Ney, Essen & Kneser 1994) and D_r = r - (r+1) Y n_{r+1} / n_r with Y = D
    (Chen & Goodman 1998, eq. 26) are computed from (the latter shown here);
  - the coverage of a test text: the share of its n-gram tokens of each order that the training text has;
  - vocabulary choice: the words kept by top-K-by-frequency or by a minimum count, and the out-of-vocabulary
    rate of the test text as a function of the vocabulary size.
Sentence markers: <s> is never a token here, </s> is one of every order's n-grams (as in counting) but not a word
of the vocabulary statistics. A text that already spells unknown words <unk> has <unk> as one of its words.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID, Vocabulary
from .counts import NgramCounts

_MARKERS = (BOS_ID, EOS_ID)


@dataclass
class OrderCounts:
    """Count-of-counts of one order and the discounts computed from them."""

    order: int
    distinct: int
    count_of_counts: list[int]  # n_1 .. n_R
    kneser_ney: float | None  # D = n1 / (n1 + 2 n2)
    modified_kneser_ney: tuple[float, float, float] | None  # D1, D2, D3+


def word_frequencies(counts: NgramCounts) -> tuple[list[str], np.ndarray]:
    """The words of the unigram counts (<s> and </s> left out; <unk> is a word where the text has it), most
    frequent first (ties by spelling)."""
    grams, values = counts.ngrams[0][:, 0], counts.counts[0].astype(np.int64)
    keep = ~np.isin(grams, _MARKERS)
    words = [counts.vocab.word(w) for w in grams[keep].tolist()]
    values = values[keep]
    order = sorted(range(len(words)), key=lambda k: (-values[k], words[k]))
    return [words[k] for k in order], values[order]


def type_token_growth(sentences: Iterable[Sequence[str]], points: int = 50) -> list[tuple[int, int]]:
    """(tokens read, distinct types so far) at about `points` log-spaced places and at the end (markers left
    out)."""
    seen: set[str] = set()
    curve, tokens, next_mark, step = [], 0, 1, 1.0
    growth = 10 ** (1 / max(points // 8, 1))  # about points/8 marks per decade
    for sentence in sentences:
        for token in sentence:
            if token in ("<s>", "</s>"):
                continue
            tokens += 1
            seen.add(token)
            if tokens >= next_mark:
                curve.append((tokens, len(seen)))
                step *= growth
                next_mark = max(next_mark + 1, int(step))
    if tokens and (not curve or curve[-1][0] != tokens):
        curve.append((tokens, len(seen)))
    return curve


def order_counts(counts: NgramCounts, max_count: int = 10) -> list[OrderCounts]:
    """n_1..n_max_count for every order, with the Kneser-Ney discounts where n_1..n_4 allow them."""
    result = []
    for n in range(1, counts.order + 1):
        values = counts.counts[n - 1].astype(np.int64)
        if n == 1:
            values = values[counts.ngrams[0][:, 0] != BOS_ID]
        by_count = np.bincount(values, minlength=max(max_count, 4) + 1)
        n_r = [int(x) for x in by_count[1:max_count + 1]]
        n1, n2, n3, n4 = (int(x) for x in by_count[1:5])
        kn = n1 / (n1 + 2 * n2) if n1 and n2 else None
        modified = None
        if kn is not None and n3 and n4:
            modified = (1 - 2 * kn * n2 / n1, 2 - 3 * kn * n3 / n2, 3 - 4 * kn * n4 / n3)
        result.append(OrderCounts(n, len(values), n_r, kn, modified))
    return result


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """One comparable key per id row (its big-endian bytes)."""
    rows = np.ascontiguousarray(rows.astype(">u4"))
    return rows.view(f"S{4 * rows.shape[1]}").ravel() if rows.shape[1] else np.zeros(len(rows), dtype="S1")


def ngram_tokens(sentences: Iterable[Sequence[str]], vocab: Vocabulary, order: int) -> list[np.ndarray]:
    """Every n-gram token of orders 1..order of the sentences (with their markers; <s> never predicted), as id
    rows, words outside `vocab` as <unk>."""
    pieces: list[list[np.ndarray]] = [[] for _ in range(order)]
    for sentence in sentences:
        ids = vocab.encode(list(sentence), grow=False).astype(ID_DTYPE)
        for n in range(1, order + 1):
            if len(ids) < n:
                continue
            windows = np.lib.stride_tricks.sliding_window_view(ids, n)
            windows = windows[windows[:, -1] != BOS_ID]
            pieces[n - 1].append(windows)
    return [np.concatenate(p) if p else np.zeros((0, n + 1), dtype=ID_DTYPE) for n, p in enumerate(pieces)]


def coverage(counts: NgramCounts, test: list[np.ndarray]) -> list[float]:
    """For each order n, the share of the test's n-gram tokens that occur in the training counts (an n-gram
    with <unk> never does)."""
    shares = []
    for n, grams in enumerate(test, 1):
        if n > counts.order or not len(grams):
            shares.append(float("nan"))
            continue
        known = np.isin(_row_keys(grams), _row_keys(counts.ngrams[n - 1]))
        known &= ~np.any(grams == UNK_ID, axis=1)
        shares.append(float(known.mean()))
    return shares


def oov_by_vocabulary_size(frequencies: np.ndarray, words: list[str], test_words: Iterable[str],
                           sizes: Sequence[int]) -> list[tuple[int, int, float]]:
    """(vocabulary size K, smallest count kept, OOV rate of the test words) for the top-K words of `words`
    (most frequent first, as word_frequencies gives them)."""
    rank = {w: k for k, w in enumerate(words)}
    ranks = np.array([rank.get(w, len(words)) for w in test_words], dtype=np.int64)
    rows = []
    for size in sizes:
        size = min(size, len(words))
        oov = float((ranks >= size).mean()) if len(ranks) else float("nan")
        rows.append((size, int(frequencies[size - 1]) if size else 0, oov))
    return rows


def vocabulary_sizes(types: int) -> list[int]:
    """1, 2, 5 times the powers of ten below `types`, and `types`."""
    sizes = [m * 10 ** e for e in range(0, 10) for m in (1, 2, 5) if m * 10 ** e < types]
    return sizes + [types]


def choose_vocabulary(words: list[str], frequencies: np.ndarray, *, top_k: int | None = None,
                      min_count: int | None = None) -> list[str]:
    """The words kept: the `top_k` most frequent, and/or those with a count of at least `min_count`."""
    keep = len(words)
    if top_k is not None:
        keep = min(keep, top_k)
    if min_count is not None:
        keep = min(keep, int(np.count_nonzero(frequencies >= min_count)))
    return words[:keep]
