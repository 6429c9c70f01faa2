# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""The hot loops of n-gram counting. ngramlm.counting.counts validates every array before calling in here.

mark_text: the text as the counters read it: ids plus one, a 0 (smaller than every word) after each sentence,
    and the sentence markers added.
count_marked: all n-grams of orders 1..N that start with a word in a given range, with one sort.
    The start positions of the windows are radix-sorted by their N-word key. Sorting by the N-word key also
    sorts by every shorter prefix, so equal n-grams of EVERY order n <= N lie next to each other, and one scan
    over the longest common prefixes (LCP) of neighbouring windows yields the unique n-grams of all orders with
    their counts, already in lexicographic order.
    The common case takes a faster road: when the N-1 words after a window's first word fit in 64 bits (e.g.
    order 5 with a vocabulary under 65536 words), each window becomes one integer key, the keys are bucketed by
    the first word (one counting-sort pass) and each bucket is sorted as integers (std::sort, in cache; the
    largest buckets by LSD radix sort), and the LCP of neighbours is read off the keys' XOR without going back
    to the text.
    Counting a text one range of first words at a time bounds the memory of the sort, and as the ranges come in
    order, their n-grams simply follow one another: no runs to merge.
    With threads, a range's buckets are cut into pieces of about equal windows (_PackedPieces): threads sort the
    pieces side by side and tally each one's distinct n-grams, so each piece knows its first output rows and the
    threads write the pieces side by side too.
