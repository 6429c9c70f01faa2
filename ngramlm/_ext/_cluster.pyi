"""Hot loop of word clustering: the exchange algorithm's moves over class-bigram counts. The public face is
ngramlm.models.clustering."""
import numpy as np
from typing_extensions import disjoint_base

@disjoint_base
class ExchangeState:
    """Word bigram counts (CSR, both directions), the class of each word, and the class-bigram counts."""

    classes: np.ndarray
    def __init__(self, successors_start: np.ndarray, successors: np.ndarray, successor_counts: np.ndarray,
                 predecessors_start: np.ndarray, predecessors: np.ndarray, predecessor_counts: np.ndarray,
                 word_left: np.ndarray, word_right: np.ndarray, classes: np.ndarray, movable: np.ndarray,
                 num_classes: int) -> None: ...
    def class_bigram_counts(self) -> np.ndarray:
        """A copy of the class-bigram count matrix N(c, d)."""
    def class_terms(self) -> float:
        """The class-dependent part of the log likelihood (natural log)."""
    def exchange_pass(self, visiting_order: np.ndarray, first_class: int, last_class: int) -> int:
        """Move each movable word of `visiting_order` to its best class in [first_class, last_class); the moves."""
