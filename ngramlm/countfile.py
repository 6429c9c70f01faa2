"""SRILM count files: one n-gram per line, `w1 w2 ... wn<TAB>count`.

Reading (ngram-count -read) accepts any whitespace between the fields, adds up repeated n-grams, skips blank
lines and, as SRILM does, n-grams longer than the order asked for. A line that is not an n-gram with a
non-negative integer count stops the run with the file and line.

Writing (ngram-count -write, -writeN, -write-order) lists the n-grams in the order of a depth-first walk of the
n-gram trie: each n-gram is followed by its extensions. With `sort` (-sort) the words at each level are in
lexicographic order of their bytes, as SRILM's -sort writes them and ngram-merge expects; without it they are in
vocabulary-id order.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .corpus import iter_lines
from .counts import COUNT_DTYPE, MAX_ORDER, NgramCounts, counts_from_rows
from .errors import InputError
from .io import atomic_write
from .vocab import ID_DTYPE, Vocabulary

# Lines are formatted this many at a time (bounds the memory held in Python strings).
_WRITE_BLOCK = 1 << 16
# Ids of words missing from a closed vocabulary under -limit-vocab: their n-grams are dropped.
_OUT_OF_VOCABULARY = np.iinfo(ID_DTYPE).max


def _parse_count(text: str, path: str, lineno: int) -> int:
    if text.isascii() and text.isdigit():
        return int(text)
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise InputError(path, lineno, f"negative count {text}; counts must be 0 or more")
    raise InputError(path, lineno, f"the last field {text!r} is not a whole-number count; each line must be "
                                   "'w1 ... wn<TAB>count' (fractional counts are not supported)")


def read_counts(path: str, vocab: Vocabulary | None = None, order: int | None = None, *,
                limit_vocab: bool = False, tolower: bool = False, errors: str = "strict") -> NgramCounts:
    """Read a count file (plain, .gz, .bz2, .xz, or '-').

    Args:
        path: the count file.
        vocab: words -> ids (a new open vocabulary by default). An open vocabulary gains the file's new words; a
            closed one maps them to <unk> (SRILM's -vocab), or drops their n-grams with `limit_vocab`.
        order: keep n-grams of orders 1..order and skip longer ones; by default the longest in the file.
        limit_vocab: with a closed vocabulary, discard n-grams that contain a word outside it (-limit-vocab).
        tolower: lower-case the words (-tolower).
        errors: "strict" stops at undecodable bytes, "replace" substitutes U+FFFD.

    Raises:
        InputError naming the file and line of a line that is not an n-gram followed by a count.
    """
    vocab = vocab if vocab is not None else Vocabulary()
    longest = order if order is not None else MAX_ORDER
    words: dict[int, list[str]] = {}
    counts: dict[int, list[int]] = {}
    for lineno, line in iter_lines(path, errors):
        fields = (line.lower() if tolower else line).split()
        if not fields:
            continue
        count = _parse_count(fields[-1], path, lineno)
        n = len(fields) - 1
        if n == 0:
            raise InputError(path, lineno, f"the count {fields[0]} has no n-gram before it; each line must be "
                                           "'w1 ... wn<TAB>count'")
        if n > longest:
            if order is None:
                raise InputError(path, lineno, f"{n}-gram is longer than the longest order supported ({MAX_ORDER})")
            continue
        if n not in words:
            words[n], counts[n] = [], []
        words[n].extend(fields[:-1])
        counts[n].append(count)
    top = order if order is not None else max(words, default=0)
    drop_unknown = limit_vocab and vocab.closed
    rows = []
    for n in range(1, top + 1):
        grams = _encode(vocab, words.get(n, ()), drop_unknown).reshape(-1, n)
        totals = np.array(counts.get(n, ()), dtype=COUNT_DTYPE)
        if drop_unknown and len(grams):
            keep = ~np.any(grams == _OUT_OF_VOCABULARY, axis=1)
            grams, totals = grams[keep], totals[keep]
        rows.append((grams, totals))
    return counts_from_rows(vocab, rows)


def _encode(vocab: Vocabulary, words: Iterable[str], drop_unknown: bool) -> np.ndarray:
    """Words -> ids; with `drop_unknown`, words outside the vocabulary get a mark instead of <unk>."""
    if drop_unknown:
        return np.fromiter((vocab.id(w) if w in vocab else _OUT_OF_VOCABULARY for w in words), dtype=ID_DTYPE)
    return vocab.encode(words)


def _preorder(keys: list[np.ndarray]) -> np.ndarray:
    """The depth-first (prefix before its extensions) order of the n-grams of all orders, given per-order keys
    (rows of word ranks); returns indices into the concatenation of the orders."""
    longest = len(keys)
    total = sum(len(k) for k in keys)
    padded = np.zeros((total, longest), dtype=np.uint32)
    start = 0
    for n, key in enumerate(keys, 1):
        # Ranks shift up by one: 0 marks "no more words" and sorts a prefix before its extensions.
        padded[start:start + len(key), :n] = key + 1
        start += len(key)
    return np.lexsort(padded.T[::-1])


def _word_ranks(vocab: Vocabulary) -> np.ndarray:
    """rank[id]: the place of the word in byte-wise lexicographic order (code-point order of str is the same)."""
    ranks = np.empty(len(vocab), dtype=ID_DTYPE)
    ranks[sorted(range(len(vocab)), key=vocab.word)] = np.arange(len(vocab))
    return ranks


def write_counts(counts: NgramCounts, path: str, *, order: int = 0, sort: bool = False) -> None:
    """Write a count file: all orders (`order` 0, SRILM's default) or one order; `sort` as SRILM's -sort."""
    orders = list(range(1, counts.order + 1)) if order == 0 else [order] if order <= counts.order else []
    grams = [counts.ngrams[n - 1] for n in orders]
    totals = [counts.counts[n - 1] for n in orders]
    if sort:
        ranks = _word_ranks(counts.vocab)
        keys = [ranks[g] for g in grams]
    else:
        keys = grams
    if len(orders) == 1:
        sequence = np.lexsort(keys[0].T[::-1]) if sort else np.arange(len(totals[0]))
    elif orders:
        sequence = _preorder(keys)
    else:
        sequence = np.empty(0, dtype=np.int64)
    offsets = np.cumsum([0] + [len(t) for t in totals])
    words = np.array(counts.vocab.words, dtype=object)
    with atomic_write(path) as f:
        for block in range(0, len(sequence), _WRITE_BLOCK):
            f.write("".join(_format_block(sequence[block:block + _WRITE_BLOCK], offsets, grams, totals, words)))


def _format_block(indices: np.ndarray, offsets: np.ndarray, grams: list[np.ndarray], totals: list[np.ndarray],
                  words: np.ndarray) -> list[str]:
    """The lines of the n-grams at `indices` (into the concatenation of the orders), in that sequence."""
    lines = [""] * len(indices)
    which = np.searchsorted(offsets, indices, side="right") - 1
    for part in np.unique(which):
        places = np.flatnonzero(which == part)
        rows = indices[places] - offsets[part]
        texts = map(" ".join, words[grams[part][rows]].tolist())
        for place, text, count in zip(places.tolist(), texts, totals[part][rows].tolist()):
            lines[place] = f"{text}\t{count}\n"
    return lines