merge_sorted_runs: k-way merge of sorted runs of n-grams of one order, summing the counts of equal n-grams
    (the merge step of external sorting, as SRILM's ngram-merge does for sorted count files), with a tree of
    losers.
TokenTable: splits UTF-8 text into tokens at the word separators and numbers the distinct ones, in C, so that
    Python maps each distinct token to a word id once instead of once per occurrence.
"""
from concurrent.futures import ThreadPoolExecutor
from queue import SimpleQueue

import numpy as np

cimport cython
cimport numpy as cnp
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset
from libcpp.algorithm cimport sort as std_sort
from posix.mman cimport MADV_DONTNEED, madvise
from posix.unistd cimport _SC_PAGESIZE, sysconf

cnp.import_array()

# Entries of a text on file read between two releases of its pages (see _release).
cdef int64_t RELEASE_ENTRIES = 1 << 20
cdef uintptr_t PAGE_SIZE = <uintptr_t>sysconf(_SC_PAGESIZE)


cdef inline void _release(const uint32_t *text, int64_t start, int64_t stop) noexcept nogil:
    """Drop the whole pages of text[start:stop] (stop at most the text's size) from this process's memory. Only
    for a text mapped from a file: its pages stay in the system's file cache and come back when read again, so a
    sweep over a text larger than the budget holds only the part it is reading."""
    cdef uintptr_t first = (<uintptr_t>(text + start) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
    cdef uintptr_t last = (<uintptr_t>(text + stop)) & ~(PAGE_SIZE - 1)
    if last > first:
        madvise(<void *>first, last - first, MADV_DONTNEED)


cdef void _sort_by_column(const uint32_t *text, const int64_t *source, int64_t *target, int64_t size, int column,
                          int64_t *starts) noexcept nogil:
    """One stable counting-sort pass of least-significant-digit radix sort: order the window starts in `source` by
    their word at `column`. `starts[k]` is where the windows with word k begin in `target`; it advances as they
    are placed."""
    cdef int64_t i
    cdef uint32_t key
    for i in range(size):
        key = text[source[i] + column]
        target[starts[key]] = source[i]
        starts[key] += 1


cdef void _bucket_starts(const uint32_t *text, const int64_t *windows, int64_t size, int order,
                         int64_t num_buckets, int64_t *starts) noexcept nogil:
    """The bucket starts of every column at once: how often a word occurs in a column does not depend on the
    order of the windows, so one sequential sweep serves all the sorting passes."""
    cdef int64_t i, k, total, bucket_size
    cdef int column
    memset(starts, 0, order * num_buckets * sizeof(int64_t))
    for i in range(size):
        for column in range(order):
            starts[column * num_buckets + text[windows[i] + column]] += 1
    for column in range(order):
        total = 0
        for k in range(column * num_buckets, (column + 1) * num_buckets):
            bucket_size = starts[k]
            starts[k] = total
            total += bucket_size


cdef extern from *:
    int __builtin_clzll(unsigned long long) nogil
    int __builtin_ctzll(unsigned long long) nogil
    void __builtin_prefetch(const void *) nogil


cdef inline int _key_words(uint64_t key, const uint8_t *words_below) noexcept nogil:
    """How many of a packed key's words come before the end of the sentence: words are never 0 and all bits after
    the sentence's end are, so `words_below[t]` answers for a key with t trailing zero bits."""
    return 0 if key == 0 else words_below[__builtin_ctzll(key)]


cdef inline int _common_key_words(uint64_t a, uint64_t b, int groups, const uint8_t *words_above) noexcept nogil:
    """How many leading words two packed keys share: `words_above[z]` answers when their XOR has z leading zero
    bits."""
    return groups if a == b else words_above[__builtin_clzll(a ^ b)]


cdef enum:
    # Buckets at least this large are radix-sorted; std::sort wins below (a radix pass costs 2**16 counters).
    RADIX_SORT_MIN = 1 << 14
    # Below this many windows a thread, starting threads costs more than it saves.
    PARALLEL_MIN_WINDOWS = 1 << 16
    # Pieces of buckets a thread, so that one slow piece (a frequent word's bucket) does not hold up the rest.
    PIECES_PER_THREAD = 8


cdef void _radix_sort_keys(uint64_t *keys, uint64_t *scratch, int64_t size, int key_bits,
                           int64_t *histogram) noexcept nogil:
    """Least-significant-digit radix sort of `size` keys of `key_bits` low bits, 16 bits a pass (`scratch` holds
    `size` keys, `histogram` 2**16 counts); a pass whose digit all keys share is skipped."""
    cdef int shift
    cdef int64_t i, digit, total, bucket_size
    cdef uint64_t *source = keys
    cdef uint64_t *target = scratch
    cdef uint64_t *swap
    for shift in range(0, key_bits, 16):
        memset(histogram, 0, (1 << 16) * sizeof(int64_t))
        for i in range(size):
            histogram[(source[i] >> shift) & 0xFFFF] += 1
        if histogram[(source[0] >> shift) & 0xFFFF] == size:
            continue
        total = 0
        for digit in range(1 << 16):
            bucket_size = histogram[digit]
            histogram[digit] = total
            total += bucket_size
        for i in range(size):
            digit = (source[i] >> shift) & 0xFFFF
            target[histogram[digit]] = source[i]
            histogram[digit] += 1
        swap = source
        source = target
        target = swap
    if source != keys:
        memcpy(keys, source, size * sizeof(uint64_t))


def mark_text(const uint32_t[::1] words, const int64_t[::1] sentence_lengths, bint sos, bint eos,
              uint32_t[::1] out, int64_t[::1] histogram):
    """Write sentences as the counters read them: every id plus one, and a 0 (which sorts before every word)
    after each non-empty sentence; with `sos`/`eos`, <s> (id 1) in front of a sentence unless it starts with it,
    </s> (id 2) at its end unless it ends with it (SRILM's rule, as corpus.add_markers).

    Args:
        words: the word ids of all sentences, one after another.
        sentence_lengths: the number of words of each sentence; they sum to len(words). Empty sentences are
            left out.
        out: room for len(words) + (1 + sos + eos) * len(sentence_lengths) entries.
        histogram: adds one to histogram[v] for every entry v written; it must be longer than every entry
            (len(histogram) > max(words) + 1, and > 3 with markers).

    Returns:
        The number of entries written at the start of `out`.
    """
    cdef int64_t size = words.shape[0], sentences = sentence_lengths.shape[0], bins = histogram.shape[0]
    cdef int64_t i = 0, s, offset, length, place = 0
    cdef uint32_t entry
    if out.shape[0] < size + (1 + sos + eos) * sentences:
        raise ValueError("mark_text: `out` is too small for the marked text")
    if bins < 4:
        raise ValueError("mark_text: the histogram is too short")
    with nogil:
        for s in range(sentences):
            length = sentence_lengths[s]
            if length == 0:
                continue
            if length < 0 or i + length > size:
                with gil:
                    raise ValueError("mark_text: sentence lengths must not be negative and must sum to len(words)")
            if sos and words[i] != 1:
                out[place] = 2
                histogram[2] += 1
                place += 1
            for offset in range(length):
                entry = words[i + offset] + 1
                if entry == 0 or entry >= bins:
                    with gil:
                        raise ValueError(f"mark_text: word id {words[i + offset]} is beyond the histogram")
                out[place + offset] = entry
                histogram[entry] += 1
            place += length
            i += length
            if eos and words[i - 1] != 2:
                out[place] = 3
                histogram[3] += 1
                place += 1
            out[place] = 0
            histogram[0] += 1
            place += 1
    if i != size:
        raise ValueError("mark_text: sentence lengths must sum to len(words)")
    return place


def count_marked(const uint32_t[::1] text, int order, uint32_t max_word, int64_t first, int64_t last,
                 list ngrams, list counts, int64_t[::1] rows, int threads=1, bint on_file=False):
    """Count the n-grams of orders 1..order that start with a word id in [first, last) in a marked text.

    Windows are bucketed by their first word, so the n-grams of a range of first words are complete and final
    whatever other ranges hold: counting a text range by range, in increasing order, into the same arrays yields
    every order's n-grams sorted, with no merging.

    Args:
        text: written by mark_text, followed by at least `order` zeros.
        order: the longest n-gram order N (1..255).
        max_word: an id at least as large as every id in the text (less than 2**32 - 2).
        first, last: the range of first words to count.
        ngrams, counts: for n = 1..N, a C-contiguous (m, n) uint32 array and an (m,) int64 array; the range's
            distinct n-grams of order n, in lexicographic order, and the number of times each occurs are written
            from row rows[n-1] on, which advances past them. Each needs room for as many rows as the range has
            windows (a bound on its distinct n-grams; for n = 1, also the number of words in the range).
        rows: N int64 row numbers.
        threads: how many threads may sort and write (when the vocabulary and order let the keys be packed).
        on_file: the text is a memory map of a file. Its pages are then read in order and released behind the
            reading (_release), and where the keys do not pack, each window's N words are first copied out of
            it (N uint32 a window more), so that the sort reads those rather than the whole text.
    """
    cdef int64_t size = text.shape[0]
    cdef int64_t lo = max(first, 0) + 1, hi = min(last, <int64_t>max_word + 1) + 1
    cdef int bits = int(max_word + 1).bit_length()
    cdef int64_t p
    if not 1 <= order <= 255:
        raise ValueError(f"n-gram order {order} is out of range 1..255")
    if threads < 1:
        raise ValueError(f"count_marked: threads must be at least 1, got {threads}")
    if len(ngrams) != order or len(counts) != order or rows.shape[0] != order:
        raise ValueError(f"count_marked needs {order} n-gram arrays, count arrays and row numbers")
    if size < order:
        raise ValueError("count_marked: the text must end with `order` zeros")
    for p in range(size - order, size):
        if text[p] != 0:
            raise ValueError("count_marked: the text must end with `order` zeros")
    if hi <= lo:
        return
    if order >= 2 and bits * (order - 1) <= 64:
        _count_packed(&text[0], size, order, bits, lo, hi, <int64_t>max_word + 2, ngrams, counts, rows, threads,
                      on_file)
    else:
        _count_by_columns(&text[0], size, order, lo, hi, <int64_t>max_word + 2, ngrams, counts, rows, on_file)


cdef _targets(list ngrams, list counts, int64_t[::1] rows, int order, int64_t windows, int64_t words,
              uint32_t **gram_rows, int64_t **count_rows, int64_t *next_row):
    """Points gram_rows[n] and count_rows[n] at row rows[n-1] of the order-n arrays (next_row[n] = 0), after
    checking that they have room for `windows` more rows (for n = 1, min(windows, words))."""
    cdef uint32_t[:, ::1] gram_view
    cdef int64_t[::1] count_view
    cdef int n
    cdef int64_t room
    for n in range(1, order + 1):
        gram_view = ngrams[n - 1]
        count_view = counts[n - 1]
        room = min(windows, words) if n == 1 else windows
        if (gram_view.shape[1] != n or rows[n - 1] < 0 or gram_view.shape[0] < rows[n - 1] + room
                or count_view.shape[0] < rows[n - 1] + room):
            raise ValueError(f"count_marked: the arrays of order {n} need room for {room} rows from row {rows[n - 1]}")
        next_row[n] = 0
        gram_rows[n] = &gram_view[rows[n - 1], 0] if room > 0 else NULL
        count_rows[n] = &count_view[rows[n - 1]] if room > 0 else NULL


cdef void _sort_buckets(uint64_t *keys, const int64_t *bounds, int64_t first, int64_t last, int key_bits,
                        uint64_t *scratch, int64_t *histogram) noexcept nogil:
    """Sort each bucket first..last-1 (bounds[b]..bounds[b + 1]) of keys: std::sort in cache, the largest by LSD
    radix sort in `scratch` (room for the largest bucket) with `histogram` (2**16 counts)."""
    cdef int64_t b
    for b in range(first, last):
        if bounds[b + 1] - bounds[b] >= RADIX_SORT_MIN:
            _radix_sort_keys(keys + bounds[b], scratch, bounds[b + 1] - bounds[b], key_bits, histogram)
        else:
            std_sort(keys + bounds[b], keys + bounds[b + 1])


cdef inline int _window_lcp(const uint64_t *keys, int64_t i, int64_t begin, int length,
                            const KeyLayout *layout) noexcept nogil:
    """The words the i-th window (of `length` words) shares with the one before it; none with a window of
    another bucket (another first word)."""
    if i == begin:
        return 0
    return min(length, 1 + _common_key_words(keys[i], keys[i - 1], layout.groups, layout.words_above))


cdef void _tally_new_ngrams(const uint64_t *keys, const int64_t *bounds, int64_t first, int64_t last,
                            const KeyLayout *layout, int order, int64_t *new_rows) noexcept nogil:
    """new_rows[n] = the distinct n-grams of order n in the sorted buckets first..last-1."""
    cdef int64_t b, i
    cdef int n, length, common
    # Tallied on the stack, not in new_rows: the rows of neighbouring pieces share cache lines, which threads
    # tallying side by side would otherwise pass back and forth at every window.
    cdef int64_t tally[256]
    for n in range(order + 1):
        tally[n] = 0
    for b in range(first, last):
        for i in range(bounds[b], bounds[b + 1]):
            length = 1 + _key_words(keys[i], layout.words_below)
            common = _window_lcp(keys, i, bounds[b], length, layout)
            for n in range(common + 1, length + 1):
                tally[n] += 1
    for n in range(order + 1):
        new_rows[n] = tally[n]


cdef void _write_ngrams(const uint64_t *keys, const int64_t *bounds, int64_t first, int64_t last, int64_t lo,
                        const KeyLayout *layout, uint32_t **gram_rows, int64_t **count_rows,
                        int64_t *next_row) noexcept nogil:
    """Write the n-grams of the sorted buckets first..last-1 (first words lo + first - 1, ...) from row
    next_row[n] of each order n on, advancing next_row. A new n-gram of order n starts where a window has n
    words and shares fewer than n with the one before; the window adds one to the count of the others."""
    cdef int64_t b, i, row
    cdef int n, column, length, common
    cdef uint64_t key
    # The next rows on the stack, for the reason _tally_new_ngrams gives.
    cdef int64_t next_rows[256]
    for n in range(1, layout.groups + 2):
        next_rows[n] = next_row[n]
    for b in range(first, last):
        for i in range(bounds[b], bounds[b + 1]):
            key = keys[i]
            length = 1 + _key_words(key, layout.words_below)
            common = _window_lcp(keys, i, bounds[b], length, layout)
            for n in range(1, common + 1):
                count_rows[n][next_rows[n] - 1] += 1
            for n in range(common + 1, length + 1):
                row = next_rows[n]
                gram_rows[n][row * n] = <uint32_t>(lo + b - 1)
                for column in range(1, n):
                    gram_rows[n][row * n + column] = <uint32_t>(
                        (key >> (layout.bits * (layout.groups - column))) & layout.mask) - 1
                count_rows[n][row] = 1
                next_rows[n] = row + 1
    for n in range(1, layout.groups + 2):
        next_row[n] = next_rows[n]


cdef int64_t _split_buckets(const int64_t *bounds, int64_t span, int64_t pieces, int64_t *piece_first) noexcept nogil:
    """Cut buckets 0..span-1 into at most `pieces` consecutive runs of about equal windows: run k is buckets
    piece_first[k]..piece_first[k + 1]-1. Returns the number of runs."""
    cdef int64_t b, k = 0, target = max(1, bounds[span] // pieces)
    piece_first[0] = 0
    for b in range(1, span):
        if k + 1 < pieces and bounds[b] - bounds[piece_first[k]] >= target:
            k += 1
            piece_first[k] = b
    piece_first[k + 1] = span
    return k + 1


cdef class _PackedPieces:
    """One range's sorted-key counting cut into pieces of buckets that threads work on side by side: `sort`
    sorts a piece's buckets (and tallies its distinct n-grams), `write` writes them from the piece's first rows.
    piece_rows[k * (order + 1) + n]: piece k's tally of order n, then its first row, then (written) its last."""

    def prepare_scratch(self, int64_t largest, int parts):
        """Room for `parts` radix sorts at once of a bucket of `largest` keys (none if it needs no radix sort)."""
        cdef int b
        self.free_parts = SimpleQueue()
        for b in range(parts):
            self.free_parts.put(b)
        self.scratch = NULL
        self.histograms = NULL
        self.part_keys = largest
        if largest >= RADIX_SORT_MIN:
            scratch = np.empty(parts * largest, dtype=np.uint64)
            histograms = np.empty(parts << 16, dtype=np.int64)
            self.scratch = <uint64_t *>cnp.PyArray_DATA(scratch)
            self.histograms = <int64_t *>cnp.PyArray_DATA(histograms)
            self.keep_alive = (scratch, histograms)

    def sort(self, int64_t k, bint tally):
        cdef int64_t first = self.piece_first[k], last = self.piece_first[k + 1]
        cdef int64_t part = self.free_parts.get()
        try:
            with nogil:
                _sort_buckets(self.keys, self.bounds, first, last, self.layout.groups * self.layout.bits,
                              self.scratch + part * self.part_keys, self.histograms + part * (1 << 16))
        finally:
            self.free_parts.put(part)
        with nogil:
            if tally:
                _tally_new_ngrams(self.keys, self.bounds, first, last, &self.layout, self.order,
                                  self.piece_rows + k * (self.order + 1))

    def write(self, int64_t k):
        with nogil:
            _write_ngrams(self.keys, self.bounds, self.piece_first[k], self.piece_first[k + 1], self.lo,
                          &self.layout, self.gram_rows, self.count_rows, self.piece_rows + k * (self.order + 1))


cdef inline uint64_t _key_at(const uint32_t *text, int64_t q, const KeyLayout *layout) noexcept nogil:
    """The packed key of the window at q, made from the text (the sweeps of _KeyChunks.fill make each key from
    the next one instead): the words after q up to the sentence's end. `text` ends with zeros, so q may be its
    end."""
    cdef uint64_t key = 0
    cdef int j
    if text[q] == 0:
        return 0
    for j in range(1, layout.groups + 1):
        if text[q + j] == 0:
            break
        key |= <uint64_t>text[q + j] << (layout.bits * (layout.groups - j))
    return key


cdef class _KeyChunks:
    """The keys of one range bucketed by first word, made a chunk of text a thread: `count` tallies a chunk's
    windows by first word; once the chunks' parts of each bucket are laid out one after another (`layout_parts`),
    `fill` sweeps a chunk backwards, each key made from the next one, into its own parts."""

    def __cinit__(self, int64_t chunks, int64_t span):
        places = np.zeros(chunks * (span + 1), dtype=np.int64)
        self.places = <int64_t *>cnp.PyArray_DATA(places)
        self.keep_alive = places
        self.chunks, self.span = chunks, span

    def count(self, int64_t t):
        cdef int64_t p
        cdef int64_t *places = self.places + t * (self.span + 1)
        cdef uint32_t word
        cdef bint out_of_range = False
        with nogil:
            for p in range(self.chunk_start[t], self.chunk_start[t + 1]):
                word = self.text[p]
                out_of_range |= word >= self.num_words
                if <uint64_t>(word - self.lo) < <uint64_t>self.span:
                    places[word - self.lo] += 1
                if self.on_file and (p + 1) % RELEASE_ENTRIES == 0:
                    _release(self.text, p + 1 - RELEASE_ENTRIES, p + 1)
            if self.on_file:
                _release(self.text, self.chunk_start[t], self.chunk_start[t + 1])
        self.out_of_range[t] = out_of_range

    cdef int64_t layout_parts(self, int64_t *largest) noexcept nogil:
        """Each bucket holds the chunks' parts in chunk order; returns the number of windows."""
        cdef int64_t b, t, total = 0, part, end
        largest[0] = 0
        for b in range(self.span):
            for t in range(self.chunks):
                total += self.places[t * (self.span + 1) + b]
            end = total
            for t in range(self.chunks - 1, -1, -1):
                part = self.places[t * (self.span + 1) + b]
                self.places[t * (self.span + 1) + b] = end
                end -= part
            largest[0] = max(largest[0], total - end)
        self.places[self.span] = total
        return total

    def fill(self, int64_t t):
        cdef int64_t p
        cdef int64_t *places = self.places + t * (self.span + 1)
        cdef uint32_t word
        cdef int shift = self.layout.bits * (self.layout.groups - 1)
        cdef uint64_t key
        with nogil:
            # Backwards, each key from the next one: drop its last word, put the next word in front (0 at a
            # sentence's end). Order within a bucket does not matter, as each bucket is sorted next.
            key = _key_at(self.text, self.chunk_start[t + 1], &self.layout)
            for p in range(self.chunk_start[t + 1] - 1, self.chunk_start[t] - 1, -1):
                word = self.text[p]
                if word == 0:
                    continue
                key = 0 if self.text[p + 1] == 0 else (<uint64_t>self.text[p + 1] << shift) | (key >> self.layout.bits)
                if <uint64_t>(word - self.lo) < <uint64_t>self.span:
                    places[word - self.lo] -= 1
                    self.keys[places[word - self.lo]] = key
                if self.on_file and p % RELEASE_ENTRIES == 0:
                    _release(self.text, p, min(p + RELEASE_ENTRIES, self.chunk_start[t + 1]))
            if self.on_file:
                _release(self.text, self.chunk_start[t], self.chunk_start[t + 1])


cdef _count_packed(const uint32_t *text, int64_t text_size, int order, int bits, int64_t lo, int64_t hi,
                   int64_t num_words, list ngrams, list counts, int64_t[::1] rows, int threads, bint on_file):
    """count_marked when keys fit: the words 2..N of a window, `bits` bits each, the second word highest, are one
    uint64 (0 after the sentence ends, so a key is the n-gram's own words only); the keys are bucketed by the
    first word and each bucket sorted as integers, and the longest common prefix of neighbours is read off the
    keys' XOR without going back to the text.

    With several threads, the text is cut into chunks that threads bucket side by side (_KeyChunks); the buckets
    are then cut into pieces of about equal windows (_PackedPieces), sorted piece by piece in parallel; the same
    sweep tallies each piece's distinct n-grams, so that each piece then knows the rows it writes to, and the
    pieces are written in parallel too."""
    cdef KeyLayout layout
    cdef int64_t span = hi - lo
    cdef int64_t t, total, largest
    cdef int j
    layout.groups, layout.bits = order - 1, bits
    layout.mask = (<uint64_t>1 << bits) - 1
    for j in range(64):
        layout.words_below[j] = layout.groups - j // bits
        layout.words_above[j] = (j - (64 - layout.groups * bits)) // bits if j >= 64 - layout.groups * bits else 0
    # A chunk a thread, where the chunks' counts a word (span each) take less memory than the keys.
    threads = max(1, min(threads, text_size // PARALLEL_MIN_WINDOWS))
    cdef int64_t chunks = min(threads, 256) if threads * (span + 1) <= text_size else 1
    cdef _KeyChunks bucketing = _KeyChunks(chunks, span)
    bucketing.text, bucketing.lo, bucketing.num_words, bucketing.layout = text, lo, num_words, layout
    bucketing.on_file = on_file
    for t in range(chunks + 1):
        bucketing.chunk_start[t] = text_size * t // chunks
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    each_chunk = pool.map if chunks > 1 else map
    try:
        list(each_chunk(bucketing.count, range(chunks)))
        for t in range(chunks):
            if bucketing.out_of_range[t]:
                raise ValueError("count_marked: the text holds an id above max_word")
        with nogil:
            total = bucketing.layout_parts(&largest)
        keys_array = np.empty(total, dtype=np.uint64)
        bucketing.keys = <uint64_t *>cnp.PyArray_DATA(keys_array)
        list(each_chunk(bucketing.fill, range(chunks)))
        _count_bucketed(<uint64_t *>cnp.PyArray_DATA(keys_array), bucketing.places, total, largest, layout, order,
                        lo, span, ngrams, counts, rows, max(1, min(threads, total // PARALLEL_MIN_WINDOWS)), pool)
    finally:
        if pool is not None:
            pool.shutdown()


cdef _count_bucketed(uint64_t *keys, const int64_t *bounds, int64_t total, int64_t largest, KeyLayout layout,
                     int order, int64_t lo, int64_t span, list ngrams, list counts, int64_t[::1] rows,
                     int threads, object pool):
    """The rest of _count_packed: sort the buckets bounds[b]..bounds[b + 1] of keys and write their n-grams."""
    cdef int64_t k, pieces, before, tally
    cdef int n
    # Pieces: one with one thread; with more, several a thread, so that a slow piece does not hold up the rest.
    piece_array = np.empty(PIECES_PER_THREAD * threads + 1 if threads > 1 else 2, dtype=np.int64)
    cdef int64_t[::1] piece_first = piece_array
    with nogil:
        pieces = _split_buckets(bounds, span, piece_first.shape[0] - 1, &piece_first[0])

    cdef _PackedPieces work = _PackedPieces()
    work.keys, work.bounds, work.piece_first, work.layout, work.order, work.lo = (
        keys, bounds, &piece_first[0], layout, order, lo)
    new_rows_array = np.zeros((pieces, order + 1), dtype=np.int64)
    work.piece_rows = <int64_t *>cnp.PyArray_DATA(new_rows_array)
    _targets(ngrams, counts, rows, order, total, span, work.gram_rows, work.count_rows, work.piece_rows)
    work.prepare_scratch(largest, 1 if pieces == 1 else threads)
    if pieces == 1:
        work.sort(0, False)
        work.write(0)
    else:
        # Python threads, each running compiled code without the GIL (unlike OpenMP's threads, they survive a
        # fork: a process forked from this one can count on several threads too).
        list(pool.map(work.sort, range(pieces), [True] * pieces))
        # Each piece's first row of each order: the distinct n-grams of the pieces before it.
        for n in range(1, order + 1):
            before = 0
            for k in range(pieces):
                tally = work.piece_rows[k * (order + 1) + n]
                work.piece_rows[k * (order + 1) + n] = before
                before += tally
        list(pool.map(work.write, range(pieces)))
    for n in range(1, order + 1):
        rows[n - 1] += work.piece_rows[(pieces - 1) * (order + 1) + n]


cdef _count_by_columns(const uint32_t *text, int64_t text_size, int order, int64_t lo, int64_t hi,
                       int64_t num_words, list ngrams, list counts, int64_t[::1] rows, bint on_file):
    """count_marked for any key: the window starts radix-sorted one column (word) at a time. With `on_file`, the
    windows' words are copied out of the text first (_copy_windows), and sorted there."""
    cdef int64_t i, p, row, size = 0, window, previous
    cdef int n, column, common, length
    cdef int64_t span = hi - lo
    cdef bint out_of_range = False
    cdef uint32_t *gram_rows[256]
    cdef int64_t *count_rows[256]
    cdef int64_t next_row[256]
    with nogil:
        for p in range(text_size):
            out_of_range |= text[p] >= num_words
            size += <uint64_t>(text[p] - lo) < <uint64_t>span
            if on_file and (p + 1) % RELEASE_ENTRIES == 0:
                _release(text, p + 1 - RELEASE_ENTRIES, p + 1)
        if on_file:
            _release(text, 0, text_size)
    if out_of_range:
        raise ValueError("count_marked: the text holds an id above max_word")
    copied = None
    if on_file:
        copied = _copy_windows(text, text_size, order, lo, span, size)
        text = <const uint32_t *>cnp.PyArray_DATA(copied)
    windows_array = np.empty(size, dtype=np.int64)
    scratch_array = np.empty(size, dtype=np.int64)
    buckets_array = np.empty(order * num_words, dtype=np.int64)
    lcp_array = np.zeros(size, dtype=np.uint8)
    avail_array = np.empty(size, dtype=np.uint8)
    cdef int64_t[::1] windows_view = windows_array
    cdef int64_t[::1] scratch_view = scratch_array
    cdef int64_t[::1] buckets = buckets_array
    cdef uint8_t[::1] lcp = lcp_array
    cdef uint8_t[::1] avail = avail_array
    cdef int64_t *windows = &windows_view[0] if size > 0 else NULL
    cdef int64_t *scratch = &scratch_view[0] if size > 0 else NULL
    cdef int64_t *swap

    with nogil:
        if on_file:  # the copied rows
            for i in range(size):
                windows[i] = i * order
        else:
            i = 0
            for p in range(text_size):
                if <uint64_t>(text[p] - lo) < <uint64_t>span:
                    windows[i] = p
                    i += 1
        _bucket_starts(text, windows, size, order, num_words, &buckets[0])
        # Least-significant column first: after the pass over column 0 the windows are in full key order. (A
        # window's key may run on past its sentence's 0, which changes nothing: n-grams are read up to the 0.)
        for column in range(order - 1, -1, -1):
            _sort_by_column(text, windows, scratch, size, column, &buckets[column * num_words])
            swap = windows
            windows = scratch
            scratch = swap

        # avail[i]: the words of the i-th window before its sentence ends (at most N); lcp[i]: the words it
        # shares with the window before it.
        for i in range(size):
            window = windows[i]
            length = 0
            while length < order and text[window + length] != 0:
                length += 1
            avail[i] = <uint8_t>length
            if i > 0:
                previous = windows[i - 1]
                common = 0
                while common < length and text[previous + common] == text[window + common]:
                    common += 1
                lcp[i] = <uint8_t>common

    _targets(ngrams, counts, rows, order, size, hi - lo, gram_rows, count_rows, next_row)
    with nogil:
        # A new n-gram of order n starts where a window has n words and shares fewer than n with the last.
        for i in range(size):
            window = windows[i]
            for n in range(1, lcp[i] + 1):
                count_rows[n][next_row[n] - 1] += 1
            for n in range(lcp[i] + 1, avail[i] + 1):
                row = next_row[n]
                for column in range(n):
                    gram_rows[n][row * n + column] = text[window + column] - 1
                count_rows[n][row] = 1
                next_row[n] = row + 1
    for n in range(1, order + 1):
        rows[n - 1] += next_row[n]


cdef _copy_windows(const uint32_t *text, int64_t text_size, int order, int64_t lo, int64_t span, int64_t size):
    """The `size` windows of a text on file whose first word is in range, as rows of `order` entries: the words up
    to the sentence's end, then zeros (so each row reads as a marked text of its own). The text is read in
    order and its pages released behind."""
    copied = np.zeros(size * order, dtype=np.uint32)
    cdef uint32_t *rows = <uint32_t *>cnp.PyArray_DATA(copied)
    cdef int64_t p, i = 0
    cdef int j
    with nogil:
        for p in range(text_size):
            if <uint64_t>(text[p] - lo) < <uint64_t>span:
                for j in range(order):
                    if p + j >= text_size or text[p + j] == 0:
                        break
                    rows[i * order + j] = text[p + j]
                i += 1
            if (p + 1) % RELEASE_ENTRIES == 0:
                _release(text, p + 1 - RELEASE_ENTRIES, p + 1)
        _release(text, 0, text_size)
    return copied


cdef inline int _compare_rows(const uint32_t *a, const uint32_t *b, int width) noexcept nogil:
    cdef int i
    for i in range(width):
        if a[i] != b[i]:
            return -1 if a[i] < b[i] else 1
    return 0


cdef inline bint _beats(const uint32_t **heads, int width, int a, int b) noexcept nogil:
    """Whether run a's current row comes before run b's (an exhausted run, head NULL, comes last; ties go to
    the lower run number, so the merge is stable)."""
    if heads[b] == NULL:
        return heads[a] != NULL
    if heads[a] == NULL:
        return False
    cdef int order = _compare_rows(heads[a], heads[b], width)
    return order < 0 or (order == 0 and a < b)


cdef int _build_losers(int *losers, int node, int runs, const uint32_t **heads, int width) noexcept nogil:
    """Fill the subtree of `node` of the tournament (leaves are nodes runs..2*runs-1, for runs 0..runs-1): each
    inner node keeps the loser of its match; returns the subtree's winner."""
    if node >= runs:
        return node - runs
    cdef int left = _build_losers(losers, 2 * node, runs, heads, width)
    cdef int right = _build_losers(losers, 2 * node + 1, runs, heads, width)
    if _beats(heads, width, right, left):
        left, right = right, left
    losers[node] = right
    return left


def merge_sorted_runs(list ngram_runs, list count_runs):
    """Merge sorted runs of n-grams of one order into one sorted run, summing the counts of equal n-grams.

    Args:
        ngram_runs: K C-contiguous (m_k, n) uint32 arrays (n the same for all), each sorted with unique rows.
        count_runs: K int64 arrays, count_runs[k] parallel to ngram_runs[k].

    Returns:
        (ngrams, counts): the merged (m, n) uint32 array and its int64 counts.
    """
    cdef int runs = len(ngram_runs)
    cdef int width = ngram_runs[0].shape[1]
    cdef int64_t total = sum(len(c) for c in count_runs)
    merged_grams = np.empty((total, width), dtype=np.uint32)
    merged_counts = np.empty(total, dtype=np.int64)
    if total == 0:
        return merged_grams, merged_counts
    cdef uint32_t[:, ::1] out_grams = merged_grams
    cdef int64_t[::1] out_counts = merged_counts
    cdef const uint32_t[:, ::1] gram_view
    cdef const int64_t[::1] count_view
    # A tournament tree of losers (Knuth, TAOCP vol. 3, 5.4.1): the next row is the winner's, and replacing it
    # replays one path from leaf to root, log2(runs) comparisons, about half of what a binary heap makes.
    cdef const uint32_t **heads = <const uint32_t **>calloc(runs, sizeof(uint32_t *))
    cdef const uint32_t **ends = <const uint32_t **>calloc(runs, sizeof(uint32_t *))
    cdef const int64_t **counts = <const int64_t **>calloc(runs, sizeof(int64_t *))
    cdef int *losers = <int *>calloc(runs, sizeof(int))
    cdef int k, node, winner, challenger
    cdef int64_t rows = 0
    cdef uint32_t *last_row = NULL
    try:
        if not (heads and ends and counts and losers):
            raise MemoryError()
        for k in range(runs):
            if len(count_runs[k]) > 0:
                gram_view = ngram_runs[k]
                count_view = count_runs[k]
                heads[k] = &gram_view[0, 0]
                ends[k] = heads[k] + gram_view.shape[0] * width
                counts[k] = &count_view[0]
        with nogil:
            winner = _build_losers(losers, 1, runs, heads, width) if runs > 1 else 0
            while heads[winner] != NULL:
                if last_row != NULL and _compare_rows(heads[winner], last_row, width) == 0:
                    out_counts[rows - 1] += counts[winner][0]
                else:
                    last_row = &out_grams[rows, 0]
                    memcpy(last_row, heads[winner], width * sizeof(uint32_t))
                    out_counts[rows] = counts[winner][0]
                    rows += 1
                heads[winner] += width
                counts[winner] += 1
                if heads[winner] == ends[winner]:
                    heads[winner] = NULL
                node = (winner + runs) // 2
                while node >= 1:
                    challenger = losers[node]
                    if _beats(heads, width, challenger, winner):
                        losers[node] = winner
                        winner = challenger
                    node //= 2
    finally:
        free(heads)
        free(ends)
        free(counts)
        free(losers)
    # The unused tail of the output was never written to, so it never became resident memory.
    return merged_grams[:rows], merged_counts[:rows]


# Bytes that end a token: the word separators of SRILM and lmplz, space, tab, CR, LF and NUL (core.io.split_words,
# WORD_SEPARATORS); any other byte, \v and \f included, is part of a word. Only \n ends a line, as in SRILM (and
# core.io.iter_lines): a \r is a separator inside the line, so \r\n files read like \n files.
cdef inline bint _is_space(unsigned char c) noexcept nogil:
    # 0, 9, 10, 13 and 32, as one bit test.
    return c <= 32 and (0x100002601ULL >> c) & 1


cdef inline bint _is_line_break(unsigned char c) noexcept nogil:
    return c == 10


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    #define NGRAMLM_LITTLE_ENDIAN 1
    #else
    #define NGRAMLM_LITTLE_ENDIAN 0
    #endif
    /* The n (1..8) bytes at p as one integer, the others zero: the same integer for the same bytes whatever
       follows them. `room`: the bytes that may be read at p; with 8, one load and a mask. */
    static inline uint64_t ngramlm_load_bytes(const unsigned char *p, int64_t n, int64_t room) {
        uint64_t x = 0;
        if (NGRAMLM_LITTLE_ENDIAN && room >= 8) {
            memcpy(&x, p, 8);
            return n >= 8 ? x : x & ((1ULL << (8 * n)) - 1);
        }
        memcpy(&x, p, n < 8 ? n : 8);
        return x;
    }
    """
    bint LITTLE_ENDIAN "NGRAMLM_LITTLE_ENDIAN"
    uint64_t _load_bytes "ngramlm_load_bytes"(const unsigned char *p, int64_t n, int64_t room) noexcept nogil


cdef inline int64_t _token_end(const unsigned char *text, int64_t i, int64_t size) noexcept nogil:
    """Where the token at i ends: the first white-space byte from i on, or `size`. Eight bytes at a time: every
    byte below 33 gets its top bit set in `below` (the borrow of a subtraction; a byte above a flagged one may be
    flagged too, never one below it), and each flagged byte is then tested exactly (a control byte is no space)."""
    cdef uint64_t x, below
    while LITTLE_ENDIAN and i + 8 <= size:
        x = _load_bytes(text + i, 8, 8)
        below = (x - 0x2121212121212121ULL) & ~x & 0x8080808080808080ULL
        while below:
            if _is_space(text[i + (__builtin_ctzll(below) >> 3)]):
                return i + (__builtin_ctzll(below) >> 3)
            below &= below - 1
        i += 8
    while i < size and not _is_space(text[i]):
        i += 1
    return i


cdef inline uint64_t _mix(uint64_t h) noexcept nogil:
    """MurmurHash3's 64-bit finaliser: every bit of h moves every bit of the result, so that the low bits index a
    table well."""
    h ^= h >> 33
    h *= 0xFF51AFD7ED558CCDULL
    h ^= h >> 33
    h *= 0xC4CEB9FE1A85EC53ULL
    return h ^ (h >> 33)


cdef enum:
    # How many tokens the tokenizer's scan runs ahead of its table lookups (see TokenTable.tokenize).
    TOKENS_AHEAD = 16


cdef class TokenTable:
    """Interns the tokens of UTF-8 text (split at _is_space's bytes: SRILM's and lmplz's word separators) as byte
    strings, without making Python objects:
    `tokenize` turns a block of whole lines into token numbers (in order of first appearance) and line lengths;
    `new_tokens` (or `new_tokens_joined`) hands over the tokens first seen since its last call, so the caller maps
    each distinct token to a word once. (Open addressing with linear probing; a token is hashed eight bytes at a
    time.) The arena keeps each token followed by a line break, so the new tokens leave as one bytes object, ready
    to be cut at its line breaks."""

    def __cinit__(self):
        self.arena_size, self.token_capacity, self.num_slots = 1 << 16, 1 << 10, 1 << 11
        self.arena = <unsigned char *>malloc(self.arena_size)
        self.starts = <int64_t *>malloc((self.token_capacity + 1) * sizeof(int64_t))
        self.hashes = <uint64_t *>malloc(self.token_capacity * sizeof(uint64_t))
        self.slots = <TokenSlot *>calloc(self.num_slots, sizeof(TokenSlot))
        if not (self.arena and self.starts and self.hashes and self.slots):
            raise MemoryError()
        self.starts[0] = 0

    def __dealloc__(self):
        free(self.arena)
        free(self.starts)
        free(self.hashes)
        free(self.slots)

    def __len__(self):
        return self.tokens

    cdef int _grow(self, int64_t more_bytes) except -1 nogil:
        """Room for one more token of `more_bytes` bytes, and a table at most half full."""
        cdef int64_t i, slot
        cdef void *grown
        cdef TokenSlot *old_slots
        while self.arena_used + more_bytes > self.arena_size:
            grown = realloc(self.arena, self.arena_size * 2)
            if grown == NULL:
                with gil:
                    raise MemoryError()
            self.arena, self.arena_size = <unsigned char *>grown, self.arena_size * 2
        if self.tokens == self.token_capacity:
            if self.tokens >= <int64_t>0xFFFFFFFE:
                with gil:
                    raise ValueError("a block holds more than 2**32 - 2 distinct tokens")
            grown = realloc(self.starts, (2 * self.token_capacity + 1) * sizeof(int64_t))
            if grown == NULL:
                with gil:
                    raise MemoryError()
            self.starts = <int64_t *>grown
            grown = realloc(self.hashes, 2 * self.token_capacity * sizeof(uint64_t))
            if grown == NULL:
                with gil:
                    raise MemoryError()
            self.hashes, self.token_capacity = <uint64_t *>grown, 2 * self.token_capacity
        if 2 * (self.tokens + 1) > self.num_slots:
            old_slots = self.slots
            self.slots = <TokenSlot *>calloc(2 * self.num_slots, sizeof(TokenSlot))
            if self.slots == NULL:
                self.slots = old_slots
                with gil:
                    raise MemoryError()
            for i in range(self.num_slots):
                if old_slots[i].number != 0:
                    slot = self.hashes[old_slots[i].number - 1] & (2 * self.num_slots - 1)
                    while self.slots[slot].number != 0:
                        slot = (slot + 1) & (2 * self.num_slots - 1)
                    self.slots[slot] = old_slots[i]
            free(old_slots)
            self.num_slots *= 2
        return 0

    cdef int64_t _intern(self, const unsigned char *token, int64_t length, uint64_t prefix,
                         uint64_t h) except -1 nogil:
        """The number of the token of `length` bytes at `token`, whose first 8 bytes are `prefix` and hash `h`."""
        cdef int64_t i, slot = h & (self.num_slots - 1)
        cdef const unsigned char *known
        cdef TokenSlot *entry
        while self.slots[slot].number != 0:
            entry = &self.slots[slot]
            if entry.prefix == prefix and entry.length == length:
                if length <= 8:
                    return entry.number - 1
                # Tokens are short: a byte loop beats a call to memcmp.
                known = self.arena + self.starts[entry.number - 1]
                i = 8
                while i < length and known[i] == token[i]:
                    i += 1
                if i == length:
                    return entry.number - 1
            slot = (slot + 1) & (self.num_slots - 1)
        self._grow(length + 1)
        slot = h & (self.num_slots - 1)
        while self.slots[slot].number != 0:
            slot = (slot + 1) & (self.num_slots - 1)
        memcpy(self.arena + self.arena_used, token, length)
        self.arena[self.arena_used + length] = 10
        self.arena_used += length + 1
        self.hashes[self.tokens] = h
        self.starts[self.tokens + 1] = self.arena_used
        self.tokens += 1
        self.slots[slot].prefix, self.slots[slot].length, self.slots[slot].number = prefix, length, self.tokens
        return self.tokens - 1

    def tokenize(self, const unsigned char[::1] block):
        """Token numbers of the block's tokens (uint32) and the number of tokens of each line (int64, zeros for
        empty lines); the block holds whole lines.

        A token's slot in the table is fetched into the cache while the tokens before it are looked up: the
        scanner runs TOKENS_AHEAD tokens ahead of the lookups (a table larger than the core's cache would make
        each lookup wait for memory)."""
        cdef int64_t size = block.shape[0]
        token_array = np.empty(size // 2 + 1, dtype=np.uint32)
        length_array = np.empty(size + 1, dtype=np.int64)
        cdef uint32_t[::1] token_numbers = token_array
        cdef int64_t[::1] line_lengths = length_array
        cdef int64_t i = 0, start, length, chunk, scanned = 0, looked_up = 0, lines = 0, in_line = 0
        cdef uint64_t h, prefix
        cdef int k
        # The tokens scanned but not yet looked up, in a ring.
        cdef int64_t ahead_start[TOKENS_AHEAD]
        cdef int64_t ahead_length[TOKENS_AHEAD]
        cdef uint64_t ahead_prefix[TOKENS_AHEAD]
        cdef uint64_t ahead_hash[TOKENS_AHEAD]
        cdef const unsigned char *text = &block[0] if size > 0 else NULL
        with nogil:
            while i < size:
                if _is_line_break(text[i]):
                    line_lengths[lines] = in_line
                    lines += 1
                    in_line = 0
                    i += 1
                elif _is_space(text[i]):
                    i += 1
                else:
                    start = i
                    i = _token_end(text, i, size)
                    length = i - start
                    if length >= <int64_t>0xFFFFFFFF:
                        with gil:
                            raise ValueError("a token is longer than 4 GB")
                    # The hash: the first 8 bytes with the length, then every further 8 bytes, each mixed in.
                    prefix = _load_bytes(text + start, length, size - start)
                    h = _mix(prefix ^ (<uint64_t>length * 0x9E3779B97F4A7C15ULL))
                    for chunk in range(start + 8, i, 8):
                        h = _mix(h ^ _load_bytes(text + chunk, i - chunk, size - chunk))
                    if scanned - looked_up == TOKENS_AHEAD:
                        k = looked_up % TOKENS_AHEAD
                        token_numbers[looked_up] = <uint32_t>self._intern(
                            text + ahead_start[k], ahead_length[k], ahead_prefix[k], ahead_hash[k])
                        looked_up += 1
                    k = scanned % TOKENS_AHEAD
                    ahead_start[k], ahead_length[k], ahead_prefix[k], ahead_hash[k] = start, length, prefix, h
                    __builtin_prefetch(&self.slots[h & (self.num_slots - 1)])
                    scanned += 1
                    in_line += 1
            while looked_up < scanned:
                k = looked_up % TOKENS_AHEAD
                token_numbers[looked_up] = <uint32_t>self._intern(
                    text + ahead_start[k], ahead_length[k], ahead_prefix[k], ahead_hash[k])
                looked_up += 1
            if in_line > 0:
                line_lengths[lines] = in_line
                lines += 1
        return token_array[:scanned], length_array[:lines]

    def new_tokens(self):
        """The tokens (bytes) first seen since the last call, in the order of their numbers."""
        cdef int64_t i
        tokens = [self.arena[self.starts[i]:self.starts[i + 1] - 1] for i in range(self.reported, self.tokens)]
        self.reported = self.tokens
        return tokens

    def new_tokens_joined(self):
        """(count, text): the tokens first seen since the last call (of either method), each followed by a line
        break, as one bytes object."""
        joined = self.arena[self.starts[self.reported]:self.starts[self.tokens]]
        count = self.tokens - self.reported
        self.reported = self.tokens
        return count, joined
