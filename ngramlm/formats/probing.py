"""The query index's tables in KenLM's probing layout, and their builder: a back-off model in, arrays out.

Unigram arrays by word id and, per higher order, an open-addressing table of 64-bit hashes (ext/_query.pyx holds
the hashing and probing loops). Two details carry KenLM's semantics exactly:
  * an n-gram whose back-off weight is zero and which begins no longer n-gram is marked "never extends"
    (weight -0.0), and the state drops it: states are equal exactly when the context that can still matter is
    equal (KenLM's lm/blank.hh);
  * where a model lacks an n-gram's suffix (SRILM's pruning leaves such holes), the suffix is inserted as a
    "blank" whose probability is the backed-off one, so that the search, which walks from the word back into
    its context, can stop at the first miss (KenLM's search_hashed.cc does the same).

These arrays live in formats/, below both of their users: they are the content of the binary format (binary.py
writes and memory-maps them as they are), and ngramlm.use.query scores with them, so query loads binary files
without binary ever reaching up into use/.

In:  a BackoffModel (every word of an n-gram a unigram; at most ngramlm._ext._query.ORDER_LIMIT orders), or an ARPA
     file (load_arpa: its n-grams hashed as the file lists them, without read_arpa's sort and BackoffModel), the
     log10 probability of a missing <unk>, and the probing multiplier.
Out: IndexTables: float32 unigram arrays by word id and one open-addressing table of 64-bit keys per higher order.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np

from .._ext import _query
from ..core.constants import KENLM_MISSING_UNK_LOGPROB
from ..core.errors import ModelError
from ..core.model import BackoffModel
from ..core.vocab import UNK_ID

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

    def words(self) -> list[str]:
        """The spellings of the words, by id."""
        return self.word_blob.tobytes().decode("utf-8").split("\0")


def _mark_extensions(bow: np.ndarray, is_context: np.ndarray) -> np.ndarray:
    """Back-off weights with KenLM's sign-of-zero mark: -0.0 where a zero weight belongs to no context."""
    bow = bow.astype(np.float32)
    zero = bow == 0
    bow[zero & is_context] = 0.0
    bow[zero & ~is_context] = -0.0
    return bow


def _keys_top_down(grams: list, probs: list, bows: list, vocab_size: int, file_sizes: list[int] | None):
    """Hash every order once, from the highest down, closing the missing suffixes of each order as blanks
    (probability NaN until the tables are built) in the order below it before that one is hashed.

    Returns per order: the keys, which n-grams are the context of a longer one, and for the blanks (rows whose
    probability is NaN) (their rows, the keys of their contexts, the keys of their suffixes). With `file_sizes`
    (n-grams read from a file, unchecked), every n-gram the file lists must have its context among the file's
    n-grams one word shorter (ModelError otherwise). Each order's rows are dropped once hashed, so what is held
    is keys, not words.
    """
    order = len(grams)
    keys: list = [None] * order
    suffix: list = [None] * order
    is_context: list = [None] * order
    blank_rows: list = [None] * order
    if order > 1:
        keys[-1], suffix[-1] = _query.hash_rows(grams[-1])
        is_context[0] = np.zeros(vocab_size, bool)  # by word id
    for k in range(order - 1, 0, -1):
        if k > 1:
            lower, lower_suffix = _query.hash_rows(grams[k - 1])
            has_context, has_suffix, is_context[k - 1] = _query.link_orders(lower, grams[k], suffix[k])
            if file_sizes is not None and not has_context[:file_sizes[k]].all():
                raise ModelError(f"a {k + 1}-gram has no {k}-gram for its context")
            if not has_suffix.all():
                blanks = np.unique(grams[k][~has_suffix, 1:], axis=0)
                blank_keys, blank_suffix = _query.hash_rows(blanks)
                grams[k - 1] = np.ascontiguousarray(np.concatenate([grams[k - 1], blanks]))
                probs[k - 1] = np.concatenate([probs[k - 1], np.full(len(blanks), np.nan)])
                bows[k - 1] = np.concatenate([bows[k - 1], np.zeros(len(blanks))])
                lower = np.concatenate([lower, blank_keys])
                lower_suffix = np.concatenate([lower_suffix, blank_suffix])
                _, _, is_context[k - 1] = _query.link_orders(lower, grams[k], suffix[k])
            keys[k - 1], suffix[k - 1] = lower, lower_suffix
        else:
            is_context[0][grams[1][:, 0]] = True
        blank = np.isnan(probs[k])
        if blank.any():
            rows = grams[k][blank]
            context = _query.hash_rows(np.ascontiguousarray(rows[:, :-1]))[0] if k > 1 else None
            blank_rows[k] = (rows, context, suffix[k][blank])
        suffix[k] = None
        grams[k] = None  # the rows are no longer needed: free them before the tables are allocated
    return keys, is_context, blank_rows


def build_index(model: BackoffModel, unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
                probing_multiplier: float = _query.PROBING_MULTIPLIER) -> IndexTables:
    """Build the hash tables of `model` (its vocabulary ids are kept: <unk> 0, <s> 1, </s> 2).

    `probing_multiplier` is the number of buckets per n-gram (KenLM's build_binary -p, default 1.5): lower saves
    memory, at the cost of longer probes.
    """
    order = model.order
    _check_shape(order, probing_multiplier)
    vocab_size = len(model.vocab)
    grams = [np.ascontiguousarray(g, dtype=np.uint32) for g in model.ngrams]
    present = np.zeros(vocab_size, np.uint8)
    present[grams[0][:, 0]] = 1
    for k in range(1, order):
        unknown = ~present[grams[k]].astype(bool).all(axis=1)
        if unknown.any():
            row = grams[k][np.argmax(unknown)]
            raise ModelError(f"the {k + 1}-gram '{' '.join(model.vocab.decode(row))}' has a word that is not a unigram "
                             "of the model; every word of an n-gram must be a unigram")
    probs = [np.asarray(p, np.float64) for p in model.logprob]
    bows = [np.asarray(b, np.float64) for b in model.logbow]
    return index_arrays(model.vocab.words, grams, probs, bows, model.sizes(), unknown_logprob, probing_multiplier)


