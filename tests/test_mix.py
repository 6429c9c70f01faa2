"""Mixing: static merging against SRILM's -mix-lm output and the interpolation formula, the dynamic mixture
against SRILM's -bayes 0, EM weights against a grid search, and the CLI."""
import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from handmade import katz_bigram_model
from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.core.model import BackoffModel
from ngramlm.cli.main import cli
from ngramlm.use.mix import Mixture, estimate_mixture_weights, mix_models, score_text, shared_vocabulary
from ngramlm.core.index import NgramIndex
from ngramlm.core.vocab import BOS, EOS, Vocabulary
from reference_backoff import logprob_ids

WORDS = ["a", "b", "c", EOS]


FIRST = katz_bigram_model({"a": 0.4, "b": 0.3, "c": 0.1, EOS: 0.2}, {(BOS, "a"): 0.6, ("a", "b"): 0.5, ("b", EOS): 0.4})
SECOND = katz_bigram_model({"c": 0.3, "b": 0.3, "a": 0.2, EOS: 0.2}, {(BOS, "c"): 0.5, ("a", "c"): 0.4, ("c", "a"): 0.3})


def test_static_mixture_interpolates_every_ngram_of_either_model_and_stays_normalised():
    merged = mix_models([FIRST, SECOND], [0.7, 0.3])
    grams = {tuple(merged.vocab.decode(r)) for r in merged.ngrams[1].tolist()}
    assert grams == {(BOS, "a"), ("a", "b"), ("b", EOS), (BOS, "c"), ("a", "c"), ("c", "a")}
    for h, w in grams:
        expected = 0.7 * 10 ** FIRST.word_logprob(w, [h]) + 0.3 * 10 ** SECOND.word_logprob(w, [h])
        assert 10 ** merged.word_logprob(w, [h]) == pytest.approx(expected, rel=1e-6)
    for h in [BOS, "a", "b", "c"]:
        assert sum(10 ** merged.word_logprob(w, [h]) for w in WORDS) == pytest.approx(1.0, abs=1e-6)


def test_dynamic_mixture_is_the_weighted_sum_of_the_components():
    mixture = Mixture([FIRST, SECOND], [0.25, 0.75])
    vocab = mixture.vocab
    for h, w in [(BOS, "a"), ("b", "c"), ("c", "a"), ("a", EOS)]:
        expected = 0.25 * 10 ** FIRST.word_logprob(w, [h]) + 0.75 * 10 ** SECOND.word_logprob(w, [h])
        logp, _ = mixture.score(vocab.id(w), [vocab.id(h)])
        assert 10 ** logp == pytest.approx(expected, rel=1e-6)


def test_models_with_different_vocabularies_are_aligned_by_spelling():
    other = BackoffModel.from_entries(Vocabulary(), {(BOS,): (-99.0, 0.0), ("z",): (-0.5, 0.0), ("a",): (-0.5, 0.0)})
    first, second = shared_vocabulary([FIRST, other])
    assert first.vocab is second.vocab
    assert second.word_logprob("a") == pytest.approx(-0.5) and second.word_logprob("z") == pytest.approx(-0.5)
    assert first.word_logprob("b") == pytest.approx(FIRST.word_logprob("b"))


def test_em_finds_the_likelihood_maximum():
    rng = np.random.default_rng(0)
    logprobs = np.log10(rng.uniform(0.01, 1.0, size=(3, 500)))
    weights, _ = estimate_mixture_weights(logprobs, tolerance=1e-10)
    assert weights.sum() == pytest.approx(1.0)

    def loglik(w):
        return np.log10(w @ 10 ** logprobs).sum()

    best = loglik(weights)
    for a in np.linspace(0, 1, 41):
        for b in np.linspace(0, 1 - a, 21):
            assert loglik(np.array([a, b, 1 - a - b])) <= best + 1e-9


def _summary(path):
    text = path.read_text()
    return float(re.search(r"logprob= (-?[0-9.]+)", text).group(1)), float(re.search(r"ppl= ([0-9.]+)", text).group(1))


def test_static_and_dynamic_mixtures_reproduce_srilm(reference_dir):
    folder = reference_dir / "srilm-brown-10k"
    vocab = Vocabulary()
    kn = read_arpa(str(folder / "kn3-interp.arpa.gz"), vocab)
    wb = read_arpa(str(folder / "wb3-interp.arpa.gz"), vocab)
    merged = mix_models([kn, wb], [0.6, 0.4])
    srilm = read_arpa(str(folder / "mix-kn3-wb3.arpa.gz"), vocab)
    assert merged.sizes() == srilm.sizes()
    for k in range(3):
        np.testing.assert_array_equal(merged.ngrams[k], srilm.ngrams[k])
        finite = srilm.logprob[k] > -99
        np.testing.assert_allclose(merged.logprob[k][finite], srilm.logprob[k][finite], atol=1e-4)
        np.testing.assert_allclose(merged.logbow[k], srilm.logbow[k], atol=1e-4)
    scores = score_text([kn, wb, merged], [str(folder / "test.txt")])
    dynamic = scores.perplexity([0.6, 0.4, 0.0])
    static = scores.perplexity([0.0, 0.0, 1.0])
    assert (dynamic["logprob"], dynamic["ppl"]) == pytest.approx(_summary(folder / "mix-kn3-wb3.dynamic.ppl0.txt"),
                                                                 rel=1e-5)
    assert (static["logprob"], static["ppl"]) == pytest.approx(_summary(folder / "mix-kn3-wb3.ppl0.txt"), rel=1e-5)
    assert static["ppl"] == pytest.approx(dynamic["ppl"], rel=0.01)


