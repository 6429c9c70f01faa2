# cython: boundscheck=False, wraparound=False, cdivision=True
"""The inner loop of the ARPA reader: the lines of one n-gram section, parsed straight from the bytes."""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.math cimport INFINITY, NAN, exp, frexp, isnan
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc, strtod
from libc.string cimport memchr, memcmp, memcpy, memset

cimport numpy as cnp
from cython cimport floating
import numpy as np


cdef inline uint64_t fnv1a(const char* p, Py_ssize_t n) nogil:
    cdef uint64_t h = 14695981039346656037ULL
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ <unsigned char> p[i]) * 1099511628211ULL
    return h


cdef class WordTable:
    """Word spelling (bytes) -> id, an open-addressing hash table the parser probes without making objects.

    Compact, so that a vocabulary of tens of thousands of words stays in cache: a slot is 8 bytes (the upper
    half of the word's hash and its entry number + 1, 0 when empty), an entry 12 (where its spelling starts in
    one block of all the spellings, its length, its id)."""

    def __cinit__(self):
        self.capacity, self.count, self.entry_room, self.letters, self.letter_room = 0, 0, 0, 0, 0
        self.slots, self.entries, self.arena = NULL, NULL, NULL
        self._allocate(1024)

    def __dealloc__(self):
        self._release()

    cdef void _release(self):
        free(self.slots)
        free(self.entries)
        free(self.arena)

    cdef int _allocate(self, Py_ssize_t capacity) except -1:
        self.slots = <uint64_t*> calloc(capacity, sizeof(uint64_t))
        if not self.slots:
            raise MemoryError()
        self.capacity = capacity
        return 0

    cdef Py_ssize_t _slot(self, const char* p, Py_ssize_t n, uint64_t h) nogil:
        """The slot holding the word, or the empty slot where it would go."""
        cdef Py_ssize_t mask = self.capacity - 1
        cdef Py_ssize_t i = <Py_ssize_t> (h & mask)
        cdef uint64_t slot, tag = h >> 32
        cdef WordEntry* entry
        while True:
            slot = self.slots[i]
            if slot == 0:
                return i
            if slot >> 32 == tag:
                entry = &self.entries[(slot & 0xFFFFFFFFu) - 1]
                if entry.length == n and memcmp(self.arena + entry.start, p, n) == 0:
                    return i
            i = (i + 1) & mask

    cdef long long find(self, const char* p, Py_ssize_t n) nogil:
        """The id of the word [p, p + n), or -1."""
        cdef uint64_t slot = self.slots[self._slot(p, n, fnv1a(p, n))]
        return -1 if slot == 0 else self.entries[(slot & 0xFFFFFFFFu) - 1].id

    def __contains__(self, bytes word):
        return self.find(PyBytes_AS_STRING(word), PyBytes_GET_SIZE(word)) >= 0

    def add(self, bytes word, uint32_t wid):
        """Map `word` to `wid` (a word already present keeps its id)."""
        self._add(PyBytes_AS_STRING(word), PyBytes_GET_SIZE(word), wid)

    def renumber(self, const cnp.uint32_t[::1] ids not None):
        """Give every word the id ids[its present id] (the reader numbers the unigrams 0, 1, .. in file order
        while it parses them, then gives them their vocabulary ids in one go)."""
        cdef Py_ssize_t i
        for i in range(self.count):
            if self.entries[i].id >= <uint32_t> ids.shape[0]:
                raise ValueError("renumber: a word's id is beyond the new ids")
        for i in range(self.count):
            self.entries[i].id = ids[self.entries[i].id]

    cdef int _add(self, const char* p, Py_ssize_t n, uint32_t wid) except -1:
        cdef uint64_t h = fnv1a(p, n)
        cdef Py_ssize_t i = self._slot(p, n, h)
        if self.slots[i] != 0:
            return 0
        if self.letters + n >= 0xFFFFFFFF or self.count + 1 >= 0xFFFFFFFF:
            raise MemoryError("the word table holds at most 4 GB of spellings and 2^32 words")
        if 2 * (self.count + 1) > self.capacity:
            self._grow()
            i = self._slot(p, n, h)
        cdef Py_ssize_t room
        if self.count == self.entry_room:
            room = max(1024, 2 * self.entry_room)
            self.entries = <WordEntry*> _grown(self.entries, room * sizeof(WordEntry))
            self.entry_room = room
        if self.letters + n > self.letter_room:
            room = max(16384, 2 * (self.letters + n))
            self.arena = <char*> _grown(self.arena, room)
            self.letter_room = room
        memcpy(self.arena + self.letters, p, n)
        self.entries[self.count].start = <uint32_t> self.letters
        self.entries[self.count].length = <uint32_t> n
        self.entries[self.count].id = wid
        self.letters += n
        self.count += 1
        self.slots[i] = ((h >> 32) << 32) | <uint64_t> self.count
        return 0

    cdef int _grow(self) except -1:
        cdef uint64_t* old_slots = self.slots
        cdef Py_ssize_t old = self.capacity, i, j, mask
        cdef WordEntry* entry
        try:
            self._allocate(2 * old)
        except MemoryError:
            self.slots = old_slots  # the table stays as it was
            raise
        mask = self.capacity - 1
        for i in range(old):
            if old_slots[i] != 0:
                entry = &self.entries[(old_slots[i] & 0xFFFFFFFFu) - 1]
                j = <Py_ssize_t> (fnv1a(self.arena + entry.start, entry.length) & mask)
                while self.slots[j] != 0:
                    j = (j + 1) & mask
                self.slots[j] = old_slots[i]
        free(old_slots)
        return 0


