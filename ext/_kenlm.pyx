# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Hot loops of KenLM's binary formats: its two hash functions, the loader's one call (open, check the header,
map or read the file), a scorer that probes a probing file's tables where they lie (ProbingIndex), one that walks
a trie where it lies (TrieIndex, with -q/-b quantisation and -a pointers; its layout in
ngramlm/formats/kenlm_trie.py, found by trie_regions), and the table builder of the writer.

The layout is described in ngramlm/formats/kenlm_binary.py. In short: the vocabulary is an open-addressing table
of (MurmurHash64A of the spelling, word id) entries; unigrams are (prob, backoff) float pairs by id; each order
from 2 up has an open-addressing table of 64-bit keys, the key of an n-gram being built from its newest word
back to its oldest with KenLM's combining step (below). The bucket of a key is key mod the number of buckets,
probing is linear, and key 0 marks an empty bucket. A probability with its sign bit cleared marks an n-gram
that some longer n-gram extends to the left; the scorer reads the probability with the sign bit forced on.

The scorer follows the same back-off recursion and state rules as ngramlm's own index (ext/_query.pyx) and shares
its State and FullScoreReturn, so states and results mix freely with the rest of the toolkit. Every probe loop
stops after visiting every bucket once, so a crafted table without an empty bucket cannot hang it.
"""
import os
import struct

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcmp, memcpy
from libc.errno cimport errno
from cpython.buffer cimport PyBuffer_FillInfo
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from posix.fcntl cimport O_RDONLY, open as c_open
from posix.unistd cimport close as c_close, pread as c_pread
from posix.stat cimport struct_stat, fstat
from cpython.unicode cimport PyUnicode_AsUTF8AndSize

from ngramlm._ext._query cimport (CState, FullScoreReturn, MAX_CONTEXT, MAX_ORDER, State, finish_back_off,
                                    full_score_return, next_word, sentence_text)

cnp.import_array()

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* MurmurHash64A (Austin Appleby, public domain) with seed 0: KenLM's key of a word's spelling. */
    static inline uint64_t kl_murmur64a(const char *s, Py_ssize_t n) {
        const uint64_t m = 0xc6a4a7935bd1e995ULL;
        uint64_t h = (uint64_t)n * m, k;
        Py_ssize_t blocks = n / 8, i;
        for (i = 0; i < blocks; ++i) {
            memcpy(&k, s + 8 * i, 8);
            k *= m; k ^= k >> 47; k *= m;
            h ^= k; h *= m;
        }
        const unsigned char *tail = (const unsigned char *)s + 8 * blocks;
        int rest = (int)(n & 7);
        if (rest) {
            for (i = rest - 1; i >= 0; --i) h ^= (uint64_t)tail[i] << (8 * i);
            h *= m;
        }
        h ^= h >> 47; h *= m; h ^= h >> 47;
        return h;
    }
    /* KenLM's step that extends the key of an n-gram by one older word (word ids are 32-bit, so 1 + word wraps
       in 32 bits as KenLM's does). */
    static inline uint64_t kl_combine(uint64_t key, uint32_t word) {
        return (key * 8978948897894561157ULL) ^ ((uint64_t)(uint32_t)(1u + word) * 17894857484156487943ULL);
    }
    #include <sys/mman.h>
    #ifdef MAP_POPULATE
    #define KL_POPULATE MAP_POPULATE
    #else
    #define KL_POPULATE 0
    #endif
    /* Map `size` bytes of `fd` read-only (shared, as KenLM maps its files), reading every page now if asked;
       NULL on failure. */
    static inline void *kl_map(int fd, size_t size, int populate) {
        void *p = mmap(NULL, size, PROT_READ, MAP_SHARED | (populate ? KL_POPULATE : 0), fd, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    static inline void kl_unmap(void *p, size_t size) { munmap(p, size); }
    /* Anonymous memory for reading a file into, in huge pages where the system gives them (as KenLM's
       HugeMalloc): far fewer page faults than pages of 4 KiB. NULL on failure. */
    static inline void *kl_anonymous(size_t size) {
        /* Ask for 2 MiB more and keep the part that starts on a 2 MiB boundary, so that huge pages cover it. */
        const size_t huge = (size_t)1 << 21, page = 4096;
        size_t pages = (size + page - 1) & ~(page - 1), ask = pages + huge;
        char *p = (char *)mmap(NULL, ask, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == (char *)MAP_FAILED) return NULL;
        char *start = (char *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
        if (start > p) munmap(p, (size_t)(start - p));
        if (p + ask > start + pages) munmap(start + pages, (size_t)(p + ask - (start + pages)));
    #ifdef MADV_HUGEPAGE
        madvise(start, pages, MADV_HUGEPAGE);
    #endif
        return start;
    }
    static inline uint64_t kl_load64(const char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
    static inline uint32_t kl_load32(const char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
    static inline float kl_loadf(const char *p) { float v; memcpy(&v, p, 4); return v; }
    static inline float kl_loadf_bits(uint32_t b) { float v; memcpy(&v, &b, 4); return v; }
    static inline void kl_store64(char *p, uint64_t v) { memcpy(p, &v, 8); }
    static inline void kl_storef(char *p, float v) { memcpy(p, &v, 4); }
    static inline void kl_store32(char *p, uint32_t v) { memcpy(p, &v, 4); }
    static inline uint32_t kl_float_bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
    static inline float kl_with_sign(float f) {
        uint32_t b; memcpy(&b, &f, 4); b |= 0x80000000u; memcpy(&f, &b, 4); return f;
    }
    static inline float kl_without_sign(float f) {
        uint32_t b; memcpy(&b, &f, 4); b &= 0x7fffffffu; memcpy(&f, &b, 4); return f;
    }
    """
    uint64_t kl_murmur64a(const char *s, Py_ssize_t n) noexcept nogil
    uint64_t kl_combine(uint64_t key, uint32_t word) noexcept nogil
    int KL_POPULATE
    void *kl_map(int fd, size_t size, int populate) noexcept nogil
    void kl_unmap(void *p, size_t size) noexcept nogil
    void *kl_anonymous(size_t size) noexcept nogil
    uint64_t kl_load64(const char *p) noexcept nogil
    uint32_t kl_load32(const char *p) noexcept nogil
    float kl_loadf(const char *p) noexcept nogil
    float kl_loadf_bits(uint32_t b) noexcept nogil
    void kl_store64(char *p, uint64_t v) noexcept nogil
    void kl_storef(char *p, float v) noexcept nogil
    void kl_store32(char *p, uint32_t v) noexcept nogil
    uint32_t kl_float_bits(float f) noexcept nogil
    float kl_with_sign(float f) noexcept nogil
    float kl_without_sign(float f) noexcept nogil