def test_em_weights_for_models_of_different_orders_beat_every_grid_point(reference_dir, shared_corpora):
    folder = reference_dir / "srilm-brown-10k"
    vocab = Vocabulary()
    trigram = read_arpa(str(folder / "kn3-interp.arpa.gz"), vocab)
    fivegram = read_arpa(str(folder / "kn5-interp-default.arpa.gz"), vocab)
    dev = score_text([trigram, fivegram], [str(shared_corpora / "brown-10k" / "valid.txt")])
    weights, _ = estimate_mixture_weights(dev.component_logprobs)
    best = dev.perplexity(weights)["ppl"]
    grid = [dev.perplexity([lam, 1 - lam])["ppl"] for lam in np.linspace(0, 1, 201)]
    assert best <= min(grid) * (1 + 1e-7)
    assert 0.05 < weights[0] < 0.95  # an interior optimum: the test is not won at a corner


def test_mix_command_tunes_weights_and_writes_a_merged_model(tmp_path):
    first, second, dev, out = (tmp_path / n for n in ("first.arpa", "second.arpa", "dev.txt", "mix.arpa"))
    write_arpa(FIRST, str(first))
    write_arpa(SECOND, str(second))
    dev.write_text("a b\nc a\na c\nb\n")
    result = CliRunner().invoke(cli, ["mix", str(first), str(second), "--dev", str(dev), "-o", str(out),
                                      "--test", str(dev)])
    assert result.exit_code == 0, result.output
    assert "weights:" in result.output and "test dynamic mixture" in result.output
    assert read_arpa(str(out)).sizes() == [5, 6]
    bad = CliRunner().invoke(cli, ["mix", str(first), str(second), "--weights", "0.5"])
    assert bad.exit_code == 1 and "2 mixture weights" in bad.output


@pytest.mark.parametrize("dynamic", [False, True])
def test_ngram_mix_lm_flags_match_srilm_output(reference_dir, dynamic):
    from ngramlm.cli.ngram import main as ngram

    folder = reference_dir / "srilm-brown-10k"
    args = ["-lm", str(folder / "kn3-interp.arpa.gz"), "-order", "3", "-unk", "-mix-lm",
            str(folder / "wb3-interp.arpa.gz"), "-lambda", "0.6", "-ppl", str(folder / "test.txt")]
    result = CliRunner().invoke(ngram, args + (["-bayes", "0"] if dynamic else []))
    assert result.exit_code == 0, result.output
    expected = (folder / ("mix-kn3-wb3.dynamic.ppl0.txt" if dynamic else "mix-kn3-wb3.ppl0.txt")).read_text()
    assert result.output.splitlines()[1:] == expected.splitlines()[1:]


@st.composite
def random_backoff_models(draw):
    """Any prefix-closed trigram model over 6 words with arbitrary log values (normalisation does not matter for
    checking the back-off recursion)."""
    words = ["<unk>", BOS, EOS, "a", "b", "c"]
    trigrams = draw(st.sets(st.tuples(*[st.sampled_from(words)] * 3), max_size=25))
    extra = draw(st.sets(st.tuples(*[st.sampled_from(words)] * 2), max_size=10))
    bigrams = extra | {g[:2] for g in trigrams}
    grams = set(trigrams) | bigrams | {g[:1] for g in bigrams} | {(w,) for w in words[1:]}
    values = st.floats(-3.0, 0.0, allow_nan=False)
    return BackoffModel.from_entries(Vocabulary(), {g: (draw(values), draw(values)) for g in sorted(grams)})


@settings(max_examples=60, deadline=None)
@given(random_backoff_models(),
       st.lists(st.tuples(st.integers(0, 2), *[st.integers(0, 6)] * 3), min_size=1, max_size=30))
def test_vectorised_backoff_matches_the_reference_recursion(model, queries):
    grams = np.array([q[1:] for q in queries], dtype=np.uint32)
    for row, (padding, *_) in zip(grams, queries):
        row[:padding] = NgramIndex.PAD  # a history shorter than the order
    got = model.index.logprobs(grams)
    for row, (padding, *_), value in zip(grams.tolist(), queries, got):
        expected = logprob_ids(model, row[2], row[padding:2])[0]  # id 6 is a word the model does not know
        assert value == pytest.approx(expected, abs=1e-12) or value == expected == -np.inf
