"""Scoring positions with any Scorer, and BackoffScorer: a BackoffModel scored through its index.

Input: a Scorer (ngramlm.core.scorer) and encoded sentences (ngramlm.use.ppl_report.encode_sentence) or
(word, history) positions. Output: log10 probabilities (-inf for zero) and the length of the n-gram matched at
each position, in one batch call where the scorer has one. BackoffScorer computes both as the model's index
(`BackoffModel.index`, ngramlm.core.index) defines them, with SRILM's or KenLM's float arithmetic, so that the
printed figures agree with theirs to the last digit; its batches go through the query index built from the model's
rows (ngramlm.use.query.Model), whose one compiled back-off loop (HashIndex.score_backoff) gives the index's numbers
bit for bit. IndexBackoffScorer scores through the same loop an ARPA file read straight into the query index, with
no BackoffModel beside it: what `ngram -ppl` and `ngramlm eval` use where no option needs the model's n-gram rows.
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .._ext import _query
from ..core.errors import ModelError
from ..core.index import KENLM, SRILM
from ..core.scorer import NO_WORD, Scorer
from ..core.vocab import EOS_ID, UNK_ID
from .text_stats import ScoredSentence, TextStats

if TYPE_CHECKING:  # a binary model's scoring never needs the model class
    from ..core.model import BackoffModel
    from .query import Model


def _history(scorer, context: Sequence[int]) -> np.ndarray:
    """The last order - 1 words of `context`, NO_WORD before it where it is shorter: a row of a batch's histories."""
    width = max(scorer.order - 1, 0)
    recent = list(context)[max(0, len(context) - width):] if width else []
    return np.array([NO_WORD] * (width - len(recent)) + recent, dtype=np.uint32)


def score_by_batch(scorer, word: int, context: Sequence[int]) -> tuple[float, int]:
    """Scorer.score for scorers that only know how to score batches (`order` and `score_batch`)."""
    logp, matched = scorer.score_batch(np.array([word], dtype=np.uint32), _history(scorer, context)[None, :])
    return float(logp[0]), int(matched[0])


def distribution_by_batch(scorer, context: Sequence[int], size: int) -> np.ndarray:
    """Scorer.distribution (log10 p of word ids 0..size-1 given `context`) for scorers that score batches."""
    history = _history(scorer, context)
    return scorer.score_batch(np.arange(size, dtype=np.uint32), np.repeat(history[None, :], size, axis=0))[0]


def _order_and_arithmetic(order: int | None, model_order: int, arithmetic: str):
    """The order a back-off scorer uses (default: the model's) and its arithmetic (SRILM's or KenLM's sums),
    checked."""
    if arithmetic not in ("srilm", "kenlm"):
        raise ValueError(f"arithmetic must be 'srilm' or 'kenlm', not {arithmetic!r}")
    order = model_order if order is None else order
    if not 1 <= order <= model_order:
        raise ModelError(f"cannot use order {order}: the model's n-grams go up to order {model_order}")
    return order, KENLM if arithmetic == "kenlm" else SRILM


