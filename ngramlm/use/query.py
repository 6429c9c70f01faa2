"""Fast queries: a hash index over a back-off model, with KenLM's Python API and batch calls beside it.

    from ngramlm.use.query import Model, State      # in place of: from kenlm import Model, State
    model = Model("model.arpa")                 # or a binary file (ngramlm build-binary), or a BackoffModel
    model.score("this is a sentence", bos=True, eos=True)
    state, out = State(), State()
    model.BeginSentenceWrite(state)
    model.BaseScore(state, "this", out)

Scores are log10, as KenLM's; the batch calls give natural logs on request. Words the model does not know are
scored as <unk> (p(<unk>) from the unigrams; a model without <unk> gives it `unknown_logprob`, -100 as in
KenLM), and flagged as OOV.

The index (ext/_query.pyx) follows KenLM's probing design: unigram arrays by word id and, per higher order, an
open-addressing table of 64-bit hashes. Two details carry KenLM's semantics exactly:
  * an n-gram whose back-off weight is zero and which begins no longer n-gram is marked "never extends"
    (weight -0.0), and the state drops it: states are equal exactly when the context that can still matter is
    equal (KenLM's lm/blank.hh);
  * where a model lacks an n-gram's suffix (SRILM's pruning leaves such holes), the suffix is inserted as a
    "blank" whose probability is the backed-off one, so that the search, which walks from the word back into
    its context, can stop at the first miss (KenLM's search_hashed.cc does the same).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

import numpy as np

from .._ext import _query
from .._ext._query import FullScoreReturn, State, pack_states, unpack_state
from ..core.model import BackoffModel
from ..core.errors import ModelError
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID, Vocabulary

__all__ = ["Model", "State", "FullScoreReturn", "WordScores", "IndexTables", "build_index", "pack_states",
           "unpack_state", "STATE_DTYPE"]

STATE_DTYPE = _query.STATE_DTYPE
# KenLM's Config::unknown_missing_logprob: the log10 probability of <unk> in a model that does not have it.
UNKNOWN_MISSING_LOGPROB = -100.0


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
    if not probing_multiplier > 1.0:
        raise ModelError(f"the probing multiplier must be above 1, not {probing_multiplier}")
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


@dataclass
class WordScores:
    """Per-word scores of a batch of sentences: sentence s owns the slice offsets[s]:offsets[s+1] of each array
    (its words, then </s> when eos was asked for)."""

    log_prob: np.ndarray
    ngram_length: np.ndarray
    oov: np.ndarray
    offsets: np.ndarray

    def totals(self) -> np.ndarray:
        """Total log probability of each sentence."""
        sums = np.concatenate([[0.0], np.cumsum(self.log_prob)])
        return sums[self.offsets[1:]] - sums[self.offsets[:-1]]


ModelSource = Union[str, os.PathLike, BackoffModel, IndexTables]


class Model(_query.NgramIndex):
    """An n-gram model ready for queries, with kenlm.Model's interface.

    Args:
        source: an ARPA file, a binary file written by ngramlm build-binary, a BackoffModel, or IndexTables.
        unknown_logprob: log10 p(<unk>) for a model without <unk> (KenLM's default, -100).

    KenLM-compatible: order, path, score, full_scores, perplexity, BeginSentenceWrite, NullContextWrite,
    BaseScore, BaseFullScore, `word in model`. Beyond KenLM: `vocab`, `unigrams`, `index`, `encode`, word ids
    wherever a word is expected, and the batch calls `score_ids` and `score_pairs`.
    """

    def __init__(self, source: ModelSource, *, unknown_logprob: float = UNKNOWN_MISSING_LOGPROB):
        self._source = source
        self._path = None
        if isinstance(source, IndexTables):
            tables = source
        elif isinstance(source, BackoffModel):
            tables = build_index(source, unknown_logprob)
        else:
            from ..formats import binary

            path = os.fspath(source)
            self._path = os.path.abspath(path)
            if binary.is_binary(path):
                tables = binary.load_binary(path)
            else:
                from ..formats.arpa import read_arpa

                tables = build_index(read_arpa(path), unknown_logprob)
        self._tables = tables
        self._attach(tables.order, tables.unigram_prob, tables.unigram_bow, tables.unigram_present, tables.middle,
                     tables.longest, tables.vocab_table, BOS_ID, EOS_ID)
        self._vocab = None

    @property
    def order(self) -> int:
        return self._tables.order

    @property
    def path(self) -> bytes | None:
        """Absolute path of the file the model was loaded from, as bytes (as kenlm.Model.path); None if built in
        memory."""
        return None if self._path is None else os.fsencode(self._path)

    @property
    def tables(self) -> IndexTables:
        """The index arrays the model scores with (what ngramlm.formats.binary writes)."""
        return self._tables

    @property
    def vocab(self) -> Vocabulary:
        """The model's vocabulary (ids as the index uses them)."""
        if self._vocab is None:
            words = self._tables.words()
            self._vocab = Vocabulary(words[3:], unk_word=words[UNK_ID], closed=True)
        return self._vocab

    @property
    def unigrams(self) -> list[str]:
        """The words that are unigrams of the model, by id (<unk> included if the model has it)."""
        present = self._tables.unigram_present
        return [w for i, w in enumerate(self._tables.words()) if present[i] and (i != UNK_ID or self._tables.has_unk)]

    def sizes(self) -> list[int]:
        """Number of n-grams per order, as the model was given (blanks not counted)."""
        return list(self._tables.sizes)

    def index(self, word: str) -> int:
        """The id the model scores `word` as (0, <unk>, for a word it does not know)."""
        return self.word_index(word)

    def encode(self, words: Iterable[str]) -> np.ndarray:
        """Ids of `words` (unknown words as 0), ready for score_ids."""
        return super().encode(words if isinstance(words, (list, tuple)) else list(words))

    def __contains__(self, word) -> bool:
        return self.word_index(word) != UNK_ID

    def perplexity(self, sentence: str | bytes) -> float:
        """Perplexity of one sentence (</s> counted, as KenLM's Model.perplexity)."""
        words = len((sentence if isinstance(sentence, bytes) else sentence.encode("utf-8")).split()) + 1
        return 10.0 ** (-self.score(sentence) / words)

    def score_ids(self, ids: Sequence[int] | np.ndarray, offsets: Sequence[int] | np.ndarray | None = None, *,
                  bos: bool = True, eos: bool = True, natural_log: bool = False) -> WordScores:
        """Score many sentences in one call: `ids` holds them one after another, sentence s being
        ids[offsets[s]:offsets[s+1]] (one sentence when `offsets` is None). Returns per-word scores (log10, or
        natural logs if asked), each sentence followed by its </s> when `eos`."""
        ids = np.ascontiguousarray(ids, dtype=ID_DTYPE)
        if ids.ndim != 1:
            raise ValueError("ids must be a one-dimensional array of word ids")
        offsets = np.array([0, len(ids)] if offsets is None else offsets, dtype=np.int64)
        if (offsets.ndim != 1 or len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != len(ids)
                or np.any(np.diff(offsets) < 0)):
            raise ValueError("offsets must start at 0, never decrease, and end at len(ids)")
        sentences = len(offsets) - 1
        size = len(ids) + (sentences if eos else 0)
        log_prob = np.empty(size, np.float64)
        ngram_length = np.empty(size, np.uint8)
        oov = np.empty(size, np.uint8)
        self._score_flat(ids, offsets, bos, eos, natural_log, log_prob, ngram_length, oov)
        out_offsets = offsets + (np.arange(sentences + 1) if eos else 0)
        return WordScores(log_prob, ngram_length, oov.view(bool), out_offsets)

    def score_pairs(self, states: State | Sequence[State] | np.ndarray, words: Sequence | np.ndarray, *,
                    natural_log: bool = False, return_states: bool = True):
        """Score many (state, word) pairs in one call, as a beam search does for every hypothesis and candidate.

        `states` is one State (for every word), a sequence of States, or an array of STATE_DTYPE (pack_states);
        `words` are ids or strings. Returns (log probs, next states as a STATE_DTYPE array or None);
        unpack_state(array, i) turns one back into a State.
        """
        words = np.asarray(words)
        if words.dtype.kind in "US" or words.dtype == object:
            words = self.encode(words.tolist())
        words = np.ascontiguousarray(words, dtype=ID_DTYPE)
        if isinstance(states, State):
            packed = np.repeat(pack_states([states]), len(words))
        elif isinstance(states, np.ndarray) and states.dtype == STATE_DTYPE:
            packed = np.ascontiguousarray(states)
        else:
            packed = pack_states(list(states))
        if len(packed) != len(words):
            raise ValueError(f"{len(packed)} states for {len(words)} words; give one state per word, or one State")
        if packed.size and packed["length"].max() > max(self.order - 1, 0):
            raise ValueError("a state holds more context words than this model's order allows; "
                             "was it made by another model?")
        log_prob = np.empty(len(words), np.float64)
        out = np.empty(len(words), STATE_DTYPE) if return_states else None
        self._score_pairs(packed, words, natural_log, log_prob, out)
        return log_prob, out

    def __reduce__(self):
        return (Model, (self._path if self._path is not None else self._source,))

    def __repr__(self) -> str:
        where = os.path.basename(self._path) if self._path else "memory"
        return f"<ngramlm.use.query.Model order {self.order} from {where}>"

