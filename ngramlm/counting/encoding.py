"""Words -> ids for counting, in bulk: token lists through dictionary lookups at C speed (Encoder), and blocks of
text through the compiled TokenTable, each distinct token decoded and looked up once (TextEncoder).

In: tokens, or blocks of whole lines of text (bytes) with their file and first line number. Out: uint32 word ids
(and, for text, the lengths of the sentences and whether the last one ends); an open vocabulary takes in the new
words in order of appearance.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import count, repeat
from typing import Iterable

import numpy as np

from .._ext import _count
from ..core.io import decode_block, lower_case
from ..core.vocab import BOS_ID, EOS_ID, ID_DTYPE, UNK_ID, Vocabulary, add_new_words
from ..corpora.reader import SPECIAL_TOKENS, TextOptions


class Encoder:
    """Words -> ids in bulk, with the dictionary lookups at C speed (map over a dict's methods).

    An open vocabulary's new words get the next ids in order of appearance (a defaultdict whose default is a
    counter); `sync` then adds them to the Vocabulary in that order, so the ids agree. A closed vocabulary maps
    unknown words to <unk>.
    """

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self._ids = defaultdict(count(len(vocab)).__next__, ((word, wid) for wid, word in enumerate(vocab.words)))

    def encode(self, tokens: Iterable[str], size: int) -> np.ndarray:
        if self.vocab.closed:
            return np.fromiter(map(self._ids.get, tokens, repeat(UNK_ID)), dtype=ID_DTYPE, count=size)
        return np.fromiter(map(self._ids.__getitem__, tokens), dtype=ID_DTYPE, count=size)

    def encode_new(self, tokens: list[str]) -> np.ndarray:
        """encode() for tokens that are likely all new and distinct (the new tokens of a TokenTable): the
        dictionary takes them in one update, about twice as fast as one lookup at a time."""
        start = len(self._ids)
        if not self.vocab.closed and add_new_words(self._ids, tokens):
            self._ids.default_factory = count(len(self._ids)).__next__  # the next new word's id
            return np.arange(start, start + len(tokens), dtype=ID_DTYPE)
        # Some were known or equal (lower-cased, or with bad bytes replaced): one at a time.
        return self.encode(tokens, len(tokens))

    def sync(self) -> None:
        """Add the words seen since the last call to the vocabulary."""
        self.vocab.extend_to(self._ids)


class TextEncoder:
    """Text -> (word ids, sentence lengths), the sentences of corpora.reader.read_sentences less their markers (the
    compiled core adds them), without a Python string per token: the compiled TokenTable splits and numbers the
    tokens at the word separators of core.io.split_words, and each distinct token is decoded, lower-cased and
    looked up in the vocabulary once."""

    def __init__(self, encoder: Encoder, options: TextOptions):
        self.encoder = encoder
        self.options = options
        self.table = _count.TokenTable()
        # token_words[t]: the word id of token number t (grown by doubling, as new tokens keep coming).
        self.token_words = np.empty(1024, dtype=ID_DTYPE)
        # With options.skip_symbols: the token numbers of <s>, </s> and <unk>, which are dropped from the text.
        self.special_tokens: list[int] = []

    def tokenize(self, block: bytes) -> tuple:
        """The compiled table's part of encoding a block, which may run on another thread (it releases the GIL),
        one block at a time and in order: the block's token numbers and line lengths, and its new tokens."""
        tokens, line_lengths = self.table.tokenize(block)
        new, joined = self.table.new_tokens_joined()
        return tokens, line_lengths, new, joined, len(self.table)

    def encode_tokenized(self, tokenized: tuple, block: bytes, path: str, lineno: int
                         ) -> tuple[np.ndarray, np.ndarray, bool]:
        """The vocabulary's part of encoding a block, given tokenize(block): its word ids and sentence lengths,
        and whether its last sentence ends (see _sentences)."""
        tokens, line_lengths, new, joined, total = tokenized
        if new:
            if total > len(self.token_words):
                self.token_words = np.resize(self.token_words, 2 * total)
            self.token_words[total - new:total] = self._words_of(joined, block, path, lineno, total - new)
        words = self.token_words[tokens]
        if self.special_tokens:
            skip = np.isin(tokens, self.special_tokens)
            if skip.any():
                line_of = np.repeat(np.arange(len(line_lengths)), line_lengths)
                line_lengths = line_lengths - np.bincount(line_of[skip], minlength=len(line_lengths))
                words = words[~skip]
        return self._sentences(words, line_lengths, block)

    def _sentences(self, words: np.ndarray, line_lengths: np.ndarray, block: bytes
                   ) -> tuple[np.ndarray, np.ndarray, bool]:
        """(word ids, sentence lengths, whether the last sentence ends) from the block's lines' words and lengths
        (zeros for blank lines): blank lines left out (SRILM), or with options.blank_lines made the empty sentence
        <s> </s> (lmplz), its markers written here since the compiled core leaves empty sentences out. With
        options.open_last_line (lmplz), a file's last line without a newline ends no sentence: False, and if
        blank it is left out."""
        ended = True
        # The compiled table counts a last line without a newline only where it has tokens, Python always.
        if self.options.open_last_line and not block.endswith(b"\n") and len(line_lengths) > block.count(b"\n"):
            if line_lengths[-1]:
                ended = False
            else:  # a blank one is no sentence at all
                line_lengths = line_lengths[:-1]
        elif not self.options.open_last_line and self.options.blank_lines and block and \
                not block.endswith(b"\n") and len(line_lengths) == block.count(b"\n"):
            line_lengths = np.append(line_lengths, 0)  # a blank last line without a newline, as any blank line
        blank = np.flatnonzero(line_lengths == 0)
        markers = [BOS_ID] * self.options.sos + [EOS_ID] * self.options.eos
        if not self.options.blank_lines or not len(blank) or not markers:
            return words, line_lengths[line_lengths > 0], ended
        starts = np.cumsum(line_lengths) - line_lengths  # where each line's words begin
        words = np.insert(words, np.repeat(starts[blank], len(markers)),
                          np.tile(np.array(markers, dtype=ID_DTYPE), len(blank)))
        line_lengths = line_lengths.copy()
        line_lengths[blank] = len(markers)
        return words, line_lengths, ended

    def _words_of(self, joined_tokens: bytes, block: bytes, path: str, lineno: int, first: int) -> np.ndarray:
        """Word ids of new tokens (numbered from `first`), each followed by a line break in `joined_tokens`. The
        tokens are decoded and lower-cased all at once: no token holds a line break, and a line break is neither a
        letter nor case-ignorable, so every token reads as it would alone."""
        try:
            joined = joined_tokens.decode("utf-8", self.options.errors)
        except UnicodeDecodeError:
            decode_block(block, self.options.errors, path, lineno)  # raises, naming the line
            raise
        if self.options.tolower:
            joined = lower_case(joined)
        texts = joined.split("\n")
        texts.pop()  # the empty string after the last line break
        if self.options.skip_symbols:
            self.special_tokens += [first + i for i, text in enumerate(texts) if text in SPECIAL_TOKENS]
        return self.encoder.encode_new(texts)
