"""Chinese word segmentation with the toolkit's own n-gram models: maximum matching, and the Viterbi search for
the segmentation of highest probability under a word n-gram model.

In: unsegmented text, one sentence a line (spaces, if any, are kept as word boundaries), and either a word list
(maximum matching) or a word n-gram back-off model (Viterbi). Out: the same lines, words separated by one space.

Text is first cut into units that no segmentation splits (ngramlm.corpora.prepare.split_units): one Chinese
character (or any other single code point, characters outside the Basic Multilingual Plane included), a run of
digits with its decimal and thousands separators (2004, 16,250, 3.5), or a run of Latin letters. A word is a
sequence of units.

Viterbi (the search is the usual dynamic programme over the lattice of dictionary words; for a unigram model it
is the maximum-probability segmentation of jieba and of Sproat et al. 1996). A segmentation w_1..w_m of a
sentence scores

    sum_i [ log10 p(w_i | w_{i-N+1}..w_{i-1}) + word_bonus - long_word_penalty * max(0, len(w_i) - 2) ]
        + log10 p(</s> | w_{m-N+2}..w_m)           (models of order 2 and more)

with p by the model's back-off recursion. The word bonus is a decoder's word insertion penalty (with the sign
of a reward): the lexicon's conventions are coarser than most treebanks', and the bonus and the long-word
penalty move the balance towards shorter words (tuned by cross-validation on segmented text). A single unit
that the model does not know gets log10 p = `oov_logprob`, so every sentence has a segmentation. The search
keeps one hypothesis per (position, model state); the state is the longest suffix of the words so far that is
a context of the model (KenLM's state minimisation), so a unigram model has one state per position and the search
is exact for any order. For bigram models (the default) the search is compiled (ngramlm._ext._segment).

A model for the search is built here from segmented text (counted and estimated with the toolkit's own
estimators) and/or a word list with frequencies (jieba's dict.txt format, `word [frequency [tag]]`): the text's
model and the list's unigram model are merged by static linear interpolation (use.mix.mix_models, SRILM's
-mix-lm), weight `lexicon_weight` on the list.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np

from .._ext._segment import bigram_search
from ..core.errors import InputError, NgramlmError
from ..core.io import WORD_SEPARATORS, iter_lines, split_words
from ..core.model import BackoffModel
from ..core.vocab import BOS, EOS, ID_DTYPE, UNK, Vocabulary
from ..corpora.prepare import UNIT, split_units
from .mix import mix_models

METHODS = ("viterbi", "fmm", "bmm")

_SPECIAL = frozenset((BOS, EOS, UNK))


# ---------------------------------------------------------------------------------------------------------------
# Word lists

def jieba_lexicon_path() -> str:
    """The path of the word list with frequencies that ships inside the installed `jieba` package (MIT)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise NgramlmError("--lexicon jieba needs the jieba package, which is not installed; "
                           "install it with: pip install 'ngramlm[zh]'  (or pip install jieba==0.42.1)")
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    if not os.path.exists(path):
        raise NgramlmError(f"the installed jieba package has no word list at {path}; reinstall jieba==0.42.1")
    return path


def read_lexicon(path: str) -> dict[str, float]:
    """A word list: one word a line, optionally followed by its frequency and anything else (jieba's dict.txt
    has a part-of-speech tag there). Words without a frequency count 1; a repeated word adds its frequencies.
    'jieba' reads the list inside the jieba package."""
    if path == "jieba":
        path = jieba_lexicon_path()
    words: dict[str, float] = {}
    for lineno, line in iter_lines(path):
        fields = split_words(line)
        if not fields:
            continue
        frequency = 1.0
        if len(fields) > 1:
            try:
                frequency = float(fields[1])
            except ValueError:
                raise InputError(path, lineno, f"the frequency {fields[1]!r} of {fields[0]!r} is not a number; a "
                                 "word list has lines 'word [frequency [tag]]'") from None
            if not frequency >= 0 or math.isinf(frequency):
                raise InputError(path, lineno, f"the frequency of {fields[0]!r} must be a finite number >= 0, "
                                 f"got {fields[1]}")
        words[fields[0]] = words.get(fields[0], 0.0) + frequency
    if not words:
        raise InputError(path, None, "the word list is empty")
    return words


def read_segmented(path: str) -> list[list[str]]:
    """Segmented text: one sentence a line, words separated by white space (empty lines are skipped)."""
    return [split_words(line) for _, line in iter_lines(path) if line.strip(WORD_SEPARATORS)]


# ---------------------------------------------------------------------------------------------------------------
# Maximum matching

def _max_unit_length(words: Iterable[str]) -> int:
    return max((sum(1 for _ in UNIT.finditer(w)) for w in words), default=1)


