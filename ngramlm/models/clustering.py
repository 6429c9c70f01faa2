"""Word classes from text: Brown clustering by the exchange algorithm (Kneser & Ney 1993; Martin, Liermann &
Ney 1998), the job of SRILM's ngram-class.

The classes maximise the likelihood of the training text under the class-bigram model
p(w_i | w_{i-1}) = p(c(w_i) | c(w_{i-1})) p(w_i | c(w_i)) (Brown et al. 1992). The exchange algorithm starts from
an assignment (Martin et al. 1998: the most frequent words in classes of their own, every other word in the last
class; or a random one drawn with `seed`) and visits the words, most frequent first, moving each to the class
that raises the likelihood most; passes repeat until no word moves or `max_passes` is reached. Every move can
only raise the likelihood (a word stays put unless another class is strictly better), so the likelihood never
falls from one pass to the next. The sentence markers <s> and </s> are not clustered: each keeps a class of its
own. The compiled core (ngramlm._ext._cluster) computes the likelihood change of every candidate move from the
class-bigram count matrix.

In:  NgramCounts of order 2 or more (cluster_counts), or text files or marked sentences counted to bigrams first
     (cluster_files, cluster_sentences), and the number of classes.
Out: a ClusteringResult: WordClasses (CLASS-00001, ... numbered by their most frequent word, maximum-likelihood
     memberships; the markers left out) and the log-likelihood before the first pass and after each.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from .._ext import _cluster
from .classes import WordClasses
from ..corpora.reader import TextOptions
from ..counting.corpus_count import count_files, count_sentences
from ..counting.counts import NgramCounts
from ..core.errors import ModelError
from ..core.progress import Progress
from ..core.vocab import BOS_ID, EOS_ID, Vocabulary

CLASS_NAME = "CLASS-{:05d}"


@dataclass
class ClusteringResult:
    """The classes found, and the class-bigram log-likelihood (natural log) of the text after each pass
    (the first entry: before the first pass)."""

    classes: WordClasses
    log_likelihoods: list[float]
    passes: int


def _csr(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, size: int):
    order = np.lexsort((cols, rows))
    starts = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=size), out=starts[1:])
    return starts, np.ascontiguousarray(cols[order], dtype=np.int64), np.ascontiguousarray(values[order],
                                                                                          dtype=np.float64)


def initial_classes(frequencies: np.ndarray, movable: np.ndarray, num_classes: int, seed: int | None) -> np.ndarray:
    """The starting assignment: with no seed, Martin et al.'s (1998) - the num_classes - 1 most frequent words
    in classes of their own, the rest together in the last; with a seed, uniformly random classes."""
    words = np.flatnonzero(movable)
    classes = np.zeros(len(frequencies), dtype=np.int32)
    if seed is None:
        by_frequency = words[np.lexsort((words, -frequencies[words]))]
        classes[by_frequency] = np.minimum(np.arange(len(by_frequency)), num_classes - 1)
    else:
        classes[words] = np.random.default_rng(seed).integers(num_classes, size=len(words))
    return classes


def cluster_counts(counts: NgramCounts, num_classes: int, *, max_passes: int = 20, seed: int | None = None,
                   quiet: bool = True) -> ClusteringResult:
    """Word classes from bigram counts (orders 1 and 2 of `counts` are used): see the module docstring.

    Args:
        counts: n-gram counts of order >= 2 (ngramlm.counting.counts), markers included.
        num_classes: how many classes the words are put in (the sentence markers come on top).
        max_passes: the most passes over the words.
        seed: None for Martin et al.'s deterministic start; an integer for a random start drawn with it.
        quiet: no progress display.
    """
    if counts.order < 2:
        raise ModelError("clustering needs bigram counts: count the text with order 2 or more")
    if num_classes < 1:
        raise ModelError(f"the number of classes must be at least 1, not {num_classes}")
    vocab = counts.vocab
    size = len(vocab)
    unigrams = counts.ngrams[0][:, 0].astype(np.int64)
    frequencies = np.zeros(size, dtype=np.float64)
    frequencies[unigrams] = counts.counts[0]
    bigrams, bigram_counts = counts.ngrams[1].astype(np.int64), counts.counts[1].astype(np.float64)
    first, second = bigrams[:, 0], bigrams[:, 1]
    movable = frequencies > 0
    movable[[BOS_ID, EOS_ID]] = False
    # The markers sit in two fixed classes after the movable ones; words never seen are left out.
    classes = initial_classes(frequencies, movable, num_classes, seed)
    classes[BOS_ID], classes[EOS_ID] = num_classes, num_classes + 1
    word_left = np.bincount(first, weights=bigram_counts, minlength=size)
    word_right = np.bincount(second, weights=bigram_counts, minlength=size)
    state = _cluster.ExchangeState(*_csr(first, second, bigram_counts, size), *_csr(second, first, bigram_counts, size),
                                   word_left, word_right, classes, movable.astype(np.uint8), num_classes + 2)
    words = np.flatnonzero(movable)
    visiting_order = np.ascontiguousarray(words[np.lexsort((words, -frequencies[words]))], dtype=np.int64)
    constant = float(np.sum(np.where(word_right > 0, word_right * np.log(np.maximum(word_right, 1)), 0.0)))
    log_likelihoods = [state.class_terms() + constant]
    passes = 0
    with Progress("exchange", unit="words", total=max_passes * len(words), quiet=quiet) as progress:
        for passes in range(1, max_passes + 1):
            moves = state.exchange_pass(visiting_order, 0, num_classes)
            log_likelihoods.append(state.class_terms() + constant)
            progress.update(len(words))
            if moves == 0:
                break
    assigned = np.asarray(state.classes)
    word_class = {vocab.word(w): CLASS_NAME.format(int(assigned[w]) + 1) for w in visiting_order.tolist()}
    word_counts = {vocab.word(w): float(frequencies[w]) for w in visiting_order.tolist()}
    return ClusteringResult(WordClasses.from_counts(_renumbered(word_class), word_counts), log_likelihoods, passes)


def _renumbered(word_class: dict[str, str]) -> dict[str, str]:
    """Class names numbered 1, 2, ... in order of their most frequent word (classes left empty are dropped)."""
    names: dict[str, str] = {}
    for name in word_class.values():
        names.setdefault(name, CLASS_NAME.format(len(names) + 1))
    return {word: names[name] for word, name in word_class.items()}


def cluster_files(paths: Sequence[str], num_classes: int, *, options: TextOptions = TextOptions(),
                  vocab: Vocabulary | None = None, **kwargs) -> ClusteringResult:
    """Word classes of the words of text files (see cluster_counts for the other arguments)."""
    quiet = kwargs.get("quiet", True)
    return cluster_counts(count_files(paths, 2, vocab, options, quiet=quiet), num_classes, **kwargs)


def cluster_sentences(sentences: Iterable[list[str]], num_classes: int, **kwargs) -> ClusteringResult:
    """Word classes of the words of sentences that carry their <s> / </s> markers."""
    return cluster_counts(count_sentences(sentences, 2, Vocabulary()), num_classes, **kwargs)
