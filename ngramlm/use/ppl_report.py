"""Perplexity the SRILM way: `ngram -ppl` (ppl_file) and `ngram -counts` (ppl_counts_file), with SRILM's report.

Input: a Scorer (ngramlm.core.scorer) and a text file, or a count file. Output: the report `ngram -ppl` prints at
the chosen -debug level, byte for byte, and the totals (a TextStats). Reading rules (SRILM's
LM::prepareSentence and File::getline): each sentence is scored word by word, then `</s>`; `<s>` is context
only; blank lines are skipped; a word the vocabulary does not know is looked up as `<unk>`. The counting rules
are ngramlm.use.text_stats's.

A text is scored in batches of about BATCH_WORDS words, the report written as it goes, so that memory stays a few
MB whatever the text's length; a count file's n-grams are held in memory between escaped lines.
"""
from __future__ import annotations

import itertools
import math
import sys
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence, TextIO

import numpy as np

from .._ext import _arpa
from ..core.constants import LN10
from ..core.errors import InputError
from ..core.io import WORD_SEPARATORS, iter_lines, lower_case, split_words
from ..core.progress import Progress, count_lines
from ..core.scorer import NO_WORD, Scorer
from ..core.vocab import BOS_ID, EOS_ID, PAUSE, UNK_ID, Vocabulary
from .scoring import score_positions, score_text
from .text_stats import LOGP_FORMAT, ScoredSentence, TextStats

# -debug 3 warns when a context's probabilities sum to more than this away from 1 (SRILM's threshold).
PROB_SUM_TOLERANCE = 1e-4


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
    reverse: bool = False  # score each sentence's words last to first (-reverse); the line is shown as read


def encode_sentence(vocab: Vocabulary, tokens: Sequence[str], options: PplOptions) -> list:
    """Word ids of a sentence as SRILM's LM::prepareSentence arranges them: <s> first and </s> last unless the
    sentence has them or the options leave them out; a start without <s> (-no-sos) is None, a context of
    nothing. Words outside the vocabulary become <unk>; the pause word -pau- is left out, as SRILM leaves it."""
    if PAUSE in tokens:
        tokens = [t for t in tokens if t != PAUSE]
    ids: list = vocab.ids(reversed(tokens) if options.reverse else tokens)
    starts, ends = bool(ids) and ids[0] == BOS_ID, bool(ids) and ids[-1] == EOS_ID
    if options.eos and not ends:
        ids.append(EOS_ID)
    if not starts:
        ids.insert(0, BOS_ID if options.sos else None)
    return ids



def text_items(path: str, vocab: Vocabulary, options: PplOptions) -> Iterator[tuple[str, list | None]]:
    """(line, encoded sentence) per non-blank line of a text, or (line, None) for an escaped line."""
    for _, line, ids in _numbered_items(path, vocab, options):
        yield line, ids


def _numbered_items(path: str, vocab: Vocabulary, options: PplOptions) -> Iterator[tuple[int, str, list | None]]:
    """text_items with the number of each line."""
    for lineno, line in iter_lines(path, options.errors):
        tokens = split_words(line)
        if not tokens:
            continue  # SRILM's File::getline skips blank lines
        if options.escape is not None and line.startswith(options.escape):
            yield lineno, line if line.endswith("\n") else line + "\n", None
            continue
        text = " ".join(tokens)
        if options.tolower:
            tokens = [lower_case(t) for t in tokens]
        yield lineno, text, encode_sentence(vocab, tokens, options)


def batches(items: Iterable, words: int, length: Callable[[object], int]) -> Iterator[list]:
    """Runs of consecutive items, each closed as soon as the `length`s of its items add up to `words` or more."""
    batch: list = []
    held = 0
    for item in items:
        batch.append(item)
        held += length(item)
        if held >= words:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


