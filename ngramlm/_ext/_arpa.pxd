# The C-level declarations of the ARPA reader's word table (implemented in ext/_arpa.pyx).
from libc.stdint cimport uint32_t, uint64_t


# A word of the word table: where its spelling starts in the table's block of spellings, its length, its id.
cdef struct WordEntry:
    uint32_t start
    uint32_t length
    uint32_t id


cdef class WordTable:
    cdef Py_ssize_t capacity, count, entry_room, letters, letter_room
    cdef uint64_t* slots  # (upper 32 bits of the hash) << 32 | entry number + 1; 0: empty
    cdef WordEntry* entries
    cdef char* arena  # the spellings, one after another

    cdef void _release(self)
    cdef int _allocate(self, Py_ssize_t capacity) except -1
    cdef Py_ssize_t _slot(self, const char* p, Py_ssize_t n, uint64_t h) nogil
    cdef long long find(self, const char* p, Py_ssize_t n) nogil
    cdef int _add(self, const char* p, Py_ssize_t n, uint32_t wid) except -1
    cdef int _grow(self) except -1
