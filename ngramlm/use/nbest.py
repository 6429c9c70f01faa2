"""N-best rescoring as SRILM's `ngram -nbest / -nbest-files / -rescore` does it (lm/src/NBest.cc, LM::rescoreFile).

The three formats of SRILM's nbest-format(5) are read:
  - NBestList1.0 (Decipher): `(score) w1 w2 ...`, one composite acoustic + LM score on the bytelog scale;
  - NBestList2.0 (Decipher): `(score) w1 ( st: S et: E g: G a: A ) w2 ...`, word-level LM (g) and acoustic (a)
    bytelog scores; tokens inside a word's time span (phones, HMM states `x-1`) are skipped;
  - SRILM's own: `ascore lscore nwords w1 w2 ...`, log10 scores, no header.
Rescoring recomputes each hypothesis's LM score as `lmw * log10 P(sentence)` (pauses `-pau-` left out, <s> and
</s> added) and its total as `acoustic + lm + wtw * words`, kept as a 32-bit float as SRILM keeps it; the list is
then sorted by that total (stably, best first). Words the LM does not know score zero (SRILM adds them to its
vocabulary without a probability) and the LM score keeps the known words alone, with a warning, as SRILM does.

All hypotheses of a list are scored in one batch (Scorer.score_batch): the positions of every hypothesis are laid
side by side, scored at once, and summed per hypothesis in word order (as SRILM adds its float word scores into a
double), so a list of 1000 hypotheses takes milliseconds.

In:  N-best files (any of the three formats), a Scorer, SRILM's weights.
Out: NBestList (scores as SRILM holds them), written in SRILM's format (%.15g) or Decipher's (NBestList1.0).
"""
from __future__ import annotations

import math
from itertools import chain
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence, TextIO

import numpy as np

from ..core.errors import InputError
from ..core.io import WORD_SEPARATORS, iter_lines, lower_case, split_words
from ..core.scorer import NO_WORD, Scorer
from ..core.vocab import BOS_ID, EOS_ID, PAUSE, UNK_ID, Vocabulary
from .scoring import score_positions

NBEST1_MAGIC = "NBestList1.0"
NBEST2_MAGIC = "NBestList2.0"
# SRILM's bytelog: log base 1.0001, divided by 1024 (Prob.h: BytelogToLogP, LogPtoBytelogFloat).
_LOG10_PER_BYTELOG = 1024.0 / 10000.5 / math.log(10)
_BYTELOG_PER_LOG10 = math.log(10) * 10000.5 / 1024.0


def bytelog_to_log10(bytelog: float) -> float:
    """SRILM's BytelogToLogP: a bytelog score as a log10 probability, rounded to a 32-bit float as SRILM's LogP."""
    return float(np.float32(bytelog * _LOG10_PER_BYTELOG))


def log10_to_bytelog(logp: float) -> float:
    """SRILM's LogPtoBytelogFloat."""
    return logp * _BYTELOG_PER_LOG10


def round_to_bytelog(logp: float) -> float:
    """SRILM's RoundToBytelog: a log10 probability rounded to the bytelog grid (the Decipher LM's resolution)."""
    if logp == -math.inf:
        return logp
    return bytelog_to_log10(float(np.rint(logp * _BYTELOG_PER_LOG10)))


@dataclass
class NBestList:
    """Hypotheses with their scores as SRILM's NBestHyp holds them: acoustic and LM scores as doubles (log10),
    the total as a 32-bit float, the number of words that the word transition weight counts."""

    words: list[list[str]] = field(default_factory=list)
    acoustic: list[float] = field(default_factory=list)
    language: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    num_words: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.words)

    def append(self, words: list[str], acoustic: float, language: float, total: float, num_words: int) -> None:
        self.words.append(words)
        self.acoustic.append(acoustic)
        self.language.append(language)
        self.total.append(total)
        self.num_words.append(num_words)


