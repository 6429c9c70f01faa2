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

In:  a BackoffModel (every word of an n-gram a unigram; at most ngramlm._ext._query.ORDER_LIMIT orders), the log10
     probability of a missing <unk>, and the probing multiplier.
Out: IndexTables: float32 unigram arrays by word id and one open-addressing table of 64-bit keys per higher order.
"""
from __future__ import annotations

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


def _close_suffixes(grams: list, probs: list, bows: list) -> None:
    """Insert every missing suffix of an n-gram as a blank (probability NaN until the tables are built)."""
    for k in range(len(grams) - 1, 1, -1):
        _, suffix = _query.hash_rows(grams[k])
        lower, _ = _query.hash_rows(grams[k - 1])
        missing = ~_query.keys_in(suffix, lower)
        if missing.any():
            blanks = np.unique(grams[k][missing, 1:], axis=0)
            grams[k - 1] = np.ascontiguousarray(np.concatenate([grams[k - 1], blanks]))
            probs[k - 1] = np.concatenate([probs[k - 1], np.full(len(blanks), np.nan)])
            bows[k - 1] = np.concatenate([bows[k - 1], np.zeros(len(blanks))])


def build_index(model: BackoffModel, unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
                probing_multiplier: float = _query.PROBING_MULTIPLIER) -> IndexTables:
    """Build the hash tables of `model` (its vocabulary ids are kept: <unk> 0, <s> 1, </s> 2).

    `probing_multiplier` is the number of buckets per n-gram (KenLM's build_binary -p, default 1.5): lower saves
    memory, at the cost of longer probes.
    """
    if not 1.0 < probing_multiplier < float("inf"):
        raise ModelError(f"the probing multiplier must be a finite number above 1, not {probing_multiplier}")
    order = model.order
    if order > _query.ORDER_LIMIT:
        raise ModelError(f"the query index serves models up to order {_query.ORDER_LIMIT}, this one has order {order}")
    vocab_size = len(model.vocab)
    grams = [np.ascontiguousarray(g, dtype=np.uint32) for g in model.ngrams]
    probs = [np.asarray(p, np.float64) for p in model.logprob]
    bows = [np.asarray(b, np.float64) for b in model.logbow]

    present = np.zeros(vocab_size, np.uint8)
    present[grams[0][:, 0]] = 1
    for k in range(1, order):
        unknown = ~present[grams[k]].astype(bool).all(axis=1)
        if unknown.any():
            row = grams[k][np.argmax(unknown)]
            raise ModelError(f"the {k + 1}-gram '{' '.join(model.vocab.decode(row))}' has a word that is not a unigram "
                             "of the model; every word of an n-gram must be a unigram")
    has_unk = bool(present[UNK_ID])
    _close_suffixes(grams, probs, bows)

    uni_context = np.zeros(vocab_size, bool)
    if order > 1:
        uni_context[grams[1][:, 0]] = True
    unigram_prob = np.full(vocab_size, unknown_logprob, np.float32)
    unigram_bow = np.full(vocab_size, -0.0, np.float32)
    unigram_prob[grams[0][:, 0]] = probs[0]
    unigram_bow[grams[0][:, 0]] = _mark_extensions(bows[0], uni_context[grams[0][:, 0]]) if order > 1 else -0.0
    if not has_unk:
        # KenLM's stand-in <unk> has weight +0.0, so the state keeps it (an OOV word is context, though no n-gram
        # extends it): states after an OOV and after a known word differ.
        unigram_bow[UNK_ID] = 0.0
    present[UNK_ID] = 1  # unknown words are scored as id 0, present or not

    middle, longest = [], None
    for k in range(1, order):
        keys, suffix = _query.hash_rows(grams[k])
        blank = np.isnan(probs[k])
        if blank.any():
            # p(w | c1..cn) = bow(c1..cn) p(w | c2..cn): the back-off recursion, written into the hole.
            rows = grams[k][blank]
            if k == 1:
                context_bow = unigram_bow[rows[:, 0]]
                suffix_prob = unigram_prob[rows[:, 1]]
            else:
                context_keys, _ = _query.hash_rows(np.ascontiguousarray(rows[:, :-1]))
                _, context_bow, found = _query.lookup_middle(middle[k - 2], context_keys)
                context_bow = np.where(found, context_bow, 0.0)
                suffix_prob, _, _ = _query.lookup_middle(middle[k - 2], suffix[blank])
            probs[k][blank] = context_bow + suffix_prob
        if k < order - 1:
            prefix_keys, _ = _query.hash_rows(np.ascontiguousarray(grams[k + 1][:, :-1]))
            bow = _mark_extensions(bows[k], _query.keys_in(keys, prefix_keys))
            table = _query.build_table(keys, probs[k].astype(np.float32), bow, probing_multiplier)
        else:
            table = longest = _query.build_table(keys, probs[k].astype(np.float32), None, probing_multiplier)
        if table is None:
            raise ModelError(f"two {k + 1}-grams share a 64-bit hash (or an n-gram appears twice); "
                             "check the model for repeated n-grams")
        if k < order - 1:
            middle.append(table)
    words = model.vocab.words
    vocab_table = _query.build_vocab_table(words)
    if vocab_table is None:
        raise ModelError("two words of the vocabulary share a 64-bit hash; rename one of them")
    word_blob = np.frombuffer("\0".join(words).encode("utf-8"), np.uint8)
    return IndexTables(order, word_blob, vocab_table, unigram_prob, unigram_bow, present, middle, longest,
                       model.sizes(), has_unk)
