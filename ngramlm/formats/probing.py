"""The query index's tables in KenLM's probing layout, and their builder: a back-off model in, arrays out.

Unigram arrays by word id and, per higher order, an open-addressing table of 64-bit hashes (ext/_query.pyx holds
the hashing, the builder that fills the tables (IndexBuilder) and the probing loops). Two details carry KenLM's semantics exactly:
  * an n-gram whose back-off weight is zero and which begins no longer n-gram is marked "never extends"
    (weight -0.0), and the state drops it: states are equal exactly when the context that can still matter is
    equal (KenLM's lm/blank.hh);
  * where a model lacks an n-gram's suffix (SRILM's pruning leaves such holes), the suffix is inserted as a
    "blank" whose probability is the backed-off one, so that the search, which walks from the word back into
    its context, can stop at the first miss (KenLM's search_hashed.cc does the same).

These arrays live in formats/, below both of their users: they are the content of the binary format (binary.py
writes and memory-maps them as they are), and ngramlm.use.query scores with them, so query loads binary files
without binary ever reaching up into use/.

In:  a BackoffModel (every word of an n-gram a unigram, unless build_index's any_words; at most
     ngramlm._ext._query.ORDER_LIMIT orders), or an ARPA file (load_arpa: its n-grams go into the tables a block
     at a time as the file is read, without read_arpa's sort and BackoffModel), the log10 probability of a
     missing <unk>, and the probing multiplier.
Out: IndexTables: float32 unigram arrays by word id and one open-addressing table of 64-bit keys per higher order.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np

from .._ext import _query
from ..core.constants import KENLM_MISSING_UNK_LOGPROB
from ..core.errors import InputError, ModelError
from ..core.model import BackoffModel
from ..core.vocab import UNK_ID, Vocabulary

# KenLM's Config::unknown_missing_logprob: the log10 probability of <unk> in a model that does not have it.
UNKNOWN_MISSING_LOGPROB = KENLM_MISSING_UNK_LOGPROB


@dataclass
class IndexTables:
    """The arrays of a query index (what the binary format stores and memory-maps).

    `word_blob` holds the spellings of the words by id (UTF-8, NUL-separated) and `vocab_table` maps their
    64-bit hashes to ids (so no Python dictionary of the vocabulary is needed to score text); unigram_* are
    indexed by word id; `middle[k]` is the hash table of the (k+2)-grams; `longest` the table of the highest
    order (None for a unigram model). Back-off weights carry the "never extends" mark (-0.0). `quantization` is
    (probability bits, back-off bits) for tables decoded from a quantised binary file, None for exact values.
    `blanks` (tables built in this process; a binary file does not store them): per order n at index n - 1, the
    sorted keys of the n-grams the builder inserted as blanks (None for an order without any), so that the
    model's own n-grams can be told from them (HashIndex.score_backoff).
    """

    order: int
    word_blob: np.ndarray
    vocab_table: np.ndarray
    unigram_prob: np.ndarray
    unigram_bow: np.ndarray
    unigram_present: np.ndarray
    middle: list[np.ndarray]
    longest: np.ndarray | None
    sizes: list[int]
    has_unk: bool
    quantization: tuple[int, int] | None = None
    blanks: list | None = None

    def words(self) -> list[str]:
        """The spellings of the words, by id."""
        return self.word_blob.tobytes().decode("utf-8").split("\0")


def build_index(model: BackoffModel, unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
                probing_multiplier: float = _query.PROBING_MULTIPLIER, *, any_words: bool = False) -> IndexTables:
    """Build the hash tables of `model` (its vocabulary ids are kept: <unk> 0, <s> 1, </s> 2).

    `probing_multiplier` is the number of buckets per n-gram (KenLM's build_binary -p, default 1.5): lower saves
    memory, at the cost of longer probes. `any_words` (BackoffScorer's index, scored by HashIndex.score_backoff
    only): a word of an n-gram that is no unigram becomes a context-only unigram (NaN probability) instead of an
    error, and ids beyond the vocabulary's words get stand-in spellings.
    """
    order = model.order
    _check_shape(order, probing_multiplier)
    words = list(model.vocab.words)
    grams = [np.ascontiguousarray(g, dtype=np.uint32) for g in model.ngrams]
    vocab_size = max([len(words)] + [int(g.max()) + 1 for g in grams if len(g)])
    if vocab_size > len(words):
        if not any_words:
            raise ModelError(f"an n-gram has word id {vocab_size - 1}, beyond the {len(words)} words of the vocabulary")
        words += [f"<ngramlm-id-{i}>" for i in range(len(words), vocab_size)]
    present = np.zeros(vocab_size, bool)
    present[grams[0][:, 0]] = True
    used = np.zeros(vocab_size, bool)
    for k in range(1, order):
        if any_words:
            used[grams[k].ravel()] = True
            continue
        unknown = ~present[grams[k]].all(axis=1)
        if unknown.any():
            row = grams[k][np.argmax(unknown)]
            raise ModelError(f"the {k + 1}-gram '{' '.join(model.vocab.decode(row))}' has a word that is not a unigram "
                             "of the model; every word of an n-gram must be a unigram")
    contexts_only = np.flatnonzero(used & ~present).astype(np.uint32)
    unigram_rows, unigram_probs, unigram_bows = grams[0][:, 0], model.logprob[0], model.logbow[0]
    if len(contexts_only):
        unigram_rows = np.concatenate([unigram_rows, contexts_only])
        unigram_probs = np.concatenate([unigram_probs, np.full(len(contexts_only), np.nan)])
        unigram_bows = np.concatenate([unigram_bows, np.zeros(len(contexts_only))])
    unigrams = _unigram_arrays(vocab_size, order, unigram_rows, unigram_probs, unigram_bows, unknown_logprob)
    builder = None
    if order > 1:
        builder = _query.IndexBuilder(unigrams[0], unigrams[1], [len(g) for g in grams], probing_multiplier)
    for n in range(2, order + 1):
        problem = builder.add(n, grams[n - 1], np.ascontiguousarray(model.logprob[n - 1], np.float32),
                              np.ascontiguousarray(model.logbow[n - 1], np.float32) if n < order else None)
        if problem is not None:
            raise ModelError(problem)
    return _index_tables(words, order, unigrams, builder, model.sizes())


def _check_shape(order: int, probing_multiplier: float) -> None:
    if not 1.0 < probing_multiplier < float("inf"):
        raise ModelError(f"the probing multiplier must be a finite number above 1, not {probing_multiplier}")
    if order > _query.ORDER_LIMIT:
        raise ModelError(f"the query index serves models up to order {_query.ORDER_LIMIT}, this one has order {order}")


def _unigram_arrays(vocab_size: int, order: int, rows: np.ndarray, prob: np.ndarray, bow: np.ndarray,
                    unknown_logprob: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(log10 probability, back-off weight and presence by word id, whether the model has <unk>) of the unigrams
    `rows` (word ids). A word without a unigram has `unknown_logprob` (it is scored as <unk>, present or not). A
    zero weight is -0.0, "never extends", until a bigram is found to extend the word (IndexBuilder); in a
    unigram model every weight is."""
    present = np.zeros(vocab_size, np.uint8)
    present[rows] = 1
    has_unk = bool(present[UNK_ID])
    unigram_prob = np.full(vocab_size, unknown_logprob, np.float32)
    unigram_bow = np.full(vocab_size, -0.0, np.float32)
    unigram_prob[rows] = prob
    if order > 1:
        weights = np.asarray(bow, np.float32)
        unigram_bow[rows] = np.where(np.isnan(weights) | (weights == 0), np.float32(-0.0), weights)
    if not has_unk:
        # KenLM's stand-in <unk> has weight +0.0, so the state keeps it (an OOV word is context, though no n-gram
        # extends it): states after an OOV and after a known word differ.
        unigram_bow[UNK_ID] = 0.0
    present[UNK_ID] = 1
    return unigram_prob, unigram_bow, present, has_unk


def _index_tables(words: list[str], order: int, unigrams: tuple, builder, sizes: list[int]) -> IndexTables:
    """The IndexTables of a finished build: the builder's tables and blanks, and the vocabulary's table."""
    unigram_prob, unigram_bow, present, has_unk = unigrams
    middle, longest, blanks = builder.finish() if builder is not None else ([], None, [None])
    vocab_table = _query.build_vocab_table(words)
    if vocab_table is None:
        raise ModelError("two words of the vocabulary share a 64-bit hash; rename one of them")
    word_blob = np.frombuffer("\0".join(words).encode("utf-8"), np.uint8)
    return IndexTables(order, word_blob, vocab_table, unigram_prob, unigram_bow, present, middle, longest,
                       list(sizes), has_unk, blanks=blanks)


# Rows of the file handed to the builder at a time: the only part of the file the loader holds.
_BLOCK_ROWS = 1 << 16


def load_arpa(path: str, unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
              probing_multiplier: float = _query.PROBING_MULTIPLIER, *, quiet: bool = True) -> IndexTables:
    """The tables of an ARPA file, filled as the file is read, a block of rows at a time, as KenLM loads one: a
    hash table needs no order, so read_arpa's sort and BackoffModel are skipped, and nothing but the tables
    grows with the file. What the tables cannot tell apart from a good file (an n-gram without its context, one
    listed twice) is reported by read_arpa's own checks, with the line (standard input, '-', which cannot be read
    again: without it). `quiet`: no progress bar (read_arpa's)."""
    from .arpa import iter_arpa_blocks, read_arpa

    vocab = Vocabulary()
    blocks = iter_arpa_blocks(path, vocab, dtype=np.float32, quiet=quiet, block_rows=_BLOCK_ROWS)
    try:
        counts = next(blocks)  # the header's (each section is checked against them as it is read)
        order = len(counts)
        _check_shape(order, probing_multiplier)
        _, grams, prob, bow = next(blocks)  # the unigrams, whole
        unigrams = _unigram_arrays(len(vocab.words), order, grams[:, 0], prob, bow, unknown_logprob)
        builder = None
        if order > 1:
            try:
                builder = _query.IndexBuilder(unigrams[0], unigrams[1], counts, probing_multiplier,
                                              check_contexts=True)
            except (MemoryError, ValueError):  # (numpy refuses an array beyond the address space: ValueError)
                raise InputError(path, None, f"out of memory: the tables of the {sum(counts)} n-grams its header "
                                 f"announces, at {probing_multiplier:g} buckets each, do not fit") from None
        for n, grams, prob, bow in blocks:
            problem = builder.add(n, grams, prob, bow if n < order else None)
            if problem is not None:
                raise ModelError(problem)
        tables = _index_tables(vocab.words, order, unigrams, builder, counts)
        del builder
        _return_freed_memory()
        return tables
    except ModelError as error:
        blocks.close()
        if path == "-":  # (standard input cannot be read again)
            raise InputError(path, None, str(error)) from None
        read_arpa(path)  # raises InputError naming the line, where the file is at fault
        raise ModelError(f"{path}: {error}") from None  # (a good file the index cannot hold: its order)
    finally:
        blocks.close()


def _return_freed_memory() -> None:
    """Give the memory of the parser's buffers back to the system: glibc keeps freed arrays below its mmap
    threshold in its heap, where they would stay resident beside the tables. Elsewhere a no-op."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
