"""Reading text: one sentence per line, tokens separated by space, tab, CR or NUL (SRILM's and lmplz's
convention, core.io.split_words: U+00A0, U+3000, \v and \f are parts of words).

Plain, .gz, .bz2 and .xz files are read by extension, '-' is standard input. Sentence markers are added as
SRILM adds them: <s> in front unless the line already starts with it, </s> at the end unless it already ends
with it. Empty lines are skipped (with TextOptions.blank_lines, lmplz's convention, each is the empty sentence
<s> </s>; with TextOptions.open_last_line, also lmplz's, a last line without a newline gets no </s>).
Undecodable bytes stop the run with the file and line, unless the caller asks for them to be replaced
(errors="replace"). The bytes-level reading (open_text, iter_lines, read_blocks,
decode_block) is in ngramlm.core.io, below the vocabulary that reads vocabulary files with it.

In:  text files (plain, .gz, .bz2, .xz; '-' for standard input) and TextOptions.
Out: sentences as lists of token strings, markers added as the options ask (read_sentences, read_corpus), in file
     order, streamed a line at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from ..core.io import iter_lines, lower_case, split_words
from ..core.vocab import BOS, EOS, UNK

# The tokens lmplz reads as white space with --skip_symbols.
SPECIAL_TOKENS = frozenset((BOS, EOS, UNK))


@dataclass(frozen=True)
class TextOptions:
    """How lines become sentences (SRILM: -no-sos, -no-eos, -tolower; and what to do with bad bytes)."""

    sos: bool = True
    eos: bool = True
    tolower: bool = False  # lower-case the text: ASCII letters only in SRILM's commands (core.io.lower_case)
    errors: str = "strict"  # "strict" stops at invalid UTF-8; "replace" substitutes U+FFFD
    # lmplz's conventions (ngramlm train): a blank line is an empty sentence <s> </s> (SRILM skips it); a last
    # line without a newline ends no sentence: its words follow <s>, but no </s> follows them, and if it is
    # blank it is no sentence at all (SRILM ends it as any other line); and with skip_symbols the tokens <s>,
    # </s> and <unk> in the text are read as white space.
    blank_lines: bool = False
    open_last_line: bool = False
    skip_symbols: bool = False


def add_markers(tokens: list[str], sos: bool = True, eos: bool = True) -> list[str]:
    """Add <s> and </s> around a sentence unless it already has them (as SRILM does)."""
    if sos and (not tokens or tokens[0] != BOS):
        tokens = [BOS] + tokens
    if eos and (not tokens or tokens[-1] != EOS):
        tokens = tokens + [EOS]
    return tokens


def read_sentences(path: str, options: TextOptions = TextOptions()) -> Iterator[list[str]]:
    """Yield the sentences of a text file as token lists, with markers added as `options` asks."""
    for _, line in iter_lines(path, options.errors):
        ended = not options.open_last_line or line.endswith("\n")  # only the last line may lack its newline
        if options.tolower:
            line = lower_case(line)
        tokens = split_words(line)
        if options.skip_symbols:
            tokens = [t for t in tokens if t not in SPECIAL_TOKENS]
        if tokens:
            yield add_markers(tokens, options.sos, options.eos and ended)
        elif options.blank_lines and ended:
            yield [BOS, EOS]


def read_corpus(paths: Iterable[str], options: TextOptions = TextOptions()) -> Iterator[list[str]]:
    """Sentences of several files, in order."""
    for path in paths:
        yield from read_sentences(path, options)