# Bytes per entry: vocabulary (key, id), unigram (prob, backoff), middle order (key, prob, backoff), highest order
# (key, prob). KenLM packs the vocabulary and highest-order entries to 4-byte alignment.
cdef enum:
    VOCAB_ENTRY = 12
    UNIGRAM_ENTRY = 8
    MIDDLE_ENTRY = 16
    LONGEST_ENTRY = 12
ENTRY_BYTES = {"vocab": VOCAB_ENTRY, "unigram": UNIGRAM_ENTRY, "middle": MIDDLE_ENTRY, "longest": LONGEST_ENTRY}
ORDER_LIMIT = MAX_ORDER

# KenLM's marker (lm/blank.hh): a back-off weight of -0.0 means that no longer n-gram has this one as context.
cdef uint32_t NO_EXTENSION_BITS = 0x80000000u
cdef uint32_t SIGN_BIT = 0x80000000u


# The start of every KenLM binary file of format version 5 (lm/binary_format.cc): a text and test values that
# catch another byte order or float format; then the parameters (order, probing multiplier, model type,
# has-vocabulary, search version) and the n-gram counts (formats/kenlm_binary.py has the layout).
MAGIC_PREFIX = b"mmap lm http://kheafield.com/code"
MAGIC = MAGIC_PREFIX + b" format version 5\n"
INCOMPLETE = MAGIC_PREFIX + b" incomplete\n"
SANITY = struct.Struct("<56s3f3IQ")
SANITY_BYTES = SANITY.pack(MAGIC, 0.0, 1.0, -0.5, 1, 0xFFFFFFFF, 0, 1)
FIXED = struct.Struct("<B3xfiB3xI")
MODEL_TYPE_COUNT = 6  # probing, rest probing, trie, quantised trie, -a trie, quantised -a trie
cdef Py_ssize_t HEAD_BYTES = 4096


def header_size(int order) -> int:
    """Bytes of the header of a file of this order: test values, parameters, counts, padded to 8."""
    return (SANITY.size + FIXED.size + 8 * order + 7) // 8 * 8


def parse_header(bytes head, uint64_t file_size):
    """(order, multiplier, model type, has vocabulary, search version, counts) from a file's first bytes, or the
    reason they are not a sound header of format version 5 (a str)."""
    if head.startswith(INCOMPLETE):
        return "this KenLM binary file did not finish building"
    if len(head) < SANITY.size + FIXED.size or head[:SANITY.size] != SANITY_BYTES:
        if head.startswith(MAGIC[:len(MAGIC) - 2]) and not head.startswith(MAGIC):
            return "KenLM binary format of another version: rebuild it from the ARPA file with build_binary " \
                   "(version 5 is read)"
        return "not a KenLM binary file of format version 5 (its test values differ)"
    order, multiplier, model_type, has_vocab, search_version = FIXED.unpack_from(head, SANITY.size)
    if not 2 <= order <= MAX_ORDER:
        return f"KenLM file of order {order}: orders 2 to {MAX_ORDER} are read"
    if not (multiplier == multiplier and multiplier >= 1.0 and multiplier != float("inf")):
        return f"probing multiplier {multiplier} in the header is not a number >= 1"
    if has_vocab > 1:
        return f"has-vocabulary flag {has_vocab} in the header is not 0 or 1"
    if not 0 <= model_type < MODEL_TYPE_COUNT:
        return f"unknown KenLM model type {model_type}"
    if len(head) < header_size(order):
        return "truncated KenLM header"
    counts = list(struct.unpack_from(f"<{order}Q", head, SANITY.size + FIXED.size))
    # Every n-gram takes at least 2 bits (a word id and a probability code, in a quantised trie): a larger count
    # is a damaged header. (The exact sizes are checked against the file by each format's loader.)
    if counts[0] == 0 or any(c > 4 * file_size for c in counts):
        return f"n-gram counts {counts} in the header do not fit a file of {file_size} bytes"
    return order, float(multiplier), model_type, bool(has_vocab), search_version, counts


cdef class FileMap:
    """A file's bytes in mapped memory (the file's own pages, or anonymous memory it was read into), read-only
    to Python, unmapped when the last array over it goes."""

    cdef void* _address
    cdef size_t _size

    def __getbuffer__(self, Py_buffer* buffer, int flags):
        PyBuffer_FillInfo(buffer, self, self._address, self._size, 1, flags)

    def __releasebuffer__(self, Py_buffer* buffer):
        pass

    def __dealloc__(self):
        if self._address != NULL:
            kl_unmap(self._address, self._size)


def open_file(path, int method):
    """Open a KenLM binary file, check its header (parse_header) and bring the whole file into memory as the
    LoadMethod `method` says: 0 map lazily; 1, 2 map and read every page now (2 reads into memory where the
    system cannot); 3 read into memory; 4 (PARALLEL_READ) leaves the reading to the caller (memory None).
    Returns (the header's fields or the reason it is not sound, file size, memory as a uint8 array), or
    (None, 0, None) for a file that does not start as KenLM's or cannot be opened (the caller's other readers
    then say what it is); OSError when a KenLM file cannot be mapped or read."""
    cdef bytes name = os.fsencode(path)
    cdef int fd = c_open(name, O_RDONLY)
    if fd < 0:
        return None, 0, None
    cdef struct_stat info
    cdef bytes head
    cdef Py_ssize_t got, done
    cdef size_t size
    cdef FileMap mapping = FileMap.__new__(FileMap)
    cdef char* out
    try:
        if fstat(fd, &info) != 0:
            return None, 0, None
        size = info.st_size
        head = bytes(HEAD_BYTES)
        got = c_pread(fd, PyBytes_AS_STRING(head), HEAD_BYTES, 0)
        if got < 0 or not head[:got].startswith(MAGIC_PREFIX):
            return None, 0, None
        fields = parse_header(head[:got], size)
        if isinstance(fields, str) or method == 4:
            return fields, size, None
        if method == 3 or (method == 2 and KL_POPULATE == 0):
            mapping._address = kl_anonymous(size)
            if mapping._address == NULL:
                raise OSError(errno, os.strerror(errno), path)
            mapping._size = size
            out = <char*> mapping._address
            done = 0
            with nogil:
                while <size_t> done < size:
                    got = c_pread(fd, out + done, size - done, done)
                    if got <= 0:
                        break
                    done += got
            if <size_t> done < size:
                raise OSError(errno or 5, "the file shrank while it was read", path)
            return fields, size, np.frombuffer(mapping, np.uint8)
        mapping._address = kl_map(fd, size, method != 0)
        if mapping._address == NULL:
            raise OSError(errno, os.strerror(errno), path)
        mapping._size = size
        return fields, size, np.frombuffer(mapping, np.uint8)
    finally:
        c_close(fd)