cdef void* _grown(void* block, size_t size) except NULL:
    cdef void* bigger = realloc(block, size)
    if bigger == NULL:
        raise MemoryError()
    return bigger


cdef inline bint is_blank(char c) nogil:
    return c == b' ' or c == b'\t' or c == b'\r'


cdef inline bint is_digit(char c) nogil:
    return 48 <= c <= 57  # '0' to '9'


cdef inline const char* skip_blanks(const char* p, const char* end) nogil:
    while p < end and is_blank(p[0]):
        p += 1
    return p


cdef inline const char* token_end(const char* p, const char* end) nogil:
    while p < end and not is_blank(p[0]):
        p += 1
    return p


# Powers of ten that doubles hold exactly (10^22 is the largest).
cdef double[23] EXACT_POWERS = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
                                1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]


cdef inline bint parse_log(const char* p, const char* end, double* value) nogil:
    """Parse a whole token [p, end) as a decimal number (or inf); False if it is not one.

    Plain decimals of at most 15 digits ("-1.234567") are read with integer arithmetic: the digits and the power
    of ten are exact doubles, so their quotient is the correctly rounded value, the same strtod gives. Anything
    else (exponents, inf, long digit strings) goes to strtod.
    """
    cdef const char* q = p
    cdef bint minus = False
    cdef long long digits = 0
    cdef int count = 0, decimals = 0
    cdef char* stop
    if q < end and (q[0] == b'-' or q[0] == b'+'):
        minus = q[0] == b'-'
        q += 1
    while q < end and is_digit(q[0]):
        digits = digits * 10 + (q[0] - 48)
        count += 1
        q += 1
    if q < end and q[0] == b'.':
        q += 1
        while q < end and is_digit(q[0]):
            digits = digits * 10 + (q[0] - 48)
            count += 1
            decimals += 1
            q += 1
    if q == end and 0 < count <= 15:
        value[0] = (-<double> digits if minus else <double> digits) / EXACT_POWERS[decimals]
        return True
    value[0] = strtod(p, &stop)
    return stop == end and stop != p and not isnan(value[0])


