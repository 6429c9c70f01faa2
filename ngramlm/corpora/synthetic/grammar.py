"""The English-like grammar behind the synthetic corpus, compiled to a `SentenceSource`.

A small probabilistic grammar of English written for language-modelling experiments, with dependencies that a
fixed n-gram window cannot see:

* the verb agrees in number with its subject (is/are, was/were, barks/bark), and the subject may carry a
  prepositional phrase or a relative clause whose own nouns have the other number ("the dog with the cats
  barks", "the dogs that the cat chases bark"), so the noun just before the verb is often the wrong cue;
* the subject's animacy selects the verb and the predicate adjective ("the cat ... sleeps", "the clock ...
  breaks", "is hungry" / "is broken"), again across the modifier;
* object relatives nest a second agreement inside the first.

Recursion (modifiers inside modifiers, complement clauses, coordination) is bounded by `max_depth`, which keeps
the grammar a finite-state machine: the state remembers the number and animacy of every subject still waiting
for its verb. That is what makes the true probability of every word given its whole prefix computable exactly
(see `ngramlm.corpora.synthetic.source`), so the perplexity of the true model sits beside those of the models trained on the
text. The machine is deterministic (the words of a prefix determine its state), so its entropy rate is exact too.
"""
from __future__ import annotations

import functools
import math
import os
import random
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

from . import lexicon
from ...core.errors import ModelError
from ...core.io import atomic_write
from .source import SentenceSource, SourceBuilder, WordClass

DEFAULT_MAX_DEPTH = 2
DEFAULT_SEED = 1
FUNCTION_WORD_ZIPF, CONTENT_WORD_ZIPF = 1.0, 1.5
# Sentences per split of the shipped corpus (about 175k / 16k / 16k tokens with </s>).
SPLIT_SENTENCES = {"train": 16000, "valid": 1500, "test": 1500}

# How often each construction is chosen (relative weights at each choice point).
KIND_WEIGHTS = {"person": 0.30, "animal": 0.22, "thing": 0.22, "place": 0.10, "idea": 0.16}
NUMBER_WEIGHTS = {"sg": 0.62, "pl": 0.38}
NP_WEIGHTS = {"det_the": 0.30, "det_any": 0.10, "det_a": 0.15, "det_an": 0.03, "det_sg": 0.05, "det_pl": 0.07,
              "bare": 0.06, "name": 0.08, "pronoun": 0.08}
ADJECTIVE_WEIGHT, ANOTHER_ADJECTIVE_WEIGHT = 0.25, 0.12
MODIFIER_WEIGHTS = {"pp": 0.24, "relative": 0.16, "none": 0.60}
RELATIVE_WEIGHTS = {"subject": 0.6, "object": 0.4}
TENSE_WEIGHTS = {"present": 0.62, "past": 0.24, "modal": 0.14}
# Verb types by subject animacy. A transitive verb's type fixes the kind of its object (see OBJECT_KINDS), a
# dependency two or three words long that trigrams see and bigrams do not ("eats the ripe ..." -> a thing).
VERB_TYPE_WEIGHTS = {
    True: {"copula": 0.16, "intransitive": 0.26, "social": 0.16, "handling": 0.16, "place": 0.06, "idea": 0.06,
           "clausal": 0.14},
    False: {"copula": 0.30, "intransitive": 0.35, "affect": 0.35},
}
OBJECT_KINDS = {"social": lexicon.ANIMATE_KINDS, "handling": ("thing",), "place": ("place",), "idea": ("idea",),
                "affect": lexicon.ANIMATE_KINDS}
# (verb type, animate subject) -> the word list in ngramlm.corpora.synthetic.lexicon.
LEXICON_VERB_KIND = {("intransitive", True): "intransitive_animate",
                     ("intransitive", False): "intransitive_inanimate",
                     ("social", True): "transitive_social", ("handling", True): "transitive_handling",
                     ("place", True): "transitive_place", ("idea", True): "transitive_idea",
                     ("affect", False): "transitive_inanimate", ("clausal", True): "clausal"}
