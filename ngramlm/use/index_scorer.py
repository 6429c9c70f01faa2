"""Binary models as Scorers: `ngram -lm model.bin` and `ngramlm eval model.bin` score through the hash index.

A binary model (ngramlm build-binary, or KenLM's build_binary) holds hashed tables, not n-gram rows, so it is
scored through query.Model (or KenlmModel for a KenLM probing file): per-word log10 probabilities as the index
sums them (float32 values added in double, as KenLM's query, then rounded once to float32), and the length of
the n-gram that matched. IndexScorer gives them the Scorer protocol (ngramlm.core.scorer) in ngramlm's word ids, so that
SRILM's -ppl report (ngramlm.use.ppl_report) and `ngramlm eval` print them as they print an ARPA model's. What
differs from the ARPA path (BackoffScorer): a printed last digit now and then (SRILM adds the back-off weights
in float32, in another order), and [Ngram] is the matched length of the table probe (an n-gram KenLM's build
inserted as a blank counts as matched).

In:  a binary model file, found by its magic bytes (is_binary_model), or a loaded query.Model / KenlmModel.
Out: IndexScorer: score, score_batch, distribution, and score_in_sentences for whole sentences at full order.
"""
from __future__ import annotations

import copy
import itertools
from typing import Sequence

import numpy as np

from ..core.constants import LOG10_ZERO
from ..core.errors import ModelError
from ..core.scorer import NO_WORD, Scorer
from ..core.vocab import BOS_ID, UNK_ID, Vocabulary
from .scoring import score_by_batch


def is_binary_model(path: str) -> bool:
    """Whether `path` is a binary model (ngramlm's or KenLM's), by its first bytes."""
    from ..formats.binary import is_binary
    from ..formats.kenlm_binary import is_kenlm_binary

    return is_binary(path) or is_kenlm_binary(path)


def load_index(path: str):
    """The query model of a binary file: query.Model, or KenlmModel for a KenLM probing file."""
    from .query import Model

    return Model(path)