def buckets(uint64_t entries, float multiplier):
    """KenLM's table size for `entries` keys: max(entries + 1, multiplier * entries in float32)."""
    cdef float product = multiplier * <float> entries
    if not product < 18446744073709551616.0:  # beyond uint64 (no file holds such a table: its size check fails)
        return 2**64
    return max(entries + 1, <uint64_t> product)


def vocab_key(word) -> int:
    """KenLM's key of a word: MurmurHash64A of its UTF-8 spelling, seed 0."""
    cdef bytes b = word.encode("utf-8") if isinstance(word, str) else word
    return kl_murmur64a(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))


cdef inline const char* find_key(const char* table, uint64_t buckets, Py_ssize_t entry, uint64_t key) noexcept nogil:
    """The entry of `key` (linear probing from key mod buckets), or NULL; at most one pass over the table."""
    if buckets == 0:
        return NULL
    cdef uint64_t i = key % buckets, seen = 0
    cdef const char* e
    while seen < buckets:
        e = table + i * entry
        if kl_load64(e) == key:
            return e
        if kl_load64(e) == 0:
            return NULL
        i += 1
        seen += 1
        if i == buckets:
            i = 0
    return NULL


cdef inline uint32_t find_sorted(const uint64_t* keys, uint64_t count, uint64_t key) noexcept nogil:
    """1 + the rank of `key` among the sorted `keys` (a trie's vocabulary), or 0 (<unk>) if it is not there."""
    cdef uint64_t lo = 0, hi = count, mid
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return <uint32_t> (lo + 1) if lo < count and keys[lo] == key else 0


