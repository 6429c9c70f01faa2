"""`ngram-class`: SRILM's word-class induction (greedy merging of Brown et al. 1992), with its flags and files.

Bigram counts come from -text (sentences get <s> and </s>) and/or -counts (N-gram count files; counts add up).
The algorithm is ngramlm/models/srilm_classes.py; this module reads the inputs, runs it and writes SRILM's
outputs: -classes (`CLASS-00001 P(word|class) word` lines), -class-counts (class N-gram counts), -save snapshots
and SRILM's -debug messages on standard error. `ngramlm classes induce` is the faster exchange algorithm.
"""
from __future__ import annotations

import sys
from collections import Counter

import click

from ngramlm.core.errors import InputError
from ngramlm.core.io import atomic_write, iter_lines, lower_case, split_words
from ngramlm.models.srilm_classes import CLASS_FORMAT, MergeEvents, MergeStep, SrilmClasses
from ngramlm.use.text_stats import TextStats

from ngramlm.cli.common import checks_outputs, report_errors
from ngramlm.cli.srilm_options import srilm_command
from ngramlm.cli.srilm_text import keep_bytes_on_stdout, readable_input

BOS, EOS, UNK, PAUSE = "<s>", "</s>", "<unk>", "-pau-"
ERRORS = "surrogateescape"  # SRILM reads words as bytes


class _Words:
    """SRILM's vocabulary: open (every word added), or closed by -vocab (unknown words become <unk>). Words are
    numbered as SRILM numbers them (its special words first), which fixes the order of its -classes output."""

    def __init__(self, tolower: bool) -> None:
        self.words: list[str] = []
        self.index: dict[str, int] = {}
        self.closed = False
        self.tolower = tolower
        for w in (UNK, BOS, EOS, PAUSE):
            self.add(w)

    def add(self, word: str) -> int:
        if self.tolower:
            word = lower_case(word)
        i = self.index.get(word)
        if i is None:
            i = self.index[word] = len(self.words)
            self.words.append(word)
        return i

    def id(self, word: str) -> tuple[int, bool]:
        """The index of `word` and whether it was out of the vocabulary."""
        if self.tolower:
            word = lower_case(word)
        i = self.index.get(word)
        if i is not None:
            return i, False
        if self.closed:
            return self.index[UNK], True
        return self.add(word), False


def _read_word_list(path: str) -> list[str]:
    found = []
    for _, line in iter_lines(path, ERRORS):
        fields = split_words(line)
        if fields:
            found.append(fields[0])
    return found


def _count_text(path: str, words: _Words, unigram: Counter, bigram: Counter) -> tuple[TextStats, int]:
    """Count the text's unigrams and bigrams; its statistics as SRILM prints them, and its last line number."""
    stats = TextStats()
    lines = 0
    bos, eos = words.index[BOS], words.index[EOS]
    for lines, line in iter_lines(readable_input(path), ERRORS):
        tokens = split_words(line)
        if not tokens:
            continue
        ids = []
        for t in tokens:
            i, oov = words.id(t)
            ids.append(i)
            stats.oovs += oov
        stats.words += sum(1 for i in ids if i not in (bos, eos))
        stats.sentences += 1
        if ids[0] != bos:
            ids.insert(0, bos)
        if ids[-1] != eos:
            ids.append(eos)
        unigram.update(ids)
        bigram.update(zip(ids, ids[1:]))
    return stats, lines


def _read_counts(path: str, words: _Words, unigram: Counter, bigram: Counter) -> None:
    for lineno, line in iter_lines(readable_input(path), ERRORS):
        fields = split_words(line)
        if not fields:
            continue
        try:
            count = int(fields[-1])
        except ValueError:
            raise InputError(path, lineno, f"count '{fields[-1]}' is not an integer") from None
        ngram = fields[:-1]
        if len(ngram) == 1:
            unigram[words.id(ngram[0])[0]] += count
        elif len(ngram) == 2:
            bigram[words.id(ngram[0])[0], words.id(ngram[1])[0]] += count
        elif not ngram:
            raise InputError(path, lineno, "an N-gram count line needs words and a count")


def _read_classes(path: str, words: _Words) -> dict[int, str]:
    """-read: `class prob word` lines, one class per word (SRILM's restriction); unknown words are ignored."""
    initial: dict[int, str] = {}
    for lineno, line in iter_lines(path, ERRORS):
        fields = split_words(line)
        if not fields:
            continue
        if len(fields) != 3:
            raise InputError(path, lineno, "malformed class expansion (ngram-class -read needs 'CLASS PROB WORD')")
        name, prob, word = fields
        try:
            float(prob)
        except ValueError:
            raise InputError(path, lineno, "malformed class expansion probability") from None
        w = words.index.get(lower_case(word) if words.tolower else word)
        if w is None:
            continue
        if w in initial:
            raise InputError(path, lineno, "only single class expansion per word allowed")
        initial[w] = lower_case(name) if words.tolower else name
    return initial


