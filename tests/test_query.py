"""The query index against kenlm (the reference implementation of the API it copies) and against the slow
back-off recursion of tests/reference_backoff.logprob_ids."""
import copy
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramlm.core.model import BackoffModel
from ngramlm.use.query import STATE_DTYPE, Model, State, unpack_state
from ngramlm.core.vocab import Vocabulary
from reference_backoff import logprob_ids

kenlm = pytest.importorskip("kenlm")

REFERENCES = [
    "srilm-brown-10k/kn3-interp.arpa.gz",
    "srilm-brown-10k/gt3.arpa.gz",
    "srilm-brown-10k/kn3-closed.arpa.gz",
    "srilm-brown-10k/kn3-interp.prune1e-6.arpa.gz",  # SRILM pruning leaves suffixes out: exercises blanks
    "kenlm-brown/mkn3.arpa.gz",
]
TEST_LINES = 400


def close(a, b):
    """kenlm adds float32 values; an OOV's -100 carries an ulp of 7.6e-6, hence the relative part."""
    return abs(a - b) <= 1e-5 * max(1.0, abs(b))


@pytest.fixture(scope="module", params=REFERENCES)
def reference_pair(request, reference_dir):
    path = str(reference_dir / request.param)
    test = reference_dir / request.param.split("/")[0] / "test.txt"
    lines = [line for line in test.read_text(encoding="utf-8").splitlines() if line.split()][:TEST_LINES]
    return Model(path), kenlm.Model(path), lines


def test_full_scores_match_kenlm(reference_pair):
    model, reference, lines = reference_pair
    for line in lines:
        ours, theirs = list(model.full_scores(line)), list(reference.full_scores(line))
        assert len(ours) == len(theirs)
        for (p, n, oov), (kp, kn, koov) in zip(ours, theirs):
            assert close(p, kp), line
            assert (n, oov) == (kn, koov), line


def test_id_batch_matches_kenlm(reference_pair):
    model, reference, lines = reference_pair
    encoded = [model.encode(line.split()) for line in lines]
    offsets = np.cumsum([0] + [len(e) for e in encoded])
    scores = model.score_ids(np.concatenate(encoded), offsets)
    expected = np.array([p for line in lines for p, _, _ in reference.full_scores(line)])
    lengths = np.array([n for line in lines for _, n, _ in reference.full_scores(line)])
    assert np.all(np.abs(scores.log_prob - expected) <= 1e-5 * np.maximum(1, np.abs(expected)))
    assert np.array_equal(scores.ngram_length, lengths)
    totals = np.array([reference.score(line) for line in lines])
    assert np.allclose(scores.totals(), totals, atol=1e-4)
    natural = model.score_ids(np.concatenate(encoded), offsets, natural_log=True)
    assert np.allclose(natural.log_prob, scores.log_prob * math.log(10))


def test_state_api_matches_kenlm_and_states_group_alike(reference_pair):
    model, reference, lines = reference_pair
    ours_ids, theirs_ids = {}, {}
    pairs = set()
    for line in lines[:150]:
        state, kstate = State(), kenlm.State()
        model.BeginSentenceWrite(state)
        reference.BeginSentenceWrite(kstate)
        for word in line.split() + ["</s>"]:
            out, kout = State(), kenlm.State()
            assert close(model.BaseScore(state, word, out), reference.BaseScore(kstate, word, kout))
            full = model.BaseFullScore(state, word, State())
            kfull = reference.BaseFullScore(kstate, word, kenlm.State())
            assert (full.ngram_length, full.oov) == (kfull.ngram_length, kfull.oov)
            pairs.add((ours_ids.setdefault(out, len(ours_ids)), theirs_ids.setdefault(kout, len(theirs_ids))))
            state, kstate = out, kout
    # Equal states exactly where kenlm's are equal: the pairing of classes is a bijection.
    assert len(ours_ids) == len(theirs_ids) == len(pairs)