def parse_ngram_lines(bytes buf, Py_ssize_t start, bint final, int n,
                      cnp.uint32_t[:, ::1] grams, floating[::1] logprob, floating[::1] logbow,
                      Py_ssize_t filled, Py_ssize_t announced, WordTable ids, list unigrams, Py_ssize_t before=0,
                      bint comments=False):
    """Parse n-gram lines of buf from `start` into the arrays from row `filled` on (`before`: the section's rows
    parsed into earlier blocks, where a reader takes a section a block of rows at a time; `comments`: pass over
    lines that begin with "##", as SRILM's File class does).

    Stops before a line starting with a backslash or an empty line (the section is `done`), when the arrays
    are full, or at the last complete line of the buffer (unless `final`: then the last line counts even
    without a newline). A line beyond the `announced` count of the header is an error.
    A unigram's word is appended to `unigrams` (its spelling) and gets the id of its place there, in `ids` and
    `grams` (the caller gives the unigrams their vocabulary ids: WordTable.renumber); a word listed twice is an
    error. Words of longer n-grams must be in `ids`.
    A line without a back-off weight gets NaN in `logbow`. The numbers are parsed as doubles and stored as the
    arrays' type (float64, or float32 for the query index, which keeps them in single precision anyway).

    Returns (position, lines consumed, rows filled, done, error message or None); on an error, the position and
    line count are those of the start of the offending line.
    """
    cdef const char* base = PyBytes_AS_STRING(buf)
    cdef const char* buf_end = base + PyBytes_GET_SIZE(buf)
    cdef const char* line = base + start
    cdef const char* eol
    cdef const char* next_line
    cdef const char* p
    cdef const char* q
    cdef Py_ssize_t lines = 0
    cdef Py_ssize_t capacity = grams.shape[0]
    cdef int j
    cdef double value
    cdef long long wid
    # The words of the previous line, by position: files list n-grams grouped by context, so most words repeat
    # the word above them and are compared rather than hashed and looked up.
    cdef const char* previous[64]
    cdef Py_ssize_t previous_length[64]
    cdef long long previous_id[64]
    for j in range(64):
        previous_length[j] = -1
    while line < buf_end:
        eol = <const char*> memchr(line, b'\n', buf_end - line)
        if eol == NULL:
            if not final:
                break
            eol = buf_end
            next_line = buf_end
        else:
            next_line = eol + 1
        if comments and eol - line >= 2 and line[0] == b'#' and line[1] == b'#':
            line = next_line
            lines += 1
            continue
        p = skip_blanks(line, eol)
        if p == eol or p[0] == b'\\':
            return line - base, lines, filled, True, None
        if before + filled == announced:
            return (line - base, lines, filled, False,
                    f"the \\{n}-grams: section has more entries than the {announced} its header line announces")
        if filled == capacity:
            break
        q = token_end(p, eol)
        if not parse_log(p, q, &value):
            return line - base, lines, filled, False, f"bad log probability {show(p, q)}; expected a number"
        if value > 0:
            return (line - base, lines, filled, False,
                    f"positive log probability {show(p, q)}: a probability cannot exceed 1")
        logprob[filled] = value
        for j in range(n):
            p = skip_blanks(q, eol)
            q = token_end(p, eol)
            if p == q:
                return (line - base, lines, filled, False,
                        f"a line of the \\{n}-grams: section needs {n} word{'s' if n > 1 else ''} after the "
                        f"log probability, found {j}")
            if n == 1:
                if ids.find(p, q - p) >= 0:
                    return line - base, lines, filled, False, f"the 1-gram {shown_word(p, q)} appears twice"
                wid = len(unigrams)
                ids._add(p, q - p, <uint32_t> wid)
                unigrams.append(PyBytes_FromStringAndSize(p, q - p))
            elif j < 64 and previous_length[j] == q - p and memcmp(previous[j], p, q - p) == 0:
                wid = previous_id[j]
            else:
                wid = ids.find(p, q - p)
                if wid < 0:
                    return (line - base, lines, filled, False,
                            f"the word {show(p, q)} is not a 1-gram of the model; every word of an n-gram must "
                            "have a 1-gram entry")
            grams[filled, j] = <cnp.uint32_t> wid
            if j < 64:
                previous[j], previous_length[j], previous_id[j] = p, q - p, wid
        p = skip_blanks(q, eol)
        if p < eol:
            q = token_end(p, eol)
            if not parse_log(p, q, &value):
                return (line - base, lines, filled, False,
                        f"bad back-off weight {show(p, q)} (or more than {n} word{'s' if n > 1 else ''} on a "
                        f"line of the \\{n}-grams: section)")
            if skip_blanks(q, eol) < eol:
                return (line - base, lines, filled, False,
                        f"too many fields on a line of the \\{n}-grams: section: expected a log probability, "
                        f"{n} word{'s' if n > 1 else ''} and an optional back-off weight")
            logbow[filled] = value
        else:
            logbow[filled] = NAN  # no weight written: told apart from a written 0 by the caller
        filled += 1
        lines += 1
        line = next_line
    return line - base, lines, filled, False, None


cdef str show(const char* p, const char* q):
    return repr(PyBytes_FromStringAndSize(p, min(q - p, 60)).decode("utf-8", errors="replace"))


