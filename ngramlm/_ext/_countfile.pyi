"""The count-file writer's inner loop: the n-grams of every order merged into one depth-first walk of the n-gram
trie and formatted as `w1 .. wn<TAB>count` lines. The public face is ngramlm.formats.countfile.write_counts."""
import numpy as np
from typing_extensions import disjoint_base

MAX_ORDERS: int

@disjoint_base
class CountLines:
    """The lines of a count file, a chunk at a time, each n-gram before its extensions."""

    def __init__(self, spellings: list[bytes], grams: list[np.ndarray], counts: list[np.ndarray],
                 sequences: list[np.ndarray | None], rank: np.ndarray | None = None) -> None: ...
    def chunk(self, size: int = ...) -> np.ndarray:
        """The next lines, about `size` bytes of them, as a uint8 array; empty at the end."""