def _decipher2_words(fields: list[str]) -> tuple[list[str], float, float]:
    """The words of an NBestList2.0 hypothesis (phone and state tokens skipped) and the sums of their LM (g) and
    acoustic (a) bytelog scores."""
    if len(fields) % 11:
        raise ValueError("badly formatted NBestList2.0 hypothesis (each token takes 11 fields)")
    words, lm, ac, previous_end = [], 0.0, 0.0, -1.0
    for i in range(0, len(fields), 11):
        token = fields[i]
        start, end = float(fields[i + 3]), float(fields[i + 5])
        hyphen = token.rfind("-")
        is_state = hyphen >= 0 and hyphen == len(token) - 2 and token[-1].isdigit()
        if start > previous_end and not is_state:
            words.append(token)
            lm += float(fields[i + 7])
            ac += float(fields[i + 9])
            previous_end = end
    return words, lm, ac


def parse_hypothesis(line: str, fmt: int = 0) -> tuple[list[str], float, float, float, int]:
    """(words, acoustic, language, total, number of words) of one hypothesis line, as NBestHyp::parse reads it:
    fmt 1 or 2 is the Decipher format of that number, 0 SRILM's own or, for a line starting with "(", Decipher's
    first. A malformed line raises ValueError saying what is wrong."""
    fields = split_words(line)
    if not fields:
        raise ValueError("empty hypothesis")
    if fmt in (1, 2) or fields[0].startswith("("):
        text = fields[0]
        if not (text.startswith("(") and text.endswith(")")):
            raise ValueError(f"bad Decipher score: {text}")
        try:
            score = float(text[1:-1])
        except ValueError:
            raise ValueError(f"bad Decipher score: {text}") from None
        if fmt == 2:
            try:
                words, lm, ac = _decipher2_words(fields[1:])
            except ValueError as exc:
                raise ValueError(str(exc) if "11 fields" in str(exc) else "badly formatted NBestList2.0 "
                                 "hypothesis (a time or score is not a number)") from None
            return words, bytelog_to_log10(ac), bytelog_to_log10(lm), bytelog_to_log10(score), len(words)
        total = bytelog_to_log10(score)
        return fields[1:], total, 0.0, total, len(fields) - 1
    if len(fields) < 3:
        raise ValueError("an SRILM hypothesis needs its acoustic score, LM score and word count")
    try:
        acoustic, language = _parse_logp(fields[0]), _parse_logp(fields[1])
    except ValueError:
        raise ValueError(f"bad acoustic or LM score: {fields[0]} {fields[1]}") from None
    if not fields[2].isdigit():
        raise ValueError(f"bad word count: {fields[2]}")
    # The total starts as the acoustic score, as a 32-bit float (so a fix with no Decipher LM keeps it).
    return fields[3:], acoustic, language, float(np.float32(acoustic)), int(fields[2])


def _parse_logp(text: str) -> float:
    """SRILM's parseLogP: a number, or -inf / inf as printf (or MSVC: 1.#INF) writes them."""
    try:
        return float(text)
    except ValueError:
        if text.lstrip("+-").startswith("1.#INF"):
            return -math.inf if text.startswith("-") else math.inf
        raise


def read_nbest(path: str, max_hyps: int = 0, errors: str = "strict", multi_char: str | None = None,
               tolower: bool = False) -> NBestList:
    """Read an N-best list (NBestList::read): the format is fixed by a NBestList1.0 / NBestList2.0 header, else
    each line is read as SRILM's format or Decipher's first. `max_hyps` > 0 reads only the first ones. A bad line
    raises InputError naming the file and line. `tolower` (ngram -tolower) lower-cases the words, as SRILM's
    vocabulary maps them. With `multi_char` (ngram -split-multiwords), each word is then split into its
    components at that character (the first of the string, as SRILM takes it)."""
    nbest, fmt, first = NBestList(), 0, True
    for lineno, line in iter_lines(path, errors):
        if not line.strip(WORD_SEPARATORS):
            continue  # SRILM's File::getline skips blank lines
        if first:  # a header may only open the list
            first = False
            if line.startswith(NBEST1_MAGIC):
                fmt = 1
                continue
            if line.startswith(NBEST2_MAGIC):
                fmt = 2
                continue
        if max_hyps and len(nbest.words) >= max_hyps:
            break
        try:
            words, *scores = parse_hypothesis(line, fmt)
        except ValueError as exc:
            raise InputError(path, lineno, f"bad n-best hypothesis: {exc}") from None
        if tolower:
            words = [lower_case(word) for word in words]
        if multi_char:
            words = [part for word in words for part in word.split(multi_char[0])]
        nbest.append(words, *scores)
    return nbest