def forward_max_match(units: Sequence[str], words: "set[str] | dict", max_units: int) -> list[str]:
    """Forward maximum matching: from the left, take the longest word of `words` (at most `max_units` units)
    that starts here, or a single unit where none does."""
    out, i, n = [], 0, len(units)
    while i < n:
        j = min(n, i + max_units)
        while j > i + 1 and "".join(units[i:j]) not in words:
            j -= 1
        out.append("".join(units[i:j]))
        i = j
    return out


def backward_max_match(units: Sequence[str], words: "set[str] | dict", max_units: int) -> list[str]:
    """Backward maximum matching: the same from the right end leftwards."""
    out, j = [], len(units)
    while j > 0:
        i = max(0, j - max_units)
        while i < j - 1 and "".join(units[i:j]) not in words:
            i += 1
        out.append("".join(units[i:j]))
        j = i
    out.reverse()
    return out


# ---------------------------------------------------------------------------------------------------------------
# Models for the search

def lexicon_model(frequencies: dict[str, float], vocab: Vocabulary | None = None) -> BackoffModel:
    """The unigram model of a word list: p(w) = frequency(w) / total (words of frequency 0 are left out).
    Its words are added to `vocab` (a new vocabulary by default), so that a model over `vocab` and this one
    share their ids."""
    vocab = Vocabulary() if vocab is None else vocab
    words = [w for w, f in frequencies.items() if f > 0 and w not in _SPECIAL]
    if not words:
        raise NgramlmError("the word list has no word with a frequency above 0")
    new_words = [w for w in words if w not in vocab]
    vocab.extend(new_words)
    ids = np.array([vocab.id(w) for w in words], dtype=ID_DTYPE)
    counts = np.array([frequencies[w] for w in words], dtype=np.float64)
    order = np.argsort(ids, kind="stable")
    logprob = np.log10(counts / counts.sum())[order]
    return BackoffModel(vocab, [ids[order].reshape(-1, 1)], [logprob], [np.zeros(len(words))])


def text_model(sentences: Sequence[Sequence[str]], order: int = 2, method: str = "witten-bell") -> BackoffModel:
    """An interpolated back-off model of segmented sentences, counted and estimated by the toolkit."""
    from ..counting.corpus_count import count_sentences
    from ..smoothing import estimate

    marked = [[BOS, *s, EOS] for s in sentences if s]
    if not marked:
        raise NgramlmError("the segmented training text has no words")
    counts = count_sentences(marked, order, Vocabulary())
    return estimate(counts, method, interpolate=True, gtmin=1)


def train_model(sentences: Sequence[Sequence[str]] | None = None, lexicon: dict[str, float] | None = None, *,
                order: int = 2, lexicon_weight: float = 0.2, method: str = "witten-bell") -> BackoffModel:
    """The search's model: segmented text and/or a word list, merged with weight `lexicon_weight` on the list."""
    models, weights = [], []
    if sentences:
        models.append(text_model(sentences, order, method))
        weights.append(1.0 - lexicon_weight)
    if lexicon:
        vocab = models[0].vocab if models else None
        models.append(lexicon_model(lexicon, vocab))
        weights.append(lexicon_weight)
    if not models:
        raise NgramlmError("a segmentation model needs segmented text (--train), a word list (--lexicon) or a "
                           "model (--model)")
    if len(models) == 1:
        return models[0]
    return mix_models(models, weights)


# ---------------------------------------------------------------------------------------------------------------
# Viterbi search

@dataclass
class ViterbiOptions:
    """Scores added to each word's log10 probability (see the module docstring); defaults tuned by 5-fold
    cross-validation on UD Chinese-GSDSimp's dev set with jieba's word list (benchmarks/bench_segment.py)."""

    word_bonus: float = 0.25
    long_word_penalty: float = 3.2
    oov_logprob: float = -8.0
    max_word_units: int = 16


