"""Text in any encoding, as SRILM's command-line tools read it: words are byte strings.

SRILM's File class reads bytes; a file that starts with a UTF-16 byte-order mark is converted to UTF-8, and a UTF-8
byte-order mark is dropped. ngramlm's readers decode UTF-8; under `--errors bytes` (the default of `ngram` and
`ngram-count`) bytes that are not UTF-8 are kept as Python's surrogate escapes, which every writer turns back into
the same bytes, so Latin-1 or GB2312 words pass through unchanged. `--errors strict` is the UTF-8 check.

In:  the input paths of a command ('-' for standard input).
Out: paths to read instead: the same path, or a temporary UTF-8 copy when the input starts with a byte-order mark
     (removed when the command ends).
"""
from __future__ import annotations

import codecs
import os
import shutil
import sys
import tempfile

import click

from ngramlm.core.io import READ_ERRORS, lower_case, open_binary
from ngramlm.core.errors import InputError
from ngramlm.core.vocab import Vocabulary

# --errors: bytes (SRILM's behaviour), strict (stop at the first byte that is not UTF-8), replace (U+FFFD).
ERRORS = {"bytes": "surrogateescape", "strict": "strict", "replace": "replace"}

_BOMS = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]


def errors_option(func):
    """The --errors option of SRILM's tools (ngramlm's own flag)."""
    return click.option("--errors", "errors", type=click.Choice(list(ERRORS)), default="bytes",
                        help="Text that is not UTF-8: keep its bytes as they are (as SRILM does), stop with the "
                             "file and line (the UTF-8 check), or replace the bad bytes. (ngramlm's own flag.)"
                        )(func)


def keep_bytes_on_stdout() -> None:
    """Standard output writes surrogate-escaped words back as their original bytes."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")


def _byte_order_mark(head: bytes) -> tuple[bytes, str] | None:
    for mark, encoding in _BOMS:
        if head.startswith(mark):
            return mark, encoding
    return None


def line_count(path: str) -> int:
    """The number of lines of a (possibly compressed) file, a last line without its newline included: SRILM's
    line number at the end of a file."""
    lines, last = 0, b"\n"
    with open_binary(path) as stream:
        while data := stream.read(1 << 20):
            lines += data.count(b"\n")
            last = data[-1:]
    return lines + (last != b"\n")


def spooled_stdin() -> str:
    """Standard input copied to a temporary file (removed when the command ends), for a second reading."""
    fd, copy = tempfile.mkstemp(prefix="ngramlm-", suffix=".txt")
    click.get_current_context().call_on_close(lambda: os.path.exists(copy) and os.unlink(copy))
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out)
    return copy


def readable_input(path: str | None) -> str | None:
    """`path`, or a temporary UTF-8 copy without the byte-order mark when the input starts with one (UTF-16 is
    converted, as SRILM converts it); the copy is removed when the running command ends."""
    if path is None:
        return None
    try:
        stream = open_binary(path)
    except OSError as exc:
        raise InputError(path, None, f"cannot open: {exc.strerror or exc}") from None
    try:
        head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
        if path != "-" and not head:
            head = stream.read(4)
            stream.close()
            stream = open_binary(path)
    except READ_ERRORS as exc:  # a corrupt or truncated compressed file
        raise InputError(path, 1, f"cannot read: {exc}; is it truncated or corrupt?") from None
    found = _byte_order_mark(head)
    if found is None:
        if path != "-":
            stream.close()
        return path
    mark, encoding = found
    stream.read(len(mark))
    fd, copy = tempfile.mkstemp(prefix="ngramlm-", suffix=".txt")
    click.get_current_context().call_on_close(lambda: os.path.exists(copy) and os.unlink(copy))
    with os.fdopen(fd, "wb") as out:
        if encoding == "utf-8":
            shutil.copyfileobj(stream, out)
        else:
            decoder = codecs.getincrementaldecoder(encoding)("replace")
            while data := stream.read(1 << 20):
                out.write(decoder.decode(data).encode("utf-8", "surrogateescape"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    if path != "-":
        stream.close()
    return copy


def read_vocabulary(path: str | None, unk_word: str, tolower: bool, errors: str = "strict") -> Vocabulary:
    """The open vocabulary, or the closed one of a -vocab file (lower-cased under -tolower, as SRILM maps all
    words): what `ngram` reads a model into and `ngram-count` counts with."""
    if path is None:
        return Vocabulary(unk_word=unk_word)
    vocab = Vocabulary.read(path, unk_word=unk_word, closed=True, errors=errors)
    if tolower:
        vocab = Vocabulary([lower_case(w) for w in vocab.words], unk_word=unk_word, closed=True)
    return vocab