@dataclass
class SentenceScores:
    """Per hypothesis: log10 P of its known words (float32 word scores summed in order as doubles, the sum
    rounded to a float32 as SRILM returns it), the number
    of words (pauses left out) and of zero-probability and out-of-vocabulary words."""

    logprob: np.ndarray
    num_words: np.ndarray
    zeroprobs: np.ndarray
    oovs: np.ndarray


def score_hypotheses(scorer: Scorer, hypotheses: Sequence[Sequence[str]], *, unk_is_word: bool = False,
                     sos: bool = True, eos: bool = True) -> SentenceScores:
    """LM::sentenceProb for every hypothesis, all positions in one batch. A word outside the LM's vocabulary has
    probability zero (a zeroprob, as SRILM adds it to the vocabulary without a probability) unless `unk_is_word`
    (-unk), when it is scored as <unk>; a literal <unk> of a closed-vocabulary LM is an OOV."""
    vocab: Vocabulary = scorer.vocab
    width = max(scorer.order - 1, 1)
    n = len(hypotheses)
    # Each distinct spelling is looked up once (a list repeats a few words many times).
    every = list(chain.from_iterable(hypotheses))
    spellings = list(dict.fromkeys(every))
    place = {w: i for i, w in enumerate(spellings)}
    flat = np.fromiter(map(place.__getitem__, every), dtype=np.int64, count=len(every))
    ids_of = np.array([vocab.id(w) for w in spellings], dtype=np.int64)
    pause_of = np.array([w == PAUSE for w in spellings], dtype=bool)
    # a word the LM does not know scores zero (a zeroprob), unless -unk makes it <unk>
    unknown_of = (ids_of == UNK_ID) & np.array([w != vocab.unk_word for w in spellings], dtype=bool) & (
        not unk_is_word)
    lengths = np.array([len(words) for words in hypotheses], dtype=np.int64)
    owner = np.repeat(np.arange(n), lengths)
    keep = ~pause_of[flat] if len(flat) else np.zeros(0, dtype=bool)
    flat, owner = flat[keep], owner[keep]
    ids, unknown = ids_of[flat], unknown_of[flat]
    counts = np.bincount(owner, minlength=n)
    first = np.cumsum(counts) - counts            # index of each hypothesis's first word in `ids`
    last = first + counts - 1
    has = counts > 0
    # a hypothesis that already starts with <s> or ends with </s> gets none added (LM::prepareSentence)
    drop = np.zeros(len(ids), dtype=bool)
    starts_bos = has & (ids[np.minimum(first, len(ids) - 1)] == BOS_ID) if len(ids) else has
    drop[first[starts_bos]] = True
    ends_eos = has & (counts - starts_bos > 0) & (ids[np.maximum(last, 0)] == EOS_ID) if len(ids) else has
    counted = counts - starts_bos - ends_eos
    add_eos = np.full(n, eos) & ~ends_eos
    ids, unknown, owner = ids[~drop], unknown[~drop], owner[~drop]
    scored_len = counts - starts_bos + add_eos    # positions scored per hypothesis (its words, </s>)
    # Layout: per hypothesis `width` pads, <s> (or a pad), its scored words; histories are sliding windows.
    block = width + 1 + scored_len
    offset = np.cumsum(block) - block
    tokens = np.full(int(block.sum()), NO_WORD, dtype=np.uint32)
    # <s> as the first context: added (unless -no-sos), or the hypothesis's own
    tokens[offset[starts_bos | sos] + width] = BOS_ID
    slot_start = np.cumsum(scored_len) - scored_len
    kept = counts - starts_bos                    # words per hypothesis after a leading <s> is dropped
    positions_words = np.arange(len(ids)) - (np.cumsum(kept) - kept)[owner]   # each word's place in its own
    tokens[offset[owner] + width + 1 + positions_words] = ids
    eos_owner = np.flatnonzero(add_eos)
    tokens[offset[eos_owner] + width + scored_len[eos_owner]] = EOS_ID
    # scored positions, hypothesis by hypothesis, in word order
    owner_all = np.repeat(np.arange(n), scored_len)
    slot_all = np.arange(int(scored_len.sum())) - slot_start[owner_all]
    positions = offset[owner_all] + width + 1 + slot_all
    not_known = np.zeros(len(positions), dtype=bool)
    not_known[slot_start[owner] + positions_words] = unknown
    words = tokens[positions]
    if len(positions):
        windows = np.lib.stride_tricks.sliding_window_view(tokens, width + 1)
        histories = np.ascontiguousarray(windows[positions - width][:, :-1][:, width - (scorer.order - 1):])
        logprob = np.asarray(score_positions(scorer, words, histories)[0], dtype=np.float32).astype(np.float64)
    else:
        logprob = np.zeros(0)
    logprob[not_known] = -np.inf
    zero = ~np.isfinite(logprob)
    oov = zero & (words == UNK_ID) & ~not_known
    # Summed along the words of each hypothesis in order (rows of a words x hypotheses table), as SRILM adds.
    table = np.zeros((int(slot_all.max()) + 1 if len(slot_all) else 1, n))
    table[slot_all, owner_all] = np.where(zero, 0.0, logprob)
    total = np.zeros(n)
    for row in table:
        total += row
    # LM::sentenceProb returns its double sum as a LogP, a 32-bit float
    total = total.astype(np.float32).astype(np.float64)
    return SentenceScores(total, counted, np.bincount(owner_all[zero & ~oov], minlength=n),
                          np.bincount(owner_all[oov], minlength=n))


