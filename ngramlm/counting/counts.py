"""N-gram counts of every order 1..N: sorted id arrays with counts.

Counting follows SRILM's ngram-count: every window of 1..N words inside each sentence `<s> w1 .. wk </s>` is
counted (the markers come from the corpus reader), n-grams never cross sentences, and the unigram `<s>` is
counted too.

How: text is read in blocks of whole lines; the compiled TokenTable splits a block into tokens and numbers the
distinct ones, so each distinct token is decoded and looked up in the vocabulary once (token lists, for
count_sentences, go through dictionary lookups at C speed instead). The ids are written out as the compiled core
reads them (_MarkedText: in memory, or in a temporary file beyond half the memory budget), and the core
(ngramlm._ext._count) counts every order with one radix sort of the windows, one range of first words at a
time: each range's sort fits in the budget, and its n-grams come after those of the ranges before, so the final
arrays grow in place, with no runs to merge. So text larger than memory can be counted; only the final counts
must fit. Within a range, the bucketing, sorting and writing run on several threads (`threads`, every core by
default): the text is cut into chunks that threads bucket side by side, the range's buckets into pieces that
threads sort side by side, and a tally of each piece's distinct n-grams tells each where in the arrays to write,
so the result is the same whatever the number of threads. With threads, a reading thread also reads and tokenizes
the blocks ahead while the vocabulary takes in the words of one.
"""
from __future__ import annotations

import os
import queue
import re
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain, count, repeat
from typing import Callable, Iterable, Iterator

import numpy as np

from .._ext import _count
from ..corpora.reader import TextOptions, decode_block, read_blocks
from ..core.errors import NgramlmError
from ..core.progress import Progress
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID, Vocabulary, add_new_words

COUNT_DTYPE = np.int64
# Takes the counts of one range of first words: (n-gram arrays, count arrays), one of each per order.
CountSink = Callable[[list[np.ndarray], list[np.ndarray]], None]
# The compiled core keeps window lengths in a byte.
MAX_ORDER = 255
DEFAULT_MEMORY = "2G"
# Token lists are turned into ids this many tokens at a time (bounds the memory held in Python strings).
_BATCH_TOKENS = 1 << 16
# Text is read in blocks of about this many tokens, assuming this many bytes per token.
_BLOCK_TOKENS = 1 << 16
_BYTES_PER_TOKEN = 6
# With a reading thread, how many tokenized blocks it may keep ready.
_BLOCKS_AHEAD = 2
# The working memory of sorting, per window: its packed key (the radix sort's copies hold one bucket a thread
# only), or, with keys that do not pack, two positions and two bytes.
_PACKED_SORT_BYTES_PER_WINDOW = 8
_SORT_BYTES_PER_WINDOW = 18


def usable_threads(threads: int | None = None) -> int:
    """The threads counting may use: `threads`, or by default every core this process may run on."""
    if threads is None:
        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            return os.cpu_count() or 1
    if threads < 1:
        raise NgramlmError(f"the number of threads must be at least 1, got {threads}")
    return threads


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


