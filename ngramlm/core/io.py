"""Opening files the way the field expects: compressed by extension, '-' for standard streams, and outputs
written atomically (to an unnamed temporary file in the same folder, linked into place only when complete; a
hidden named one, renamed, where the platform has no unnamed files), so an interrupted run never leaves a
half-written model behind. Outputs are checked before the work that fills them (check_output).

Reading text, below every room that reads it (the vocabulary, the corpus reader, counting, count files): UTF-8
lines one at a time with their numbers (iter_lines), or blocks of whole lines as bytes for the compiled readers
(read_blocks, decode_block); decoding and I/O failures become InputError naming the file and line. Under
srilm_reading() (SRILM's commands), lines that begin with "##" are comments, as in SRILM's File class, and
-tolower lowers ASCII letters only, as SRILM's Vocab does (lower_case; ngramlm's own commands lower every letter).
Words within a line are split at ASCII space, tab, CR, LF and NUL only, as SRILM and lmplz split them
(split_words).

In:  paths (plain, .gz, .bz2, .xz by extension; '-' for standard input or output).
Out: byte or UTF-8 text streams; (line number, line) pairs (iter_lines); (block of whole lines, number of its first
     line) pairs (read_blocks); a file put into place only once its block completes (atomic_write).
Reading streams: one line (iter_lines) or one block (read_blocks) is held at a time.
"""
from __future__ import annotations

import bz2
import contextlib
import errno
import functools
import gzip
import io
import lzma
import os
import re
import sys
import tempfile
import zlib
from typing import Iterator

from .errors import InputError, OutputError

# What reading a damaged file raises: I/O errors, and a truncated or corrupt .gz (EOFError, zlib.error, OSError),
# .bz2 (OSError, EOFError) or .xz (LZMAError, EOFError).
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)

# gzip at level 6, the gzip command's default: Python's default of 9 takes twice the time for 1% smaller files.
_OPENERS = {".gz": functools.partial(gzip.open, compresslevel=6), ".bz2": bz2.open, ".xz": lzma.open}


def _opener(path: str):
    return _OPENERS.get(os.path.splitext(path)[1].lower(), open)


def open_binary(path: str):
    """Open a file for reading bytes, decompressing by extension; '-' is standard input."""
    if path == "-":
        return sys.stdin.buffer
    return _opener(path)(path, "rb")