cdef str shown_word(const char* p, const char* q):
    """A word as ngramlm.formats.arpa shows one in its messages (_show)."""
    cdef str text = PyBytes_FromStringAndSize(p, q - p).decode("utf-8", errors="replace")
    return repr(text if len(text) <= 60 else text[:60] + "...")


def prefix_index(const cnp.uint32_t[:, ::1] shorter, const cnp.uint32_t[:, ::1] longer):
    """For each row of `longer` (sorted (m, k+1) n-grams), the row of `shorter` (sorted (s, k)) equal to its first
    k words, or -1: one merge over both sorted arrays."""
    cdef Py_ssize_t m = longer.shape[0], s = shorter.shape[0], k = shorter.shape[1]
    cdef cnp.ndarray[cnp.int64_t, ndim=1] result = np.empty(m, dtype=np.int64)
    cdef Py_ssize_t i = 0, j, c
    cdef int order
    with nogil:
        for j in range(m):
            order = 1
            while i < s:
                order = 0
                for c in range(k):  # compare shorter[i] with the prefix of longer[j]
                    if shorter[i, c] != longer[j, c]:
                        order = -1 if shorter[i, c] < longer[j, c] else 1
                        break
                if order < 0:
                    i += 1
                else:
                    break
            result[j] = i if (i < s and order == 0) else -1
    return result


cdef extern from "stdio.h":
    int snprintf(char* buffer, size_t size, const char* fmt, ...) nogil


cdef const char* TWO_DIGITS = b"00010203040506070809101112131415161718192021222324252627282930313233343536373839" \
    b"40414243444546474849505152535455565758596061626364656667686970717273747576777879808182838485868788899091" \
    b"9293949596979899"


