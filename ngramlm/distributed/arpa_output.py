"""Writing the ARPA file in order from partitions: each range of first two words (partitioning.balanced_bounds)
is formatted on a worker (the compiled formatter of ngramlm.formats.arpa), and the client appends the ranges,
order by order, to the file, so that it holds one range's text at a time. The file is written atomically: a run
that fails leaves no partial model.

Sections are in word-id order (n-grams sorted by their ids), as `ngramlm train`'s lmplz path writes them.

In: parts of one range of first two words with "logprob", "logbow", "show"; then the sections' text. Out: the
file.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._ext import _arpa
from ..core.io import atomic_write
from ..core.vocab import ID_DTYPE
from ..formats.arpa import ARPA_END, arpa_header, section_title
from .partitioning import Part, merged


def formatted(pieces: list[Part], vocabulary: bytes) -> list[bytes]:
    """The ARPA lines of one range of first two words, one text per order (the pieces merged and sorted first);
    `vocabulary`: the words by id, one a line, in UTF-8."""
    part = merged(pieces) if len(pieces) > 1 else pieces[0]
    spellings = vocabulary.split(b"\n")
    return [_arpa.format_ngram_lines(spellings, np.ascontiguousarray(t["grams"], dtype=ID_DTYPE),
                                     np.ascontiguousarray(t["logprob"], dtype=np.float64),
                                     np.ascontiguousarray(t["logbow"], dtype=np.float64),
                                     np.ascontiguousarray(t["show"], dtype=bool).view(np.uint8)).tobytes()
            for t in part]


def section_sizes(pieces: list[Part]) -> list[int]:
    """N-grams per order of one range."""
    return [sum(len(p[k]["grams"]) for p in pieces) for k in range(len(pieces[0]))]


def write_in_order(path: str, sizes: list[int], ranges: int, text_of: Callable[[int, int], bytes],
                   preamble: bytes = b"") -> None:
    """Write the file: header, then for each order the text of ranges 0..ranges-1 (text_of(order k, range r))."""
    with atomic_write(path, "wb") as f:
        f.write(preamble + arpa_header(sizes))
        for k in range(len(sizes)):
            f.write(section_title(k + 1))
            for r in range(ranges):
                f.write(text_of(k, r))
        f.write(ARPA_END)
