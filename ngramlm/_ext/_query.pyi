"""Hot loops of the query index (KenLM's probing design): hashing n-grams, building and probing the tables,
scoring words. The public face is ngramlm.use.query.Model; the tables come from ngramlm.formats.probing."""
from typing import Iterator, Sequence, TypeAlias, final

import numpy as np
from typing_extensions import disjoint_base

LN10: float
MIDDLE_DTYPE: np.dtype
LONGEST_DTYPE: np.dtype
VOCAB_DTYPE: np.dtype
STATE_DTYPE: np.dtype
ORDER_LIMIT: int
PROBING_MULTIPLIER: float

# A word wherever one is asked for: its spelling (str or UTF-8 bytes) or its id.
_Word: TypeAlias = str | bytes | int

def table_buckets(entries: int, multiplier: float = ...) -> int:
    """The number of buckets of a hash table for `entries` n-grams."""

@final
class IndexBuilder:
    """The hash tables of a query index filled order by order from the lowest up, as KenLM fills them from an
    ARPA file: extension marks (-0.0 "never extends") and blanks for missing suffixes (KenLM's FixSRI)."""

    def __init__(self, unigram_prob: np.ndarray, unigram_bow: np.ndarray, counts: Sequence[int],
                 multiplier: float = ..., check_contexts: bool = False) -> None: ...
    def add(self, n: int, grams: np.ndarray, prob: np.ndarray, bow: np.ndarray | None = None) -> str | None:
        """Add rows of order n (after every row of order n - 1): None, or what is wrong with them."""
    def finish(self) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray | None]]:
        """(middle tables, the highest order's table, per order the sorted keys of its blanks or None)."""

def build_vocab_table(words: list[str]) -> np.ndarray | None:
    """The VOCAB_DTYPE hash table of the spellings' keys to their ids; None if two spellings share a key."""

def check_index(order: int, uni_prob: np.ndarray, uni_bow: np.ndarray, present: np.ndarray,
                middle_tables: Sequence[np.ndarray], longest_table: np.ndarray | None, vocab_table: np.ndarray,
                bos: int, eos: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray], np.ndarray | None,
                                             np.ndarray]:
    """The index arrays checked (ValueError) and contiguous: (unigram prob, bow, presence, middle tables, longest
    table, vocabulary table). Every table non-empty with an empty bucket, the vocabulary's ids in range."""

@disjoint_base
class State:
    """What a model remembers of a history (KenLM's State): comparable, hashable, copyable, picklable."""

    def __init__(self) -> None: ...
    @property
    def length(self) -> int:
        """The number of context words held."""
    @property
    def words(self) -> tuple[int, ...]:
        """The context word ids, most recent first."""
    def __lt__(self, other: State, /) -> bool: ...
    def __le__(self, other: State, /) -> bool: ...
    def __gt__(self, other: State, /) -> bool: ...
    def __ge__(self, other: State, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __copy__(self) -> State: ...
    def __deepcopy__(self, memo: dict) -> State: ...

def pack_states(states: Sequence[State]) -> np.ndarray:
    """The states as one STATE_DTYPE array."""

def unpack_state(states: np.ndarray, index: int) -> State:
    """State number `index` of a STATE_DTYPE array."""

@disjoint_base
class FullScoreReturn:
    """The result of BaseFullScore (KenLM's FullScoreReturn)."""

    def __init__(self, log_prob: float, ngram_length: int, oov: bool) -> None: ...
    @property
    def log_prob(self) -> float:
        """log10 probability of the word."""
    @property
    def ngram_length(self) -> int:
        """The length of the n-gram that matched."""
    @property
    def oov(self) -> bool:
        """Whether the word is out of the model's vocabulary."""

@final
class HashIndex:
    """The compiled scorer over the tables of an index; ngramlm.use.query.Model extends it."""

    def __init__(self, order: int, uni_prob: np.ndarray, uni_bow: np.ndarray, present: np.ndarray,
                 middle_tables: Sequence[np.ndarray], longest_table: np.ndarray | None, vocab_table: np.ndarray,
                 bos: int, eos: int) -> None:
        """Point the scorer at the index arrays (ngramlm.formats.probing.IndexTables), which it keeps alive."""
    def word_index(self, word: _Word) -> int:
        """The id the model scores `word` as: 0 (<unk>) if it does not know it."""
    def encode(self, words: Sequence[_Word]) -> np.ndarray:
        """Ids of a sequence of words (0 for those the model does not know)."""
    def BeginSentenceWrite(self, state: State) -> None:
        """Set `state` to the start of a sentence (context <s>)."""
    def NullContextWrite(self, state: State) -> None:
        """Set `state` to the empty context."""
    def BaseScore(self, in_state: State, word: _Word, out_state: State) -> float:
        """log10 p(word | in_state), writing the state after `word` to `out_state`; ValueError for a state this
        model cannot have made (longer than its order allows, or word ids beyond its vocabulary)."""
    def BaseFullScore(self, in_state: State, word: _Word, out_state: State) -> FullScoreReturn:
        """Like BaseScore, returning FullScoreReturn(log_prob, ngram_length, oov)."""
    def score(self, sentence: str | bytes, bos: bool = True, eos: bool = True) -> float:
        """log10 probability of a whitespace-separated sentence."""
    def full_scores(self, sentence: str | bytes, bos: bool = True,
                    eos: bool = True) -> Iterator[tuple[float, int, bool]]:
        """Per-word (log10 prob, n-gram length, oov) of a sentence, </s> included unless eos is False."""
    def score_flat_into(self, ids: np.ndarray, offsets: np.ndarray, bos: bool, eos: bool, natural_log: bool,
                        log_prob: np.ndarray, ngram_length: np.ndarray, oov: np.ndarray) -> None:
        """Score sentences given as one id array cut by `offsets` into the given arrays, one entry per word."""
    def score_pairs_into(self, states: np.ndarray, words: np.ndarray, natural_log: bool, log_prob: np.ndarray,
                         out_states: np.ndarray | None) -> None:
        """Score each (states[i], words[i]) pair, writing the next states to `out_states` (unless None); every
        state is checked as BaseScore checks it."""
    def score_backoff(self, words: np.ndarray, histories: np.ndarray, bows_first: bool, missing_unk: float | None,
                      has_unk: bool, blanks: list[np.ndarray | None], order: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """log10 p(w | h) (float32, -inf for zero) and the matched length (int64) of each word after its history,
        as the BackoffModel of the same ARPA file gives them (SRILM's arithmetic when `bows_first`, else KenLM's);
        `blanks[n - 1]`: the sorted keys of the blank n-grams, which never match."""
