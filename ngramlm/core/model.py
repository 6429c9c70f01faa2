"""The back-off model: the one representation every estimator produces and every consumer takes.

For each order n = 1..N it holds the n-grams as a sorted (m_n, n) array of word ids, their log10 conditional
probabilities log10 p(w_n | w_1..w_{n-1}), and the log10 back-off weights of w_1..w_n as a context (0 where the
n-gram is not a context). Interpolated estimates are stored folded into this form, as SRILM and KenLM do: the
interpolated probability is the n-gram's probability, and the interpolation weight of a context is its
back-off weight. So

    p(w | h) = p*(w | h)                 if h w is an n-gram of the model
             = bow(h) * p(w | h')        otherwise, h' = h without its oldest word (bow(h) = 1 if h is absent)

scores every model, interpolated or not. `logprob_ids` below is that recursion written plainly over a dictionary:
the slow, obviously correct reference that the fast query index (ngramlm.use.query) is tested against.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from .errors import ModelError
from .vocab import ID_DTYPE, UNK_ID, Vocabulary

LOG10_ZERO = -99.0  # how ARPA files spell log10(0)


def sort_ngrams(ngrams: np.ndarray, *columns: np.ndarray):
    """Sort the rows of an (m, n) id array lexicographically, carrying the parallel `columns` along."""
    if len(ngrams) == 0:
        return (ngrams, *columns)
    order = np.lexsort(ngrams.T[::-1])
    return (ngrams[order], *(c[order] for c in columns))


@dataclass
class BackoffModel:
    """An n-gram back-off model over `vocab`.

    `ngrams[k]`, `logprob[k]` and `logbow[k]` describe the (k+1)-grams. Rows of `ngrams[k]` are sorted
    lexicographically by word id, and each (k+1)-gram's k-word prefix (its context) is present in order k.
    Its suffix need not be: with count cut-offs SRILM's own models lack some, so no reader may assume it.
    """

    vocab: Vocabulary
    ngrams: list[np.ndarray]
    logprob: list[np.ndarray]
    logbow: list[np.ndarray]
    _table: dict | None = field(default=None, repr=False, compare=False)

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

    def table(self) -> dict[tuple[int, ...], tuple[float, float]]:
        """{id tuple: (log10 prob, log10 bow)} over all orders (built once, on first use)."""
        if self._table is None:
            table = {}
            for grams, lp, bow in zip(self.ngrams, self.logprob, self.logbow):
                for key, p, b in zip(map(tuple, grams.tolist()), lp.tolist(), bow.tolist()):
                    table[key] = (p, b)
            self._table = table
        return self._table

    def logprob_ids(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        """log10 p(word | context) by the back-off recursion, and the length of the n-gram that matched.

        `context` is oldest word first; only its last order-1 words matter. A word that is not even a unigram
        of the model gives (-inf, 0): the caller decides whether that is an OOV or a zero probability.
        """
        table = self.table()
        history = tuple(context)[max(0, len(context) - (self.order - 1)):] if self.order > 1 else ()
        backoff = 0.0
        while True:
            entry = table.get(history + (word,))
            if entry is not None:
                return entry[0] + backoff, len(history) + 1
            if not history:
                return -math.inf, 0
            context_entry = table.get(history)
            if context_entry is not None:
                backoff += context_entry[1]
            history = history[1:]

    def word_logprob(self, word: str, context: Iterable[str] = ()) -> float:
        """log10 p(word | context) for words given as strings (unknown words are looked up as <unk>)."""
        return self.logprob_ids(self.vocab.id(word), [self.vocab.id(w) for w in context])[0]

    def has_unk(self) -> bool:
        """Whether <unk> is a unigram of the model (an open-vocabulary model, SRILM's -unk)."""
        return bool(len(self.ngrams[0]) and np.any(self.ngrams[0][:, 0] == UNK_ID))
