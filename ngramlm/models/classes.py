"""Word classes and the class n-gram model (SRILM's classes-format(5) and `ngram -classes C -lm M`).

A class file has one expansion per line, `class [p] word`: the word belongs to the class with membership
probability p(word | class) (1 when p is left out). Each word belongs to at most one class here (SRILM allows a
word in several classes and multi-word expansions; those files are refused with a message). Words of the text
that no class names stand for themselves, as in SRILM.

The class n-gram model (Brown et al. 1992; SRILM's ClassNgram for single-membership classes) is

    p(w | w_1 .. w_{n-1}) = p(c(w) | c(w_1) .. c(w_{n-1})) * p(w | c(w))

where c(v) is v's class, or v itself for a word outside every class. The class n-gram probabilities come from an
ordinary back-off model over class tokens (any smoothing of ngramlm.smoothing, estimated from the text with every
word replaced by its class), so the model is written and read as an ARPA file that SRILM's `ngram -classes`
reads too.

In:  a class file (read_classes -> WordClasses, or classes from ngramlm.models.clustering), and training text files
     (train_class_model) or a class model as a BackoffModel.
Out: a ClassNgramModel (WordClasses and the BackoffModel over class tokens), scored by ClassScorer; beside it,
     InterpolatedScorer mixes scorers over different vocabularies, with weights tuned by EM (tune_interpolation).
"""
from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..core.model import BackoffModel
from ..corpora.reader import TextOptions, read_corpus
from ..core.errors import InputError, ModelError
from ..core.scorer import NO_WORD, Scorer
from ..use.scoring import BackoffScorer, score_by_batch
from ..core.io import atomic_write, lower_case
from ..core.vocab import BOS, EOS, UNK_ID, Vocabulary

# A class whose membership probabilities sum to 1 within this is left as it is.
PROB_SUM_TOLERANCE = 1e-4
# A word id that no model has: what a mixture component is asked for a word outside its vocabulary.
UNKNOWN_TO_COMPONENT = NO_WORD - 1


class ClassFileWarning(UserWarning):
    """A class file that was usable after a documented repair (membership probabilities renormalised)."""


@dataclass
class WordClasses:
    """Single-membership word classes: each word's class name and its log10 p(word | class)."""

    word_class: dict[str, str] = field(default_factory=dict)
    word_logprob: dict[str, float] = field(default_factory=dict)

    @property
    def class_names(self) -> list[str]:
        """The class names, in order of first appearance."""
        return list(dict.fromkeys(self.word_class.values()))

    def members(self, name: str) -> list[str]:
        return [w for w, c in self.word_class.items() if c == name]

    def token(self, word: str) -> str:
        """What the word is in the class n-gram: its class, or itself outside every class."""
        return self.word_class.get(word, word)

    def map_sentence(self, tokens: Sequence[str]) -> list[str]:
        return [self.word_class.get(t, t) for t in tokens]

    @classmethod
    def from_counts(cls, word_class: dict[str, str], word_counts: dict[str, float]) -> "WordClasses":
        """Classes with the maximum-likelihood memberships p(w | c) = N(w) / N(c) (Brown et al. 1992)."""
        totals: Counter = Counter()
        for word, name in word_class.items():
            totals[name] += word_counts[word]
        logprob = {w: math.log10(word_counts[w] / totals[c]) for w, c in word_class.items()}
        return cls(dict(word_class), logprob)


def _parse_expansion(fields: list[str], path: str, lineno: int,
                     tolower: bool = False) -> tuple[str, float, tuple[str, ...]]:
    """(class, p, words) of a class-file line `class [p] word ...` (SRILM: a second field that parses as a number
    is the probability); `tolower` (ngram -tolower) lower-cases the class and its words, as SRILM's vocabulary
    maps them."""
    if len(fields) < 2:
        raise InputError(path, lineno, f"a class expansion needs a class and a word, found {' '.join(fields)!r}")
    name, rest = fields[0], fields[1:]
    prob = 1.0
    if len(rest) > 1:
        try:
            prob = float(rest[0])
            rest = rest[1:]
        except ValueError:
            pass
    if not (0.0 <= prob <= 1.0) or math.isnan(prob):
        raise InputError(path, lineno, f"probability {prob} of {' '.join(rest)!r} in class {name!r} is not in [0, 1]")
    if tolower:
        return lower_case(name), prob, tuple(lower_case(word) for word in rest)
    return name, prob, tuple(rest)


@dataclass(frozen=True)
class ClassExpansion:
    """One line of a class file: the class expands to `words` with probability `prob`."""

    name: str
    prob: float
    words: tuple[str, ...]


