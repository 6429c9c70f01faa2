"""ARPA back-off files: reading (streaming, validated) and writing (exactly as SRILM writes them).

The format (Doug Paul's ARPA format as SRILM documents it in ngram-format(5)):

    \\data\\
    ngram 1=COUNT1
    ...
    \\1-grams:
    log10p<TAB>w1[<TAB>log10bow]
    ...
    \\2-grams:
    log10p<TAB>w1 w2[<TAB>log10bow]
    ...
    \\end\\

Reading accepts what SRILM, KenLM and IRSTLM write: text before `\\data\\`, spaces or tabs between fields,
`ngram N = COUNT` with spaces, sections with or without empty lines between them, CR LF line ends, a bow column
or none on any line, `-99`, `0` or `-inf` for the never-used probability of `<s>`. Every section is checked
against the header, and malformed input stops the read with the file and line. The lines of a section are parsed
by a compiled loop (ngramlm._ext._arpa) over blocks of the decompressed stream, so a file of millions of n-grams
is never handled line by line in Python.

In:  read_arpa: an ARPA file (plain, .gz, .bz2, .xz, or '-') and optionally the Vocabulary to number its words in;
     write_arpa: a BackoffModel (ngramlm.core.model) and a path.
Out: read_arpa: a BackoffModel, each order sorted by word id and every n-gram's context checked present; write_arpa:
     the file in SRILM's order, written atomically, the lines formatted 2^20 at a time.
"""
from __future__ import annotations

import io
import os
import re
import stat
from typing import BinaryIO, Iterator

import numpy as np

from .._ext import _arpa
from ..core.model import BackoffModel
from ..core.errors import InputError
from ..core.io import READ_ERRORS, atomic_write, open_binary, open_input, reading_as_srilm
from ..core.progress import FileProgress, Progress
from ..core.vocab import ID_DTYPE, Vocabulary

# Bytes read from the (decompressed) stream at a time; a block always ends at a line boundary when parsed.
BLOCK_SIZE = 1 << 20
# Rows allocated for a section before its lines are read, where the file's size cannot bound them (a compressed
# file, a pipe); the arrays double as needed up to the header's count.
INITIAL_ROWS = 1 << 20

_COUNT_LINE = re.compile(rb"^ngram\s+(\d+)\s*=\s*(\d+)\s*$")
_SECTION_LINE = re.compile(rb"^\\(\d+)-grams:\s*$")


class _LineStream:
    """Lines of a binary stream, read in blocks, with the current line number, for the header and markers.

    `peek_complete_block()` hands the compiled section parser the buffered bytes from the current position;
    `advance()` moves past what it consumed. Decompression failures (a truncated .gz) become InputError at the
    current line. `progress` is told of each block read.
    """

    def __init__(self, raw: BinaryIO, path: str, progress: FileProgress):
        self.raw, self.path, self.progress = raw, path, progress
        self.size = _plain_size(raw)
        self.comments = reading_as_srilm()
        self.buf = b""
        self.pos = 0
        self.lineno = 0
        self.eof = False
        self.handed = 0

    def _fill(self) -> bool:
        """Read one more block; False at the end of the stream."""
        if self.eof:
            return False
        try:
            data = self.raw.read(BLOCK_SIZE)
        except READ_ERRORS as exc:
            raise InputError(self.path, self.lineno + 1, f"cannot read the file ({exc}); is it truncated or corrupt?"
                             ) from None
        self.handed += len(data)
        self.progress.read(self.raw, self.handed)
        if not data:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + data
        self.pos = 0
        return True

    def readline(self) -> bytes | None:
        """The next line without its end-of-line characters, or None at the end of the stream (under SRILM's
        comments, core.io.srilm_reading, lines that begin with "##" are passed over)."""
        while True:
            line = self._next_line()
            if line is None or not (self.comments and line.startswith(b"##")):
                return line

    def _next_line(self) -> bytes | None:
        while True:
            end = self.buf.find(b"\n", self.pos)
            if end >= 0:
                line = self.buf[self.pos:end]
                self.pos = end + 1
                self.lineno += 1
                return line.rstrip(b"\r")
            if not self._fill():
                if self.pos < len(self.buf):  # a last line without a newline
                    line = self.buf[self.pos:]
                    self.pos = len(self.buf)
                    self.lineno += 1
                    return line.rstrip(b"\r")
                return None

    def peek_complete_block(self) -> tuple[bytes, int, bool]:
        """(buffer, start, final): the buffer holds at least one whole line from `start` unless `final`."""
        while self.buf.find(b"\n", self.pos) < 0:
            if not self._fill():
                return self.buf, self.pos, True
        return self.buf, self.pos, self.eof

    def advance(self, pos: int, lines: int) -> None:
        self.pos = pos
        self.lineno += lines

    def error(self, message: str, line: int | None = None) -> InputError:
        return InputError(self.path, self.lineno if line is None else line, message)


