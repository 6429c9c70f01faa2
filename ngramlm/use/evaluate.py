"""Perplexity the SRILM way (`ngram -ppl`, `ngram -counts`), and KenLM's figures beside it.

Counting rules (SRILM's LM::sentenceProb and TextStats, which every published SRILM perplexity follows):
  * each sentence is scored word by word, then `</s>`; `<s>` is context only. Blank lines are skipped.
  * a word the vocabulary does not know is looked up as `<unk>`. If the model gives it probability zero (a
    closed-vocabulary model, without `<unk>`), it is an OOV: left out of the log probability and counted. A
    known word with probability zero is a "zeroprob", left out and counted likewise.
  * logprob is the sum of the remaining log10 probabilities;
        ppl  = 10^(-logprob / (words - OOVs - zeroprobs + sentences))      (</s> counted)
        ppl1 = 10^(-logprob / (words - OOVs - zeroprobs))                  (</s> not counted)
    and a denominator of zero prints `undefined`.
KenLM's `query` counts instead every token and `</s>` ("Tokens"), scores OOVs with p(<unk>) and reports the
perplexity including and excluding them.

Both tools keep probabilities as 32-bit floats and add back-off weights in float arithmetic, in different
orders; `BackoffScorer` does the same, so that the printed figures agree with theirs to the last digit.

Scores come from a `Scorer`: anything with `vocab`, `order` and `score(word_id, context_ids) -> (log10 p,
length of the matched n-gram)`, and optionally a batch call `score_batch`. `BackoffScorer` scores a BackoffModel
with numpy (binary search over the sorted n-grams, many positions at once); the compiled query index can stand
in for it.
"""
from __future__ import annotations

import decimal
import math
import sys
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Protocol, Sequence, TextIO

import numpy as np

from ..core.model import LOG10_ZERO, BackoffModel
from ..core.errors import InputError, ModelError
from ..corpora.reader import iter_lines
from ..core.vocab import BOS_ID, EOS_ID, UNK_ID, Vocabulary

LN10 = 2.302585092994046  # M_LN10 as a double
# KenLM's Config::unknown_missing_logprob: what KenLM gives <unk> in a model that lacks it.
KENLM_MISSING_UNK_LOGPROB = -100.0
# SRILM prints log probabilities with LogP_Precision = 7 significant digits and counts with 16.
_LOGP = "%.7g"
_COUNT = "%.16g"
# -debug 3 warns when a context's probabilities sum to more than this away from 1 (SRILM's threshold).
PROB_SUM_TOLERANCE = 1e-4


class Scorer(Protocol):
    """What the evaluator needs from a model. A scorer may also offer `score_batch(words, histories)` (the
    arguments and results of `BackoffScorer.score_batch`); the evaluator then calls it instead of `score`."""

    vocab: Vocabulary
    order: int

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        """log10 p(word | context) (context oldest word first; -inf for probability zero) and the length of the
        n-gram that matched (0 when the word is not even a unigram)."""


# Fills history columns before the start of a sentence; no word has this id.
NO_WORD = np.iinfo(np.uint32).max


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """Rows of word ids as byte strings that sort like the rows (big-endian), for np.searchsorted."""
    contiguous = np.ascontiguousarray(rows, dtype=">u4")
    return contiguous.view(f"S{4 * rows.shape[1]}").ravel()


def score_by_batch(scorer, word: int, context: Sequence[int]) -> tuple[float, int]:
    """Scorer.score for scorers that only know how to score batches (`order` and `score_batch`)."""
    width = scorer.order - 1
    recent = list(context)[max(0, len(context) - width):] if width else []
    history = np.array([[NO_WORD] * (width - len(recent)) + recent], dtype=np.uint32).reshape(1, width)
    logp, matched = scorer.score_batch(np.array([word], dtype=np.uint32), history)
    return float(logp[0]), int(matched[0])


