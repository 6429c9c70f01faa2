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

The index follows KenLM's probing design (its tables and their builder: ngramlm.formats.probing; its loops:
ext/_query.pyx). Model owns the compiled index (ngramlm._ext._query.HashIndex) and hands out the index's own
bound methods for the calls that decoders make in tight loops, so they cost what a call of the compiled class
costs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

import numpy as np

from .._ext import _query
from .._ext._query import FullScoreReturn, State, pack_states, unpack_state
from ..core.model import BackoffModel
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID, Vocabulary
from ..formats.probing import UNKNOWN_MISSING_LOGPROB, IndexTables, build_index, load_arpa

__all__ = ["Model", "State", "FullScoreReturn", "WordScores", "IndexTables", "build_index", "pack_states",
           "unpack_state", "STATE_DTYPE"]

STATE_DTYPE = _query.STATE_DTYPE


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
# A word wherever one is asked for: its spelling (str or UTF-8 bytes) or its id.
Word = Union[str, bytes, int]


class Model(_query.HashIndex):
    """An n-gram model ready for queries, with kenlm.Model's interface.

    Args:
        source: an ARPA file, a binary file written by ngramlm build-binary, a BackoffModel, or IndexTables.
        unknown_logprob: log10 p(<unk>) for a model without <unk> (KenLM's default, -100).

    KenLM-compatible: order, path, score, full_scores, perplexity, BeginSentenceWrite, NullContextWrite,
    BaseScore, BaseFullScore, `word in model`. Beyond KenLM: `vocab`, `unigrams`, `index`, `encode`, word ids
    wherever a word is expected, and the batch calls `score_ids` and `score_pairs`.

    The per-word calls (BaseScore, BaseFullScore, BeginSentenceWrite, NullContextWrite, score, full_scores,
    word_index) are the compiled index's own methods, typed in ngramlm/_ext/_query.pyi: Model extends the
    compiled class rather than holding one, because a decoder's `model.BaseScore(...)` then resolves on the type
    and calls the probe loop directly, where a bound method kept on the instance costs about 9% of a
    word-by-word loop.
    """

    def __new__(cls, source: ModelSource, config=None, **kwargs):
        # A KenLM binary file (probing or trie) is scored where it lies, as KenLM does: kenlm_model.
        if isinstance(source, (str, bytes, os.PathLike)):
            from . import kenlm_model

            kenlm_binary = kenlm_model.open_kenlm(source, config)
            if kenlm_binary is not None:
                return kenlm_binary
        return super().__new__(cls)

    def __init__(self, source: ModelSource, config=None, *, unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
                 quiet: bool = True):
        """`config` (a kenlm-style Config, ngramlm.use.kenlm_api) chooses how a KenLM binary file is loaded;
        its arpa_complain applies to ARPA files. `quiet`: no progress bar while an ARPA file is read (one is
        drawn only where standard error is a terminal)."""
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
                from .kenlm_model import complain_about_arpa

                complain_about_arpa(config)
                tables = load_arpa(path, unknown_logprob, quiet=quiet)
        self._tables = tables
        self._vocab = None
        super().__init__(tables.order, tables.unigram_prob, tables.unigram_bow, tables.unigram_present,
                         tables.middle, tables.longest, tables.vocab_table, BOS_ID, EOS_ID)

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
        self.score_flat_into(ids, offsets, bos, eos, natural_log, log_prob, ngram_length, oov)
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
        log_prob = np.empty(len(words), np.float64)
        out = np.empty(len(words), STATE_DTYPE) if return_states else None
        self.score_pairs_into(packed, words, natural_log, log_prob, out)
        return log_prob, out

    def __reduce__(self):
        return (Model, (self._path if self._path is not None else self._source,))

    def __repr__(self) -> str:
        where = os.path.basename(self._path) if self._path else "memory"
        return f"<ngramlm.use.query.Model order {self.order} from {where}>"