def _write_classes(path: str, state: SrilmClasses) -> None:
    with atomic_write(path) as out:
        for name, prob, word in state.class_word_probs():
            out.write(f"{name} {prob:.16g} {word}\n")


def _write_class_counts(path: str, state: SrilmClasses) -> None:
    with atomic_write(path) as out:
        for ngram, count in state.class_counts():
            out.write(f"{' '.join(ngram)}\t{count}\n")


def _save_name(base: str, iteration: int) -> str:
    """SRILM's name of a -save snapshot: BASE.000100 (before a .gz suffix); '-' stays standard output."""
    if base == "-":
        click.echo(f"*** SAVE FOR ITERATION {iteration:06d} ***")
        sys.stdout.flush()
        return base
    for suffix in (".gz", ".Z"):
        if base.endswith(suffix):
            return f"{base}.{iteration:06d}{suffix}"
    return f"{base}.{iteration:06d}"


def _ppl(logprob: float, tokens: int) -> float:
    return float(10 ** (-logprob / tokens)) if tokens else float("inf")


def _interact(state: SrilmClasses, classes: str | None, class_counts: str | None,
              words_count: tuple[int, int]) -> None:
    """SRILM's primitive interactive merging: pairs of class names from standard input (whitespace-separated
    tokens, as C++'s `cin >>` reads them) until its end."""
    tokens = (token for line in sys.stdin for token in line.split())
    while True:
        sys.stdout.write("Enter two class names> ")
        sys.stdout.flush()
        names = [next(tokens, ""), next(tokens, "")]
        if not names[0]:
            break
        by_name = {state.unit_names[u]: u for u in state.classes()}
        c1, c2 = (by_name.get(n) for n in names[:2])
        if c1 is None or c2 is None:
            click.echo(f"{names[0] if c1 is None else names[1]} is not a valid class; try again.", err=True)
            continue
        if c1 == c2:
            click.echo("Classes must be distinct; try again.", err=True)
            continue
        click.echo(f"Merging class {names[0]} and {names[1]}")
        click.echo(f"Projected delta = {state.diff(c1, c2):.6g}")
        state.merge(c1, c2)
        if classes:
            _write_classes(classes, state)
        if class_counts:
            _write_class_counts(class_counts, state)
        sys.stdout.write(_final_stats(state, *words_count).format())


def _final_stats(state: SrilmClasses, words: int, sentences: int) -> TextStats:
    return TextStats(sentences=sentences, words=words, logprob=state.total_logp())


class _Events(MergeEvents):
    """SRILM's -debug 2 trace of merging, and the -save snapshots."""

    def __init__(self, state: SrilmClasses, debug: int, tokens: int, classes: str | None,
                 class_counts: str | None, save: int, save_maxclasses: int) -> None:
        self.state, self.debug, self.tokens = state, debug, tokens
        self.classes, self.class_counts = classes, class_counts
        self.save, self.save_maxclasses = save, save_maxclasses
        self.logprob = state.total_logp() if debug >= 2 else 0.0
        self.iteration = 0
        self.saved = -1   # SRILM's saveIters: counts from 0 once -save-maxclasses is reached

    def _trace(self, line: str) -> None:
        if self.debug >= 2:
            click.echo(line, err=True)

    def adding(self, unit: int) -> None:
        self._trace(f"\tadding {self.state.unit_names[unit]}")

    def merged(self, step: MergeStep) -> None:
        self.iteration += 1
        if self.debug >= 2:
            self.logprob += step.diff
            self._trace(f"\tmerging {step.kept} and {step.merged} diff = {step.diff:.6g}")
            self._trace(f"iter {self.iteration}: {len(self.state.classes())} classes, "
                        f"perplexity = {_ppl(self.logprob, self.tokens):.6g}")

    def full(self, unit: int, max_words: int) -> None:
        self._trace(f"\tclass {self.state.unit_names[unit]} now contains {max_words} words")

    def iteration_done(self) -> None:
        if self.save_maxclasses == 0:
            self.saved = self.iteration
        elif self.saved < 0:
            if len(self.state.classes()) <= self.save_maxclasses:
                self.saved = 0
        else:
            self.saved += 1
        if self.save > 0 and self.saved >= 0 and self.saved % self.save == 0:
            if self.classes:
                _write_classes(_save_name(self.classes, self.saved), self.state)
            if self.class_counts:
                _write_class_counts(_save_name(self.class_counts, self.saved), self.state)


