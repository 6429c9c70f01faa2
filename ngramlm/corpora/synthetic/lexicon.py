"""The English word lists of the synthetic corpus, with their inflected forms.

Entries are written in rough order of decreasing frequency (the grammar gives them Zipf weights in this order).
Regular forms are made by the spelling rules below; irregular ones are written `lemma/form` (noun plural, or
verb past). Every word form belongs to one part of speech only, so that a form tells its reader (and the tests)
whether it is a singular or plural noun, a singular, plural or past verb: `check_lexicon` enforces it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

PERSONS = """
man/men woman/women child/children person/people boy girl friend teacher student doctor king queen father mother
brother sister farmer soldier officer neighbour stranger baby/babies lady/ladies wife/wives husband uncle aunt
cousin visitor guest lawyer nurse driver writer painter singer baker worker manager priest sailor captain pilot
artist scientist engineer actor player leader merchant servant hunter fisherman/fishermen policeman/policemen
clerk poet professor dancer thief/thieves hero/heroes prince princess gardener shepherd villager traveller
musician waiter butcher tailor miner banker editor governor minister detective architect carpenter widow orphan
giant wizard witch knight monk bishop duke
"""
ANIMALS = """
dog cat horse bird mouse/mice fox wolf/wolves bear rabbit lion tiger cow goat pig duck goose/geese owl frog snake
monkey elephant donkey chicken hen squirrel rat bee spider whale dolphin eagle crow parrot pony/ponies
puppy/puppies kitten camel zebra giraffe ox/oxen beetle butterfly/butterflies lamb calf/calves swan hawk turtle
lizard badger otter beaver ant insect ape
"""
THINGS = """
book letter table chair door window box bottle cup key lamp clock picture stone bell coin ring shoe hat coat bag
basket knife/knives plate bowl candle mirror rope ladder bench blanket pillow brush pencil pen desk shelf/shelves
apple cake egg potato/potatoes tomato/tomatoes cookie sandwich carrot onion bicycle car truck bus ship
boat wheel machine engine computer phone radio paper map umbrella envelope jacket glove sock button hammer
nail needle spoon fork kettle pot pan jar barrel bucket cart wagon sword shield crown flag drum guitar piano
violin trumpet toy ball doll kite balloon gift parcel ticket newspaper magazine photograph painting statue vase
carpet curtain bed sofa cupboard drawer gate wall roof tree flower rock feather shell bone branch seed
"""
PLACES = """
house garden field road river bridge hill tower church school shop market village city/cities castle palace
station office kitchen room hall forest lake island mountain valley street farm factory library hospital museum
theatre park harbour beach cave desert meadow orchard cottage barn stable yard cellar attic temple prison camp
port inn tavern bakery studio garage airport
"""
IDEAS = """
question answer problem reason decision rule law report message promise secret dream rumour story song plan idea
theory joke lesson mistake choice chance habit memory/memories opinion argument complaint warning noise sound
voice storm wind shadow accident event meeting party war battle journey game contest trial result discovery
invention proposal speech poem film concert festival ceremony/ceremonies holiday season winter summer
"""

# Verbs: intransitive with an animate subject, intransitive with an inanimate one, transitive with an animate
# subject grouped by the kind of object they take, transitive with an inanimate subject (animate object), and
# verbs taking a clause.
INTRANSITIVE_ANIMATE = """
sleep/slept laugh smile cry run/ran walk sing/sang dance wait swim/swam jump shout listen arrive speak/spoke
agree complain pray rest fight/fought play travel/travelled return disappear whisper breathe wander hesitate
escape survive sigh cough kneel/knelt yawn stumble shiver giggle weep/wept sit/sat stand/stood relax retire vote
struggle suffer celebrate
"""
INTRANSITIVE_INANIMATE = """
fall/fell break/broke shine/shone burn matter fail change vanish appear remain shake/shook float sink/sank melt
glow crack spin/spun collapse happen begin/began end continue improve rise/rose shrink/shrank freeze/froze drift
fade roll vibrate explode sparkle rot settle succeed last work
"""
TRANSITIVE_SOCIAL = """
see/saw like love hate watch follow help chase feed/fed admire trust blame praise greet ignore protect attack
kick kiss thank bite/bit hunt forgive/forgave hug/hugged rob/robbed meet/met call warn obey punish tease
"""
TRANSITIVE_HANDLING = """
find/found want need hold/held touch open close paint draw/drew build/built buy/bought sell/sold steal/stole
throw/threw catch/caught bring/brought take/took keep/kept lose/lost carry push pull wash clean fix repair cook
eat/ate drink/drank write/wrote fill borrow lend/lent send/sent destroy grab/grabbed drop/dropped drag/dragged
lift wrap/wrapped bury polish measure count weigh pack hide/hid
"""
TRANSITIVE_PLACE = """
visit enter leave/left cross climb reach guard explore approach search defend abandon
"""
TRANSITIVE_IDEA = """
hear/heard remember forget/forgot describe study examine discuss accept reject consider understand/understood
mention deserve
"""
TRANSITIVE_INANIMATE = """
surprise please frighten annoy confuse delight amuse bother impress disturb interest attract puzzle comfort
shock scare excite charm inspire worry alarm disappoint embarrass encourage amaze astonish tempt
"""
CLAUSAL = """
say/said think/thought believe know/knew hope claim feel/felt fear suspect guess imagine suppose admit/admitted
insist argue doubt realize pretend explain announce
"""

ADJECTIVES = """
big small old new good little long great young large black white red green blue dark bright warm cold heavy
strange quiet beautiful tall short wide narrow deep round soft hard dirty rich poor famous ancient
modern simple pretty ugly huge tiny wild gentle silver golden wooden plain grey brown yellow pink purple
curious lonely noisy busy empty full fresh rare common hidden distant nearby sharp smooth rough thin
thick fine grand humble proud loyal foreign local royal sacred ordinary
"""
ADJECTIVES_ANIMATE = """
happy sad angry afraid tired hungry brave clever kind lazy nervous polite rude honest jealous calm cheerful
careful foolish wise patient anxious eager sleepy shy grateful generous cruel friendly sorry ashamed
"""
ADJECTIVES_INANIMATE = """
broken useful expensive cheap dangerous safe important difficult easy obvious true false strong weak
valuable fragile solid
"""

NAMES = """
john mary david sarah peter anna james emma thomas lucy robert alice michael laura william helen george kate
henry jane paul susan richard ellen daniel martin clara frank julia oliver sophie edward nora arthur ruth walter
irene
"""

FUNCTION_WORDS = {
    "det_the": "the",
    "det_any": "my his their our your no",
    "det_a": "a",
    "det_an": "an",
    "det_sg": "this every each another",
    "det_pl": "these some many those several two three few",
    "pron_subj_sg_anim": "he she",
    "pron_subj_sg_inan": "it",
    "pron_subj_pl_anim": "they",
    "pron_obj_sg_anim": "him her",
    "pron_obj_sg_inan": "it",
    "pron_obj_pl_anim": "them",
    "prep_noun": "of with from on under beside without above",
    "prep_verb": "in at near behind inside across through towards around",
    "rel_anim": "who that",
    "rel_inan": "that which",
    "comp": "that",
    "conj": "and but because while although",
    "modal": "will can would could must may should might",
    "be_sg": "is",
    "be_pl": "are",
    "be_past_sg": "was",
    "be_past_pl": "were",
    "be_base": "be",
    "adv_freq": "often never always usually sometimes rarely also seldom",
    "adv_manner": """quickly slowly quietly loudly happily sadly badly carefully gently angrily softly calmly
                     eagerly nervously patiently politely proudly bravely silently warmly wildly openly""",
    "adv_degree": "very quite rather not so too",
    "intro": "however meanwhile perhaps today suddenly later finally unfortunately then",
    "comma": ",",
}

VOWELS = "aeiou"


def _words(text: str) -> list[str]:
    return text.split()


def _sibilant(word: str) -> bool:
    return word.endswith(("s", "sh", "ch", "x", "z"))


def _consonant_y(word: str) -> bool:
    return len(word) > 1 and word.endswith("y") and word[-2] not in VOWELS


def plural(noun: str) -> str:
    """Regular English plural: box -> boxes, city -> cities, dog -> dogs."""
    if _sibilant(noun):
        return noun + "es"
    if _consonant_y(noun):
        return noun[:-1] + "ies"
    return noun + "s"


def third_singular(verb: str) -> str:
    """Present tense, third person singular: watch -> watches, carry -> carries, sing -> sings."""
    if _sibilant(verb) or verb.endswith("o"):
        return verb + "es"
    if _consonant_y(verb):
        return verb[:-1] + "ies"
    return verb + "s"


def regular_past(verb: str) -> str:
    """Regular past tense: love -> loved, carry -> carried, walk -> walked."""
    if verb.endswith("e"):
        return verb + "d"
    if _consonant_y(verb):
        return verb[:-1] + "ied"
    return verb + "ed"


@dataclass(frozen=True)
class Noun:
    singular: str
    plural: str


@dataclass(frozen=True)
class Verb:
    base: str  # also the plural present: they walk
    singular: str  # she walks
    past: str  # walked (no agreement)


@functools.lru_cache(maxsize=None)
def nouns(text: str) -> tuple[Noun, ...]:
    """The nouns of a word list, with their plurals."""
    out = []
    for entry in _words(text):
        sg, _, pl = entry.partition("/")
        out.append(Noun(sg, pl or plural(sg)))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def verbs(text: str) -> tuple[Verb, ...]:
    """The verbs of a word list, with their third-person singular and past forms."""
    out = []
    for entry in _words(text):
        base, _, past = entry.partition("/")
        out.append(Verb(base, third_singular(base), past or regular_past(base)))
    return tuple(out)


NOUN_KINDS = {"person": PERSONS, "animal": ANIMALS, "thing": THINGS, "place": PLACES, "idea": IDEAS}
ANIMATE_KINDS = ("person", "animal")
VERB_KINDS = {
    "intransitive_animate": INTRANSITIVE_ANIMATE,
    "intransitive_inanimate": INTRANSITIVE_INANIMATE,
    "transitive_social": TRANSITIVE_SOCIAL,
    "transitive_handling": TRANSITIVE_HANDLING,
    "transitive_place": TRANSITIVE_PLACE,
    "transitive_idea": TRANSITIVE_IDEA,
    "transitive_inanimate": TRANSITIVE_INANIMATE,
    "clausal": CLAUSAL,
}
ADJECTIVE_KINDS = {"any": ADJECTIVES, "animate": ADJECTIVES_ANIMATE, "inanimate": ADJECTIVES_INANIMATE}


def parts_of_speech() -> dict[str, set[str]]:
    """Every word form, grouped by the part of speech it belongs to (noun_sg, noun_pl, verb_sg, verb_pl,
    verb_past, adjective, name, and each function-word group)."""
    groups: dict[str, set[str]] = {}
    for text in NOUN_KINDS.values():
        for noun in nouns(text):
            groups.setdefault("noun_sg", set()).add(noun.singular)
            groups.setdefault("noun_pl", set()).add(noun.plural)
    for text in VERB_KINDS.values():
        for verb in verbs(text):
            groups.setdefault("verb_sg", set()).add(verb.singular)
            groups.setdefault("verb_pl", set()).add(verb.base)
            groups.setdefault("verb_past", set()).add(verb.past)
    groups["adjective"] = {w for text in ADJECTIVE_KINDS.values() for w in _words(text)}
    groups["name"] = set(_words(NAMES))
    for group, text in FUNCTION_WORDS.items():
        groups[group] = set(_words(text))
    groups["verb_sg"] |= groups.pop("be_sg") | groups.pop("be_past_sg")
    groups["verb_pl"] |= groups.pop("be_pl") | groups.pop("be_past_pl")
    return groups


# Function words that serve in several groups on purpose (never at the same point of a sentence).
SHARED_FORMS = {"that", "it"}


def check_lexicon() -> None:
    """Raise ValueError naming any word form listed in two parts of speech, or any list with a duplicate."""
    owner: dict[str, str] = {}
    for group, forms in parts_of_speech().items():
        for form in forms:
            if form in SHARED_FORMS:
                continue
            if form in owner:
                raise ValueError(f"word form {form!r} is both {owner[form]} and {group}")
            owner[form] = group
    for name, text in {**NOUN_KINDS, **VERB_KINDS, **ADJECTIVE_KINDS, "names": NAMES}.items():
        entries = [e.partition("/")[0] for e in _words(text)]
        if len(entries) != len(set(entries)):
            duplicates = sorted({e for e in entries if entries.count(e) > 1})
            raise ValueError(f"list {name} repeats {duplicates}")
