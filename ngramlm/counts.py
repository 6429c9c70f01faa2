"""N-gram counts of every order 1..N: sorted id arrays with counts.

Counting follows SRILM's ngram-count: every window of 1..N words inside each sentence `<s> w1 .. wk </s>` is
counted (the markers come from the corpus reader), n-grams never cross sentences, and the unigram `<s>` is
counted too.

How: text is read in blocks of whole lines; the compiled TokenTable splits a block into tokens and numbers the
distinct ones, so each distinct token is decoded and looked up in the vocabulary once (token lists, for
count_sentences, go through dictionary lookups at C speed instead). Blocks gather into chunks, and the compiled
core (ngramlm._ext._count) counts every order of a chunk with one radix sort of its windows. Each chunk's counts
are a sorted run; runs beyond the memory budget are spilled to a temporary folder, and the runs are finally k-way
merged (summing counts) per order. So text larger than memory can be counted; only the final counts must fit.
"""
from __future__ import annotations

import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain, count, islice, repeat
from typing import Iterable, Iterator

import numpy as np

from ._ext import _count
from .corpus import TextOptions, decode_block, read_blocks
from .errors import NgramlmError
from .progress import Progress
from .vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID, Vocabulary

COUNT_DTYPE = np.int64
# The compiled core keeps window lengths in a byte.
MAX_ORDER = 255
DEFAULT_MEMORY = "2G"
# Token lists are turned into ids this many tokens at a time (bounds the memory held in Python strings).
_BATCH_TOKENS = 1 << 16
# Text is read in blocks of about this many tokens, assuming this many bytes per token.
_BLOCK_TOKENS = 1 << 19
_BYTES_PER_TOKEN = 6
# Window positions within a chunk are 32-bit.
_MAX_CHUNK_TOKENS = (1 << 31) - 1


@dataclass
class NgramCounts:
    """Counts of the n-grams of orders 1..N: `ngrams[k]` is a sorted (m, k+1) id array, `counts[k]` its counts."""

    vocab: Vocabulary
    ngrams: list[np.ndarray]
    counts: list[np.ndarray]

    @property
    def order(self) -> int:
        return len(self.ngrams)

    @classmethod
    def empty(cls, vocab: Vocabulary, order: int) -> "NgramCounts":
        """No n-grams of any order 1..order."""
        return cls(vocab, [np.empty((0, n), dtype=ID_DTYPE) for n in range(1, order + 1)],
                   [np.empty(0, dtype=COUNT_DTYPE) for _ in range(order)])

    def sizes(self) -> list[int]:
        """The number of distinct n-grams of each order."""
        return [len(c) for c in self.counts]

    def total(self, n: int = 1) -> int:
        """The sum of the counts of order n (for n = 1, the number of tokens counted, markers included)."""
        return int(self.counts[n - 1].sum())


def parse_memory(size: str | int) -> int:
    """Bytes from a size such as 2G, 512M, 100K, 1000 (bytes) or 25% (of physical memory)."""
    if isinstance(size, int):
        return size
    text = str(size).strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgtKMGT%]?)[bB]?", text)
    if not match:
        raise NgramlmError(f"memory size {size!r} is not understood; write it like 2G, 512M, 100K or 25%")
    number, unit = float(match.group(1)), match.group(2).upper()
    if unit == "%":
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return int(physical * number / 100)
    return int(number * 1024 ** " KMGT".index(unit or " "))


