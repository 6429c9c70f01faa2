# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Hot loops of the query index: hashing n-grams, building and probing the tables, scoring words.

The design follows KenLM's probing search (Heafield 2011, "KenLM: Faster and Smaller Language Model
Queries", section 3.1): unigrams sit in arrays indexed by word id; every higher order has its own
open-addressing table of 64-bit hashes of the n-gram's word ids (the words themselves are not stored; two
n-grams colliding in 64 bits is the accepted risk, as in KenLM), with linear probing. The hash of an n-gram is
built from its last word backwards, so scoring a word extends one hash by one context word per order and needs
one probe per order. The state keeps the back-off weights of its context words (KenLM's State), so the usual
query costs one lookup per order and no second pass for back-off weights.
"""
import numpy as np

cimport cython
cimport numpy as cnp
from libc.math cimport INFINITY, copysignf, isnan
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_AsUTF8AndSize

cnp.import_array()

cdef extern from "ngram_hash.h":
    uint64_t ngl_hash_start(uint32_t word) noexcept nogil
    uint64_t ngl_hash_extend(uint64_t hash, uint32_t word) noexcept nogil
    uint64_t ngl_bucket(uint64_t key, uint64_t n) noexcept nogil

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #include "ngram_hash.h"
    #include "prefetch.h"
    /* FNV-1a over the bytes, then the finaliser: the key of a word's spelling (never 0). */
    static inline uint64_t ngl_hash_bytes(const char *s, Py_ssize_t n) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (Py_ssize_t i = 0; i < n; ++i) { h ^= (unsigned char)s[i]; h *= 0x100000001b3ULL; }
        h = ngl_mix64(h ^ (uint64_t)n);
        return h ? h : 1;
    }
    /* KenLM's marker (lm/blank.hh): a zero back-off weight with the sign bit set means "never extends". */
    static inline int ngl_has_extension(float bow) {
        uint32_t bits; memcpy(&bits, &bow, 4); return bits != 0x80000000u;
    }
    """
    int ngl_has_extension(float bow) noexcept nogil
    uint64_t ngl_hash_bytes(const char *s, Py_ssize_t n) noexcept nogil
    void prefetch "ngl_prefetch" (const void *address) noexcept nogil

LN10 = 2.302585092994046
cdef double C_LN10 = 2.302585092994046
MIDDLE_DTYPE = np.dtype([("key", "<u8"), ("prob", "<f4"), ("bow", "<f4")])
LONGEST_DTYPE = np.dtype([("key", "<u8"), ("prob", "<f4")])
VOCAB_DTYPE = np.dtype([("key", "<u8"), ("id", "<u4")])
STATE_DTYPE = np.dtype([("words", "<u4", (MAX_CONTEXT,)), ("backoff", "<f4", (MAX_CONTEXT,)), ("length", "u1")])
ORDER_LIMIT = MAX_ORDER
# Buckets per n-gram: KenLM's default probing multiplier (build_binary -p).
PROBING_MULTIPLIER = 1.5

assert MIDDLE_DTYPE.itemsize == sizeof(MiddleEntry)
assert LONGEST_DTYPE.itemsize == sizeof(LongestEntry)
assert VOCAB_DTYPE.itemsize == sizeof(VocabEntry)
assert STATE_DTYPE.itemsize == sizeof(CState)


def table_buckets(Py_ssize_t entries, double multiplier=PROBING_MULTIPLIER):
    """Number of buckets of a table holding `entries` n-grams (at least one stays empty to end probes)."""
    if not 1.0 < multiplier < float("inf"):
        raise ValueError("the probing multiplier must be a finite number above 1")
    return int(entries * multiplier) + 1


cdef Py_ssize_t first_empty_bucket(const char* entries, Py_ssize_t buckets, Py_ssize_t stride) noexcept nogil:
    """Index of the first bucket whose key (the entry's first 8 bytes) is 0, or -1. In a table at a load factor
    below one this returns within a few buckets."""
    cdef Py_ssize_t i
    cdef uint64_t key
    for i in range(buckets):
        memcpy(&key, entries + i * stride, 8)
        if key == 0:
            return i
    return -1


def _checked_table(table, dtype, str name):
    """`table` as a contiguous array of `dtype`, refused (ValueError) unless it has an empty bucket: the probe of an
    absent key stops at one, so a table without one (load factor 1) would make every miss walk the whole table."""
    if not isinstance(table, np.ndarray) or table.dtype != dtype or table.ndim != 1:
        raise ValueError(f"the {name} is not a one-dimensional array of {dtype}")
    table = np.ascontiguousarray(table)
    if len(table) == 0:
        raise ValueError(f"the {name} has no buckets")
    if first_empty_bucket(<const char*> cnp.PyArray_DATA(table), len(table), dtype.itemsize) < 0:
        raise ValueError(f"the {name} has no empty bucket (load factor 1): a lookup of an absent key could not stop")
    return table


def check_index(int order, uni_prob, uni_bow, present, middle_tables, longest_table, vocab_table,
                uint32_t bos, uint32_t eos):
    """The index arrays, checked and made contiguous (ValueError saying what is wrong): every check the probe loops
    rely on, so that a damaged or hostile index is refused instead of read out of bounds.

    Returns (unigram prob, unigram bow, presence, middle tables, longest table or None, vocabulary table)."""
    if not 1 <= order <= MAX_ORDER:
        raise ValueError(f"order {order} is outside 1..{MAX_ORDER}")
    unigrams = [np.ascontiguousarray(uni_prob, np.float32), np.ascontiguousarray(uni_bow, np.float32),
                np.ascontiguousarray(present, np.uint8)]
    cdef Py_ssize_t vocab_size = len(unigrams[0]), i
    if any(a.ndim != 1 or len(a) != vocab_size for a in unigrams):
        raise ValueError("the unigram arrays differ in length")
    if vocab_size < 3 or max(bos, eos) >= vocab_size:
        raise ValueError(f"the vocabulary has {vocab_size} words, fewer than the special words <unk>, <s>, </s>")
    middle_tables = list(middle_tables)
    if len(middle_tables) != max(order - 2, 0) or (longest_table is None) != (order == 1):
        raise ValueError(f"an order {order} index needs {max(order - 2, 0)} middle tables and "
                         f"{'a' if order > 1 else 'no'} table of the highest order")
    middle = [_checked_table(t, MIDDLE_DTYPE, f"{n}-gram table") for n, t in enumerate(middle_tables, 2)]
    longest = None if order == 1 else _checked_table(longest_table, LONGEST_DTYPE, f"{order}-gram table")
    vocab = _checked_table(vocab_table, VOCAB_DTYPE, "vocabulary table")
    cdef const VocabEntry* v = <const VocabEntry*> cnp.PyArray_DATA(vocab)
    for i in range(len(vocab)):
        if v[i].key != 0 and v[i].id >= vocab_size:
            raise ValueError(f"the vocabulary table maps a word to id {v[i].id}, beyond the {vocab_size} words")
    return unigrams[0], unigrams[1], unigrams[2], middle, longest, vocab


# The two kinds of n-gram table entry; the probing code below is written once for both.
ctypedef fused Entry:
    MiddleEntry
    LongestEntry

# Every kind of bucket (a VocabEntry is also a key and a number): find_entry serves them all.
ctypedef fused Keyed:
    MiddleEntry
    LongestEntry
    VocabEntry


cdef inline Keyed* find_entry(Keyed* table, uint64_t buckets, uint64_t key) noexcept nogil:
    """The entry of `key` in an open-addressing table (linear probing from its bucket), or NULL.

    A probe ends at an empty bucket; it is also bounded by the table size, so a table without one (a damaged
    file; HashIndex refuses such tables anyway) cannot make it run forever."""
    cdef uint64_t i = ngl_bucket(key, buckets), step
    for step in range(buckets):
        if table[i].key == key:
            return &table[i]
        if table[i].key == 0:
            return NULL
        i += 1
        if i == buckets:
            i = 0
    return NULL


cdef inline uint64_t free_bucket(Entry* table, uint64_t buckets, uint64_t key, bint* clash) noexcept nogil:
    """The first empty bucket on `key`'s probe path; sets *clash if the path already holds `key`."""
    cdef uint64_t b = ngl_bucket(key, buckets)
    while table[b].key != 0:
        if table[b].key == key:
            clash[0] = True
        b += 1
        if b == buckets:
            b = 0
    return b


cdef enum:
    LOOKAHEAD = 16  # rows between hashing an n-gram's keys and probing its buckets (IndexBuilder's passes)


# A set of 64-bit keys (never 0: an n-gram's key is not) by linear probing in malloc'd memory, at most half full:
# the keys of one order's blanks, or of the contexts IndexBuilder did not find.
cdef struct KeySet:
    uint64_t* slots
    uint64_t size
    uint64_t count


cdef bint keyset_contains(const KeySet* s, uint64_t key) noexcept nogil:
    if s.count == 0:
        return False
    cdef uint64_t b = ngl_bucket(key, s.size)
    while s.slots[b] != 0:
        if s.slots[b] == key:
            return True
        b = b + 1 if b + 1 < s.size else 0
    return False


cdef int keyset_add(KeySet* s, uint64_t key) except -1:
    cdef uint64_t* old = s.slots
    cdef uint64_t old_size = s.size, i, b
    if 2 * (s.count + 1) > s.size:
        s.size = 2 * s.size if s.size else 64
        s.slots = <uint64_t*> calloc(s.size, sizeof(uint64_t))
        if s.slots == NULL:
            s.slots, s.size = old, old_size
            raise MemoryError()
        s.count = 0
        for i in range(old_size):
            if old[i] != 0:
                keyset_add(s, old[i])
        free(old)
    b = ngl_bucket(key, s.size)
    while s.slots[b] != 0:
        if s.slots[b] == key:
            return 0
        b = b + 1 if b + 1 < s.size else 0
    s.slots[b] = key
    s.count += 1
    return 0


cdef float NEVER_EXTENDS = copysignf(0.0, -1.0)  # KenLM's mark (lm/blank.hh): a zero weight no n-gram extends


cdef inline float extended(float bow) noexcept nogil:
    """The weight of an n-gram found to be the context of a longer one: a zero loses its "never extends" sign."""
    return 0.0 if bow == 0 else bow


cdef class IndexBuilder:
    """The hash tables of a query index, filled order by order from the lowest up, the way KenLM's probing search
    fills them from an ARPA file (lm/search_hashed.cc): each table is sized from its order's n-gram count and the
    rows go straight in, so a reader holds nothing but the tables and the rows it hands in.

    Two details carry KenLM's semantics:
      * extension marks: a zero back-off weight is stored as -0.0 ("never extends") until an n-gram of the order
        above turns out to have it as its context (then +0.0), so that states drop what can never matter;
      * blanks: where a row lacks its suffix (its last n-1 words; SRILM's pruning leaves such holes), the suffix
        is inserted with the backed-off probability bow(its context) + p(its own suffix), its own missing
        suffixes first, so that the search, which walks from the word back into its context, can stop at the
        first miss (KenLM's FixSRI). A row of NaN probability (a BackoffModel's context-only n-gram) gets the
        backed-off probability too. Both are "blanks": finish() returns their keys, so that scoring can tell them
        from the model's own n-grams.
    Rows of order n may come in any number of add() calls, after every row of order n - 1: the tables below are
    then complete but for blanks, and blanks only ever come from longer rows. A table grows (is rebuilt larger)
    once its blanks (or rows beyond its count) have taken half of the room its probing multiplier left.
    """
    cdef int order, filling
    cdef bint check_contexts
    cdef double multiplier
    cdef list tables  # the table of order n at n - 2: MIDDLE_DTYPE below the highest order, LONGEST_DTYPE there
    cdef object unigram_prob, unigram_bow
    cdef const float* uprob
    cdef float* ubow
    cdef uint64_t vocab_size
    cdef void* data[MAX_ORDER + 1]
    cdef uint64_t buckets[MAX_ORDER + 1]
    cdef uint64_t stride[MAX_ORDER + 1]  # bytes per entry
    cdef uint64_t entries[MAX_ORDER + 1]
    cdef uint64_t limit[MAX_ORDER + 1]  # entries at which the table is grown
    cdef KeySet blanks[MAX_ORDER + 1]
    cdef KeySet orphans[MAX_ORDER + 1]  # without check_contexts: the keys of contexts not found when looked up

    def __cinit__(self):
        memset(self.blanks, 0, sizeof(self.blanks))
        memset(self.orphans, 0, sizeof(self.orphans))
        memset(self.entries, 0, sizeof(self.entries))

    def __dealloc__(self):
        cdef int n
        for n in range(MAX_ORDER + 1):
            free(self.blanks[n].slots)
            free(self.orphans[n].slots)

    def __init__(self, unigram_prob, unigram_bow, counts, double multiplier=PROBING_MULTIPLIER,
                 bint check_contexts=False):
        """`unigram_prob`, `unigram_bow`: float32 arrays by word id, the weights' zeros as -0.0 (the builder marks
        them in place as bigrams come); `counts`: the number of n-grams of each order, unigrams first (it sizes the
        tables); `check_contexts`: add() refuses a row whose context is not a row of the order below."""
        cdef int n
        # Until the tables are all made, add() and finish() refuse the builder (a failed or repeated __init__ must
        # not leave them reading tables that are not there, or another build's blanks).
        self.tables = None
        for n in range(MAX_ORDER + 1):
            free(self.blanks[n].slots)
            free(self.orphans[n].slots)
        memset(self.blanks, 0, sizeof(self.blanks))
        memset(self.orphans, 0, sizeof(self.orphans))
        memset(self.entries, 0, sizeof(self.entries))
        self.order = len(counts)
        if not 2 <= self.order <= MAX_ORDER:
            raise ValueError(f"IndexBuilder: orders 2..{MAX_ORDER}, not {self.order}")
        if not 1.0 < multiplier < float("inf"):
            raise ValueError("the probing multiplier must be a finite number above 1")
        if any(count < 0 for count in counts):
            raise ValueError(f"IndexBuilder: negative n-gram counts {list(counts)}")
        for name, array in (("unigram_prob", unigram_prob), ("unigram_bow", unigram_bow)):
            if (not isinstance(array, np.ndarray) or array.dtype != np.float32 or array.ndim != 1
                    or not array.flags.c_contiguous or not array.flags.writeable or len(array) != len(unigram_prob)):
                raise ValueError(f"IndexBuilder: {name} must be a writable contiguous float32 array by word id")
        self.unigram_prob, self.unigram_bow = unigram_prob, unigram_bow
        self.uprob = <const float*> cnp.PyArray_DATA(unigram_prob)
        self.ubow = <float*> cnp.PyArray_DATA(unigram_bow)
        self.vocab_size = len(unigram_prob)
        self.multiplier, self.check_contexts, self.filling = multiplier, check_contexts, 2
        self.tables = [np.zeros(table_buckets(counts[n - 1], multiplier),
                                MIDDLE_DTYPE if n < self.order else LONGEST_DTYPE) for n in range(2, self.order + 1)]
        for n in range(2, self.order + 1):
            self._attach(n, counts[n - 1])

    cdef void _attach(self, int n, uint64_t planned):
        """Point at the table of order n, sized for `planned` entries."""
        table = self.tables[n - 2]
        self.data[n] = cnp.PyArray_DATA(table)
        self.buckets[n] = len(table)
        self.stride[n] = table.dtype.itemsize
        self.limit[n] = planned + (self.buckets[n] - 1 - planned) // 2

    cdef int _grow(self, int n) except -1:
        """Rebuild the table of order n for its entries and one more (at its multiplier's load again), and at
        least an eighth more room: a multiplier just above 1 leaves so little slack that growing by it alone
        would rebuild the table every few blanks."""
        old = self.tables[n - 2]
        cdef uint64_t planned = self.entries[n] + 1, b
        cdef Py_ssize_t i
        cdef bint clash = False
        # (the limit _attach sets is planned * (1 + (multiplier - 1) / 2))
        planned = max(planned, <uint64_t> (self.entries[n] * 1.125 / (1 + (self.multiplier - 1) / 2)))
        table = np.zeros(table_buckets(planned, self.multiplier), old.dtype)
        cdef MiddleEntry* source = <MiddleEntry*> cnp.PyArray_DATA(old)
        cdef MiddleEntry* target = <MiddleEntry*> cnp.PyArray_DATA(table)
        cdef LongestEntry* longest_source = <LongestEntry*> cnp.PyArray_DATA(old)
        cdef LongestEntry* longest_target = <LongestEntry*> cnp.PyArray_DATA(table)
        for i in range(len(old)):
            if n < self.order and source[i].key != 0:
                b = free_bucket(target, len(table), source[i].key, &clash)
                target[b] = source[i]
            elif n == self.order and longest_source[i].key != 0:
                b = free_bucket(longest_target, len(table), longest_source[i].key, &clash)
                longest_target[b] = longest_source[i]
        self.tables[n - 2] = table
        self._attach(n, planned)
        return 0

    cdef inline void _prefetch(self, int n, uint64_t key) noexcept:
        """Ask for the bucket of `key` in the table of order n ahead of its probe (a cache miss)."""
        prefetch(<char*> self.data[n] + ngl_bucket(key, self.buckets[n]) * self.stride[n])

    cdef inline MiddleEntry* _find(self, int n, uint64_t key) noexcept:
        """The entry of `key` in the table of order n, a middle order, or NULL."""
        return find_entry(<MiddleEntry*> self.data[n], self.buckets[n], key)

    cdef int _insert(self, int n, uint64_t key, float prob, float bow) except -1:
        """Put an n-gram in the table of order n; 1 if its key is there already (nothing is put), else 0."""
        cdef bint clash = False
        cdef uint64_t b
        cdef MiddleEntry* middle
        cdef LongestEntry* longest
        if self.entries[n] >= self.limit[n]:
            self._grow(n)
        if n < self.order:
            middle = <MiddleEntry*> self.data[n]
            b = free_bucket(middle, self.buckets[n], key, &clash)
            if not clash:
                middle[b].key, middle[b].prob, middle[b].bow = key, prob, bow
        else:
            longest = <LongestEntry*> self.data[n]
            b = free_bucket(longest, self.buckets[n], key, &clash)
            if not clash:
                longest[b].key, longest[b].prob = key, prob
        if clash:
            return 1
        self.entries[n] += 1
        return 0

    cdef int _close_suffixes(self, const uint32_t* row, int n) except -1:
        """Insert the missing suffixes of a row of n >= 3 words as blanks, shortest first (each one's own suffix is
        then there: the tables hold every suffix of every entry, the unigrams aside)."""
        cdef uint64_t suffix[MAX_ORDER + 1]  # suffix[j]: the key of the row's last j words
        cdef uint64_t context[MAX_ORDER + 1]  # context[j]: the key of the j words before its last
        cdef uint64_t h = ngl_hash_start(row[n - 1])
        cdef int j, i
        cdef float bow, prob
        cdef MiddleEntry* e
        for j in range(2, n):
            h = ngl_hash_extend(h, row[n - j])
            suffix[j] = h
        j = n - 1
        while j >= 2 and self._find(j, suffix[j]) == NULL:
            j -= 1
        if j == n - 1:
            return 0
        h = ngl_hash_start(row[n - 2])
        for i in range(2, n - 1):
            h = ngl_hash_extend(h, row[n - 1 - i])
            context[i] = h
        for i in range(j + 1, n):  # the blank of the last i words: bow(its first i - 1 words) + p(its last i - 1)
            if i == 2:
                self.ubow[row[n - 2]] = extended(self.ubow[row[n - 2]])
                bow = self.ubow[row[n - 2]]
                prob = self.uprob[row[n - 1]]
            else:
                e = self._find(i - 1, context[i - 1])
                bow = 0.0
                if e != NULL:
                    e.bow = extended(e.bow)
                    bow = e.bow
                else:  # (a BackoffModel's row without its context: a later blank may fill it, finish() marks it)
                    keyset_add(&self.orphans[i - 1], context[i - 1])
                e = self._find(i - 1, suffix[i - 1])
                if e == NULL:
                    raise RuntimeError("IndexBuilder: a blank's suffix is missing")  # (inserted just before)
                prob = e.prob
            self._insert(i, suffix[i], bow + prob, NEVER_EXTENDS)
            keyset_add(&self.blanks[i], suffix[i])
        return 0

    def add(self, int n, const uint32_t[:, ::1] grams not None, const float[::1] prob not None,
            const float[::1] bow=None):
        """Add rows of order n: their word ids (each below the unigram arrays' length), log10 probabilities (NaN:
        the backed-off one) and, below the highest order, log10 back-off weights (NaN or zero: none). Returns None,
        or what is wrong: a row whose context is not a row of order n - 1 (with check_contexts), or a key that is
        in the table already (an n-gram given twice, or two that share a 64-bit hash)."""
        cdef Py_ssize_t m = grams.shape[0], i, r
        cdef int j, k
        cdef uint64_t h
        cdef uint64_t ahead_own[LOOKAHEAD]
        cdef uint64_t ahead_context[LOOKAHEAD]
        cdef uint64_t ahead_suffix[LOOKAHEAD]
        cdef const uint32_t* row
        cdef MiddleEntry* e
        cdef float p, w, cbow
        if not self.tables or n < self.filling or n > self.order:
            raise ValueError(f"IndexBuilder.add: order {n} after order {self.filling} of {self.order}")
        if grams.shape[1] != n or prob.shape[0] != m or (n < self.order and (bow is None or bow.shape[0] != m)):
            raise ValueError(f"IndexBuilder.add: {n} words, a probability and (below the highest order) a weight per row")
        for i in range(m):
            for j in range(n):
                if grams[i, j] >= self.vocab_size:
                    raise ValueError(f"IndexBuilder.add: word id {grams[i, j]} beyond the {self.vocab_size} unigrams")
        self.filling = n
        # The probes are cache misses: row i's keys are hashed, and their buckets asked for, LOOKAHEAD rows before
        # row i is put in.
        for i in range(m + LOOKAHEAD):
            if i >= LOOKAHEAD:
                r = i - LOOKAHEAD
                k = r % LOOKAHEAD
                row = &grams[r, 0]
                if n == 2:
                    self.ubow[row[0]] = extended(self.ubow[row[0]])
                    cbow = self.ubow[row[0]]
                else:
                    if self._find(n - 1, ahead_suffix[k]) == NULL:
                        self._close_suffixes(row, n)
                    e = self._find(n - 1, ahead_context[k])
                    if self.check_contexts and (e == NULL or keyset_contains(&self.blanks[n - 1], ahead_context[k])):
                        return f"a {n}-gram has no {n - 1}-gram for its context"
                    cbow = 0.0
                    if e != NULL:
                        e.bow = extended(e.bow)
                        cbow = e.bow
                    else:  # (it may yet come, as a blank of a longer row: finish() marks it then)
                        keyset_add(&self.orphans[n - 1], ahead_context[k])
                p = prob[r]
                if isnan(p):
                    if n == 2:
                        p = cbow + self.uprob[row[1]]
                    else:
                        e = self._find(n - 1, ahead_suffix[k])
                        if e == NULL:
                            raise RuntimeError("IndexBuilder: a row's suffix is missing")  # (closed above)
                        p = cbow + e.prob
                    keyset_add(&self.blanks[n], ahead_own[k])
                w = 0.0
                if n < self.order:
                    w = bow[r]
                    if isnan(w) or w == 0:
                        w = NEVER_EXTENDS
                if self._insert(n, ahead_own[k], p, w):
                    return (f"two {n}-grams share a 64-bit hash (or an n-gram appears twice); "
                            "check the model for repeated n-grams")
            if i < m:
                k = i % LOOKAHEAD
                h = ngl_hash_start(grams[i, n - 1])
                for j in range(n - 2, 0, -1):
                    h = ngl_hash_extend(h, grams[i, j])
                ahead_suffix[k] = h
                ahead_own[k] = ngl_hash_extend(h, grams[i, 0])
                self._prefetch(n, ahead_own[k])
                if n >= 3:
                    self._prefetch(n - 1, h)
                    h = ngl_hash_start(grams[i, n - 2])
                    for j in range(n - 3, -1, -1):
                        h = ngl_hash_extend(h, grams[i, j])
                    ahead_context[k] = h
                    self._prefetch(n - 1, h)
        return None

    def finish(self):
        """(the middle orders' tables, the highest order's table, per order n at n - 1 the sorted keys of its blanks
        or None (None for the unigrams)). The builder is spent."""
        cdef int n
        cdef uint64_t i, k
        cdef MiddleEntry* e
        if not self.tables:
            raise ValueError("IndexBuilder.finish: the builder is spent (or was never set up)")
        for n in range(2, self.order):  # contexts missing when their rows came, since closed as blanks
            for i in range(self.orphans[n].size):
                if self.orphans[n].slots[i] != 0:
                    e = self._find(n, self.orphans[n].slots[i])
                    if e != NULL:
                        e.bow = extended(e.bow)
        blank_keys = [None] * self.order
        for n in range(2, self.order + 1):
            if self.blanks[n].count:
                keys = np.empty(self.blanks[n].count, np.uint64)
                k = 0
                for i in range(self.blanks[n].size):
                    if self.blanks[n].slots[i] != 0:
                        keys[k] = self.blanks[n].slots[i]
                        k += 1
                keys.sort()
                blank_keys[n - 1] = keys
        tables, self.tables = self.tables, []
        return tables[:len(tables) - 1], tables[len(tables) - 1], blank_keys


def build_vocab_table(list words):
    """The probing table from spellings to ids (id = position in `words`); None if two spellings share a key."""
    cdef Py_ssize_t m = len(words), i
    cdef uint64_t buckets = table_buckets(m), b, key
    table = np.zeros(buckets, VOCAB_DTYPE)
    cdef VocabEntry* t = <VocabEntry*> cnp.PyArray_DATA(table)
    cdef bytes spelling
    for i in range(m):
        spelling = (<str?> words[i]).encode("utf-8")
        key = ngl_hash_bytes(PyBytes_AS_STRING(spelling), PyBytes_GET_SIZE(spelling))
        b = ngl_bucket(key, buckets)
        while t[b].key != 0:
            if t[b].key == key:
                return None
            b += 1
            if b == buckets:
                b = 0
        t[b].key = key
        t[b].id = <uint32_t> i
    return table


cdef class State:
    """What a model remembers of a history: the words that can still extend an n-gram (most recent first) and
    their back-off weights, as KenLM's State.

    Two states are equal exactly when they hold the same words, so hypotheses whose histories differ only in
    words the model can no longer use compare (and hash) equal and can be recombined by a decoder. States are
    ordered (by length, then words), hashable, copyable and picklable.
    """

    def __cinit__(self):
        memset(&self.c, 0, sizeof(CState))

    @property
    def length(self) -> int:
        """Number of context words held."""
        return self.c.length

    @property
    def words(self) -> tuple:
        """The context word ids, most recent first."""
        return tuple(self.c.words[i] for i in range(self.c.length))

    cdef int compare(self, State other):
        cdef int i
        if self.c.length != other.c.length:
            return -1 if self.c.length < other.c.length else 1
        for i in range(self.c.length):
            if self.c.words[i] != other.c.words[i]:
                return -1 if self.c.words[i] < other.c.words[i] else 1
        return 0

    def __richcmp__(State self, other, int op):
        if not isinstance(other, State):
            return NotImplemented
        cdef int r = self.compare(<State> other)
        if op == 0:
            return r < 0
        if op == 1:
            return r <= 0
        if op == 2:
            return r == 0
        if op == 3:
            return r != 0
        if op == 4:
            return r > 0
        return r >= 0

    def __hash__(self):
        cdef uint64_t h = ngl_hash_start(self.c.length)
        cdef int i
        for i in range(self.c.length):
            h = ngl_hash_extend(h, self.c.words[i])
        return <Py_hash_t> (h >> 2)

    def __copy__(self):
        cdef State copy = State.__new__(State)
        copy.c = self.c
        return copy

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __reduce__(self):
        return (_state_from_bytes, (PyBytes_FromStringAndSize(<char*> &self.c, sizeof(CState)),))

    def __repr__(self):
        return f"State(words={self.words})"


def _state_from_bytes(bytes data):
    """Rebuild a pickled State."""
    if len(data) != sizeof(CState):
        raise ValueError("not a pickled ngramlm State")
    cdef State state = State.__new__(State)
    memcpy(&state.c, <const char*> data, sizeof(CState))
    return _bounded(state)


cdef State _bounded(State state):
    """`state`, refused if it claims more words than a State holds (its words, hash and order read that many)."""
    if state.c.length > MAX_CONTEXT:
        raise ValueError(f"a State holds at most {MAX_CONTEXT} context words, this one claims {state.c.length}")
    return state


def pack_states(states) -> np.ndarray:
    """An array of STATE_DTYPE holding a sequence of States (the input of Model.score_pairs)."""
    out = np.zeros(len(states), STATE_DTYPE)
    cdef CState* o = <CState*> cnp.PyArray_DATA(out)
    cdef Py_ssize_t i = 0, n = len(out)
    cdef State s
    for s in states:
        if s is None or i == n:
            raise ValueError("pack_states takes a sized sequence of States")
        o[i] = s.c
        i += 1
    return out


def unpack_state(states, Py_ssize_t index) -> State:
    """The State at `index` of an array of STATE_DTYPE."""
    states = np.ascontiguousarray(states, STATE_DTYPE)
    if not 0 <= index < len(states):
        raise IndexError(f"state index {index} is out of range for {len(states)} states")
    cdef State state = State.__new__(State)
    state.c = (<CState*> cnp.PyArray_DATA(states))[index]
    return _bounded(state)


cdef class FullScoreReturn:
    """The result of BaseFullScore: log10 probability, length of the n-gram that matched, whether the word is
    out of the vocabulary (KenLM's FullScoreReturn)."""

    def __init__(self, float log_prob, int ngram_length, bint oov):
        self.log_prob = log_prob
        self.ngram_length = ngram_length
        self.oov = oov

    def __repr__(self):
        return f"FullScoreReturn({self.log_prob!r}, {self.ngram_length!r}, {self.oov!r})"


cdef enum:
    SENTENCE_ON_STACK = 512  # word ids of a sentence that HashIndex.score holds without allocating


# Log10 values at or below this are log10(0), as SRILM and KenLM read ARPA's -99 (score_backoff).
cdef float LOG10_ZERO = -99.0


cdef inline float read_log(float value) noexcept nogil:
    """A stored log10 value as the two tools read it from the ARPA file: -99 and below is log10(0)."""
    return -INFINITY if value <= LOG10_ZERO else value


cdef inline bint among(const uint64_t* keys, Py_ssize_t count, uint64_t key) noexcept nogil:
    """Whether `key` is one of the sorted `keys` (binary search)."""
    cdef Py_ssize_t low = 0, high = count, middle
    while low < high:
        middle = (low + high) >> 1
        if keys[middle] < key:
            low = middle + 1
        else:
            high = middle
    return low < count and keys[low] == key


cdef enum:
    WALKS_AHEAD = 8  # positions between hashing a position's keys and scoring it (HashIndex.score_backoff)


# The keys one position of HashIndex.score_backoff probes: context[L - 1] is the key of its context of L words
# (L >= 2), gram[L - 1] that of the n-gram of that context and the word; `words`: the context words before the
# history's padding.
cdef struct Walk:
    uint64_t context[MAX_ORDER]
    uint64_t gram[MAX_ORDER]
    int words


cdef inline void prepare_walk(HashIndex index, const uint32_t* history, Py_ssize_t full, int width, uint32_t word,
                              Walk* walk) noexcept nogil:
    """Hash the keys of a position (`history`: its row of `full` ids, oldest first, of which the last `width`
    count) and ask for their buckets."""
    cdef uint64_t context = 0, gram = ngl_hash_start(word)
    cdef uint32_t c
    cdef int length, n
    walk.words = 0
    for length in range(1, width + 1):
        c = history[full - length]
        if c >= index._vocab_size:
            break
        context = ngl_hash_start(c) if length == 1 else ngl_hash_extend(context, c)
        gram = ngl_hash_extend(gram, c)
        walk.context[length - 1] = context
        walk.gram[length - 1] = gram
        walk.words = length
        if length >= 2:
            prefetch(&index._middle[length][ngl_bucket(context, index._middle_buckets[length])])
        n = length + 1
        if n == index._order:
            prefetch(&index._longest[ngl_bucket(gram, index._longest_buckets)])
        else:
            prefetch(&index._middle[n][ngl_bucket(gram, index._middle_buckets[n])])


cdef inline void prefetch_next(HashIndex index, const uint32_t* ids, Py_ssize_t k, bint bos) noexcept nogil:
    """Ask for the buckets that scoring ids[k] will probe: its n-grams over the words before it (and <s>). The
    state when it is scored holds a suffix of these words, so every key it probes is among them."""
    cdef uint64_t keys[MAX_CONTEXT]
    cdef uint64_t key = ngl_hash_start(ids[k])
    cdef int count = 0
    cdef Py_ssize_t j = k - 1
    while count < index._order - 1:
        if j >= 0:
            key = ngl_hash_extend(key, ids[j])
        elif j == -1 and bos:
            key = ngl_hash_extend(key, index._bos)
        else:
            break
        keys[count] = key
        count += 1
        j -= 1
    index.prefetch_keys(ids[k], keys, count)


cdef class HashIndex:
    """The compiled scorer over the tables of an index (probing hash tables, KenLM's design);
    ngramlm.use.query.Model extends it and is its public face.

    The KenLM-compatible methods (BaseScore, BaseFullScore, BeginSentenceWrite, NullContextWrite, score,
    full_scores) live here, and Model inherits them, so that a call from Python reaches the probe loop without
    a Python layer between.
    """

    def __cinit__(self, *args, **kwargs):
        self._order = 0
        self._keep_alive = []

    def __init__(self, int order, uni_prob, uni_bow, present, middle_tables, longest_table, vocab_table,
                 uint32_t bos, uint32_t eos):
        """Point the scorer at the index arrays (ngramlm.formats.probing.IndexTables), which it keeps alive; they
        are checked first (check_index: ValueError)."""
        uni_prob, uni_bow, present, middle_tables, longest_table, vocab_table = check_index(
            order, uni_prob, uni_bow, present, middle_tables, longest_table, vocab_table, bos, eos)
        arrays = [uni_prob, uni_bow, present]
        self._vocab_size = len(uni_prob)
        self._uni_prob = <const float*> cnp.PyArray_DATA(uni_prob)
        self._uni_bow = <const float*> cnp.PyArray_DATA(uni_bow)
        self._present = <const uint8_t*> cnp.PyArray_DATA(present)
        cdef int n
        for n in range(MAX_ORDER + 1):
            self._middle[n] = NULL
            self._middle_buckets[n] = 0
        for n, table in enumerate(middle_tables, 2):
            arrays.append(table)
            self._middle[n] = <MiddleEntry*> cnp.PyArray_DATA(table)
            self._middle_buckets[n] = len(table)
        self._longest = NULL
        if order > 1:
            arrays.append(longest_table)
            self._longest = <LongestEntry*> cnp.PyArray_DATA(longest_table)
            self._longest_buckets = len(longest_table)
        arrays.append(vocab_table)
        self._vocab = <const VocabEntry*> cnp.PyArray_DATA(vocab_table)
        self._vocab_buckets = len(vocab_table)
        self._keep_alive = arrays
        self._bos = bos
        self._eos = eos
        self._order = order

    cdef inline int check_state(self, const CState* state) except -1 nogil:
        """Refuse (ValueError) a state this model cannot score from: more context words than its order allows, or
        a word id beyond its vocabulary (a state of another model, or unpickled). The probes fill one key per
        context word into a buffer of MAX_CONTEXT, and read the unigram arrays at the state's ids."""
        cdef int i
        if state.length > self._order - 1:  # also true for a model never initialised (order 0)
            with gil:
                if self._order == 0:
                    raise ValueError("the model is not initialised")
                raise ValueError(f"the state holds {state.length} context words, more than this order {self._order} "
                                 "model allows; was it made by another model?")
        for i in range(state.length):
            if state.words[i] >= self._vocab_size:
                with gil:
                    raise ValueError(f"the state holds word id {state.words[i]}, beyond this model's "
                                     f"{self._vocab_size} words; was it made by another model?")
        return 0

    cdef int check_ready(self) except -1:
        if self._order == 0:
            raise ValueError("the model is not initialised")
        return 0

    cdef inline uint32_t known(self, uint32_t word) noexcept nogil:
        """The id the index scores `word` as: itself if it is a unigram of the model, else <unk> (0)."""
        if word >= self._vocab_size or not self._present[word]:
            return 0
        return word

    cdef double score_word(self, const CState* context, uint32_t word, CState* out, int* ngram_length) noexcept nogil:
        """log10 p(word | context) by the back-off recursion, writing the state after `word` to `out`.

        Katz (1987) back-off as SRILM and KenLM apply it to ARPA models: the probability of the longest n-gram
        that matches, plus the back-off weights of the context words it had to drop (those are in `context`).
        """
        cdef uint64_t keys[MAX_CONTEXT]
        cdef uint32_t w = self.known(word)
        self.context_keys(context, w, keys)
        return HashIndex.score_keys(self, context, w, keys, out, ngram_length)

    cdef inline void context_keys(self, const CState* context, uint32_t w, uint64_t* keys) noexcept nogil:
        """The hash keys of the n-grams that end in `w` after `context`: keys[j] is that of order j + 2."""
        cdef uint64_t key = ngl_hash_start(w)
        cdef int j
        for j in range(context.length):
            key = ngl_hash_extend(key, context.words[j])
            keys[j] = key

    cdef inline double score_keys(self, const CState* context, uint32_t w, const uint64_t* keys, CState* out,
                                  int* ngram_length) noexcept nogil:
        """score_word for a known word `w` whose n-gram keys are given (context_keys)."""
        cdef CState next_state
        cdef double prob = self._uni_prob[w]
        cdef int length = 1, keep, j, n
        cdef uint64_t key
        cdef MiddleEntry* middle
        cdef LongestEntry* longest
        next_state.backoff[0] = self._uni_bow[w]
        keep = 1 if ngl_has_extension(next_state.backoff[0]) else 0
        for j in range(context.length):
            key = keys[j]
            n = j + 2
            if n == self._order:
                longest = find_entry(self._longest, self._longest_buckets, key)
                if longest != NULL:
                    prob = longest.prob
                    length = n
                break
            middle = find_entry(self._middle[n], self._middle_buckets[n], key)
            if middle == NULL:
                break
            prob = middle.prob
            length = n
            next_state.backoff[j + 1] = middle.bow
            if ngl_has_extension(middle.bow):
                keep = n
        return finish_back_off(context, &next_state, out, w, prob, length, keep, self._order, ngram_length)

    cdef inline void begin_sentence(self, CState* state) noexcept nogil:
        if self._order == 1:
            state.length = 0
            return
        state.length = 1
        state.words[0] = self._bos
        state.backoff[0] = self._uni_bow[self._bos]

    cdef inline uint32_t spelling_id(self, const char* spelling, Py_ssize_t size) noexcept nogil:
        """The id of a UTF-8 spelling, 0 (<unk>) if the vocabulary does not have it."""
        cdef uint64_t key = ngl_hash_bytes(spelling, size)
        cdef uint64_t i = ngl_bucket(key, self._vocab_buckets), step
        for step in range(self._vocab_buckets):  # bounded as find_entry's probe
            if self._vocab[i].key == key:
                return self._vocab[i].id
            if self._vocab[i].key == 0:
                return 0
            i += 1
            if i == self._vocab_buckets:
                i = 0
        return 0

    cdef inline uint32_t str_id(self, str word) except? 0:
        cdef Py_ssize_t size
        cdef const char* spelling = PyUnicode_AsUTF8AndSize(word, &size)
        return self.spelling_id(spelling, size)

    cdef inline uint32_t word_id(self, word) except? 0:
        if isinstance(word, str):
            return self.str_id(<str> word)
        if isinstance(word, bytes):
            return self.spelling_id(PyBytes_AS_STRING(word), PyBytes_GET_SIZE(word))
        return <uint32_t> word

    def word_index(self, word) -> int:
        """The id the model scores `word` (a string, bytes or an id) as: 0 (<unk>) if it does not know it."""
        return self.known(self.word_id(word))

    def encode(self, words) -> np.ndarray:
        """Ids of a sequence of words (0, <unk>, for those the model does not know), ready for score_ids."""
        cdef Py_ssize_t i = 0, n = len(words)
        out = np.empty(n, np.uint32)
        cdef uint32_t[::1] o = out
        for word in words:
            if i == n:
                raise ValueError("encode takes a sized sequence of words")
            o[i] = self.known(self.word_id(word))
            i += 1
        return out

    def BeginSentenceWrite(self, State state not None):
        """Set `state` to the start of a sentence (context <s>)."""
        self.check_ready()
        self.begin_sentence(&state.c)

    def NullContextWrite(self, State state not None):
        """Set `state` to the empty context."""
        state.c.length = 0

    def BaseScore(self, State in_state not None, word, State out_state not None) -> float:
        """log10 p(word | in_state), writing the state after `word` to `out_state`.

        `word` is a string (looked up as <unk> when unknown) or a word id. A state the model cannot have made
        (too long for its order, or with word ids beyond its vocabulary) raises ValueError.
        """
        cdef int length
        self.check_state(&in_state.c)
        return self.score_word(&in_state.c, self.word_id(word), &out_state.c, &length)

    def BaseFullScore(self, State in_state not None, word, State out_state not None) -> FullScoreReturn:
        """Like BaseScore, returning FullScoreReturn(log_prob, ngram_length, oov)."""
        cdef int length
        self.check_state(&in_state.c)
        cdef uint32_t w = self.known(self.word_id(word))
        cdef double prob = self.score_word(&in_state.c, w, &out_state.c, &length)
        return full_score_return(prob, length, w == 0)

    def score(self, sentence, bint bos=True, bint eos=True) -> float:
        """log10 probability of a whitespace-separated sentence (with </s>, after <s>, unless told not to).

        Never include <s> in the string: it is context only. Words are split at ASCII whitespace, as kenlm
        splits them. The words are looked up first, so that while one word is scored the buckets of the next
        one's n-grams are already on their way (prefetch_next): the probes are cache misses, and this overlaps
        them.
        """
        cdef Py_ssize_t size, i = 0, start, count = 0, k
        cdef const char* text = sentence_text(sentence, &size)
        cdef uint32_t on_stack[SENTENCE_ON_STACK]
        cdef uint32_t* ids = on_stack
        cdef CState a
        cdef int length
        cdef double total = 0
        self.check_ready()
        if size // 2 + 2 > SENTENCE_ON_STACK:  # a sentence of `size` bytes has at most (size + 1) // 2 words
            ids = <uint32_t*> malloc((size // 2 + 2) * sizeof(uint32_t))
            if ids == NULL:
                raise MemoryError()
        if bos:
            self.begin_sentence(&a)
        else:
            a.length = 0
        with nogil:
            while next_word(text, size, &start, &i):
                ids[count] = self.known(self.spelling_id(text + start, i - start))
                count += 1
            if eos:
                ids[count] = self._eos
                count += 1
            for k in range(count):
                if k + 1 < count:
                    prefetch_next(self, ids, k + 1, bos)
                total += self.score_word(&a, ids[k], &a, &length)
        if ids != on_stack:
            free(ids)
        return total

    def full_scores(self, sentence, bint bos=True, bint eos=True):
        """Per-word (log10 prob, n-gram length, oov) of a sentence, </s> included unless eos is False."""
        if not isinstance(sentence, bytes):
            sentence = sentence.encode("utf-8")
        cdef bytes word
        cdef CState a
        cdef int length
        cdef uint32_t w
        cdef double prob
        cdef list out = []
        self.check_ready()
        if bos:
            self.begin_sentence(&a)
        else:
            a.length = 0
        for word in (<bytes> sentence).split():
            w = self.known(self.spelling_id(PyBytes_AS_STRING(word), PyBytes_GET_SIZE(word)))
            prob = self.score_word(&a, w, &a, &length)
            out.append((prob, length, w == 0))
        if eos:
            prob = self.score_word(&a, self._eos, &a, &length)
            out.append((prob, length, False))
        return iter(out)

    cdef inline void prefetch_keys(self, uint32_t word, const uint64_t* keys, int count) noexcept nogil:
        """Ask memory now for what scoring `word` will read: its unigram entries and the buckets of the `count`
        n-gram keys (context_keys) its probes start from."""
        cdef int j, n
        cdef const char* bucket
        prefetch(&self._uni_prob[word])
        prefetch(&self._uni_bow[word])
        for j in range(count):
            n = j + 2
            if n == self._order:
                bucket = <const char*> &self._longest[ngl_bucket(keys[j], self._longest_buckets)]
            else:
                bucket = <const char*> &self._middle[n][ngl_bucket(keys[j], self._middle_buckets[n])]
            # A probe that misses runs on to the next empty bucket, often into the following cache line.
            prefetch(bucket)
            prefetch(bucket + 64)

    cdef inline void open_lane(self, Lane* lane, Py_ssize_t sentence, const int64_t* offsets, bint bos,
                               bint eos) noexcept nogil:
        lane.pos = offsets[sentence]
        lane.words_end = offsets[sentence + 1]
        lane.stop = lane.words_end + eos
        lane.out = offsets[sentence] + sentence * eos
        if bos:
            self.begin_sentence(&lane.state)
        else:
            lane.state.length = 0
        lane.active = lane.pos < lane.stop

    def score_flat_into(self, const uint32_t[::1] ids not None, const int64_t[::1] offsets not None, bint bos,
                        bint eos, bint natural_log, double[::1] log_prob not None,
                        uint8_t[::1] ngram_length not None, uint8_t[::1] oov not None):
        """Score sentences given as one id array cut by `offsets`; writes one entry per word (and per </s>).

        LANES sentences are scored side by side, round robin: as soon as a lane's word is scored, the keys of
        its next word's n-grams are hashed and their buckets prefetched, and they arrive while the other lanes
        are scored, so the cache misses of one lane overlap with the work of the others (the table probes are
        memory-bound, not compute-bound). The probes then use the stored keys instead of hashing again.
        """
        cdef Lane lanes[LANES]
        cdef Lane* lane
        cdef Py_ssize_t sentences = offsets.shape[0] - 1, next_sentence = 0
        cdef int l, length, live
        cdef uint32_t w
        cdef double scale = C_LN10 if natural_log else 1.0
        self.check_ready()
        if sentences <= 0:
            return
        # The lanes index ids and the outputs by the offsets: check them all first.
        if offsets[0] != 0 or offsets[sentences] != ids.shape[0]:
            raise ValueError("offsets must start at 0, never decrease, and end at len(ids)")
        for l in range(sentences):
            if offsets[l + 1] < offsets[l]:
                raise ValueError("offsets must start at 0, never decrease, and end at len(ids)")
        if min(log_prob.shape[0], ngram_length.shape[0], oov.shape[0]) < ids.shape[0] + (sentences if eos else 0):
            raise ValueError("the output arrays are too short for the words (and </s>) of the sentences")
        with nogil:
            for l in range(LANES):
                lane = &lanes[l]
                lane.active = False
                while not lane.active and next_sentence < sentences:
                    self.open_lane(lane, next_sentence, &offsets[0], bos, eos)
                    next_sentence += 1
                if lane.active:
                    self.prefetch_lane(lane, &ids[0])
            while True:
                live = 0
                for l in range(LANES):
                    lane = &lanes[l]
                    if not lane.active:
                        continue
                    live += 1
                    w = lane.word
                    log_prob[lane.out] = HashIndex.score_keys(self, &lane.state, w, lane.keys, &lane.state,
                                                               &length) * scale
                    ngram_length[lane.out] = length
                    oov[lane.out] = w == 0 and lane.pos < lane.words_end
                    lane.pos += 1
                    lane.out += 1
                    if lane.pos == lane.stop:
                        lane.active = False
                        while not lane.active and next_sentence < sentences:
                            self.open_lane(lane, next_sentence, &offsets[0], bos, eos)
                            next_sentence += 1
                    if lane.active:
                        # Ask for this lane's next buckets now: the other lanes' words are scored meanwhile.
                        self.prefetch_lane(lane, &ids[0])
                if live == 0:
                    break

    cdef inline void prefetch_lane(self, Lane* lane, const uint32_t* ids) noexcept nogil:
        HashIndex.prepare_pair(self, &lane.state, ids[lane.pos] if lane.pos < lane.words_end else self._eos,
                                &lane.word, lane.keys)

    def score_pairs_into(self, states, const uint32_t[::1] words not None, bint natural_log,
                         double[::1] log_prob not None, out_states):
        """Score each (states[i], words[i]) pair, writing the next states to `out_states` (or not, if None).

        Every state is checked against the model first (check_state: ValueError naming the pair)."""
        cdef Py_ssize_t i, m = words.shape[0]
        for array in (states, out_states):
            if array is not None and not (isinstance(array, np.ndarray) and array.dtype == STATE_DTYPE
                                          and array.ndim == 1 and array.flags.c_contiguous and len(array) == m):
                raise ValueError(f"states must be a contiguous array of {m} STATE_DTYPE entries, one per word")
        if states is None or log_prob.shape[0] < m:
            raise ValueError("score_pairs_into needs one state and one output slot per word")
        if out_states is not None and not out_states.flags.writeable:
            raise ValueError("out_states is read-only")
        cdef const CState* inp = <const CState*> cnp.PyArray_DATA(states)
        cdef CState* out = NULL
        cdef CState scratch
        for i in range(m):
            try:
                self.check_state(&inp[i])
            except ValueError as error:
                raise ValueError(f"pair {i}: {error}") from None
        cdef int length, slot
        cdef double scale = C_LN10 if natural_log else 1.0
        # Pairs are independent: pair i + LANES is hashed and its buckets prefetched while pair i is scored; its
        # word and keys wait in slot (i + LANES) % LANES.
        cdef uint32_t known_words[LANES]
        cdef uint64_t keys[LANES][MAX_CONTEXT]
        if out_states is not None:
            out = <CState*> cnp.PyArray_DATA(out_states)
        with nogil:
            for i in range(min(m, LANES)):
                self.prepare_pair(&inp[i], words[i], &known_words[i], &keys[i][0])
            for i in range(m):
                slot = i % LANES
                log_prob[i] = HashIndex.score_keys(self, &inp[i], known_words[slot], &keys[slot][0],
                                                    &out[i] if out != NULL else &scratch, &length) * scale
                if i + LANES < m:
                    self.prepare_pair(&inp[i + LANES], words[i + LANES], &known_words[slot], &keys[slot][0])

    cdef inline void prepare_pair(self, const CState* state, uint32_t word, uint32_t* known_word,
                                  uint64_t* keys) noexcept nogil:
        """Ready `word` to be scored after `state`: its id as the model knows it, its n-gram keys, and their
        buckets asked for (score_keys then finds them in cache)."""
        known_word[0] = self.known(word)
        HashIndex.context_keys(self, state, known_word[0], keys)
        HashIndex.prefetch_keys(self, known_word[0], keys, state.length)

    def score_backoff(self, words, histories, bint bows_first, missing_unk, bint has_unk, list blanks,
                      int order=0):
        """log10 p(w | h) (float32, -inf for zero) and the length of the longest n-gram of the model that matched
        (int64), for words (m,) and histories (m, width), oldest word first, padded with ids at or above the
        vocabulary size: what the BackoffModel's NgramIndex.score gives, bit for bit, from this index (the one
        compiled back-off scorer: ngramlm.use.scoring's BackoffScorer and IndexBackoffScorer). `bows_first`: SRILM's
        sum (the back-off weights added up first, then to the probability), else KenLM's (each added to the
        probability in turn); `missing_unk`: log10 p of an <unk> that is no unigram (KenLM's -100; None: zero
        probability). Only the last `order` - 1 words of a history count (`order` 0: the model's).

        The index holds n-grams the model does not (the blanks of ngramlm.formats.probing, and a stand-in <unk>):
        `blanks[n - 1]` holds the sorted keys of the blank n-grams (or None), which never match here (a
        BackoffModel's context-only rows among them; a context-only unigram has a NaN probability), and
        `has_unk` says whether <unk> is a unigram of the model. The walk goes from the word outwards, one context
        word at a time, and stops at the first context the index lacks: the blanks make every suffix of an entry
        an entry too, so no longer context can be in the model.
        """
        self.check_ready()
        if order == 0:
            order = self._order
        if not 1 <= order <= self._order:
            raise ValueError(f"order {order} is outside 1..{self._order}")
        if len(blanks) != self._order:
            raise ValueError("score_backoff needs one entry of blank keys per order")
        cdef const uint32_t[::1] w = np.ascontiguousarray(words, dtype=np.uint32).reshape(-1)
        h_array = np.ascontiguousarray(histories, dtype=np.uint32)
        if h_array.ndim != 2 or h_array.shape[0] != w.shape[0]:
            raise ValueError("histories must be an (m, width) array, one row per word")
        cdef const uint32_t[:, ::1] h = h_array
        cdef const uint64_t* blank_keys[MAX_ORDER + 1]
        cdef Py_ssize_t blank_count[MAX_ORDER + 1]
        cdef int n
        kept = []
        for n in range(1, self._order + 1):
            blank_count[n] = 0
            if blanks[n - 1] is not None and len(blanks[n - 1]):
                keys = np.ascontiguousarray(blanks[n - 1], dtype=np.uint64)
                kept.append(keys)
                blank_keys[n] = <const uint64_t*> cnp.PyArray_DATA(keys)
                blank_count[n] = len(keys)
        cdef Py_ssize_t m = w.shape[0], full = h_array.shape[1], i
        cdef int width = min(full, order - 1), j, length, matched_length, start, slot
        cdef bint has_missing = missing_unk is not None, probing
        cdef float unk_value = missing_unk if has_missing else 0.0
        logp_array = np.empty(m, dtype=np.float32)
        matched_array = np.empty(m, dtype=np.int64)
        cdef float[::1] logp = logp_array
        cdef int64_t[::1] matched = matched_array
        cdef float bows[MAX_ORDER]
        cdef float value, total, bow
        cdef uint32_t word, c
        cdef MiddleEntry* middle
        cdef LongestEntry* longest
        cdef float prob
        cdef bint found
        # The probes are cache misses: position i + WALKS_AHEAD is hashed and its buckets asked for while
        # position i is scored (its keys wait in walks[i % WALKS_AHEAD]).
        cdef Walk walks[WALKS_AHEAD]
        cdef Walk* walk
        with nogil:
            for i in range(min(m, WALKS_AHEAD)):
                prepare_walk(self, &h[i, 0] if full else NULL, full, width, w[i], &walks[i])
            for i in range(m):
                slot = i % WALKS_AHEAD
                walk = &walks[slot]
                word = w[i]
                value, matched_length = -INFINITY, 0
                probing = word < self._vocab_size and self._present[word] and (word != 0 or has_unk)
                if probing and not isnan(self._uni_prob[word]):  # NaN: a context-only unigram of a BackoffModel
                    value, matched_length = read_log(self._uni_prob[word]), 1
                for j in range(width):
                    bows[j] = 0
                for length in range(1, walk.words + 1):  # the context of `length` words, and its n-gram with the word
                    if length == 1:
                        c = h[i, full - 1]
                        if not self._present[c] or (c == 0 and not has_unk):
                            break
                        bow = self._uni_bow[c]
                    else:
                        middle = find_entry(self._middle[length], self._middle_buckets[length], walk.context[length - 1])
                        if middle == NULL:
                            break
                        bow = middle.bow
                    bows[length - 1] = read_log(bow)
                    if not probing:
                        continue
                    n = length + 1
                    if n == self._order:
                        longest = find_entry(self._longest, self._longest_buckets, walk.gram[length - 1])
                        found = longest != NULL
                        if found:
                            prob = longest.prob
                    else:
                        middle = find_entry(self._middle[n], self._middle_buckets[n], walk.gram[length - 1])
                        found = middle != NULL
                        if found:
                            prob = middle.prob
                    if not found:
                        probing = False  # no longer n-gram of the word is in the index either
                    elif blank_count[n] == 0 or not among(blank_keys[n], blank_count[n], walk.gram[length - 1]):
                        value, matched_length = read_log(prob), n
                if has_missing and matched_length == 0 and word == 0:
                    value, matched_length = unk_value, 1
                start = matched_length - 1 if matched_length > 0 else 0
                for j in range(start):
                    bows[j] = 0  # the weights of the match's own context and shorter ones are not used
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
                if i + WALKS_AHEAD < m:
                    prepare_walk(self, &h[i + WALKS_AHEAD, 0] if full else NULL, full, width, w[i + WALKS_AHEAD],
                                 walk)
        return logp_array, matched_array
