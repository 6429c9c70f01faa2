"""Hot loops of counting: marking sentences, counting every order of a marked text range by range, merging sorted
runs, and tokenizing text without Python strings. The public face is ngramlm.counting."""
from typing import final

import numpy as np

def mark_text(words: np.ndarray, sentence_lengths: np.ndarray, sos: bool, eos: bool, out: np.ndarray,
              histogram: np.ndarray) -> int:
    """Write sentences as the counters read them (ids plus one, 0 after each); the number of entries written."""

def count_marked(text: np.ndarray, order: int, max_word: int, first: int, last: int, ngrams: list[np.ndarray],
                 counts: list[np.ndarray], rows: np.ndarray, threads: int = 1, on_file: bool = False) -> None:
    """Count the n-grams of orders 1..order that start with a word id in [first, last) into the arrays."""

def merge_sorted_runs(ngram_runs: list[np.ndarray], count_runs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted runs of n-grams of one order into one, summing the counts of equal n-grams."""

@final
class TokenTable:
    """Interns the tokens of UTF-8 text, split at space, tab, CR, LF and NUL (SRILM's and lmplz's word
    separators), as byte strings, without making Python objects."""

    def __init__(self) -> None: ...
    def __len__(self) -> int: ...
    def tokenize(self, block: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Token numbers (uint32) of the block's tokens and the number of tokens of each line (int64)."""
    def new_tokens(self) -> list[bytes]:
        """The tokens first seen since the last call, in the order of their numbers."""
    def new_tokens_joined(self) -> tuple[int, bytes]:
        """(count, text): the tokens first seen since the last call, each followed by a line break."""