class DecipherScorer:
    """SRILM's DecipherNgram (-decipher-lm): a back-off model read at -decipher-order whose probabilities and
    back-off weights are rounded to the bytelog grid, and which takes the backed-off path where it scores
    higher than the n-gram found (the recognizer's search did), unless `backoff_hack` is off
    (-decipher-nobackoff). Scored word by word: it only recovers acoustic scores."""

    def __init__(self, model, order: int = 2, backoff_hack: bool = True):
        self.vocab, self.order, self.backoff_hack = model.vocab, min(order, model.order), backoff_hack
        self.prob: dict[tuple, float] = {}
        self.bow: dict[tuple, float] = {}
        for k in range(self.order):
            for gram, logp, bow in zip(model.ngrams[k].tolist(), model.logprob[k].tolist(),
                                       model.logbow[k].tolist()):
                self.prob[tuple(gram)] = logp
                self.bow[tuple(gram)] = bow

    def _backoff(self, word: int, context: tuple, length: int) -> float:
        used = context[len(context) - length:] if length else ()
        prob = self.prob.get(used + (word,))
        backed_off = -math.inf
        if length > 0:
            backed_off = round_to_bytelog(self.bow.get(used, 0.0)) + self._backoff(word, context, length - 1)
        if prob is None:
            return backed_off
        result = round_to_bytelog(prob if prob > -99 else -math.inf)
        return backed_off if self.backoff_hack and backed_off > result else result

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        context = tuple(context)
        return self._backoff(word, context, min(len(context), self.order - 1)), 0