FREQUENCY_ADVERB_WEIGHT, MANNER_ADVERB_WEIGHT, DEGREE_ADVERB_WEIGHT = 0.07, 0.2, 0.2
COMPLEMENTIZER_WEIGHT = 0.7
ADJUNCT_WEIGHT, COORDINATION_WEIGHT, INTRO_WEIGHT = 0.25, 0.2, 0.06


def _animate(kind: str) -> bool:
    return kind in lexicon.ANIMATE_KINDS


class _GrammarWriter:
    """Writes the grammar into a SourceBuilder; each method lays down one construction from a given state."""

    def __init__(self, max_depth: int):
        self.max_depth = max_depth
        self.builder = SourceBuilder()
        self._classes: dict[str, WordClass] = {}
        self._clauses: dict[int, int] = {}

    # ---- word classes --------------------------------------------------------------------------------------

    def word_class(self, name: str, words: Sequence[str]) -> WordClass:
        if name not in self._classes:
            # Open classes get a steeper Zipf law: their rare members give the long tail of real vocabularies.
            exponent = FUNCTION_WORD_ZIPF if name in lexicon.FUNCTION_WORDS else CONTENT_WORD_ZIPF
            self._classes[name] = WordClass.zipf(name, list(words), exponent)
        return self._classes[name]

    def function_words(self, group: str) -> WordClass:
        return self.word_class(group, lexicon.FUNCTION_WORDS[group].split())

    def nouns(self, kind: str, number: str, initial: str | None) -> WordClass | None:
        forms = [n.singular if number == "sg" else n.plural for n in lexicon.nouns(lexicon.NOUN_KINDS[kind])]
        forms = _with_initial(forms, initial)
        return self.word_class(f"noun:{kind}:{number}:{initial or 'any'}", forms) if forms else None

    def attributive_adjectives(self, initial: str | None) -> WordClass:
        forms = _with_initial(lexicon.ADJECTIVES.split(), initial)
        return self.word_class(f"adjective:{initial or 'any'}", forms)

    def predicate_adjectives(self, animate: bool) -> WordClass:
        specific = lexicon.ADJECTIVES_ANIMATE if animate else lexicon.ADJECTIVES_INANIMATE
        return self.word_class(f"adjective:predicate:{'animate' if animate else 'inanimate'}",
                               specific.split() + lexicon.ADJECTIVES.split())

    def verbs(self, verb_type: str, animate: bool, form: str) -> WordClass:
        if verb_type == "copula":
            group = {"sg": "be_sg", "pl": "be_pl", "past_sg": "be_past_sg", "past_pl": "be_past_pl",
                     "base": "be_base"}[form]
            return self.function_words(group)
        kind = LEXICON_VERB_KIND[(verb_type, animate)]
        entries = lexicon.verbs(lexicon.VERB_KINDS[kind])
        pick = {"sg": lambda v: v.singular, "pl": lambda v: v.base, "base": lambda v: v.base}.get(
            form, lambda v: v.past)
        return self.word_class(f"verb:{kind}:{form.split('_')[0]}", [pick(v) for v in entries])

    # ---- constructions -------------------------------------------------------------------------------------

    def sentence(self) -> int:
        b = self.builder
        start, body = b.state("sentence"), b.state("sentence body")
        after_intro, comma = b.state("intro"), b.state("intro comma")
        b.emit(start, self.function_words("intro"), after_intro, INTRO_WEIGHT)
        b.emit(after_intro, self.function_words("comma"), comma)
        b.epsilon(comma, body)
        b.epsilon(start, body, 1.0 - INTRO_WEIGHT)
        self.clause(body, 0)
        return start

    def clause(self, src: int, depth: int) -> None:
        """A sentence-final clause: subject, then a verb phrase that agrees with it and ends the sentence.
        Every final clause at one depth continues the same way (to the end of the sentence), so they share
        one copy of the network."""
        if depth not in self._clauses:
            entry = self._clauses[depth] = self.builder.state(f"clause depth={depth}")
            for (number, animate), subject in self.noun_phrase(entry, depth, tuple(KIND_WEIGHTS), "subject").items():
                self.verb_phrase(subject, number, animate, depth, final=True)
        self.builder.epsilon(src, self._clauses[depth])

    def noun_phrase(self, src: int, depth: int, kinds: tuple[str, ...], role: str) -> dict[tuple[str, bool], int]:
        """Determiner, adjectives and noun (or a name, a pronoun, a bare plural), then perhaps a modifier.
        Returns the exit state for each (number, animate) the phrase can end with."""
        b = self.builder
        heads: dict[tuple[str, bool], int] = {}
        exits: dict[tuple[str, bool], int] = {}

        def head(number: str, animate: bool) -> int:
            if (number, animate) not in heads:
                heads[(number, animate)] = b.state(f"noun phrase head {number} animate={animate} depth={depth}")
            return heads[(number, animate)]

        def exit_state(number: str, animate: bool) -> int:
            if (number, animate) not in exits:
                exits[(number, animate)] = b.state(f"noun phrase end {number} animate={animate} depth={depth}")
            return exits[(number, animate)]

        # determiner group -> (numbers of noun it allows, first letter of the next word: "a" / "an")
        determiners = {"det_the": (("sg", "pl"), None), "det_any": (("sg", "pl"), None),
                       "det_a": (("sg",), "consonant"), "det_an": (("sg",), "vowel"),
                       "det_sg": (("sg",), None), "det_pl": (("pl",), None)}
        for group, (numbers, initial) in determiners.items():
            after = b.state(f"after {group}")
            b.emit(src, self.function_words(group), after, NP_WEIGHTS[group])
            self.nominal(after, numbers, initial, kinds, head)
        bare = b.state("bare plural")
        b.epsilon(src, bare, NP_WEIGHTS["bare"])
        self.nominal(bare, ("pl",), None, kinds, head)
        if "person" in kinds:
            b.emit(src, self.word_class("name", lexicon.NAMES.split()), exit_state("sg", True), NP_WEIGHTS["name"])
        pronoun_case = "subj" if role == "subject" else "obj"
        pronouns = [("sg", True), ("pl", True)] + ([("sg", False)] if not set(kinds) <= {"person", "animal"} else [])
        if {"person", "animal"} & set(kinds):
            for number, animate in pronouns:
                group = f"pron_{pronoun_case}_{number}_{'anim' if animate else 'inan'}"
                b.emit(src, self.function_words(group), exit_state(number, animate),
                       NP_WEIGHTS["pronoun"] / len(pronouns))
        for (number, animate), state in heads.items():
            self.modifier(state, exit_state(number, animate), number, animate, depth)
        return exits

    def nominal(self, src: int, numbers: tuple[str, ...], initial: str | None, kinds: tuple[str, ...],
                head) -> None:
        """Adjectives then a noun of one of `kinds` and `numbers`, its first letter constrained after a/an."""
        b = self.builder
        adjectives = b.state("adjectives")
        b.emit(src, self.attributive_adjectives(initial), adjectives, ADJECTIVE_WEIGHT)
        b.emit(adjectives, self.attributive_adjectives(None), adjectives, ANOTHER_ADJECTIVE_WEIGHT)
        kind_total = sum(KIND_WEIGHTS[k] for k in kinds)
        number_total = sum(NUMBER_WEIGHTS[n] for n in numbers)
        for kind in kinds:
            for number in numbers:
                share = KIND_WEIGHTS[kind] / kind_total * NUMBER_WEIGHTS[number] / number_total
                first = self.nouns(kind, number, initial)
                if first is not None:
                    b.emit(src, first, head(number, _animate(kind)), (1.0 - ADJECTIVE_WEIGHT) * share)
                b.emit(adjectives, self.nouns(kind, number, None), head(number, _animate(kind)),
                       (1.0 - ANOTHER_ADJECTIVE_WEIGHT) * share)

    def modifier(self, head: int, end: int, number: str, animate: bool, depth: int) -> None:
        """After the head noun: a prepositional phrase, a relative clause, or nothing (below max_depth)."""
        b = self.builder
        if depth >= self.max_depth:
            b.epsilon(head, end)
            return
        b.epsilon(head, end, MODIFIER_WEIGHTS["none"])
        after_preposition = b.state("after noun preposition")
        b.emit(head, self.function_words("prep_noun"), after_preposition, MODIFIER_WEIGHTS["pp"])
        for inner in self.noun_phrase(after_preposition, depth + 1, tuple(KIND_WEIGHTS), "object").values():
            b.epsilon(inner, end)
        relative = b.state(f"relative clause {number} animate={animate}")
        b.emit(head, self.function_words("rel_anim" if animate else "rel_inan"), relative,
               MODIFIER_WEIGHTS["relative"])
        self.relative_clause(relative, end, number, animate, depth + 1)

    def relative_clause(self, src: int, end: int, number: str, animate: bool, depth: int) -> None:
        """Subject relative ("that chases the cat": the verb agrees with the head noun) or, on an animate head,
        object relative ("that the cats chase": the verb agrees with the inner subject and takes the head as its
        object, so it is a social verb, or an affect verb after an inanimate inner subject)."""
        b = self.builder
        if not animate:
            b.epsilon(self.verb_phrase(src, number, animate, depth, final=False), end)
            return
        subject_gap, object_gap = b.state("subject relative"), b.state("object relative")
        b.epsilon(src, subject_gap, RELATIVE_WEIGHTS["subject"])
        b.epsilon(src, object_gap, RELATIVE_WEIGHTS["object"])
        b.epsilon(self.verb_phrase(subject_gap, number, animate, depth, final=False), end)
        for (inner_number, inner_animate), subject in self.noun_phrase(object_gap, depth, tuple(KIND_WEIGHTS),
                                                                       "subject").items():
            verb_type = "social" if inner_animate else "affect"
            self.finite_verb(subject, inner_number, {(verb_type, inner_animate): 1.0}, {verb_type: end})

    def finite_verb(self, src: int, number: str, verb_types: dict[tuple[str, bool], float],
                    destinations: dict[str, int]) -> None:
        """A verb of one of `verb_types` in present (agreeing with `number`), past, or modal + base form."""
        b = self.builder
        after_modal = b.state("after modal")
        b.emit(src, self.function_words("modal"), after_modal, TENSE_WEIGHTS["modal"])
        for (verb_type, animate), weight in verb_types.items():
            dst = destinations[verb_type]
            b.emit(src, self.verbs(verb_type, animate, number), dst, TENSE_WEIGHTS["present"] * weight)
            b.emit(src, self.verbs(verb_type, animate, f"past_{number}"), dst, TENSE_WEIGHTS["past"] * weight)
            b.emit(after_modal, self.verbs(verb_type, animate, "base"), dst, weight)

    def verb_phrase(self, src: int, number: str, animate: bool, depth: int, final: bool) -> int | None:
        """Verb agreeing with a subject of `number` and animacy, and what follows it. A final verb phrase ends
        the sentence (with an optional place adjunct and coordinated clause) and returns None; an embedded one
        (in a relative clause) returns its end state."""
        b = self.builder
        verb = b.state(f"verb {number} animate={animate} depth={depth}")
        b.emit(src, self.function_words("adv_freq"), verb, FREQUENCY_ADVERB_WEIGHT)
        b.epsilon(src, verb, 1.0 - FREQUENCY_ADVERB_WEIGHT)
        weights = dict(VERB_TYPE_WEIGHTS[animate])
        if not (final and depth < self.max_depth):
            weights.pop("clausal", None)
        end = b.state(f"verb phrase end depth={depth}")
        after = {verb_type: b.state(f"after {verb_type} verb") for verb_type in weights}
        self.finite_verb(verb, number, {(t, animate): w for t, w in weights.items()}, after)

        if "copula" in after:
            predicate = b.state("predicate")
            b.emit(after["copula"], self.function_words("adv_degree"), predicate, DEGREE_ADVERB_WEIGHT)
            b.epsilon(after["copula"], predicate, 1.0 - DEGREE_ADVERB_WEIGHT)
            b.emit(predicate, self.predicate_adjectives(animate), end)
        b.emit(after["intransitive"], self.function_words("adv_manner"), end, MANNER_ADVERB_WEIGHT)
        b.epsilon(after["intransitive"], end, 1.0 - MANNER_ADVERB_WEIGHT)
        for verb_type, kinds in OBJECT_KINDS.items():
            if verb_type in after:
                for inner in self.noun_phrase(after[verb_type], depth, kinds, "object").values():
                    b.epsilon(inner, end)
        if "clausal" in after:
            complement = b.state("complement clause")
            b.emit(after["clausal"], self.function_words("comp"), complement, COMPLEMENTIZER_WEIGHT)
            b.epsilon(after["clausal"], complement, 1.0 - COMPLEMENTIZER_WEIGHT)
            self.clause(complement, depth + 1)
        if not final:
            return end
        self.sentence_end(end, depth)
        return None

    def sentence_end(self, src: int, depth: int) -> None:
        """An optional place adjunct ("in the garden"), then the end or a coordinated clause."""
        b = self.builder
        tail, place = b.state("sentence tail"), b.state("adjunct")
        b.emit(src, self.function_words("prep_verb"), place, ADJUNCT_WEIGHT)
        b.epsilon(src, tail, 1.0 - ADJUNCT_WEIGHT)
        for inner in self.noun_phrase(place, depth + 1, ("place",), "object").values():
            b.epsilon(inner, tail)
        if depth < self.max_depth:
            conjunction = b.state("coordinated clause")
            b.emit(tail, self.function_words("conj"), conjunction, COORDINATION_WEIGHT)
            b.stop(tail, 1.0 - COORDINATION_WEIGHT)
            self.clause(conjunction, depth + 1)
        else:
            b.stop(tail)


