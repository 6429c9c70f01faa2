"""The hot loop of Chinese word segmentation: the Viterbi search under a word bigram back-off model. The public
face is ngramlm.use.segment."""

def bigram_search(units: list[str], word_score: dict[str, float], extras: dict[str, float], prefixes: set[str],
                  successors: dict[str, dict[str, float]], bows: dict[str, float], oov: float, bonus: float,
                  max_units: int, start_state: str, eos: str, eos_unigram: float) -> list[str]:
    """The words of the best segmentation of `units` (a list of str), the end of sentence scored."""