def _weighted(weight: float, logp: np.ndarray) -> np.ndarray:
    """SRILM's weightLogP: weight * logp, with 0 for a weight of 0 (never NaN)."""
    return np.zeros_like(logp) if weight == 0 else weight * logp


def _warnings(nbest: NBestList, scores: SentenceScores, warn: Callable[[str], None] | None) -> list[tuple[int, str]]:
    """SRILM's warnings about hypotheses with zero-probability or OOV words, as (hypothesis, line), each also
    given to `warn`."""
    found = []
    for h in np.flatnonzero((scores.zeroprobs > 0) | (scores.oovs > 0)):
        if scores.zeroprobs[h]:
            found.append((int(h), f"warning: hyp contains zero prob words: {' '.join(nbest.words[h])}"))
        if scores.oovs[h]:
            found.append((int(h), f"warning: hyp contains OOV words: {' '.join(nbest.words[h])}"))
    if warn is not None:
        for _, line in found:
            warn(line)
    return found


def map_unknown_words(nbest: NBestList, vocab: Vocabulary) -> None:
    """Under -unk SRILM reads a hypothesis's unknown words as <unk>, and writes them so."""
    unk = vocab.unk_word
    nbest.words = [[w if w in vocab or w == PAUSE else unk for w in words] for words in nbest.words]


def rescore(nbest: NBestList, scorer: Scorer, lmw: float = 8.0, wtw: float = 0.0, *, unk_is_word: bool = False,
            sos: bool = True, eos: bool = True, warn: Callable[[str], None] | None = None) -> list[tuple[int, str]]:
    """NBestHyp::rescore for every hypothesis: the LM score becomes lmw * log10 P, the word count the scored
    words, the total acoustic + LM + wtw * words (a 32-bit float). Zero-probability and OOV words are left out of
    the LM score, with a warning each."""
    if not len(nbest):
        return []
    if unk_is_word:
        map_unknown_words(nbest, scorer.vocab)
    scores = score_hypotheses(scorer, nbest.words, unk_is_word=unk_is_word, sos=sos, eos=eos)
    language = _weighted(lmw, scores.logprob)
    acoustic = np.array(nbest.acoustic, dtype=np.float64)
    nbest.language = language.tolist()
    nbest.num_words = scores.num_words.tolist()
    nbest.total = (acoustic + language + wtw * scores.num_words).astype(np.float32).astype(np.float64).tolist()
    return _warnings(nbest, scores, warn)


def decipher_fix(nbest: NBestList, scorer: Scorer | None, lmw: float, wtw: float, *, unk_is_word: bool = False,
                 warn: Callable[[str], None] | None = None) -> list[tuple[int, str]]:
    """NBestHyp::decipherFix: recover the acoustic scores from the recognizer's totals by taking out its LM score
    (lmw * log10 P under `scorer`, the Decipher LM; None is SRILM's NullLM, probability one) and its word
    transition weight (wtw per token, pauses included, as Decipher applies it)."""
    if not len(nbest):
        return []
    found: list[tuple[int, str]] = []
    if unk_is_word and scorer is not None:
        map_unknown_words(nbest, scorer.vocab)
    if scorer is None:
        language = np.zeros(len(nbest))
        num_words = np.array([sum(w != PAUSE for w in words) for words in nbest.words])
        bad = np.zeros(len(nbest), dtype=bool)
    else:
        scores = score_hypotheses(scorer, nbest.words, unk_is_word=unk_is_word)
        language, num_words = _weighted(lmw, scores.logprob), scores.num_words
        bad = (scores.zeroprobs > 0) | (scores.oovs > 0)
        found = _warnings(nbest, scores, warn)
        language = np.where(bad, -np.inf, language)
    all_words = np.array([len(words) for words in nbest.words])
    total = np.array(nbest.total, dtype=np.float32).astype(np.float64)
    nbest.language = language.tolist()
    nbest.num_words = num_words.tolist()
    nbest.acoustic = (total - language - wtw * all_words).tolist()
    return found