class BackoffScorer:
    """Scores a BackoffModel by the back-off recursion, with the float arithmetic of SRILM or of KenLM.

    The n-grams of each order are looked up, many positions at once, by binary search over their sorted rows.

    Args:
        model: the model.
        order: use only its n-grams up to this order (SRILM's -order); default: all.
        arithmetic: "srilm" adds up the back-off weights first, then the probability (Ngram::wordProbBO);
            "kenlm" adds the weights one by one to the probability (GenericModel::FullScore) and gives a missing
            <unk> KenLM's log10 probability of -100.
    """

    def __init__(self, model: BackoffModel, order: int | None = None, arithmetic: str = "srilm"):
        if arithmetic not in ("srilm", "kenlm"):
            raise ValueError(f"arithmetic must be 'srilm' or 'kenlm', not {arithmetic!r}")
        self.model = model
        self.vocab = model.vocab
        self.order = model.order if order is None else order
        if not 1 <= self.order <= model.order:
            raise ModelError(f"cannot use order {self.order}: the model's n-grams go up to order {model.order}")
        self.kenlm = arithmetic == "kenlm"
        self._keys = [_row_keys(model.ngrams[k]) for k in range(self.order)]
        # 32-bit values, with -99 read as log10(0) as SRILM reads it.
        self._probs = [_as_logp32(model.logprob[k]) for k in range(self.order)]
        self._bows = [_as_logp32(model.logbow[k]) for k in range(self.order)]

    def _lookup(self, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row index, found) of each row of `rows` among the (k+1)-grams."""
        keys = self._keys[k]
        if len(keys) == 0:
            return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
        query = _row_keys(rows)
        index = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        return index, keys[index] == query

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        history = np.full((1, max(self.order - 1, 0)), NO_WORD, dtype=np.uint32)
        recent = list(context)[max(0, len(context) - (self.order - 1)):] if self.order > 1 else []
        if recent:
            history[0, history.shape[1] - len(recent):] = recent
        logp, matched = self.score_batch(np.array([word], dtype=np.uint32), history)
        return float(logp[0]), int(matched[0])

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score many positions: words (m,) and histories (m, order - 1), most recent word last, NO_WORD where
        the sentence has no word. Returns log10 probabilities (float32, -inf for zero) and matched lengths."""
        m, width = len(words), self.order - 1
        words = np.asarray(words, dtype=np.uint32).reshape(m, 1)
        histories = np.asarray(histories, dtype=np.uint32).reshape(m, width)
        index, found = self._lookup(0, words)
        logp = np.where(found, self._probs[0][index], np.float32(-np.inf)).astype(np.float32)
        matched = found.astype(np.int64)
        # As SRILM's wordProbBO: descend into ever longer contexts while they exist, keeping the longest n-gram
        # found and the back-off weight of every context passed.
        depth = np.zeros(m, dtype=np.int64)
        context_bows = np.zeros((m, width), dtype=np.float32)
        alive = np.ones(m, dtype=bool)
        for length in range(1, width + 1):
            context = histories[:, width - length:]
            index, found = self._lookup(length - 1, context)
            alive &= found
            if not alive.any():
                break
            context_bows[alive, length - 1] = self._bows[length - 1][index[alive]]
            depth[alive] = length
            index, found = self._lookup(length, np.concatenate([context, words], axis=1))
            found &= alive
            logp[found] = self._probs[length][index[found]]
            matched[found] = length + 1
        if self.kenlm:
            missing_unk = (matched == 0) & (words[:, 0] == UNK_ID)
            logp[missing_unk] = KENLM_MISSING_UNK_LOGPROB
            matched[missing_unk] = 1
        # Katz back-off (Katz 1987, eq. 10, in log form): log p(w | h) = log bow(h) + log p(w | h') for every
        # context h longer than the longest one followed by w in the model.
        total = logp if self.kenlm else np.zeros(m, dtype=np.float32)
        for length in range(1, width + 1):
            apply = (length >= np.maximum(matched, 1)) & (length <= depth)
            total[apply] += context_bows[apply, length - 1]
        return (total if self.kenlm else logp + total), matched

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id w (float32), as `score` gives them (for -debug 3 sums)."""
        size = len(self.vocab)
        logp = np.full(size, -np.inf, dtype=np.float32)
        bow = np.zeros(size, dtype=np.float32)
        width = min(len(context), self.order - 1)
        history = np.array(list(context)[len(context) - width:], dtype=np.uint32).reshape(1, width)
        for length in range(width + 1):
            if length:
                index, found = self._lookup(length - 1, history[:, width - length:])
                if not found[0]:
                    break
                bow += self._bows[length - 1][index[0]]
            words, probs = self._continuations(history[0, width - length:])
            logp[words] = probs
            bow[words] = 0
        return logp + bow

    def _continuations(self, prefix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Last words and log probabilities of the n-grams that extend `prefix`."""
        k = len(prefix)
        grams = self.model.ngrams[k]
        lo, hi = 0, len(grams)
        for j, wid in enumerate(prefix.tolist()):  # rows are sorted, so each column is sorted within the range
            column = grams[lo:hi, j]
            lo, hi = lo + int(np.searchsorted(column, wid, "left")), lo + int(np.searchsorted(column, wid, "right"))
        return grams[lo:hi, k].astype(np.int64), self._probs[k][lo:hi]


