# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Back-off scoring in compiled code, with the float arithmetic of SRILM or KenLM: what ngramlm.core.index's
NgramIndex.score computes with numpy searches, found instead through one hash table per order.

Each order's n-grams are hashed from the last word backwards (the n-gram h_1..h_k w is extend(...extend(start(w),
h_k)..., h_1)), so for a position the keys of its n-grams of every length come from one running hash, and those
of its contexts from another. A bucket (8 bytes) holds half of the 64-bit key and the row of the n-gram in the
model's arrays; the row's own words are compared too, so a hash collision can never give a wrong match.

Scoring one position reproduces NgramIndex.score exactly, number for number: from the longest context down, each
context that is a row records its back-off weight, until the n-gram of the context and the word is a row with a
probability (the match; its own context's weight is dropped). SRILM's arithmetic (Ngram::wordProbBO) then adds the
recorded weights, shortest first, to a float32 zero and that sum to the probability; KenLM's adds them one by one
to the probability, and gives an <unk> that is not a unigram its fixed log10 probability.
"""
from libc.math cimport INFINITY, isnan
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.string cimport memset

cimport numpy as cnp
import numpy as np

cnp.import_array()

cdef extern from "ngram_hash.h":
    uint64_t ngl_hash_start(uint32_t word) noexcept nogil
    uint64_t ngl_hash_extend(uint64_t hash, uint32_t word) noexcept nogil
    uint64_t ngl_bucket(uint64_t key, uint64_t n) noexcept nogil

# Orders the scorer serves at most.
cdef enum:
    ORDER_SLOTS = 64
MAX_ORDER = ORDER_SLOTS
# Log10 values at or below this are log10(0), as SRILM and KenLM read ARPA's -99.
LOG10_ZERO = -99.0
cdef double LOG10_ZERO_C = LOG10_ZERO
# An empty bucket's row.
cdef uint32_t EMPTY = 0xFFFFFFFFu


cdef packed struct Bucket:
    uint32_t tag  # the low half of the n-gram's key (the bucket comes from the high half)
    uint32_t row


cdef class BackoffTables:
    """Hash tables over a back-off model's n-gram arrays, ready for `score`; the values are read in place and
    rounded to float32 as they are used.

    Args:
        ngrams: per order k + 1, the (m, k + 1) id array (any row order; no row twice).
        logprob: per order, log10 probabilities (NaN: a context-only row, never a match).
        logbow: per order, log10 back-off weights.
        vocab_size: ids at or above it (padding) are never found.
        log_zero_is_inf: read -99 and below as log10(0) = -inf.
    """
    cdef readonly int order
    cdef readonly Py_ssize_t vocab_size
    cdef list _keep
    cdef const uint32_t* grams[ORDER_SLOTS]
    cdef const double* prob[ORDER_SLOTS]  # the model's own values (float64): read as `single` makes them
    cdef const double* bow[ORDER_SLOTS]
    cdef bint log_zero_is_inf
    cdef Bucket* tables[ORDER_SLOTS]
    cdef uint64_t buckets[ORDER_SLOTS]
    cdef const int64_t* unigram_row

    def __init__(self, list ngrams, list logprob, list logbow, Py_ssize_t vocab_size, bint log_zero_is_inf=True):
        cdef int k
        cdef Py_ssize_t i, m
        if not (len(ngrams) == len(logprob) == len(logbow)):
            raise ValueError("one probability and one weight array per order")
        if len(ngrams) > ORDER_SLOTS:
            raise ValueError(f"the compiled scorer serves models up to order {ORDER_SLOTS}")
        self.order = len(ngrams)
        self.vocab_size = vocab_size
        self.log_zero_is_inf = log_zero_is_inf
        self._keep = []
        for k in range(self.order):
            g = np.ascontiguousarray(ngrams[k], dtype=np.uint32)
            m = len(g)
            if g.ndim != 2 or g.shape[1] != k + 1 or len(logprob[k]) != m or len(logbow[k]) != m:
                raise ValueError(f"order {k + 1}: an (m, {k + 1}) id array and m probabilities and weights")
            if m >= EMPTY:
                raise ValueError(f"order {k + 1} has too many n-grams for 32-bit rows")
            if m and int(g.max()) >= vocab_size:
                raise ValueError(f"order {k + 1} has a word id at or above the vocabulary size {vocab_size}")
            p = np.ascontiguousarray(logprob[k], dtype=np.float64)
            b = np.ascontiguousarray(logbow[k], dtype=np.float64)
            self._keep += [g, p, b]
            self.grams[k] = <const uint32_t*> cnp.PyArray_DATA(g)
            self.prob[k] = <const double*> cnp.PyArray_DATA(p)
            self.bow[k] = <const double*> cnp.PyArray_DATA(b)
            if k == 0:
                rows = np.full(vocab_size, -1, dtype=np.int64)
                rows[g[:, 0]] = np.arange(m)
                self._keep.append(rows)
                self.unigram_row = <const int64_t*> cnp.PyArray_DATA(rows)
            else:
                table = np.empty(m + m // 2 + 1, dtype=np.dtype([("tag", "<u4"), ("row", "<u4")]))
                table["row"] = EMPTY
                self._keep.append(table)
                self.tables[k] = <Bucket*> cnp.PyArray_DATA(table)
                self.buckets[k] = len(table)
                if not self._fill(k, m):
                    raise ValueError(f"order {k + 1} has an n-gram twice")
        if self.order == 0:
            raise ValueError("a model needs at least its unigrams")

    cdef bint _fill(self, int k, Py_ssize_t m) noexcept nogil:
        cdef Py_ssize_t i
        cdef int j
        cdef uint64_t key, b
        cdef const uint32_t* gram
        for i in range(m):
            gram = self.grams[k] + i * (k + 1)
            key = ngl_hash_start(gram[k])
            for j in range(k - 1, -1, -1):
                key = ngl_hash_extend(key, gram[j])
            b = ngl_bucket(key, self.buckets[k])
            while self.tables[k][b].row != EMPTY:
                if self.tables[k][b].tag == <uint32_t> key and self.same(k, self.tables[k][b].row, gram):
                    return False
                b += 1
                if b == self.buckets[k]:
                    b = 0
            self.tables[k][b].tag = <uint32_t> key
            self.tables[k][b].row = <uint32_t> i
        return True

    cdef inline bint same(self, int k, uint32_t row, const uint32_t* words) noexcept nogil:
        cdef const uint32_t* gram = self.grams[k] + <Py_ssize_t> row * (k + 1)
        cdef int j
        for j in range(k + 1):
            if gram[j] != words[j]:
                return False
        return True

    cdef inline Py_ssize_t find(self, int k, uint64_t key, const uint32_t* words) noexcept nogil:
        """The row of the (k + 1)-gram `words` (whose key is `key`), or -1."""
        cdef Bucket* table = self.tables[k]
        cdef uint64_t b = ngl_bucket(key, self.buckets[k])
        while table[b].row != EMPTY:
            if table[b].tag == <uint32_t> key and self.same(k, table[b].row, words):
                return table[b].row
            b += 1
            if b == self.buckets[k]:
                b = 0
        return -1

    def score(self, words, histories, bint bows_first, missing_unk=None, Py_ssize_t unk_id=0):
        """log10 p(w | h) (float32, -inf for zero) and the length of the matched n-gram (int64), for words (m,)
        and histories (m, width), oldest word first, padded with ids >= vocab_size; only the last order - 1 words
        of a history count. `bows_first`: SRILM's sum (else KenLM's); `missing_unk`: log10 p of an `unk_id`
        that is no unigram (KenLM's -100; None: -inf)."""
        cdef const uint32_t[::1] w = np.ascontiguousarray(words, dtype=np.uint32).reshape(-1)
        h_array = np.ascontiguousarray(histories, dtype=np.uint32)
        if h_array.ndim != 2 or h_array.shape[0] != w.shape[0]:
            raise ValueError("histories must be an (m, width) array, one row per word")
        cdef const uint32_t[:, ::1] h = h_array
        cdef Py_ssize_t m = w.shape[0], full = h_array.shape[1], i
        cdef int width = min(full, self.order - 1), length, j, matched_length
        cdef bint has_missing = missing_unk is not None
        cdef float unk_value = missing_unk if has_missing else 0.0
        logp_array = np.empty(m, dtype=np.float32)
        matched_array = np.empty(m, dtype=np.int64)
        cdef float[::1] logp = logp_array
        cdef int64_t[::1] matched = matched_array
        cdef float bows[ORDER_SLOTS]
        cdef uint32_t gram[ORDER_SLOTS]
        cdef Py_ssize_t row
        cdef float value, total
        cdef uint32_t word
        cdef const uint32_t* history
        with nogil:
            for i in range(m):
                word = w[i]
                history = &h[i, full - width] if width > 0 else NULL
                # gram[0 .. width - 1] = the history, gram[width] = the word: a context of length L is
                # gram[width - L .. width - 1], its n-gram gram[width - L .. width].
                for j in range(width):
                    gram[j] = history[j]
                gram[width] = word
                memset(bows, 0, width * sizeof(float))
                value, matched_length = -INFINITY, 0
                for length in range(width, -1, -1):
                    if length == 0:
                        row = self.unigram_row[word] if word < self.vocab_size else -1
                    else:
                        row = self.context_row(gram, width, length)
                        if row >= 0:
                            bows[length - 1] = self.single(self.bow[length - 1][row])
                            row = self.find(length, self.gram_key(gram, width, length), gram + width - length)
                    if row >= 0 and not isnan(self.prob[length][row]):
                        value, matched_length = self.single(self.prob[length][row]), length + 1
                        if length:
                            bows[length - 1] = 0
                        break
                if has_missing and matched_length == 0 and word == unk_id:
                    value, matched_length = unk_value, 1
                if bows_first:
                    total = 0
                    for j in range(width):
                        total = total + bows[j]
                    value = value + total
                else:
                    for j in range(width):
                        value = value + bows[j]
                logp[i] = value
                matched[i] = matched_length
        return logp_array, matched_array

    cdef inline float single(self, double value) noexcept nogil:
        """A log10 value as the arithmetic reads it: float32, with -99 and below as -inf where asked (the model's
        float64 arrays are read in place, not copied)."""
        if self.log_zero_is_inf and value <= LOG10_ZERO_C:
            return -INFINITY
        return <float> value

    cdef inline Py_ssize_t context_row(self, const uint32_t* gram, int width, int length) noexcept nogil:
        """The row of the context gram[width - length .. width - 1] among the length-grams, or -1."""
        cdef int j
        cdef uint64_t key
        if length == 1:
            return self.unigram_row[gram[width - 1]] if gram[width - 1] < self.vocab_size else -1
        key = ngl_hash_start(gram[width - 1])
        for j in range(width - 2, width - length - 1, -1):
            key = ngl_hash_extend(key, gram[j])
        return self.find(length - 1, key, gram + width - length)

    cdef inline uint64_t gram_key(self, const uint32_t* gram, int width, int length) noexcept nogil:
        cdef int j
        cdef uint64_t key = ngl_hash_start(gram[width])
        for j in range(width - 1, width - length - 1, -1):
            key = ngl_hash_extend(key, gram[j])
        return key