@srilm_command("ngram-class")
@click.option("-version", "version", is_flag=True, help="Print version information.")
@click.option("-debug", "debug", type=click.IntRange(0, None), default=0,
              help="Debugging level: 1 text statistics, 2 traces the merges.")
@click.option("-vocab", "vocab", metavar="FILE", help="Vocabulary: other words become <unk>.")
@click.option("-tolower", "tolower", is_flag=True, help="Map the vocabulary to lowercase.")
@click.option("-noclass-vocab", "noclass_vocab", metavar="FILE",
              help="Words kept out of classes (default: <s> and </s>).")
@click.option("-counts", "counts", metavar="FILE", help="N-gram counts to read (unigrams and bigrams are used).")
@click.option("-text", "text", metavar="FILE", help="Text to count, one sentence per line.")
@click.option("-numclasses", "numclasses", type=click.IntRange(0, None), default=1,
              help="Target number of classes; 0: no automatic merging.")
@click.option("-full/-incremental", "full", default=False,
              help="Full greedy merging over all classes (O(V^3)), or incremental merging (the default).")
@click.option("-interact", "interact", is_flag=True, help="Merge pairs of classes named on standard input.")
@click.option("-class-counts", "class_counts", metavar="FILE", help="Write class N-gram counts when done.")
@click.option("-classes", "classes", metavar="FILE", help="Write class definitions when done.")
@click.option("-read", "read", metavar="FILE", help="Initial class memberships (SRILM's classes format).")
@click.option("-save", "save", type=int, default=0, help="Save classes and counts every S iterations.")
@click.option("-save-maxclasses", "save_maxclasses", type=click.IntRange(0, None), default=0,
              help="Start saving once this few classes remain.")
@click.option("-maxwordsperclass", "maxwordsperclass", type=click.IntRange(0, None), default=0,
              help="Most words in a class in incremental merging (0: no limit).")
@report_errors
@checks_outputs("class_counts", "classes")
def main(version, debug, vocab, tolower, noclass_vocab, counts, text, numclasses, full, interact, class_counts,
         classes, read, save, save_maxclasses, maxwordsperclass):
    """Induce word classes from bigram statistics (SRILM's ngram-class: greedy merging, Brown et al. 1992)."""
    keep_bytes_on_stdout()
    if version:
        from importlib.metadata import version as installed_version
        click.echo(f"ngramlm {installed_version('ngramlm')} (SRILM ngram-class compatible)")
        return
    words = _Words(tolower)
    if vocab:
        for w in _read_word_list(vocab):
            words.add(w)
        words.closed = True
    noclass = ({words.add(w) for w in _read_word_list(noclass_vocab)} if noclass_vocab
               else {words.index[BOS], words.index[EOS]})
    if not (counts or text):
        click.echo("Specify counts or text file as input.", err=True)
        sys.exit(1)
    unigram: Counter = Counter()
    bigram: Counter = Counter()
    if text:
        stats, lines = _count_text(text, words, unigram, bigram)
        if debug >= 1:
            sys.stderr.write(f"{text}: line {lines}: {stats.format()}")
    if counts:
        _read_counts(counts, words, unigram, bigram)
    initial = _read_classes(read, words) if read else None
    try:
        # SRILM's -tolower maps every string its vocabulary adds, class names included
        state = SrilmClasses.from_counts(words.words, dict(unigram), dict(bigram), noclass, initial,
                                         lower_case(CLASS_FORMAT) if tolower else CLASS_FORMAT)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if debug >= 2:
        for u in range(len(state.unit_names)):
            if state.is_class[u]:
                for w in state.members(u):
                    if initial is None or w not in initial:
                        click.echo(f"\tcreating {state.unit_names[u]} for word {words.words[w]}", err=True)
    bos, eos = words.index[BOS], words.index[EOS]
    sentences = int(state.word_counts[eos])
    num_words = int(state.word_counts.sum()) - sentences - int(state.word_counts[bos])
    tokens = num_words + sentences

    events = _Events(state, debug, tokens, classes, class_counts, save, save_maxclasses)
    if numclasses > 0:
        if debug >= 2:
            click.echo(f"iter 0: {len(state.classes())} classes, perplexity = {_ppl(events.logprob, tokens):.6g}",
                       err=True)
        if full:
            state.full_merge(numclasses, events)
        else:
            state.incremental_merge(numclasses, maxwordsperclass, events)
    if classes:
        _write_classes(classes, state)
    if class_counts:
        _write_class_counts(class_counts, state)
    if debug >= 1:
        sys.stderr.write(_final_stats(state, num_words, sentences).format())
    if interact:
        _interact(state, classes, class_counts, (num_words, sentences))

