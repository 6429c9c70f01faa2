"""Counting weighted text (SRILM's ngram-count -text-has-weights): each line starts with a weight (ends with it,
-text-has-weights-last), and every n-gram of the sentence is counted that many times instead of once.

The weight is read as SRILM reads it: with whole counts (SRILM's default) as C's scanf("%lu") does, so that the
digits in front are taken ("2.5" counts 2) and a line whose weight is negative or no number is skipped; with
fractional counts (-float-counts) as a real number (negative ones too, as SRILM's), the counts then being float64.
A skipped line is reported to `warn` (its line number), where SRILM prints `illegal count weight`. Sentence
markers are added as for plain text (ngramlm.corpora.reader), so weights of 1 give the counts of the text
without its weights.

In:  a text file whose lines are `WEIGHT w1 w2 ...` (or `w1 w2 ... WEIGHT`), the order, a Vocabulary,
     TextOptions, whether counts may be fractional.
Out: NgramCounts (int64 counts, or float64 ones for fractional counts).
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np

from ..core.io import iter_lines, lower_case, split_words
from ..core.vocab import Vocabulary
from ..corpora.reader import TextOptions, add_markers
from .counts import NgramCounts, counts_from_rows, check_order
from .encoding import Encoder

# What scanf's %lu and %lf take from the front of a field.
_LEADING_DIGITS = re.compile(r"\+?(\d+)")
_LEADING_REAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse_weight(text: str, fractional: bool) -> float | int | None:
    """A line's weight as SRILM's stringToCount reads it, or None where SRILM skips the line."""
    if fractional:
        found = _LEADING_REAL.match(text)
        return float(found.group(0)) if found else None
    found = _LEADING_DIGITS.match(text)
    return int(found.group(1)) if found else None


def _windows(ids: np.ndarray, starts: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The (m, n) windows of the sentences laid end to end in `ids` that lie inside one sentence, and for each
    the index of its sentence."""
    sentence = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(len(ids)) - np.repeat(starts, lengths)
    inside = position + n <= np.repeat(lengths, lengths)
    first = np.flatnonzero(inside)
    return ids[first[:, None] + np.arange(n)], sentence[first]


def count_weighted_file(path: str, order: int, vocab: Vocabulary, options: TextOptions = TextOptions(),
                        fractional: bool = False, weight_last: bool = False,
                        warn: Callable[[int], None] | None = None, weighted: bool = True) -> NgramCounts:
    """The weighted n-gram counts of orders 1..order of a text whose lines start (`weight_last`: end) with their
    weight; with `weighted` False, each line whose weight is read counts once (SRILM's text statistics)."""
    check_order(order)
    sentences: list[list[str]] = []
    weights: list[float] = []
    for number, line in iter_lines(path, options.errors):
        if options.tolower:
            line = lower_case(line)
        fields = split_words(line)
        if len(fields) < 2:  # no words after the weight: nothing to count
            continue
        weight = parse_weight(fields[-1] if weight_last else fields[0], fractional)
        if weight is None:
            if warn is not None:
                warn(number)
            continue
        sentences.append(add_markers(fields[:-1] if weight_last else fields[1:], options.sos, options.eos))
        weights.append(weight if weighted else 1)
    encoder = Encoder(vocab)
    lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
    ids = encoder.encode((w for s in sentences for w in s), int(lengths.sum()))
    encoder.sync()
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    per_sentence = np.asarray(weights, dtype=np.float64 if fractional else np.int64)
    rows = []
    for n in range(1, order + 1):
        grams, sentence = _windows(ids, starts, lengths, n)
        rows.append((grams, per_sentence[sentence]))
    return counts_from_rows(vocab, rows, fractional=fractional)
