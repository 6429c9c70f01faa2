"""KenLM's `lmplz` estimation for counts larger than memory: the counts on disk, each order read a slice at a
time, and the ARPA file written as the probabilities are computed.

The arithmetic is ngramlm.smoothing.lmplz's (its stage functions run on slices, so the model is the same to the
last bit); what differs is where the numbers live. The in-memory `Lmplz` holds every n-gram of every order at
once, several arrays of each: a 5-gram model of 100M words needs about 9 GB that way. Here the stages are
arranged as lmplz arranges them, each order passed over in slices, with files between the passes:

  1. counting (count_files with a CountsOnDisk as its sink) writes each order's sorted n-grams and counts to
     files in a temporary folder;
  2. the index pass, orders 2..N: each n-gram's context row and suffix row go to files, and the suffixes tally
     the continuation counts of the order below, which completes its adjusted counts (also a file). Contexts
     are found by one merge walk over the sorted order below (_ContextWalk); suffixes, which come in no order,
     are searched among the order below's keys a chunk of rows at a time (_Buckets: the n-grams' search keys
     split by chunk into files, each chunk's keys and continuation counts held while its part is searched);
  3. the discounts, from each order's count-of-counts;
  4. the probability pass, orders 1..N: a slice of whole contexts at a time, u and gamma (initial_probabilities),
     then p = u + gamma p_lower (interpolate), with p_lower of each n-gram's suffix gathered beforehand from the
     order below a chunk at a time (_gather). p, gamma and the "is a context" flags go to files as their
     contexts are seen, and once those of the order below are complete, that order is written to the ARPA file.

So memory holds slices of n-grams (budget_slice_rows) and chunks of a lower order (budget_chunk_rows), never a
whole order: under a budget, the peak does not grow with the text (but for the vocabulary).

lmplz's model options (LmplzConfig: --prune, --limit_vocab_file, --interpolate_unigrams, --vocab_pad,
--collapse_values, --verbose_header, --intermediate) act here: pruning marks n-grams after the index pass
(_mark_pruned), which the probability pass leaves out of the file while their mass goes to the back-off.

Sections are written in the counts' order (n-grams sorted by word ids), not in SRILM's (write_arpa): an ARPA
section's order carries no meaning, and sorting a section larger than memory would be one more pass on disk.

In:  an LmplzConfig (text files, order, Vocabulary, TextOptions, memory budget, temporary folder: train_lmplz), or
     counts made with a CountsOnDisk sink and their Vocabulary (LmplzOnDisk).
Out: the ARPA file, written atomically as it is computed (and KenLM's intermediate files, with --intermediate),
     and the estimator, whose sizes() and discounts describe it: without the model options, the model of
     ngramlm.smoothing.lmplz.Lmplz to the last bit.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Callable, Collection, Iterator, Sequence

import numpy as np

from .._ext import _arpa
from ..corpora.reader import TextOptions
from ..counting.corpus_count import count_files
from ..counting.counts import COUNT_DTYPE
from ..counting.memory import DEFAULT_MEMORY, parse_memory
from ..formats.kenlm_intermediate import IntermediateWriter
from ..formats.arpa import ARPA_END, arpa_header, section_title, shown_weights
from ..core.errors import ModelError
from ..core.index import sort_keys
from ..core.io import atomic_write, iter_lines, split_words
from ..core.workdir import make_work_folder, remove_work_folder
from ..core.progress import Progress
from ..core.row_file import RowFile
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID, Vocabulary
from .lmplz import (ContextsAndSuffixes, count_of_counts, initial_probabilities, interpolate, interpolate_with_uniform,
                    kneser_ney_discounts, probabilities_to_log10)
from .modified_kneser_ney_discounts import full_fallback

# N-grams per slice read from disk: bounds the temporaries of a slice (about 140 MB at most, order 5), fewer
# under a small memory budget (budget_slice_rows).
SLICE_ROWS = 1 << 20


def budget_slice_rows(memory: str | int) -> int:
    """N-grams per slice under a memory budget: a slice's temporaries (about 140 bytes per n-gram) take about
    half of it, between 64K and SLICE_ROWS n-grams."""
    return max(min(1 << 16, SLICE_ROWS), min(SLICE_ROWS, parse_memory(memory) // 256))


# Rows of a lower order held at once where its n-grams are looked up by row or key in no particular order (the
# suffixes): the whole order where it fits (no budget), else a chunk (budget_chunk_rows).
CHUNK_ROWS = 1 << 40


def budget_chunk_rows(memory: str | int) -> int:
    """Rows of a lower order held at once under a memory budget: a chunk (search keys, continuation counts and
    their tally, 24 bytes a row) takes the other half of it, at least 64K rows."""
    return max(min(1 << 16, CHUNK_ROWS), min(CHUNK_ROWS, parse_memory(memory) // 48))


@dataclass
class LmplzConfig:
    """What one `ngramlm train` run (KenLM's `lmplz -o ORDER`) is asked to do: the counterpart of KenLM's
    PipelineConfig, filled from the command line by cli/train.py (its defaults are the command's) or in Python.

    Args:
        texts: training text files, one sentence per line (.gz/.bz2/.xz by extension, - for standard input).
        order: order N of the model.
        arpa: where to write the ARPA model (compressed by extension; - for standard output).
        vocab: a closed vocabulary (other words count as <unk>); None: every word of the text.
        text_options: how lines become sentences (lower-casing, <s> and </s>, bad bytes).
        unk: keep <unk> in the model, or leave out every n-gram that contains it.
        discount_fallback: D1, D2, D3+ (one to three values) used, with a warning, where Kneser-Ney discounts
            cannot be estimated; None stops with ModelError there.
        memory: the budget of counting (bytes, or a size such as 2G; see count_files) and of estimation's slices
            (budget_slice_rows).
        temp_dir: where the counts and intermediate files are kept (None: the system's temporary folder).
        quiet: no progress display.

    lmplz's options that change the model (cli/train.py spells them as lmplz does):
        prune: --prune, count thresholds per order (see prune_thresholds): an n-gram whose raw count is at most
            its order's threshold is left out; () prunes nothing.
        limit_vocab: --limit_vocab_file's words: n-grams holding any other word (but <s>, </s>, <unk>) are left
            out. Pruned n-grams still count as continuations for the lower orders and in the discounts.
        interpolate_unigrams: --interpolate_unigrams; False gives <unk> the unigrams' whole interpolation mass.
        vocab_pad: --vocab_pad, the least vocabulary size of the uniform distribution.
        collapse_values: --collapse_values: each n-gram gets one value q that scores sentences as p and b do
            (Heafield, Koehn & Lavie 2012) and a back-off of 0.
        verbose_header: --verbose_header: comment lines (input files, token count, smoothing) before \\data\\.
        intermediate: --intermediate PREFIX: also write KenLM's intermediate files (formats.kenlm_intermediate);
            with arpa=None, only them.
    """

    texts: Sequence[str]
    order: int
    arpa: str | None = "-"
    vocab: Vocabulary | None = None
    text_options: TextOptions = field(default_factory=TextOptions)
    unk: bool = True
    discount_fallback: Sequence[float] | None = None
    memory: str | int = DEFAULT_MEMORY
    temp_dir: str | None = None
    quiet: bool = False
    prune: Sequence[int] = ()
    limit_vocab: Collection[str] | None = None
    interpolate_unigrams: bool = True
    vocab_pad: int = 0
    collapse_values: bool = False
    verbose_header: bool = False
    intermediate: str | None = None


def prune_thresholds(values: Sequence[int], order: int) -> list[int]:
    """lmplz's --prune values as one threshold per order: at most one value per order, non-decreasing (else a
    kept n-gram could lose its context or suffix), the last repeated for the orders above; none: no pruning."""
    values = [int(v) for v in values]
    if not values:
        return [0] * order
    if len(values) > order:
        raise ModelError(f"--prune: thresholds for orders 1 through {len(values)} given, but the model only has "
                         f"order {order}")
    if any(v < 0 for v in values) or any(b < a for a, b in zip(values, values[1:])):
        raise ModelError("--prune: thresholds must be non-negative and non-decreasing (otherwise substrings would "
                         "be removed, which is bad for query-time data structures)")
    return values + [values[-1]] * (order - len(values))


def read_word_list(path: str) -> set[str]:
    """The words of a file separated by white space (lmplz's --limit_vocab_file)."""
    return {word for _, line in iter_lines(path) for word in split_words(line)}


def train_lmplz(config: LmplzConfig,
                before_writing: Callable[["LmplzOnDisk"], None] | None = None) -> "LmplzOnDisk":
    """Text files to an ARPA file, estimated as KenLM's `lmplz -o ORDER` estimates (`ngramlm train`).

    The counts go to a temporary folder in `config.temp_dir` (removed at the end), counted within the
    `config.memory` budget (see count_files); `before_writing`, if given, sees the estimator once its n-grams and
    discounts are known. Returns the estimator, whose `sizes()` and `discounts` describe the model written.
    """
    vocab = config.vocab if config.vocab is not None else Vocabulary()
    with CountsOnDisk(config.order, config.temp_dir, drop_word=None if config.unk else UNK_ID) as counts:
        vocab = count_files(config.texts, config.order, vocab, config.text_options, memory=config.memory,
                            quiet=config.quiet, temp_dir=config.temp_dir, sink=counts).vocab
        banned = None
        if config.limit_vocab is not None:
            banned = np.ones(len(vocab), dtype=bool)
            banned[[vocab.id(word) for word in config.limit_vocab if word in vocab]] = False
            banned[[UNK_ID, BOS_ID, EOS_ID]] = False
        estimator = LmplzOnDisk(counts, vocab, unk=config.unk, discount_fallback=config.discount_fallback,
                                quiet=config.quiet, prune=prune_thresholds(config.prune, config.order),
                                banned=banned, interpolate_unigrams=config.interpolate_unigrams,
                                vocab_pad=config.vocab_pad, collapse_values=config.collapse_values,
                                slice_rows=budget_slice_rows(config.memory),
                                chunk_rows=budget_chunk_rows(config.memory))
        if config.verbose_header:
            estimator.header = verbose_header(config.texts, estimator)
        if config.intermediate is not None:
            estimator.intermediate = IntermediateWriter(config.intermediate, vocab.words, config.order,
                                                        config.collapse_values)
        if before_writing is not None:
            before_writing(estimator)
        estimator.write_arpa(config.arpa)
    return estimator


def verbose_header(texts: Sequence[str], estimator: "LmplzOnDisk") -> bytes:
    """lmplz's --verbose_header lines: the input files, the number of words read (markers not counted) and the
    smoothing."""
    names = ", ".join("stdin" if path == "-" else os.path.abspath(path) for path in texts)
    counts = estimator.unigram_counts
    words = estimator.unigrams[:, 0]
    tokens = int(counts.sum() - counts[np.isin(words, [BOS_ID, EOS_ID])].sum())
    return (f"# Input file: {names}\n# Token count: {tokens}\n# Smoothing: Modified Kneser-Ney\n").encode("utf-8")


def _rows(values: np.ndarray | RowFile, start: int, stop: int) -> np.ndarray:
    """Rows start..stop-1 of an array in memory or in a file."""
    return values[start:stop] if isinstance(values, np.ndarray) else values.read(start, stop)


class _Buckets:
    """Values (queries into a table of rows) split by the chunk of the table that each one needs, so that the
    table is held a chunk at a time: `parts[j]` holds the values that need chunk j, in their order, and `merge`
    puts the answers of the chunks back in the values' order. One chunk: its part is all the values and its
    answers are the output itself. Each chunk's part is an open file while the values are split (at most 14
    chunks at -S 64M on 20M words: far below the usual limit of open files)."""

    def __init__(self, counts: "CountsOnDisk", name: str, chunks: int, dtype):
        self.counts, self.name, self.chunks = counts, name, chunks
        self.ids = counts.column(f"{name}-chunk", np.int32) if chunks > 1 else None  # each value's chunk
        self.parts = [counts.column(f"{name}-{j}", dtype) for j in range(chunks)]

    def append(self, values: np.ndarray, ids: np.ndarray | None) -> None:
        """The next values and the chunk each needs (None: one chunk)."""
        if self.ids is None:
            self.parts[0].append(values)
            return
        self.ids.append(ids)
        for j, at in self._by_chunk(ids):
            self.parts[j].append(values[at])

    def answers(self, j: int, out: RowFile) -> RowFile:
        """Where chunk j's answers go: `out` itself where there is one chunk."""
        return out if self.ids is None else self.counts.column(f"{self.name}-answers-{j}", out.dtype)

    def merge(self, answers: list[RowFile], out: RowFile, slice_rows: int) -> None:
        """Append to `out` the answers (one per value, each chunk's in its part's order) in the values' order."""
        if self.ids is None:
            return
        taken = [0] * self.chunks
        for start, stop in _slices(self.ids.rows, slice_rows):
            piece = np.empty(stop - start, dtype=out.dtype)
            for j, at in self._by_chunk(self.ids.read(start, stop)):
                piece[at] = answers[j].read(taken[j], taken[j] + len(at))
                taken[j] += len(at)
            out.append(piece)
        for column in answers + [self.ids]:
            column.discard()

    def _by_chunk(self, ids: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """(chunk, positions of the values that need it, in order) for each chunk that some value needs."""
        order = np.argsort(ids, kind="stable")
        ends = np.searchsorted(ids[order], np.arange(self.chunks + 1))
        for j in np.flatnonzero(np.diff(ends)):
            yield int(j), order[ends[j]:ends[j + 1]]


class CountsOnDisk:
    """N-gram counts of every order in files of a temporary folder, filled by count_files (it is a CountSink).

    Each order's n-grams and counts are appended range by range, in the sorted order count_files gives them;
    `drop_word`, where given, leaves out every n-gram that contains it (lmplz without <unk>). A context
    manager: the folder is removed on leaving. Estimation adds its own columns to the folder (`column`).
    """

    def __init__(self, order: int, temp_dir: str | None = None, drop_word: int | None = None):
        self.folder = make_work_folder("ngramlm-counts-", temp_dir)  # removed by the next run if we are killed
        self.drop_word = drop_word
        self._columns: list[RowFile] = []  # every file opened in the folder, closed on leaving
        self.ngrams = [self.column(f"{n}-grams", ID_DTYPE, n) for n in range(1, order + 1)]
        self.counts = [self.column(f"{n}-counts", COUNT_DTYPE) for n in range(1, order + 1)]

    @property
    def order(self) -> int:
        return len(self.ngrams)

    def sizes(self) -> list[int]:
        return [column.rows for column in self.counts]

    def column(self, name: str, dtype, width: int = 1) -> RowFile:
        """A new file of rows in the folder."""
        self._columns.append(RowFile(os.path.join(self.folder, name), dtype, width))
        return self._columns[-1]

    def __call__(self, ngrams: list[np.ndarray], counts: list[np.ndarray]) -> None:
        for grams, totals, grams_file, counts_file in zip(ngrams, counts, self.ngrams, self.counts):
            if self.drop_word is not None:
                keep = ~np.any(grams == self.drop_word, axis=1)
                grams, totals = grams[keep], totals[keep]
            grams_file.append(grams)
            counts_file.append(totals)

    def __enter__(self) -> "CountsOnDisk":
        return self

    def __exit__(self, *exc) -> None:
        for column in self._columns:
            column.close()
        remove_work_folder(self.folder)


class _ContextWalk:
    """Rows of the contexts (first n-1 words) of sorted n-grams among the sorted (n-1)-grams of a file, found in
    one walk down that file: the contexts of successive slices never go back, so only a window of it is read
    (the rows from the last context found on, extended a slice at a time as far as the slice's last context)."""

    def __init__(self, lower: RowFile, vocab_size: int):
        self.lower, self.start, self.vocab_size = lower, 0, vocab_size
        # sort_keys: one value per row that sorts as the rows do, so np.searchsorted can search the window
        self.window = sort_keys(np.empty((0, lower.width), dtype=ID_DTYPE), vocab_size)

    def rows(self, grams: np.ndarray) -> np.ndarray:
        changed = np.ones(len(grams), dtype=bool)
        changed[1:] = np.any(grams[1:, :-1] != grams[:-1, :-1], axis=1)
        starts = np.flatnonzero(changed)
        wanted = sort_keys(grams[starts, :-1], self.vocab_size)
        end = self.start + len(self.window)
        while end < self.lower.rows and (not len(self.window) or self.window[-1] < wanted[-1]):
            more = sort_keys(self.lower.read(end, end + len(starts)), self.vocab_size)
            self.window, end = np.concatenate((self.window, more)), end + len(more)
        at = np.searchsorted(self.window, wanted)
        if len(self.window) == 0 or np.any(at == len(self.window)) or np.any(self.window[at] != wanted):
            raise ModelError(f"some n-grams have no {grams.shape[1] - 1}-gram context among the counts; KenLM's "
                             "estimator needs every prefix of a counted n-gram counted (counts of a text have them)")
        at += self.start
        # The next slice may begin with this slice's last context: keep the window from there.
        self.window = self.window[int(at[-1]) - self.start:].copy()
        self.start = int(at[-1])
        run = np.cumsum(changed, dtype=np.int64)
        run -= 1
        return at[run]


def _slices(size: int, rows: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive slices of `rows` rows (SLICE_ROWS by default) that cover `size` rows."""
    rows = rows or SLICE_ROWS
    return ((start, min(start + rows, size)) for start in range(0, size, rows))


class LmplzOnDisk:
    """KenLM's `lmplz` estimation (see ngramlm.smoothing.lmplz.Lmplz, whose model this is) of counts on disk.

    Construction runs the index pass and finds the discounts (a fallback warning is issued here, an undefined
    discount raises ModelError), so `sizes` and `discounts` can be reported before `write_arpa` runs the
    probability pass.

    Args:
        counts: the counts, made with CountsOnDisk(order, drop_word=None if unk else UNK_ID) as sink.
        vocab: their vocabulary.
        unk: whether <unk> is in the model (as for Lmplz; it must agree with the counts' drop_word).
        discount_fallback: as for Lmplz.
        quiet: no progress display.
        prune: a count threshold per order (prune_thresholds), or None.
        banned: per word id, whether n-grams holding it are left out (--limit_vocab_file), or None.
        interpolate_unigrams, vocab_pad, collapse_values: see LmplzConfig.
        slice_rows: n-grams per slice read from disk (SLICE_ROWS if None, or if fewer).
        chunk_rows: rows of a lower order held at once for the suffixes' lookups (CHUNK_ROWS if None, or if
            fewer; see _Buckets).
    """

    def __init__(self, counts: CountsOnDisk, vocab: Vocabulary, *, unk: bool = True,
                 discount_fallback: Sequence[float] | None = None, quiet: bool = True,
                 prune: Sequence[int] | None = None, banned: np.ndarray | None = None,
                 interpolate_unigrams: bool = True, vocab_pad: int = 0, collapse_values: bool = False,
                 slice_rows: int | None = None, chunk_rows: int | None = None):
        self.counts, self.vocab, self.quiet = counts, vocab, quiet
        self.slice_rows = min(SLICE_ROWS, slice_rows or SLICE_ROWS)
        self.chunk_rows = min(CHUNK_ROWS, chunk_rows or CHUNK_ROWS)
        self.prune = list(prune) if prune is not None else [0] * counts.order
        self.banned = banned
        self.interpolate_unigrams, self.vocab_pad, self.collapse_values = interpolate_unigrams, vocab_pad, \
            collapse_values
        self.header = b""  # lines written before \data\ (verbose_header)
        self.intermediate: IntermediateWriter | None = None  # also given every n-gram written, where set
        # Every vocabulary word is a unigram: the unseen ones, <unk> and <s> with count 0; but </s> only where the
        # text has it (lmplz leaves it out of a text whose one line has no newline, and so ends no sentence).
        unigram_counts = np.zeros(len(vocab), dtype=np.int64)
        seen = counts.ngrams[0].read(0, counts.ngrams[0].rows)
        unigram_counts[seen] = counts.counts[0].read(0, len(seen))
        words = np.arange(len(vocab), dtype=ID_DTYPE)
        left_out = ([] if unk else [UNK_ID]) + ([] if unigram_counts[EOS_ID] else [EOS_ID])
        self.unigrams = words[~np.isin(words, left_out)][:, None]
        self.unigram_counts = unigram_counts[self.unigrams[:, 0]]
        self._sizes = [len(self.unigrams)] + counts.sizes()[1:]
        self.context: list[RowFile | None] = [None]
        self.suffix: list[RowFile | None] = [None]
        # Adjusted counts: the unigrams' in memory, the other orders' in files (the highest's are its counts).
        self.adjusted: list[np.ndarray | RowFile | None] = [None] * self.order
        self.adjusted[-1] = counts.counts[-1] if self.order > 1 else None
        self.count_of_counts = np.zeros((self.order, 5), dtype=np.int64)
        self._index()
        fallback = full_fallback(discount_fallback)
        self.discounts = [kneser_ney_discounts(n, k + 1, fallback) for k, n in enumerate(self.count_of_counts)]
        self._mark_pruned()

    @property
    def order(self) -> int:
        return self.counts.order

    def sizes(self) -> list[int]:
        """Number of n-grams per order in the model (less those pruned), lowest first."""
        return list(self._kept)

    def _mark_pruned(self) -> None:
        """Which n-grams --prune and --limit_vocab_file leave out (self.pruned: per order None, or a mask: in
        memory for unigrams, a file above), as lmplz's adjust_counts marks them: by raw count against the order's
        threshold, or for holding a word outside the limit vocabulary; <s>, </s> and <unk> are always kept. The
        masks only decide what is written and where the mass goes (initial_probabilities): adjusted counts and
        discounts are those of every n-gram."""
        self.pruned: list[np.ndarray | RowFile | None] = [None] * self.order
        self._kept = list(self._sizes)
        if self.banned is None and not any(self.prune):
            return
        for k in range(self.order):
            if k == 0:
                mask = self._prune_mask(0, self.unigrams, self.unigram_counts)
                mask &= ~np.isin(self.unigrams[:, 0], [UNK_ID, BOS_ID, EOS_ID])
                self.pruned[0] = mask
                self._kept[0] -= int(np.count_nonzero(mask))
                continue
            self.pruned[k] = self.counts.column(f"{k + 1}-pruned", np.bool_)
            for start, stop in _slices(self._sizes[k], self.slice_rows):
                grams, raw = self.counts.ngrams[k].read(start, stop), self.counts.counts[k].read(start, stop)
                mask = self._prune_mask(k, grams, raw)
                self.pruned[k].append(mask)
                self._kept[k] -= int(np.count_nonzero(mask))

    def _prune_mask(self, k: int, grams: np.ndarray, raw: np.ndarray) -> np.ndarray:
        mask = raw <= self.prune[k] if self.prune[k] > 0 else np.zeros(len(raw), dtype=bool)
        if self.banned is not None:
            mask |= self.banned[grams].any(axis=1)
        return mask

    def _uniform_size(self) -> int:
        """|V| of the unigrams' uniform distribution, as lmplz counts it: the unigrams of the model but <s>
        (pruned ones left out), at least --vocab_pad."""
        return max(self.vocab_pad, self._kept[0] - int(np.count_nonzero(self.unigrams[:, 0] == BOS_ID)))

    def _pruned_rows(self, k: int, start: int, stop: int) -> np.ndarray | None:
        """The pruned mask of the (k+1)-grams start..stop-1 (None: no pruning)."""
        mask = self.pruned[k]
        return mask if mask is None else mask[start:stop] if k == 0 else mask.read(start, stop)

    def _index(self) -> None:
        """The index pass (module docstring, step 2), with each order's count-of-counts."""
        # Bigrams: contexts and suffixes are unigram rows, and the unigrams' continuation counts fit in memory.
        index = ContextsAndSuffixes(self.unigrams, len(self.vocab))
        keys: list[RowFile | None] = [None] * self.order  # each order's search keys (but the highest's)
        with Progress("indexing", unit="n-grams", total=sum(self._sizes[1:]), quiet=self.quiet) as progress:
            for k in range(1, self.order):
                size, last_order = self._sizes[k], k + 1 == self.order
                row_dtype = np.int32 if self._sizes[k - 1] < 2**31 else np.int64
                self.context.append(self.counts.column(f"{k + 1}-context", row_dtype))
                self.suffix.append(self.counts.column(f"{k + 1}-suffix", row_dtype))
                keys[k] = None if last_order else self.counts.column(f"{k + 1}-keys", np.int64)
                if k == 1:
                    continuation = np.zeros(self._sizes[0], dtype=np.int64)
                    for start, stop in _slices(size, self.slice_rows):
                        grams = self.counts.ngrams[1].read(start, stop)
                        context, suffix = index.locate(grams, continuation)
                        self.context[1].append(context)
                        self.suffix[1].append(suffix)
                        if not last_order:
                            keys[1].append(index.key(context, grams[:, -1]))
                        progress.update(stop - start)
                else:
                    continuation = self._locate(k, index, keys, progress)
                    keys[k - 1].discard()  # the search for this order's suffixes was its last use
                self._adjust(k - 1, continuation)
                del continuation
        if self.order == 1:
            self._adjust(0, np.zeros(len(self.unigrams), dtype=np.int64))
        else:
            for start, stop in _slices(self._sizes[-1], self.slice_rows):
                self._tally(self.order - 1, self.counts.counts[-1].read(start, stop))

    def _locate(self, k: int, index: ContextsAndSuffixes, keys: list[RowFile | None], progress: Progress) -> RowFile:
        """Context and suffix rows (and keys) of the (k+1)-grams, k >= 2; returns the continuation counts of the
        k-grams (a file). Contexts come from a merge walk down the k-grams. The suffix of w_1..w_n is (suffix of
        its context) + w_n: its key (ContextsAndSuffixes.locate) takes the context's suffix row, read from the
        k-grams' file in one walk too (contexts come in order), and is searched among the k-grams' keys a chunk
        of them at a time (_Buckets), where the chunk's continuation counts are tallied."""
        lower_size, chunk_rows = self._sizes[k - 1], self.chunk_rows
        chunks = -(-lower_size // chunk_rows)
        # The first key of each chunk but the first: a key's chunk is the number of them at or below it.
        bounds = np.array([keys[k - 1].read(j * chunk_rows, j * chunk_rows + 1)[0] for j in range(1, chunks)],
                          dtype=np.int64)
        queries = _Buckets(self.counts, f"{k + 1}-queries", chunks, np.int64)
        walk = _ContextWalk(self.counts.ngrams[k - 1], len(self.vocab))
        for start, stop in _slices(self._sizes[k], self.slice_rows):
            grams = self.counts.ngrams[k].read(start, stop)
            context = walk.rows(grams)
            self.context[k].append(context)
            first = int(context[0])
            context_suffix = self.suffix[k - 1].read(first, int(context[-1]) + 1)[context - first]
            query = index.key(context_suffix, grams[:, -1])
            queries.append(query, np.searchsorted(bounds, query, side="right") if chunks > 1 else None)
            if keys[k] is not None:
                keys[k].append(index.key(context, grams[:, -1]))
            progress.update(stop - start)
            del grams, context, context_suffix, query
        del walk
        continuation = self.counts.column(f"{k}-continuation", np.int64)
        answers = []
        for j, part in enumerate(queries.parts):
            table = keys[k - 1].read(j * chunk_rows, (j + 1) * chunk_rows)
            tally = np.zeros(len(table), dtype=np.int64)
            answers.append(queries.answers(j, self.suffix[k]))
            for start, stop in _slices(part.rows, self.slice_rows):
                query = part.read(start, stop)
                # searched in sorted order: several times faster than in the n-grams' order (the cache)
                order = np.argsort(query)
                at = np.empty(len(query), dtype=np.int64)
                at[order] = np.minimum(np.searchsorted(table, query[order]), len(table) - 1)
                del order
                if np.any(table[at] != query):
                    raise ModelError(f"some n-grams have no {k}-gram suffix among the counts; KenLM's estimator "
                                     "needs every prefix and suffix of a counted n-gram counted (counts of a text "
                                     "have them)")
                tally += np.bincount(at, minlength=len(table))
                at += j * chunk_rows
                answers[j].append(at)
                del query, at
            continuation.append(tally)
            part.discard()
            del table, tally
        queries.merge(answers, self.suffix[k], self.slice_rows)
        return continuation

    def _adjust(self, k: int, continuation: np.ndarray | RowFile) -> None:
        """Adjusted counts of order k+1 from their continuation counts (see lmplz.adjusted_counts): n-grams
        that begin with <s> keep their raw counts, the unigram <s> gets 0. The highest order of a unigram
        model has no continuation counts: its raw counts are its adjusted counts."""
        if k == 0:
            adjusted = continuation.astype(np.int64) if self.order > 1 else self.unigram_counts.copy()
            adjusted[self.unigrams[:, 0] == BOS_ID] = 0
            self.adjusted[0] = adjusted
            self._tally(0, adjusted)
            return
        self.adjusted[k] = self.counts.column(f"{k + 1}-adjusted", np.int64)
        for start, stop in _slices(self._sizes[k], self.slice_rows):
            first_words = self.counts.ngrams[k].read(start, stop)[:, 0]
            piece = np.where(first_words == BOS_ID, self.counts.counts[k].read(start, stop),
                             _rows(continuation, start, stop))
            self.adjusted[k].append(piece)
            self._tally(k, piece)

    def _tally(self, k: int, adjusted: np.ndarray) -> None:
        self.count_of_counts[k] += count_of_counts([adjusted])[0]

    def _context_slices(self, k: int) -> Iterator[tuple[int, int, np.ndarray]]:
        """(start, stop, context rows) of slices of the (k+1)-grams that hold whole contexts: a context has at
        most |V| n-grams, so a slice longer than that always ends after at least one whole context."""
        size, rows = self._sizes[k], max(self.slice_rows, len(self.vocab) + 1)
        start = 0
        while start < size:
            stop = min(start + rows, size)
            context = self.context[k].read(start, stop)
            if stop < size:  # end before the last context, which may go on past the slice
                cut = int(np.searchsorted(context, context[-1]))
                stop, context = start + cut, context[:cut]
            yield start, stop, context
            start = stop

    def write_arpa(self, path: str | None) -> None:
        """The probability pass (module docstring, step 4), writing the model to `path` (atomically;
        compressed by extension; - for standard output; None: to self.intermediate only)."""
        spellings = [w.encode("utf-8") for w in self.vocab.words]
        with (atomic_write(path, "wb") if path is not None else contextlib.nullcontext()) as f, \
                Progress("estimating", unit="n-grams", total=sum(self._sizes), quiet=self.quiet) as progress:
            if f is not None:
                f.write(self.header + arpa_header(self._kept))
            estimate, gamma = initial_probabilities(self.adjusted[0], self.discounts[0], None, 1, self.pruned[0])
            lower = interpolate_with_uniform(estimate, gamma[0], self.unigrams[:, 0], self.interpolate_unigrams,
                                             self._uniform_size())
            progress.update(self._sizes[0])
            for k in range(1, self.order):
                probs, gamma, is_context = self._probabilities(k, lower, progress)
                self._write_section(f, spellings, k - 1, lower, gamma, is_context)
                lower = probs
                del probs, gamma, is_context
            self._write_section(f, spellings, self.order - 1, lower, None, None)
            if f is not None:
                f.write(ARPA_END)
        if self.intermediate is not None:
            self.intermediate.close()

    def _probabilities(self, k: int, lower: np.ndarray | RowFile, progress: Progress):
        """p of the (k+1)-grams from p of the k-grams (`lower`), and gamma of the k-grams with which of them are
        contexts (files, written in row order as the contexts come: rows that are no context get gamma 1)."""
        gamma_all = self.counts.column(f"{k}-gamma", np.float64)
        is_context = self.counts.column(f"{k}-is-context", np.bool_)

        def up_to(row: int) -> None:  # rows before `row` not yet written are no contexts
            gamma_all.append(np.ones(row - gamma_all.rows))
            is_context.append(np.zeros(row - is_context.rows, dtype=bool))
        probs = self.counts.column(f"{k + 1}-probs", np.float64)
        lower_at_suffix = self._gather(lower, self.suffix[k], f"{k + 1}-lower-probs")
        for start, stop, context in self._context_slices(k):
            first = int(context[0])
            local = context - first
            span = int(context[-1]) - first + 1
            pruned = self._pruned_rows(k, start, stop)
            estimate, gamma = initial_probabilities(self.adjusted[k].read(start, stop), self.discounts[k], local,
                                                    span, pruned)
            up_to(first)
            gamma_all.append(gamma)
            flags = np.zeros(span, dtype=bool)
            flags[local if pruned is None else local[~pruned]] = True
            is_context.append(flags)
            # p of the suffixes, gathered in the n-grams' order: each n-gram's own row of it
            piece = interpolate(estimate, gamma, local, lower_at_suffix.read(start, stop), np.arange(stop - start))
            probs.append(piece)
            progress.update(stop - start)
            del context, local, estimate, gamma, piece, flags
        up_to(self._sizes[k - 1])
        lower_at_suffix.discard()
        return probs, gamma_all, is_context

    def _gather(self, values: np.ndarray | RowFile, rows: RowFile, name: str) -> RowFile:
        """values[rows] (a file, in the order of `rows`), `values` held a chunk of rows at a time (_Buckets)."""
        size = len(values) if isinstance(values, np.ndarray) else values.rows
        chunk_rows = 3 * self.chunk_rows  # 8 bytes a row, where the index pass holds 24
        chunks = -(-size // chunk_rows)
        out = self.counts.column(name, values.dtype)
        wanted = _Buckets(self.counts, name + "-rows", chunks, rows.dtype)
        for start, stop in _slices(rows.rows, self.slice_rows):
            piece = rows.read(start, stop)
            wanted.append(piece, piece // chunk_rows if chunks > 1 else None)
        answers = []
        for j, part in enumerate(wanted.parts):
            first = j * chunk_rows
            table = _rows(values, first, first + chunk_rows)
            answers.append(wanted.answers(j, out))
            for start, stop in _slices(part.rows, self.slice_rows):
                answers[j].append(table[part.read(start, stop) - first])
            part.discard()
            del table
        wanted.merge(answers, out, self.slice_rows)
        return out

    def _write_section(self, f, spellings: list[bytes], k: int, probs, gamma: RowFile | None,
                       is_context: RowFile | None) -> None:
        """Write the (k+1)-grams but those pruned: log10 p, and log10 gamma where write_arpa would show it
        (shown_weights); with collapse_values, q and 0 (_collapsed). `f` None: to self.intermediate only."""
        if f is not None:
            f.write(section_title(k + 1))
        q_all = self.counts.column(f"{k + 1}-q", np.float64) if self.collapse_values and k + 1 < self.order \
            else None
        # d of the suffixes (see _collapsed), gathered in the n-grams' order
        q_at_suffix = self._gather(self._q_lower, self.suffix[k], f"{k + 1}-lower-q") \
            if self.collapse_values and k else None
        for start, stop in _slices(self._sizes[k], self.slice_rows):
            grams = self.unigrams[start:stop] if k == 0 else self.counts.ngrams[k].read(start, stop)
            piece = _rows(probs, start, stop).copy()
            logbow = np.zeros(stop - start) if gamma is None else np.log10(gamma.read(start, stop))
            if self.collapse_values:
                logprob = self._collapsed(k, start, stop, piece, logbow, q_all,
                                          None if q_at_suffix is None else q_at_suffix.read(start, stop))
                logbow = np.zeros(stop - start)
            else:
                logprob = probabilities_to_log10(piece)
            show = np.zeros(stop - start, dtype=bool) if gamma is None else \
                shown_weights(is_context.read(start, stop), logbow)
            pruned = self._pruned_rows(k, start, stop)
            if pruned is not None:
                grams, logprob, logbow, show = grams[~pruned], logprob[~pruned], logbow[~pruned], show[~pruned]
            if self.intermediate is not None:
                self.intermediate.add(k, grams, logprob, logbow)
            if f is None:
                continue
            f.write(_arpa.format_ngram_lines(spellings, np.ascontiguousarray(grams, dtype=ID_DTYPE), logprob,
                                             logbow, show.view(np.uint8)))
        if self.collapse_values:
            if q_at_suffix is not None:
                q_at_suffix.discard()
            self._q_lower, self._gamma_lower = q_all, gamma

    def _collapsed(self, k: int, start: int, stop: int, probs: np.ndarray, logbow: np.ndarray,
                   q_all: RowFile | None, q_at_suffix: np.ndarray | None) -> np.ndarray:
        """lmplz's --collapse_values: log10 q(w_1..w_n) = log10 p(w_n | w_1..w_n-1) + d(w_1..w_n), with
        d(w) = log10 b(w) for unigrams and d(w_1..w_n) = d(w_2..w_n) - log10 gamma(w_1..w_n-1) + log10 b(w_1..w_n)
        (KenLM's OutputQ; Heafield, Koehn & Lavie 2012), not clipped at 0. d of this order goes to `q_all`."""
        with np.errstate(divide="ignore"):
            logprob = np.log10(probs)
        d = logbow.copy()
        if k:
            d += q_at_suffix
            context = self.context[k].read(start, stop)  # sorted: gamma is read for their range only
            first = int(context[0])
            d -= np.log10(self._gamma_lower.read(first, int(context[-1]) + 1)[context - first])
        if q_all is not None:
            q_all.append(d)
        return logprob + d