cdef class ProbingIndex:
    """The compiled scorer over the tables of a KenLM probing file (ngramlm.formats.kenlm_binary.ProbingTables);
    ngramlm.use.kenlm_model.KenlmModel extends it with kenlm.Model's Python-level calls."""

    cdef int _order
    cdef uint32_t _bound
    cdef const char* _vocab
    cdef uint64_t _vocab_buckets
    cdef const float* _unigrams
    cdef const char* _middle[MAX_ORDER + 1]
    cdef uint64_t _middle_buckets[MAX_ORDER + 1]
    cdef const char* _longest
    cdef uint64_t _longest_buckets
    cdef uint32_t _bos
    cdef uint32_t _eos
    cdef list _keep_alive
    # A trie (TrieIndex) keeps its vocabulary as sorted hashes (id = 1 + rank) and 4 floats per unigram.
    cdef bint _sorted_vocab
    cdef int _unigram_stride

    def __cinit__(self, *args, **kwargs):
        self._order = 0
        self._keep_alive = []
        self._sorted_vocab = False
        self._unigram_stride = 2

    def __init__(self, int order, const uint8_t[::1] vocab, const uint8_t[::1] unigrams, list middle,
                 const uint8_t[::1] longest, uint32_t bound):
        """Point the scorer at the file's regions (byte arrays, kept alive): the vocabulary's buckets, the
        unigram entries (at least `bound` of them), one table per middle order and the highest order's table."""
        if not 2 <= order <= MAX_ORDER or len(middle) != order - 2:
            raise ValueError(f"order {order} with {len(middle)} middle tables")
        if unigrams.shape[0] < <Py_ssize_t> bound * UNIGRAM_ENTRY or bound == 0:
            raise ValueError("fewer unigram entries than words")
        cdef const uint8_t[::1] table
        cdef int n
        for n in range(MAX_ORDER + 1):
            self._middle[n] = NULL
            self._middle_buckets[n] = 0
        self._keep_alive = [vocab.base, unigrams.base, longest.base]
        for n in range(2, order):
            table = middle[n - 2]
            self._keep_alive.append(table.base)
            self._middle[n] = <const char*> &table[0] if table.shape[0] else NULL
            self._middle_buckets[n] = table.shape[0] // MIDDLE_ENTRY
        self._vocab = <const char*> &vocab[0] if vocab.shape[0] else NULL
        self._vocab_buckets = vocab.shape[0] // VOCAB_ENTRY
        self._unigrams = <const float*> &unigrams[0]
        self._longest = <const char*> &longest[0] if longest.shape[0] else NULL
        self._longest_buckets = longest.shape[0] // LONGEST_ENTRY
        self._bound = bound
        self._order = order
        self._bos = self.spelling_id(b"<s>", 3)
        self._eos = self.spelling_id(b"</s>", 4)

    cdef inline uint32_t spelling_id(self, const char* spelling, Py_ssize_t size) noexcept nogil:
        """KenLM's id of a UTF-8 spelling, 0 (<unk>) if the vocabulary does not have it."""
        if self._sorted_vocab:
            return find_sorted(<const uint64_t*> self._vocab, self._vocab_buckets, kl_murmur64a(spelling, size))
        cdef const char* e = find_key(self._vocab, self._vocab_buckets, VOCAB_ENTRY, kl_murmur64a(spelling, size))
        if e == NULL:
            return 0
        cdef uint32_t word = kl_load32(e + 8)
        return word if word < self._bound else 0

    cdef inline uint32_t word_id(self, word) except? 0:
        cdef Py_ssize_t size
        cdef const char* spelling
        if isinstance(word, str):
            spelling = PyUnicode_AsUTF8AndSize(word, &size)
            return self.spelling_id(spelling, size)
        if isinstance(word, bytes):
            return self.spelling_id(PyBytes_AS_STRING(word), PyBytes_GET_SIZE(word))
        return self.known(<uint32_t> word)

    cdef inline uint32_t known(self, uint32_t word) noexcept nogil:
        return word if word < self._bound else 0

    cdef double score_word(self, const CState* context, uint32_t w, CState* out, int* ngram_length) noexcept nogil:
        """log10 p(w | context) and the state after w, as KenLM's probing model scores it: the longest n-gram
        found, plus the back-off weights of the context words it had to drop."""
        cdef CState next_state
        cdef float stored = self._unigrams[2 * w]
        cdef double prob = kl_with_sign(stored)
        # The sign bit of a stored probability is set when no longer n-gram ends in this one: stop there.
        cdef bint independent = (kl_float_bits(stored) & SIGN_BIT) != 0
        cdef int length = 1, keep, j, n
        cdef uint64_t key = w
        cdef const char* e
        next_state.backoff[0] = self._unigrams[2 * w + 1]
        keep = 1 if kl_float_bits(next_state.backoff[0]) != NO_EXTENSION_BITS else 0
        for j in range(context.length):
            if independent:
                break
            n = j + 2
            key = kl_combine(key, context.words[j])
            if n == self._order:
                e = find_key(self._longest, self._longest_buckets, LONGEST_ENTRY, key)
                if e != NULL:
                    prob = kl_with_sign(kl_loadf(e + 8))
                    length = n
                break
            e = find_key(self._middle[n], self._middle_buckets[n], MIDDLE_ENTRY, key)
            if e == NULL:
                break
            stored = kl_loadf(e + 8)
            independent = (kl_float_bits(stored) & SIGN_BIT) != 0
            prob = kl_with_sign(stored)
            length = n
            next_state.backoff[j + 1] = kl_loadf(e + 12)
            if kl_float_bits(next_state.backoff[j + 1]) != NO_EXTENSION_BITS:
                keep = n
        return finish_back_off(context, &next_state, out, w, prob, length, keep, self._order, ngram_length)

    cdef inline void begin_sentence(self, CState* state) noexcept nogil:
        state.length = 1
        state.words[0] = self._bos
        state.backoff[0] = self._unigrams[self._unigram_stride * self._bos + 1]

    @property
    def bound(self) -> int:
        """Number of word ids (<unk> included)."""
        return self._bound

    def word_index(self, word) -> int:
        """KenLM's id of `word` (a string, bytes or an id): 0 (<unk>) if the model does not know it."""
        return self.word_id(word)

    def encode(self, words) -> np.ndarray:
        """Ids of a sequence of words (0, <unk>, for those the model does not know)."""
        cdef Py_ssize_t i = 0
        out = np.empty(len(words), np.uint32)
        cdef uint32_t[::1] o = out
        for word in words:
            o[i] = self.word_id(word)
            i += 1
        return out

    def BeginSentenceWrite(self, State state not None):
        """Set `state` to the start of a sentence (context <s>)."""
        self.begin_sentence(&state.c)

    def NullContextWrite(self, State state not None):
        """Set `state` to the empty context."""
        state.c.length = 0

    def BaseScore(self, State in_state not None, word, State out_state not None) -> float:
        """log10 p(word | in_state), writing the state after `word` to `out_state`."""
        cdef int length
        return self.score_word(&in_state.c, self.word_id(word), &out_state.c, &length)

    def BaseFullScore(self, State in_state not None, word, State out_state not None) -> FullScoreReturn:
        """Like BaseScore, returning FullScoreReturn(log_prob, ngram_length, oov)."""
        cdef int length
        cdef uint32_t w = self.word_id(word)
        cdef double prob = self.score_word(&in_state.c, w, &out_state.c, &length)
        return full_score_return(prob, length, w == 0)

    def score(self, sentence, bint bos=True, bint eos=True) -> float:
        """log10 probability of a sentence split at ASCII whitespace (with </s>, after <s>, unless told not to)."""
        cdef Py_ssize_t size, i = 0, start
        cdef const char* text = sentence_text(sentence, &size)
        cdef CState a
        cdef int length
        cdef double total = 0
        if bos:
            self.begin_sentence(&a)
        else:
            a.length = 0
        with nogil:
            while next_word(text, size, &start, &i):
                total += self.score_word(&a, self.spelling_id(text + start, i - start), &a, &length)
            if eos:
                total += self.score_word(&a, self._eos, &a, &length)
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
        if bos:
            self.begin_sentence(&a)
        else:
            a.length = 0
        for word in (<bytes> sentence).split():
            w = self.spelling_id(PyBytes_AS_STRING(word), PyBytes_GET_SIZE(word))
            prob = self.score_word(&a, w, &a, &length)
            out.append((prob, length, w == 0))
        if eos:
            prob = self.score_word(&a, self._eos, &a, &length)
            out.append((prob, length, False))
        return iter(out)

    def score_flat_into(self, const uint32_t[::1] ids, const int64_t[::1] offsets, bint bos, bint eos,
                        double[::1] log_prob, uint8_t[::1] ngram_length, uint8_t[::1] oov):
        """Score sentences given as one id array cut by `offsets`; one entry per word (and per </s>)."""
        cdef Py_ssize_t s, i, out = 0
        cdef CState a
        cdef int length
        cdef uint32_t w
        with nogil:
            for s in range(offsets.shape[0] - 1):
                if bos:
                    self.begin_sentence(&a)
                else:
                    a.length = 0
                for i in range(offsets[s], offsets[s + 1]):
                    w = self.known(ids[i])
                    log_prob[out] = self.score_word(&a, w, &a, &length)
                    ngram_length[out] = length
                    oov[out] = w == 0
                    out += 1
                if eos:
                    log_prob[out] = self.score_word(&a, self._eos, &a, &length)
                    ngram_length[out] = length
                    oov[out] = 0
                    out += 1


