"""The vocabulary: words <-> integer ids, with the special tokens at fixed ids.

Ids 0, 1 and 2 are always the unknown word, the sentence start and the sentence end (KenLM's convention puts
<unk> at 0, and decoders rely on it). Every other word gets the next free id in the order it is added.

SRILM's vocabulary options map onto this class as follows:
  -vocab FILE      Vocabulary.read(FILE, closed=True): words outside it become <unk>
  -map-unk WORD    Vocabulary(unk_word=WORD): the unknown word is spelled WORD
  -tolower         lower-casing (core.io.lower_case: ASCII only, as SRILM) is done by the corpus reader, before
                   words reach the vocabulary
  -write-vocab F   Vocabulary.write(F)
An open vocabulary (the default when no -vocab is given) adds every new word it sees.

In:  words in the order they are added, or a vocabulary file, one word a line (Vocabulary.read).
Out: a Vocabulary: ids of words (id, add; encode -> ID_DTYPE array) and words of ids (word, decode); the ids are
     0..len-1 in order of addition, and never change once given.
"""
from __future__ import annotations

from itertools import islice, repeat
from typing import Iterable, Iterator

import numpy as np


UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
UNK, BOS, EOS = "<unk>", "<s>", "</s>"
PAUSE = "-pau-"  # SRILM's pause word: left out of a sentence before it is scored (LM::prepareSentence)
# Dtype of word-id arrays everywhere in the toolkit.
ID_DTYPE = np.uint32


def add_new_words(ids: dict[str, int], words: list[str]) -> bool:
    """Give `words` the next ids of `ids` (len(ids), len(ids) + 1, ...) if every one is new and they are distinct,
    at C speed: one pass of the dictionary's own code, whose length then tells. Otherwise leave `ids` as it was
    and return False."""
    start = len(ids)
    if not ids.keys().isdisjoint(words):
        return False
    ids.update(zip(words, range(start, start + len(words))))
    if len(ids) == start + len(words):
        return True
    for word in words:  # some were equal: none of them was there before
        ids.pop(word, None)
    return False


class Vocabulary:
    """A bidirectional word <-> id map.

    Args:
        words: words to add after the three special tokens (duplicates are ignored).
        unk_word: the spelling of the unknown word (SRILM's -map-unk).
        closed: if True, `add` refuses new words and `encode` maps them to the unknown word.
    """

    def __init__(self, words: Iterable[str] = (), *, unk_word: str = UNK, closed: bool = False):
        self.unk_word = unk_word
        self._words: list[str] = [unk_word, BOS, EOS]
        self._ids: dict[str, int] = {unk_word: UNK_ID, BOS: BOS_ID, EOS: EOS_ID}
        words = words if isinstance(words, list) else list(words)
        if add_new_words(self._ids, words):  # all new and distinct: added at C speed
            self._words.extend(words)
        else:
            for word in words:
                self.add(word)
        self.closed = closed

    def add(self, word: str) -> int:
        """Return the id of `word`, adding it first if the vocabulary is open and it is new."""
        wid = self._ids.get(word)
        if wid is not None:
            return wid
        if getattr(self, "closed", False):
            return UNK_ID
        wid = len(self._words)
        self._words.append(word)
        self._ids[word] = wid
        return wid

    def extend(self, words: list[str]) -> None:
        """Add words (all new and distinct) in order, at C speed: the counting code's bulk path, which has already
        given them the next ids. Adding a known word or a word twice is refused and changes nothing."""
        if self.closed and words:
            raise ValueError("cannot add words to a closed vocabulary")
        if not add_new_words(self._ids, words):
            raise ValueError("Vocabulary.extend takes new, distinct words only")
        self._words.extend(words)

    def extend_to(self, ids: dict[str, int]) -> None:
        """Take on the words `ids` holds beyond this vocabulary's: `ids` maps every word of this vocabulary to its
        id and the new words to the next ids, in insertion order (as the counting encoder builds it). The
        dictionary is copied whole, several times faster than extend() adds the words one by one."""
        known = len(self._words)
        new_words = list(islice(ids, known, None))
        # Checked at the ends only (the whole check would cost what the copy saves).
        if (len(ids) < known or ids.get(self._words[-1]) != known - 1
                or (new_words and (ids[new_words[0]] != known or ids[new_words[-1]] != len(ids) - 1))):
            raise ValueError("Vocabulary.extend_to takes this vocabulary's words followed by new words in id order")
        if self.closed and new_words:
            raise ValueError("cannot add words to a closed vocabulary")
        self._ids = dict(ids)
        self._words.extend(new_words)

    def id(self, word: str) -> int:
        """The id of `word`, or UNK_ID if it is not in the vocabulary."""
        return self._ids.get(word, UNK_ID)

    def ids(self, words: Iterable[str]) -> list[int]:
        """The ids of `words` (UNK_ID for unknown ones), looked up at C speed: every text scored goes through
        here (a call of `id` per word costs several times the lookup)."""
        return list(map(self._ids.get, words, repeat(UNK_ID)))

    def word(self, wid: int) -> str:
        return self._words[wid]

    def __contains__(self, word: str) -> bool:
        return word in self._ids

    def __len__(self) -> int:
        return len(self._words)

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocabulary) and self._words == other._words

    def __repr__(self) -> str:
        kind = "closed" if self.closed else "open"
        return f"Vocabulary({len(self)} words, {kind}, unk={self.unk_word!r})"

    @property
    def words(self) -> list[str]:
        """All words, indexed by id (a copy)."""
        return list(self._words)

    def encode(self, tokens: Iterable[str], *, grow: bool | None = None) -> np.ndarray:
        """Map tokens to an id array; new words are added when the vocabulary is open (or `grow` is True)."""
        grow = (not self.closed) if grow is None else grow
        if not grow:
            return np.array(self.ids(tokens), dtype=ID_DTYPE)
        return np.fromiter(map(self.add, tokens), dtype=ID_DTYPE)

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self._words[i] for i in ids]

    @classmethod
    def read(cls, path: str, *, unk_word: str = UNK, closed: bool = True, errors: str = "strict") -> "Vocabulary":
        """Read a vocabulary file: one word per line (SRILM's -vocab format; extra columns are ignored)."""
        from .io import iter_lines, split_words

        vocab = cls(unk_word=unk_word)
        for _, line in iter_lines(path, errors):
            fields = split_words(line)
            if fields:
                vocab.add(fields[0])
        vocab.closed = closed
        return vocab

    def write(self, path: str, srilm_pause: bool = False) -> None:
        """Write one word per line, sorted as SRILM's -write-vocab does; with `srilm_pause`, also SRILM's pause
        word -pau- (every SRILM vocabulary holds it, as a non-event: SRILM's commands write it)."""
        from .io import atomic_write

        with atomic_write(path) as f:
            for word in sorted({*self._words, PAUSE} if srilm_pause else set(self._words)):
                f.write(word + "\n")
