# The C-level declarations of the ARPA reader's word table (implemented in ext/_arpa.pyx).
from libc.stdint cimport uint32_t, uint64_t


cdef class WordTable:
    cdef Py_ssize_t capacity, count
    cdef uint64_t* hashes
    cdef const char** spellings
    cdef Py_ssize_t* lengths
    cdef uint32_t* ids
    cdef list words  # owns the bytes the table points into

    cdef void _release(self)
    cdef void _allocate(self, Py_ssize_t capacity)
    cdef Py_ssize_t _slot(self, const char* p, Py_ssize_t n, uint64_t h) nogil
    cdef long long find(self, const char* p, Py_ssize_t n) nogil
    cdef void _grow(self)
