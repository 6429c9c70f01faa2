"""Hand-made next-word tables for the generation tests: a StepModel whose distribution after a word is written
out by hand (a bigram table), with an optional one-hot hidden vector per word for contrastive search."""
import numpy as np

from ngramlm.core.vocab import BOS, BOS_ID, EOS, Vocabulary


class TableModel:
    """p(next | last word) from `table` {word: {next: p}}; words missing from a row get probability 0."""

    def __init__(self, words, table, hidden=False):
        self.vocab = Vocabulary(words, closed=True)
        self.has_hidden = hidden
        self.rows = {}
        for word, following in table.items():
            logits = np.full(len(self.vocab), -np.inf)
            for nxt, p in following.items():
                logits[self.vocab.id(nxt)] = np.log(p)
            self.rows[self.vocab.id(word)] = logits

    def logits(self, word):
        return self.rows.get(int(word), np.full(len(self.vocab), -np.inf)).copy()

    def embed(self, word):
        vector = np.zeros(len(self.vocab))
        vector[int(word)] = 1.0
        return vector

    def start(self, prefixes):
        state = [int(p[-1]) for p in prefixes]
        hidden = [np.stack([self.embed(w) for w in p]) for p in prefixes] if self.has_hidden else None
        return state, np.stack([self.logits(w) for w in state]), hidden

    def advance(self, state, words):
        state = [int(w) for w in words]
        hidden = np.stack([self.embed(w) for w in state]) if self.has_hidden else None
        return state, np.stack([self.logits(w) for w in state]), hidden

    def select(self, state, rows):
        return [state[int(r)] for r in rows]


# Greedy is not optimal here: <s> a c </s> has p = .55 * .35 = .1925, but <s> b </s> has .45 * .9 = .405.
TRAP = TableModel(["a", "b", "c", "d"], {
    BOS: {"a": 0.55, "b": 0.45},
    "a": {"c": 0.35, "d": 0.34, EOS: 0.31},
    "b": {EOS: 0.9, "c": 0.1},
    "c": {EOS: 1.0},
    "d": {EOS: 1.0},
})

# A loop: every word can follow every other, so only the controls stop repetition.
LOOP_WORDS = ["a", "b", "c", "d", "e"]
LOOP = TableModel(LOOP_WORDS, {w: {"a": 0.4, "b": 0.25, "c": 0.15, "d": 0.1, "e": 0.05, EOS: 0.05}
                               for w in [BOS] + LOOP_WORDS})

__all__ = ["TableModel", "TRAP", "LOOP", "BOS_ID"]