class _ModelTables:
    """The model's n-grams as dictionaries over word strings, built once: what the search looks up per word."""

    def __init__(self, model: BackoffModel):
        words = model.vocab.words
        self.order = model.order
        unigrams = [words[wid] for wid in model.ngrams[0][:, 0].tolist()]
        self.unigram: dict[str, float] = dict(zip(unigrams, model.logprob[0].tolist()))
        with_bow = np.flatnonzero(model.logbow[0])
        self.unigram_bow: dict[str, float] = {unigrams[k]: bow for k, bow in
                                              zip(with_bow.tolist(), model.logbow[0][with_bow].tolist())}
        self.logprob: dict[tuple, float] = {}
        self.logbow: dict[tuple, float] = {}
        self.contexts: set[tuple] = set()
        for k in range(1, model.order):
            for grams, lp, bow in zip(model.ngrams[k].tolist(), model.logprob[k].tolist(),
                                      model.logbow[k].tolist()):
                key = tuple(words[w] for w in grams)
                self.logprob[key] = lp
                if bow:
                    self.logbow[key] = bow
                self.contexts.add(key[:-1])
        for key in list(self.contexts):
            for start in range(1, len(key)):
                self.contexts.add(key[start:])

    def score(self, history: tuple, word: str, oov: float) -> float:
        """log10 p(word | history) by the back-off recursion (Katz 1987)."""
        penalty = 0.0
        while history:
            lp = self.logprob.get(history + (word,))
            if lp is not None:
                return lp + penalty
            penalty += (self.logbow.get(history, 0.0) if len(history) > 1
                        else self.unigram_bow.get(history[0], 0.0))
            history = history[1:]
        return self.unigram.get(word, oov) + penalty

    def state(self, history: tuple, word: str) -> tuple:
        """The longest suffix of history + word (at most order - 1 words) that is a context of the model."""
        state = (history + (word,))[-(self.order - 1):]
        while state and state not in self.contexts:
            state = state[1:]
        return state


class ViterbiSegmenter:
    """The segmentation of highest score under a word n-gram model (see the module docstring)."""

    def __init__(self, model: BackoffModel, options: ViterbiOptions = ViterbiOptions()):
        self.options = options
        self.tables = _ModelTables(model)
        self.oov = options.oov_logprob + options.word_bonus
        words = [w for w in self.tables.unigram if w not in _SPECIAL]
        lengths = np.fromiter(map(len, words), dtype=np.float64, count=len(words))
        extra = options.word_bonus - options.long_word_penalty * np.maximum(lengths - 2, 0)
        logprob = np.fromiter(map(self.tables.unigram.__getitem__, words), dtype=np.float64, count=len(words))
        self.extra = dict(zip(words, extra.tolist()))
        self.word_score = dict(zip(words, (logprob + extra).tolist()))
        self.prefixes = {w[:i] for w in words if len(w) > 1 for i in range(2, len(w))}
        self.prefixes.update(words)
        if self.tables.order == 2:
            self.successors: dict[str, dict[str, float]] = {}
            for (first, second), logprob in self.tables.logprob.items():
                self.successors.setdefault(first, {})[second] = logprob

    def segment(self, text: str) -> list[str]:
        """The words of one line of text."""
        words = []
        for run in split_units(text):
            words.extend(self.segment_units(run))
        return words

    def segment_units(self, units: Sequence[str]) -> list[str]:
        """The best segmentation of a sequence of units (one run between spaces)."""
        if self.tables.order == 1:
            return self._unigram_search(units)
        if self.tables.order == 2:
            return self._bigram_search(units)
        return self._backoff_search(units)

    def _lattice(self, units: Sequence[str]) -> list[list[tuple[int, str, float, float]]]:
        """For each unit i: (end, word, unigram score with its adjustment, the adjustment) of each dictionary word
        starting at i, the single unit i always among them (scored `oov_logprob` if the model lacks it)."""
        word_score, extras, prefixes = self.word_score, self.extra, self.prefixes
        oov, bonus, limit_units = self.oov, self.options.word_bonus, self.options.max_word_units
        n = len(units)
        lattice = []
        for i in range(n):
            frag = units[i]
            score = word_score.get(frag)
            arcs = [(i + 1, frag, oov, bonus) if score is None else (i + 1, frag, score, extras[frag])]
            j, limit = i + 1, min(n, i + limit_units)
            while j < limit:
                frag += units[j]
                j += 1
                if frag not in prefixes:
                    break
                score = word_score.get(frag)
                if score is not None:
                    arcs.append((j, frag, score, extras[frag]))
            lattice.append(arcs)
        return lattice

    def _unigram_search(self, units: Sequence[str]) -> list[str]:
        """The best path when a word's score does not depend on the word before it. It walks the dictionary
        words itself instead of building `_lattice`: the arcs' tuples cost a quarter of its speed."""
        n = len(units)
        word_score, prefixes, oov = self.word_score, self.prefixes, self.oov
        limit_units = self.options.max_word_units
        best = [0.0] + [-math.inf] * n
        back = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            frag = units[i]
            score = here + word_score.get(frag, oov)
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, i
            j, limit = i + 1, min(n, i + limit_units)
            while j < limit:
                frag += units[j]
                j += 1
                if frag not in prefixes:
                    break
                value = word_score.get(frag)
                if value is not None:
                    score = here + value
                    if score > best[j]:
                        best[j], back[j] = score, i
        words, j = [], n
        while j > 0:
            i = back[j]
            words.append("".join(units[i:j]))
            j = i
        words.reverse()
        return words

    def _bigram_search(self, units: Sequence[str]) -> list[str]:
        """_backoff_search for a bigram model, compiled (ngramlm._ext._segment), with the state one word (or
        '') and the bigrams in one dictionary of successors per word."""
        return bigram_search(list(units), self.word_score, self.extra, self.prefixes, self.successors,
                             self.tables.unigram_bow, self.oov, self.options.word_bonus,
                             self.options.max_word_units, BOS if BOS in self.successors else "", EOS,
                             self.tables.unigram.get(EOS, self.options.oov_logprob))

    @staticmethod
    def _trace_back(hypotheses: list[dict], final) -> list[str]:
        words, position, state = [], len(hypotheses) - 1, final
        while position > 0:
            _, previous, previous_state, word = hypotheses[position][state]
            words.append(word)
            position, state = previous, previous_state
        words.reverse()
        return words

    def _backoff_search(self, units: Sequence[str]) -> list[str]:
        tables, oov = self.tables, self.options.oov_logprob
        n = len(units)
        start = tables.state((), BOS)
        # hypotheses[i]: {state: (score, previous position, previous state, word)}
        hypotheses: list[dict] = [{} for _ in range(n + 1)]
        hypotheses[0][start] = (0.0, -1, None, None)
        for i, arcs in enumerate(self._lattice(units)):
            for state, (score, *_) in hypotheses[i].items():
                for j, word, _, extra in arcs:
                    total = score + tables.score(state, word, oov) + extra
                    following = tables.state(state, word)
                    known = hypotheses[j].get(following)
                    if known is None or total > known[0]:
                        hypotheses[j][following] = (total, i, state, word)
        final = max(hypotheses[n], key=lambda s: hypotheses[n][s][0] + tables.score(s, EOS, oov))
        return self._trace_back(hypotheses, final)


