"""KenLM's `filter`: keep the n-grams of an ARPA model that a vocabulary, or the sentences of a text, can reach.

Modes, as KenLM's filter (lm/filter) defines them:
    copy      every n-gram (the file rewritten in KenLM's layout)
    single    the n-grams all of whose words are in the vocabulary (all the words of the input, as one sentence)
    union     the n-grams all of whose words occur together in at least one sentence (line) of the input
    multiple  one model per sentence: the n-grams all of whose words occur in that sentence (OUTPUT + line number)
With `context`, only the context (every word but the last) has to pass; unigrams then always pass. Words written
as tags (<s>, </s>, <unk>, anything in angle brackets) always pass. Nothing is renormalised: the kept lines are
copied as they are, so a filtered model scores the text it was filtered for as the full model does (for the
n-grams the text can reach), which is the point of filtering before decoding.

The output is KenLM's byte for byte: the \\data\\ block with the kept counts, padded with newlines to the length the
input's counts took, then each section with its kept lines and a blank line, then \\end\\.

In:  an ARPA file (or a model the toolkit reads, written out as ARPA first: a KenLM trie, a BackoffModel) and the
     vocabulary text.
Out: the filtered ARPA file(s); the kept counts per order.
"""
from __future__ import annotations

from typing import Iterable

from ..core.errors import InputError
from ..core.io import atomic_write
from ..formats.arpa_lines import read_arpa_lines

MODES = ("copy", "single", "union", "multiple")


def _counts_block(counts: list[int]) -> bytes:
    return b"\n\\data\\\n" + b"".join(b"ngram %d=%d\n" % (n, c) for n, c in enumerate(counts, 1)) + b"\n"


def is_tag(word: bytes) -> bool:
    """KenLM's tag test: a token in angle brackets always passes the filter."""
    return word.startswith(b"<") and word.endswith(b">")


def read_sentences(lines: Iterable[bytes]) -> dict[bytes, list[int]]:
    """Word -> the numbers of the sentences (non-empty lines) it occurs in, ascending (KenLM's ReadMultiple)."""
    postings: dict[bytes, list[int]] = {}
    sentence = 0
    for line in lines:
        words = line.split()
        if not words:
            continue
        for word in words:
            posting = postings.setdefault(word, [])
            if not posting or posting[-1] != sentence:
                posting.append(sentence)
        sentence += 1
    return postings


class _Filter:
    """Which sentences (None: every output) an n-gram reaches, for a mode and its vocabulary."""

    def __init__(self, mode: str, vocabulary_lines: Iterable[bytes], context: bool):
        if mode not in MODES:
            raise ValueError(f"unknown filter mode {mode!r}: one of {', '.join(MODES)}")
        self.mode, self.context = mode, context
        lines = list(vocabulary_lines)
        self.words = {w for line in lines for w in line.split()} if mode == "single" else set()
        self.postings = read_sentences(lines) if mode in ("union", "multiple") else {}
        self.sentences = max((p[-1] for p in self.postings.values()), default=-1) + 1

    def reach(self, words: list[bytes]):
        """True/False for copy, single and union; for multiple, the sentence numbers (or True: all)."""
        if self.context:
            words = words[:-1]
        words = [w for w in words if not is_tag(w)]
        if self.mode == "copy":
            return True
        if self.mode == "single":
            return all(w in self.words for w in words)
        sets = []
        for w in words:
            posting = self.postings.get(w)
            if posting is None:
                return False
            sets.append(posting)
        if not sets:
            return True
        common = set(sets[0]).intersection(*sets[1:]) if len(sets) > 1 else set(sets[0])
        return bool(common) if self.mode == "union" else sorted(common)


def filter_arpa(model_path: str, output_path: str, mode: str, vocabulary_lines: Iterable[bytes],
                context: bool = False) -> list[list[int]]:
    """Filter the ARPA file `model_path` into `output_path` (multiple: output_path + sentence number, one file per
    sentence). Returns the kept counts per order, per output file."""
    chooser = _Filter(mode, vocabulary_lines, context)
    outputs = chooser.sentences if mode == "multiple" else 1
    counts, sections = read_arpa_lines(model_path)
    kept: list[list[list[bytes]]] = [[[] for _ in counts] for _ in range(outputs)]
    for k, lines in enumerate(sections):
        for line_number, line in lines:
            fields = line.split(b"\t")
            if len(fields) < 2 or not fields[1]:
                raise InputError(model_path, line_number, "an n-gram line needs a tab after the probability "
                                 "(KenLM's filter reads tab-separated ARPA files)")
            words = [w for w in fields[1].split(b" ") if w]
            if len(words) != k + 1:
                raise InputError(model_path, line_number, f"{len(words)} words in a {k + 1}-gram")
            reached = chooser.reach(words)
            if reached is True:
                for out in kept:
                    out[k].append(line)
            elif reached:
                for s in reached:
                    kept[s][k].append(line)
    reserve = len(_counts_block(counts))
    result = []
    for i, out in enumerate(kept):
        out_counts = [len(lines) for lines in out]
        head = _counts_block(out_counts)
        body = [head, b"\n" * (reserve - len(head))]
        for n, lines in enumerate(out, 1):
            body.append(b"\\%d-grams:\n" % n)
            body.extend(line + b"\n" for line in lines)
            body.append(b"\n")
        body.append(b"\\end\\\n")
        path = output_path + str(i) if mode == "multiple" else output_path
        with atomic_write(path, "wb") as f:
            f.write(b"".join(body))
        result.append(out_counts)
    return result
