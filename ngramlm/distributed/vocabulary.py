"""One vocabulary for all shards: each worker numbers words in order of appearance in its shard, and the client
joins the shards' word lists in text order, so that a word's id is that of its first appearance in the whole text,
exactly as one machine numbers it. Each shard's counts are then renumbered on its worker.

In: the shards' vocabularies (word lists, by id) and the user's vocabulary, if any. Out: the joined Vocabulary, and
per shard its counts in the joined ids (sorted again: renumbering changes the order).
"""
from __future__ import annotations

import numpy as np

from ..core.index import lexicographic_order
from ..core.vocab import ID_DTYPE, Vocabulary
from ..counting.counts import NgramCounts


def shard_words(counts: NgramCounts) -> str:
    """The words of a shard's vocabulary, by id, one a line (what the client needs to join the vocabularies;
    split_words reads them): Dask moves one string in milliseconds, a list of 70K strings in seconds."""
    return "\n".join(counts.vocab.words)


def split_words(lines: str) -> list[str]:
    """The words of shard_words (a word holds no newline: the text is split into lines, then words)."""
    return lines.split("\n")


def joined_vocabulary(base: Vocabulary | None, word_lists: list[list[str]]) -> Vocabulary:
    """`base` (or a new open vocabulary) extended with each shard's words, shard by shard, in id order."""
    vocab = Vocabulary(base.words[3:], unk_word=base.unk_word) if base else Vocabulary()
    for words in word_lists:
        vocab.extend([w for w in words[3:] if w not in vocab])  # a shard's words are distinct
    if base is not None:
        vocab.closed = base.closed
    return vocab


def id_mapping(vocab: Vocabulary, words: list[str]) -> np.ndarray:
    """joined id of each of a shard's word ids (the three special words keep theirs)."""
    return np.array([0, 1, 2] + [vocab.id(w) for w in words[3:]], dtype=ID_DTYPE)


def renumbered(counts: NgramCounts, mapping: np.ndarray, vocab: Vocabulary) -> NgramCounts:
    """The shard's counts in the joined ids, each order sorted again."""
    if np.array_equal(mapping, np.arange(len(mapping))):
        return NgramCounts(vocab, counts.ngrams, counts.counts)
    ngrams, totals = [], []
    for grams, c in zip(counts.ngrams, counts.counts):
        grams = mapping[grams]
        rows = lexicographic_order(grams, int(mapping.max()) + 1)  # the mapping is one to one: no n-grams to add up
        ngrams.append(grams[rows])
        totals.append(c[rows])
    return NgramCounts(vocab, ngrams, totals)