def _plain_size(raw: BinaryIO) -> int | None:
    """The size in bytes of an uncompressed regular file, None for anything else (its bytes are not its text)."""
    if type(raw) is not io.BufferedReader:
        return None
    try:
        status = os.fstat(raw.fileno())
    except (OSError, ValueError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _read_header(stream: _LineStream) -> tuple[list[int], bytes | None]:
    """Skip to `\\data\\` and read the `ngram N=COUNT` lines: the counts, order 1 first, and the first section
    marker when it follows the counts without an empty line between (None otherwise)."""
    while True:
        line = stream.readline()
        if line is None:
            raise stream.error("no \\data\\ line: this is not an ARPA language model file")
        if line.strip() == b"\\data\\":
            break
    counts: dict[int, int] = {}
    while True:
        line = stream.readline()
        if line is None:
            raise stream.error("the file ends inside the \\data\\ header; is it truncated?")
        text = line.strip()
        if not text:
            if counts:
                return [counts[n] for n in range(1, len(counts) + 1)], None
            continue
        match = _COUNT_LINE.match(text)
        if match is None:
            if _SECTION_LINE.match(text) and counts:
                return [counts[n] for n in range(1, len(counts) + 1)], text
            raise stream.error(f"expected 'ngram N=COUNT' in the \\data\\ header, found {_show(line)}")
        if len(match.group(1)) > 9 or len(match.group(2)) > 18:  # (arrays are indexed by 64-bit numbers)
            raise stream.error(f"{_show(line)} in the \\data\\ header: more n-grams (or orders) than any file "
                               "can hold")
        n, count = int(match.group(1)), int(match.group(2))
        if n != len(counts) + 1:
            raise stream.error(f"header line for order {n} where order {len(counts) + 1} was expected")
        counts[n] = count


def _next_marker(stream: _LineStream) -> bytes:
    """The next non-empty line (a section marker or \\end\\)."""
    while True:
        line = stream.readline()
        if line is None:
            raise stream.error("the file ends before \\end\\; is it truncated?")
        if line.strip():
            return line.strip()


def _show(line: bytes, limit: int = 60) -> str:
    text = line.decode("utf-8", errors="replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


class _WordIds:
    """The word -> id map of one read: unigrams enter the vocabulary; higher orders may use only unigrams."""

    def __init__(self, vocab: Vocabulary, stream: _LineStream, errors: str = "strict"):
        self.vocab, self.stream, self.errors = vocab, stream, errors
        self.ids = _arpa.WordTable()

    def number_unigrams(self, spellings: list[bytes], grams: np.ndarray, first_line: int) -> None:
        """Give the unigrams their vocabulary ids: the parser numbered them 0, 1, .. in file order (their places
        in `spellings`), in `grams` (one row each) and in the word table; `first_line`: the line of the first."""
        try:
            texts = [word.decode("utf-8", self.errors) for word in spellings]
        except UnicodeDecodeError:
            bad = next(i for i, word in enumerate(spellings) if not _decodes(word, self.errors))
            raise self.stream.error(f"the word {_show(spellings[bad])} is not valid UTF-8", first_line + bad) from None
        # A closed vocabulary still takes the model's own words (as SRILM does without -limit-vocab): the model
        # must be able to score every word it has a probability for.
        closed, self.vocab.closed = self.vocab.closed, False
        try:
            add = self.vocab.add
            ids = np.array([add(text) for text in texts], dtype=ID_DTYPE)
        finally:
            self.vocab.closed = closed
        grams[:, 0] = ids[grams[:, 0]]
        self.ids.renumber(ids)


def _decodes(word: bytes, errors: str) -> bool:
    try:
        word.decode("utf-8", errors)
        return True
    except UnicodeDecodeError:
        return False


def _parse_section(stream: _LineStream, n: int, count: int, words: _WordIds, dtype=np.float64,
                   block_rows: int | None = None):
    """Parse the `count` lines of the n-gram section whose marker was just read: yields (n-grams, log10
    probabilities, log10 back-off weights), the whole section at once, or with `block_rows` (orders above 1) that
    many rows at a time, in arrays reused from one block to the next (a reader is done with a block before it
    asks for the next).

    The whole section's arrays are allocated once for the header's count where the file's size allows that many
    lines (_plausible_rows); else they grow as lines come, so that a corrupt header announcing billions of
    n-grams is reported at the end of the section instead of exhausting memory up front.
    """
    whole = block_rows is None or n == 1
    rows = _plausible_rows(stream.size, n, count) if whole else min(count, block_rows)
    grams = np.zeros((rows, n), dtype=ID_DTYPE)
    logprob = np.zeros(rows, dtype=dtype)
    logbow = np.zeros(rows, dtype=dtype)
    filled = 0
    before = 0  # rows in the blocks already handed out
    first_line = stream.lineno + 1  # a section's lines follow one another: row i is on line first_line + i
    spellings: list[bytes] | None = [] if n == 1 else None
    while True:
        if filled == len(grams) and not whole and filled:
            yield grams, logprob, logbow
            before, filled = before + filled, 0
        if filled == len(grams) < count:
            rows = min(count, 2 * len(grams))
            grams = np.concatenate([grams, np.zeros((rows - len(grams), n), dtype=ID_DTYPE)])
            logprob = np.concatenate([logprob, np.zeros(rows - len(logprob), dtype)])
            logbow = np.concatenate([logbow, np.zeros(rows - len(logbow), dtype)])
        buf, start, final = stream.peek_complete_block()
        result = _arpa.parse_ngram_lines(buf, start, final, n, grams, logprob, logbow, filled, count, words.ids,
                                         spellings, before, stream.comments)
        pos, lines, filled, done, error = result
        stream.advance(pos, lines)
        if error is not None:
            raise stream.error(error, stream.lineno + 1)
        if done or (final and (lines == 0 or filled < len(grams))):
            break
    if before + filled != count:
        raise stream.error(f"the \\{n}-grams: section has {before + filled} entries but the header announces {count}; "
                           "the header counts and the sections must agree", stream.lineno + 1)
    if spellings is not None:
        words.number_unigrams(spellings, grams, first_line)
    if filled or whole:
        yield grams[:filled], logprob[:filled], logbow[:filled]


def _plausible_rows(size: int | None, n: int, count: int) -> int:
    """The header's `count` of n-grams, or fewer where a file of `size` bytes (None: unknown, as for compressed
    input) cannot hold that many lines (a line of n words takes at least 2n + 2 bytes): what a reader may allocate
    for the section up front (at least INITIAL_ROWS)."""
    return min(count, max(INITIAL_ROWS, size // (2 * n + 2)) if size is not None else INITIAL_ROWS)


def read_arpa(path: str, vocab: Vocabulary | None = None, errors: str = "strict", *,
              quiet: bool = True) -> BackoffModel:
    """Read an ARPA back-off model.

    Words become ids through `vocab` (a new open Vocabulary when None: <unk> 0, <s> 1, </s> 2, then the other
    words in file order); the model's words are added to it even when it is closed. Raises InputError naming the
    file and line on malformed input: a bad number, a line with the wrong number of words, counts that disagree
    with the header, an n-gram twice, a missing `\\end\\`, a truncated compressed file. `errors`: how words that
    are not UTF-8 are decoded ("strict": an error; "surrogateescape": kept as their bytes, as SRILM reads them).
    `quiet`: no progress bar (one is drawn, in bytes of the file, only where standard error is a terminal).
    """
    vocab, ngrams, logprob, logbow = read_arpa_sections(path, vocab, errors, quiet=quiet)
    return _finish(path, vocab, ngrams, logprob, logbow)


def read_arpa_sections(path: str, vocab: Vocabulary | None = None, errors: str = "strict", *, quiet: bool = True,
                       dtype=np.float64):
    """The first half of read_arpa: (vocab, n-grams, log10 probabilities, log10 back-off weights) per order, in
    the file's order, each line checked but not yet the n-grams against each other (contexts present, none
    repeated: read_arpa's _finish). A weight the file does not write is NaN. `dtype`: of the numbers."""
    vocab = vocab if vocab is not None else Vocabulary()
    blocks = iter_arpa_blocks(path, vocab, errors, quiet=quiet, dtype=dtype)
    next(blocks)  # the header's counts
    ngrams, logprob, logbow = [], [], []
    for _, grams, lp, bow in blocks:  # (a whole section each)
        ngrams.append(grams)
        logprob.append(lp)
        logbow.append(bow)
    return vocab, ngrams, logprob, logbow


def iter_arpa_blocks(path: str, vocab: Vocabulary, errors: str = "strict", *, quiet: bool = True,
                     dtype=np.float64, block_rows: int | None = None):
    """An ARPA file as it is read: yields the header's counts (each capped where a plain file is too small to
    hold that many lines, _plausible_rows: a reader may size its tables by them up front, and a header announcing
    more n-grams than its file holds is then reported at the end of the section, with its line, instead of
    exhausting memory), then (n, n-grams, log10 probabilities, log10 back-off weights) for each section in turn, whole, or with `block_rows` a block of at most that many rows at
    a time in arrays reused from block to block (the unigrams always whole: `vocab` holds every word once they
    are yielded), so that a reader (the query index's builder) need hold no more than a block of the file. The
    file is checked to its \\end\\ marker only when the generator is run to its end (and closed when it is
    closed)."""
    raw = open_input(path)
    try:
        with FileProgress(f"loading {path}", [path], quiet=quiet) as progress:
            stream = _LineStream(raw, path, progress)
            yield from _read_blocks(stream, vocab, errors, dtype, block_rows)
            progress.finish_file(raw, stream.handed)
    finally:
        if path != "-":
            raw.close()


def _read_blocks(stream: _LineStream, vocab: Vocabulary, errors: str, dtype, block_rows: int | None):
    """The header's counts, then (n, n-grams, log probabilities, log back-off weights) per block of each order,
    as the file lists them (a generator)."""
    counts, marker = _read_header(stream)
    yield counts if stream.size is None else [_plausible_rows(stream.size, n, c) for n, c in enumerate(counts, 1)]
    words = _WordIds(vocab, stream, errors)
    for n, count in enumerate(counts, 1):
        marker = marker if n == 1 and marker is not None else _next_marker(stream)
        match = _SECTION_LINE.match(marker)
        if match is None or int(match.group(1)) != n:
            raise stream.error(f"expected the \\{n}-grams: section, found {_show(marker)}")
        for block in _parse_section(stream, n, count, words, dtype, block_rows):
            yield (n, *block)
    marker = _next_marker(stream)
    if marker != b"\\end\\":
        if _SECTION_LINE.match(marker):
            raise stream.error(f"section {_show(marker)} is not announced in the \\data\\ header")
        raise stream.error(f"expected \\end\\ after the last section, found {_show(marker)}")


def _finish(path: str, vocab: Vocabulary, ngrams, logprob, logbow) -> BackoffModel:
    """Sort each order by word id, reject missing contexts and repeated n-grams, and settle the weights.

    The sort is linear, order by order: the rows by their last word, then stably by the row of their context among
    the (already sorted) n-grams one word shorter, found through a hash table; two counting sorts, where sorting
    the rows by all their words compares them. A weight the file does not write is 0. A weight of 0 that the file
    writes on an n-gram that is no context (SRILM keeps such weights on the n-grams whose extensions -prune
    removed) is kept as -0.0, so that write_arpa writes it back and the file round-trips byte for byte; as a
    number it is still 0.
    """
    prefixes = [np.zeros(0, dtype=np.int64)]
    for k in range(len(ngrams)):
        grams = ngrams[k]
        sequence = _arpa.stable_order_by(grams[:, -1].astype(np.int64), None, len(vocab))
        if k:
            prefix = _arpa.hashed_prefix_rows(ngrams[k - 1], grams)
            missing = np.flatnonzero(prefix < 0)
            if len(missing):
                words = vocab.decode(grams[missing[0]])
                raise InputError(path, _line_of(path, words), f"the {k + 1}-gram '{' '.join(words)}' has no "
                                 f"{k}-gram for its context; every n-gram's first n-1 words must be an (n-1)-gram of "
                                 "the model")
            sequence = _arpa.stable_order_by(prefix, sequence, len(ngrams[k - 1]))
            prefix = prefix[sequence]
            # Half the memory where the rows fit in 32 bits.
            prefixes.append(prefix.astype(np.int32) if len(ngrams[k - 1]) < 2**31 else prefix)
            del prefix
        ngrams[k], logprob[k], logbow[k] = _rows(grams, sequence), logprob[k][sequence], logbow[k][sequence]
        del grams, sequence
        grams = ngrams[k]
        repeated = np.flatnonzero(np.all(grams[1:] == grams[:-1], axis=1)) if len(grams) > 1 else []
        if len(repeated):
            words = vocab.decode(grams[repeated[0]])
            raise InputError(path, _line_of(path, words, occurrence=2), f"the {k + 1}-gram '{' '.join(words)}' "
                             "appears twice")
    for k, bow in enumerate(logbow):
        absent = np.isnan(bow)
        if k + 1 < len(ngrams):
            written_zero = ~absent & (bow == 0) & ~_is_context(len(bow), prefixes[k + 1])
            bow[written_zero] = -0.0
        bow[absent] = 0.0
    return BackoffModel(vocab, ngrams, logprob, logbow)


def _line_of(path: str, words: list[str], occurrence: int = 1) -> int | None:
    """The line of the `occurrence`-th entry for the n-gram `words` in its section (for error messages only:
    the file is read again, line by line)."""
    if path == "-":
        return None  # standard input cannot be read twice
    marker = f"\\{len(words)}-grams:".encode()
    target = [w.encode("utf-8", "surrogateescape") for w in words]
    section, seen = False, 0
    with open_binary(path) as raw:
        for lineno, line in enumerate(raw, 1):
            fields = line.split()
            if line.startswith(b"\\"):
                section = line.strip() == marker
            elif section and fields[1:len(words) + 1] == target:
                seen += 1
                if seen == occurrence:
                    return lineno
    return None


# Rows formatted per call of the ARPA writer: bounds the text held in memory (about 40 MB for 5-grams).
_WRITE_ROWS = 1 << 20


def _prefix_indices(ngrams: list[np.ndarray]) -> list[np.ndarray]:
    """For every order but the first, the row of each n-gram's first n-1 words among the (n-1)-grams (-1 where
    absent); the arrays must be sorted. Order 1 gets an empty array."""
    result = [np.zeros(0, dtype=np.int64)]
    for k in range(1, len(ngrams)):
        rows = _arpa.prefix_index(np.ascontiguousarray(ngrams[k - 1], dtype=ID_DTYPE),
                                  np.ascontiguousarray(ngrams[k], dtype=ID_DTYPE))
        # Half the memory where the rows fit in 32 bits (kept for the whole write).
        result.append(rows.astype(np.int32) if len(ngrams[k - 1]) < 2**31 else rows)
    return result


def _is_context(count: int, longer_prefixes: np.ndarray) -> np.ndarray:
    """Which of `count` n-grams begin a longer n-gram, given the prefix index of every longer n-gram."""
    context = np.zeros(count, dtype=bool)
    context[longer_prefixes[longer_prefixes >= 0]] = True
    return context


def arpa_header(sizes: list[int]) -> bytes:
    """The start of an ARPA file: the \\data\\ section with the number of n-grams of each order."""
    return b"\n\\data\\\n" + b"".join(f"ngram {n}={size}\n".encode() for n, size in enumerate(sizes, 1))


def section_title(n: int) -> bytes:
    return f"\n\\{n}-grams:\n".encode()


ARPA_END = b"\n\\end\\\n"


def shown_weights(is_context: np.ndarray, logbow: np.ndarray) -> np.ndarray:
    """Which n-grams of a lower order get their back-off weight written: the contexts of longer n-grams, and
    any weight that is not zero, or is -0.0 (a zero that was written on a non-context in the file read)."""
    return is_context | (logbow != 0) | np.signbit(logbow)


def write_arpa(model: BackoffModel, path: str, preamble: bytes = b"", *, quiet: bool = True) -> None:
    """Write `model` in the ARPA format exactly as SRILM writes it (after `preamble`, comment lines that readers
    skip, such as smoothing.stupid_backoff's note that the file holds scores).

    N-grams are ordered as SRILM orders them (by context, most recent word first, then by the word, comparing
    spellings byte by byte), values are printed with %.7g, log10(0) is `-99`, and back-off weights are written
    where `shown_weights` says (see also read_arpa). Written atomically; compressed by extension. `quiet`: no
    progress bar (one is drawn, in n-grams written, only where standard error is a terminal).
    """
    spellings = [w.encode("utf-8", "surrogateescape") for w in model.vocab.words]
    rank = _spelling_rank(spellings)
    prefixes = _prefix_indices(model.ngrams)
    if all(np.all(p >= 0) for p in prefixes[1:]):
        orders = _srilm_orders(model.ngrams, rank, prefixes)
    else:  # some n-gram lacks its context (SRILM never writes such a model): sort by all the words' ranks
        orders = (_srilm_order(rank[grams.astype(np.int64)]) for grams in model.ngrams)
    with atomic_write(path, "wb") as f, \
            Progress(f"writing {path}", unit="n-grams", total=sum(model.sizes()), quiet=quiet) as progress:
        f.write(preamble + arpa_header(model.sizes()))
        # One order at a time, each in slices of rows: the text of a large model never sits in memory whole.
        for k, order in enumerate(orders):
            f.write(section_title(k + 1))
            grams, logprob, bows = model.ngrams[k], model.logprob[k], model.logbow[k]
            if k + 1 < model.order:
                show_bow = shown_weights(_is_context(len(bows), prefixes[k + 1]), bows)
            else:
                show_bow = np.zeros(len(bows), dtype=bool)
            prefixes[k] = None  # the sort of this order was its last use
            for start in range(0, len(order), _WRITE_ROWS):
                rows = order[start:start + _WRITE_ROWS]
                f.write(_arpa.format_ngram_lines(spellings, _rows(grams, rows),
                                                 np.ascontiguousarray(logprob[rows], dtype=np.float64),
                                                 np.ascontiguousarray(bows[rows], dtype=np.float64),
                                                 show_bow[rows].view(np.uint8)))
                progress.update(len(rows))
            del order, show_bow
        f.write(ARPA_END)


def _rows(grams: np.ndarray, order: np.ndarray) -> np.ndarray:
    """grams[order] as a contiguous id array, each row gathered as one opaque item (faster than 2-D indexing)."""
    grams = np.ascontiguousarray(grams, dtype=ID_DTYPE)
    row = np.dtype((np.void, grams.dtype.itemsize * grams.shape[1]))
    return grams.view(row).ravel()[order].view(ID_DTYPE).reshape(len(order), grams.shape[1])


def _spelling_rank(spellings: list[bytes]) -> np.ndarray:
    """rank[id]: the position of the word among all words sorted by UTF-8 bytes (strcmp order, as SRILM sorts)."""
    order = sorted(range(len(spellings)), key=spellings.__getitem__)
    rank = np.empty(len(spellings), dtype=np.int64)
    rank[order] = np.arange(len(spellings))
    return rank


def _srilm_orders(ngrams: list[np.ndarray], rank: np.ndarray, prefixes: list[np.ndarray]) -> Iterator[np.ndarray]:
    """Row order of each section in SRILM's ARPA output: by context, most recent word first (w_{n-1}, ...,
    w_1, as its context trie is walked), then by w_n; every n-gram's context must be in the model.

    A least-significant-digit radix sort, order by order: the rows sorted by w_n, then stably by the position
    of their context among the (n-1)-grams sorted by w_{n-1}, ..., w_1; and that sort of the n-grams themselves
    (by w_n, w_{n-1}, ..., w_1), which the next order needs, is the section's order sorted stably by w_n.
    Each step is one counting sort, linear in the rows.
    """
    context_position = np.zeros(0, dtype=np.int64)
    for k, grams in enumerate(ngrams):
        last = rank[grams[:, -1]]
        order = _arpa.stable_order_by(last, None, len(rank))
        if k:
            order = _arpa.stable_order_by(context_position[prefixes[k]], order, len(context_position))
        if k + 1 < len(ngrams):
            context_position = np.empty(len(grams), dtype=np.int64)
            context_position[_arpa.stable_order_by(last, order, len(rank))] = np.arange(len(grams))
        del last
        yield order


def _srilm_order(ranked: np.ndarray) -> np.ndarray:
    """Row order of SRILM's ARPA output: by w_{n-1}, w_{n-2}, ..., w_1 (its context trie), then by w_n.

    The ranks are packed, most significant first, into as few 63-bit keys as hold them, so that the sort
    compares one or two integers per row instead of n.
    """
    n = ranked.shape[1]
    bits = max(1, int(ranked.max(initial=0)).bit_length())
    keys: list[np.ndarray] = []
    used = 63
    for column in list(range(n - 2, -1, -1)) + [n - 1]:
        if used + bits > 63:
            keys.append(ranked[:, column].copy())
            used = bits
        else:
            keys[-1] = (keys[-1] << bits) | ranked[:, column]
            used += bits
    if len(keys) == 1:
        return np.argsort(keys[0])  # the rows are distinct n-grams: no ties, so any sort gives this order
    return np.lexsort(keys[::-1])  # np.lexsort sorts by its last key first
