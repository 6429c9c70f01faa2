"""The score transformations against their definitions: top-k and top-p keep exactly the right set (top-p: the
smallest set of most probable words whose mass reaches p), min-p and typical-p likewise, the repetition penalty
matches CTRL's formula, and no_repeat_ngram_size=n never lets an n-gram repeat (a property test)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from generation_tables import TableModel
from ngramlm.core.vocab import BOS, BOS_ID
from ngramlm.use.generation import GenerationConfig, generate
from ngramlm.use.generation import processors as P

PROBS = np.array([0.4, 0.3, 0.2, 0.1])


def kept(scores):
    return set(np.flatnonzero(np.isfinite(scores[0])).tolist())


def fresh():
    return np.log(PROBS)[None, :].copy()


def test_top_k_keeps_the_k_most_probable():
    assert kept(P.top_k(fresh(), 2)) == {0, 1}
    assert kept(P.top_k(fresh(), 9)) == {0, 1, 2, 3}


@pytest.mark.parametrize("p, expected", [(0.4, {0}), (0.5, {0, 1}), (0.7, {0, 1}), (0.71, {0, 1, 2}),
                                         (0.95, {0, 1, 2, 3}), (1e-9, {0})])
def test_top_p_keeps_the_smallest_set_reaching_p(p, expected):
    assert kept(P.top_p(fresh(), p)) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=12), st.floats(0.05, 0.99))
def test_top_p_set_is_minimal(weights, p):
    probs = np.array(weights) / sum(weights)
    keep = sorted(kept(P.top_p(np.log(probs)[None, :].copy(), p)))
    mass = probs[keep].sum()
    assert mass >= p - 1e-9
    # minimal: every word kept is at least as probable as every word left out, and without the least probable
    # kept word the mass falls short of p
    left_out = [i for i in range(len(probs)) if i not in keep]
    assert not left_out or probs[keep].min() >= probs[left_out].max() - 1e-12
    assert mass - probs[keep].min() < p + 1e-9


def test_min_p_keeps_words_at_least_that_fraction_of_the_best():
    assert kept(P.min_p(fresh(), 0.5)) == {0, 1, 2}  # threshold .2
    assert kept(P.min_p(fresh(), 0.8)) == {0}


def test_typical_p_orders_by_distance_from_the_entropy():
    logp = np.log(PROBS)
    entropy = -(PROBS * logp).sum()
    order = np.argsort(np.abs(-logp - entropy), kind="stable")
    mass = np.cumsum(PROBS[order])
    expected = set(order[:int(np.searchsorted(mass, 0.5)) + 1].tolist())
    assert kept(P.typical_p(fresh(), 0.5)) == expected


def test_temperature_divides():
    np.testing.assert_allclose(P.temperature(fresh(), 0.5), np.log(PROBS)[None, :] / 0.5)


def test_repetition_penalty_divides_positive_and_multiplies_negative_logits():
    scores = np.array([[2.0, -1.0, 0.5, -3.0]])
    P.repetition_penalty(scores, [[0, 1, 1]], 1.5)
    np.testing.assert_allclose(scores, [[2.0 / 1.5, -1.5, 0.5, -3.0]])


def test_repetition_penalty_in_the_engine_changes_the_greedy_choice():
    model = TableModel(["a", "b"], {w: {"a": 0.5, "b": 0.4, "</s>": 0.1} for w in [BOS, "a", "b"]})
    # log .5 * 1.3 = -0.901 < log .4 = -0.916? no: -0.693*1.3 = -0.901, so b (-0.916) still loses; 1.4 flips it.
    start = [[BOS_ID, model.vocab.id("a")]]
    assert generate(model, start, GenerationConfig(max_new_tokens=1, repetition_penalty=1.3))[0][0].words == \
        [model.vocab.id("a")]
    assert generate(model, start, GenerationConfig(max_new_tokens=1, repetition_penalty=1.4))[0][0].words == \
        [model.vocab.id("b")]


WORDS = ["a", "b", "c", "d"]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(0, 2 ** 16), st.booleans(), st.lists(st.sampled_from(WORDS), max_size=6))
def test_no_repeat_ngram_never_repeats_an_ngram(n, seed, sample, prefix):
    rng = np.random.default_rng(seed)
    table = {w: dict(zip(WORDS + ["</s>"], rng.dirichlet(np.ones(5)))) for w in [BOS] + WORDS}
    model = TableModel(WORDS, table)
    start = [BOS_ID] + [model.vocab.id(w) for w in prefix]
    config = GenerationConfig(max_new_tokens=25, no_repeat_ngram_size=n, do_sample=sample)
    words = generate(model, [start], config, seed=seed)[0][0].words
    sequence = start + words
    for end in range(len(start), len(sequence)):  # every n-gram ending in a generated word is new
        gram = tuple(sequence[end - n + 1:end + 1])
        if len(gram) == n:
            earlier = {tuple(sequence[i:i + n]) for i in range(end - n + 1)}
            assert gram not in earlier, (sequence, n)
