"""Hot loops of KenLM's binary formats: its hash functions, scorers over a probing file's tables and over a trie,
the writer's table builder. The public faces are ngramlm.use.kenlm_model (KenlmModel, KenlmTrieModel) and
ngramlm.formats.kenlm_binary / kenlm_trie."""
import os
import struct
from typing import Iterator, Sequence

import numpy as np
from typing_extensions import disjoint_base

from ngramlm._ext._query import FullScoreReturn, State

ENTRY_BYTES: dict[str, int]
ORDER_LIMIT: int
MAGIC_PREFIX: bytes
MAGIC: bytes
INCOMPLETE: bytes
SANITY: struct.Struct
SANITY_BYTES: bytes
FIXED: struct.Struct
MODEL_TYPE_COUNT: int

def header_size(order: int) -> int:
    """Bytes of the header of a KenLM binary file of this order."""

def parse_header(head: bytes, file_size: int) -> tuple[int, float, int, bool, int, list[int]] | str:
    """(order, multiplier, model type, has vocabulary, search version, counts), or why the header is unsound."""

@disjoint_base
class FileMap:
    """A read-only shared mapping of a whole file (a buffer, for numpy.frombuffer)."""

def open_file(path: str | bytes | os.PathLike[str], method: int) -> tuple[
        tuple[int, float, int, bool, int, list[int]] | str, int, np.ndarray | None]:
    """Open a KenLM binary file, check its header and map or read it: (fields or reason, size, memory)."""

def buckets(entries: int, multiplier: float) -> int:
    """KenLM's table size for `entries` keys."""

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

QUANT_VERSION: int
BHIKSHA_VERSION: int

def chop_bits(max_offset: int, max_next: int, pointer_bits: int) -> int:
    """KenLM's choice of how many high bits of a child pointer go to the -a array."""

def packed_size(entries: int, max_vocab: int, remaining_bits: int) -> int:
    """Bytes of a bit-packed trie order."""

def trie_regions(memory: np.ndarray, start: int, order: int, model_type: int, counts: list[int]) -> tuple | str:
    """Where the regions of a trie file lie in `memory`, sizes checked; or the reason it cannot hold them."""

def check_trie(memory: np.ndarray, regions: tuple, bigrams: int, words: bool) -> str | None:
    """A trie's load checks beyond the sizes (words present, vocabulary order, unigram child pointers, -a
    arrays): the reason, or None."""

@disjoint_base
class TrieIndex(ProbingIndex):
    """The compiled scorer over the regions of a KenLM trie file, scored where they lie."""

    def __init__(self, memory: np.ndarray, counts: list[int], regions: tuple) -> None: ...  # type: ignore[override]
