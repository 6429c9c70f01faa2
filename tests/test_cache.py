"""The unigram cache (Kuhn & De Mori 1990) with SRILM's -cache / -cache-lambda mixture: hand-computed values,
document resets, normalisation, weight tuning."""
import numpy as np
import pytest

from ngramlm.backoff import BackoffModel
from ngramlm.cache import WIKITEXT_ARTICLE, CacheScorer, cache_ppl, tune_cache_weight
from ngramlm.errors import ModelError
from ngramlm.evaluate import BackoffScorer, TextStats
from ngramlm.vocab import BOS_ID, EOS_ID, UNK_ID, Vocabulary

# A unigram model: p(a) = 0.5, p(b) = 0.3, p(</s>) = 0.2.
UNIGRAMS = {("a",): (np.log10(0.5), 0.0), ("b",): (np.log10(0.3), 0.0), ("</s>",): (np.log10(0.2), 0.0),
            ("<s>",): (-99.0, 0.0)}


def unigram_scorer():
    return BackoffScorer(BackoffModel.from_entries(Vocabulary(), UNIGRAMS))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_hand_computed_cache_mixture(tmp_path):
    # Tokens scored: a a b </s> ; a cache of 2 tokens, weight 0.5.
    #   a:    cache empty -> p = p_lm = 0.5
    #   a:    cache [a]        p = 0.5 * 0.5 + 0.5 * 1   = 0.75
    #   b:    cache [a a]      p = 0.5 * 0.3 + 0.5 * 0   = 0.15
    #   </s>: cache [a b]      p = 0.5 * 0.2 + 0.5 * 0   = 0.1
    #   next sentence "b": cache [b </s>] (</s> entered the cache): p(b) = 0.5 * 0.3 + 0.5 * 0.5 = 0.4
    #   </s>: cache [</s> b]   p = 0.5 * 0.2 + 0.5 * 0.5 = 0.35
    path = write(tmp_path, "t.txt", "a a b\nb\n")
    stats = cache_ppl(CacheScorer(unigram_scorer(), 2, 0.5), path)
    expected = np.log10([0.5, 0.75, 0.15, 0.1, 0.4, 0.35]).sum()
    assert stats.logprob == pytest.approx(expected, abs=1e-6)
    assert (stats.sentences, stats.words, stats.oovs) == (2, 4, 0)


def test_unknown_words_are_oovs_and_stay_out_of_the_cache(tmp_path):
    # "zz" is unknown: an OOV, left out of the cache, so the cache holds [a] when b is scored and [a b] at </s>.
    path = write(tmp_path, "t.txt", "a zz b\n")
    stats = cache_ppl(CacheScorer(unigram_scorer(), 5, 0.5), path)
    assert stats.oovs == 1
    assert stats.logprob == pytest.approx(np.log10([0.5, 0.5 * 0.3, 0.5 * 0.2]).sum(), abs=1e-6)


def total_of_documents(scorer, paths):
    total = TextStats()
    for path in paths:
        total.add(cache_ppl(scorer, path))
    return total


@pytest.mark.parametrize("boundary, text", [
    ("blank", "a a b\nb b\n\n \nb a\na\n"),
    (WIKITEXT_ARTICLE, " = First = \na a b\nb b\n = Second = \nb a\na\n"),
])
def test_cache_resets_where_documents_end(tmp_path, boundary, text):
    whole = write(tmp_path, "whole.txt", text)
    separator = "\n\n \n" if boundary == "blank" else "\n = Second = \n"
    head, tail = text.split(separator)
    if boundary != "blank":
        tail = " = Second = \n" + tail
    parts = [write(tmp_path, "one.txt", head + "\n"), write(tmp_path, "two.txt", tail)]
    scorer = CacheScorer(unigram_scorer(), 3, 0.3)
    reset = cache_ppl(scorer, whole, boundary=boundary)
    assert reset.logprob == pytest.approx(total_of_documents(scorer, parts).logprob, abs=1e-9)
    # Without resets the second document starts with a full cache, and scores differently.
    assert cache_ppl(scorer, whole).logprob != pytest.approx(reset.logprob, abs=1e-6)


def test_cache_distribution_sums_to_one():
    scorer = CacheScorer(unigram_scorer(), 4, 0.4)
    events = np.ones(len(scorer.vocab), dtype=bool)
    events[[UNK_ID, BOS_ID]] = False
    assert np.sum(10.0 ** scorer.distribution([BOS_ID])[events]) == pytest.approx(1.0, abs=1e-6)
    a, b = scorer.vocab.id("a"), scorer.vocab.id("b")
    scorer.score_batch(np.array([a, b, b, EOS_ID, a, a], dtype=np.uint32), np.zeros((6, 0), dtype=np.uint32))
    assert np.sum(10.0 ** scorer.distribution([BOS_ID])[events]) == pytest.approx(1.0, abs=1e-6)


def test_tuned_cache_weight_beats_a_grid(tmp_path):
    path = write(tmp_path, "valid.txt", "b b b\nb b\nb b b b\na\n")
    scorer = CacheScorer(unigram_scorer(), 3, 0.05)
    tuned = tune_cache_weight(scorer, path)
    assert 0.0 < tuned < 1.0
    best = cache_ppl(CacheScorer(unigram_scorer(), 3, tuned), path).logprob
    for weight in np.linspace(0.05, 0.95, 19):
        assert best >= cache_ppl(CacheScorer(unigram_scorer(), 3, weight), path).logprob - 1e-6


def test_bad_cache_parameters_are_model_errors():
    with pytest.raises(ModelError):
        CacheScorer(unigram_scorer(), 0, 0.1)
    with pytest.raises(ModelError):
        CacheScorer(unigram_scorer(), 10, 1.5)


def test_ngram_cache_flags_score_the_hand_computed_mixture(tmp_path):
    from click.testing import CliRunner

    from ngramlm.arpa import write_arpa
    from ngramlm.cli.ngram import main as ngram

    lm = str(tmp_path / "unigram.arpa")
    write_arpa(BackoffModel.from_entries(Vocabulary(), UNIGRAMS), lm)
    text = write(tmp_path, "t.txt", "a a b\nb\n")
    result = CliRunner().invoke(ngram, ["-lm", lm, "-order", "1", "-cache", "2", "-cache-lambda", "0.5",
                                        "-ppl", text])
    assert result.exit_code == 0, result.output
    logprob = float(result.output.split("logprob=")[1].split()[0])
    # The values of test_hand_computed_cache_mixture.
    assert logprob == pytest.approx(np.log10([0.5, 0.75, 0.15, 0.1, 0.4, 0.35]).sum(), abs=1e-5)
