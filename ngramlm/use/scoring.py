"""Scoring positions with any Scorer, and BackoffScorer: a BackoffModel scored through its index.

Input: a Scorer (ngramlm.core.scorer) and encoded sentences (ngramlm.use.ppl_report.encode_sentence) or
(word, history) positions. Output: log10 probabilities (-inf for zero) and the length of the n-gram matched at
each position, in one batch call where the scorer has one. BackoffScorer computes both as the model's index
(`BackoffModel.index`, ngramlm.core.index) defines them, with SRILM's or KenLM's float arithmetic, so that the
printed figures agree with theirs to the last digit; its batches go through compiled hash tables over the model's
arrays (ngramlm._ext._backoff), which give the index's numbers bit for bit.
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .._ext import _backoff
from ..core.errors import ModelError
from ..core.index import KENLM, SRILM
from ..core.scorer import NO_WORD, Scorer
from ..core.vocab import EOS_ID, UNK_ID
from .text_stats import ScoredSentence, TextStats

if TYPE_CHECKING:  # a binary model's scoring never needs the model class
    from ..core.model import BackoffModel


def score_by_batch(scorer, word: int, context: Sequence[int]) -> tuple[float, int]:
    """Scorer.score for scorers that only know how to score batches (`order` and `score_batch`)."""
    width = scorer.order - 1
    recent = list(context)[max(0, len(context) - width):] if width else []
    history = np.array([[NO_WORD] * (width - len(recent)) + recent], dtype=np.uint32).reshape(1, width)
    logp, matched = scorer.score_batch(np.array([word], dtype=np.uint32), history)
    return float(logp[0]), int(matched[0])


class BackoffScorer(Scorer):
    """Scores a BackoffModel by the back-off recursion of its index, with the float arithmetic of SRILM or KenLM.

    Args:
        model: the model.
        order: use only its n-grams up to this order (SRILM's -order); default: all.
        arithmetic: "srilm" adds up the back-off weights first, then the probability (Ngram::wordProbBO);
            "kenlm" adds the weights one by one to the probability (GenericModel::FullScore) and gives a missing
            <unk> KenLM's log10 probability of -100.
        tables: the compiled tables of another BackoffScorer of the same model, to share (`tables`).

    The compiled tables index the model's n-grams when first needed and read its float64 values in place (arrays
    of another type are copied): change the model's n-grams, or values not held as float64, and make a new scorer.
    """

    def __init__(self, model: BackoffModel, order: int | None = None, arithmetic: str = "srilm",
                 tables: _backoff.BackoffTables | None = None):
        if arithmetic not in ("srilm", "kenlm"):
            raise ValueError(f"arithmetic must be 'srilm' or 'kenlm', not {arithmetic!r}")
        self.model = model
        self.vocab = model.vocab
        self.order = model.order if order is None else order
        if not 1 <= self.order <= model.order:
            raise ModelError(f"cannot use order {self.order}: the model's n-grams go up to order {model.order}")
        self.arithmetic = KENLM if arithmetic == "kenlm" else SRILM
        self._tables = tables

    @property
    def index(self):
        """The model's NgramIndex (built on first use: batches need only the compiled tables)."""
        return self.model.index

    @property
    def tables(self) -> _backoff.BackoffTables | None:
        """The compiled hash tables the batches are scored with (None for models beyond their order limit)."""
        if self._tables is None and self.model.order <= _backoff.MAX_ORDER:
            ngrams = self.model.ngrams
            # The index's vocabulary size: ids beyond the vocabulary's, if a model has them, count as words.
            vocab_size = max([len(self.vocab)] + [int(g.max()) + 1 for g in ngrams if len(g)])
            self._tables = _backoff.BackoffTables(ngrams, self.model.logprob, self.model.logbow, vocab_size,
                                                  self.arithmetic.log_zero_is_inf)
        return self._tables

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score many positions: words (m,) and histories (m, order - 1), most recent word last, NO_WORD where
        the sentence has no word. Returns log10 probabilities (float32, -inf for zero) and matched lengths."""
        m, width = len(words), self.order - 1
        histories = np.asarray(histories).reshape(m, width)
        tables = self.tables
        if tables is None:
            return self.index.score(words, histories, self.arithmetic)
        arithmetic = self.arithmetic
        return tables.score(words, histories, arithmetic.bows_first, arithmetic.missing_unk, UNK_ID)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id w (float32), as `score` gives them (for -debug 3 sums)."""
        width = min(len(context), self.order - 1)
        logp = self.index.distribution(list(context)[len(context) - width:], self.arithmetic)
        if len(logp) >= len(self.vocab):
            return logp[:len(self.vocab)]
        return np.concatenate((logp, np.full(len(self.vocab) - len(logp), -np.inf, dtype=logp.dtype)))


