# The C-level declarations of the exchange algorithm's state (implemented in ext/_cluster.pyx).
from libc.stdint cimport int32_t, int64_t


cdef class ExchangeState:
    cdef int64_t[::1] succ_start, succ, pred_start, pred
    cdef double[::1] succ_count, pred_count, word_left, word_right
    cdef public int32_t[::1] classes
    cdef const unsigned char[::1] movable
    cdef double[:, ::1] class_bigrams
    cdef double[::1] class_left, class_right
    cdef double[::1] to_class, from_class
    cdef int64_t[::1] touched
    cdef int num_classes

    cdef int _neighbour_classes(self, int64_t w, double *self_loop) noexcept nogil
    cdef void _move(self, int64_t w, int c, double sign, int touched, double self_loop) noexcept nogil
    cdef double _gain(self, int64_t w, int b, int touched, double self_loop) noexcept nogil