def read_class_expansions(path: str, tolower: bool = False) -> list[ClassExpansion]:
    """Every expansion of a class file as written, multi-word ones and words in several classes included
    (what SRILM's general class n-gram reads; the probabilities are used as given); lower-cased with `tolower`."""
    from ..core.io import iter_lines, split_words

    expansions = []
    for lineno, line in iter_lines(path):
        fields = split_words(line)
        if fields:
            expansions.append(ClassExpansion(*_parse_expansion(fields, path, lineno, tolower)))
    return expansions


def read_classes(path: str, vocab: Vocabulary | None = None, *, renormalise: bool = True,
                 tolower: bool = False) -> WordClasses:
    """Read a class file in SRILM's format (classes-format(5)): `class [p] word` per line.

    Raises InputError (naming the line) for a word given twice, a multi-word expansion, a probability outside
    [0, 1], a class name that is also a classed word, or, when a closed `vocab` is given, a word it does not know.
    A class whose probabilities do not sum to 1 is renormalised with a ClassFileWarning (SRILM would use the
    improper model as it is: `renormalise=False` keeps them as given); a class whose probabilities are all 0 gets
    uniform memberships likewise. `tolower` lower-cases the classes and words (ngram -tolower).
    """
    from ..core.io import iter_lines, split_words

    word_class: dict[str, str] = {}
    probs: dict[str, float] = {}
    first_line: dict[str, int] = {}
    for lineno, line in iter_lines(path):
        fields = split_words(line)
        if not fields:
            continue
        name, prob, words = _parse_expansion(fields, path, lineno, tolower)
        if len(words) > 1:
            raise InputError(path, lineno, f"class {name!r} expands to the phrase {' '.join(words)!r}: multi-word "
                             "expansions need the general class model (ngram -classes without -simple-classes); "
                             "give one word per line as `class [p] word`")
        word = words[0]
        if word in word_class:
            raise InputError(path, lineno, f"{word!r} is already in class {word_class[word]!r} (line "
                             f"{first_line[word]}); a word may belong to one class only")
        if vocab is not None and vocab.closed and word not in vocab:
            raise InputError(path, lineno, f"{word!r} of class {name!r} is not in the vocabulary; add it to the "
                             "vocabulary or remove it from the class file")
        if word in (BOS, EOS):
            raise InputError(path, lineno, f"the sentence marker {word} cannot be put in a class")
        word_class[word], probs[word], first_line[word] = name, prob, lineno
    clash = set(word_class.values()) & set(word_class)
    if clash:
        word = sorted(clash)[0]
        raise InputError(path, first_line[word], f"{word!r} is both a class name and a word of a class; "
                         "rename the class")
    if not renormalise:
        return WordClasses(word_class, {w: math.log10(p) if p > 0 else -math.inf for w, p in probs.items()})
    return WordClasses(word_class, _normalised_logprobs(word_class, probs, path))


def _normalised_logprobs(word_class: dict[str, str], probs: dict[str, float], path: str) -> dict[str, float]:
    totals: Counter = Counter()
    sizes: Counter = Counter()
    for word, name in word_class.items():
        totals[name] += probs[word]
        sizes[name] += 1
    logprob = {}
    for word, name in word_class.items():
        total = totals[name]
        if abs(total - 1.0) > PROB_SUM_TOLERANCE:
            if name not in logprob:
                warnings.warn(f"{path}: the probabilities of class {name!r} sum to {total:.6g}, not 1; they are "
                              "renormalised" + (" to uniform" if total == 0 else ""), ClassFileWarning, stacklevel=3)
                logprob[name] = None
        p = probs[word] / total if total > 0 else 1.0 / sizes[name]
        logprob[word] = math.log10(p) if p > 0 else -math.inf
    return {w: logprob[w] for w in word_class}


def write_classes(classes: WordClasses, path: str) -> None:
    """Write a class file in SRILM's format, `class p word` per line, class by class, likeliest member first."""
    by_class: dict[str, list[tuple[float, str]]] = {name: [] for name in classes.class_names}
    for word, name in classes.word_class.items():
        by_class[name].append((classes.word_logprob[word], word))
    with atomic_write(path) as f:
        for name, members in by_class.items():
            for logp, word in sorted(members, key=lambda m: (-m[0], m[1])):
                f.write(f"{name} {10.0 ** logp:.10g} {word}\n")


def class_sentences(paths: Iterable[str], classes: WordClasses,
                    options: TextOptions = TextOptions()) -> Iterator[list[str]]:
    """The sentences of text files with every word replaced by its class (the text a class n-gram is counted on)."""
    for sentence in read_corpus(paths, options):
        yield classes.map_sentence(sentence)