def _check_shape(order: int, probing_multiplier: float) -> None:
    if not 1.0 < probing_multiplier < float("inf"):
        raise ModelError(f"the probing multiplier must be a finite number above 1, not {probing_multiplier}")
    if order > _query.ORDER_LIMIT:
        raise ModelError(f"the query index serves models up to order {_query.ORDER_LIMIT}, this one has order {order}")


def index_arrays(words: list[str], grams: list, probs: list, bows: list, sizes: list[int],
                 unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
                 probing_multiplier: float = _query.PROBING_MULTIPLIER, *, check_contexts: bool = False) -> IndexTables:
    """The tables of the n-grams `grams` (uint32 rows of word ids, every word a unigram, in any order) with their
    log10 probabilities and back-off weights (float64 or float32; consumed: the lists are emptied as the tables
    fill).
    `check_contexts`: refuse (ModelError) an n-gram whose context is not an n-gram, as read_arpa does."""
    order = len(grams)
    _check_shape(order, probing_multiplier)
    vocab_size = len(words)
    present = np.zeros(vocab_size, np.uint8)
    present[grams[0][:, 0]] = 1
    has_unk = bool(present[UNK_ID])
    unigram_rows = grams[0][:, 0].copy()
    keys, is_context, blank_rows = _keys_top_down(grams, probs, bows, vocab_size, sizes if check_contexts else None)
    grams.clear()

    unigram_prob = np.full(vocab_size, unknown_logprob, np.float32)
    unigram_bow = np.full(vocab_size, -0.0, np.float32)
    unigram_prob[unigram_rows] = probs[0]
    unigram_bow[unigram_rows] = _mark_extensions(bows[0], is_context[0][unigram_rows]) if order > 1 else -0.0
    if not has_unk:
        # KenLM's stand-in <unk> has weight +0.0, so the state keeps it (an OOV word is context, though no n-gram
        # extends it): states after an OOV and after a known word differ.
        unigram_bow[UNK_ID] = 0.0
    present[UNK_ID] = 1  # unknown words are scored as id 0, present or not

    middle, longest = [], None
    for k in range(1, order):
        prob = probs[k]
        if blank_rows[k] is not None:
            # p(w | c1..cn) = bow(c1..cn) p(w | c2..cn): the back-off recursion, written into the hole.
            rows, context_keys, suffix_keys = blank_rows[k]
            if k == 1:
                context_bow = unigram_bow[rows[:, 0]]
                suffix_prob = unigram_prob[rows[:, 1]]
            else:
                _, context_bow, found = _query.lookup_middle(middle[k - 2], context_keys)
                context_bow = np.where(found, context_bow, 0.0)
                suffix_prob, _, _ = _query.lookup_middle(middle[k - 2], suffix_keys)
            prob[np.isnan(prob)] = context_bow + suffix_prob
        prob32 = prob.astype(np.float32)
        if k < order - 1:
            bow = _mark_extensions(bows[k], is_context[k])
            table = _query.build_table(keys[k], prob32, bow, probing_multiplier)
        else:
            table = longest = _query.build_table(keys[k], prob32, None, probing_multiplier)
        keys[k] = probs[k] = bows[k] = None
        if table is None:
            raise ModelError(f"two {k + 1}-grams share a 64-bit hash (or an n-gram appears twice); "
                             "check the model for repeated n-grams")
        if k < order - 1:
            middle.append(table)
    vocab_table = _query.build_vocab_table(words)
    if vocab_table is None:
        raise ModelError("two words of the vocabulary share a 64-bit hash; rename one of them")
    word_blob = np.frombuffer("\0".join(words).encode("utf-8"), np.uint8)
    return IndexTables(order, word_blob, vocab_table, unigram_prob, unigram_bow, present, middle, longest,
                       list(sizes), has_unk)


def load_arpa(path: str, unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
              probing_multiplier: float = _query.PROBING_MULTIPLIER) -> IndexTables:
    """The tables of an ARPA file, built from its n-grams as the file lists them: a hash table needs no order, so
    the sort and the BackoffModel of read_arpa are skipped. What the tables cannot tell apart from a good file
    (an n-gram without its context, one listed twice) is reported by read_arpa's own checks, with the line."""
    from .arpa import read_arpa, read_arpa_sections

    vocab, grams, probs, bows = read_arpa_sections(path, dtype=np.float32)  # half the memory of float64
    sizes = [len(g) for g in grams]
    for k in range(len(bows)):  # (no loop variable: it would keep the last array alive past the build)
        bows[k][np.isnan(bows[k])] = 0.0  # a weight the file does not write
    try:
        tables = index_arrays(vocab.words, grams, probs, bows, sizes, unknown_logprob, probing_multiplier,
                              check_contexts=True)
        _return_freed_memory()
        return tables
    except ModelError:
        del grams, probs, bows
        read_arpa(path)  # raises InputError naming the line, where the file is at fault
        raise


def _return_freed_memory() -> None:
    """Give the memory of the parsed sections back to the system. glibc keeps freed arrays below its mmap
    threshold (which grows up to 32 MiB as large arrays are freed) in its heap, where they would stay resident
    beside the tables: about 120 MiB of a 5.7M n-gram model. Elsewhere a no-op."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