def sentence_positions(ids: list, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(words, histories) of the positions to score in an encoded sentence; histories keep `width` >= 1 words."""
    start = 1 if ids[0] is not None else 0
    sequence = ids if start else ids[1:]
    padded = np.array([NO_WORD] * width + sequence, dtype=np.uint32)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width + 1)[start:]
    return windows[:, -1], windows[:, :-1]


def score_sentences(scorer: Scorer, sentences: list[list]) -> list[ScoredSentence]:
    """Score encoded sentences (see `encode_sentence`), all positions in one batch where the scorer allows."""
    return score_text(scorer, sentences).sentences()


class ScoredText:
    """The scored positions of sentences laid end to end (what score_text returns): words, histories, logprob and
    matched as in ScoredSentence, sentence i being positions ends[i - 1]:ends[i]. Per-sentence figures are
    computed for all the sentences at once: `stats` gives ScoredSentence.stats of each, bit for bit."""

    def __init__(self, words: np.ndarray, histories: np.ndarray, logprob: np.ndarray, matched: np.ndarray,
                 counts: np.ndarray):
        self.words, self.histories, self.logprob, self.matched = words, histories, logprob, matched
        self.counts = counts
        self.ends = np.cumsum(counts)

    def sentences(self) -> list[ScoredSentence]:
        ends = self.ends.tolist()
        # plain slices: np.split costs several times as much per sentence
        return [ScoredSentence(self.words[a:b], self.histories[a:b], self.logprob[a:b], self.matched[a:b])
                for a, b in zip([0] + ends[:-1], ends)]

    def stats(self) -> list[TextStats]:
        """SRILM's counts of each sentence, as ScoredSentence.stats makes them (log probabilities summed in
        float64, left to right)."""
        n = len(self.counts)
        zero = self.logprob == -np.inf
        at = np.flatnonzero(zero)  # few: the sentence of each is looked up
        owner = np.searchsorted(self.ends, at, side="right")
        oovs = np.bincount(owner[self.words[at] == UNK_ID], minlength=n)
        zeros = np.bincount(owner, minlength=n)
        kept = np.where(zero, -0.0, self.logprob.astype(np.float64))  # -0.0 adds nothing, whatever the sum's sign
        logprob = run_sums(kept, self.counts)
        logprob[zeros == self.counts] = 0.0  # nothing kept: 0, as ScoredSentence.stats
        oovs, zeros = oovs.tolist(), zeros.tolist()
        last = self.words[np.maximum(self.ends - 1, 0)] if len(self.words) else np.zeros(n, np.uint32)
        full = (self.counts > 0) & (last == EOS_ID)  # ends in </s>: a sentence, </s> not a word
        return [TextStats(sentences=1, words=count - 1, oovs=o, zeroprobs=z - o, logprob=lp) if f else
                TextStats(words=count, oovs=o, zeroprobs=z - o, logprob=lp)
                for count, f, o, z, lp in zip(self.counts.tolist(), full.tolist(), oovs, zeros, logprob.tolist())]


# Runs longer than this are summed one by one: run_sums' loop goes over the positions within a run.
LONG_RUN = 256


def run_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The sum of each run of `values` (runs of lengths `counts` laid end to end, an empty one summing to -0.0),
    added left to right in values' dtype from -0.0, as a loop over the run would add them: the bits of
    np.cumsum(run)[-1], for every run at once (np.add.reduceat may add in another order)."""
    n = len(counts)
    starts = np.cumsum(counts) - counts
    sums = np.full(n, -0.0, dtype=values.dtype)
    long = np.flatnonzero(counts > LONG_RUN)
    for i in long.tolist():
        run = values[starts[i]:starts[i] + counts[i]]
        sums[i] = np.cumsum(np.concatenate((np.array([-0.0], values.dtype), run)))[-1]
    short = np.flatnonzero(counts <= LONG_RUN)
    short = short[np.argsort(-counts[short], kind="stable")]  # longest first: the runs still going are a prefix
    lengths, at = counts[short], starts[short]
    going = len(short)
    acc = sums[short]
    for j in range(int(lengths[0]) if len(short) else 0):
        while lengths[going - 1] <= j:
            going -= 1
        acc[:going] += values[at[:going] + j]
    sums[short] = acc
    return sums


def score_text(scorer: Scorer, sentences: list[list]) -> ScoredText:
    """Score encoded sentences (see `encode_sentence`), all positions in one batch where the scorer allows.

    The positions are those of `sentence_positions`, cut from one padded array of all the sentences at once
    (per-sentence numpy calls would cost more than the scoring)."""
    if not sentences:
        empty = np.zeros(0, np.uint32)
        return ScoredText(empty, np.zeros((0, max(scorer.order - 1, 1)), np.uint32), np.zeros(0, np.float32),
                          np.zeros(0, np.int64), np.zeros(0, np.int64))
    width = max(scorer.order - 1, 1)
    sequences = [ids if ids[0] is not None else ids[1:] for ids in sentences]
    skipped = np.array([ids[0] is not None for ids in sentences], dtype=np.int64)  # <s> is context only
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    # Each sentence is laid out after `width` NO_WORDs: its history before its first word.
    ends = np.cumsum(lengths + width)
    padded = np.full(int(ends[-1]) if len(ends) else 0, NO_WORD, dtype=np.uint32)
    inside = np.repeat(ends - lengths, lengths) + _ramps(lengths)
    padded[inside] = np.fromiter(itertools.chain.from_iterable(sequences), dtype=np.uint32, count=len(inside))
    counts = lengths - skipped
    at = np.repeat(ends - lengths + skipped, counts) + _ramps(counts)
    words = padded[at]
    histories = padded[at[:, None] + np.arange(-width, 0)]
    if hasattr(scorer, "score_in_sentences"):  # probabilities that depend on the whole sentence so far
        logprob, matched = scorer.score_in_sentences(sequences, skipped)
    else:
        logprob, matched = score_positions(scorer, words, histories[:, width - (scorer.order - 1):])
    return ScoredText(words, histories, logprob, matched, counts)


def _ramps(lengths: np.ndarray) -> np.ndarray:
    """0, 1, .., lengths[0] - 1, 0, 1, .., lengths[1] - 1, ...: the place of each item within its run."""
    total = int(lengths.sum())
    return np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def score_positions(scorer: Scorer, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The scorer's batch call, or its one-word call position by position."""
    batch = getattr(scorer, "score_batch", None)
    if batch is not None:
        return batch(words, histories)
    results = [scorer.score(int(w), [int(x) for x in h if x != NO_WORD]) for w, h in zip(words, histories)]
    logprob = np.array([r[0] for r in results], dtype=np.float64)
    return logprob, np.array([r[1] for r in results], dtype=np.int64)