class BackoffScorer(Scorer):
    """Scores a BackoffModel by the back-off recursion of its index, with the float arithmetic of SRILM or KenLM.

    Args:
        model: the model.
        order: use only its n-grams up to this order (SRILM's -order); default: all.
        arithmetic: "srilm" adds up the back-off weights first, then the probability (Ngram::wordProbBO);
            "kenlm" adds the weights one by one to the probability (GenericModel::FullScore) and gives a missing
            <unk> KenLM's log10 probability of -100.
        tables: the query index of another BackoffScorer of the same model, to share (`tables`).

    The query index is built from the model's n-grams and values when first needed (float32 copies, as both tools
    read them): change the model, and make a new scorer.
    """

    def __init__(self, model: BackoffModel, order: int | None = None, arithmetic: str = "srilm",
                 tables: Model | None = None):
        self.model = model
        self.vocab = model.vocab
        self.order, self.arithmetic = _order_and_arithmetic(order, model.order, arithmetic)
        self._tables = tables
        self._no_tables = False  # (the query index cannot hold the model: `tables`)

    @property
    def index(self):
        """The model's NgramIndex (built on first use: batches need only the compiled tables)."""
        return self.model.index

    @property
    def tables(self) -> Model | None:
        """The query index the batches are scored with (None for a model above the index's order limit, or with
        words that are not UTF-8 (read with --errors bytes), which the index cannot spell: their batches go
        through `index`, numpy's searches)."""
        if self._tables is None and not self._no_tables and self.model.order <= _query.ORDER_LIMIT:
            from ..formats.probing import build_index
            from .query import Model

            try:
                self._tables = Model(build_index(self.model, any_words=True))
            except UnicodeEncodeError:
                self._no_tables = True
        return self._tables

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score many positions: words (m,) and histories (m, order - 1), most recent word last, NO_WORD where
        the sentence has no word. Returns log10 probabilities (float32, -inf for zero) and matched lengths."""
        m, width = len(words), self.order - 1
        histories = np.asarray(histories).reshape(m, width)
        index = self.tables
        if index is None:
            return self.index.score(words, histories, self.arithmetic)
        return backoff_batch(index, words, histories, self.arithmetic, self.order)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id w (float32), as `score` gives them (for -debug 3 sums)."""
        width = min(len(context), self.order - 1)
        logp = self.index.distribution(list(context)[len(context) - width:], self.arithmetic)
        if len(logp) >= len(self.vocab):
            return logp[:len(self.vocab)]
        return np.concatenate((logp, np.full(len(self.vocab) - len(logp), -np.inf, dtype=logp.dtype)))


class IndexBackoffScorer(Scorer):
    """A back-off model read from its ARPA file into the query index (ngramlm.use.query.Model), scored as
    BackoffScorer scores the BackoffModel of the same file: the same numbers bit for bit, in SRILM's or KenLM's
    arithmetic, looked up in the one hash index that the Model's own queries use (HashIndex.score_backoff), so
    that `ngram -ppl` and `ngramlm eval` read the file once and keep no second copy of its n-grams.

    Args:
        index: a query.Model built in this process (from ARPA text or a BackoffModel: `serves`); a binary file's
            tables do not say which of their n-grams are the model's own, so it is scored by IndexScorer.
        order: use its n-grams up to this order only; default: all.
        arithmetic: "srilm" or "kenlm", as BackoffScorer's.
    """

    def __init__(self, index, order: int | None = None, arithmetic: str = "srilm"):
        if not self.serves(index):
            raise ModelError("this index was read from a binary file: its n-grams cannot be told from the blanks "
                             "the index added; score it with IndexScorer")
        self.index = index
        self.vocab = index.vocab
        self.order, self.arithmetic = _order_and_arithmetic(order, index.order, arithmetic)

    @staticmethod
    def serves(index) -> bool:
        """Whether `index` is a query.Model whose tables know their blanks (built in this process)."""
        return getattr(getattr(index, "tables", None), "blanks", None) is not None

    def with_arithmetic(self, arithmetic: str) -> IndexBackoffScorer:
        """The same index and order, in the other arithmetic."""
        return IndexBackoffScorer(self.index, self.order, arithmetic)

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As BackoffScorer.score_batch: log10 probabilities (float32, -inf for zero) and matched lengths."""
        histories = np.asarray(histories, dtype=np.uint32).reshape(len(words), -1)
        return backoff_batch(self.index, words, histories, self.arithmetic, self.order)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id w (float32), as `score` gives them (for -debug 3 sums)."""
        return distribution_by_batch(self, context, len(self.vocab))