class _PplReport:
    """SRILM's -ppl report (LM::pplFile), written as the sentences are scored."""

    def __init__(self, scorer: Scorer, options: PplOptions, out: TextIO, err: TextIO):
        self.scorer, self.options, self.out, self.err = scorer, options, out, err
        self.words = scorer.vocab.words
        self.spellings: list[bytes] | None = None  # the words' bytes, for the compiled -debug 2 lines
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
            self.events[getattr(scorer, "non_words", np.zeros(0, np.intp))] = False  # a class model's classes

    def escaped(self, line: str) -> None:
        if self.sentences_seen and self.options.debug == 0:
            self.out.write(self.document.format() + "\n")
            self.document = TextStats()
            self.document_printed = True
        self.out.write(line)

    def sentence(self, text: str, scored: ScoredSentence | None, stats: TextStats) -> None:
        """Report a sentence: its scored positions (needed at -debug 2 and above only) and its counts."""
        self.sentences_seen += 1
        debug = self.options.debug
        if debug >= 1:
            self.out.write(text + "\n")
        if debug == 2 and not hasattr(self.scorer, "hit_label") and self._write_compiled_lines(scored):
            pass
        elif debug >= 2:
            # Python numbers once per sentence (not per element); the context list only where -debug 3 sums.
            histories = scored.histories.tolist()
            for j, (word, logprob, matched) in enumerate(zip(scored.words.tolist(), scored.logprob.tolist(),
                                                             scored.matched.tolist())):
                previous = histories[j][-1]
                shown = "" if previous == NO_WORD else self.words[previous]
                shown += " " if j == 0 else " ..."
                context = [w for w in histories[j] if w != NO_WORD] if debug >= 3 else []
                # (the sum's warning names the whole sentence before the word, as SRILM's does)
                whole = [w for w in histories[0] if w != NO_WORD] + scored.words[:j].tolist() if debug >= 3 else []
                self.word_line(word, shown, logprob, matched, context, "", whole)
        if debug >= 1:
            self.out.write(stats.format() + "\n")
        self.total.add(stats)
        self.document.add(stats)

    def _write_compiled_lines(self, scored: ScoredSentence) -> bool:
        """The -debug 2 lines of a sentence formatted by compiled code, as word_line formats them; False where it
        cannot (a NaN), leaving them to word_line."""
        if self.spellings is None:
            self.spellings = [w.encode("utf-8", "surrogateescape") for w in self.words]
        lines = _arpa.format_ppl_word_lines(
            self.spellings, np.ascontiguousarray(scored.words, dtype=np.uint32),
            np.ascontiguousarray(scored.histories[:, -1], dtype=np.uint32),
            np.ascontiguousarray(scored.logprob, dtype=np.float64), np.ascontiguousarray(scored.matched, np.int64),
            NO_WORD, LN10)
        if lines is None:
            return False
        self.out.write(lines.decode("utf-8", "surrogateescape"))
        return True

    def word_line(self, word: int, shown: str, logprob: float, matched: int, context: list, weight: str,
                  history: list | None = None) -> None:
        """`\tp( w | h ...) \t= [2gram] p [ log10 p ]`, with ` / sum` at -debug 3 (summed over `context`; a sum
        away from 1 is warned of with the `history`, by default the context, as SRILM does: the sum with its
        stream's 6 digits, the words most recent first)."""
        # a negative length: no lookup was made (-skipoovs), and SRILM shows no hit
        label = getattr(self.scorer, "hit_label", None)  # a scorer whose words are scored in parts spells them
        hit = (label(matched) if label else f"[{matched}gram]" if matched > 0 else "[OOV]") if matched >= 0 else ""
        line = (f"\tp( {self.words[word]} | {shown}) \t= {hit} {LOGP_FORMAT % _prob(logprob)} "
                f"[ {LOGP_FORMAT % logprob}{weight} ]")
        if self.options.debug >= 3:
            total = self.prob_sum(context)
            line += f" / {LOGP_FORMAT % total}"
            if abs(total - 1.0) > PROB_SUM_TOLERANCE:
                reversed_context = " ".join(self.words[w] for w in reversed(context if history is None else history))
                self.err.write(f"\nwarning: word probs for this context sum to {total:.6g} != 1 : "
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


# Words (scored positions) per batch: enough that the per-batch numpy calls cost little (a few hundred sentences
# of ordinary text), few enough that a batch's arrays and id lists stay at a few MB.
BATCH_WORDS = 16384


def ppl_file(scorer: Scorer, path: str, options: PplOptions = PplOptions(), out: TextIO | None = None,
             err: TextIO | None = None, *, quiet: bool = True) -> TextStats:
    """`ngram -ppl path`: score a text file, writing SRILM's report at options.debug to `out` (the final
    "file ...:" lines included). Returns the totals. `quiet`: no progress bar (one is drawn, in lines of the
    text scored, only where standard error is a terminal; its total costs a pass over a plain file)."""
    report = _PplReport(scorer, options, out or sys.stdout, err or sys.stderr)
    totals_only = options.debug == 0 and options.escape is None  # the report is the file's totals alone
    with Progress(f"scoring {path}", unit="lines", total=lambda: count_lines(path), quiet=quiet) as progress:
        for batch in batches(_numbered_items(path, scorer.vocab, options), BATCH_WORDS,
                             lambda item: 1 if item[2] is None else len(item[2])):
            scored_text = score_text(scorer, [ids for _, _, ids in batch if ids is not None])
            if options.debug >= 2:
                scored_text.whole = None  # SRILM adds up the probabilities it prints (LM::sentenceProb)
            if totals_only:
                scored_text.add_to(report.total)
            else:
                stats = iter(scored_text.stats())
                scored = iter(scored_text.sentences() if options.debug >= 2 else itertools.repeat(None))
                for _, text, ids in batch:
                    if ids is None:
                        report.escaped(text)
                    else:
                        report.sentence(text, next(scored), next(stats))
            progress.update_to(batch[-1][0])
        progress.update_to(max(progress.done, progress.total or 0))  # blank lines at the end: all read
    report.finish(path)
    return report.total


def _count_blocks(path: str, order: int, vocab: Vocabulary, options: PplOptions) -> Iterator[tuple[str, dict]]:
    """Blocks of an n-gram count file ("w1 .. wn count" per line) between escaped lines, as ("escape", line) or
    ("counts", {id tuple: count}); n-grams longer than `order` are skipped, as SRILM does."""
    counts: dict[tuple[int, ...], float] = {}
    for lineno, line in iter_lines(path, options.errors):
        if not line.strip(WORD_SEPARATORS):
            continue
        if options.escape is not None and line.startswith(options.escape):
            if counts:
                yield "counts", counts
                counts = {}
            yield "escape", line if line.endswith("\n") else line + "\n"
            continue
        fields = split_words(line)
        if len(fields) < 2:
            raise InputError(path, lineno, "expected an n-gram and its count ('w1 .. wn<TAB>count')")
        try:
            count = float(fields[-1])
        except ValueError:
            raise InputError(path, lineno, f"bad count {fields[-1]!r}: expected a number") from None
        if not 0 <= count < math.inf:  # also rejects nan
            raise InputError(path, lineno, f"bad count {fields[-1]!r}: a count is a finite number, 0 or more")
        if len(fields) - 1 > order:
            continue
        words = [lower_case(w) for w in fields[:-1]] if options.tolower else fields[:-1]
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
        logprobs, matched = score_positions(scorer, targets, histories[:, width - (scorer.order - 1):])
        stats = TextStats()
        for key, logprob, hit in zip(keys, logprobs.tolist(), matched.tolist()):
            count = block[key]
            if options.debug >= 2:
                shown = " ".join(words[w] for w in reversed(key[:-1])) + " "
                weight = f" *{LOGP_FORMAT % count}" if count != 1 else ""
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