def _block_tokens(budget: int) -> int:
    """Tokens per block of text read or batch of sentences encoded: a small part of the budget."""
    return max(16, min(_BLOCK_TOKENS, budget // 64))


class _Encoder:
    """Words -> ids in bulk, with the dictionary lookups at C speed (map over a dict's methods).

    An open vocabulary's new words get the next ids in order of appearance (a defaultdict whose default is a
    counter); `sync` then adds them to the Vocabulary in that order, so the ids agree. A closed vocabulary maps
    unknown words to <unk>.
    """

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self._ids = defaultdict(count(len(vocab)).__next__, ((word, wid) for wid, word in enumerate(vocab.words)))

    def encode(self, tokens: Iterable[str], size: int) -> np.ndarray:
        if self.vocab.closed:
            return np.fromiter(map(self._ids.get, tokens, repeat(UNK_ID)), dtype=ID_DTYPE, count=size)
        return np.fromiter(map(self._ids.__getitem__, tokens), dtype=ID_DTYPE, count=size)

    def encode_new(self, tokens: list[str]) -> np.ndarray:
        """encode() for tokens that are likely all new and distinct (the new tokens of a TokenTable): the
        dictionary takes them in one update, about twice as fast as one lookup at a time."""
        start = len(self._ids)
        if not self.vocab.closed and add_new_words(self._ids, tokens):
            self._ids.default_factory = count(len(self._ids)).__next__  # the next new word's id
            return np.arange(start, start + len(tokens), dtype=ID_DTYPE)
        # Some were known or equal (lower-cased, or with bad bytes replaced): one at a time.
        return self.encode(tokens, len(tokens))

    def sync(self) -> None:
        """Add the words seen since the last call to the vocabulary."""
        self.vocab.extend_to(self._ids)


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

    def tokenize(self, block: bytes) -> tuple:
        """The compiled table's part of encoding a block, which may run on another thread (it releases the GIL),
        one block at a time and in order: the block's token numbers and line lengths, and its new tokens."""
        tokens, line_lengths = self.table.tokenize(block)
        new, joined = self.table.new_tokens_joined()
        return tokens, line_lengths, new, joined, len(self.table)

    def encode_tokenized(self, tokenized: tuple, block: bytes, path: str, lineno: int) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary's part of encoding a block, given tokenize(block): its word ids and sentence lengths."""
        tokens, line_lengths, new, joined, total = tokenized
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
            return self.encoder.encode_new(texts)
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


def _made_ahead(items: Iterator, depth: int) -> Iterator:
    """The items of `items`, made by a thread of their own up to `depth` items ahead of the caller; an exception
    raised making them is raised to the caller, in its place. Leaving early stops the thread and closes `items`.
    Raises RuntimeError, before taking any item, if no thread can be started."""
    made: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def offer(item) -> bool:
        """Queue the item unless the caller has left; whether it was queued."""
        while not stop.is_set():
            try:
                made.put(item, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False

    def make() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(end)
        except BaseException as exc:  # raised to the caller when it reaches this place
            offer(exc)
        finally:
            items.close()

    def take() -> Iterator:
        try:
            while (item := made.get()) is not end:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join()

    thread = threading.Thread(target=make, name="ngramlm-reader", daemon=True)
    thread.start()
    return take()


def _encoded_text(paths: Iterable[str], options: TextOptions, encoder: _Encoder, block_bytes: int,
                  pipelined: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(word ids, sentence lengths) of the non-empty lines of the text files, a block of lines at a time, without
    the sentence markers (_count.mark_text adds them).

    `pipelined`: a second thread reads the blocks and runs the compiled tokenizer on them, a few blocks ahead,
    while this one looks each block's new tokens up in the vocabulary and the caller marks its sentences (the
    two halves of the work take about as long)."""
    text_encoder = _TextEncoder(encoder, options)
    blocks = ((block, path, lineno) for path in paths for block, lineno in read_blocks(path, block_bytes))
    tokenized = ((text_encoder.tokenize(block), block, path, lineno) for block, path, lineno in blocks)
    if pipelined:
        try:  # one thread tokenizes, so the table sees the blocks in order
            tokenized = _made_ahead(tokenized, _BLOCKS_AHEAD)
        except RuntimeError:  # no thread to be had (a memory limit leaves no room for its stack): read on this one
            pass
    for tokens, block, path, lineno in tokenized:
        yield text_encoder.encode_tokenized(tokens, block, path, lineno)


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
                  eos: bool = False, threads: int | None = None):
    """Count the n-grams of orders 1..order of sentences given as one id array and their lengths.

    With `sos`/`eos`, each non-empty sentence gets the markers by the rule of corpus.add_markers (SRILM's): <s> in
    front unless it starts with it, </s> at the end unless it ends with it.

    Returns (ngrams, counts), lists over orders 1..order of sorted unique (m, n) id arrays and int64 counts.
    `threads`: as count_sentences.
    """
    _check_order(order)
    threads = usable_threads(threads)
    words = np.ascontiguousarray(words, dtype=ID_DTYPE)
    sentence_lengths = np.ascontiguousarray(sentence_lengths, dtype=np.int64)
    if sentence_lengths.size and sentence_lengths.min() < 0:
        raise ValueError("sentence lengths must not be negative")
    if int(sentence_lengths.sum()) != len(words):
        raise ValueError(f"sentence lengths sum to {int(sentence_lengths.sum())}, but there are {len(words)} words")
    if len(words) and int(words.max()) >= np.iinfo(ID_DTYPE).max:
        raise ValueError(f"word id {int(words.max())} is too large")
    text = _MarkedText(np.iinfo(np.int64).max, None)  # never goes to a file
    text.add(words, sentence_lengths, sos, eos)
    return _count_text(text.finish(order), text.first_words, order, parse_memory(DEFAULT_MEMORY), threads,
                       quiet=True)


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


class _MarkedText:
    """The text as the compiled counter reads it (see _count.mark_text), built batch by batch, with the number of
    windows that start with each word. It is written in place into one array (sized from `size_hint` entries
    where known, and doubled when full), up to `limit` bytes, and goes to a temporary file beyond, which the
    counting passes then read through a memory map."""

    def __init__(self, limit: int, temp_dir: str | None, size_hint: int = 0):
        self.limit, self.temp_dir = limit, temp_dir
        self._size_hint = min(size_hint, limit // ID_DTYPE().itemsize)
        self._buffer = np.empty(0, dtype=ID_DTYPE)
        self._used = 0
        self._file = None
        self.path: str | None = None
        # first_words[w + 1]: the windows that start with word w; first_words[0]: the sentence ends.
        self.first_words = np.zeros(0, dtype=np.int64)

    def add(self, words: np.ndarray, lengths: np.ndarray, sos: bool, eos: bool) -> None:
        bins = max(int(words.max()) + 2 if len(words) else 0, 4)
        if bins > len(self.first_words):
            grown = np.zeros(max(bins, len(self.first_words) * 5 // 4), dtype=np.int64)
            grown[:len(self.first_words)] = self.first_words
            self.first_words = grown
        room = len(words) + (1 + sos + eos) * len(lengths)
        if self._file is not None:
            marked = np.empty(room, dtype=ID_DTYPE)
            marked[:_count.mark_text(words, lengths, sos, eos, marked, self.first_words)].tofile(self._file)
            return
        self._reserve(self._used + room)
        self._used += _count.mark_text(words, lengths, sos, eos, self._buffer[self._used:], self.first_words)
        if self._used * ID_DTYPE().itemsize > self.limit:
            fd, self.path = tempfile.mkstemp(prefix="ngramlm-text-", suffix=".u32", dir=self.temp_dir)
            self._file = os.fdopen(fd, "wb")
            self._buffer[:self._used].tofile(self._file)
            self._buffer = np.empty(0, dtype=ID_DTYPE)

    def _reserve(self, entries: int) -> None:
        if entries > len(self._buffer):
            grown = np.empty(max(entries, 2 * len(self._buffer), self._size_hint, 1 << 16), dtype=ID_DTYPE)
            grown[:self._used] = self._buffer[:self._used]
            self._buffer = grown

    def finish(self, order: int) -> np.ndarray:
        """The whole text, followed by `order` zeros (count_marked reads past a window's sentence end)."""
        padding = np.zeros(order, dtype=ID_DTYPE)
        if self._file is None:
            self._reserve(self._used + order)
            self._buffer[self._used:self._used + order] = padding
            return self._buffer[:self._used + order]
        padding.tofile(self._file)
        self._file.close()
        return np.memmap(self.path, dtype=ID_DTYPE, mode="r")

    def remove(self) -> None:
        self._buffer = np.empty(0, dtype=ID_DTYPE)
        if self._file is not None:
            self._file.close()
            os.unlink(self.path)
            self._file = None


def _text_size_hint(paths: list[str]) -> int:
    """About as many entries as the marked text of these files will have: a third of their bytes, enough for
    words of two letters or more, with the markers (the text grows past it where needed); 0 if unknown (standard
    input, compressed files)."""
    if any(path == "-" or path.lower().endswith((".gz", ".bz2", ".xz")) for path in paths):
        return 0
    try:
        return sum(os.path.getsize(path) for path in paths) // 3
    except OSError:
        return 0


class _CountArrays:
    """Where _count.count_marked writes, range after range: each order's arrays are made once, as large as the
    text's windows (a bound on its distinct n-grams), so that only the pages written to become memory; `trimmed`
    gives the unused tails back. (Where the system refuses so large an allocation, they grow range by range.)"""

    def __init__(self, order: int, windows: int, words: int):
        self.rows = np.zeros(order, dtype=np.int64)
        try:
            self.ngrams = [np.empty((min(windows, words) if n == 1 else windows, n), ID_DTYPE)
                           for n in range(1, order + 1)]
            self.counts = [np.empty(len(grams), COUNT_DTYPE) for grams in self.ngrams]
        except MemoryError:
            self.ngrams = [np.empty((0, n), ID_DTYPE) for n in range(1, order + 1)]
            self.counts = [np.empty(0, COUNT_DTYPE) for _ in range(order)]

    def make_room(self, windows: int, words: int) -> None:
        """Room for a range of `windows` windows that start with `words` different words."""
        for k, (grams, totals) in enumerate(zip(self.ngrams, self.counts)):
            needed = int(self.rows[k]) + (min(windows, words) if k == 0 else windows)
            if needed > len(totals):
                grams.resize((needed, k + 1), refcheck=False)
                totals.resize(needed, refcheck=False)

    def trimmed(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The arrays, shrunk in place to the rows written."""
        for k, rows in enumerate(self.rows):
            self.ngrams[k].resize((rows, k + 1), refcheck=False)
            self.counts[k].resize(rows, refcheck=False)
        return self.ngrams, self.counts


def _first_word_ranges(windows_per_word: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Consecutive ranges [lo, hi) of first words that cover them all, each starting at most `limit` windows (a
    word that starts more gets a range of its own)."""
    cumulative = np.cumsum(windows_per_word)
    ranges, lo = [], 0
    while lo < len(windows_per_word):
        before = int(cumulative[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(cumulative, before + limit, side="right")))
        ranges.append((lo, hi))
        lo = hi
    return ranges


def _count_text(text: np.ndarray, first_words: np.ndarray, order: int, budget: int, threads: int,
                quiet: bool, sink: CountSink | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Count a marked text one range of first words at a time, each range's sort within `budget` bytes.

    With a `sink`, each range's counts go to it as soon as they are made (and the ranges are also small enough
    for their counts to fit in the budget); nothing is returned then."""
    present = np.flatnonzero(first_words[1:])
    max_word = int(present[-1]) if len(present) else -1  # the largest id in the text
    first_words = first_words[:max_word + 2]
    if max_word < 0:
        empty = NgramCounts.empty(Vocabulary(), order)
        return empty.ngrams, empty.counts
    packs = order >= 2 and (max_word + 1).bit_length() * (order - 1) <= 64  # as _count.count_marked decides
    bytes_per_window = _PACKED_SORT_BYTES_PER_WINDOW if packs else _SORT_BYTES_PER_WINDOW
    if sink is not None:  # a range's counts are held until the sink takes them: at most one n-gram per window
        bytes_per_window += sum(ID_DTYPE().itemsize * n + COUNT_DTYPE().itemsize for n in range(1, order + 1))
    windows = first_words[1:]
    total = int(windows.sum())
    ranges = _first_word_ranges(windows, max(1, budget // bytes_per_window))
    arrays = _CountArrays(order, total, max_word + 1) if sink is None else None
    with Progress("sorting", unit="windows", total=total, quiet=quiet or len(ranges) == 1) as progress:
        for lo, hi in ranges:
            in_range = int(windows[lo:hi].sum())
            if sink is not None:
                arrays = _CountArrays(order, in_range, hi - lo)
            arrays.make_room(in_range, hi - lo)
            _count.count_marked(text, order, max_word, lo, hi, arrays.ngrams, arrays.counts, arrays.rows, threads)
            if sink is not None:
                sink(*arrays.trimmed())
                arrays = None  # released before the next range's arrays are made
            progress.update(in_range)
    return arrays.trimmed() if sink is None else None


def _count_encoded(batches: Iterable[tuple[np.ndarray, np.ndarray]], order: int, encoder: _Encoder,
                   budget: int, threads: int, quiet: bool, temp_dir: str | None, sos: bool = False,
                   eos: bool = False, sink: CountSink | None = None, size_hint: int = 0) -> NgramCounts:
    """Count batches of (word ids, sentence lengths), markers added by the compiled core as `sos`/`eos` ask.
    With a `sink`, the counts go there (see _count_text) and the result has the vocabulary but no n-grams.
    `size_hint`: about how many entries the marked text will have (see _MarkedText)."""
    text = _MarkedText(budget // 2, temp_dir, size_hint)
    try:
        with Progress("counting", unit="tokens", quiet=quiet) as progress:
            for words, lengths in batches:
                text.add(words, lengths, sos, eos)
                progress.update(len(words))
        encoder.sync()
        marked = text.finish(order)
        counted = _count_text(marked, text.first_words, order, budget - marked.nbytes * (text.path is None),
                              threads, quiet, sink)
        del marked
    finally:
        text.remove()
    if counted is None:
        return NgramCounts.empty(encoder.vocab, order)
    return NgramCounts(encoder.vocab, list(counted[0]), list(counted[1]))


def count_sentences(sentences: Iterable[list[str]], order: int, vocab: Vocabulary, *,
                    memory: str | int = DEFAULT_MEMORY, quiet: bool = True, temp_dir: str | None = None,
                    threads: int | None = None) -> NgramCounts:
    """Count all n-grams of orders 1..order in sentences that already carry their <s>/</s> markers.

    Args:
        sentences: token lists, one per sentence.
        order: the longest n-gram order N.
        vocab: words -> ids; an open vocabulary grows with new words, a closed one maps them to <unk>.
        memory: the working-memory budget (2G, 512M, 25%, or bytes): the text goes to a temporary file beyond half
            of it, and the windows are sorted in as many passes as the budget needs. (The counts
            themselves come on top.)
        quiet: no progress display.
        temp_dir: where the text goes beyond the budget (the system's temporary folder by default).
        threads: how many threads sort and write the counts (default: every core this process may use); the
            counts are the same whatever the number.
    """
    _check_order(order)
    budget = parse_memory(memory)
    threads = usable_threads(threads)
    encoder = _Encoder(vocab)

    def batches():
        for batch in _sentence_batches(sentences, min(_BATCH_TOKENS, _block_tokens(budget))):
            lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
            yield encoder.encode(chain.from_iterable(batch), int(lengths.sum())), lengths

    return _count_encoded(batches(), order, encoder, budget, threads, quiet, temp_dir)


def count_files(paths: Iterable[str], order: int, vocab: Vocabulary | None = None,
                options: TextOptions = TextOptions(), *, memory: str | int = DEFAULT_MEMORY, quiet: bool = True,
                temp_dir: str | None = None, threads: int | None = None,
                sink: CountSink | None = None) -> NgramCounts:
    """Count all n-grams of orders 1..order in text files (plain, .gz, .bz2, .xz, or '-' for standard input).

    The sentences are those of corpus.read_sentences with `options` (markers, lower-casing, undecodable bytes).
    `vocab` defaults to a new open vocabulary. See count_sentences for `memory`, `quiet`, `temp_dir` and
    `threads`.

    With a `sink`, counts larger than memory can be made: it is called with (ngrams, counts) lists of every
    order for one range of first words at a time, in sorted order (so that the pieces of an order, one after
    the other, are that order sorted), and the result has the vocabulary but no n-grams.
    """
    _check_order(order)
    budget = parse_memory(memory)
    threads = usable_threads(threads)
    encoder = _Encoder(vocab if vocab is not None else Vocabulary())
    block_bytes = _block_tokens(budget) * _BYTES_PER_TOKEN
    paths = list(paths)
    batches = _encoded_text(paths, options, encoder, block_bytes, pipelined=threads > 1)
    return _count_encoded(batches, order, encoder, budget, threads, quiet, temp_dir, options.sos, options.eos, sink,
                          _text_size_hint(paths))


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
