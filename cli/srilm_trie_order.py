"""The order in which SRILM's ngram-count visits the contexts of its count trie, for messages printed in that order
(`ngram-count -debug 1`'s "0 backoff probability mass left for ..." warnings, one per context as its estimation
visits it).

SRILM keeps each trie node's children in an LHash (dstruct/src/LHash.cc): up to 4 keys in insertion order, more
in an open-addressing table of 2^b slots (b >= 3, grown to keep it at most 80% full, the keys rehashed in slot
order) probed linearly from ((key * 1103515245 + 12345) >> (30 - b)) mod 2^b; iteration goes by slot. Contexts of
one length are visited depth-first, each level in its node's slot order. A key is a word's index in SRILM's
vocabulary: <unk> 0, <s> 1, </s> 2, -pau- 3, then the -vocab file's words and the text's new words as they come.
Counting a text inserts, from each position of each sentence, the path of the next `order` words (fewer at the
sentence's end), so a node's children arrive in the order of their first occurrence after it; reading a count
file inserts each line's n-gram (SRILM reads -read before -text).

In:  what counting inserted (the count files read, then the text's sentences with markers), the -vocab words,
     contexts as word tuples.
Out: a sort key per context: sorting by it gives SRILM's visiting order.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

from ngramlm.core.vocab import BOS, EOS, PAUSE, UNK

_MIN_HASH_BITS = 3
_FILL_RATIO = np.float32(0.8)


def _round_size(size: int) -> int:
    """LHash's roundSize: the slots wanted for `size` keys (C float arithmetic)."""
    return size if size < (1 << _MIN_HASH_BITS) else int(np.float32(size + 1) / _FILL_RATIO)


def _bits_for(size: int) -> int:
    bits = 0
    while (1 << bits) < size:
        bits += 1
    return bits


def _hash(key: int, bits: int) -> int:
    return ((key * 1103515245 + 12345) >> (30 - bits)) & ((1 << bits) - 1)


def lhash_slots(keys: Iterable[int]) -> dict[int, int]:
    """The slot of each key of an LHash after inserting `keys` (distinct) in order."""
    bits, slots, count = 0, [None], 0

    def locate(table: list, table_bits: int, key: int, used: int) -> int:
        if table_bits < _MIN_HASH_BITS:
            return used  # linear storage: the next free place
        at = _hash(key, table_bits)
        while table[at] is not None:
            at = (at + 1) & ((1 << table_bits) - 1)
        return at

    for key in keys:
        wanted = _round_size(count + 1)
        if wanted > (1 << bits):
            old, old_bits = slots, bits
            bits = _bits_for(wanted)
            slots = [None] * (1 << bits)
            if bits < _MIN_HASH_BITS:
                slots[:count] = old[:count]
            else:
                for old_key in old[:1 << old_bits]:
                    if old_key is not None:
                        slots[locate(slots, bits, old_key, 0)] = old_key
        slots[locate(slots, bits, key, count)] = key
        count += 1
    return {key: at for at, key in enumerate(slots) if key is not None}


def text_paths(sentences: Iterable[list[str]], order: int) -> Iterator[tuple[list[str], list[list[str]]]]:
    """What counting a text inserts: per sentence, its words (indexed in that order) and the paths of its
    windows."""
    for sentence in sentences:
        yield sentence, [sentence[start:start + order] for start in range(len(sentence))]


def count_file_paths(lines: Iterable[list[str]], order: int) -> Iterator[tuple[list[str], list[list[str]]]]:
    """What reading a count file inserts: each n-gram of at most `order` words (the count left out)."""
    for fields in lines:
        words = fields[:-1]
        if 0 < len(words) <= order:
            yield words, [words]


def visiting_keys(units: Iterable[tuple[list[str], list[list[str]]]], vocab_words: list[str],
                  contexts: list[tuple[str, ...]]) -> list[tuple[int, ...]]:
    """For each context, a key whose sort order is SRILM's visiting order of the contexts (module docstring),
    from what the counting inserted, in order: (words, paths) units (text_paths, count_file_paths).
    `vocab_words`: the -vocab words (a closed vocabulary: other words are <unk>), or [] (open)."""
    index = {UNK: 0, BOS: 1, EOS: 2, PAUSE: 3}
    for word in vocab_words:
        index.setdefault(word, len(index))
    closed = bool(vocab_words)
    needed = {context[:k] for context in contexts for k in range(len(context))}
    longest = max((len(node) for node in needed), default=-1)
    children: dict[tuple[int, ...], dict[int, None]] = {}
    # the needed nodes as ids, each once its words are all indexed (words not yet seen match nothing); a node
    # waits on its words not yet indexed, so each is looked at again only when one of them comes
    needed_ids: set[tuple[int, ...]] = set()
    waiting: dict[str, list[tuple[str, ...]]] = {}

    def ready(node: tuple[str, ...]) -> None:
        missing = next((w for w in node if w not in index), None)
        if missing is None:
            needed_ids.add(tuple(index[w] for w in node))
        else:
            waiting.setdefault(missing, []).append(node)

    for node in needed:
        ready(node)
    for words, paths in units:
        if not closed:
            for w in words:
                if w not in index:
                    index[w] = len(index)
                    for node in waiting.pop(w, ()):
                        ready(node)
        for path in paths:
            ids = [index.get(w, 0) for w in path]
            for k in range(min(longest, len(ids) - 1) + 1):
                node = tuple(ids[:k])
                if node in needed_ids:
                    children.setdefault(node, {}).setdefault(ids[k])
    slots = {node: lhash_slots(keys) for node, keys in children.items()}
    keys = []
    for context in contexts:
        ids = tuple(index.get(w, 0) for w in context)
        keys.append(tuple(slots.get(ids[:k], {}).get(ids[k], -1) for k in range(len(ids))))
    return keys