cdef inline uint64_t read_bits(const uint8_t* base, uint64_t bit, int length) noexcept nogil:
    """A little-endian field of `length` <= 57 bits at bit offset `bit` (the array has 8 bytes of slack)."""
    return (kl_load64(<const char*> base + (bit >> 3)) >> (bit & 7)) & ((1ULL << length) - 1)


cdef inline int bit_length(uint64_t value) noexcept nogil:
    cdef int bits = 0
    while value:
        bits += 1
        value >>= 1
    return bits


def chop_bits(uint64_t max_offset, uint64_t max_next, int pointer_bits) -> int:
    """KenLM's choice (ArrayBhiksha) of how many high bits of a child pointer go to the -a array: the number that
    saves most, 64 bits per array entry against `chop` bits per entry of `max_offset`."""
    cdef int required = bit_length(max_next), chop, best = 0
    cdef long long change, lowest = 0
    for chop in range(0, min(required, pointer_bits) + 1):
        change = <long long> (max_next >> (required - chop)) * 64 - <long long> max_offset * chop
        if chop == 0 or change < lowest:
            lowest, best = change, chop
    return best


def packed_size(uint64_t entries, uint64_t max_vocab, int remaining_bits) -> int:
    """Bytes of a bit-packed order of `entries` (+1) entries: word id, then `remaining_bits`; 8 bytes of slack."""
    return ((1 + entries) * (bit_length(max_vocab) + remaining_bits) + 7) // 8 + 8


QUANT_VERSION = 2
BHIKSHA_VERSION = 0


def trie_regions(const uint8_t[::1] memory, Py_ssize_t start, int order, int model_type, list counts):
    """Where the regions of a trie file lie in `memory` (the whole file; header of `start` bytes, checked), every
    size checked against it: (vocabulary offset, number of hashes, quantiser centres offset or -1, prob bits,
    back-off bits, unigrams offset, word bits, per order 2..N (bit-packed offset, size, -a array offset or -1,
    -a array entries, pointer bits), end); or the reason the file cannot hold them (a str)."""
    cdef uint64_t size = memory.shape[0], offset = start, hashes, entries, max_next, bytes_needed
    cdef int n, chop, prob_bits = 0, backoff_bits = 0, weight_bits, next_bits, pointer_bits = 0, word_bits
    cdef long long quant_at = -1, high_at
    cdef uint64_t high_count
    cdef bint quantised = model_type in (3, 5), bhiksha = model_type in (4, 5)
    cdef uint64_t c[MAX_ORDER]
    if len(counts) != order or not 2 <= order <= MAX_ORDER:
        return "the counts do not match the order"
    for n in range(order):
        c[n] = counts[n]
    def short(uint64_t end, str what):
        return f"the file has {size} bytes but its {what} ends at {end}: truncated?"
    if offset + 8 + 8 * c[0] > size:
        return short(offset + 8 + 8 * c[0], "vocabulary")
    hashes = kl_load64(<const char*> &memory[offset])
    if not hashes < c[0] + 1:
        return f"the vocabulary has {hashes} words besides <unk> for {c[0]} unigrams"
    vocab_at = offset + 8
    offset += 8 + 8 * c[0]
    if quantised:
        if offset + 3 > size:
            return short(offset + 3, "quantiser header")
        version, prob_bits, backoff_bits = memory[offset], memory[offset + 1], memory[offset + 2]
        if version != QUANT_VERSION or not (1 <= prob_bits <= 25 and 1 <= backoff_bits <= 25):
            return (f"quantiser version {version} with {prob_bits}/{backoff_bits} bits: version {QUANT_VERSION} with "
                    "1 to 25 bits is read")
        bytes_needed = 8 + ((order - 2) * ((1ULL << prob_bits) + (1ULL << backoff_bits)) + (1ULL << prob_bits)) * 4
        if offset + bytes_needed > size:
            return short(offset + bytes_needed, "quantiser")
        quant_at = offset + 8
        offset += bytes_needed
    if offset + (c[0] + 2) * 16 > size:
        return short(offset + (c[0] + 2) * 16, "unigrams")
    unigrams_at = offset
    offset += (c[0] + 2) * 16
    if bhiksha and order > 2:
        if offset + 2 > size:
            return short(offset + 2, "pointer array header")
        if memory[offset] != BHIKSHA_VERSION:
            return f"pointer array version {memory[offset]}: {BHIKSHA_VERSION} is read"
        pointer_bits = memory[offset + 1]
    word_bits = bit_length(c[0])
    orders = []
    for n in range(2, order + 1):
        entries = c[n - 1]
        if quantised:
            weight_bits = prob_bits if n == order else prob_bits + backoff_bits
        else:
            weight_bits = 31 if n == order else 63
        high_at, high_count, next_bits = -1, 0, 0
        if n < order:
            max_next = c[n]
            next_bits = bit_length(max_next)
            if bhiksha:
                chop = chop_bits(entries + 1, max_next, pointer_bits)
                high_count = (max_next >> (next_bits - chop)) + 1
                next_bits -= chop
                bytes_needed = 8 * (1 + high_count) + 7
                if offset + bytes_needed > size:
                    return short(offset + bytes_needed, f"{n}-gram pointer array")
                high_at = (offset + 7) // 8 * 8 + 8
                offset += bytes_needed
        bytes_needed = packed_size(entries, c[0], weight_bits + next_bits)
        if offset + bytes_needed > size:
            return short(offset + bytes_needed, f"{n}-gram array")
        orders.append((offset, bytes_needed, high_at, high_count, next_bits))
        offset += bytes_needed
    return (vocab_at, hashes, quant_at, prob_bits, backoff_bits, unigrams_at, word_bits, orders, offset)


