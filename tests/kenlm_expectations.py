"""KenLM's model tests (lm/model_test.cc) as Python checks on any model with kenlm.Model's calls.

The expected values are KenLM's, hand-derived there from lm/test.arpa (tests/data/kenlm): each check scores one
word after a state and compares the log10 probability (within 0.001 percent, BOOST_CHECK_CLOSE's tolerance in
model_test.cc), the length of the n-gram that matched and, where model_test.cc checks it, the length of the
state after the word. `check_all(model, State)` runs them on a model of test.arpa and returns the failures;
`check_nounk` the check on test_nounk.arpa. `State` is the module's State class (ngramlm's or kenlm's).
"""
from __future__ import annotations

import math

ORDER = 5


class _Run:
    def __init__(self, model, state_class):
        self.model, self.State, self.failures = model, state_class, []
        self.state = state_class()

    def begin(self):
        self.state = self.State()
        self.model.BeginSentenceWrite(self.state)

    def null(self):
        self.state = self.State()
        self.model.NullContextWrite(self.state)

    def score(self, word, ngram, expected, append=True, where=""):
        out = self.State()
        got = self.model.BaseFullScore(self.state, word, out)
        if not math.isclose(got.log_prob, expected, rel_tol=1e-5, abs_tol=1e-6):
            self.failures.append(f"{where} {word}: log10 p {got.log_prob} != {expected}")
        if got.ngram_length != ngram:
            self.failures.append(f"{where} {word}: n-gram length {got.ngram_length} != {ngram}")
        if hasattr(out, "length") and out.length > min(ngram, ORDER - 1):
            self.failures.append(f"{where} {word}: state length {out.length} > {min(ngram, ORDER - 1)}")
        if append:
            self.state = out

    def length(self, expected, where=""):
        if hasattr(self.state, "length") and self.state.length != expected:
            self.failures.append(f"{where}: state length {self.state.length} != {expected}")


def _starters(r: _Run):
    for word, ngram, score in [("looking", 2, -0.4846522), (",", 1, -1.383514 + -0.4149733),
                               ("this_is_not_found", 1, -1.995635 + -0.4149733)]:
        r.begin()
        r.score(word, ngram, score, append=False, where="Starters")


def _continuation(r: _Run):
    w = "Continuation"
    r.begin()
    r.score("looking", 2, -0.484652, where=w)
    r.score("on", 3, -0.348837, where=w)
    r.score("a", 4, -0.0155266, where=w)
    r.score("little", 5, -0.00306122, where=w)
    preserve = r.state
    r.score("the", 1, -4.04005, where=w)
    r.score("biarritz", 1, -1.9889, where=w)
    r.score("not_found", 1, -2.29666, where=w)
    r.score("more", 1, -1.20632 - 20.0, where=w)
    r.score(".", 2, -0.51363, where=w)
    r.score("</s>", 3, -0.0191651, where=w)
    r.length(0, w)
    r.state = preserve
    r.score("more", 5, -0.00181395, where=w)
    r.length(4, w)
    r.score("loin", 5, -0.0432557, where=w)
    r.length(1, w)


def _blanks(r: _Run):
    w = "Blanks"
    r.null()
    r.score("also", 1, -1.687872, where=w)
    r.score("would", 2, -2, where=w)
    r.score("consider", 3, -3, where=w)
    preserve = r.state
    r.score("higher", 4, -4, where=w)
    r.score("looking", 5, -5, where=w)
    r.length(1, w)
    r.state = preserve
    r.score("not_found", 1, -1.995635 - 7.0 - 0.30103, where=w)
    r.null()
    r.score("higher", 1, -1.509559, where=w)
    r.score("looking", 2, -1.285941 - 0.30103, where=w)
    higher_looking = r.state
    r.length(1, w)
    r.score("not_found", 1, -1.995635 - 0.4771212, where=w)
    r.state = higher_looking
    r.score("consider", 1, -1.687872 - 0.4771212, where=w)
    r.null()
    r.score("would", 1, -1.687872, where=w)
    r.length(1, w)
    r.score("consider", 2, -1.687872 - 0.30103, where=w)
    r.length(2, w)
    r.score("higher", 3, -1.509559 - 0.30103, where=w)
    r.length(3, w)
    r.score("looking", 4, -1.285941 - 0.30103, where=w)


def _unknowns(r: _Run):
    w = "Unknowns"
    r.null()
    r.score("not_found", 1, -1.995635, where=w)
    preserve = r.state
    r.score("not_found2", 2, -15.0, where=w)
    r.score("not_found3", 2, -15.0 - 2.0, where=w)
    r.state = preserve
    r.score("however", 2, -4, where=w)
    r.score("not_found3", 3, -6, where=w)


def _minimal_state(r: _Run):
    w = "MinimalState"
    r.null()
    r.score("baz", 1, -6.535897, where=w)
    r.length(0, w)
    r.null()
    r.score("foo", 1, -3.141592, where=w)
    r.length(1, w)
    r.score("bar", 2, -6.0, where=w)
    r.length(1, w)
    r.score("bar", 1, -2.718281 + 3.0, where=w)
    r.length(1, w)
    r.null()
    r.score("to", 1, -1.687872, where=w)
    r.score("look", 2, -0.2922095, where=w)
    r.length(2, w)
    r.score("a", 3, -7, where=w)


def check_all(model, state_class) -> list[str]:
    """model_test.cc's Starters, Continuation, Blanks, Unknowns and MinimalState on a model of test.arpa."""
    r = _Run(model, state_class)
    for part in (_starters, _continuation, _blanks, _unknowns, _minimal_state):
        part(r)
    if model.order != ORDER:
        r.failures.append(f"order {model.order} != {ORDER}")
    return r.failures


def check_nounk(model, state_class) -> list[str]:
    """model_test.cc's NoUnkCheck on a model of test_nounk.arpa: an unknown word gets KenLM's -100."""
    r = _Run(model, state_class)
    r.null()
    r.score("not_found", 1, -100.0, where="NoUnkCheck")
    return r.failures
