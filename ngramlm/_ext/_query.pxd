# The C-level layout of the query index, for any module that would cimport it (ngramlm.use.query reaches it from
# Python, through the compiled HashIndex): the entry structs of the hash tables, the state a decoder carries, and
# the compiled classes with their C methods. The implementations are in _query.pyx.
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_AsUTF8AndSize

# Highest model order the index serves; a State holds at most MAX_ORDER - 1 context words.
cdef enum:
    MAX_ORDER = 8
    MAX_CONTEXT = MAX_ORDER - 1

# An n-gram of a middle order (2 .. N-1): its 64-bit hash, log10 probability and log10 back-off weight.
# A back-off weight of -0.0 (sign bit set) marks an n-gram that can never be extended to the right, as KenLM
# marks it (lm/blank.hh): scoring then leaves it out of the state.
cdef packed struct MiddleEntry:
    uint64_t key
    float prob
    float bow

# An n-gram of the highest order: no back-off weight.
cdef packed struct LongestEntry:
    uint64_t key
    float prob

# A word of the vocabulary: the 64-bit hash of its UTF-8 spelling and its id (KenLM's probing vocabulary).
cdef packed struct VocabEntry:
    uint64_t key
    uint32_t id

# Sentences scored side by side by the batch call (see HashIndex.score_flat_into).
cdef enum:
    LANES = 8

# What the model remembers of the history: the words that can still extend, most recent first, and their
# back-off weights (backoff[i] is the weight of the context words[0..i]).
cdef packed struct CState:
    uint32_t words[MAX_CONTEXT]
    float backoff[MAX_CONTEXT]
    uint8_t length


cdef inline double finish_back_off(const CState* context, CState* next_state, CState* out, uint32_t w, double prob,
                                   int length, int keep, int order, int* ngram_length) noexcept nogil:
    """The end of the back-off recursion, shared by every index that scores into a CState (HashIndex here, the
    KenLM probing and trie indexes of _kenlm): with the longest match of `length` words found, `prob` its log10
    probability, add the back-off weights of the context words it dropped; `next_state` (its backoff[] filled)
    keeps `w` and the newest `keep` - 1 context words (at most order - 1 words) and is copied to `out`."""
    cdef int j
    for j in range(length - 1, context.length):
        prob += context.backoff[j]
    if keep > order - 1:
        keep = order - 1
    next_state.words[0] = w
    for j in range(1, keep):
        next_state.words[j] = context.words[j - 1]
    next_state.length = keep
    memcpy(out, next_state, sizeof(CState))
    ngram_length[0] = length
    return prob


cdef inline bint is_ascii_space(char c) noexcept nogil:
    return c == b' ' or c == b'\t' or c == b'\n' or c == b'\r' or c == b'\v' or c == b'\f'


cdef inline const char* sentence_text(sentence, Py_ssize_t* size) except NULL:
    """The UTF-8 bytes of a sentence given as bytes or str, without a copy (a str keeps its UTF-8 form)."""
    if isinstance(sentence, bytes):
        size[0] = PyBytes_GET_SIZE(sentence)
        return PyBytes_AS_STRING(sentence)
    return PyUnicode_AsUTF8AndSize(sentence, size)


cdef inline bint next_word(const char* text, Py_ssize_t size, Py_ssize_t* start, Py_ssize_t* end) noexcept nogil:
    """Find the next word of `text` at or after end[0], split at ASCII whitespace as kenlm splits a sentence:
    False when none is left, else True with the word at text[start[0]:end[0]] (the loop of every score())."""
    cdef Py_ssize_t i = end[0]
    while i < size and is_ascii_space(text[i]):
        i += 1
    if i == size:
        return False
    start[0] = i
    while i < size and not is_ascii_space(text[i]):
        i += 1
    end[0] = i
    return True


# One sentence in flight in the batch call.
cdef struct Lane:
    CState state
    Py_ssize_t pos
    Py_ssize_t words_end
    Py_ssize_t stop
    Py_ssize_t out
    uint32_t word
    bint active
    uint64_t keys[MAX_CONTEXT]  # the hash keys of `word`'s n-grams, computed when they were prefetched


cdef class State:
    cdef CState c

    cdef int compare(self, State other)


cdef class FullScoreReturn:
    cdef readonly float log_prob
    cdef readonly int ngram_length
    cdef readonly bint oov


cdef inline FullScoreReturn full_score_return(float log_prob, int ngram_length, bint oov):
    """FullScoreReturn(log_prob, ngram_length, oov) made without boxing and parsing the three arguments (once per
    word in BaseFullScore's loops)."""
    cdef FullScoreReturn result = FullScoreReturn.__new__(FullScoreReturn)
    result.log_prob = log_prob
    result.ngram_length = ngram_length
    result.oov = oov
    return result


# Not final: ngramlm.use.query.Model extends it, so that model.BaseScore resolves on the type and reaches the
# probe loop directly (the cdef helpers below are called through the vtable, one indirect call a probe).
cdef class HashIndex:
    cdef int _order
    cdef uint32_t _vocab_size
    cdef const float* _uni_prob
    cdef const float* _uni_bow
    cdef const uint8_t* _present
    cdef MiddleEntry* _middle[MAX_ORDER + 1]
    cdef uint64_t _middle_buckets[MAX_ORDER + 1]
    cdef LongestEntry* _longest
    cdef uint64_t _longest_buckets
    cdef list _keep_alive
    cdef const VocabEntry* _vocab
    cdef uint64_t _vocab_buckets
    cdef uint32_t _bos
    cdef uint32_t _eos

    cdef inline int check_state(self, const CState* state) except -1 nogil
    cdef int check_ready(self) except -1
    cdef inline uint32_t known(self, uint32_t word) noexcept nogil
    cdef double score_word(self, const CState* context, uint32_t word, CState* out, int* ngram_length) noexcept nogil
    cdef inline void context_keys(self, const CState* context, uint32_t w, uint64_t* keys) noexcept nogil
    cdef inline double score_keys(self, const CState* context, uint32_t w, const uint64_t* keys, CState* out,
                                  int* ngram_length) noexcept nogil
    cdef inline void begin_sentence(self, CState* state) noexcept nogil
    cdef inline uint32_t spelling_id(self, const char* spelling, Py_ssize_t size) noexcept nogil
    cdef inline uint32_t str_id(self, str word) except? 0
    cdef inline uint32_t word_id(self, word) except? 0
    cdef inline void prefetch_keys(self, uint32_t word, const uint64_t* keys, int count) noexcept nogil
    cdef inline void open_lane(self, Lane* lane, Py_ssize_t sentence, const int64_t* offsets, bint bos,
                               bint eos) noexcept nogil
    cdef inline void prefetch_lane(self, Lane* lane, const uint32_t* ids) noexcept nogil
    cdef inline void prepare_pair(self, const CState* state, uint32_t word, uint32_t* known_word,
                                  uint64_t* keys) noexcept nogil
