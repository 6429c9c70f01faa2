"""Back-off scoring in compiled code, with the float arithmetic of SRILM or KenLM: NgramIndex.score's numbers
through one hash table per order. The public face is ngramlm.use.scoring.BackoffScorer."""
import numpy as np
from typing_extensions import disjoint_base

MAX_ORDER: int
LOG10_ZERO: float

@disjoint_base
class BackoffTables:
    """Hash tables over a back-off model's n-gram arrays (the values read in place, as float32 when used)."""

    @property
    def order(self) -> int: ...
    @property
    def vocab_size(self) -> int: ...
    def __init__(self, ngrams: list[np.ndarray], logprob: list[np.ndarray], logbow: list[np.ndarray],
                 vocab_size: int, log_zero_is_inf: bool = True) -> None: ...
    def score(self, words: np.ndarray, histories: np.ndarray, bows_first: bool, missing_unk: float | None = None,
              unk_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """log10 p(w | h) (float32) and the length of the matched n-gram (int64) of each position."""