def _as_logp32(values: np.ndarray) -> np.ndarray:
    """log10 values as 32-bit floats, with ARPA's -99 as log10(0)."""
    values = values.astype(np.float32)
    values[values == LOG10_ZERO] = -np.inf
    return values


@dataclass
class TextStats:
    """SRILM's TextStats: what `ngram -ppl` reports for a sentence, a document or a file."""

    sentences: float = 0
    words: float = 0
    oovs: float = 0
    zeroprobs: float = 0
    logprob: float = 0.0

    def add(self, other: "TextStats", weight: float = 1.0) -> None:
        self.sentences += other.sentences * weight
        self.words += other.words * weight
        self.oovs += other.oovs * weight
        self.zeroprobs += other.zeroprobs * weight
        self.logprob += other.logprob * weight

    @property
    def scored(self) -> float:
        """Tokens in the ppl denominator: words and sentence ends, less OOVs and zero probabilities."""
        return self.words - self.oovs - self.zeroprobs + self.sentences

    @property
    def ppl(self) -> float | None:
        """Perplexity counting </s>; None where undefined."""
        return _perplexity(self.logprob, self.scored)

    @property
    def ppl1(self) -> float | None:
        """Perplexity not counting </s>; None where undefined."""
        return _perplexity(self.logprob, self.scored - self.sentences)

    def format(self) -> str:
        """The two lines `ngram -ppl` prints (one when there is nothing to report), byte for byte."""
        text = f"{_COUNT % self.sentences} sentences, {_COUNT % self.words} words, {_COUNT % self.oovs} OOVs\n"
        if self.words + self.sentences > 0:
            ppl, ppl1 = self.ppl, self.ppl1
            text += (f"{_COUNT % self.zeroprobs} zeroprobs, logprob= {_LOGP % self.logprob}"
                     f" ppl= {'undefined' if ppl is None else _LOGP % ppl}"
                     f" ppl1= {'undefined' if ppl1 is None else _LOGP % ppl1}\n")
        return text


def _perplexity(logprob: float, denominator: float) -> float | None:
    """10^(-logprob / denominator), computed as SRILM's LogPtoPPL does."""
    if denominator <= 0:
        return None
    exponent = -(logprob / denominator) * LN10
    return math.inf if exponent > 709.78 else math.exp(exponent)


def _prob(logp: float) -> float:
    """SRILM's LogPtoProb."""
    return 0.0 if logp == -math.inf else math.exp(logp * LN10)


@dataclass(frozen=True)
class PplOptions:
    """SRILM's options for -ppl and -counts.

    sos / eos: add <s> and </s> (-no-sos, -no-eos turn them off); tolower: lower-case the text (-tolower);
    escape: lines starting with it are copied to the output (-escape); debug: SRILM's -debug level 0..3;
    unk_is_word: <unk> is a word of the model (-unk), which matters for the -debug 3 sums, where <unk> of a
    closed vocabulary is not an event; errors: "strict" stops at invalid UTF-8, "replace" substitutes it.
    """

    sos: bool = True
    eos: bool = True
    tolower: bool = False
    escape: str | None = None
    debug: int = 0
    unk_is_word: bool = False
    errors: str = "strict"