def _with_initial(words: list[str], initial: str | None) -> list[str]:
    if initial is None:
        return words
    vowel = initial == "vowel"
    return [w for w in words if (w[0] in lexicon.VOWELS) == vowel]


def english_source(max_depth: int = DEFAULT_MAX_DEPTH) -> SentenceSource:
    """The grammar compiled to a deterministic SentenceSource (built once per depth: it takes a few seconds)."""
    return _compiled_source(max_depth)


@functools.lru_cache(maxsize=3)
def _compiled_source(max_depth: int) -> SentenceSource:
    lexicon.check_lexicon()
    writer = _GrammarWriter(max_depth)
    start = writer.sentence()
    source = writer.builder.compile(start)
    ambiguous = source.ambiguities()
    if ambiguous:
        state, word, one, two = ambiguous[0]
        raise ModelError(f"the grammar is ambiguous: {word!r} leads from {state} to both {one} and {two}")
    return source


Sentence = Union[str, Sequence[str]]


def _tokens(sentence: Sentence) -> list[str]:
    return sentence.split() if isinstance(sentence, str) else list(sentence)


def true_logprob(sentence: Sentence, max_depth: int = DEFAULT_MAX_DEPTH) -> float:
    """log10 of the true probability of `sentence` followed by </s> (-inf if the grammar cannot produce it).
    A sentence is a string of space-separated words or a list of words, without <s> and </s>."""
    return english_source(max_depth).logprob(_tokens(sentence))