def sort_hypotheses(nbest: NBestList) -> None:
    """NBestList::sortHyps: best total first; ties keep their order."""
    order = sorted(range(len(nbest)), key=lambda h: -nbest.total[h])
    for name in ("words", "acoustic", "language", "total", "num_words"):
        values = getattr(nbest, name)
        setattr(nbest, name, [values[h] for h in order])


def _decipher_score(value: float) -> str:
    """Decipher's `(score)`: a bytelog, without decimals when it is a whole number (NBestHyp::write)."""
    return f"{value:.0f}" if np.rint(value) == value else f"{value:.6f}"


def write_nbest(nbest: NBestList, out: TextIO, decipher: bool = False) -> None:
    """NBestList::write: SRILM's format (`%.15g %.15g N words`) or Decipher's NBestList1.0."""
    if decipher:
        out.write(NBEST1_MAGIC + "\n")
        for words, total in zip(nbest.words, nbest.total):
            score = log10_to_bytelog(float(np.float32(total)))
            out.write(" ".join(["(" + _decipher_score(score) + ")", *words]) + "\n")
        return
    for words, acoustic, language, n in zip(nbest.words, nbest.acoustic, nbest.language, nbest.num_words):
        out.write(" ".join([_g(acoustic, 15), _g(language, 15), str(n), *words]) + "\n")


def _g(value: float, digits: int) -> str:
    """printf's %.<digits>g (Python's %-format is C's, inf and nan included)."""
    return "%.*g" % (digits, value)


def rescore_stream(lines: Iterable[tuple[int, str]], scorer: Scorer, out: TextIO, *, lmw: float = 8.0,
                   wtw: float = 0.0, decipher_scorer: Scorer | None = None, decipher_lmw: float = 8.0,
                   decipher_wtw: float = 0.0, escape: str | None = None, unk_is_word: bool = False,
                   sos: bool = True, eos: bool = True, path: str = "-", warn: Callable[[str], None] | None = None,
                   batch: int = 1000, tolower: bool = False) -> int:
    """LM::rescoreFile (ngram -rescore): a stream of hypotheses without a header, each fixed by the Decipher LM
    (or none), rescored and written as `acoustic lm words w1 ...` with 16 digits; lines starting with `escape`
    are copied. A badly formatted line gets a warning naming it and is skipped, as SRILM skips it. `tolower`
    (ngram -tolower) lower-cases the words. Returns the number of hypotheses read."""
    pending: list[str | NBestList] = []
    count = 0

    def flush() -> None:
        for item in pending:
            if isinstance(item, str):
                out.write(item)
                continue
            # SRILM fixes and rescores one hypothesis at a time: its warnings come hypothesis by hypothesis
            found = decipher_fix(item, decipher_scorer, decipher_lmw, decipher_wtw, unk_is_word=unk_is_word)
            found += rescore(item, scorer, lmw, wtw, unk_is_word=unk_is_word, sos=sos, eos=eos)
            if warn is not None:
                for _, line in sorted(found, key=lambda pair: pair[0]):
                    warn(line)
            for words, acoustic, language, n in zip(item.words, item.acoustic, item.language, item.num_words):
                out.write(" ".join([_g(acoustic, 16), _g(language, 16), str(n), *words]) + "\n")
        pending.clear()

    group = NBestList()
    for lineno, line in lines:
        if escape is not None and line.startswith(escape):
            if len(group):
                pending.append(group)
                group = NBestList()
            pending.append(line if line.endswith("\n") else line + "\n")
            continue
        if not line.strip(WORD_SEPARATORS):
            continue
        count += 1
        try:
            words, *scores = parse_hypothesis(line)
            group.append([lower_case(word) for word in words] if tolower else words, *scores)
        except ValueError:
            if warn is not None:
                warn(f"{path}: line {lineno}: bad n-best hyp format")
            continue
        if len(group) >= batch:
            pending.append(group)
            group = NBestList()
            flush()
    if len(group):
        pending.append(group)
    flush()
    return count