def encode_sentence(vocab: Vocabulary, tokens: Sequence[str], options: PplOptions) -> list:
    """Word ids of a sentence as SRILM's LM::prepareSentence arranges them: <s> first and </s> last unless the
    sentence has them or the options leave them out; a start without <s> (-no-sos) is None, a context of
    nothing. Words outside the vocabulary become <unk>."""
    ids: list = [vocab.id(t) for t in tokens]
    starts, ends = bool(ids) and ids[0] == BOS_ID, bool(ids) and ids[-1] == EOS_ID
    if options.eos and not ends:
        ids.append(EOS_ID)
    if not starts:
        ids.insert(0, BOS_ID if options.sos else None)
    return ids


@dataclass
class ScoredSentence:
    """The scored positions of a sentence: every word after the start, each with its history."""

    words: np.ndarray       # (k,) word ids
    histories: np.ndarray   # (k, max(order - 1, 1)) preceding word ids, most recent last, NO_WORD before the start
    logprob: np.ndarray     # (k,) float32 log10 probabilities, -inf for zero
    matched: np.ndarray     # (k,) length of the n-gram that matched, 0 for none

    def stats(self) -> TextStats:
        """SRILM's counts for the sentence (LM::sentenceProb): OOVs and zero probabilities left out."""
        zero = self.logprob == -np.inf
        oovs = int(np.count_nonzero(zero & (self.words == UNK_ID)))
        kept = self.logprob[~zero].astype(np.float64)
        stats = TextStats(oovs=oovs, zeroprobs=int(np.count_nonzero(zero)) - oovs,
                          logprob=float(np.cumsum(kept)[-1]) if len(kept) else 0.0)
        # SRILM counts the words between <s> and </s>; with -no-eos the last word counts as a word.
        if len(self.words) and self.words[-1] == EOS_ID:
            stats.sentences, stats.words = 1, len(self.words) - 1
        else:
            stats.words = len(self.words)
        return stats