def _umask() -> int:
    """The process's umask (read by setting it, then setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Write failures that belong to the output being written, not to an input read meanwhile (those name their file):
# a full disk, a full quota, a file over the size limit (ulimit -f).
FULL_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_IS_FOLDER = "is a folder; give the name of a file to write"


def check_output(path: str) -> None:
    """Raise OutputError now, before any work, where `path` cannot be written: a folder, a folder that does not
    exist, a folder this user may not write in ('-', standard output, always can be)."""
    if path == "-":
        return
    if os.path.isdir(path):
        raise OutputError(path, _IS_FOLDER)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise OutputError(path, f"cannot write: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(path, f"cannot write: permission denied in the folder {folder}")


def _unnamed_file(folder: str) -> int | None:
    """A descriptor of a new unnamed file in `folder` (Linux's O_TMPFILE: a killed run leaves nothing behind), or
    None where the platform or the file system cannot make one or give it a name later."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        fd = os.open(folder, flag | os.O_WRONLY | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None
        raise
    if _can_link(fd, folder):
        return fd
    os.close(fd)
    return None


_LINKABLE: dict[int, bool] = {}  # file system (st_dev) -> whether an unnamed file can be linked into it


def _can_link(fd: int, folder: str) -> bool:
    """Whether unnamed files of this file system can be named: tried once per file system, on a throwaway name."""
    device = os.fstat(fd).st_dev
    if device not in _LINKABLE:
        probe = os.open(folder, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o600)
        name = os.path.join(folder, f".ngramlm-link-probe.{os.getpid()}.{os.urandom(4).hex()}")
        try:
            _link_fd(probe, name)
            os.unlink(name)
            _LINKABLE[device] = True
        except OSError:
            _LINKABLE[device] = False
        finally:
            os.close(probe)
    return _LINKABLE[device]


def _link_fd(fd: int, path: str) -> None:
    """Name the unnamed file `fd` `path` (which must not exist): linkat through /proc/self/fd, the way open(2)
    documents; where /proc refuses (some sandboxes), linkat(AT_EMPTY_PATH), which needs CAP_DAC_READ_SEARCH."""
    try:
        os.link(f"/proc/self/fd/{fd}", path)
        return
    except FileExistsError:
        raise
    except OSError as exc:
        refused = exc
    import ctypes  # only here: the standard way above works on most systems

    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, at_empty_path = -100, 0x1000
    if libc.linkat(fd, b"", at_fdcwd, os.fsencode(path), at_empty_path) != 0:
        code = ctypes.get_errno()
        if code == errno.EEXIST:
            raise FileExistsError(code, os.strerror(code), path)
        raise refused


def _link_into_place(fd: int, path: str) -> None:
    """Give the unnamed file `fd` the name `path`, replacing what is there: linked directly where the name is free,
    else linked under a temporary name and renamed over the old file (a rename is atomic, a link cannot replace)."""
    try:
        _link_fd(fd, path)
        return
    except FileExistsError:
        pass
    while True:
        tmp = os.path.join(os.path.dirname(os.path.abspath(path)),
                           f".{os.path.basename(path)}.{os.urandom(4).hex()}.tmp")
        try:
            _link_fd(fd, tmp)
            break
        except FileExistsError:
            continue
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w", encoding: str = "utf-8"):
    """Write `path` through a temporary file that takes its name only if the block succeeds.

    The temporary file is unnamed where Linux allows it (O_TMPFILE, linked into place at the end), so that even a
    killed run leaves nothing behind; elsewhere it is a hidden file beside `path`, renamed into place. Compresses
    by extension; '-' writes to standard output. Text mode unless `mode` is 'wb'. A folder as `path`, a folder
    one may not write in, a full disk or quota raise OutputError naming `path`.
    """
    binary = "b" in mode
    if path == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd = _unnamed_file(folder)
        if fd is None:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as exc:
        raise OutputError(path, f"cannot write: {exc.strerror or exc} (does the folder exist, and may you "
                                "write there?)") from None
    try:
        with open(fd, "wb", closefd=False) as raw:
            opener = _opener(path)
            stream = raw if opener is open else opener(raw, "wb")
            f = stream if binary else io.TextIOWrapper(stream, encoding=encoding, errors="surrogateescape",
                                                       newline="\n")
            with f:
                yield f
        if tmp is None:
            _link_into_place(fd, path)
        else:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp made it private; a model is shared as any new file is
            os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        # A full disk, or a failure of our own steps (mkstemp, link, rename: they name the output or the temporary)
        if exc.errno in FULL_DISK_ERRNOS or {exc.filename, exc.filename2} & {tmp, path} - {None}:
            raise OutputError(path, _IS_FOLDER if os.path.isdir(path) else f"cannot write: {exc.strerror}") from None
        raise
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    finally:
        os.close(fd)


def open_input(path: str):
    """open_binary for reading, a file that cannot be opened an InputError naming it."""
    try:
        return open_binary(path)
    except OSError as exc:
        raise InputError(path, None, f"cannot open: {exc.strerror or exc}") from None


# SRILM's File class, which reads every file of its tools, skips lines whose first two bytes are "##" (comments;
# they still count in line numbers). SRILM's commands turn this on for the whole run (srilm_reading); ngramlm's
# own commands read such lines as text, as KenLM's lmplz does. A process-wide switch rather than a parameter: it
# reaches every reader of a SRILM command (text, counts, vocabularies, classes, N-best lists, discounts), and the
# reading thread of the counting, without threading a flag through each. The same switch makes -tolower lower
# ASCII letters only, as SRILM does (lower_case).
_SRILM_READING = {"on": False}
# The lines File::getline skips: "##" comments, and lines of C white space only (isspace). Of the latter only those
# with a \v or \f need skipping here, since \v and \f are parts of words elsewhere (split_words); the readers skip
# lines blank by WORD_SEPARATORS themselves.
_SRILM_SKIPPED_LINES = re.compile(rb"^(?:##[^\n]*|[ \t\r\v\f]*[\v\f][ \t\r\v\f]*)$", re.MULTILINE)


@contextlib.contextmanager
def srilm_reading():
    """Within the block, files are read as SRILM's File class reads them: iter_lines and read_blocks treat lines
    that begin with "##" as comments, and lines of white space only (vertical tabs and form feeds too) as blank,
    which SRILM skips; and lower_case lowers A-Z only."""
    before = _SRILM_READING["on"]
    _SRILM_READING["on"] = True
    try:
        yield
    finally:
        _SRILM_READING["on"] = before


def reading_as_srilm() -> bool:
    """Whether files are read as SRILM reads them here (within srilm_reading()): for readers of their own."""
    return _SRILM_READING["on"]


def lower_case(text: str) -> str:
    """`text` lower-cased as the running command's -tolower / --tolower asks. Within srilm_reading() (SRILM's
    commands), ASCII A-Z only: SRILM's Vocab::mapToLower applies C's tolower() in the C locale to each byte, so
    every other byte of a UTF-8 word stays ("ÉCOLE" becomes "École"). In ngramlm's own commands, every capital
    Unicode knows (str.lower: "école")."""
    if not _SRILM_READING["on"] or text.isascii():  # str.lower of ASCII text lowers A-Z only
        return text.lower()
    # bytes.lower is ASCII-only; surrogatepass carries undecodable bytes (surrogateescape) through unchanged
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def _srilm_skips(line: bytes) -> bool:
    """Whether SRILM's File::getline skips this line and the readers would not: see _SRILM_SKIPPED_LINES."""
    return line.startswith(b"##") or line.isspace() and bool(line.strip(b" \t\r\n"))


def _without_comments(block: bytes) -> bytes:
    """`block` (whole lines) with the lines SRILM skips ("##" comments, _SRILM_SKIPPED_LINES) emptied, so that its
    line count, and every line number after them, stays that of the file: the readers of SRILM's commands skip
    an empty line, as SRILM skips those."""
    if block.startswith(b"##") or b"\n##" in block or b"\v" in block or b"\f" in block:
        return _SRILM_SKIPPED_LINES.sub(b"", block)
    return block


def open_text(path: str, errors: str = "strict"):
    """Open a (possibly compressed) text file, or standard input for '-', as UTF-8 text."""
    raw = open_input(path)
    return io.TextIOWrapper(raw, encoding="utf-8", errors=errors, newline=None)


# Words are what lies between the bytes SRILM (wordSeparators " \t\r\n") and lmplz ("\0\t\n\r ") split at; any
# other character, U+00A0, U+3000, \v or \f, is part of a word. NUL separates, as in lmplz: SRILM's C strings never
# hold one in a word. The compiled tokenizer (ext/_count.pyx, _is_space) splits at the same bytes.
WORD_SEPARATORS = " \t\r\n\0"
_FIND_WORDS = re.compile("[^ \t\r\n\0]+").findall
# The characters at which str.split() and WORD_SEPARATORS disagree: NUL, and the white space str.split() knows
# beside the four, listed (four times as fast to search for as the class [^\S \t\r\n]).
_SPLIT_DIFFERS = re.compile("[\x00\v\f\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]").search


def split_words(line: str) -> list[str]:
    """The words of a line of text, split only at WORD_SEPARATORS (str.split where it agrees: twice as fast)."""
    return _FIND_WORDS(line) if _SPLIT_DIFFERS(line) else line.split()


def iter_lines(path: str, errors: str = "strict") -> Iterator[tuple[int, str]]:
    """Yield (line number, line) of a text file, turning decoding and I/O failures into InputError.

    Lines are decoded one at a time (not in blocks) so that an invalid byte is reported at its own line. Under
    srilm_reading(), lines that begin with "##", and lines of white space with a vertical tab or form feed, are
    skipped (the numbers of the others stay the file's).
    """
    lineno = 0
    comments = _SRILM_READING["on"]
    raw = open_input(path)
    try:
        for lineno, data in enumerate(raw, 1):
            if comments and data[0] <= 0x23 and _srilm_skips(data):  # one byte's test first: most lines stop there
                continue
            try:
                yield lineno, data.decode("utf-8", errors)
            except UnicodeDecodeError as exc:
                raise InputError(
                    path, lineno, f"invalid UTF-8 ({exc.reason} at byte {exc.start} of the line); "
                    "convert the file to UTF-8, or pass --errors replace to substitute the bad bytes"
                ) from None
    except READ_ERRORS as exc:  # truncated or corrupt compressed files land here
        raise InputError(path, lineno + 1, f"cannot read: {exc}; is it truncated or corrupt?") from None
    finally:
        if path != "-":
            raw.close()


# Whole-block reading, for the compiled counting and count-file readers: bytes, not lines, so that the
# compiled code sees each byte once; a block's first line number lets an error name its line.
def read_blocks(path: str, block_bytes: int, progress=None) -> Iterator[tuple[bytes, int]]:
    """Blocks of whole lines of a (possibly compressed) file, or of standard input for '-', with the number of the
    first line of each (only \n ends a line, as in SRILM and iter_lines). `progress`: a core.progress.FileProgress
    told of each block read. Under srilm_reading(), lines that begin with "##" come as empty lines."""
    comments = _SRILM_READING["on"]
    raw = open_input(path)
    lineno, carry, handed = 1, b"", 0
    try:
        while data := raw.read(block_bytes):
            handed += len(data)
            if progress is not None:
                progress.read(raw, handed)
            data = carry + data
            cut = data.rfind(b"\n") + 1
            block, carry = data[:cut], data[cut:]
            if block:
                yield _without_comments(block) if comments else block, lineno
                lineno += block.count(b"\n")
        if progress is not None:
            progress.finish_file(raw, handed)
        if carry:
            yield _without_comments(carry) if comments else carry, lineno
    except READ_ERRORS as exc:  # truncated or corrupt compressed files land here
        raise InputError(path, lineno, f"cannot read: {exc}; is it truncated or corrupt?") from None
    finally:
        if path != "-":
            raw.close()


def decode_block(data: bytes, errors: str, path: str, lineno: int) -> str:
    """UTF-8 text of `data` (lines from line `lineno` on); bad bytes name their line unless errors="replace"."""
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        line = lineno + data.count(b"\n", 0, exc.start)
        raise InputError(path, line, f"invalid UTF-8 ({exc.reason}); convert the file to UTF-8, or pass "
                                     "--errors replace to substitute the bad bytes") from None
