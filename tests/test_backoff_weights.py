"""compute_logbows: back-off weights recomputed by normalisation (Katz 1987), with SRILM's handling of ~0 sums."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from ngramlm.formats.arpa import read_arpa
from ngramlm.core.model import LOG10_ZERO, BackoffModel
from ngramlm.smoothing.backoff_weights import compute_logbows
from ngramlm.core.vocab import Vocabulary

log = math.log10


def _model(entries):
    """A model from {words: (prob, bow)} with plain probabilities (0 -> LOG10_ZERO); bows are placeholders."""
    table = {tuple(k.split()): (log(p) if p > 0 else LOG10_ZERO, 0.0) for k, p in entries.items()}
    return BackoffModel.from_entries(Vocabulary(), table)


def _bow(model, logbows, words):
    k = len(words.split()) - 1
    ids = [model.vocab.id(w) for w in words.split()]
    row = np.flatnonzero(np.all(model.ngrams[k] == ids, axis=1))[0]
    return logbows[k][row]


def test_katz_weight_of_a_context_by_hand():
    # p(a)=.5 p(b)=.3 </s>=.2; in context a only b is explicit with p(b|a)=.6:
    # bow(a) = (1 - .6) / (1 - p(b)) = .4 / .7 (Katz 1987).
    model = _model({"a": .5, "b": .3, "</s>": .2, "<s>": 0, "a b": .6})
    bows = compute_logbows(model)
    assert _bow(model, bows, "a") == pytest.approx(log(.4 / .7), abs=1e-6)
    assert _bow(model, bows, "b") == 0.0  # not a context
    assert np.all(bows[1] == 0.0)  # the highest order has no weights


def test_trigram_context_backs_off_through_the_bigram_weight():
    # Lower order: p(c|b) = .5 explicit; p(a|b) = bow(b) p(a) with bow(b) = (1-.5)/(1-p(c)).
    # Context "a b" has p(a|a b) = .2 explicit, so bow(a b) = (1 - .2) / (1 - p(a|b)).
    probs = {"a": .4, "c": .4, "</s>": .2}
    model = _model({**probs, "<s>": 0, "b": 0, "b c": .5, "a b": .5, "a b a": .2})
    bows = compute_logbows(model)
    bow_b = (1 - .5) / (1 - .4)
    assert _bow(model, bows, "b") == pytest.approx(log(bow_b), abs=1e-6)
    assert _bow(model, bows, "a b") == pytest.approx(log((1 - .2) / (1 - bow_b * .4)), abs=1e-6)


def test_context_whose_words_take_all_the_mass_has_weight_one():
    # numerator and denominator both ~0: bow 1 (log 0), as SRILM sets it.
    model = _model({"a": .5, "</s>": .5, "<s>": 0, "a a": .3, "a </s>": .7})
    assert _bow(model, compute_logbows(model), "a") == 0.0


def test_context_with_no_mass_left_gets_weight_zero():
    # numerator 0, denominator > 0: the unseen words of the context get probability 0 (-99).
    model = _model({"a": .5, "b": .3, "</s>": .2, "<s>": 0, "a a": .3, "a b": .7})
    assert _bow(model, compute_logbows(model), "a") == LOG10_ZERO


def test_improper_context_is_reported():
    model = _model({"a": .5, "b": .3, "</s>": .2, "<s>": 0, "a a": .6, "a b": .7})
    with pytest.warns(UserWarning, match="more than one"):
        bows = compute_logbows(model)
    assert _bow(model, bows, "a") == LOG10_ZERO


@pytest.mark.slow
@pytest.mark.parametrize("name", ["kn3-interp", "gt3", "wb3-backoff", "kn5-interp-default"])
def test_recomputed_weights_are_srilms(name, reference_dir):
    model = read_arpa(str(reference_dir / "srilm-brown-10k" / f"{name}.arpa.gz"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bows = compute_logbows(model)
    for ours, theirs in zip(bows, model.logbow):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)
