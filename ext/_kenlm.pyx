# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Hot loops of KenLM's probing format (build_binary probing): its two hash functions, a scorer that probes the
file's tables where they lie, and the table builder of the writer.

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
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_AsUTF8AndSize

from ngramlm._ext._query cimport CState, FullScoreReturn, MAX_CONTEXT, MAX_ORDER, State

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
    static inline uint64_t kl_load64(const char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
    static inline uint32_t kl_load32(const char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
    static inline float kl_loadf(const char *p) { float v; memcpy(&v, p, 4); return v; }
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
    uint64_t kl_load64(const char *p) noexcept nogil
    uint32_t kl_load32(const char *p) noexcept nogil
    float kl_loadf(const char *p) noexcept nogil
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


cdef inline FullScoreReturn full_score_return(float log_prob, int ngram_length, bint oov):
    cdef FullScoreReturn result = FullScoreReturn.__new__(FullScoreReturn)
    result.log_prob = log_prob
    result.ngram_length = ngram_length
    result.oov = oov
    return result


cdef inline bint is_ascii_space(char c) noexcept nogil:
    return c == b' ' or c == b'\t' or c == b'\n' or c == b'\r' or c == b'\v' or c == b'\f'


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

    def __cinit__(self, *args, **kwargs):
        self._order = 0
        self._keep_alive = []

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
        for j in range(length - 1, context.length):
            prob += context.backoff[j]
        if keep > self._order - 1:
            keep = self._order - 1
        next_state.words[0] = w
        for j in range(1, keep):
            next_state.words[j] = context.words[j - 1]
        next_state.length = keep
        memcpy(out, &next_state, sizeof(CState))
        ngram_length[0] = length
        return prob

    cdef inline void begin_sentence(self, CState* state) noexcept nogil:
        state.length = 1
        state.words[0] = self._bos
        state.backoff[0] = self._unigrams[2 * self._bos + 1]

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

    def BeginSentenceWrite(self, State state):
        """Set `state` to the start of a sentence (context <s>)."""
        self.begin_sentence(&state.c)

    def NullContextWrite(self, State state):
        """Set `state` to the empty context."""
        state.c.length = 0

    def BaseScore(self, State in_state, word, State out_state) -> float:
        """log10 p(word | in_state), writing the state after `word` to `out_state`."""
        cdef int length
        return self.score_word(&in_state.c, self.word_id(word), &out_state.c, &length)

    def BaseFullScore(self, State in_state, word, State out_state) -> FullScoreReturn:
        """Like BaseScore, returning FullScoreReturn(log_prob, ngram_length, oov)."""
        cdef int length
        cdef uint32_t w = self.word_id(word)
        cdef double prob = self.score_word(&in_state.c, w, &out_state.c, &length)
        return full_score_return(prob, length, w == 0)

    def score(self, sentence, bint bos=True, bint eos=True) -> float:
        """log10 probability of a sentence split at ASCII whitespace (with </s>, after <s>, unless told not to)."""
        cdef Py_ssize_t size, i = 0, start
        cdef const char* text
        if isinstance(sentence, bytes):
            text, size = PyBytes_AS_STRING(sentence), PyBytes_GET_SIZE(sentence)
        else:
            text = PyUnicode_AsUTF8AndSize(sentence, &size)
        cdef CState a
        cdef int length
        cdef double total = 0
        if bos:
            self.begin_sentence(&a)
        else:
            a.length = 0
        with nogil:
            while True:
                while i < size and is_ascii_space(text[i]):
                    i += 1
                if i == size:
                    break
                start = i
                while i < size and not is_ascii_space(text[i]):
                    i += 1
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