@dataclass(frozen=True)
class TrueScore:
    """The true source's log probability of a text, counted as SRILM's ngram -ppl counts it."""

    sentences: int
    words: int
    logprob: float  # log10, </s> included

    @property
    def ppl(self) -> float:
        """Perplexity over words and one </s> per sentence."""
        return 10.0 ** (-self.logprob / (self.words + self.sentences))

    @property
    def ppl1(self) -> float:
        """Perplexity over words only (the </s> probabilities still count in the log probability)."""
        return 10.0 ** (-self.logprob / self.words)

    def srilm_lines(self, name: str) -> str:
        """The two lines `ngram -ppl` prints for a file."""
        return (f"file {name}: {self.sentences} sentences, {self.words} words, 0 OOVs\n"
                f"0 zeroprobs, logprob= {self.logprob:.6g} ppl= {self.ppl:.6g} ppl1= {self.ppl1:.6g}\n")


def true_score(sentences: Iterable[Sentence], max_depth: int = DEFAULT_MAX_DEPTH) -> TrueScore:
    """Sentence count, word count and total true log10 probability of `sentences` (see true_perplexity)."""
    count, words, logprob = 0, 0, 0.0
    for sentence in sentences:
        tokens = _tokens(sentence)
        value = true_logprob(tokens, max_depth)
        if value == -math.inf:
            raise ModelError(f"the synthetic grammar cannot produce the sentence {' '.join(tokens)!r}; "
                             "true perplexity exists only for text the grammar generated")
        count, words, logprob = count + 1, words + len(tokens), logprob + value
    if count == 0:
        raise ModelError("no sentences to score")
    return TrueScore(count, words, logprob)