cdef class TrieIndex(ProbingIndex):
    """The compiled scorer over the regions of a KenLM trie file (build_binary trie, with -q/-b quantised weights
    and -a array-compressed child pointers), scored where they lie; the layout is in
    ngramlm/formats/kenlm_trie.py. The children of an entry are a range of the next order, sorted by word id:
    a lookup is a binary search in that range, and every range is clamped to its order's size, so a damaged
    file gives wrong numbers at worst, never a read outside its regions or an unbounded loop."""

    cdef const uint8_t* _packed[MAX_ORDER + 1]
    cdef uint64_t _entries[MAX_ORDER + 1]
    cdef uint64_t _stride[MAX_ORDER + 1]      # bits per entry
    cdef int _weight_bits[MAX_ORDER + 1]
    cdef int _next_bits[MAX_ORDER + 1]
    cdef const uint64_t* _high[MAX_ORDER + 1]  # -a: where each value of a pointer's high bits starts
    cdef uint64_t _high_count[MAX_ORDER + 1]
    cdef const float* _prob_centres[MAX_ORDER + 1]
    cdef const float* _backoff_centres[MAX_ORDER + 1]
    cdef int _word_bits, _prob_bits, _backoff_bits
    cdef bint _quantised

    def __init__(self, const uint8_t[::1] memory, list counts, tuple regions):
        """Point the scorer at a trie file in `memory` (kept alive) with these n-gram counts, whose regions
        trie_regions found."""
        vocab_at, hashes, quant_at, prob_bits, backoff_bits, unigrams_at, word_bits, orders, end = regions
        cdef int order = len(counts)
        if not 2 <= order <= MAX_ORDER or len(orders) != order - 1 or end > memory.shape[0]:
            raise ValueError("regions that do not fit the memory or the order")
        cdef const uint8_t* base = &memory[0]
        cdef int n
        cdef uint64_t at = quant_at if quant_at >= 0 else 0
        for n in range(MAX_ORDER + 1):
            self._packed[n] = NULL
            self._high[n] = NULL
            self._high_count[n] = 0
            self._prob_centres[n] = NULL
            self._backoff_centres[n] = NULL
            self._entries[n] = 0
        self._keep_alive = [memory.base]
        self._quantised = quant_at >= 0
        self._word_bits, self._prob_bits, self._backoff_bits = word_bits, prob_bits, backoff_bits
        for n in range(2, order + 1):
            packed_at, _, high_at, high_count, next_bits = orders[n - 2]
            self._entries[n] = counts[n - 1]
            self._next_bits[n] = next_bits
            if self._quantised:
                self._weight_bits[n] = prob_bits if n == order else prob_bits + backoff_bits
                # Centres per middle order: 2^prob_bits probabilities, 2^backoff_bits back-offs; then the highest's.
                self._prob_centres[n] = <const float*> (base + at)
                at += 4 * (1ULL << prob_bits)
                if n < order:
                    self._backoff_centres[n] = <const float*> (base + at)
                    at += 4 * (1ULL << backoff_bits)
            else:
                self._weight_bits[n] = 31 if n == order else 63
            self._stride[n] = word_bits + self._weight_bits[n] + next_bits
            self._packed[n] = base + <uint64_t> packed_at
            if high_at >= 0:
                self._high[n] = <const uint64_t*> (base + <uint64_t> high_at)
                self._high_count[n] = high_count
        self._vocab = <const char*> (base + <uint64_t> vocab_at)
        self._vocab_buckets = hashes
        self._sorted_vocab = True
        self._unigrams = <const float*> (base + <uint64_t> unigrams_at)
        self._unigram_stride = 4
        self._longest = NULL
        self._longest_buckets = 0
        self._bound = <uint32_t> (hashes + 1)
        self._order = order
        self._bos = self.spelling_id(b"<s>", 3)
        self._eos = self.spelling_id(b"</s>", 4)

    cdef inline uint64_t pointer(self, int n, uint64_t at) noexcept nogil:
        """The index in order n + 1 of the first child of entry `at` of order n (at <= entries)."""
        cdef uint64_t low = read_bits(self._packed[n], at * self._stride[n] + self._word_bits
                                      + self._weight_bits[n], self._next_bits[n])
        cdef const uint64_t* high = self._high[n]
        if high == NULL:
            return low
        # The high bits: the last k with high[k] <= at (the array is sorted; binary search, bounded).
        cdef uint64_t lo = 0, hi = self._high_count[n], mid
        while lo < hi:
            mid = lo + (hi - lo) // 2
            if high[mid] <= at:
                lo = mid + 1
            else:
                hi = mid
        return ((lo - 1 if lo else 0) << self._next_bits[n]) | low

    cdef inline bint find(self, int n, uint64_t begin, uint64_t end, uint32_t word, uint64_t* at) noexcept nogil:
        """The entry of `word` among entries [begin, end) of order n (sorted by word id), clamped to the order."""
        if end > self._entries[n]:
            end = self._entries[n]
        cdef uint64_t mid, found
        cdef const uint8_t* base = self._packed[n]
        cdef uint64_t stride = self._stride[n]
        while begin < end:
            mid = begin + (end - begin) // 2
            found = read_bits(base, mid * stride, self._word_bits)
            if found < word:
                begin = mid + 1
            elif found > word:
                end = mid
            else:
                at[0] = mid
                return True
        return False

    cdef double score_word(self, const CState* context, uint32_t w, CState* out, int* ngram_length) noexcept nogil:
        """As ProbingIndex.score_word (the same back-off recursion and state), walking the trie from the unigram
        w to older context words."""
        cdef CState next_state
        cdef const char* uni = <const char*> self._unigrams + 16 * <uint64_t> w
        cdef double prob = kl_with_sign(kl_loadf(uni))
        cdef int length = 1, keep, j, n
        cdef uint64_t begin = kl_load64(uni + 8), end = kl_load64(uni + 24), at, code, bit
        cdef float backoff
        next_state.backoff[0] = kl_loadf(uni + 4)
        keep = 1 if kl_float_bits(next_state.backoff[0]) != NO_EXTENSION_BITS else 0
        for j in range(context.length):
            n = j + 2
            if n > self._order or not self.find(n, begin, end, context.words[j], &at):
                break
            bit = at * self._stride[n] + self._word_bits
            length = n
            if n == self._order:
                if self._quantised:
                    prob = self._prob_centres[n][read_bits(self._packed[n], bit, self._prob_bits)]
                else:
                    prob = kl_with_sign(kl_loadf_bits(<uint32_t> read_bits(self._packed[n], bit, 31)))
                break
            if self._quantised:
                code = read_bits(self._packed[n], bit, self._prob_bits + self._backoff_bits)
                backoff = self._backoff_centres[n][code & ((1ULL << self._backoff_bits) - 1)]
                prob = self._prob_centres[n][code >> self._backoff_bits]
            else:
                prob = kl_with_sign(kl_loadf_bits(<uint32_t> read_bits(self._packed[n], bit, 31)))
                backoff = kl_loadf_bits(<uint32_t> read_bits(self._packed[n], bit + 31, 32))
            next_state.backoff[j + 1] = backoff
            if kl_float_bits(backoff) != NO_EXTENSION_BITS:
                keep = n
            begin = self.pointer(n, at)
            end = self.pointer(n, at + 1)
        return finish_back_off(context, &next_state, out, w, prob, length, keep, self._order, ngram_length)