cdef inline Py_ssize_t format_g7(char* out, double value) nogil:
    """`value` as C's printf("%.7g") writes it (C99 7.19.6.1), without the cost of printf.

    The 7 significant digits are round(|value| x 10^(6-e)), where e is the decimal exponent: 10^(6-e) is an
    exact double, so the product carries one rounding error, below 1e-9 for a product under 10^7. Whenever
    that error could change the rounding (a fraction within 1e-6 of one half, ties included) or the number
    is outside [1e-16, 1e7), printf itself formats it.
    """
    cdef double x = -value if value < 0 else value
    cdef double product, fraction
    cdef int e, exponent, last, i
    cdef long digits
    cdef char[16] d
    memset(d, 48, 16)
    cdef Py_ssize_t pos = 0
    if not (1e-16 <= x < 1e7):  # also NaN and infinities
        return snprintf(out, 32, "%.7g", value)
    frexp(x, &e)  # 2^(e-1) <= x < 2^e: the decimal exponent floor(log10(x)) is floor((e - 1) log10(2)) or one more
    e = ((e - 1) * 78913) >> 18  # floor((e - 1) log10(2)) for |e - 1| < 1600 (78913 / 2^18 = 0.3010300...)
    e = 6 if e > 6 else (-16 if e < -16 else e)
    product = x * EXACT_POWERS[6 - e]
    if product >= 1e7 and e < 6:
        e += 1
        product = x * EXACT_POWERS[6 - e]
    if not (1e6 <= product < 1e7):
        return snprintf(out, 32, "%.7g", value)
    digits = <long> product
    fraction = product - digits
    if 0.5 - 1e-6 < fraction < 0.5 + 1e-6:
        return snprintf(out, 32, "%.7g", value)
    if fraction > 0.5:
        digits += 1
    exponent = e
    if digits == 10000000:  # rounding carried into an eighth digit: 9999999.7 -> 1.000000e+07
        digits = 1000000
        exponent += 1
    # The 7 digits, two at a time from a table (fewer dependent divisions); d[7..15] are padding.
    memcpy(d + 5, TWO_DIGITS + 2 * (digits % 100), 2)
    digits //= 100
    memcpy(d + 3, TWO_DIGITS + 2 * (digits % 100), 2)
    digits //= 100
    memcpy(d + 1, TWO_DIGITS + 2 * (digits % 100), 2)
    d[0] = <char> (48 + digits // 100)
    last = 6  # %g drops trailing zeros of the fraction
    while last > 0 and d[last] == b'0':
        last -= 1
    if value < 0:
        out[pos] = b'-'
        pos += 1
    # Style f is built with fixed-size copies (the output has room for them), whatever the exponent: fewer
    # branches that random digits would mispredict.
    if 0 <= exponent < 7:  # ddd.dddd: the integer digits, the point, the decimals from d[exponent + 1]
        memcpy(out + pos, d, 8)
        memcpy(out + pos + exponent + 2, d + exponent + 1, 8)
        out[pos + exponent + 1] = b'.'
        pos += last + 2 if last > exponent else exponent + 1
    elif -4 <= exponent < 0:  # 0.000ddd: -exponent - 1 zeros after the point
        memcpy(out + pos, b"0.000000", 8)
        memcpy(out + pos + 1 - exponent, d, 8)
        pos += 2 - exponent + last
    else:  # style e: d.dddddde+XX, at least two exponent digits
        out[pos] = d[0]
        pos += 1
        if last > 0:
            out[pos] = b'.'
            pos += 1
            for i in range(1, last + 1):
                out[pos] = d[i]
                pos += 1
        out[pos] = b'e'
        out[pos + 1] = b'-' if exponent < 0 else b'+'
        pos += 2
        exponent = -exponent if exponent < 0 else exponent
        out[pos], out[pos + 1] = <char> (48 + exponent // 10), <char> (48 + exponent % 10)
        pos += 2
    return pos


cdef inline Py_ssize_t format_log(char* out, double value) nogil:
    """A log10 value as SRILM prints it: %.7g, with -99 for log10(0) and 0 for a zero of either sign."""
    if value <= -99.0:
        out[0], out[1], out[2] = b'-', b'9', b'9'
        return 3
    if value == 0:
        out[0] = b'0'
        return 1
    return format_g7(out, value)


def format_ngram_lines(list spellings, const cnp.uint32_t[:, ::1] grams, const double[::1] logprob,
                       const double[::1] logbow, const cnp.uint8_t[::1] show_bow):
    """The lines of one ARPA section, `log10p<TAB>w1 .. wn[<TAB>log10bow]`, as UTF-8 bytes in a uint8 array.

    spellings[id] is the UTF-8 spelling of word `id`; rows are written in the order given, the weight only where
    show_bow[row]."""
    cdef Py_ssize_t m = grams.shape[0], n = grams.shape[1], i, j, pos = 0, length, needed, word_id
    cdef Py_ssize_t count = len(spellings), longest = 0, letters = 0
    cdef Py_ssize_t* offsets = <Py_ssize_t*> calloc(max(count, 1), sizeof(Py_ssize_t))
    cdef Py_ssize_t* lengths = <Py_ssize_t*> calloc(max(count, 1), sizeof(Py_ssize_t))
    cdef char* arena = NULL
    cdef char* out
    cdef bytes word
    cdef long long bad_id = -1
    cdef cnp.ndarray[cnp.uint8_t, ndim=1] buffer, grown
    if offsets == NULL or lengths == NULL:
        free(offsets)
        free(lengths)
        raise MemoryError()
    try:
        if logprob.shape[0] != grams.shape[0] or logbow.shape[0] != grams.shape[0] or \
                show_bow.shape[0] != grams.shape[0]:
            raise ValueError("grams, logprob, logbow and show_bow must have one entry per n-gram")
        # The spellings side by side in one block, which stays in cache where the bytes objects lie scattered
        # over the heap; 16 bytes of slack after it let a short word be copied with one fixed 16-byte move.
        for i in range(count):
            word = spellings[i]
            offsets[i], lengths[i] = letters, PyBytes_GET_SIZE(word)
            letters += lengths[i]
            longest = max(longest, lengths[i])
        arena = <char*> malloc(letters + 16)
        if arena == NULL:
            raise MemoryError()
        for i in range(count):
            word = spellings[i]
            memcpy(arena + offsets[i], PyBytes_AS_STRING(word), lengths[i])
        # Room for the lines as their words' average length predicts; grown (rarely) where they are longer.
        buffer = np.empty(m * (32 + n * (letters // max(count, 1) + 2)) + 4096, dtype=np.uint8)
        out = <char*> buffer.data
        # at most 2 x 32 bytes for the numbers, 2 tabs, n - 1 spaces, the newline, the words and the slack
        needed = 83 + n * (longest + 1)
        i = 0
        while i < m:
            if pos + needed > buffer.shape[0]:
                grown = np.empty(2 * buffer.shape[0] + needed, dtype=np.uint8)
                memcpy(<char*> grown.data, out, pos)
                buffer = grown
                out = <char*> buffer.data
            with nogil:
                while i < m and pos + needed <= buffer.shape[0]:
                    pos += format_log(out + pos, logprob[i])
                    out[pos] = b'\t'
                    pos += 1
                    for j in range(n):
                        word_id = grams[i, j]
                        if word_id >= count:
                            bad_id = word_id
                            break
                        if j:
                            out[pos] = b' '
                            pos += 1
                        length = lengths[word_id]
                        if length <= 16:
                            memcpy(out + pos, arena + offsets[word_id], 16)
                        else:
                            memcpy(out + pos, arena + offsets[word_id], length)
                        pos += length
                    if bad_id >= 0:
                        break
                    if show_bow[i]:
                        out[pos] = b'\t'
                        pos += 1
                        pos += format_log(out + pos, logbow[i])
                    out[pos] = b'\n'
                    pos += 1
                    i += 1
            if bad_id >= 0:
                raise IndexError(f"word id {bad_id} is not in the vocabulary of {count} words")
        return buffer[:pos]
    finally:
        free(offsets)
        free(lengths)
        free(arena)


def stable_order_by(const cnp.int64_t[::1] keys, const cnp.int64_t[::1] order, Py_ssize_t buckets):
    """`order` (row numbers; None for 0, 1, 2, ...: all rows of `keys`) stably sorted by keys[row], for keys in
    [0, buckets): one counting sort."""
    cdef bint identity = order is None
    cdef Py_ssize_t m = keys.shape[0] if identity else order.shape[0], i, total = 0, count, row
    cdef cnp.ndarray[cnp.int64_t, ndim=1] result = np.empty(m, dtype=np.int64)
    cdef cnp.ndarray[cnp.int64_t, ndim=1] starts = np.zeros(buckets + 1, dtype=np.int64)
    cdef cnp.int64_t[::1] out = result, start = starts
    for i in range(m):
        row = i if identity else order[i]
        if not 0 <= row < keys.shape[0] or not 0 <= keys[row] < buckets:
            raise IndexError(f"row {row} or its key is out of range")
    with nogil:
        for i in range(m):
            row = i if identity else order[i]
            start[keys[row]] += 1
        for i in range(buckets):  # counts -> first position of each key
            count = start[i]
            start[i] = total
            total += count
        for i in range(m):
            row = i if identity else order[i]
            out[start[keys[row]]] = row
            start[keys[row]] += 1
    return result


cdef extern from "prefetch.h":
    void prefetch "ngl_prefetch" (const void *address) noexcept nogil


# Lookups ahead of the current one whose hash slots are asked from memory (their misses overlap).
cdef enum:
    LOOKAHEAD = 16


cdef inline uint64_t mix_words(const cnp.uint32_t* words, Py_ssize_t k) noexcept nogil:
    """A 64-bit hash of k word ids (MurmurHash3's finaliser after each word)."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL
    cdef Py_ssize_t j
    for j in range(k):
        h = (h ^ words[j]) * 0xff51afd7ed558ccdULL
        h ^= h >> 33
    h *= 0xc4ceb9fe1a85ec53ULL
    return h ^ (h >> 29)


def hashed_prefix_rows(const cnp.uint32_t[:, ::1] shorter, const cnp.uint32_t[:, ::1] longer):
    """For each row of `longer` ((m, k+1) n-grams, any order), the row of `shorter` ((s, k), any order) equal to
    its first k words, or -1: a hash table of the rows of `shorter` (the first of equal rows kept)."""
    cdef Py_ssize_t s = shorter.shape[0], m = longer.shape[0], k = shorter.shape[1], i
    cdef size_t row = k * sizeof(cnp.uint32_t)
    if longer.shape[1] != k + 1 and m:
        raise ValueError("the longer n-grams must have one word more than the shorter")
    cdef Py_ssize_t capacity = 1
    while capacity < 2 * s + 2:
        capacity *= 2
    cdef cnp.ndarray[cnp.int64_t, ndim=1] result = np.empty(m, dtype=np.int64)
    cdef cnp.ndarray[cnp.int64_t, ndim=1] slots = np.full(capacity, -1, dtype=np.int64)
    cdef cnp.int64_t[::1] table = slots, out = result
    cdef Py_ssize_t mask = capacity - 1, b
    with nogil:
        for i in range(s):
            if i + LOOKAHEAD < s:
                prefetch(&table[<Py_ssize_t> (mix_words(&shorter[i + LOOKAHEAD, 0], k) & mask)])
            b = <Py_ssize_t> (mix_words(&shorter[i, 0], k) & mask)
            while table[b] >= 0 and memcmp(&shorter[table[b], 0], &shorter[i, 0], row) != 0:
                b = (b + 1) & mask
            if table[b] < 0:
                table[b] = i
        for i in range(min(m, LOOKAHEAD)):
            prefetch(&table[<Py_ssize_t> (mix_words(&longer[i, 0], k) & mask)])
        for i in range(m):
            if i + LOOKAHEAD < m:
                prefetch(&table[<Py_ssize_t> (mix_words(&longer[i + LOOKAHEAD, 0], k) & mask)])
            if i and memcmp(&longer[i, 0], &longer[i - 1, 0], row) == 0:
                out[i] = out[i - 1]  # the same prefix as the row before (files group n-grams by context)
                continue
            b = <Py_ssize_t> (mix_words(&longer[i, 0], k) & mask)
            while table[b] >= 0 and memcmp(&shorter[table[b], 0], &longer[i, 0], row) != 0:
                b = (b + 1) & mask
            out[i] = table[b]
    return result


def format_ppl_word_lines(list spellings, const cnp.uint32_t[::1] words, const cnp.uint32_t[::1] previous,
                          const double[::1] logprob, const cnp.int64_t[::1] matched, cnp.uint32_t no_word,
                          double ln10):
    """SRILM's -debug 2 lines of one sentence, `\\tp( w | h ...) \\t= [2gram] p [ log10 p ]`, as bytes: the %.7g of
    the ARPA writer (format_g7) for the probability (exp(log10 p * ln10), as math.exp computes it) and its log.

    previous[i] is the word before words[i] (no_word at the start); the first line shows it as `h `, the others
    as `h ...`. A length below 0 shows no hit. Returns None if a log probability is NaN (printf and Python
    spell NaN differently): the caller formats that sentence itself."""
    cdef Py_ssize_t m = words.shape[0], count = len(spellings), i, pos = 0, longest = 0, length
    cdef bytes word
    cdef double value
    cdef const char* text
    cdef char* out
    if previous.shape[0] != m or logprob.shape[0] != m or matched.shape[0] != m:
        raise ValueError("one previous word, log probability and length per word")
    for i in range(count):
        longest = max(longest, PyBytes_GET_SIZE(<bytes> spellings[i]))
    for i in range(m):
        if isnan(logprob[i]):
            return None
        if words[i] >= count or (previous[i] != no_word and previous[i] >= count):
            raise IndexError(f"word id {max(words[i], previous[i])} is not in the vocabulary of {count} words")
    # Per line at most: the fixed text (about 30 bytes), two words, a hit of 24 and two numbers of 32.
    cdef cnp.ndarray[cnp.uint8_t, ndim=1] buffer = np.empty(m * (128 + 2 * longest) + 1, dtype=np.uint8)
    out = <char*> buffer.data
    for i in range(m):
        memcpy(out + pos, b"\tp( ", 4)
        pos += 4
        word = spellings[words[i]]
        length = PyBytes_GET_SIZE(word)
        memcpy(out + pos, PyBytes_AS_STRING(word), length)
        pos += length
        memcpy(out + pos, b" | ", 3)
        pos += 3
        if previous[i] != no_word:
            word = spellings[previous[i]]
            length = PyBytes_GET_SIZE(word)
            memcpy(out + pos, PyBytes_AS_STRING(word), length)
            pos += length
        if i == 0:
            memcpy(out + pos, b" ) \t= ", 6)
            pos += 6
        else:
            memcpy(out + pos, b" ...) \t= ", 9)
            pos += 9
        if matched[i] > 0:
            pos += snprintf(out + pos, 24, "[%lldgram]", <long long> matched[i])
        elif matched[i] == 0:
            memcpy(out + pos, b"[OOV]", 5)
            pos += 5
        out[pos] = b' '
        pos += 1
        value = logprob[i]
        pos += format_g7(out + pos, 0.0 if value == -INFINITY else exp(value * ln10))
        memcpy(out + pos, b" [ ", 3)
        pos += 3
        pos += format_g7(out + pos, value)
        memcpy(out + pos, b" ]\n", 3)
        pos += 3
    return PyBytes_FromStringAndSize(out, pos)
