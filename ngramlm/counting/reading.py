"""Reading text for counting: blocks of whole lines from the files, tokenized by the compiled table, a few blocks
ahead on a reading thread of their own where threads are allowed, then encoded into ids.

In: paths (plain, .gz, .bz2, .xz, '-') and TextOptions. Out: (word ids, sentence lengths, whether the last
sentence ends) per block, in file order, without sentence markers (the compiled core adds them); and an estimate
of the marked text's size.
"""
from __future__ import annotations

import os
import queue
import threading
from typing import Iterable, Iterator

import numpy as np

from ..core.io import read_blocks
from ..core.progress import FileProgress
from ..corpora.reader import TextOptions
from .encoding import Encoder, TextEncoder

# With a reading thread, how many tokenized blocks it may keep ready.
BLOCKS_AHEAD = 2


def made_ahead(items: Iterator, depth: int) -> Iterator:
    """The items of `items`, made by a thread of their own up to `depth` items ahead of the caller; an exception
    raised making them is raised to the caller, in its place. Leaving early stops the thread and closes `items`.
    Raises RuntimeError, before taking any item, if no thread can be started."""
    made: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def offer(item) -> bool:
        """Queue the item unless the caller has left; whether it was queued."""
        while not stop.is_set():
            try:
                made.put(item, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False

    def make() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(end)
        except BaseException as exc:  # raised to the caller when it reaches this place
            offer(exc)
        finally:
            items.close()

    def take() -> Iterator:
        try:
            while (item := made.get()) is not end:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join()

    thread = threading.Thread(target=make, name="ngramlm-reader", daemon=True)
    thread.start()
    return take()


def encoded_text(paths: Iterable[str], options: TextOptions, encoder: Encoder, block_bytes: int,
                  pipelined: bool = False, progress: FileProgress | None = None
                  ) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """(word ids, sentence lengths, whether the last sentence ends) of the sentences of the text files, a block of
    lines at a time, without the sentence markers (_count.mark_text adds them); a last sentence does not end (no
    </s>) only at the end of a file without a final newline, with options.open_last_line.

    `pipelined`: a second thread reads the blocks and runs the compiled tokenizer on them, a few blocks ahead,
    while this one looks each block's new tokens up in the vocabulary and the caller marks its sentences (the
    two halves of the work take about as long). `progress` is told of each block read (read_blocks)."""
    text_encoder = TextEncoder(encoder, options)
    blocks = ((block, path, lineno) for path in paths for block, lineno in read_blocks(path, block_bytes, progress))
    tokenized = ((text_encoder.tokenize(block), block, path, lineno) for block, path, lineno in blocks)
    if pipelined:
        try:  # one thread tokenizes, so the table sees the blocks in order
            tokenized = made_ahead(tokenized, BLOCKS_AHEAD)
        except RuntimeError:  # no thread to be had (a memory limit leaves no room for its stack): read on this one
            pass
    for tokens, block, path, lineno in tokenized:
        yield text_encoder.encode_tokenized(tokens, block, path, lineno)


def text_size_hint(paths: list[str]) -> int:
    """About as many entries as the marked text of these files will have: a third of their bytes, enough for
    words of two letters or more, with the markers (the text grows past it where needed); 0 if unknown (standard
    input, compressed files)."""
    if any(path == "-" or path.lower().endswith((".gz", ".bz2", ".xz")) for path in paths):
        return 0
    try:
        return sum(os.path.getsize(path) for path in paths) // 3
    except OSError:
        return 0