# ---------------------------------------------------------------------------------------------------------------
# One interface for the three methods

class Segmenter:
    """Segments lines of text by `method`: 'viterbi' (a model), 'fmm' or 'bmm' (a word list)."""

    def __init__(self, method: str, *, model: BackoffModel | None = None, words: Iterable[str] | None = None,
                 options: ViterbiOptions = ViterbiOptions()):
        if method not in METHODS:
            raise NgramlmError(f"unknown segmentation method {method!r}; choose one of {', '.join(METHODS)}")
        self.method = method
        if method == "viterbi":
            if model is None:
                raise NgramlmError("Viterbi segmentation needs a model (--model, --train or --lexicon)")
            self.viterbi = ViterbiSegmenter(model, options)
        else:
            if words is None:
                if model is None:
                    raise NgramlmError(f"{method} segmentation needs a word list (--lexicon, --train or --model)")
                words = (w for w in model.vocab.words if w not in _SPECIAL)
            self.words = {w for w in words if w not in _SPECIAL}
            self.max_units = min(_max_unit_length(w for w in self.words if len(w) <= 64), options.max_word_units)
            self.match = forward_max_match if method == "fmm" else backward_max_match

    def segment(self, text: str) -> list[str]:
        """The words of one line."""
        if self.method == "viterbi":
            return self.viterbi.segment(text)
        words = []
        for run in split_units(text):
            words.extend(self.match(run, self.words, self.max_units))
        return words

    def segment_lines(self, lines: Iterable[str]) -> Iterator[str]:
        """Each line segmented, words joined by single spaces (no line end)."""
        for line in lines:
            yield " ".join(self.segment(line))


def word_list_of(sentences: Sequence[Sequence[str]] | None, lexicon: dict[str, float] | None) -> set[str]:
    """The words of a segmented text and a word list together (the word list of maximum matching)."""
    words = set(lexicon or ())
    for sentence in sentences or ():
        words.update(sentence)
    return words


# ---------------------------------------------------------------------------------------------------------------
# Scoring

def word_spans(words: Sequence[str]) -> set[tuple[int, int]]:
    """(start, end) character offsets of each word, spaces not counted."""
    spans, position = set(), 0
    for word in words:
        spans.add((position, position + len(word)))
        position += len(word)
    return spans


def span_f(predicted: Iterable[Sequence[str]], gold: Iterable[Sequence[str]]) -> tuple[float, float, float]:
    """Precision, recall and F of word spans (the SIGHAN bakeoffs' measure), summed over sentence pairs."""
    correct = found = expected = 0
    for ours, theirs in zip(predicted, gold):
        ours_spans, gold_spans = word_spans(ours), word_spans(theirs)
        correct += len(ours_spans & gold_spans)
        found += len(ours_spans)
        expected += len(gold_spans)
    precision = correct / found if found else 0.0
    recall = correct / expected if expected else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f