def check_trie(const uint8_t[::1] memory, tuple regions, uint64_t bigrams, bint words):
    """A trie's loader checks (regions from trie_regions), beyond the sizes: with `words`, that the words begin
    with "<unk>" and the file ends with a NUL (not cut); that the vocabulary hashes ascend; that the unigrams'
    child pointers run from 0 to at most the number of bigrams, never descending; that each -a pointer array
    starts at 0 and never descends. One pass over the vocabulary and the unigrams. The reason, or None."""
    vocab_at, hashes, _, _, _, unigrams_at, _, orders, end = regions
    cdef const char* base = <const char*> &memory[0]
    cdef uint64_t size = memory.shape[0]
    if words and (<uint64_t> end + 6 > size or memcmp(base + <uint64_t> end, b"<unk>\0", 6) != 0
                  or memory[size - 1] != 0):
        return "the words at the end of the file are missing or cut: truncated file"
    cdef const uint64_t* vocab = <const uint64_t*> (base + <uint64_t> vocab_at)
    cdef const char* uni = base + <uint64_t> unigrams_at
    cdef const uint64_t* high
    cdef uint64_t count = hashes, i, high_count
    cdef bint bad = False
    if kl_load64(uni + 8) != 0 or kl_load64(uni + 16 * (count + 1) + 8) > bigrams:
        return "the unigrams' child pointers do not run from 0 to the number of bigrams"
    for _, _, high_at, high_count, _ in orders:
        if high_at >= 0 and high_count and kl_load64(base + <uint64_t> high_at) != 0:
            return "an array of compressed child pointers does not start at 0"
    cdef uint64_t descents = 0
    with nogil:
        # Branch-free passes (no early exit, no carried value), which the compiler can vectorise.
        for i in range(1, count):
            descents += vocab[i] <= vocab[i - 1]
    if descents:
        return "the vocabulary hashes are not in ascending order"
    with nogil:
        # The first is 0 and the last within the bigrams (above): never descending keeps them all within.
        for i in range(1, count + 2):
            descents += kl_load64(uni + 16 * i + 8) < kl_load64(uni + 16 * i - 8)
    if descents:
        return "the unigrams' child pointers do not run from 0 to the number of bigrams"
    for _, _, high_at, high_count, _ in orders:
        if high_at >= 0:
            high = <const uint64_t*> (base + <uint64_t> high_at)
            for i in range(1, high_count):
                bad |= high[i] < high[i - 1]
    if bad:
        return "an array of compressed child pointers does not ascend"
    return None


