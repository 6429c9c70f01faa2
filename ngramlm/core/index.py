"""The n-gram index of a back-off model, and the one back-off recursion over it.

Input: sorted n-gram arrays, order by order, with their log10 probabilities and log10 back-off weights: those of
a BackoffModel (`BackoffModel.index` builds this index once and keeps it), or of an estimator that adds orders as
it computes them. Output, for many n-grams at once, with numpy:
  - `rows`: the row of each n-gram in its order's arrays (-1 where absent); `children`, `parent_rows`;
  - `score` / `logprobs`: log10 p(w | h) by the back-off recursion, and the length of the n-gram that matched;
  - `distribution`: log10 p(w | h) of every word w of the vocabulary after one context h.

Keys. A (k+1)-gram h w is keyed by `row of h among the k-grams * V + w` (V: vocabulary size), an int64 whatever
the order. Rows of each order are sorted lexicographically, so their keys come out sorted, and finding an
n-gram is one `np.searchsorted` per word, its prefix first. The children of a context (the n-grams that extend it
by one word) are one contiguous run of keys, found by two searches. Every n-gram's prefix must be a row of the
order below; a row whose log-probability is NaN is "context only": its back-off weight counts, its probability
does not (an estimator's contexts before their probabilities are known, an n-gram being pruned).

The recursion (Katz 1987, eq. 10 in log form; SRILM's Ngram::wordProbBO), for a history h = h_1..h_k:

    log p(w | h) = log p*(w | h_j..h_k) + sum over the contexts c of h longer than h_j..h_k of log bow(c)

where h_j..h_k w is the longest n-gram of the model that ends the history and w, and the contexts c run over the
suffixes of h that are rows of the model (bow 0 elsewhere). A missing shorter context does not stop the search
for a longer one: SRILM's context trie keeps every suffix of a context as a node, so neither does this. How the
numbers are added is an `Arithmetic`: SRILM's float32 (the weights summed first, then added), KenLM's float32
(added to the probability one by one; a missing <unk> gets -100) or plain float64 (estimation and pruning).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from .constants import KENLM_MISSING_UNK_LOGPROB, LOG10_ZERO
from .errors import ModelError
from .vocab import UNK_ID

# Queries of more rows than this are sorted before they are searched (NgramIndex.rows).
SORT_BEFORE_SEARCH = 4096

PAD = np.iinfo(np.uint32).max  # fills histories before a sentence starts; no word has this id


@dataclass(frozen=True)
class Arithmetic:
    """How the back-off recursion adds its numbers.

    dtype: the float type of every sum. bows_first: sum the back-off weights, then add the sum to the
    probability (SRILM's wordProbBO), rather than adding each weight to the probability in turn (KenLM's
    FullScore). log_zero_is_inf: read ARPA's -99 (and below) as log10(0) = -inf, as both tools read files.
    missing_unk: log10 p of an <unk> that is not a unigram of the model (KenLM gives it -100; None: -inf).
    """

    dtype: type = np.float64
    bows_first: bool = True
    log_zero_is_inf: bool = False
    missing_unk: float | None = None


FLOAT64 = Arithmetic()
# float64 with each weight added in turn: the cheapest for whole distributions (generation).
FLOAT64_STEPWISE = Arithmetic(np.float64, bows_first=False)
SRILM = Arithmetic(np.float32, bows_first=True, log_zero_is_inf=True)
KENLM = Arithmetic(np.float32, bows_first=False, log_zero_is_inf=True, missing_unk=KENLM_MISSING_UNK_LOGPROB)


class _Arrays:
    """The n-gram, log-probability and back-off weight arrays of an index built order by order."""

    def __init__(self):
        self.ngrams: list[np.ndarray] = []
        self.logprob: list[np.ndarray] = []
        self.logbow: list[np.ndarray] = []


class NgramIndex:
    """Rows, back-off scores and distributions over sorted n-gram arrays (see the module docstring).

    Build it from a model (`NgramIndex.of(model)`, or use `model.index`, which does so once: the model's n-gram
    arrays must not change afterwards, its values may), or order by order (`NgramIndex(vocab_size)` then
    `add_order`, `add_contexts`, `insert`). Word ids at or above `vocab_size`, such as `PAD`, are never found.
    """

    PAD = PAD

    def __init__(self, vocab_size: int):
        self.vocab_size = int(vocab_size)
        self._keys: list[np.ndarray | None] = []
        self._unigram_row = np.full(self.vocab_size, -1, dtype=np.int64)
        self._arrays = _Arrays()

    @classmethod
    def of(cls, model) -> "NgramIndex":
        """The index of a BackoffModel's arrays (which must not change afterwards; its values may)."""
        largest_id = max((int(g.max()) for g in model.ngrams if len(g)), default=0)
        index = cls(max(len(model.vocab), largest_id + 1))
        for grams in model.ngrams:
            index._append_keys(grams)
        index._arrays = model
        return index

    def with_values(self, values) -> "NgramIndex":
        """The same keys over other values: `values.logprob` and `values.logbow` (read at each call), parallel
        to this index's n-grams (a working copy of a model, or its values rounded to single precision)."""
        view = copy.copy(self)
        view._arrays = _ValuesOver(self._arrays, values)
        return view

    @property
    def order(self) -> int:
        return len(self._keys)

    @property
    def ngrams(self) -> list[np.ndarray]:
        return self._arrays.ngrams

    @property
    def logprob(self) -> list[np.ndarray]:
        return self._arrays.logprob

    @property
    def logbow(self) -> list[np.ndarray]:
        return self._arrays.logbow

    # -- building order by order ---------------------------------------------------------------------------------

    def add_order(self, grams: np.ndarray, logprob: np.ndarray | None = None, logbow: np.ndarray | None = None,
                  *, add_contexts: bool = False) -> None:
        """Append the next order: its n-grams (sorted, unique, each prefix a row of the order below) and values
        (NaN log-probabilities and zero weights where not given). With `add_contexts`, prefixes that are not rows
        become context-only rows first (see `add_contexts`)."""
        self._append_keys(grams, add_contexts)
        self._arrays.ngrams.append(grams)
        self._arrays.logprob.append(np.full(len(grams), np.nan) if logprob is None else logprob)
        self._arrays.logbow.append(np.zeros(len(grams)) if logbow is None else logbow)

    def _append_keys(self, grams: np.ndarray, add_contexts: bool = False) -> None:
        n = grams.shape[1]
        if n != self.order + 1:
            raise ModelError(f"order {self.order + 1} of the index cannot take {n}-grams")
        if n == 1:
            unigrams = grams[:, 0].astype(np.int64)
            self._unigram_row[:] = -1
            self._unigram_row[unigrams] = np.arange(len(unigrams))
            keys = unigrams
        else:
            prefix_rows = self._prefix_rows(grams)
            if add_contexts and np.any(prefix_rows < 0):
                self.add_contexts(grams)
                prefix_rows = self._prefix_rows(grams)
            if np.any(prefix_rows < 0):
                bad = grams[int(np.argmax(prefix_rows < 0))].tolist()
                raise ModelError(f"the {n}-gram with word ids {bad} has no {n - 1}-gram prefix in the model; "
                                 "ARPA models need every n-gram's prefix as an n-gram")
            keys = self.key(prefix_rows, grams[:, -1])
        if len(keys) > 1 and np.any(np.diff(keys) <= 0):
            raise ModelError(f"order {n}: n-grams are not sorted and unique")
        self._keys.append(keys)

    def add_keys(self, keys: np.ndarray | None) -> None:
        """Append the next order by its search keys alone (word ids for unigrams; None for an order that is never
        searched), without n-grams or values: an estimator's index that only locates n-grams (lmplz's)."""
        if self.order == 0:
            self._unigram_row[keys] = np.arange(len(keys))
        self._keys.append(keys)

    def forget_keys(self, k: int) -> None:
        """Free the search keys of the (k+1)-grams, which no later search needs (an estimator that indexes one
        order at a time, lmplz_on_disk's)."""
        self._keys[k] = None

    def add_contexts(self, grams: np.ndarray) -> None:
        """Make every proper prefix of the sorted n-grams `grams` a row, context only (NaN log-probability, weight
        0), where it is not one already; longer prefixes need shorter ones, so the shortest go in first."""
        missing = []
        for k in range(grams.shape[1] - 1, 0, -1):
            prefixes = _distinct(grams[:, :k])
            grams = prefixes[self.rows(prefixes, presorted=True) < 0]  # only their prefixes can be missing
            if len(grams) == 0:
                break
            missing.append(grams)
        for absent in reversed(missing):
            self.insert(absent, np.full(len(absent), np.nan), np.zeros(len(absent)))

    def insert(self, grams: np.ndarray, logprob: np.ndarray, logbow: np.ndarray) -> None:
        """Merge new n-grams (absent so far, their prefixes present) into their order, renumbering the rows of
        that order in the keys of the order above."""
        k = grams.shape[1] - 1
        keys = self.key(self._prefix_rows(grams), grams[:, -1]) if k else grams[:, 0].astype(np.int64)
        merged = np.concatenate((self._keys[k], keys))
        order = np.argsort(merged, kind="stable")
        new_row = np.empty(len(merged), dtype=np.int64)
        new_row[order] = np.arange(len(merged))
        arrays = self._arrays
        self._keys[k] = merged[order]
        arrays.ngrams[k] = np.concatenate((arrays.ngrams[k], grams.astype(arrays.ngrams[k].dtype)))[order]
        arrays.logprob[k] = np.concatenate((arrays.logprob[k], logprob))[order]
        arrays.logbow[k] = np.concatenate((arrays.logbow[k], logbow))[order]
        if k == 0:
            self._unigram_row[arrays.ngrams[0][:, 0].astype(np.int64)] = np.arange(len(merged))
        if k + 1 < self.order:
            above = self._keys[k + 1]
            self._keys[k + 1] = new_row[above // self.vocab_size] * self.vocab_size + above % self.vocab_size

    # -- lookups ---------------------------------------------------------------------------------------------------

    def key(self, context_rows: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Keys of n-grams from the rows of their contexts and their last words: row * V + word."""
        key = context_rows.astype(np.int64)
        key *= self.vocab_size
        key += last
        return key

    def search(self, k: int, keys: np.ndarray) -> np.ndarray:
        """Row among the (k+1)-grams of each key (see `key`; unigrams are keyed by their word), -1 if absent."""
        table = self._keys[k]
        if len(table) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
        return np.where(table[at] == keys, at, -1)

    def size(self, n: int) -> int:
        """Number of n-grams of order n in the index."""
        return len(self._keys[n - 1])

    def rows(self, grams: np.ndarray, presorted: bool = False) -> np.ndarray:
        """Row of each n-gram (rows of `grams`, all of one length n) in the order-n arrays, -1 if absent.
        `presorted`: the rows of `grams` are sorted, so each distinct prefix is searched once, in order."""
        grams = np.asarray(grams)
        m, n = grams.shape
        if n == 0 or n > self.order:
            return np.full(m, -1, dtype=np.int64)
        if n == 1:
            first = grams[:, 0].astype(np.int64)
            return np.where(first < self.vocab_size, self._unigram_row[np.minimum(first, self.vocab_size - 1)], -1)
        if presorted:
            return self._extend(self._prefix_rows(grams), grams[:, -1].astype(np.int64), n - 1)
        return self._context_and_ngram_rows(grams[:, :-1], grams[:, -1].astype(np.int64), n - 1)[1]

    def _context_and_ngram_rows(self, context: np.ndarray, words: np.ndarray, length: int):
        """Rows of the contexts (m, length) and of the n-grams `context word` (-1 where absent). Many queries are
        sorted first, so that one walk down the sorted n-grams finds both with every search in order."""
        m = len(words)
        if (m >= SORT_BEFORE_SEARCH and context.max(initial=0) < self.vocab_size
                and words.max(initial=0) < self.vocab_size):  # (sort keys need ids below |V|)
            grams = np.column_stack((context, words))
            order = lexicographic_order(grams, self.vocab_size)
            grams = grams[order]
            context_row, row = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
            context_row[order] = sorted_context = self._prefix_rows(grams)
            row[order] = self._extend(sorted_context, grams[:, -1].astype(np.int64), length)
            return context_row, row
        context_row = self.rows(context)
        row = np.full(m, -1, dtype=np.int64)
        has_context = np.flatnonzero(context_row >= 0)
        row[has_context] = self._extend(context_row[has_context], words[has_context], length)
        return context_row, row

    def _prefix_rows(self, grams: np.ndarray) -> np.ndarray:
        """Row of each n-gram's (n-1)-word prefix (-1 if absent), walking down the prefixes of all n-grams at once
        and searching only where a prefix differs from the previous n-gram's (all of them, when sorted)."""
        changed = np.zeros(len(grams), dtype=bool)
        changed[:1] = True
        rows = run = None
        for j in range(1, grams.shape[1]):
            column = grams[:, j - 1]
            changed[1:] |= column[1:] != column[:-1]
            starts = np.flatnonzero(changed)
            words = column[starts].astype(np.int64)
            rows = self.rows(words[:, None]) if j == 1 else self._extend(rows[run[starts]], words, j - 1)
            run = np.cumsum(changed) - 1
        return rows[run]

    def _extend(self, context_rows: np.ndarray, words: np.ndarray, context_len: int) -> np.ndarray:
        """Rows of the (context_len + 1)-grams `context word`, given the rows of their contexts (-1: absent)."""
        keys = self._keys[context_len]
        if len(keys) == 0:
            return np.full(len(words), -1, dtype=np.int64)
        key = context_rows * self.vocab_size + words
        at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        found = (context_rows >= 0) & (keys[at] == key) & (words < self.vocab_size)
        return np.where(found, at, -1)

    def children(self, context_len: int, context_row: int) -> slice:
        """Rows, in the (context_len + 1)-gram arrays, of the n-grams that extend the given context by one word."""
        keys = self._keys[context_len]
        first = context_row * self.vocab_size
        return slice(int(np.searchsorted(keys, first)), int(np.searchsorted(keys, first + self.vocab_size)))

    def parent_rows(self, n: int) -> np.ndarray:
        """For every n-gram of order n >= 2, the row of its (n-1)-word prefix in order n-1."""
        return self._keys[n - 1] // self.vocab_size

    # -- the back-off recursion ------------------------------------------------------------------------------------

    @staticmethod
    def _in(arithmetic: Arithmetic, values: np.ndarray) -> np.ndarray:
        """log10 values as the arithmetic reads them: its float type, and -99 as -inf where it says so."""
        if arithmetic.log_zero_is_inf:
            values = np.where(values <= LOG10_ZERO, -np.inf, values)
        return np.asarray(values, dtype=arithmetic.dtype)

    def score(self, words: np.ndarray, histories: np.ndarray,
              arithmetic: Arithmetic = FLOAT64) -> tuple[np.ndarray, np.ndarray]:
        """log10 p(w | h) by the back-off recursion (module docstring) and the length of the n-gram that matched,
        for words (m,) and histories (m, k), oldest word first, `PAD` (or any unknown id) where there is none.

        Only the last order - 1 words of a history count. A word that is not a unigram gets -inf and length 0
        (unless the arithmetic gives a missing <unk> a value: then length 1).
        """
        words = np.asarray(words).astype(np.int64).reshape(-1)
        m = len(words)
        histories = np.asarray(histories)
        width = min(histories.shape[1], self.order - 1)
        histories = histories[:, histories.shape[1] - width:]
        dtype = arithmetic.dtype
        logp, matched = np.full(m, -np.inf, dtype=dtype), np.zeros(m, dtype=np.int64)
        # Each context of the history, longest first, for the positions not matched yet: its weight (0 where it
        # is not a row), and the n-gram it forms with the word, which is the match if it has a probability.
        context_bows = np.zeros((width, m), dtype=dtype)
        pending = np.arange(m)
        for length in range(width, -1, -1):
            everyone = len(pending) == m  # (no copies of the queries while every position is pending)
            pending_words = words if everyone else words[pending]
            if length == 0:
                row = self.rows(pending_words[:, None])
            else:
                context = histories[:, width - length:] if everyone else histories[pending, width - length:]
                context_row, row = self._context_and_ngram_rows(context, pending_words, length)
                has_context = np.flatnonzero(context_row >= 0)
                context_bows[length - 1, pending[has_context]] = self._in(
                    arithmetic, self.logbow[length - 1][context_row[has_context]])
            hit = np.flatnonzero(row >= 0)
            explicit = self.logprob[length][row[hit]]
            if np.isnan(np.sum(explicit)):  # context-only rows are no match
                hit, explicit = hit[~np.isnan(explicit)], explicit[~np.isnan(explicit)]
            found = pending[hit]
            logp[found] = self._in(arithmetic, explicit)
            matched[found] = length + 1
            if length:
                context_bows[length - 1, found] = 0  # a match's own context adds no weight
            if len(hit) == len(pending):
                break
            keep = np.ones(len(pending), dtype=bool)
            keep[hit] = False
            pending = pending[keep]
        if arithmetic.missing_unk is not None:
            missing_unk = (matched == 0) & (words == UNK_ID)
            logp[missing_unk] = arithmetic.missing_unk
            matched[missing_unk] = 1
        # Katz back-off: add the weights of the contexts longer than the matched n-gram's own context (the only
        # ones recorded), shortest first.
        total = np.zeros(m, dtype=dtype) if arithmetic.bows_first else logp
        for length in range(1, width + 1):
            total += context_bows[length - 1]
        return (logp + total if arithmetic.bows_first else total), matched

    def logprobs(self, grams: np.ndarray, arithmetic: Arithmetic = FLOAT64) -> np.ndarray:
        """log10 p(w | h) for each row `h w` of `grams` (the last column is the word): `score` without lengths."""
        grams = np.asarray(grams)
        return self.score(grams[:, -1], grams[:, :-1], arithmetic)[0]

    def backoff_logprobs(self, n: int, arithmetic: Arithmetic = FLOAT64) -> np.ndarray:
        """log10 p_BO(w | h') for every n-gram `h w` of order n >= 2: its probability with the oldest word dropped."""
        return self.logprobs(self.ngrams[n - 1][:, 1:], arithmetic)

    def distribution(self, context, arithmetic: Arithmetic = FLOAT64) -> np.ndarray:
        """log10 p(w | context) for every word id w < vocab_size (context oldest word first), exactly as `score`
        gives them, for all words at once: from the shortest context up, each context found adds its weight to
        every word, then sets the words it predicts explicitly (restarting their sum of weights)."""
        context = [int(w) for w in context][max(0, len(context) - (self.order - 1)):] if self.order > 1 else []
        dtype = arithmetic.dtype
        logp = np.full(self.vocab_size, -np.inf, dtype=dtype)
        if arithmetic.missing_unk is not None and UNK_ID < self.vocab_size:
            logp[UNK_ID] = arithmetic.missing_unk  # replaced below where <unk> is an n-gram
        bows = np.zeros(self.vocab_size, dtype=dtype) if arithmetic.bows_first else logp
        self._set_children(0, slice(0, len(self.ngrams[0])), arithmetic, logp, bows)
        for length in range(1, len(context) + 1):
            context_row = int(self.rows(np.array([context[len(context) - length:]], dtype=np.int64))[0])
            if context_row < 0:
                continue
            bows += self._in(arithmetic, self.logbow[length - 1][context_row:context_row + 1])[0]
            self._set_children(length, self.children(length, context_row), arithmetic, logp, bows)
        return logp + bows if arithmetic.bows_first else logp

    def _set_children(self, k: int, rows: slice, arithmetic: Arithmetic, logp: np.ndarray,
                      bows: np.ndarray) -> None:
        """Give the last words of the (k+1)-grams of `rows` (one context's children) their explicit
        log-probabilities, with no back-off weight added yet."""
        explicit = self.logprob[k][rows]
        words = self.ngrams[k][rows, -1]
        if np.isnan(np.sum(explicit)):  # context-only n-grams: leave their words alone
            known = ~np.isnan(explicit)
            words, explicit = words[known], explicit[known]
        logp[words] = self._in(arithmetic, explicit)
        if arithmetic.bows_first and k:
            bows[words] = 0


class _ValuesOver:
    """The n-grams of one set of arrays with the values of another (NgramIndex.with_values)."""

    def __init__(self, arrays, values):
        self._arrays, self._values = arrays, values

    @property
    def ngrams(self) -> list[np.ndarray]:
        return self._arrays.ngrams

    @property
    def logprob(self) -> list[np.ndarray]:
        return self._values.logprob

    @property
    def logbow(self) -> list[np.ndarray]:
        return self._values.logbow


def sort_keys(grams: np.ndarray, vocab_size: int) -> np.ndarray:
    """One key per row of an id array (ids < vocab_size) that sorts as the rows sort lexicographically: the row
    read as a number in base vocab_size where that fits in 64 bits, else its ids as big-endian bytes. For sorting
    and merging sets of n-grams; lookups in a model go through NgramIndex."""
    m, n = grams.shape
    if n * math.log2(max(vocab_size, 2)) < 63:
        number = np.zeros(m, dtype=np.uint64)
        for j in range(n):
            number *= np.uint64(vocab_size)
            number += grams[:, j].astype(np.uint64)
        return number
    return np.ascontiguousarray(grams.astype(">u4")).view(f"S{4 * n}").reshape(m)


def lexicographic_order(grams: np.ndarray, vocab_size: int) -> np.ndarray:
    """The permutation that sorts the rows of an id array lexicographically (one argsort of `sort_keys`)."""
    if grams.shape[1] == 0:
        return np.arange(len(grams))
    return np.argsort(sort_keys(grams, vocab_size), kind="stable")


def rows_in(rows: np.ndarray, table: np.ndarray) -> np.ndarray:
    """For each of `rows`, whether it is a row of `table` (both (m, n) id arrays, n the same)."""
    if not len(rows) or not len(table):
        return np.zeros(len(rows), dtype=bool)
    size = int(max(rows.max(), table.max())) + 1
    return np.isin(sort_keys(rows, size), sort_keys(table, size))


def distinct_rows(grams: np.ndarray, vocab_size: int) -> np.ndarray:
    """The distinct rows of an id array, sorted lexicographically (np.unique(axis=0) sorts rows as opaque
    records, several times slower)."""
    return _distinct(grams[lexicographic_order(grams, vocab_size)])


def row_tally(grams: np.ndarray, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of an id array as their `sort_keys` (sorted), and how often each occurs."""
    return np.unique(sort_keys(grams, vocab_size), return_counts=True)


def _distinct(grams: np.ndarray) -> np.ndarray:
    """The distinct rows of a sorted id array."""
    if len(grams) < 2:
        return grams
    return grams[np.concatenate(([True], np.any(grams[1:] != grams[:-1], axis=1)))]