def test_sentence_api_matches_kenlm(reference_pair):
    model, reference, lines = reference_pair
    line = lines[3]
    for bos in (True, False):
        for eos in (True, False):
            assert close(model.score(line, bos=bos, eos=eos), reference.score(line, bos=bos, eos=eos))
    assert model.perplexity(line) == pytest.approx(reference.perplexity(line), rel=1e-5)
    assert model.order == reference.order
    for word in line.split() + ["<unk>", "</s>", "<s>", "qwertyuiop"]:
        assert (word in model) == (word in reference)
    assert model.path == reference.path


def test_words_split_at_ascii_whitespace_as_kenlm_splits_them(reference_pair):
    model, reference, _ = reference_pair
    for sentence in ("the  cat\tsat\u00a0on", "a\x1cb c", "", "   ", "the\u3000man", b"the man"):
        assert close(model.score(sentence), reference.score(sentence))
        assert len(list(model.full_scores(sentence))) == len(list(reference.full_scores(sentence)))
        assert model.perplexity(sentence) == pytest.approx(reference.perplexity(sentence), rel=1e-5)


def random_model(draw_seed: int, order: int, drop_suffixes: bool) -> BackoffModel:
    """A random back-off model over six words: prefixes always present; suffixes sometimes missing; some
    back-off weights exactly zero (which lets the state drop words)."""
    rng = np.random.default_rng(draw_seed)
    words = ["<unk>", "<s>", "</s>", "a", "b", "c"]
    entries = {(w,): (float(rng.uniform(-3, -0.1)), float(rng.choice([0.0, rng.uniform(-1, 0.5)]))) for w in words}
    entries[("<s>",)] = (-99.0, entries[("<s>",)][1])
    grams = [(w,) for w in words]
    for n in range(2, order + 1):
        longer = []
        for prefix in grams:
            if prefix[-1] == "</s>":
                continue
            for w in words[2:]:
                if rng.random() < 0.5:
                    longer.append(prefix + (w,))
        if drop_suffixes is False:
            longer = [g for g in longer if g[1:] in entries or len(g) == 2]
        for g in longer:
            bow = float(rng.choice([0.0, rng.uniform(-1, 0.5)])) if n < order else 0.0
            entries[g] = (float(rng.uniform(-2, -0.05)), bow)
        grams = longer
        if not grams:
            break
    for key in list(entries):
        if len(key) == max(len(k) for k in entries):
            entries[key] = (entries[key][0], 0.0)
    return BackoffModel.from_entries(Vocabulary(), entries)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), order=st.integers(1, 5), drop_suffixes=st.booleans(),
       sentence=st.lists(st.sampled_from(["<unk>", "a", "b", "c", "</s>"]), max_size=12))
def test_random_models_agree_with_backoff_recursion(seed, order, drop_suffixes, sentence):
    backoff = random_model(seed, order, drop_suffixes)
    model = Model(backoff)
    ids = [backoff.vocab.id(w) for w in sentence]
    state = State()
    model.BeginSentenceWrite(state)
    history = [backoff.vocab.id("<s>")]
    for word, wid in zip(sentence, ids):
        out = State()
        expected, matched = logprob_ids(backoff, wid, history)
        result = model.BaseFullScore(state, wid, out)
        assert result.log_prob == pytest.approx(expected, abs=1e-5)
        # The state holds at most order-1 words, all of them the most recent ones of the history.
        assert out.length <= max(order - 1, 0)
        assert list(out.words) == list(reversed(history + [wid]))[:out.length]
        history.append(wid)
        state = out


def small_model():
    """Trigram model: 'a b c' is the only trigram, so after '... a b' only 'a b' matters, and after a word
    that begins no bigram with zero weight nothing does."""
    entries = {
        ("<unk>",): (-2.0, 0.0), ("<s>",): (-99.0, -0.3), ("</s>",): (-1.0, 0.0),
        ("a",): (-0.7, -0.2), ("b",): (-0.8, -0.1), ("c",): (-0.9, 0.0), ("d",): (-1.1, -0.4),
        ("<s>", "a"): (-0.3, -0.1), ("a", "b"): (-0.2, -0.05), ("b", "c"): (-0.4, 0.0), ("x", "a"): (-1.0, 0.0),
        ("a", "b", "c"): (-0.1, 0.0),
    }
    entries[("x",)] = (-1.5, 0.0)
    return Model(BackoffModel.from_entries(Vocabulary(), entries))