def backoff_batch(index: Model, words: np.ndarray, histories: np.ndarray, arithmetic, order: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """log10 probabilities and matched lengths of positions, by the back-off recursion of a query index built in
    this process (its blanks known), in SRILM's or KenLM's arithmetic, with n-grams up to `order`."""
    tables = index.tables
    return index.score_backoff(words, histories, arithmetic.bows_first, arithmetic.missing_unk, tables.has_unk,
                               tables.blanks, order)


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
    computed for all the sentences at once: `stats` gives ScoredSentence.stats of each, bit for bit.
    `histories` may be given as a function that makes them, called when they are first asked for (the reports of
    -debug 0 and 1 never ask, and a scorer of whole sentences does not need them). `whole`: each sentence's log
    probability as the scorer sums it itself, used by `stats` where finite (SRILM's class n-gram reports it below
    -debug 2; set it to None to sum the words' instead)."""

    def __init__(self, words: np.ndarray, histories: np.ndarray | Callable[[], np.ndarray], logprob: np.ndarray,
                 matched: np.ndarray, counts: np.ndarray, whole: np.ndarray | None = None):
        self.words, self.logprob, self.matched = words, logprob, matched
        self.whole = whole
        self._histories = histories
        self.counts = counts
        self.ends = np.cumsum(counts)

    @property
    def histories(self) -> np.ndarray:
        if callable(self._histories):
            self._histories = self._histories()
        return self._histories

    def sentences(self) -> list[ScoredSentence]:
        ends = self.ends.tolist()
        # plain slices: np.split costs several times as much per sentence
        return [ScoredSentence(self.words[a:b], self.histories[a:b], self.logprob[a:b], self.matched[a:b])
                for a, b in zip([0] + ends[:-1], ends)]

    def stats(self) -> list[TextStats]:
        """SRILM's counts of each sentence, as ScoredSentence.stats makes them (log probabilities summed in
        float64, left to right)."""
        full, words, oovs, zeroprobs, logprob = (figure.tolist() for figure in self._figures())
        return [TextStats(sentences=1, words=w, oovs=o, zeroprobs=z, logprob=lp) if f else
                TextStats(words=w, oovs=o, zeroprobs=z, logprob=lp)
                for f, w, o, z, lp in zip(full, words, oovs, zeroprobs, logprob)]

    def add_to(self, total: TextStats) -> None:
        """Add each sentence's counts to `total`, first to last: `total.add(s) for s in self.stats()` to the bit,
        without a TextStats per sentence (where a report needs only the totals)."""
        full, words, oovs, zeroprobs, logprob = self._figures()
        total.add(TextStats(sentences=int(full.sum()), words=int(words.sum()), oovs=int(oovs.sum()),
                            zeroprobs=int(zeroprobs.sum())))
        # the log probabilities one after another, as that loop adds them (np.cumsum adds in order)
        total.logprob = float(np.cumsum(np.concatenate(([total.logprob], logprob)))[-1])

    def _figures(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Of each sentence: whether it is one (it ends in </s>, which is then no word), its words, OOVs and zero
        probabilities, and its log probability."""
        n = len(self.counts)
        zero = self.logprob == -np.inf
        at = np.flatnonzero(zero)  # few: the sentence of each is looked up
        owner = np.searchsorted(self.ends, at, side="right")
        oovs = np.bincount(owner[self.words[at] == UNK_ID], minlength=n)
        zeros = np.bincount(owner, minlength=n)
        kept = np.where(zero, -0.0, self.logprob.astype(np.float64))  # -0.0 adds nothing, whatever the sum's sign
        logprob = run_sums(kept, self.counts)
        logprob[zeros == self.counts] = 0.0  # nothing kept: 0, as ScoredSentence.stats
        if self.whole is not None:
            logprob = np.where(np.isfinite(self.whole), self.whole, logprob)
        last = self.words[np.maximum(self.ends - 1, 0)] if len(self.words) else np.zeros(n, np.uint32)
        full = (self.counts > 0) & (last == EOS_ID)  # ends in </s>: a sentence, </s> not a word
        return full, self.counts - full, oovs, zeros - oovs, logprob


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

    def histories() -> np.ndarray:
        return padded[at[:, None] + np.arange(-width, 0)]

    if hasattr(scorer, "score_whole_sentences"):  # it also sums each sentence itself (SRILM's class n-gram)
        logprob, matched, whole = scorer.score_whole_sentences(sequences, skipped)
        return ScoredText(words, histories, logprob, matched, counts, whole)
    if hasattr(scorer, "score_in_sentences"):  # probabilities that depend on the whole sentence so far
        logprob, matched = scorer.score_in_sentences(sequences, skipped)
        return ScoredText(words, histories, logprob, matched, counts)
    made = histories()
    logprob, matched = score_positions(scorer, words, made[:, width - (scorer.order - 1):])
    return ScoredText(words, made, logprob, matched, counts)


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
