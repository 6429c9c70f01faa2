"""Does a text look unsegmented? A warning for the commands that count words, before they count sentences as words.

Chinese and Japanese are written without spaces between words, so such text read as a training text gives one
"word" per sentence (or per clause) and a model that predicts nothing. The check reads a sample of lines and
looks at its whitespace-separated tokens:
  - Chinese tokens (those with a Chinese character) far longer than Chinese words (1.5 to 2 characters on
    average in segmented text; a mean above 4 is sentences, not words);
  - other tokens far longer than words of alphabetic languages (mean above 15 characters);
  - one token per line on most lines, the tokens long (a sentence a line, unsplit).
In: lines of text (a sample: the first thousand or so). Out: a one-line message saying what was seen and what to
do, or None when the text looks like words.
"""
from __future__ import annotations

import re
from itertools import islice
from typing import Iterable

from ..core.errors import InputError
from ..core.io import iter_lines, split_words

# Chinese (Han) characters: the unified ideographs, their extensions A-H and the compatibility ideographs (here,
# not in .prepare, whose regular expressions take some 10 ms to compile for each command that runs this check).
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

# Mean token lengths, in characters, above which a text is not words.
CHINESE_MEAN_LIMIT = 4.0
OTHER_MEAN_LIMIT = 15.0
# Share of lines with a single token (of at least SINGLE_TOKEN_LENGTH characters) that means "one sentence a line".
SINGLE_TOKEN_SHARE = 0.8
SINGLE_TOKEN_LENGTH = 8
MIN_LINES = 5
SAMPLE_LINES = 1000

_ADVICE = ("segment it first: `ngramlm segment --lexicon jieba < raw.txt > words.txt` (words) or `ngramlm "
           "prepare --chinese chars` (characters)")


def looks_unsegmented(sample_lines: Iterable[str]) -> str | None:
    """A warning if the sample of lines looks like unsegmented text (see the module docstring), else None."""
    lines = [split_words(line) for line in islice(sample_lines, SAMPLE_LINES)]
    lines = [tokens for tokens in lines if tokens]
    if not lines:
        return None
    chinese = [t for tokens in lines for t in tokens if HAN.search(t)]
    other = [t for tokens in lines for t in tokens if not HAN.search(t)]
    tokens = len(chinese) + len(other)
    if len(chinese) >= 0.5 * tokens:
        mean = sum(map(len, chinese)) / len(chinese)
        if mean > CHINESE_MEAN_LIMIT:
            return (f"the text looks unsegmented: its Chinese tokens average {mean:.1f} characters (words average "
                    f"under 2), so each sentence would be counted as one word; {_ADVICE}")
    elif other:
        mean = sum(map(len, other)) / len(other)
        if mean > OTHER_MEAN_LIMIT:
            return (f"the text looks unsegmented: its tokens average {mean:.1f} characters, far longer than words; "
                    "separate the words with spaces (ngramlm prepare tokenises English text)")
    single = sum(1 for t in lines if len(t) == 1 and len(t[0]) >= SINGLE_TOKEN_LENGTH)
    if len(lines) >= MIN_LINES and single >= SINGLE_TOKEN_SHARE * len(lines):
        return (f"the text looks unsegmented: {single} of {len(lines)} lines are one long token each (a sentence "
                f"without spaces?); {_ADVICE}")
    return None


def file_looks_unsegmented(path: str, errors: str = "strict") -> str | None:
    """looks_unsegmented on the first lines of a text file, the message naming the file; None for standard
    input ('-', which cannot be read twice) and for files that cannot be read (the reader reports those)."""
    if path == "-":
        return None
    try:
        message = looks_unsegmented(line for _, line in iter_lines(path, errors))
    except InputError:
        return None
    return f"{path}: {message}" if message else None
