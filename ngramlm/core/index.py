"""Vectorised back-off over a model's sorted arrays: n-gram rows, batch log-probabilities, and whole next-word
distributions, computed with numpy for many n-grams at once.

Each (k+1)-gram is keyed by `row of its k-word prefix * V + last word` (V = vocabulary size). The model's rows are
sorted lexicographically, so these keys come out sorted, and finding an n-gram is one `np.searchsorted` per word.
The children of a context (the n-grams that extend it by one word) form one contiguous run of rows, found by two
searches. This is what pruning, mixing and generation need: the back-off probability of every n-gram of one model
under another, and the full distribution of a context without a Python loop over the vocabulary.
"""
from __future__ import annotations

import numpy as np

from .model import BackoffModel
from .errors import ModelError


class NgramLookup:
    """Row lookup and back-off scoring over the arrays of a BackoffModel (whose n-grams must not change
    afterwards; its values may).

    Word ids outside the model's vocabulary (for example a padding value such as `PAD`) are simply never found.
    A NaN log-probability marks an n-gram that is only a context: its back-off weight counts, but its own
    probability is backed off as if it were absent (SRILM keeps such context nodes while pruning).
    """

    PAD = np.iinfo(np.uint32).max

    def __init__(self, model: BackoffModel):
        self.model = model
        largest_id = max((int(g.max()) for g in model.ngrams if len(g)), default=0)
        self.vocab_size = max(len(model.vocab), largest_id + 1)
        unigrams = model.ngrams[0][:, 0].astype(np.int64)
        self._unigram_row = np.full(self.vocab_size, -1, dtype=np.int64)
        self._unigram_row[unigrams] = np.arange(len(unigrams))
        self._keys: list[np.ndarray] = [unigrams]
        for k in range(1, model.order):
            grams = model.ngrams[k]
            prefix_rows = self.rows(grams[:, :-1])
            if np.any(prefix_rows < 0):
                bad = grams[int(np.argmax(prefix_rows < 0))]
                raise ModelError(f"the {k + 1}-gram {' '.join(model.vocab.decode(bad.tolist()))!r} has no {k}-gram "
                                 "prefix in the model; ARPA models need every n-gram's prefix as an n-gram")
            keys = prefix_rows * self.vocab_size + grams[:, -1].astype(np.int64)
            if len(keys) > 1 and np.any(np.diff(keys) <= 0):
                raise ModelError(f"order {k + 1}: n-grams are not sorted and unique")
            self._keys.append(keys)

    @property
    def order(self) -> int:
        return self.model.order

    def rows(self, grams: np.ndarray) -> np.ndarray:
        """Row of each n-gram (rows of `grams`, all of one length n) in the model's order-n arrays, -1 if absent."""
        grams = np.asarray(grams)
        m, n = grams.shape
        if n == 0 or n > self.order:
            return np.full(m, -1, dtype=np.int64)
        words = grams.astype(np.int64)
        in_vocab = words < self.vocab_size
        row = np.where(in_vocab[:, 0], self._unigram_row[np.where(in_vocab[:, 0], words[:, 0], 0)], -1)
        for j in range(1, n):
            row = self._extend(row, words[:, j], j, in_vocab[:, j])
        return row

    def _extend(self, context_row: np.ndarray, word: np.ndarray, context_len: int, in_vocab=None) -> np.ndarray:
        """Rows of the (context_len + 1)-grams `context word`, given the rows of their contexts (-1: absent)."""
        keys = self._keys[context_len]
        if len(keys) == 0:
            return np.full(len(word), -1, dtype=np.int64)
        key = context_row * self.vocab_size + word
        pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        found = (context_row >= 0) & (keys[pos] == key)
        if in_vocab is not None:
            found &= in_vocab
        return np.where(found, pos, -1)

    def children(self, context_len: int, context_row: int) -> slice:
        """Rows, in the (context_len + 1)-gram arrays, of the n-grams that extend the given context by one word."""
        keys = self._keys[context_len]
        first = context_row * self.vocab_size
        return slice(int(np.searchsorted(keys, first)), int(np.searchsorted(keys, first + self.vocab_size)))

    def parent_rows(self, n: int) -> np.ndarray:
        """For every n-gram of order n >= 2, the row of its (n-1)-word prefix in order n-1."""
        return self._keys[n - 1] // self.vocab_size

    def logprobs(self, grams: np.ndarray, dtype=np.float64) -> np.ndarray:
        """log10 p(w | h) by the back-off recursion for each row `h w` of `grams` (the last column is the word).

        Only the last order-1 words of h are used; `PAD` ids (or any unknown id) in h shorten it. A word that is
        not a unigram gets -inf. `dtype` is the precision in which back-off weights are summed (SRILM sums them
        in float32; pruning reproduces that).
        """
        grams = np.asarray(grams)
        m, n = grams.shape
        word = grams[:, -1].astype(np.int64)
        history = grams[:, max(0, n - self.order):-1]
        lp, bow = self.model.logprob, self.model.logbow
        row = self.rows(word[:, None])
        result = np.where(row >= 0, lp[0][np.maximum(row, 0)], -np.inf).astype(dtype)
        bow_sum = np.zeros(m, dtype=dtype)
        # SRILM's wordProbBO: walk the context from the most recent word outwards, adding the back-off weight of
        # each longer context found and restarting the sum whenever a longer n-gram gives an explicit probability.
        for j in range(1, history.shape[1] + 1):
            context = history[:, history.shape[1] - j:]
            context_row = self.rows(context)
            has_context = context_row >= 0
            if not np.any(has_context):
                continue
            bow_sum = bow_sum + np.where(has_context, bow[j - 1][np.maximum(context_row, 0)], 0).astype(dtype)
            row = self._extend(context_row, word, j, word < self.vocab_size)
            explicit = lp[j][np.maximum(row, 0)]
            found = (row >= 0) & ~np.isnan(explicit)
            result = np.where(found, explicit.astype(dtype), result)
            bow_sum = np.where(found, 0, bow_sum).astype(dtype)
        return (result + bow_sum).astype(dtype)

    def backoff_logprobs(self, n: int, dtype=np.float64) -> np.ndarray:
        """log10 p_BO(w | h') for every n-gram `h w` of order n >= 2: its probability with the oldest word dropped."""
        return self.logprobs(self.model.ngrams[n - 1][:, 1:], dtype=dtype)

    def distribution(self, context) -> np.ndarray:
        """log10 p(w | context) for every word id w < vocab_size (oldest context word first), by back-off."""
        context = [int(w) for w in context][max(0, len(context) - (self.order - 1)):] if self.order > 1 else []
        lp, bow = self.model.logprob, self.model.logbow
        logp = np.full(self.vocab_size, -np.inf)
        logp[self.model.ngrams[0][:, 0]] = lp[0]
        # Shortest context first: a longer context scales everything by its back-off weight, then overrides the
        # words it predicts explicitly, which is the back-off recursion for all words at once.
        for j in range(1, len(context) + 1):
            suffix = np.array([context[len(context) - j:]], dtype=np.int64)
            context_row = int(self.rows(suffix)[0])
            if context_row < 0:
                continue
            logp += bow[j - 1][context_row]
            rows = self.children(j, context_row)
            explicit = lp[j][rows]
            known = ~np.isnan(explicit)
            logp[self.model.ngrams[j][rows, -1][known]] = explicit[known]
        return logp
