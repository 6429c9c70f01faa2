"""Hot loops of KenLM's probing format: its hash functions, a scorer over the file's tables, the writer's table
builder. The public faces are ngramlm.use.kenlm_model.KenlmModel and ngramlm.formats.kenlm_binary."""
from typing import Iterator, Sequence

import numpy as np
from typing_extensions import disjoint_base

from ngramlm._ext._query import FullScoreReturn, State

ENTRY_BYTES: dict[str, int]
ORDER_LIMIT: int

def vocab_key(word: str | bytes) -> int:
    """KenLM's key of a word: MurmurHash64A of its UTF-8 spelling, seed 0."""

def bin_centres(values: np.ndarray, bins: int) -> np.ndarray:
    """KenLM's quantisation centres of sorted float32 values: the means of `bins` equal runs."""

def pack_bits(out: np.ndarray, bit_offsets: np.ndarray, values: np.ndarray, length: int) -> None:
    """OR each value's low `length` bits into `out` at its bit offset, little-endian (KenLM's bit packing)."""

def insert_vocab(table: np.ndarray, words: list[str]) -> None:
    """Insert words 1, 2, ... into the vocabulary's buckets, in order, as KenLM does."""

def insert_order(n: int, newest_first: np.ndarray, prob: np.ndarray, backoff: np.ndarray, unigrams: np.ndarray,
                 middle: list[np.ndarray], table: np.ndarray, is_middle: bool) -> tuple[int, str] | None:
    """Insert the n-grams of order n into their table as KenLM's build does; None, or (failed row, why)."""

@disjoint_base
class ProbingIndex:
    """The compiled scorer over the tables of a KenLM probing file."""

    def __init__(self, order: int, vocab: np.ndarray, unigrams: np.ndarray, middle: list[np.ndarray],
                 longest: np.ndarray, bound: int) -> None: ...
    @property
    def bound(self) -> int:
        """Number of word ids (<unk> included)."""
    def word_index(self, word: str | bytes | int) -> int:
        """KenLM's id of `word`: 0 (<unk>) if the model does not know it."""
    def encode(self, words: Sequence[str | bytes | int]) -> np.ndarray:
        """Ids of a sequence of words (0 for those the model does not know)."""
    def BeginSentenceWrite(self, state: State) -> None:
        """Set `state` to the start of a sentence (context <s>)."""
    def NullContextWrite(self, state: State) -> None:
        """Set `state` to the empty context."""
    def BaseScore(self, in_state: State, word: str | bytes | int, out_state: State) -> float:
        """log10 p(word | in_state), writing the state after `word` to `out_state`."""
    def BaseFullScore(self, in_state: State, word: str | bytes | int, out_state: State) -> FullScoreReturn:
        """Like BaseScore, returning FullScoreReturn(log_prob, ngram_length, oov)."""
    def score(self, sentence: str | bytes, bos: bool = True, eos: bool = True) -> float:
        """log10 probability of a whitespace-separated sentence."""
    def full_scores(self, sentence: str | bytes, bos: bool = True,
                    eos: bool = True) -> Iterator[tuple[float, int, bool]]:
        """Per-word (log10 prob, n-gram length, oov) of a sentence, </s> included unless eos is False."""
    def score_flat_into(self, ids: np.ndarray, offsets: np.ndarray, bos: bool, eos: bool, log_prob: np.ndarray,
                        ngram_length: np.ndarray, oov: np.ndarray) -> None:
        """Score sentences given as one id array cut by `offsets`, one entry per word (and per </s>)."""
