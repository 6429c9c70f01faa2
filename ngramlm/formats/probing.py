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

In:  a BackoffModel (every word of an n-gram a unigram, unless build_index's any_words; at most
     ngramlm._ext._query.ORDER_LIMIT orders), or an ARPA file (load_arpa: its n-grams hashed as the file lists
     them, without read_arpa's sort and BackoffModel), the log10 probability of a missing <unk>, and the probing
     multiplier.
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


def _mark_extensions(bow: np.ndarray, is_context: np.ndarray) -> np.ndarray:
    """Back-off weights with KenLM's sign-of-zero mark: -0.0 where a zero weight belongs to no context."""
    bow = bow.astype(np.float32)
    zero = bow == 0
    bow[zero & is_context] = 0.0
    bow[zero & ~is_context] = -0.0
    return bow


def _keys_bottom_up(grams: list, probs: list, bows: list, vocab_size: int, file_sizes: list[int] | None,
                    read_order=None):
    """Hash every order, from the lowest up, linking each to the order below it; then close the missing
    suffixes of each order as blanks (probability NaN until the tables are built) in the order below it, from the
    highest order down, since a blank's own suffix may be missing too.

    Returns per order: the keys, which n-grams are the context of a longer one, for the blanks (rows whose
    probability is NaN: those closed here, and a BackoffModel's context-only rows) (their rows, the keys of their
    contexts, the keys of their suffixes), and the blanks' keys sorted (None for an order without blanks; unigrams
    have none: a context-only unigram keeps its NaN probability). With `file_sizes` (n-grams read from a file,
    unchecked), every n-gram the file lists must have its context among the file's n-grams one word shorter
    (ModelError otherwise). Each order's rows are dropped as soon as the order above has been linked to its keys,
    keeping only the few rows the closing needs (those of missing suffixes, of contexts not found, and of NaN
    probability): the peak holds one order's rows, not every order's. The blanks, their place in each order, and
    so the tables, are those of a single pass from the highest order down, which held every order's rows at once.
    `read_order(k)`, where given, fills grams[k], probs[k], bows[k] (and file_sizes[k]) just before the order is
    linked (an ARPA file read section by section: the parse, too, then holds at most two orders' rows).
    """
    order = len(grams)
    keys: list = [None] * order
    is_context: list = [None] * order
    blank_rows: list = [None] * order
    blank_keys: list = [None] * order
    holes: list = [None] * order  # per order: the rows of the order above whose suffix it lacks (with repeats)
    orphans: list = [None] * order  # per order: the context keys of its rows whose context is not an n-gram
    nan_rows: list = [None] * order  # per order: its rows of NaN probability (a BackoffModel's context-only rows)
    for k in range(1, order):
        grams[k - 1] = None  # linked both ways: only its keys are needed from here on
        if read_order is not None:
            read_order(k)
        if k == 1:
            is_context[0] = np.zeros(vocab_size, bool)  # by word id
            is_context[0][grams[1][:, 0]] = True
        else:
            has_context, has_suffix, is_context[k - 1] = _query.link_orders(keys[k - 1], grams[k])
            if file_sizes is not None and not has_context[:file_sizes[k]].all():
                raise ModelError(f"a {k + 1}-gram has no {k}-gram for its context")
            holes[k - 1] = np.ascontiguousarray(grams[k][np.flatnonzero(~has_suffix), 1:])
            orphans[k] = _query.hash_rows(np.ascontiguousarray(grams[k][np.flatnonzero(~has_context), :-1]),
                                          suffixes=False)[0]
            del has_context, has_suffix
        nan_rows[k] = grams[k][np.flatnonzero(np.isnan(probs[k]))]
        keys[k] = _query.hash_rows(grams[k], suffixes=False)[0]  # (after the linking: not beside its hash set)
    grams[order - 1] = None

    extra = np.zeros((0, order), np.uint32)  # the blanks closed in the order being walked (none in the highest)
    for k in range(order - 1, 0, -1):
        rows = np.concatenate([nan_rows[k], extra]) if len(extra) else nan_rows[k]
        if len(rows):
            row_keys, row_suffixes = _query.hash_rows(rows)
            context = _query.hash_rows(np.ascontiguousarray(rows[:, :-1]), suffixes=False)[0] if k > 1 else None
            blank_rows[k] = (rows, context, row_suffixes)
            blank_keys[k] = np.sort(row_keys)
        if k == 1:
            is_context[0][extra[:, 0]] = True
            break
        # The blanks of order k: the missing suffixes of the file's (k+1)-grams and of the blanks just closed,
        # whose contexts are marked too (those among the file's k-grams here, those among the new blanks below).
        wanted = holes[k - 1]
        if len(extra):
            extra_context = _query.hash_rows(np.ascontiguousarray(extra[:, :-1]), suffixes=False)[0]
            extra_has_suffix, contexts = _query.match_keys(keys[k - 1], _query.hash_rows(extra, keys=False)[1],
                                                           extra_context)
            wanted = np.concatenate([wanted, extra[~extra_has_suffix, 1:]])
            is_context[k - 1] |= contexts
            del extra_has_suffix, contexts
        if len(wanted):
            # one row per missing suffix, found by its key (the key stands for the n-gram throughout the index),
            # in the words' order
            blanks = wanted[np.unique(_query.hash_rows(np.ascontiguousarray(wanted), suffixes=False)[0],
                                      return_index=True)[1]]
            blanks = np.ascontiguousarray(blanks[np.lexsort(blanks.T[::-1])])
            new_keys = _query.hash_rows(blanks, suffixes=False)[0]
            probs[k - 1] = np.concatenate([probs[k - 1], np.full(len(blanks), np.nan)])
            bows[k - 1] = np.concatenate([bows[k - 1], np.zeros(len(blanks))])
            keys[k - 1] = np.concatenate([keys[k - 1], new_keys])
            # a blank is the context of a row only where the file's k-grams lacked that row's context
            context_keys = np.concatenate([orphans[k], extra_context]) if len(extra) else orphans[k]
            is_context[k - 1] = np.concatenate([is_context[k - 1], _query.match_keys(new_keys, context_keys)[1]])
        else:
            blanks = np.zeros((0, k), np.uint32)
        extra = blanks
    return keys, is_context, blank_rows, blank_keys


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
    # index_arrays writes the blanks' probabilities into the NaN rows: the model's own arrays with any are copied
    probs = [np.array(p, np.float64) if k and np.isnan(p).any() else np.asarray(p, np.float64)
             for k, p in enumerate(model.logprob)]
    bows = [np.asarray(b, np.float64) for b in model.logbow]
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
    if len(contexts_only):
        grams[0] = np.concatenate([grams[0], contexts_only[:, None]])
        probs[0] = np.concatenate([probs[0], np.full(len(contexts_only), np.nan)])
        bows[0] = np.concatenate([bows[0], np.zeros(len(contexts_only))])
    return index_arrays(words, grams, probs, bows, model.sizes(), unknown_logprob, probing_multiplier)


def _check_shape(order: int, probing_multiplier: float) -> None:
    if not 1.0 < probing_multiplier < float("inf"):
        raise ModelError(f"the probing multiplier must be a finite number above 1, not {probing_multiplier}")
    if order > _query.ORDER_LIMIT:
        raise ModelError(f"the query index serves models up to order {_query.ORDER_LIMIT}, this one has order {order}")


def index_arrays(words: list[str], grams: list, probs: list, bows: list, sizes: list[int],
                 unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
                 probing_multiplier: float = _query.PROBING_MULTIPLIER, *, check_contexts: bool = False,
                 read_order=None) -> IndexTables:
    """The tables of the n-grams `grams` (uint32 rows of word ids, every word a unigram, in any order) with their
    log10 probabilities and back-off weights (float64 or float32; consumed: the lists are emptied as the tables
    fill).
    `check_contexts`: refuse (ModelError) an n-gram whose context is not an n-gram, as read_arpa does.
    `read_order`: see _keys_bottom_up (then only grams[0], probs[0], bows[0] need be there; the lists have an
    entry per order)."""
    order = len(grams)
    _check_shape(order, probing_multiplier)
    vocab_size = len(words)
    present = np.zeros(vocab_size, np.uint8)
    present[grams[0][:, 0]] = 1
    has_unk = bool(present[UNK_ID])
    unigram_rows = grams[0][:, 0].copy()
    keys, is_context, blank_rows, blank_keys = _keys_bottom_up(grams, probs, bows, vocab_size,
                                                                sizes if check_contexts else None, read_order)
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
        prob32 = np.asarray(prob, np.float32)  # (no copy of a loader's float32 array)
        del prob
        if k < order - 1:
            bow = _mark_extensions(bows[k], is_context[k])
            bows[k] = is_context[k] = None
            table = _query.build_table(keys[k], prob32, bow, probing_multiplier)
            del bow
        else:
            table = longest = _query.build_table(keys[k], prob32, None, probing_multiplier)
        keys[k] = probs[k] = bows[k] = None
        if table is None:
            raise ModelError(f"two {k + 1}-grams share a 64-bit hash (or an n-gram appears twice); "
                             "check the model for repeated n-grams")
        if k < order - 1:
            middle.append(table)
        del prob32
        if table.nbytes >= _TRIM_AFTER:  # before the next table, give back the arrays freed with this one
            _return_freed_memory()
    vocab_table = _query.build_vocab_table(words)
    if vocab_table is None:
        raise ModelError("two words of the vocabulary share a 64-bit hash; rename one of them")
    word_blob = np.frombuffer("\0".join(words).encode("utf-8"), np.uint8)
    return IndexTables(order, word_blob, vocab_table, unigram_prob, unigram_bow, present, middle, longest,
                       list(sizes), has_unk, blanks=blank_keys)


def load_arpa(path: str, unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
              probing_multiplier: float = _query.PROBING_MULTIPLIER, *, quiet: bool = True) -> IndexTables:
    """The tables of an ARPA file, built from its n-grams as the file lists them: a hash table needs no order, so
    the sort and the BackoffModel of read_arpa are skipped. What the tables cannot tell apart from a good file
    (an n-gram without its context, one listed twice) is reported by read_arpa's own checks, with the line.
    `quiet`: no progress bar (read_arpa's)."""
    from .arpa import iter_arpa_sections, read_arpa

    # Section by section: each order is linked to the one below before the next is parsed (half float64's memory).
    vocab = Vocabulary()
    sections = iter_arpa_sections(path, vocab, dtype=np.float32, quiet=quiet)
    grams: list = []
    probs: list = []
    bows: list = []
    sizes: list[int] = []

    def read_order(k: int) -> None:
        grams[k], probs[k], bows[k] = next(sections)
        if grams[k].nbytes >= _TRIM_AFTER:  # the parser's buffers, before the order is linked beside them
            _return_freed_memory()
        sizes.append(len(grams[k]))
        if k == len(grams) - 1:
            for _ in sections:  # the rest of the file: its \end\ marker
                pass
        if k and k == len(grams) - 1:
            bows[k] = None  # the table of the highest order holds no weights
        else:
            bows[k][np.isnan(bows[k])] = 0.0  # a weight the file does not write

    try:
        order = len(next(sections))
        grams[:] = probs[:] = bows[:] = [None] * order
        read_order(0)
        tables = index_arrays(vocab.words, grams, probs, bows, sizes, unknown_logprob, probing_multiplier,
                              check_contexts=True, read_order=read_order)
        _return_freed_memory()
        return tables
    except ModelError:
        sections.close()
        for parsed in (grams, probs, bows):  # freed before read_arpa reads the file again
            parsed.clear()
        read_arpa(path)  # raises InputError naming the line, where the file is at fault
        raise
    finally:
        sections.close()


# The size of table from which the builder gives freed memory back before the next one: below it, what is
# retained is small and a trim costs more (the pages are faulted in again) than it saves.
_TRIM_AFTER = 1 << 24


def _return_freed_memory() -> None:
    """Give the memory of the parsed sections back to the system. glibc keeps freed arrays below its mmap
    threshold (which grows up to 32 MiB as large arrays are freed) in its heap, where they would stay resident
    beside the tables: about 120 MiB of a 5.7M n-gram model. Elsewhere a no-op."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