class IndexScorer(Scorer):
    """Scores a query model (query.Model or KenlmModel) as a Scorer, in ngramlm word ids.

    Args:
        index: the loaded model.
        order: use n-grams up to this order only (each position is then scored with its last order - 1 words).
        arithmetic: "srilm" reads log10 values of -99 and below (an <unk> the model lacks: KenLM's -100) as zero
            probability, an OOV with no match, as SRILM does; "kenlm" keeps the index's values (KenLM's query).
    """

    def __init__(self, index, order: int | None = None, arithmetic: str = "srilm"):
        if arithmetic not in ("srilm", "kenlm"):
            raise ValueError(f"arithmetic must be 'srilm' or 'kenlm', not {arithmetic!r}")
        self.index = index
        self.zero_is_inf = arithmetic == "srilm"
        self.order = index.order if order is None else order
        if not 1 <= self.order <= index.order:
            raise ModelError(f"cannot use order {self.order}: the model's n-grams go up to order {index.order}")
        vocab = getattr(index, "vocab", None)
        self._to_index: np.ndarray | None = None
        if isinstance(vocab, Vocabulary):
            self.vocab = vocab  # query.Model: ngramlm's ids are the index's
        else:
            # KenLM numbers its words in its own order (<unk> first): map ngramlm's ids to KenLM's.
            words = index.vocab_words
            self.vocab = Vocabulary(words, unk_word=words[0], closed=True)
            self._to_index = np.zeros(len(self.vocab), dtype=np.uint32)
            self._to_index[self.vocab.encode(words)] = np.arange(len(words), dtype=np.uint32)
        if self.order == index.order:
            self.score_in_sentences = self._score_in_sentences  # whole sentences in one compiled call

    def with_arithmetic(self, arithmetic: str) -> IndexScorer:
        """The same scorer (its index, order and vocabulary shared) with the other reading of zero."""
        if arithmetic not in ("srilm", "kenlm"):
            raise ValueError(f"arithmetic must be 'srilm' or 'kenlm', not {arithmetic!r}")
        twin = copy.copy(self)
        twin.zero_is_inf = arithmetic == "srilm"
        if "score_in_sentences" in vars(twin):
            twin.score_in_sentences = twin._score_in_sentences
        return twin

    def _flat(self, ids: np.ndarray, offsets: np.ndarray, bos: bool) -> tuple[np.ndarray, np.ndarray]:
        """The index's scores of sentences laid end to end (no </s> added), in log10, and matched lengths."""
        if self._to_index is not None:
            ids = self._to_index[ids]
        ids = np.ascontiguousarray(ids, dtype=np.uint32)
        logprob = np.empty(len(ids), np.float64)
        length = np.empty(len(ids), np.uint8)
        oov = np.empty(len(ids), np.uint8)
        if self._to_index is None:
            self.index.score_flat_into(ids, offsets, bos, False, False, logprob, length, oov)
        else:
            self.index.score_flat_into(ids, offsets, bos, False, logprob, length, oov)
        return logprob, length.astype(np.int64)

    def _scores(self, words: np.ndarray, ids: np.ndarray, counts: np.ndarray,
                context_first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the sentences ids (cut by counts), those with context_first starting at <s>: one compiled
        call per kind of start, the results put back in order."""
        logprob = np.empty(len(ids), np.float64)
        matched = np.empty(len(ids), np.int64)
        owner = np.repeat(context_first, counts)
        for first in (True, False):
            chosen = context_first == first
            if not chosen.any():
                continue
            offsets = np.concatenate(([0], np.cumsum(counts[chosen]))).astype(np.int64)
            at = owner == first
            logprob[at], matched[at] = self._flat(ids[at], offsets, bool(first))
        if self.zero_is_inf:
            zero = logprob <= LOG10_ZERO
            logprob[zero] = -np.inf
            matched[zero & (words == UNK_ID)] = 0
        # float32 as both tools keep a word's log probability (the sum itself was made in double)
        return logprob.astype(np.float32), matched

    def _score_in_sentences(self, sequences: Sequence[Sequence[int]], context_first: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
        """log10 probabilities and matched lengths of every scored position of the sentences, in order (what
        ngramlm.use.scoring.score_sentences lays out): a leading <s> is the start of the sentence, context only."""
        first = np.asarray(context_first, dtype=bool)
        counts = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences)) - first
        ids = np.fromiter(itertools.chain.from_iterable(s[1:] if f else s for s, f in zip(sequences, first)),
                          dtype=np.uint32, count=int(counts.sum()))
        return self._scores(ids, ids, counts, first)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score positions: each is scored as a sentence of its history and the word (a history that begins with
        <s> starts a sentence), so only the last order - 1 words of a history count."""
        words = np.asarray(words, dtype=np.uint32)
        m, width = len(words), self.order - 1
        histories = np.asarray(histories, dtype=np.uint32).reshape(m, -1)
        histories = histories[:, histories.shape[1] - width:] if width else histories[:, :0]
        if m == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        rows = np.concatenate((histories, words[:, None]), axis=1)
        keep = rows != NO_WORD
        first_column = width - keep[:, :width].sum(axis=1)
        starts = np.zeros(m, dtype=bool)
        has_history = first_column < width
        starts[has_history] = rows[has_history, first_column[has_history]] == BOS_ID
        keep[np.flatnonzero(starts), first_column[starts]] = False  # <s> is the start, not a word to score
        counts = keep.sum(axis=1)
        logprob, matched = self._scores(rows[keep], rows[keep], counts, starts)
        last = np.cumsum(counts) - 1
        return logprob[last], matched[last]

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id w (for SRILM's -debug 3 sums)."""
        width = self.order - 1
        recent = list(context)[max(0, len(context) - width):] if width else []
        history = np.array([NO_WORD] * (width - len(recent)) + recent, dtype=np.uint32)
        words = np.arange(len(self.vocab), dtype=np.uint32)
        return self.score_batch(words, np.repeat(history[None, :], len(words), axis=0))[0]
