"""The back-off recursion written plainly over a dictionary: the slow, obviously correct reference that the
model's index (ngramlm.core.index.NgramIndex) and every fast scorer are tested against.

    p(w | h) = p*(w | h)                 if h w is an n-gram of the model (with a probability)
             = bow(h) * p(w | h')        otherwise, h' = h without its oldest word (bow(h) = 1 if h is absent)

(Katz 1987). An n-gram whose log-probability is NaN is a context only: its weight counts, its probability not.
"""
from __future__ import annotations

import math
from typing import Sequence

_TABLES: dict[int, tuple[object, dict]] = {}


def table(model) -> dict[tuple[int, ...], tuple[float, float]]:
    """{id tuple: (log10 prob, log10 bow)} over all orders of `model` (built once per model object)."""
    cached = _TABLES.get(id(model))
    if cached is not None and cached[0] is model:
        return cached[1]
    entries = {}
    for grams, lp, bow in zip(model.ngrams, model.logprob, model.logbow):
        for key, p, b in zip(map(tuple, grams.tolist()), lp.tolist(), bow.tolist()):
            entries[key] = (p, b)
    _TABLES[id(model)] = (model, entries)
    return entries


def logprob_ids(model, word: int, context: Sequence[int]) -> tuple[float, int]:
    """log10 p(word | context) by the back-off recursion, and the length of the n-gram that matched.

    `context` is oldest word first; only its last order-1 words matter. A word that is not even a unigram of the
    model gives (-inf, 0).
    """
    entries = table(model)
    history = tuple(context)[max(0, len(context) - (model.order - 1)):] if model.order > 1 else ()
    backoff = 0.0
    while True:
        entry = entries.get(history + (word,))
        if entry is not None and not math.isnan(entry[0]):
            return entry[0] + backoff, len(history) + 1
        if not history:
            return -math.inf, 0
        context_entry = entries.get(history)
        if context_entry is not None:
            backoff += context_entry[1]
        history = history[1:]


def word_logprob(model, word: str, context=()) -> float:
    """logprob_ids for words given as strings (unknown words are looked up as <unk>)."""
    return logprob_ids(model, model.vocab.id(word), [model.vocab.id(w) for w in context])[0]