def _chunk_tokens(order: int, budget: int) -> int:
    """Tokens per chunk: half the budget at the worst-case working memory per token (its id, sort keys, and up to
    one new n-gram of every order: id row and count); the sorted runs kept in memory get the other half."""
    bytes_per_token = 18 + sum(4 * n + 8 for n in range(1, order + 1))
    return max(1024, min(_MAX_CHUNK_TOKENS, budget // 2 // bytes_per_token))


class _Encoder:
    """Words -> ids in bulk, with the dictionary lookups at C speed (map over a dict's methods).

    An open vocabulary's new words get the next ids in order of appearance (a defaultdict whose default is a
    counter); `sync` then adds them to the Vocabulary in that order, so the ids agree. A closed vocabulary maps
    unknown words to <unk>.
    """

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self._known = len(vocab)
        self._ids = defaultdict(count(len(vocab)).__next__, ((word, wid) for wid, word in enumerate(vocab.words)))

    def encode(self, tokens: Iterable[str], size: int) -> np.ndarray:
        if self.vocab.closed:
            return np.fromiter(map(self._ids.get, tokens, repeat(UNK_ID)), dtype=ID_DTYPE, count=size)
        return np.fromiter(map(self._ids.__getitem__, tokens), dtype=ID_DTYPE, count=size)

    def sync(self) -> None:
        """Add the words seen since the last call to the vocabulary."""
        self.vocab.extend(list(islice(self._ids, self._known, None)))
        self._known = len(self._ids)


class _TextEncoder:
    """Text -> (word ids, sentence lengths), the sentences of corpus.read_sentences less their markers (the compiled
    core adds them), without a Python string per token: the compiled TokenTable splits and numbers the tokens, and
    each distinct token is decoded, lower-cased and looked up in the vocabulary once. A token that Python would
    split further (it holds non-ASCII white space, which the byte scanner does not know) sends its block through
    str.split instead."""

    _NEEDS_PYTHON = np.iinfo(ID_DTYPE).max

    def __init__(self, encoder: _Encoder, options: TextOptions):
        self.encoder = encoder
        self.options = options
        self.table = _count.TokenTable()
        # token_words[t]: the word id of token number t (grown by doubling, as new tokens keep coming).
        self.token_words = np.empty(1024, dtype=ID_DTYPE)

    def encode_block(self, block: bytes, path: str, lineno: int) -> tuple[np.ndarray, np.ndarray]:
        tokens, line_lengths = self.table.tokenize(block)
        new, joined = self.table.new_tokens_joined()
        total = len(self.table)
        if new:
            if total > len(self.token_words):
                self.token_words = np.resize(self.token_words, 2 * total)
            self.token_words[total - new:total] = self._words_of(joined, block, path, lineno)
        words = self.token_words[tokens]
        if np.any(words == self._NEEDS_PYTHON):
            return self._encode_with_python(block, path, lineno)
        return words, line_lengths[line_lengths > 0]

    def _words_of(self, joined_tokens: bytes, block: bytes, path: str, lineno: int) -> np.ndarray:
        """Word ids of new tokens, each followed by a line break in `joined_tokens` (_NEEDS_PYTHON for a token that
        str.split would cut further). The tokens are decoded, lower-cased and checked all at once: no token holds a
        byte of white space, and a line break is neither a letter nor case-ignorable, so every token reads as it
        would alone."""
        try:
            joined = joined_tokens.decode("utf-8", self.options.errors)
        except UnicodeDecodeError:
            decode_block(block, self.options.errors, path, lineno)  # raises, naming the line
            raise
        if self.options.tolower:
            joined = joined.lower()
        texts = joined.split("\n")
        texts.pop()  # the empty string after the last line break
        # Non-ASCII text may hold white space that only Python knows (U+00A0, U+2003, ...): check it.
        if joined.isascii() or joined.split() == texts:
            return self.encoder.encode(texts, len(texts))
        simple = [text.split() == [text] for text in texts]
        words = self.encoder.encode((t for t, ok in zip(texts, simple) if ok), sum(simple))
        result = np.full(len(texts), self._NEEDS_PYTHON, dtype=ID_DTYPE)
        result[np.flatnonzero(simple)] = words
        return result

    def _encode_with_python(self, block: bytes, path: str, lineno: int) -> tuple[np.ndarray, np.ndarray]:
        text = decode_block(block, self.options.errors, path, lineno)
        if self.options.tolower:
            text = text.lower()
        lines = text.split("\n")
        tokens = list(map(str.split, lines))
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        lengths = lengths[lengths > 0]
        words = self.encoder.encode(chain.from_iterable(tokens), int(lengths.sum()))
        return words, lengths


def _encoded_text(paths: Iterable[str], options: TextOptions, encoder: _Encoder, block_bytes: int,
                  ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(word ids, sentence lengths) of the non-empty lines of the text files, a block of lines at a time, without
    the sentence markers (count_windows adds them)."""
    text_encoder = _TextEncoder(encoder, options)
    for path in paths:
        for block, lineno in read_blocks(path, block_bytes):
            yield text_encoder.encode_block(block, path, lineno)


def _sentence_batches(sentences: Iterable[list[str]], batch_tokens: int) -> Iterator[list[list[str]]]:
    batch, tokens = [], 0
    for sentence in sentences:
        batch.append(sentence)
        tokens += len(sentence)
        if tokens >= batch_tokens:
            yield batch
            batch, tokens = [], 0
    if batch:
        yield batch


def _check_order(order: int) -> None:
    if not 1 <= order <= MAX_ORDER:
        raise NgramlmError(f"n-gram order {order} is out of range; choose an order from 1 to {MAX_ORDER}")


def count_windows(words: np.ndarray, sentence_lengths: np.ndarray, order: int, *, sos: bool = False,
                  eos: bool = False):
    """Count the n-grams of orders 1..order of sentences given as one id array and their lengths.

    With `sos`/`eos`, each non-empty sentence gets the markers by the rule of corpus.add_markers (SRILM's): <s> in
    front unless it starts with it, </s> at the end unless it ends with it.

    Returns (ngrams, counts), lists over orders 1..order of sorted unique (m, n) id arrays and int64 counts.
    """
    _check_order(order)
    words = np.ascontiguousarray(words, dtype=ID_DTYPE)
    sentence_lengths = np.ascontiguousarray(sentence_lengths, dtype=np.int64)
    if sentence_lengths.size and sentence_lengths.min() < 0:
        raise ValueError("sentence lengths must not be negative")
    if int(sentence_lengths.sum()) != len(words):
        raise ValueError(f"sentence lengths sum to {int(sentence_lengths.sum())}, but there are {len(words)} words")
    markers = (sos + eos) * len(sentence_lengths)
    if len(words) + markers > _MAX_CHUNK_TOKENS or len(words) + markers + len(sentence_lengths) + order >= 2**32:
        raise ValueError(f"a chunk holds at most {_MAX_CHUNK_TOKENS} words (and fewer than 2**32 words and sentences)")
    max_word = max([int(words.max()) if len(words) else 0] + [BOS_ID] * sos + [EOS_ID] * eos)
    if max_word >= np.iinfo(ID_DTYPE).max:
        raise ValueError(f"word id {max_word} is too large")
    return _count.count_windows(words, sentence_lengths, order, max_word, sos, eos)


def merge_runs(ngram_runs: list[np.ndarray], count_runs: list[np.ndarray], n: int):
    """Merge sorted runs of unique n-grams of order n into one, summing the counts of equal n-grams."""
    pairs = [(np.ascontiguousarray(g, dtype=ID_DTYPE), np.ascontiguousarray(c, dtype=COUNT_DTYPE))
             for g, c in zip(ngram_runs, count_runs) if len(c)]
    if not pairs:
        return np.empty((0, n), dtype=ID_DTYPE), np.empty(0, dtype=COUNT_DTYPE)
    if len(pairs) == 1:
        return pairs[0]
    for grams, counts in pairs:
        if grams.ndim != 2 or grams.shape[1] != n or len(grams) != len(counts):
            raise ValueError(f"runs of order {n} need (m, {n}) id arrays with m counts")
    return _count.merge_sorted_runs([g for g, _ in pairs], [c for _, c in pairs])


class _Runs:
    """Sorted count runs of the chunks counted so far; they go to a temporary folder when over the budget."""

    def __init__(self, order: int, budget: int, temp_dir: str | None):
        self.order = order
        self.budget = budget
        self.temp_dir = temp_dir
        self._folder: tempfile.TemporaryDirectory | None = None
        self._in_memory: list[tuple[list[np.ndarray], list[np.ndarray]]] = []
        self._memory_bytes = 0
        self._on_disk: list[list[tuple[str, str]]] = []

    def add(self, ngrams: list[np.ndarray], counts: list[np.ndarray]) -> None:
        self._in_memory.append((ngrams, counts))
        self._memory_bytes += sum(g.nbytes + c.nbytes for g, c in zip(ngrams, counts))
        if self._memory_bytes > self.budget // 2:
            self._spill()

    def _spill(self) -> None:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="ngramlm-counts-", dir=self.temp_dir)
        for ngrams, counts in self._in_memory:
            run = len(self._on_disk)
            files = []
            for n, (grams, totals) in enumerate(zip(ngrams, counts), 1):
                gram_file = os.path.join(self._folder.name, f"run{run}-order{n}-ngrams.npy")
                count_file = os.path.join(self._folder.name, f"run{run}-order{n}-counts.npy")
                np.save(gram_file, grams)
                np.save(count_file, totals)
                files.append((gram_file, count_file))
            self._on_disk.append(files)
        self._in_memory, self._memory_bytes = [], 0

    def merged(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The counts of all runs, merged per order (the temporary folder is removed afterwards)."""
        try:
            if not self._on_disk and len(self._in_memory) <= 1:
                if not self._in_memory:
                    return [np.empty((0, n), dtype=ID_DTYPE) for n in range(1, self.order + 1)], \
                        [np.empty(0, dtype=COUNT_DTYPE) for _ in range(self.order)]
                return self._in_memory[0]
            ngrams, counts = [], []
            for n in range(1, self.order + 1):
                gram_runs = [run[0][n - 1] for run in self._in_memory]
                count_runs = [run[1][n - 1] for run in self._in_memory]
                for files in self._on_disk:
                    gram_file, count_file = files[n - 1]
                    gram_runs.append(np.load(gram_file, mmap_mode="r"))
                    count_runs.append(np.load(count_file, mmap_mode="r"))
                grams, totals = merge_runs(gram_runs, count_runs, n)
                ngrams.append(grams)
                counts.append(totals)
            return ngrams, counts
        finally:
            if self._folder is not None:
                self._folder.cleanup()


def _count_encoded(batches: Iterable[tuple[np.ndarray, np.ndarray]], order: int, encoder: _Encoder,
                   budget: int, quiet: bool, temp_dir: str | None, sos: bool = False,
                   eos: bool = False) -> NgramCounts:
    """Count batches of (word ids, sentence lengths), markers added by the compiled core as `sos`/`eos` ask: they
    gather into chunks within the memory budget, each chunk becomes a sorted run, and the runs are merged."""
    chunk_tokens = _chunk_tokens(order, budget)
    runs = _Runs(order, budget, temp_dir)
    pending_words: list[np.ndarray] = []
    pending_lengths: list[np.ndarray] = []
    pending = 0
    with Progress("counting", unit="tokens", quiet=quiet) as progress:
        for words, lengths in batches:
            pending_words.append(words)
            pending_lengths.append(lengths)
            tokens = len(words) + (sos + eos) * len(lengths)  # at most, with the markers
            pending += tokens
            progress.update(tokens)
            if pending >= chunk_tokens:
                runs.add(*count_windows(np.concatenate(pending_words), np.concatenate(pending_lengths), order,
                                        sos=sos, eos=eos))
                pending_words, pending_lengths, pending = [], [], 0
        if pending_words:
            runs.add(*count_windows(np.concatenate(pending_words), np.concatenate(pending_lengths), order,
                                    sos=sos, eos=eos))
    encoder.sync()
    ngrams, counts = runs.merged()
    return NgramCounts(encoder.vocab, list(ngrams), list(counts))


def count_sentences(sentences: Iterable[list[str]], order: int, vocab: Vocabulary, *,
                    memory: str | int = DEFAULT_MEMORY, quiet: bool = True, temp_dir: str | None = None,
                    ) -> NgramCounts:
    """Count all n-grams of orders 1..order in sentences that already carry their <s>/</s> markers.

    Args:
        sentences: token lists, one per sentence.
        order: the longest n-gram order N.
        vocab: words -> ids; an open vocabulary grows with new words, a closed one maps them to <unk>.
        memory: the working-memory budget (2G, 512M, 25%, or bytes); beyond it, sorted runs go to disk.
        quiet: no progress display.
        temp_dir: where spilled runs go (the system's temporary folder by default).
    """
    _check_order(order)
    budget = parse_memory(memory)
    encoder = _Encoder(vocab)

    def batches():
        for batch in _sentence_batches(sentences, min(_BATCH_TOKENS, _chunk_tokens(order, budget))):
            lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
            yield encoder.encode(chain.from_iterable(batch), int(lengths.sum())), lengths

    return _count_encoded(batches(), order, encoder, budget, quiet, temp_dir)


def count_files(paths: Iterable[str], order: int, vocab: Vocabulary | None = None,
                options: TextOptions = TextOptions(), *, memory: str | int = DEFAULT_MEMORY, quiet: bool = True,
                temp_dir: str | None = None) -> NgramCounts:
    """Count all n-grams of orders 1..order in text files (plain, .gz, .bz2, .xz, or '-' for standard input).

    The sentences are those of corpus.read_sentences with `options` (markers, lower-casing, undecodable bytes).
    `vocab` defaults to a new open vocabulary. See count_sentences for `memory`, `quiet` and `temp_dir`.
    """
    _check_order(order)
    budget = parse_memory(memory)
    encoder = _Encoder(vocab if vocab is not None else Vocabulary())
    block_bytes = max(1, min(_BLOCK_TOKENS, _chunk_tokens(order, budget)) * _BYTES_PER_TOKEN)
    batches = _encoded_text(paths, options, encoder, block_bytes)
    return _count_encoded(batches, order, encoder, budget, quiet, temp_dir, options.sos, options.eos)


def _sort_and_sum(grams: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort n-gram rows lexicographically, adding up the counts of repeated rows."""
    if len(grams) == 0:
        return grams, counts
    order = np.lexsort(grams.T[::-1])
    grams, counts = grams[order], counts[order]
    first = np.ones(len(grams), dtype=bool)
    first[1:] = np.any(grams[1:] != grams[:-1], axis=1)
    starts = np.flatnonzero(first)
    return grams[starts], np.add.reduceat(counts, starts)


def counts_from_rows(vocab: Vocabulary, rows: list[tuple[np.ndarray, np.ndarray]]) -> NgramCounts:
    """NgramCounts from unsorted (m, n) id arrays and counts of orders n = 1..N, repeated n-grams summed."""
    ngrams, counts = [], []
    for n, (grams, totals) in enumerate(rows, 1):
        grams = np.asarray(grams, dtype=ID_DTYPE).reshape(-1, n)
        grams, totals = _sort_and_sum(grams, np.asarray(totals, dtype=COUNT_DTYPE))
        ngrams.append(grams)
        counts.append(totals)
    return NgramCounts(vocab, ngrams, counts)


def _in_vocabulary(target: Vocabulary, counts: NgramCounts) -> NgramCounts:
    """`counts` re-expressed in the ids of `target`, which gains the words it lacks (SRILM's count merging adds
    words to the vocabulary; a closed target maps them to <unk>)."""
    if counts.vocab is target or counts.vocab == target:
        return counts
    # The special words keep their fixed ids whatever the spelling of the unknown word.
    special = [UNK_ID, BOS_ID, EOS_ID]
    mapping = np.array(special + [target.add(word) for word in counts.vocab.words[len(special):]], dtype=ID_DTYPE)
    return counts_from_rows(target, [(mapping[g], c) for g, c in zip(counts.ngrams, counts.counts)])


def merge_counts(first: NgramCounts, *others: NgramCounts) -> NgramCounts:
    """Add up count sets (SRILM's ngram-merge): the result has the highest order among them and the vocabulary of
    `first`, extended with the words of the others."""
    vocab = first.vocab
    sets = [first] + [_in_vocabulary(vocab, other) for other in others]
    order = max(s.order for s in sets)
    ngrams, counts = [], []
    for n in range(1, order + 1):
        present = [s for s in sets if s.order >= n]
        grams, totals = merge_runs([s.ngrams[n - 1] for s in present], [s.counts[n - 1] for s in present], n)
        ngrams.append(grams)
        counts.append(totals)
    return NgramCounts(vocab, ngrams, counts)
