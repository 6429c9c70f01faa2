"""The lines of an ARPA file as they stand, section by section: for the tools that keep its order or its text
(KenLM's filter copies the lines it keeps; KenLM's build_binary fills its hash tables in file order).

read_arpa (formats/arpa.py) is the reader of models; this one only finds the sections and checks them against the
header, leaving each n-gram line as bytes.

In:  an ARPA file (plain or compressed).
Out: the header's counts and, per order, the (line number, line) of each n-gram.
"""
from __future__ import annotations

import re

from ..core.errors import InputError
from ..core.io import READ_ERRORS, open_input

_COUNT = re.compile(rb"^ngram\s+(\d+)\s*=\s*(\d+)\s*$")
_SECTION = re.compile(rb"^\\(\d+)-grams:\s*$")


def read_arpa_lines(path: str) -> tuple[list[int], list[list[tuple[int, bytes]]]]:
    """The header's counts and, per order, the (line number, line) of each n-gram, checked against the header."""
    stream = open_input(path)
    counts: list[int] = []
    sections: list[list[tuple[int, bytes]]] = []
    state, number = "before", 0
    try:
        with stream:
            for number, raw in enumerate(stream, 1):
                line = raw.rstrip(b"\r\n")
                if state == "before":
                    if line.strip() == b"\\data\\":
                        state = "counts"
                    continue
                if state == "counts":
                    match = _COUNT.match(line)
                    if match:
                        if int(match.group(1)) != len(counts) + 1:
                            raise InputError(path, number, "the \\data\\ counts are not numbered 1, 2, ...")
                        counts.append(int(match.group(2)))
                        continue
                    if not line.strip():
                        continue
                    state = "sections"
                if state == "sections":
                    if not line.strip():
                        continue
                    section = _SECTION.match(line)
                    if section:
                        if int(section.group(1)) != len(sections) + 1 or len(sections) >= len(counts):
                            raise InputError(path, number, f"unexpected section {line.decode('utf-8', 'replace')}")
                        sections.append([])
                        continue
                    if line.strip() == b"\\end\\":
                        state = "end"
                        break
                    if not sections:
                        raise InputError(path, number, "an n-gram line before the first section")
                    sections[-1].append((number, line))
    except READ_ERRORS as exc:  # a truncated or corrupt compressed file
        raise InputError(path, number + 1, f"cannot read: {exc}; is it truncated or corrupt?") from None
    if state != "end":
        raise InputError(path, None, "no \\data\\ header" if state == "before" else "no \\end\\ line: truncated?")
    if len(sections) != len(counts) or any(len(s) != c for s, c in zip(sections, counts)):
        held = [len(s) for s in sections]
        raise InputError(path, None, f"the sections hold {held} n-grams, the header says {counts}")
    return counts, sections
