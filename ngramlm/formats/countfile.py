"""SRILM count files: one n-gram per line, `w1 w2 ... wn<TAB>count`.

Reading (ngram-count -read) accepts any whitespace between the fields, adds up repeated n-grams, skips blank
lines and, as SRILM does, n-grams longer than the order asked for. A line that is not an n-gram with a
non-negative integer count stops the run with the file and line. Blocks of lines are split by the compiled
TokenTable, so that each distinct token is parsed and looked up once.

Writing (ngram-count -write, -writeN, -write-order) lists the n-grams in the order of a depth-first walk of the
n-gram trie: each n-gram is followed by its extensions. With `sort` (-sort) the words at each level are in
lexicographic order of their bytes, as SRILM's -sort writes them and ngram-merge expects; without it they are in
vocabulary-id order.

Adding count files up within a memory budget (ngram-count -read ... -write with -memory; CountFileMerge): each
file is read a batch of lines at a time into sorted runs (counting.sorted_runs), spilled to disk beyond the
budget, and the runs are merged into a CountFileWriter; the files are those written from the counts held whole.

In:  read_counts: a count file (plain, .gz, .bz2, .xz, or '-'), optionally a Vocabulary and an order; write_counts:
     NgramCounts (ngramlm.counting.counts) and a path.
Out: NgramCounts, repeated n-grams summed, each order sorted by word id; a count file in the trie order above,
     written atomically, the lines formatted by compiled code (ngramlm._ext._countfile) 4 MB at a time.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Iterable

import numpy as np

from .._ext import _arpa
from .._ext._count import TokenTable
from .._ext._countfile import CountLines
from ..core.io import decode_block, lower_case, read_blocks, split_words
from ..counting.counts import (COUNT_DTYPE, MAX_COUNT, MAX_ORDER, CountOverflow, CountSink, NgramCounts,
                               counts_from_rows, prefix_rows)
from ..counting.corpus_count import count_files
from ..counting.merging import merge_counts
from ..counting.sorted_runs import RunsOverflow, SortedRuns
from ..core.errors import InputError
from ..corpora.reader import TextOptions
from ..core.io import atomic_write
from ..core.progress import FileProgress, Progress
from ..core.vocab import ID_DTYPE, Vocabulary

# Count files are read in blocks of this many bytes.
_READ_BLOCK_BYTES = 1 << 22
# Bytes of lines formatted at a time (bounds the memory the text holds).
_WRITE_BYTES = 1 << 22
# Ids of words missing from a closed vocabulary under -limit-vocab: their n-grams are dropped.
_OUT_OF_VOCABULARY = np.iinfo(ID_DTYPE).max


def _parse_count(text: str, path: str, lineno: int) -> int:
    if text.isascii() and text.isdigit():
        if int(text) > MAX_COUNT:
            raise InputError(path, lineno, f"count {text} is above the largest count supported (2^63 - 1)")
        return int(text)
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise InputError(path, lineno, f"negative count {text}; counts must be 0 or more")
    raise InputError(path, lineno, f"the last field {text!r} is not a whole-number count; each line must be "
                                   "'w1 ... wn<TAB>count' (fractional counts are not supported)")


def read_counts(path: str, vocab: Vocabulary | None = None, order: int | None = None, *,
                limit_vocab: bool = False, tolower: bool = False, errors: str = "strict",
                quiet: bool = True) -> NgramCounts:
    """Read a count file (plain, .gz, .bz2, .xz, or '-').

    Args:
        path: the count file.
        vocab: words -> ids (a new open vocabulary by default). An open vocabulary gains the file's new words; a
            closed one maps them to <unk> (SRILM's -vocab), or drops their n-grams with `limit_vocab`.
        order: keep n-grams of orders 1..order and skip longer ones; by default the longest in the file.
        limit_vocab: with a closed vocabulary, discard n-grams that contain a word outside it (-limit-vocab).
        tolower: lower-case the words (-tolower).
        errors: "strict" stops at undecodable bytes, "replace" substitutes U+FFFD.
        quiet: no progress bar (one is drawn, in bytes of the file, only where standard error is a terminal).

    Raises:
        InputError naming the file and line of a line that is not an n-gram followed by a count, or the file
        where the counts of an n-gram listed more than once add up past 2^63 - 1.
    """
    vocab = vocab if vocab is not None else Vocabulary()
    reader = _CountReader(vocab, order, limit_vocab and vocab.closed, tolower, errors, path)
    with FileProgress(f"reading {path}", [path], quiet=quiet) as progress:
        for block, lineno in read_blocks(path, _READ_BLOCK_BYTES, progress):
            reader.read_block(block, lineno)
    try:
        return reader.counts()
    except CountOverflow as exc:  # an n-gram listed more than once
        raise InputError(path, None, str(exc)) from None


class _CountReader:
    """Count-file lines -> n-gram id arrays and counts, a block of lines at a time.

    The compiled TokenTable numbers the distinct tokens of a block, so each is decoded, parsed as a count and
    looked up as a word once. A block that holds a malformed line is parsed line by line instead, which names the
    line at fault. Both split words at core.io.split_words's separators, as SRILM does."""

    _UNSET = np.iinfo(np.int64).min

    def __init__(self, vocab: Vocabulary, order: int | None, drop_unknown: bool, tolower: bool, errors: str,
                 path: str):
        self.vocab, self.order, self.drop_unknown = vocab, order, drop_unknown
        self.tolower, self.errors, self.path = tolower, errors, path
        self.table = TokenTable()
        self.texts: list[str] = []
        # Per token number: its count value (-1 if not a whole number) and its word id (_UNSET until needed as a
        # word).
        self.values = np.empty(0, dtype=np.int64)
        self.word_ids = np.empty(0, dtype=np.int64)
        self.parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}

    def read_block(self, block: bytes, lineno: int) -> None:
        tokens, line_lengths = self.table.tokenize(block)
        new = self.table.new_tokens()
        if new and not self._learn(new):
            self._read_lines(block, lineno)
            return
        lengths = line_lengths[line_lengths > 0]
        ends = np.cumsum(lengths)
        values = self.values[tokens[ends - 1]] if len(lengths) else np.empty(0, dtype=np.int64)
        orders = lengths - 1
        too_long = self.order is None and len(orders) and orders.max() > MAX_ORDER
        if np.any(values < 0) or np.any(orders == 0) or too_long:
            self._read_lines(block, lineno)
            return
        is_word = np.ones(len(tokens), dtype=bool)
        is_word[ends - 1] = False
        if self.order is not None:  # the words of lines above the order are not looked up: SRILM's vocabulary
            is_word &= np.repeat(orders <= self.order, lengths)  # does not gain them
        words = self._word_ids_of(tokens, is_word)
        starts = ends - lengths
        for n in np.unique(orders).tolist():
            if self.order is not None and n > self.order:
                continue
            chosen = orders == n
            grams = words[starts[chosen][:, None] + np.arange(n)]
            self._add(n, grams, values[chosen])

    def _learn(self, new: list[bytes]) -> bool:
        """Decode the new tokens and parse them as counts; False if they cannot be decoded strictly."""
        try:
            texts = [token.decode("utf-8", self.errors) for token in new]
        except UnicodeDecodeError:
            return False
        if self.tolower:
            texts = [lower_case(text) for text in texts]
        self.texts.extend(texts)
        # Counts of 19 digits and more may not fit: the line-by-line reader checks them (-1 sends it there).
        values = [int(t) if t.isascii() and t.isdigit() and len(t) <= 18 else -1 for t in texts]
        self.values = np.concatenate([self.values, np.array(values, dtype=np.int64)])
        self.word_ids = np.concatenate([self.word_ids, np.full(len(texts), self._UNSET, dtype=np.int64)])
        return True

    def _word_ids_of(self, tokens: np.ndarray, is_word: np.ndarray) -> np.ndarray:
        """Word ids of the block's tokens (looked up on first use as a word, so counts do not become words)."""
        needed = np.unique(tokens[is_word])
        unset = needed[self.word_ids[needed] == self._UNSET]
        if len(unset):
            texts = [self.texts[t] for t in unset.tolist()]
            self.word_ids[unset] = _encode(self.vocab, texts, self.drop_unknown)
        return self.word_ids[tokens]

    def _read_lines(self, block: bytes, lineno: int) -> None:
        """The block parsed line by line, with errors naming their line."""
        text = decode_block(block, self.errors, self.path, lineno)
        lines = text.split("\n")  # only \n ends a line, as in the compiled reader; \r separates words
        words: dict[int, list[str]] = {}
        counts: dict[int, list[int]] = {}
        longest = self.order if self.order is not None else MAX_ORDER
        for number, line in enumerate(lines, lineno):
            fields = split_words(lower_case(line) if self.tolower else line)
            if not fields:
                continue
            count = _parse_count(fields[-1], self.path, number)
            n = len(fields) - 1
            if n == 0:
                raise InputError(self.path, number, f"the count {fields[0]} has no n-gram before it; each line "
                                                    "must be 'w1 ... wn<TAB>count'")
            if n > longest:
                if self.order is None:
                    raise InputError(self.path, number,
                                     f"{n}-gram is longer than the longest order supported ({MAX_ORDER})")
                continue
            words.setdefault(n, []).extend(fields[:-1])
            counts.setdefault(n, []).append(count)
        for n in words:
            grams = _encode(self.vocab, words[n], self.drop_unknown).reshape(-1, n).astype(np.int64)
            self._add(n, grams, np.array(counts[n], dtype=COUNT_DTYPE))

    def _add(self, n: int, grams: np.ndarray, totals: np.ndarray) -> None:
        if self.drop_unknown and len(grams):
            keep = ~np.any(grams == _OUT_OF_VOCABULARY, axis=1)
            grams, totals = grams[keep], totals[keep]
        self.parts.setdefault(n, []).append((grams.astype(ID_DTYPE), totals))

    def held_bytes(self) -> int:
        """The bytes of the rows read and not yet taken."""
        return sum(g.nbytes + t.nbytes for parts in self.parts.values() for g, t in parts)

    def take_rows(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The rows read since the last call, per order 1..N, unsorted (repeated n-grams not yet summed)."""
        top = self.order if self.order is not None else max(self.parts, default=0)
        rows = []
        for n in range(1, top + 1):
            parts = self.parts.get(n, [])
            grams = np.concatenate([g for g, _ in parts]) if parts else np.empty((0, n), dtype=ID_DTYPE)
            totals = np.concatenate([t for _, t in parts]) if parts else np.empty(0, dtype=COUNT_DTYPE)
            rows.append((grams, totals))
        self.parts = {}
        return rows

    def counts(self) -> NgramCounts:
        return counts_from_rows(self.vocab, self.take_rows())


def add_read_counts(counts: NgramCounts | None, read: NgramCounts, path: str) -> NgramCounts:
    """`read`, the counts of the count file `path`, added to `counts` (ngram-count -read repeated; None: none yet),
    with an InputError naming the file where a sum passes the largest count supported."""
    try:
        return read if counts is None else merge_counts(counts, read)
    except CountOverflow as exc:
        raise InputError(path, None, f"{exc} (added to the counts before this file)") from None


class CountFileMerge:
    """Count files (and counted text) added up and written within a memory budget (ngram-count -read ... -write
    with -memory; SRILM's merge-batch-counts): the rows of each file are read a batch at a time, sorted and summed
    into runs that go to a temporary folder beyond the budget (counting.sorted_runs), and the runs are merged
    into a CountFileWriter stretch by stretch. The files are those of write_counts with the counts of read_counts
    added up (add_read_counts), byte for byte: the words get their ids in the same order, as the files are read
    the same way.

    A context manager (the runs' folder is removed on leaving). `add_text` gives count_files' sink for a text,
    `read` reads a count file, each a source in the order given; `write` writes the files. An n-gram whose counts
    pass 2^63 - 1 stops with an InputError naming the file, as add_read_counts does. `block_bytes`: bytes read at
    a time (the default keeps the word ids of read_counts; tests make it small to force many runs).
    `zero_prefixes`: the prefixes the count files leave out are written with count 0, as SRILM's count trie holds
    them (counting.counts.with_prefixes applied to the in-memory counts)."""

    def __init__(self, vocab: Vocabulary, order: int, budget: int, *, sort: bool = False,
                 temp_dir: str | None = None, block_bytes: int = _READ_BLOCK_BYTES, zero_prefixes: bool = False):
        self.vocab, self.order, self.sort, self.block_bytes = vocab, order, sort, block_bytes
        self.zero_prefixes = zero_prefixes
        self.runs = SortedRuns(order, budget, temp_dir)
        self.names: list[str] = []  # the sources' names, for errors
        self._key: np.ndarray | None = None  # the byte-order ranks of the vocabulary (under sort), when last made

    def __enter__(self) -> "CountFileMerge":
        return self

    def __exit__(self, *exc) -> None:
        self.runs.__exit__(*exc)

    def _ranks(self) -> np.ndarray | None:
        """The key the runs are sorted under: None (ids), or under sort the ranks of the words so far."""
        if not self.sort:
            return None
        if self._key is None or len(self._key) != len(self.vocab):
            self._key = word_ranks(self.vocab)
        return self._key

    def _add(self, rows: list[tuple[np.ndarray, np.ndarray]], presorted: bool = False) -> None:
        if self.zero_prefixes and not presorted:  # (counted text has every prefix)
            rows = prefix_rows(rows, len(self.vocab))
        try:
            self.runs.add(rows, len(self.names) - 1, self._ranks(), presorted=presorted)
        except RunsOverflow as exc:
            raise self._overflow_error(exc) from None

    def add_text(self, name: str) -> CountSink:
        """The sink for count_files (no relabel) counting the text `name`."""
        self.names.append(name)
        return lambda ngrams, counts: self._add(list(zip(ngrams, counts)), presorted=True)

    def read(self, path: str, *, name: str | None = None, limit_vocab: bool = False, tolower: bool = False,
             errors: str = "strict", quiet: bool = True) -> None:
        """Read a count file as read_counts does (`name`: how errors about sums name it; `path` by default)."""
        self.names.append(name or path)
        reader = _CountReader(self.vocab, self.order, limit_vocab and self.vocab.closed, tolower, errors, path)
        with FileProgress(f"reading {path}", [path], quiet=quiet) as progress:
            for block, lineno in read_blocks(path, self.block_bytes, progress):
                reader.read_block(block, lineno)
                if reader.held_bytes() >= self.runs.batch_bytes:
                    self._add(reader.take_rows())
        self._add(reader.take_rows())

    def write(self, writer: "CountFileWriter", quiet: bool = True) -> None:
        """Merge the runs into the files of `writer` (made with this vocabulary and sort); `quiet`: no progress
        bar (one is drawn, in the runs' n-grams merged, only where standard error is a terminal)."""
        key = writer.relabel(self.vocab) if self.sort else None
        label = "writing " + ", ".join(path for path, _ in writer.outputs)
        try:
            with Progress(label, unit="n-grams", total=self.runs.rows(), quiet=quiet) as progress:
                self.runs.merge(writer, len(self.vocab), key, progress)
                progress.update_to(progress.total or 0)
        except RunsOverflow as exc:
            raise self._overflow_error(exc) from None

    def _overflow_error(self, exc: RunsOverflow) -> InputError:
        """The error read_counts or add_read_counts gives: the first source whose own total passes the limit,
        or whose total added to those before passes it."""
        message, added = str(CountOverflow(exc.ngram, self.vocab)), 0
        for source in sorted(exc.totals):
            if exc.totals[source] > MAX_COUNT:
                return InputError(self.names[source], None, message)
            added += exc.totals[source]
            if added > MAX_COUNT:
                return InputError(self.names[source], None, f"{message} (added to the counts before this file)")
        return InputError(self.names[-1], None, message)


def _encode(vocab: Vocabulary, words: Iterable[str], drop_unknown: bool) -> np.ndarray:
    """Words -> ids; with `drop_unknown`, words outside the vocabulary get a mark instead of <unk>."""
    if drop_unknown:
        return np.fromiter((vocab.id(w) if w in vocab else _OUT_OF_VOCABULARY for w in words), dtype=ID_DTYPE)
    return vocab.encode(words)


def word_ranks(vocab: Vocabulary) -> np.ndarray:
    """rank[id]: the place of the word in byte-wise lexicographic order (the bytes of words read with surrogate
    escapes sort as SRILM sorts them, where their str would not)."""
    words = [w.encode("utf-8", "surrogateescape") for w in vocab.words]
    ranks = np.empty(len(words), dtype=np.uint32)
    ranks[sorted(range(len(words)), key=words.__getitem__)] = np.arange(len(words), dtype=np.uint32)
    return ranks


def _ranked_sequences(grams: list[np.ndarray], ranks: np.ndarray) -> list[np.ndarray]:
    """The rows of each order (sorted by word id) sorted by their words' ranks, first word first.

    Least-significant-digit radix sorts, each step one counting sort (linear, where np.lexsort compares): an
    order whose n-grams all have their prefix in the order before it (listed just before) is sorted by its last
    word, then stably by its prefix's place in that order's sorted sequence; any other by every word, last first.
    """
    sequences: list[np.ndarray] = []
    place = None  # place[row]: where a row of the previous order comes in its sequence
    for k, order in enumerate(grams):
        n = order.shape[1]
        sequence = _arpa.stable_order_by(ranks[order[:, -1]].astype(np.int64), None, len(ranks))
        prefix = None
        if k and grams[k - 1].shape[1] == n - 1:
            prefix = _arpa.prefix_index(grams[k - 1], order)
        if prefix is not None and (len(prefix) == 0 or prefix.min() >= 0):
            sequence = _arpa.stable_order_by(place[prefix], sequence, len(place))
        else:
            for j in range(n - 2, -1, -1):
                sequence = _arpa.stable_order_by(ranks[order[:, j]].astype(np.int64), sequence, len(ranks))
        place = np.empty(len(sequence), dtype=np.int64)
        place[sequence] = np.arange(len(sequence))
        sequences.append(sequence)
    return sequences


def write_counts(counts: NgramCounts, path: str, *, order: int = 0, sort: bool = False, quiet: bool = True) -> None:
    """Write a count file: all orders (`order` 0, SRILM's default) or one order; `sort` as SRILM's -sort; `quiet`:
    no progress bar (one is drawn, in n-grams written, only where standard error is a terminal).

    Each order is already sorted by word id, which is the unsorted walk; with `sort` each order is first put in
    byte order of its words. The compiled CountLines merges the orders into the walk and formats the lines."""
    orders = list(range(1, counts.order + 1)) if order == 0 else [order] if order <= counts.order else []
    grams = [np.ascontiguousarray(counts.ngrams[n - 1], dtype=ID_DTYPE) for n in orders]
    totals = [counts.counts[n - 1] for n in orders]
    ranks = word_ranks(counts.vocab) if sort else None
    sequences = _ranked_sequences(grams, ranks) if sort else [None] * len(grams)
    spellings = [w.encode("utf-8", "surrogateescape") for w in counts.vocab.words]
    lines = CountLines(spellings, grams, totals, sequences, ranks)
    if path == "-":
        sys.stdout.flush()  # text already printed goes before the bytes written under it
    with atomic_write(path, "wb") as f, \
            Progress(f"writing {path}", unit="n-grams", total=sum(map(len, totals)), quiet=quiet) as progress:
        while True:
            chunk = lines.chunk(_WRITE_BYTES)
            if not len(chunk):
                break
            f.write(chunk)
            _count_lines(progress, chunk)
        progress.update_to(progress.total or 0)


# Bytes of each chunk whose lines are counted to estimate the chunk's n-grams for the bar.
_SAMPLE_BYTES = 1 << 16


def _count_lines(progress: Progress, chunk: np.ndarray) -> None:
    """Advance the bar by about the lines (n-grams) of a chunk: those of its first _SAMPLE_BYTES scaled to its
    length (counting them all would cost several percent of the writing); only where a bar is drawn. The caller
    sets the exact total at the end."""
    if progress.enabled and len(chunk):
        sample = chunk[:_SAMPLE_BYTES]
        lines = max(1, int(np.count_nonzero(sample == ord("\n")))) * len(chunk) // len(sample)
        progress.update_to(min(progress.done + lines, progress.total or 0))


class CountFileWriter:
    """Count files written range by range as counting makes the counts (a CountSink for counting.count_files),
    so that the counts never have to be held all at once: each range of first words is a stretch of the trie
    walk of its own. With `sort`, count_files must be given `relabel` (the word ranks) so that the ranges and
    their rows come in byte order of the words; the files are then byte for byte write_counts' with sort.

    `outputs`: (path, order) pairs, order 0 for every order (as write_counts). A context manager: the files take
    their names on leaving without an error (atomic_write)."""

    def __init__(self, vocab: Vocabulary, outputs: list[tuple[str, int]], *, sort: bool = False):
        self.vocab, self.outputs, self.sort = vocab, outputs, sort
        self._spellings: list[bytes] | None = None
        self._ranks: np.ndarray | None = None
        self._stack = contextlib.ExitStack()
        self._files: list = []

    def relabel(self, vocab: Vocabulary) -> np.ndarray:
        """The new id of each word under -sort: its rank in byte order (see count_files' relabel)."""
        self._ranks = word_ranks(vocab)
        return self._ranks

    def __enter__(self) -> "CountFileWriter":
        if any(path == "-" for path, _ in self.outputs):
            sys.stdout.flush()  # text already printed goes before the bytes written under it
        self._files = [self._stack.enter_context(atomic_write(path, "wb")) for path, _ in self.outputs]
        return self

    def __exit__(self, *exc) -> None:
        self._stack.__exit__(*exc)

    def __call__(self, ngrams: list[np.ndarray], counts: list[np.ndarray]) -> None:
        if self._spellings is None:  # the vocabulary is complete once the counts come
            spellings = [w.encode("utf-8", "surrogateescape") for w in self.vocab.words]
            if self.sort:
                by_rank = np.argsort(self._ranks)
                spellings = [spellings[i] for i in by_rank]
            self._spellings = spellings
        for f, (_, order) in zip(self._files, self.outputs):
            orders = list(range(1, len(ngrams) + 1)) if order == 0 else [order] if order <= len(ngrams) else []
            lines = CountLines(self._spellings, [np.ascontiguousarray(ngrams[n - 1], dtype=ID_DTYPE) for n in orders],
                               [counts[n - 1] for n in orders], [None] * len(orders), None)
            while len(chunk := lines.chunk(_WRITE_BYTES)):
                f.write(chunk)


def merge_counts_within_budget(vocab: Vocabulary, order: int, budget: int, outputs: list[tuple[str, int]],
                               options: TextOptions, *, texts: list[tuple[str, str]], reads: list[tuple[str, str]],
                               sort: bool, limit_vocab: bool, quiet: bool, threads: int | None,
                               zero_prefixes: bool = False) -> None:
    """Texts and count files, each given as (path to read, name for errors), added up and written to `outputs`
    ((path, order; 0 for all)) within `budget` bytes (ngram-count -read, ngramlm count --read): the counts are
    sorted into runs on disk beyond the budget and merged into the count files (CountFileMerge), the files as
    the in-memory path writes them. The texts are counted first, as one source, within half the budget. `vocab`
    ends holding every word read. `zero_prefixes`: as CountFileMerge's (ngram-count's SRILM count trie)."""
    with CountFileMerge(vocab, order, budget, sort=sort, zero_prefixes=zero_prefixes) as merge:
        if texts:
            count_files([path for path, _ in texts], order, vocab, options, memory=budget // 2, quiet=quiet,
                        threads=threads, sink=merge.add_text(", ".join(name for _, name in texts)))
        for path, name in reads:
            merge.read(path, name=name, limit_vocab=limit_vocab, tolower=options.tolower, errors=options.errors,
                       quiet=quiet)
        with CountFileWriter(vocab, outputs, sort=sort) as writer:
            merge.write(writer, quiet=quiet)