def _positions(ids: list, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(words, histories) of the positions to score in an encoded sentence; histories keep `width` >= 1 words."""
    start = 1 if ids[0] is not None else 0
    sequence = ids if start else ids[1:]
    padded = np.array([NO_WORD] * width + sequence, dtype=np.uint32)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width + 1)[start:]
    return windows[:, -1], windows[:, :-1]


def score_sentences(scorer: Scorer, sentences: list[list]) -> list[ScoredSentence]:
    """Score encoded sentences (see `encode_sentence`), all positions in one batch where the scorer allows."""
    width = max(scorer.order - 1, 1)
    parts = [_positions(ids, width) for ids in sentences]
    if not parts:
        return []
    words = np.concatenate([w for w, _ in parts])
    histories = np.concatenate([h for _, h in parts])
    logprob, matched = _score_positions(scorer, words, histories[:, width - (scorer.order - 1):])
    bounds = np.cumsum([len(w) for w, _ in parts])[:-1]
    return [ScoredSentence(w, h, lp, mt) for (w, h), lp, mt in
            zip(parts, np.split(logprob, bounds), np.split(matched, bounds))]


def _score_positions(scorer: Scorer, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The scorer's batch call, or its one-word call position by position."""
    batch = getattr(scorer, "score_batch", None)
    if batch is not None:
        return batch(words, histories)
    results = [scorer.score(int(w), [int(x) for x in h if x != NO_WORD]) for w, h in zip(words, histories)]
    logprob = np.array([r[0] for r in results], dtype=np.float64)
    return logprob, np.array([r[1] for r in results], dtype=np.int64)


def _text_items(path: str, vocab: Vocabulary, options: PplOptions) -> Iterator[tuple[str, list | None]]:
    """(line, encoded sentence) per non-blank line of a text, or (line, None) for an escaped line."""
    for _, line in iter_lines(path, options.errors):
        tokens = line.split()
        if not tokens:
            continue  # SRILM's File::getline skips blank lines
        if options.escape is not None and line.startswith(options.escape):
            yield line if line.endswith("\n") else line + "\n", None
            continue
        if options.tolower:
            tokens = [t.lower() for t in tokens]
        yield " ".join(line.split()), encode_sentence(vocab, tokens, options)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _PplReport:
    """SRILM's -ppl report (LM::pplFile), written as the sentences are scored."""

    def __init__(self, scorer: Scorer, options: PplOptions, out: TextIO, err: TextIO):
        self.scorer, self.options, self.out, self.err = scorer, options, out, err
        self.words = scorer.vocab.words
        self.total, self.document = TextStats(), TextStats()
        self.sentences_seen = 0
        self.document_printed = False
        self.events = None
        if options.debug >= 3:
            # SRILM's wordProbSum leaves out non-events: <s>, and <unk> unless it is a word (-unk).
            self.events = np.ones(len(self.words), dtype=bool)
            self.events[BOS_ID] = False
            if not options.unk_is_word:
                self.events[UNK_ID] = False

    def escaped(self, line: str) -> None:
        if self.sentences_seen and self.options.debug == 0:
            self.out.write(self.document.format() + "\n")
            self.document = TextStats()
            self.document_printed = True
        self.out.write(line)

    def sentence(self, text: str, scored: ScoredSentence) -> None:
        self.sentences_seen += 1
        debug = self.options.debug
        if debug >= 1:
            self.out.write(text + "\n")
        if debug >= 2:
            for j in range(len(scored.words)):
                previous = int(scored.histories[j, -1])
                shown = "" if previous == NO_WORD else self.words[previous]
                shown += " " if j == 0 else " ..."
                context = [int(w) for w in scored.histories[j] if w != NO_WORD]
                self.word_line(int(scored.words[j]), shown, float(scored.logprob[j]), int(scored.matched[j]),
                               context, "")
        stats = scored.stats()
        if debug >= 1:
            self.out.write(stats.format() + "\n")
        self.total.add(stats)
        self.document.add(stats)

    def word_line(self, word: int, shown: str, logprob: float, matched: int, context: list, weight: str) -> None:
        """`\tp( w | h ...) \t= [2gram] p [ log10 p ]`, with ` / sum` at -debug 3."""
        hit = f"[{matched}gram]" if matched else "[OOV]"
        line = f"\tp( {self.words[word]} | {shown}) \t= {hit} {_LOGP % _prob(logprob)} [ {_LOGP % logprob}{weight} ]"
        if self.options.debug >= 3:
            total = self.prob_sum(context)
            line += f" / {_LOGP % total}"
            if abs(total - 1.0) > PROB_SUM_TOLERANCE:
                reversed_context = " ".join(self.words[w] for w in reversed(context))
                self.err.write(f"\nwarning: word probs for this context sum to {_LOGP % total} != 1 : "
                               f"{reversed_context}\n")
        self.out.write(line + "\n")

    def prob_sum(self, context: list) -> float:
        """Sum of p(w | context) over every word of the vocabulary that is an event (SRILM's wordProbSum)."""
        distribution = getattr(self.scorer, "distribution", None)
        if distribution is not None:
            logp = distribution(context)
        else:
            logp = np.array([self.scorer.score(w, context)[0] for w in range(len(self.words))])
        return float(np.sum(np.power(10.0, logp[self.events].astype(np.float64))))

    def finish(self, path: str) -> None:
        if self.document_printed:
            self.out.write(self.document.format() + "\n")
        self.out.write(f"file {path}: {self.total.format()}")


# Sentences scored per batch: large enough for vectorised lookups, small enough to bound memory.
BATCH_SENTENCES = 8192


def ppl_file(scorer: Scorer, path: str, options: PplOptions = PplOptions(), out: TextIO | None = None,
             err: TextIO | None = None) -> TextStats:
    """`ngram -ppl path`: score a text file, writing SRILM's report at options.debug to `out` (the final
    "file ...:" lines included). Returns the totals."""
    report = _PplReport(scorer, options, out or sys.stdout, err or sys.stderr)
    for batch in _batches(_text_items(path, scorer.vocab, options), BATCH_SENTENCES):
        scored = iter(score_sentences(scorer, [ids for _, ids in batch if ids is not None]))
        for text, ids in batch:
            if ids is None:
                report.escaped(text)
            else:
                report.sentence(text, next(scored))
    report.finish(path)
    return report.total


def _count_blocks(path: str, order: int, vocab: Vocabulary, options: PplOptions) -> Iterator[tuple[str, dict]]:
    """Blocks of an n-gram count file ("w1 .. wn count" per line) between escaped lines, as ("escape", line) or
    ("counts", {id tuple: count}); n-grams longer than `order` are skipped, as SRILM does."""
    counts: dict[tuple[int, ...], float] = {}
    for lineno, line in iter_lines(path, options.errors):
        if not line.strip():
            continue
        if options.escape is not None and line.startswith(options.escape):
            if counts:
                yield "counts", counts
                counts = {}
            yield "escape", line if line.endswith("\n") else line + "\n"
            continue
        fields = line.split()
        if len(fields) < 2:
            raise InputError(path, lineno, "expected an n-gram and its count ('w1 .. wn<TAB>count')")
        try:
            count = float(fields[-1])
        except ValueError:
            raise InputError(path, lineno, f"bad count {fields[-1]!r}: expected a number") from None
        if len(fields) - 1 > order:
            continue
        words = [w.lower() for w in fields[:-1]] if options.tolower else fields[:-1]
        key = tuple(vocab.id(w) for w in words)
        counts[key] = counts.get(key, 0) + count
    if counts:
        yield "counts", counts


def ppl_counts_file(scorer: Scorer, path: str, options: PplOptions = PplOptions(), count_order: int | None = None,
                    out: TextIO | None = None, err: TextIO | None = None) -> TextStats:
    """`ngram -counts path`: the log probability of each n-gram's last word given the others, weighted by its
    count (SRILM's LM::countsProb). N-grams ending in </s> count as sentences, the others as words."""
    out = out or sys.stdout
    report = _PplReport(scorer, options, out, err or sys.stderr)
    order = count_order or scorer.order
    words = scorer.vocab.words
    width = max(scorer.order - 1, 1)
    total = TextStats()
    for kind, block in _count_blocks(path, order, scorer.vocab, options):
        if kind == "escape":
            out.write(block)
            continue
        # SRILM enumerates order by order, each sorted by spelling; zero counts add nothing.
        keys = sorted((k for k, c in block.items() if c != 0),
                      key=lambda key: (len(key), [words[w].encode("utf-8") for w in key]))
        histories = np.full((len(keys), width), NO_WORD, dtype=np.uint32)
        for row, key in enumerate(keys):
            context = key[:-1][-width:] if len(key) > 1 else ()
            histories[row, width - len(context):] = context
        targets = np.array([key[-1] for key in keys], dtype=np.uint32)
        logprobs, matched = _score_positions(scorer, targets, histories[:, width - (scorer.order - 1):])
        stats = TextStats()
        for key, logprob, hit in zip(keys, logprobs.tolist(), matched.tolist()):
            count = block[key]
            if options.debug >= 2:
                shown = " ".join(words[w] for w in reversed(key[:-1])) + " "
                weight = f" *{_LOGP % count}" if count != 1 else ""
                report.word_line(key[-1], shown, logprob, hit, list(key[:-1]), weight)
            ngram = TextStats()
            if key[-1] == EOS_ID:
                ngram.sentences = count
            else:
                ngram.words = count
            if logprob == -math.inf:
                if key[-1] == UNK_ID:
                    ngram.oovs = count
                else:
                    ngram.zeroprobs = count
            else:
                ngram.logprob = count * logprob
            stats.add(ngram)
        if options.debug >= 1:
            out.write(stats.format() + "\n")
        total.add(stats)
    out.write(f"file {path}: {total.format()}")
    return total


@dataclass
class Evaluation:
    """Everything `ngramlm eval` reports for one model on one text."""

    srilm: TextStats
    kenlm_ppl_including_oovs: float | None
    kenlm_ppl_excluding_oovs: float | None
    kenlm_oovs: int
    kenlm_tokens: int
    hits: list[int] = field(default_factory=list)  # hits[k]: scored predictions whose longest match is a (k+1)-gram

    @property
    def cross_entropy_bits(self) -> float | None:
        """Bits per scored token (words and </s>): log2 of SRILM's ppl."""
        return None if self.srilm.ppl is None else -self.srilm.logprob / self.srilm.scored * math.log2(10)

    @property
    def oov_rate(self) -> float | None:
        """SRILM's OOVs per word (</s> not counted)."""
        return self.srilm.oovs / self.srilm.words if self.srilm.words else None

    def hit_rates(self) -> list[float]:
        """Fraction of the scored predictions whose longest match was a 1-gram, a 2-gram, ..."""
        scored = sum(self.hits)
        return [h / scored if scored else 0.0 for h in self.hits]

    def as_dict(self) -> dict:
        def count(value: float) -> float | int:
            return int(value) if float(value).is_integer() else value

        return {
            "sentences": count(self.srilm.sentences), "words": count(self.srilm.words),
            "oovs": count(self.srilm.oovs), "zeroprobs": count(self.srilm.zeroprobs), "logprob": self.srilm.logprob,
            "ppl": self.srilm.ppl, "ppl1": self.srilm.ppl1,
            "cross_entropy_bits": self.cross_entropy_bits, "oov_rate": self.oov_rate,
            "kenlm": {"perplexity_including_oovs": self.kenlm_ppl_including_oovs,
                      "perplexity_excluding_oovs": self.kenlm_ppl_excluding_oovs,
                      "oovs": self.kenlm_oovs, "tokens": self.kenlm_tokens},
            "ngram_hits": self.hits, "ngram_hit_rates": self.hit_rates(),
        }


def evaluate_text(model: BackoffModel, path: str, order: int | None = None,
                  options: PplOptions = PplOptions()) -> Evaluation:
    """SRILM's figures, KenLM's `query` figures and n-gram hit counts of `model` on a text file.

    KenLM's figures follow its lm/ngram_query.hh: every word and each </s> is a token; a word outside the
    vocabulary (or the token <unk> itself) is an OOV, scored as <unk>; sentence totals are 32-bit floats;
        perplexity including OOVs = 10^(-total / tokens)
        perplexity excluding OOVs = 10^(-(total - OOV total) / (tokens - OOVs)).
    Sentences are read by SRILM's rules (-no-sos / -no-eos as asked), except that KenLM scores a blank line as
    an empty sentence, p(</s> | <s>), where SRILM skips it.
    """
    srilm_scorer = BackoffScorer(model, order)
    kenlm_scorer = BackoffScorer(model, order, arithmetic="kenlm")
    total = TextStats()
    hits = np.zeros(srilm_scorer.order + 1, dtype=np.int64)
    corpus_total = 0.0
    oov_logprobs = []
    oovs = tokens = 0
    lines = (line.lower().split() if options.tolower else line.split() for _, line in iter_lines(path, options.errors))
    sentences = ((bool(tokens), encode_sentence(model.vocab, tokens, options)) for tokens in lines)
    for batch in _batches(sentences, BATCH_SENTENCES):
        for scored in score_sentences(srilm_scorer, [ids for not_blank, ids in batch if not_blank]):
            total.add(scored.stats())
            kept = scored.logprob != -np.inf
            hits += np.bincount(scored.matched[kept], minlength=len(hits))
        for scored in score_sentences(kenlm_scorer, [ids for _, ids in batch]):
            sentence_total = np.cumsum(scored.logprob, dtype=np.float32)[-1]
            corpus_total += float(sentence_total)
            tokens += len(scored.words)
            unknown = scored.words == UNK_ID
            oovs += int(np.count_nonzero(unknown))
            oov_logprobs.append(scored.logprob[unknown].astype(np.float64))
    oov_total = float(np.cumsum(np.concatenate(oov_logprobs))[-1]) if oovs else 0.0
    including = 10.0 ** (-(corpus_total / tokens)) if tokens else None
    excluding = 10.0 ** (-((corpus_total - oov_total) / (tokens - oovs))) if tokens > oovs else None
    return Evaluation(total, including, excluding, oovs, tokens, hits[1:].tolist())


def kenlm_number(value: float | None) -> str:
    """A double as KenLM prints it: the shortest digits that read back exactly (double-conversion's ToShortest),
    in positional notation for decimal exponents -6..20 and exponential notation outside."""
    if value is None:
        return "undefined"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    scientific = len(text) + exponent - 1
    minus = "-" if sign else ""
    if value == 0:
        return minus + "0"
    if -6 <= scientific < 21:
        point = len(text) + exponent
        if point <= 0:
            return f"{minus}0.{'0' * -point}{text}"
        if point >= len(text):
            return minus + text + "0" * (point - len(text))
        return f"{minus}{text[:point]}.{text[point:]}"
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{minus}{mantissa}e{scientific}"
