"""The back-off model: the one representation every estimator produces and every consumer takes.

For each order n = 1..N it holds the n-grams as a sorted (m_n, n) array of word ids, their log10 conditional
probabilities log10 p(w_n | w_1..w_{n-1}), and the log10 back-off weights of w_1..w_n as a context (0 where the
n-gram is not a context). Interpolated estimates are stored folded into this form, as SRILM and KenLM do: the
interpolated probability is the n-gram's probability, and the interpolation weight of a context is its
back-off weight. So

    p(w | h) = p*(w | h)                 if h w is an n-gram of the model
             = bow(h) * p(w | h')        otherwise, h' = h without its oldest word (bow(h) = 1 if h is absent)

scores every model, interpolated or not. That recursion is implemented once, over the model's index
(`BackoffModel.index`, ngramlm.core.index.NgramIndex); tests/reference_backoff.py writes it plainly over a
dictionary, the slow, obviously correct reference every fast scorer is tested against.

In:  per order n, a sorted (m_n, n) ID_DTYPE array of word ids and parallel float arrays of log10 probabilities and
     back-off weights, over a Vocabulary (from the estimators of ngramlm.smoothing, formats.arpa.read_arpa, or
     BackoffModel.from_entries).
Out: BackoffModel: sizes(), validate(), word_logprob(), and the index (NgramIndex) every consumer scores through.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

import numpy as np

from .errors import ModelError
from .index import NgramIndex
from .operations import ModelOperations, sort_ngrams  # noqa: F401 (sort_ngrams re-exported: estimators use it)
from .vocab import ID_DTYPE, UNK_ID, Vocabulary

from .constants import LOG10_ZERO  # noqa: F401 (re-exported: the name readers of model code look for)


@dataclass
class BackoffModel(ModelOperations):
    """An n-gram back-off model over `vocab`; its operations (at_order, lowercase, limit_vocab, with_vocabulary)
    are ngramlm.core.operations'.

    `ngrams[k]`, `logprob[k]` and `logbow[k]` describe the (k+1)-grams. Rows of `ngrams[k]` are sorted
    lexicographically by word id, and each (k+1)-gram's k-word prefix (its context) is present in order k.
    Its suffix need not be: with count cut-offs SRILM's own models lack some, so no reader may assume it.
    """

    vocab: Vocabulary
    ngrams: list[np.ndarray]
    logprob: list[np.ndarray]
    logbow: list[np.ndarray]

    @property
    def order(self) -> int:
        return len(self.ngrams)

    def sizes(self) -> list[int]:
        """Number of n-grams per order, lowest first (the ARPA header's counts)."""
        return [len(a) for a in self.ngrams]

    def validate(self) -> None:
        """Check shapes, dtypes and row order; raises ModelError describing the first problem."""
        if not (len(self.ngrams) == len(self.logprob) == len(self.logbow)) or not self.ngrams:
            raise ModelError("a back-off model needs the same, non-zero number of n-gram, logprob and logbow arrays")
        for k, (grams, lp, bow) in enumerate(zip(self.ngrams, self.logprob, self.logbow)):
            n = k + 1
            if grams.ndim != 2 or grams.shape[1] != n or len(lp) != len(grams) or len(bow) != len(grams):
                raise ModelError(f"order {n}: arrays have inconsistent shapes {grams.shape}, {lp.shape}, {bow.shape}")
            if len(grams) > 1:
                diff = np.diff(grams.astype(np.int64), axis=0)
                first = np.argmax(diff != 0, axis=1)
                step = diff[np.arange(len(diff)), first]
                if np.any(step <= 0):
                    raise ModelError(f"order {n}: n-grams are not sorted and unique")

    @classmethod
    def from_entries(cls, vocab: Vocabulary, entries: dict[tuple[str, ...], tuple[float, float]]) -> "BackoffModel":
        """Build a model from {(w1, ..., wn): (log10 prob, log10 bow)}, adding words to `vocab` as needed."""
        order = max(len(k) for k in entries)
        ngrams, logprob, logbow = [], [], []
        for n in range(1, order + 1):
            rows = [(tuple(vocab.add(w) for w in k), v) for k, v in entries.items() if len(k) == n]
            grams = np.array([r[0] for r in rows], dtype=ID_DTYPE).reshape(len(rows), n)
            lp = np.array([r[1][0] for r in rows], dtype=np.float64)
            bow = np.array([r[1][1] for r in rows], dtype=np.float64)
            grams, lp, bow = sort_ngrams(grams, lp, bow)
            ngrams.append(grams)
            logprob.append(lp)
            logbow.append(bow)
        return cls(vocab, ngrams, logprob, logbow)

    @cached_property
    def index(self) -> "NgramIndex":
        """The model's n-gram index and back-off recursion (ngramlm.core.index), built on first use and shared by
        every consumer. The n-gram arrays must not change once it is built (the values may: it reads them at each
        call); a model with other n-grams is a new BackoffModel."""
        return NgramIndex.of(self)

    def word_logprob(self, word: str, context: Iterable[str] = ()) -> float:
        """log10 p(word | context) for words given as strings (unknown words are looked up as <unk>)."""
        context = [self.vocab.id(w) for w in context]
        history = np.array([context], dtype=np.int64).reshape(1, len(context))
        return float(self.index.score(np.array([self.vocab.id(word)]), history)[0][0])

    def has_unk(self) -> bool:
        """Whether <unk> is a unigram of the model (an open-vocabulary model, SRILM's -unk)."""
        return bool(len(self.ngrams[0]) and np.any(self.ngrams[0][:, 0] == UNK_ID))
