# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The count-file writer's inner loop: the n-grams of every order merged into one depth-first walk of the n-gram
trie (each n-gram before its extensions) and formatted as `w1 .. wn<TAB>count` lines, straight into bytes."""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint32_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

cimport numpy as cnp
import numpy as np

cnp.import_array()

# Orders a writer merges at most (NgramCounts allows up to 255).
cdef enum:
    ORDER_SLOTS = 255
MAX_ORDERS = ORDER_SLOTS


cdef class CountLines:
    """The lines of a count file, a chunk at a time (`chunk`), in the walk's order.

    Args:
        spellings: spellings[id], the UTF-8 spelling of each word id.
        grams: per order, a C-contiguous (m, n) uint32 id array (any n; the orders need not be consecutive).
        counts: per order, the int64 counts of its rows.
        sequences: per order, the rows in the order they are to be walked (int64), or None for 0, 1, 2, ...:
            each order's rows must already be sorted by the keys below.
        rank: the sort key of each word id (uint32), or None to compare the ids themselves.

    The orders are merged by comparing their next n-grams' keys word by word; of two n-grams where one is a prefix
    of the other, the shorter comes first. So an n-gram whose prefix is absent still lands where the prefix
    would be.
    """
    cdef list _keep  # the arrays the pointers below point into
    cdef int orders
    cdef const uint32_t* grams[ORDER_SLOTS]
    cdef const int64_t* counts[ORDER_SLOTS]
    cdef const int64_t* sequences[ORDER_SLOTS]
    cdef Py_ssize_t lengths[ORDER_SLOTS]  # n of each order
    cdef Py_ssize_t sizes[ORDER_SLOTS]  # rows of each order
    cdef Py_ssize_t heads[ORDER_SLOTS]  # the next position of each order's sequence
    cdef const uint32_t* rank
    cdef Py_ssize_t vocab_size, longest_word, line_room
    cdef char* arena
    cdef Py_ssize_t* offsets
    cdef Py_ssize_t* word_lengths

    def __cinit__(self):
        self.arena, self.offsets, self.word_lengths = NULL, NULL, NULL

    def __init__(self, list spellings, list grams, list counts, list sequences, rank=None):
        cdef Py_ssize_t i, letters = 0, longest_n = 0
        cdef bytes word
        if not (len(grams) == len(counts) == len(sequences)):
            raise ValueError("one counts array and one sequence (or None) per order")
        if len(grams) > MAX_ORDERS:
            raise ValueError(f"at most {MAX_ORDERS} orders")
        self._keep = []
        self.orders = len(grams)
        self.vocab_size = len(spellings)
        for i in range(self.orders):
            g = np.ascontiguousarray(grams[i], dtype=np.uint32)
            c = np.ascontiguousarray(counts[i], dtype=np.int64)
            if g.ndim != 2 or c.ndim != 1 or len(c) != len(g):
                raise ValueError("each order needs an (m, n) id array and m counts")
            if len(g) and int(g.max()) >= self.vocab_size:
                raise IndexError(f"word id {int(g.max())} is not in the vocabulary of {self.vocab_size} words")
            self.grams[i] = <const uint32_t*> cnp.PyArray_DATA(g)
            self.counts[i] = <const int64_t*> cnp.PyArray_DATA(c)
            self.lengths[i] = g.shape[1]
            self.sizes[i] = g.shape[0]
            self.heads[i] = 0
            self._keep += [g, c]
            self.sequences[i] = NULL
            if sequences[i] is not None:
                s = np.ascontiguousarray(sequences[i], dtype=np.int64)
                if len(s) != len(g) or (len(s) and (int(s.min()) < 0 or int(s.max()) >= len(g))):
                    raise ValueError("a sequence must list rows of its order, one entry per row")
                self.sequences[i] = <const int64_t*> cnp.PyArray_DATA(s)
                self._keep.append(s)
            longest_n = max(longest_n, g.shape[1])
        self.rank = NULL
        if rank is not None:
            r = np.ascontiguousarray(rank, dtype=np.uint32)
            if len(r) < self.vocab_size:
                raise ValueError("one rank per word id")
            self.rank = <const uint32_t*> cnp.PyArray_DATA(r)
            self._keep.append(r)
        # The spellings side by side in one block (cache-friendly), with 16 bytes of slack after it so that a
        # short word is copied by one fixed-size move (as the ARPA writer does).
        self.offsets = <Py_ssize_t*> malloc(max(self.vocab_size, 1) * sizeof(Py_ssize_t))
        self.word_lengths = <Py_ssize_t*> malloc(max(self.vocab_size, 1) * sizeof(Py_ssize_t))
        if self.offsets == NULL or self.word_lengths == NULL:
            raise MemoryError()
        self.longest_word = 0
        for i in range(self.vocab_size):
            word = spellings[i]
            self.offsets[i], self.word_lengths[i] = letters, PyBytes_GET_SIZE(word)
            letters += self.word_lengths[i]
            self.longest_word = max(self.longest_word, self.word_lengths[i])
        self.arena = <char*> malloc(letters + 16)
        if self.arena == NULL:
            raise MemoryError()
        for i in range(self.vocab_size):
            word = spellings[i]
            memcpy(self.arena + self.offsets[i], PyBytes_AS_STRING(word), self.word_lengths[i])
        # the words, their separators, a tab, 20 digits and a sign, the newline, the 16-byte slack
        self.line_room = longest_n * (self.longest_word + 1) + 40

    def __dealloc__(self):
        free(self.arena)
        free(self.offsets)
        free(self.word_lengths)

    cdef inline Py_ssize_t row(self, int k) noexcept nogil:
        return self.sequences[k][self.heads[k]] if self.sequences[k] != NULL else self.heads[k]

    cdef inline uint32_t key(self, uint32_t word) noexcept nogil:
        return self.rank[word] if self.rank != NULL else word

    cdef bint before(self, int a, Py_ssize_t row_a, int b, Py_ssize_t row_b) noexcept nogil:
        """Whether the next n-gram of order index `a` comes before that of `b` in the walk."""
        cdef const uint32_t* x = self.grams[a] + row_a * self.lengths[a]
        cdef const uint32_t* y = self.grams[b] + row_b * self.lengths[b]
        cdef Py_ssize_t j, n = min(self.lengths[a], self.lengths[b])
        cdef uint32_t kx, ky
        for j in range(n):
            if x[j] != y[j]:
                kx, ky = self.key(x[j]), self.key(y[j])
                if kx != ky:
                    return kx < ky
        return self.lengths[a] < self.lengths[b]

    def chunk(self, Py_ssize_t size=1 << 22):
        """The next lines, about `size` bytes of them (at least one line), as a uint8 array; empty at the end."""
        cdef cnp.ndarray[cnp.uint8_t, ndim=1] buffer = np.empty(size + self.line_room, dtype=np.uint8)
        cdef char* out = <char*> buffer.data
        cdef Py_ssize_t pos = 0, r, best_row, j, n, word, length
        cdef int k, best
        cdef const uint32_t* gram
        cdef int64_t count
        cdef unsigned long long magnitude
        cdef char digits[24]
        cdef int d
        with nogil:
            while pos < size:
                best, best_row = -1, 0
                for k in range(self.orders):
                    if self.heads[k] < self.sizes[k]:
                        r = self.row(k)
                        if best < 0 or self.before(k, r, best, best_row):
                            best, best_row = k, r
                if best < 0:
                    break
                self.heads[best] += 1
                n = self.lengths[best]
                gram = self.grams[best] + best_row * n
                for j in range(n):
                    if j:
                        out[pos] = b' '
                        pos += 1
                    word = gram[j]
                    length = self.word_lengths[word]
                    if length <= 16:
                        memcpy(out + pos, self.arena + self.offsets[word], 16)
                    else:
                        memcpy(out + pos, self.arena + self.offsets[word], length)
                    pos += length
                out[pos] = b'\t'
                pos += 1
                count = self.counts[best][best_row]
                if count < 0:
                    out[pos] = b'-'
                    pos += 1
                    magnitude = <unsigned long long> (-(count + 1)) + 1
                else:
                    magnitude = <unsigned long long> count
                d = 0
                while True:
                    digits[d] = <char> (48 + magnitude % 10)
                    magnitude //= 10
                    d += 1
                    if magnitude == 0:
                        break
                while d:
                    d -= 1
                    out[pos] = digits[d]
                    pos += 1
                out[pos] = b'\n'
                pos += 1
        return buffer[:pos]