def true_perplexity(sentences: Iterable[Sentence], max_depth: int = DEFAULT_MAX_DEPTH) -> float:
    """Perplexity of the true source on `sentences`, counted as SRILM's ppl: every word and one </s> per
    sentence. Raises ModelError if a sentence has probability zero (it was not produced by this grammar)."""
    return true_score(sentences, max_depth).ppl


def sample_sentences(seed: int, split: str, count: int, max_depth: int = DEFAULT_MAX_DEPTH) -> list[str]:
    """`count` sentences drawn from the grammar. Each split has its own random stream, seeded by the string
    "ngramlm-synthetic:SEED:SPLIT" (Python's string seeding is stable across versions and platforms), so the
    test set does not change when the training set grows."""
    rng = random.Random(f"ngramlm-synthetic:{seed}:{split}")
    source = english_source(max_depth)
    return [" ".join(source.sample(rng)) for _ in range(count)]


def write_synthetic_corpus(out_dir: str, seed: int = DEFAULT_SEED, sizes: dict[str, int] | None = None,
                           max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, TrueScore]:
    """Write train.txt, valid.txt and test.txt (one sentence per line) and TRUE_PPL.txt (the true source's
    perplexity on each file and its exact entropy rate) into `out_dir`. Returns the score of each split.
    The same arguments give byte-identical files."""
    sizes = dict(SPLIT_SENTENCES if sizes is None else sizes)
    os.makedirs(out_dir, exist_ok=True)
    scores = {}
    for split, count in sizes.items():
        sentences = sample_sentences(seed, split, count, max_depth)
        with atomic_write(os.path.join(out_dir, f"{split}.txt")) as f:
            f.writelines(sentence + "\n" for sentence in sentences)
        scores[split] = true_score(sentences, max_depth)
    entropy = english_source(max_depth).entropy_rate()
    options = " ".join(f"--{split}-sentences {count}" for split, count in sizes.items())
    with atomic_write(os.path.join(out_dir, "TRUE_PPL.txt")) as f:
        f.write(f"# True perplexity of the source of this corpus: the synthetic English grammar of ngramlm\n"
                f"# (ngramlm.corpora.synthetic.grammar, max depth {max_depth}). Regenerate byte-identically with\n"
                f"#   ngramlm corpus generate --seed {seed} --max-depth {max_depth} {options} DIR\n"
                f"# Every probability is exact (forward algorithm over the grammar's finite-state machine).\n"
                f"# Counted as SRILM's ngram -ppl: ppl includes one </s> per sentence, ppl1 does not.\n"
                f"source entropy rate: {entropy.bits_per_token:.6g} bits per token, perplexity "
                f"{entropy.perplexity:.6g}, {entropy.tokens_per_sentence:.6g} tokens per sentence\n")
        for split, score in scores.items():
            f.write(score.srilm_lines(f"{split}.txt"))
    return scores
