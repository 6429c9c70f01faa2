"""Hot loops of ARPA reading and writing: parsing n-gram lines into arrays, formatting them back, and the sorts
the reader needs. The public face is ngramlm.formats.arpa."""

import numpy as np
from typing_extensions import disjoint_base

@disjoint_base
class WordTable:
    """Word spelling (bytes) -> id, a hash table the parser probes without making objects."""

    def __init__(self) -> None: ...
    def __contains__(self, word: bytes, /) -> bool: ...
    def add(self, word: bytes, wid: int) -> None:
        """Map `word` to `wid` (a word already present keeps its id)."""
    def renumber(self, ids: np.ndarray) -> None:
        """Give every word the id ids[its present id] (uint32 array)."""

def parse_ngram_lines(buf: bytes, start: int, final: bool, n: int, grams: np.ndarray, logprob: np.ndarray,
                      logbow: np.ndarray, filled: int, announced: int, ids: WordTable,
                      unigrams: list[bytes] | None, before: int = 0,
                      comments: bool = False) -> tuple[int, int, int, bool, str | None]:
    """Parse n-gram lines of `buf` into the arrays: (position, lines consumed, rows filled, done, error or None)."""

def prefix_index(shorter: np.ndarray, longer: np.ndarray) -> np.ndarray:
    """For each row of `longer` (sorted (m, k+1) n-grams), the row of `shorter` equal to its first k words, or -1."""

def hashed_prefix_rows(shorter: np.ndarray, longer: np.ndarray) -> np.ndarray:
    """For each row of `longer` ((m, k+1), any order), the row of `shorter` ((s, k), any order) equal to its first
    k words, or -1."""

def format_ngram_lines(spellings: list[bytes], grams: np.ndarray, logprob: np.ndarray, logbow: np.ndarray,
                       show_bow: np.ndarray) -> np.ndarray:
    """The lines of one ARPA section as UTF-8 bytes in a uint8 array."""

def format_ppl_word_lines(spellings: list[bytes], words: np.ndarray, previous: np.ndarray, logprob: np.ndarray,
                          matched: np.ndarray, no_word: int, ln10: float) -> bytes | None:
    """SRILM's -debug 2 lines of one sentence as bytes; None if a log probability is NaN."""

def stable_order_by(keys: np.ndarray, order: np.ndarray | None, buckets: int) -> np.ndarray:
    """`order` (None: every row of `keys`) stably sorted by keys[row], keys in [0, buckets): one counting sort."""
