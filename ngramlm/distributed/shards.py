"""The text split into shards, each counted by one worker with the compiled counting core.

Inputs are paths, fsspec URLs (file://, s3://, hdfs://, memory://, ...; the workers need the filesystem's package)
or glob patterns of either (expanded in sorted order). A shard is a byte range of one plain text file (or a whole
compressed file, which cannot be entered in the middle). A line belongs to the shard that holds its first
byte, so the shards of a file, read in order, are its lines exactly once each, in order. Shards are planned
where they are read (a task on the cluster), so that a worker that cannot reach the input says so, naming the
file.

In: text paths and a shard size. Out: Shard ranges; a shard's NgramCounts, numbered in a vocabulary of its own
(see vocabulary).
"""
from __future__ import annotations

import glob
import os
import socket
import tempfile
from dataclasses import dataclass
from typing import IO

import fsspec  # type: ignore[import-untyped]  # no type stubs

from ..core.errors import InputError, NgramlmError
from ..core.vocab import Vocabulary
from ..corpora.reader import TextOptions
from ..counting.corpus_count import count_files
from ..counting.counts import NgramCounts

# Default shard size: a few seconds of counting for one worker, small enough to spread a file over many workers.
SHARD_BYTES = 64 << 20
_COMPRESSED = (".gz", ".bz2", ".xz")


@dataclass(frozen=True)
class Shard:
    """Lines of `path` whose first byte lies in [start, stop); stop None: the whole file."""

    path: str
    start: int = 0
    stop: int | None = None

    def __str__(self) -> str:
        return self.path if self.stop is None else f"{self.path} (bytes {self.start}-{self.stop})"


def unreadable(path: str, exc: Exception) -> NgramlmError:
    """The error for input a worker cannot open (raised on the client as it was raised on the worker)."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
        "no such file" if isinstance(exc, FileNotFoundError) else exc
    return NgramlmError(f"{path}: cannot be read on worker {socket.gethostname()}: {reason}; every "
                        "worker must reach the training text at the same path (a shared file system, or a URL)")


def _is_url(path: str) -> bool:
    return "://" in path


def _filesystem(url: str):
    """The fsspec filesystem of a URL and the path within it."""
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # an unknown protocol, or its package missing on this worker
        raise unreadable(url, exc) from None


def _size(path: str) -> int:
    try:
        if not _is_url(path):
            return os.path.getsize(path)
        fs, inner = _filesystem(path)
        return fs.size(inner)
    except OSError as exc:
        raise unreadable(path, exc) from None


def _open(path: str) -> IO[bytes]:
    return fsspec.open(path, "rb").open() if _is_url(path) else open(path, "rb")


def plan_shards(paths: list[str], shard_bytes: int = SHARD_BYTES, at_least: int = 1) -> list[Shard]:
    """Byte ranges of about `shard_bytes` covering every file, in order; smaller where that makes fewer than
    `at_least` shards (one for each worker's thread, so that none idles while counting)."""
    if shard_bytes < 1:
        raise NgramlmError(f"the shard size must be at least one byte, got {shard_bytes}")
    paths = [match for path in paths for match in _expanded(path)]
    if "-" in paths:
        raise NgramlmError("standard input cannot be shared among workers; give the training text as files")
    sizes = [_size(path) for path in paths]
    shard_bytes = max(1, min(shard_bytes, -(-sum(sizes) // max(1, at_least))))
    shards = []
    for path, size in zip(paths, sizes):
        if path.lower().endswith(_COMPRESSED) or size <= shard_bytes:
            shards.append(Shard(path))
            continue
        shards.extend(Shard(path, start, min(start + shard_bytes, size)) for start in range(0, size, shard_bytes))
    return shards


def _expanded(path: str) -> list[str]:
    """The files a glob pattern names, in sorted order (the text's order); a path that exists is itself."""
    if not any(c in path for c in "*?["):
        return [path]
    if _is_url(path):
        fs, inner = _filesystem(path)
        if fs.exists(inner):
            return [path]
        matches = sorted(fs.unstrip_protocol(m) for m in fs.glob(inner))
    elif os.path.exists(path):
        return [path]
    else:
        matches = sorted(glob.glob(path))
    if not matches:
        raise NgramlmError(f"{path}: no file matches on worker {socket.gethostname()}")
    return matches


def shard_text(shard: Shard) -> bytes:
    """The whole lines that begin in the shard's byte range."""
    try:
        with _open(shard.path) as f:
            if shard.stop is None:
                return f.read()
            if shard.start > 0:
                f.seek(shard.start - 1)
                f.readline()  # the line holding byte start-1 began in the shard before
            begin = f.tell()
            if begin >= shard.stop:
                return b""
            data = f.read(shard.stop - begin)
            if data and not data.endswith(b"\n"):
                data += f.readline()  # finish the last line, which began inside the range
            return data
    except OSError as exc:
        raise unreadable(shard.path, exc) from None


def count_shard(shard: Shard, order: int, vocab: Vocabulary | None, options: TextOptions, memory: int | str,
                temp_dir: str | None) -> NgramCounts:
    """The counts of one shard (count_files on one thread: the worker's other threads count other shards), in a
    vocabulary of its own (a copy of `vocab`, or a new open one) that numbers words in order of appearance."""
    own = Vocabulary(vocab.words[3:], unk_word=vocab.unk_word, closed=vocab.closed) if vocab else Vocabulary()
    if shard.stop is None and not _is_url(shard.path):
        return _count(shard, [shard.path], order, own, options, memory, temp_dir)
    # A range, or a file behind a URL: its bytes copied to a local file (a compressed one keeps its suffix, so
    # that counting decompresses it).
    suffix = next((s for s in _COMPRESSED if shard.stop is None and shard.path.lower().endswith(s)), ".txt")
    try:
        fd, path = tempfile.mkstemp(prefix="ngramlm-shard-", suffix=suffix, dir=temp_dir)
    except OSError as exc:
        raise NgramlmError(f"{temp_dir or tempfile.gettempdir()}: worker {socket.gethostname()} cannot write its "
                           f"shard there: {exc.strerror or exc} (--temp-dir must exist on every worker)") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(shard_text(shard))
        return _count(shard, [path], order, own, options, memory, temp_dir)
    finally:
        os.unlink(path)


def _count(shard: Shard, paths: list[str], order: int, vocab: Vocabulary, options: TextOptions, memory: int | str,
           temp_dir: str | None) -> NgramCounts:
    try:
        return count_files(paths, order, vocab, options, memory=memory, temp_dir=temp_dir, threads=1)
    except InputError as exc:  # name the user's file, not the copy of its range; plain messages cross to the client
        where = str(shard) if exc.line is None else f"{shard}, line {exc.line} of the range"
        raise NgramlmError(f"{where}: {exc.reason}") from None

