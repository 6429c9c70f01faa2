# The C-level declarations of the counting core (implemented in ext/_count.pyx): the key layout of the packed
# sort, the classes that threads share while counting one range, and the token table of the text reader.
cimport cython
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t


cdef struct KeyLayout:
    # How a packed key holds the words 2..N of a window: `groups` = N - 1 words of `bits` bits, the second word
    # highest; the divisions by `bits` that turn bit counts into word counts, done once (see _key_words).
    int groups
    int bits
    uint64_t mask
    uint8_t words_below[64]
    uint8_t words_above[64]


cdef class _PackedPieces:
    cdef uint64_t *keys
    cdef const int64_t *bounds
    cdef const int64_t *piece_first
    cdef int64_t *piece_rows
    cdef KeyLayout layout
    cdef int order
    cdef int64_t lo
    cdef uint32_t *gram_rows[256]
    cdef int64_t *count_rows[256]
    # Radix sort memory, one part a thread (not one a piece: fresh memory is slow to fault in). A thread takes
    # a part from `free_parts` for the time it sorts a piece.
    cdef uint64_t *scratch
    cdef int64_t *histograms
    cdef int64_t part_keys
    cdef object free_parts, keep_alive


cdef class _KeyChunks:
    cdef const uint32_t *text
    cdef int64_t lo, span, num_words, chunks
    cdef KeyLayout layout
    cdef uint64_t *keys
    # places[t * (span + 1) + b]: chunk t's windows that start with word lo + b; after layout_parts, where its
    # part of bucket b ends; after fill, where it starts.
    cdef int64_t *places
    cdef int64_t chunk_start[257]
    cdef bint out_of_range[256]
    cdef bint on_file  # the text is a memory map of a file: release its pages behind the sweeps
    cdef object keep_alive

    cdef int64_t layout_parts(self, int64_t *largest) noexcept nogil


cdef struct TokenSlot:
    # A token of the hash table: its first 8 bytes (zero-padded), its length and its number + 1 (0: an empty
    # slot). A short token is recognised from the slot alone, without reading the token's own memory.
    uint64_t prefix
    uint32_t length
    uint32_t number


@cython.final
cdef class TokenTable:
    cdef unsigned char *arena
    cdef int64_t arena_used, arena_size
    cdef int64_t *starts
    cdef uint64_t *hashes
    cdef TokenSlot *slots
    cdef int64_t tokens, token_capacity, num_slots, reported

    cdef int _grow(self, int64_t more_bytes) except -1 nogil
    cdef int64_t _intern(self, const unsigned char *token, int64_t length, uint64_t prefix,
                         uint64_t h) except -1 nogil