def train_class_model(paths: Sequence[str], classes: WordClasses, order: int = 3,
                      method: str | Sequence[str] = "modified-kneser-ney", *, interpolate=False, unk: bool = False,
                      options: TextOptions = TextOptions(), **params) -> "ClassNgramModel":
    """Estimate a class n-gram model: count the class-mapped text and smooth it with ngramlm.smoothing.estimate
    (`method`, `interpolate`, `unk` and `params` as there)."""
    from ..counting.corpus_count import count_sentences
    from ..smoothing import estimate

    counts = count_sentences(class_sentences(paths, classes, options), order, Vocabulary())
    return ClassNgramModel(classes, estimate(counts, method, interpolate=interpolate, unk=unk, **params))


@dataclass
class ClassNgramModel:
    """Word classes and the back-off model over class tokens (class names and unclassed words)."""

    classes: WordClasses
    class_model: BackoffModel

    @property
    def order(self) -> int:
        return self.class_model.order


class ClassScorer(Scorer):
    """Scores words with a ClassNgramModel: a Scorer (score, score_batch, distribution).

    Its vocabulary holds the class model's words that are not class names, then the classed words. A classed
    word whose class the class model lacks stands for itself (as SRILM's SimpleClassNgram has it): probability 0
    unless the model has the word.
    """

    def __init__(self, model: ClassNgramModel):
        self.model = model
        tokens = model.class_model.vocab
        names = set(model.classes.class_names)
        self.vocab = Vocabulary(unk_word=tokens.unk_word)
        for word in tokens.words[3:]:
            if word not in names:
                self.vocab.add(word)
        for word in model.classes.word_class:
            self.vocab.add(word)
        missing = len(tokens)  # stands for a class the class model does not have: scored as probability 0
        self._token = np.empty(len(self.vocab) + 1, dtype=np.uint32)
        self._member_logprob = np.zeros(len(self.vocab), dtype=np.float64)
        for wid, word in enumerate(self.vocab.words):
            name = model.classes.word_class.get(word)
            if name not in tokens:
                name = None  # a class the model lacks: the word stands for itself (SRILM's SimpleClassNgram)
            token = word if name is None else name
            self._token[wid] = tokens.id(token) if (token in tokens or wid == UNK_ID) else missing
            if name is not None:
                self._member_logprob[wid] = model.classes.word_logprob[word]
        self._token[len(self.vocab)] = missing
        self._missing = missing
        self._scorer = BackoffScorer(model.class_model)
        self.order = model.order

    def has_unk(self) -> bool:
        return self.model.class_model.has_unk() or self.vocab.unk_word in self.model.classes.word_class

    def _tokens(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        return np.where(ids == NO_WORD, NO_WORD, self._token[np.minimum(ids, len(self.vocab))]).astype(np.uint32)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log10 p(w | h) = log10 p(c(w) | c(h)) + log10 p(w | c(w)) (float32) and the class n-gram matched."""
        tokens = self._tokens(words)
        missing = tokens == self._missing
        logp, matched = self._scorer.score_batch(np.where(missing, UNK_ID, tokens).astype(np.uint32),
                                                 self._class_histories(histories))
        known = np.minimum(np.asarray(words, dtype=np.int64), len(self.vocab))
        logp = logp.astype(np.float64) + np.append(self._member_logprob, 0.0)[known]
        logp[missing] = -np.inf
        matched[missing] = 0
        return logp.astype(np.float32), matched

    def _class_histories(self, histories: np.ndarray) -> np.ndarray:
        tokens = self._tokens(histories)
        # A history word of a missing class cannot match any n-gram: it acts as an unseen context.
        tokens[tokens == self._missing] = UNKNOWN_TO_COMPONENT
        return tokens.reshape(np.shape(histories))

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) for every word id of `self.vocab`."""
        class_context = [int(t) for t in self._class_histories(np.array(list(context), dtype=np.uint32))]
        class_logp = np.append(self._scorer.distribution(class_context).astype(np.float64), -np.inf)
        return class_logp[self._token[:len(self.vocab)]] + self._member_logprob


class InterpolatedScorer(Scorer):
    """Per-word linear interpolation of scorers over different vocabularies (Jelinek & Mercer 1980):
    p(w | h) = sum_i lambda_i p_i(w | h). Its vocabulary is the union of theirs, the first scorer's ids first."""

    def __init__(self, scorers: Sequence, weights: Sequence[float]):
        from ..use.mix import normalise_weights

        self.scorers = list(scorers)
        self.weights = normalise_weights(weights, len(self.scorers))
        first = self.scorers[0].vocab
        self.vocab = Vocabulary(first.words[3:], unk_word=first.unk_word)
        for scorer in self.scorers[1:]:
            for word in scorer.vocab.words[3:]:
                self.vocab.add(word)
        # Each component sees its own ids: in a history a word it does not know is its <unk> (as SRILM reads an
        # unknown context word); as the predicted word it gets probability 0 from that component (an id no model
        # has), so that the mixture still sums to 1 over the union of the vocabularies.
        self._ids = [np.append(np.array([s.vocab.id(w) for w in self.vocab.words], dtype=np.uint32), NO_WORD)
                     for s in self.scorers]
        self._word_ids = [np.array([s.vocab.id(w) if w in s.vocab or wid == UNK_ID else UNKNOWN_TO_COMPONENT
                                    for wid, w in enumerate(self.vocab.words)], dtype=np.uint32)
                          for s in self.scorers]
        self.order = max(s.order for s in self.scorers)

    def has_unk(self) -> bool:
        return any(getattr(s, "has_unk", lambda: False)() for s in self.scorers)

    def component_logprobs(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(scorers, m) log10 probabilities of each component, and the longest n-gram any matched."""
        words = np.asarray(words, dtype=np.int64)
        histories = np.asarray(histories, dtype=np.int64)
        history_index = np.where(histories == NO_WORD, len(self.vocab), histories)
        width = self.order - 1
        logprobs, matched = [], []
        for scorer, ids, word_ids in zip(self.scorers, self._ids, self._word_ids):
            own = histories.shape[1] - (scorer.order - 1) if width else 0
            logp, match = scorer.score_batch(word_ids[words], ids[history_index[:, own:]])
            logprobs.append(np.asarray(logp, dtype=np.float64))
            matched.append(match)
        return np.array(logprobs).reshape(len(self.scorers), len(words)), np.max(np.array(matched), axis=0)

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logprobs, matched = self.component_logprobs(words, histories)
        return _log10_mix(logprobs, self.weights).astype(np.float32), matched

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        width = self.order - 1
        recent = list(context)[max(0, len(context) - width):] if width else []
        history = np.array([[NO_WORD] * (width - len(recent)) + recent], dtype=np.uint32).reshape(1, width)
        logp, matched = self.score_batch(np.array([word]), history)
        return float(logp[0]), int(matched[0])

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p(w | context) under the mixture for every word id of `self.vocab`."""
        total = np.zeros(len(self.vocab))
        for scorer, ids, word_ids, weight in zip(self.scorers, self._ids, self._word_ids, self.weights):
            logp = np.append(np.asarray(scorer.distribution([int(ids[c]) for c in context]), dtype=np.float64),
                             -np.inf)
            total += weight * 10.0 ** logp[np.minimum(word_ids.astype(np.int64), len(logp) - 1)]
        with np.errstate(divide="ignore"):
            return np.log10(total)


def _log10_mix(logprobs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log10(weights @ np.power(10.0, logprobs))


def heldout_component_logprobs(scorer: InterpolatedScorer, path: str, options=None) -> np.ndarray:
    """(components, tokens) log10 probabilities of the words and sentence ends of a held-out text (SRILM's
    counting: `<s>` is not scored), for tuning the interpolation weights."""
    from ..use.ppl_report import PplOptions, text_items
    from ..use.scoring import sentence_positions

    options = options or PplOptions()
    width = max(scorer.order - 1, 1)
    sentences = [ids for _, ids in text_items(path, scorer.vocab, options) if ids is not None]
    parts = []
    for start in range(0, len(sentences), 8192):
        positions = [sentence_positions(ids, width) for ids in sentences[start:start + 8192]]
        words = np.concatenate([w for w, _ in positions])
        histories = np.concatenate([h for _, h in positions])[:, width - (scorer.order - 1):]
        parts.append(scorer.component_logprobs(words, histories)[0])
    return np.concatenate(parts, axis=1) if parts else np.zeros((len(scorer.scorers), 0))


def tune_interpolation(scorers: Sequence, heldout: str, options=None) -> np.ndarray:
    """Interpolation weights maximising the likelihood of a held-out text, by EM (SRILM's compute-best-mix)."""
    from ..use.mix import estimate_mixture_weights

    mixture = InterpolatedScorer(scorers, [1.0] * len(scorers))
    logprobs = heldout_component_logprobs(mixture, heldout, options)
    if logprobs.shape[1] == 0:
        raise ModelError(f"{heldout}: no words to tune the interpolation weights on")
    return estimate_mixture_weights(logprobs)[0]
