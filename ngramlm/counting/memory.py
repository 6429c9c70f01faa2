"""The resources counting may use: the memory budget (parsed from 2G, 512M, 25%), the size of the blocks of text
read within it, and the threads.

In: what the user asked for (a size string or bytes, a thread count or None). Out: bytes, tokens per block,
threads.
"""
from __future__ import annotations

import os
import re

from ..core.errors import NgramlmError

DEFAULT_MEMORY = "2G"
# The least budget counting takes: below it, the fixed buffers (blocks of text, a range's bookkeeping) would
# outweigh the budget itself.
MIN_MEMORY = 1 << 20
# Text is read (and sentences are encoded) in blocks of about this many tokens at most.
_BLOCK_TOKENS = 1 << 16


def usable_threads(threads: int | None = None) -> int:
    """The threads counting may use: `threads`, or by default every core this process may run on."""
    if threads is None:
        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            return os.cpu_count() or 1
    if threads < 1:
        raise NgramlmError(f"the number of threads must be at least 1, got {threads}")
    return threads


def parse_memory(size: str | int) -> int:
    """Bytes from a size such as 2G, 512M, 100K, 1000 (bytes) or 25% (of physical memory)."""
    if isinstance(size, int):
        return size
    text = str(size).strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgtKMGT%]?)[bB]?", text)
    if not match:
        raise NgramlmError(f"memory size {size!r} is not understood; write it like 2G, 512M, 100K or 25%")
    number, unit = float(match.group(1)), match.group(2).upper()
    if unit == "%":
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return int(physical * number / 100)
    return int(number * 1024 ** " KMGT".index(unit or " "))


def counting_budget(size: str | int) -> int:
    """The bytes of a counting budget given to a command (see parse_memory); one below MIN_MEMORY is refused,
    naming the minimum. (count_files itself takes any budget, so that tests can force its spills on small
    texts.)"""
    budget = parse_memory(size)
    if budget < MIN_MEMORY:
        raise NgramlmError(f"memory budget {size} is below the minimum of {MIN_MEMORY >> 20}M that counting needs")
    return budget


def block_tokens(budget: int) -> int:
    """Tokens per block of text read or batch of sentences encoded: a small part of the budget."""
    return max(16, min(_BLOCK_TOKENS, budget // 64))