def bin_centres(const float[::1] values, Py_ssize_t bins):
    """KenLM's quantisation centres of sorted `values`: `bins` runs of equal size (the run i ends at
    len * (i + 1) // bins), each centre its run's mean, summed in double from 0 in order; an empty run repeats the
    previous centre (-inf for the first)."""
    out = np.empty(bins, np.float32)
    cdef float[::1] centres = out
    cdef Py_ssize_t n = values.shape[0], i, j, start = 0, finish
    cdef double total
    cdef float minus_infinity = -np.inf
    with nogil:
        for i in range(bins):
            finish = <Py_ssize_t> ((<unsigned long long> n * <unsigned long long> (i + 1)) // <unsigned long long> bins)
            if finish == start:
                centres[i] = centres[i - 1] if i else minus_infinity
            else:
                total = 0.0
                for j in range(start, finish):
                    total += values[j]
                centres[i] = <float> (total / <double> <float> (finish - start))
            start = finish
    return out


def pack_bits(uint8_t[::1] out, const uint64_t[::1] bit_offsets, const uint64_t[::1] values, int length):
    """OR each value (at most 57 bits, `length` of them kept) into `out` at its bit offset, little-endian (KenLM's
    bit-packed arrays; `out` needs 8 bytes of slack past the last field)."""
    if not 0 <= length <= 57 or bit_offsets.shape[0] != values.shape[0]:
        raise ValueError("bad field length or sizes")
    cdef Py_ssize_t i, n = bit_offsets.shape[0]
    cdef uint64_t mask = (1ULL << length) - 1, byte, word
    cdef char* base = <char*> &out[0]
    for i in range(n):
        byte = bit_offsets[i] >> 3
        if byte + 8 > <uint64_t> out.shape[0]:
            raise ValueError("bit field beyond the array")
    with nogil:
        for i in range(n):
            byte = bit_offsets[i] >> 3
            word = kl_load64(base + byte) | ((values[i] & mask) << (bit_offsets[i] & 7))
            kl_store64(base + byte, word)


def insert_vocab(uint8_t[::1] table, list words):
    """Insert words 1, 2, ... (`words`, <unk> left out) into the vocabulary's buckets, in order, as KenLM does."""
    cdef uint64_t buckets = table.shape[0] // VOCAB_ENTRY, key, i
    cdef char* base = <char*> &table[0]
    cdef bytes spelling
    cdef uint32_t word = 1
    if buckets <= <uint64_t> len(words):
        raise ValueError("more words than buckets")
    for w in words:
        spelling = (<str> w).encode("utf-8")
        key = kl_murmur64a(PyBytes_AS_STRING(spelling), PyBytes_GET_SIZE(spelling))
        i = key % buckets
        while kl_load64(base + i * VOCAB_ENTRY) != 0:
            i += 1
            if i == buckets:
                i = 0
        kl_store64(base + i * VOCAB_ENTRY, key)
        kl_store32(base + i * VOCAB_ENTRY + 8, word)
        word += 1


cdef inline char* claim(char* table, uint64_t buckets, Py_ssize_t entry, uint64_t key, bint* found) noexcept nogil:
    """The bucket of `key` if present (found set), else the first empty bucket on its path (found cleared), or
    NULL when the table is full."""
    cdef uint64_t i = key % buckets, seen = 0
    cdef char* e
    while seen < buckets:
        e = table + i * entry
        if kl_load64(e) == key:
            found[0] = True
            return e
        if kl_load64(e) == 0:
            found[0] = False
            return e
        i += 1
        seen += 1
        if i == buckets:
            i = 0
    return NULL


cdef inline void unset_sign(char* p) noexcept nogil:
    kl_storef(p, kl_without_sign(kl_loadf(p)))


cdef inline void set_extension(char* p) noexcept nogil:
    """A back-off weight of -0.0 becomes +0.0: the n-gram is context of a longer one."""
    if kl_float_bits(kl_loadf(p)) == NO_EXTENSION_BITS:
        kl_storef(p, 0.0)


def insert_order(int n, const uint32_t[:, ::1] newest_first, const float[::1] prob, const float[::1] backoff,
                 uint8_t[::1] unigrams, list middle, uint8_t[::1] table, bint is_middle):
    """Insert the n-grams of order n (rows newest word first, in the order KenLM reads them) into `table` (the
    order's bytes: a middle table when `backoff` is given, else the highest order's), as KenLM's build does:
    a missing lower n-gram on the way (its suffixes) is added as a blank whose probability is the back-off
    recursion's; every suffix is marked as extended to the left; the context is marked as extendable.

    Returns None, or (the row that failed, what failed).
    """
    if not 2 <= n <= MAX_ORDER or newest_first.shape[1] != n:
        raise ValueError(f"rows of {newest_first.shape[1]} words for order {n}")
    cdef Py_ssize_t m = newest_first.shape[0], r
    cdef Py_ssize_t entry = MIDDLE_ENTRY if is_middle else LONGEST_ENTRY
    cdef int error = 0, error_order = 0
    cdef char* mids[MAX_ORDER + 1]
    cdef uint64_t mid_buckets[MAX_ORDER + 1]
    cdef uint8_t[::1] t
    cdef int k
    for k in range(MAX_ORDER + 1):
        mids[k] = NULL
        mid_buckets[k] = 0
    for k, t in enumerate(middle, 2):
        mids[k] = <char*> &t[0]
        mid_buckets[k] = t.shape[0] // MIDDLE_ENTRY
    cdef char* uni = <char*> &unigrams[0]
    cdef char* own = <char*> &table[0]
    cdef uint64_t own_buckets = table.shape[0] // entry
    cdef uint64_t keys[MAX_ORDER]
    cdef char* between[MAX_ORDER + 1]
    cdef int count, lower, basis, c, i
    cdef bint found
    cdef char* e
    cdef char* ctx
    cdef float p
    cdef uint64_t backoff_key
    with nogil:
        for r in range(m):
            # keys[h]: key of the (h + 2)-gram of the row's newest h + 2 words.
            keys[0] = kl_combine(newest_first[r, 0], newest_first[r, 1])
            for i in range(1, n - 1):
                keys[i] = kl_combine(keys[i - 1], newest_first[r, i + 1])
            e = claim(own, own_buckets, entry, keys[n - 2], &found)
            if e == NULL or found:
                error = 1 if e == NULL else 2
                break
            kl_store64(e, keys[n - 2])
            kl_storef(e + 8, kl_with_sign(prob[r]))
            if is_middle:
                kl_storef(e + 12, backoff[r])
            # The suffixes, longest first, down to the first one present (a unigram always is).
            count = 0
            between[count] = NULL
            lower = n - 3
            while True:
                if lower == -1:
                    between[count] = uni + UNIGRAM_ENTRY * newest_first[r, 0]
                    count += 1
                    break
                e = claim(mids[lower + 2], mid_buckets[lower + 2], MIDDLE_ENTRY, keys[lower], &found)
                if e == NULL:
                    error, error_order = 1, lower + 2
                    break
                if not found:
                    kl_store64(e, keys[lower])
                    kl_storef(e + 12, -0.0)
                between[count] = e + 8
                count += 1
                if found:
                    break
                lower -= 1
            if error:
                break
            if count > 1:
                # Blanks: p(w | c1..ck) = p(w | c2..ck) + backoff(c1..ck) where that context exists.
                p = kl_with_sign(kl_loadf(between[count - 1]))
                basis = n - count
                c = count - 2
                if basis == 1:
                    ctx = uni + UNIGRAM_ENTRY * newest_first[r, 1] + 4
                    set_extension(ctx)
                    p += kl_loadf(ctx)
                    kl_storef(between[c], p)
                    basis = 2
                    c -= 1
                backoff_key = newest_first[r, 1]
                for i in range(2, basis + 1):
                    backoff_key = kl_combine(backoff_key, newest_first[r, i])
                while basis < n - 1:
                    ctx = <char*> find_key(mids[basis], mid_buckets[basis], MIDDLE_ENTRY, backoff_key)
                    if ctx != NULL:
                        set_extension(ctx + 12)
                        p += kl_loadf(ctx + 12)
                    kl_storef(between[c], p)
                    backoff_key = kl_combine(backoff_key, newest_first[r, basis + 1])
                    basis += 1
                    c -= 1
            for i in range(count):
                unset_sign(between[i])
            # The context (the oldest n - 1 words) can be extended.
            if n == 2:
                set_extension(uni + UNIGRAM_ENTRY * newest_first[r, 1] + 4)
            else:
                backoff_key = newest_first[r, 1]
                for i in range(2, n):
                    backoff_key = kl_combine(backoff_key, newest_first[r, i])
                ctx = <char*> find_key(mids[n - 1], mid_buckets[n - 1], MIDDLE_ENTRY, backoff_key)
                if ctx == NULL:
                    error = 3
                    break
                set_extension(ctx + 12)
    if error == 1:
        return r, f"the {error_order or n}-gram hash table is full (raise the probing multiplier)"
    if error == 2:
        return r, f"the {n}-gram appears twice, or two {n}-grams share a 64-bit key"
    if error == 3:
        return r, f"its context is not a {n - 1}-gram of the model"
    return None