def walk(model, words, begin=True):
    state = State()
    model.BeginSentenceWrite(state) if begin else model.NullContextWrite(state)
    for w in words:
        out = State()
        model.BaseScore(state, w, out)
        state = out
    return state


def test_states_equal_exactly_when_the_usable_context_is_equal():
    model = small_model()
    null = walk(model, [], begin=False)
    # 'c' begins no bigram and has zero weight: nothing of the history is kept after it.
    assert walk(model, ["a", "b", "c"]) == null
    assert walk(model, ["d", "c"]) == walk(model, ["c"], begin=False) == null
    # 'b' begins the bigram 'b c', 'a b' the trigram: the state after 'x a b' is the state after '<s> a b'.
    assert walk(model, ["x", "a", "b"]) == walk(model, ["a", "b"])
    assert walk(model, ["a", "b"]).words == (model.index("b"), model.index("a"))
    # 'd' has a non-zero back-off weight: kept although it begins no bigram.
    assert walk(model, ["d"]).words == (model.index("d"),)
    assert walk(model, ["a"]) != walk(model, ["b"])
    assert hash(walk(model, ["x", "a", "b"])) == hash(walk(model, ["a", "b"]))
    assert sorted([walk(model, ["a"]), null]) == [null, walk(model, ["a"])]


def test_score_of_hand_computed_backoff():
    model = small_model()
    # p(d | <s> a) backs off twice: bow(<s> a) + bow(a) + p(d) (Katz 1987's recursion in log10).
    assert model.score("a d", eos=False) == pytest.approx(-0.3 + (-0.1 + -0.2 + -1.1))
    # An unknown word is scored as <unk> and flagged.
    result = model.BaseFullScore(walk(model, []), "zzz", State())
    assert (result.log_prob, result.ngram_length, result.oov) == (pytest.approx(-0.3 + -2.0), 1, True)


def test_states_and_models_pickle(tmp_path):
    model = small_model()
    state = walk(model, ["x", "a", "b"])
    restored = pickle.loads(pickle.dumps(state))
    assert restored == state and restored.words == state.words
    assert copy.copy(state) == state and copy.deepcopy(state) == state
    clone = pickle.loads(pickle.dumps(model))
    out1, out2 = State(), State()
    assert clone.BaseScore(restored, "c", out1) == model.BaseScore(state, "c", out2)
    assert out1 == out2


def test_score_pairs_equals_state_by_state_scoring():
    model = small_model()
    starts = [walk(model, ws) for ws in ([], ["a"], ["a", "b"], ["d"], ["x"])]
    words = ["a", "b", "c", "d", "</s>", "zzz"]
    states = [s for s in starts for _ in words]
    log_prob, out = model.score_pairs(states, words * len(starts))
    assert out.dtype == STATE_DTYPE
    for i, (state, word) in enumerate(zip(states, words * len(starts))):
        expected_out = State()
        assert log_prob[i] == pytest.approx(model.BaseScore(state, word, expected_out))
        assert unpack_state(out, i) == expected_out
    one, _ = model.score_pairs(starts[1], words, natural_log=True)
    assert one == pytest.approx(log_prob[len(words):2 * len(words)] * math.log(10))
    # Without the next states, and with fewer pairs than the batch call scores side by side.
    alone, none = model.score_pairs(states[:3], words[:3], return_states=False)
    assert none is None and np.array_equal(alone, log_prob[:3])


def test_unigram_list_and_ids():
    model = small_model()
    assert set(model.unigrams) == {"<unk>", "<s>", "</s>", "a", "b", "c", "d", "x"}
    assert model.index("nope") == 0 and model.index("a") == model.vocab.id("a")
    assert "a" in model and "<unk>" not in model and "nope" not in model
    assert list(model.encode(["a", "nope"])) == [model.index("a"), 0]
    with pytest.raises(ValueError):
        model.score_ids([1, 2, 3], [0, 5])
