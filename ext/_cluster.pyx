# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The hot loop of word clustering: one pass of the exchange algorithm over the words.

ngramlm.models.clustering validates every array before calling in here.

The class-bigram model (Brown et al. 1992; Kneser & Ney 1993; Martin, Liermann & Ney 1998) gives the
training text the log-likelihood

    LL = sum_{c,d} f(N(c,d)) - sum_c f(N_l(c)) - sum_c f(N_r(c)) + sum_w f(N_r(w)),      f(x) = x log x

with N(c,d) the class-bigram counts, N_l(c) = sum_d N(c,d) and N_r(d) = sum_c N(c,d) the counts of class c as
the first and as the second word of a bigram, and N_r(w) the count of word w as the second word. The last term
does not depend on the classes. Moving word w touches only row and column of its old and its new class, so
the change of LL for every candidate class is computed from the classes of w's neighbours alone
(Martin et al. 1998): O(classes * neighbour classes) per word instead of O(classes^2).
"""
import numpy as np

cimport numpy as cnp
from libc.math cimport log
from libc.stdint cimport int32_t, int64_t

cnp.import_array()


cdef inline double xlogx(double x) noexcept nogil:
    return x * log(x) if x > 0 else 0.0


cdef class ExchangeState:
    """Word bigram counts (CSR, both directions), the class of each word, and the class-bigram counts.

    Args:
        successors_start, successors, successor_counts: for word w, its right neighbours
            successors[successors_start[w]:successors_start[w + 1]] with their bigram counts.
        predecessors_start, predecessors, predecessor_counts: the same for left neighbours.
        word_left, word_right: counts of each word as the first / the second word of a bigram.
        classes: the class of each word (int32, values below num_classes).
        movable: 1 for words the algorithm may move, 0 for words fixed in their class (sentence markers).
        num_classes: the number of classes, fixed classes included.
    """
    def __init__(self, int64_t[::1] successors_start, int64_t[::1] successors, double[::1] successor_counts,
                 int64_t[::1] predecessors_start, int64_t[::1] predecessors, double[::1] predecessor_counts,
                 double[::1] word_left, double[::1] word_right, int32_t[::1] classes,
                 const unsigned char[::1] movable, int num_classes):
        self.succ_start, self.succ, self.succ_count = successors_start, successors, successor_counts
        self.pred_start, self.pred, self.pred_count = predecessors_start, predecessors, predecessor_counts
        self.word_left, self.word_right = word_left, word_right
        self.classes, self.movable, self.num_classes = classes, movable, num_classes
        self.class_bigrams = np.zeros((num_classes, num_classes), dtype=np.float64)
        self.class_left = np.zeros(num_classes, dtype=np.float64)
        self.class_right = np.zeros(num_classes, dtype=np.float64)
        self.to_class = np.zeros(num_classes, dtype=np.float64)
        self.from_class = np.zeros(num_classes, dtype=np.float64)
        self.touched = np.zeros(num_classes, dtype=np.int64)
        cdef int64_t w, j
        for w in range(len(classes)):
            self.class_left[classes[w]] += word_left[w]
            self.class_right[classes[w]] += word_right[w]
            for j in range(successors_start[w], successors_start[w + 1]):
                self.class_bigrams[classes[w], classes[successors[j]]] += successor_counts[j]

    def class_bigram_counts(self) -> np.ndarray:
        """A copy of the class-bigram count matrix N(c, d)."""
        return np.asarray(self.class_bigrams).copy()

    def class_terms(self) -> float:
        """The class-dependent part of LL: sum f(N(c,d)) - sum f(N_l(c)) - sum f(N_r(c)) (natural log)."""
        cdef double total = 0.0
        cdef int c, d
        with nogil:
            for c in range(self.num_classes):
                total -= xlogx(self.class_left[c]) + xlogx(self.class_right[c])
                for d in range(self.num_classes):
                    total += xlogx(self.class_bigrams[c, d])
        return total

    cdef int _neighbour_classes(self, int64_t w, double *self_loop) noexcept nogil:
        """Fill to_class[d] (counts of w followed by a word of class d) and from_class[d] (preceded by), over the
        neighbours other than w itself, whose count goes to self_loop. Returns how many classes are touched,
        listed in `touched`."""
        cdef int64_t j, v
        cdef int c, count = 0
        self_loop[0] = 0.0
        for j in range(self.succ_start[w], self.succ_start[w + 1]):
            v = self.succ[j]
            if v == w:
                self_loop[0] = self.succ_count[j]
                continue
            c = self.classes[v]
            if self.to_class[c] == 0 and self.from_class[c] == 0:
                self.touched[count] = c
                count += 1
            self.to_class[c] += self.succ_count[j]
        for j in range(self.pred_start[w], self.pred_start[w + 1]):
            v = self.pred[j]
            if v == w:
                continue
            c = self.classes[v]
            if self.to_class[c] == 0 and self.from_class[c] == 0:
                self.touched[count] = c
                count += 1
            self.from_class[c] += self.pred_count[j]
        return count

    cdef void _move(self, int64_t w, int c, double sign, int touched, double self_loop) noexcept nogil:
        """Add (sign = 1) or remove (sign = -1) word w to / from class c, given its neighbour class counts."""
        cdef int k, d
        for k in range(touched):
            d = self.touched[k]
            self.class_bigrams[c, d] += sign * self.to_class[d]
            self.class_bigrams[d, c] += sign * self.from_class[d]
        self.class_bigrams[c, c] += sign * self_loop
        self.class_left[c] += sign * self.word_left[w]
        self.class_right[c] += sign * self.word_right[w]

    cdef double _gain(self, int64_t w, int b, int touched, double self_loop) noexcept nogil:
        """The change of LL if word w (in no class now) joins class b (the log-likelihood above restricted to
        the counts that change): row b, column b and the class counts of b."""
        cdef double gain = 0.0, to_b = self.to_class[b], from_b = self.from_class[b]
        cdef double n
        cdef int k, d
        for k in range(touched):
            d = self.touched[k]
            if d == b:
                continue
            n = self.class_bigrams[b, d]
            gain += xlogx(n + self.to_class[d]) - xlogx(n)
            n = self.class_bigrams[d, b]
            gain += xlogx(n + self.from_class[d]) - xlogx(n)
        n = self.class_bigrams[b, b]
        gain += xlogx(n + to_b + from_b + self_loop) - xlogx(n)
        n = self.class_left[b]
        gain -= xlogx(n + self.word_left[w]) - xlogx(n)
        n = self.class_right[b]
        gain -= xlogx(n + self.word_right[w]) - xlogx(n)
        return gain

    def exchange_pass(self, int64_t[::1] visiting_order, int first_class, int last_class):
        """Visit the words in `visiting_order`; move each movable one to the class in [first_class, last_class)
        that maximises LL (staying where it is on ties, so LL never decreases). Returns the number of moves."""
        cdef int64_t i, w
        cdef int k, b, old, best, touched, moves = 0
        cdef double self_loop, gain, best_gain
        with nogil:
            for i in range(visiting_order.shape[0]):
                w = visiting_order[i]
                if not self.movable[w]:
                    continue
                touched = self._neighbour_classes(w, &self_loop)
                old = self.classes[w]
                self._move(w, old, -1.0, touched, self_loop)
                best, best_gain = old, self._gain(w, old, touched, self_loop)
                for b in range(first_class, last_class):
                    if b == old:
                        continue
                    gain = self._gain(w, b, touched, self_loop)
                    # A move must gain more than rounding noise, or words could swap back and forth forever.
                    if gain > best_gain + 1e-9 * (1.0 + best_gain if best_gain > 0 else 1.0 - best_gain):
                        best, best_gain = b, gain
                self._move(w, best, 1.0, touched, self_loop)
                if best != old:
                    self.classes[w] = best
                    moves += 1
                for k in range(touched):
                    self.to_class[self.touched[k]] = 0.0
                    self.from_class[self.touched[k]] = 0.0
        return moves
