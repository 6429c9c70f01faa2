"""The unigram cache (Kuhn & De Mori 1990) with SRILM's -cache / -cache-lambda mixture and its variants (decaying
cache, Clarkson & Robinson 1997; bigram cache, Jelinek et al. 1991; excluded words; fill-dependent weight):
hand-computed values, document resets, normalisation, weight tuning."""
import numpy as np
import pytest

from ngramlm.core.model import BackoffModel
from ngramlm.models.cache import (WIKITEXT_ARTICLE, CacheScorer, cache_ppl, most_probable_words, tune_cache_weight,
                           tune_cache_weights)
from ngramlm.core.errors import ModelError
from ngramlm.use.scoring import BackoffScorer
from ngramlm.use.text_stats import TextStats
from ngramlm.core.vocab import BOS_ID, EOS_ID, UNK_ID, Vocabulary

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

    from ngramlm.formats.arpa import write_arpa
    from ngramlm.cli.ngram import main as ngram

    lm = str(tmp_path / "unigram.arpa")
    write_arpa(BackoffModel.from_entries(Vocabulary(), UNIGRAMS), lm)
    text = write(tmp_path, "t.txt", "a a b\nb\n")
    result = CliRunner().invoke(ngram, ["-lm", lm, "-order", "1", "-cache", "2", "-cache-lambda", "0.5",
                                        "-ppl", text])
    assert result.exit_code == 0, result.output
    logprob = float(result.output.split("logprob=")[1].split()[0])
    # The values of test_hand_computed_cache_mixture, but the first token's: ngram's cache is SRILM's, whose empty
    # cache gives 0 (p = 0.5 * 0.5 + 0.5 * 0), not p_lm.
    assert logprob == pytest.approx(np.log10([0.25, 0.75, 0.15, 0.1, 0.4, 0.35]).sum(), abs=1e-5)


def test_hand_computed_decaying_cache(tmp_path):
    # Tokens a b </s>, weight 0.5, decay a = ln 2 (the token i positions back weighs 2^-i, the last one 1):
    #   a:    cache empty          p = p_lm = 0.5
    #   b:    cache [a:1]          p_cache(b) = 0                     p = 0.5 * 0.3 = 0.15
    #   </s>: cache [a:1/2, b:1]   p_cache(</s>) = 0                  p = 0.5 * 0.2 = 0.1
    #   a:    cache [a:1/4, b:1/2, </s>:1]  p_cache(a) = 0.25 / 1.75  p = 0.5 * 0.5 + 0.5 * (1 / 7)
    path = write(tmp_path, "t.txt", "a b\na\n")
    stats = cache_ppl(CacheScorer(unigram_scorer(), 10, 0.5, decay=np.log(2.0)), path)
    # The last </s>: cache [a:1/8, b:1/4, </s>:1/2, a:1], total 1.875, p_cache(</s>) = 0.5 / 1.875.
    expected = np.log10([0.5, 0.15, 0.1, 0.25 + 0.5 / 7, 0.1 + 0.5 * 0.5 / 1.875]).sum()
    assert stats.logprob == pytest.approx(expected, abs=1e-6)


def test_hand_computed_bigram_cache(tmp_path):
    # Tokens a b </s> a b </s>, weights L = 0.2 (unigram cache), M = 0.4 (bigram cache), previous token v:
    #   a | <s>:  cache empty: both caches are p_lm            p = 0.5
    #   b | a:    unigram [a] -> 0; no pair a * -> bigram = unigram = 0     p = 0.4 * 0.3 = 0.12
    #   </s> | b: unigram [a b] -> 0; no pair b *                          p = 0.4 * 0.2 = 0.08
    #   a | <s>:  unigram [a b </s>] -> 1/3; pair <s> a -> 1               p = 0.4 * 0.5 + 0.2 / 3 + 0.4
    #   b | a:    unigram [a b </s> a] -> 1/4; pair a b -> 1               p = 0.4 * 0.3 + 0.2 / 4 + 0.4
    #   </s> | b: unigram 1/5; pair b </s> -> 1                            p = 0.4 * 0.2 + 0.2 / 5 + 0.4
    path = write(tmp_path, "t.txt", "a b\na b\n")
    stats = cache_ppl(CacheScorer(unigram_scorer(), 10, 0.2, bigram_weight=0.4), path)
    expected = np.log10([0.5, 0.12, 0.08, 0.2 + 0.2 / 3 + 0.4, 0.12 + 0.05 + 0.4, 0.08 + 0.04 + 0.4]).sum()
    assert stats.logprob == pytest.approx(expected, abs=1e-6)


def test_hand_computed_excluded_words_and_fill(tmp_path):
    # </s> kept out of the cache, fill F = 1: weight 0.5 scaled by n / (n + 1) with n cached tokens.
    #   a:    n = 0: p = 0.5
    #   a:    n = 1, factor 1/2, weight 1/4, p_cache(a) = 1:  p = 0.75 * 0.5 + 0.25 = 0.625
    #   </s>: n = 2, factor 2/3, weight 1/3, p_cache(</s>) = 0: p = (2/3) * 0.2
    #   b:    n = 2 (</s> stayed out), weight 1/3, p_cache(b) = 0: p = (2/3) * 0.3
    #   </s>: n = 3, weight 3/8, p_cache(</s>) = 0: p = (5/8) * 0.2
    path = write(tmp_path, "t.txt", "a a\nb\n")
    stats = cache_ppl(CacheScorer(unigram_scorer(), 10, 0.5, exclude=[EOS_ID], fill=1.0), path)
    expected = np.log10([0.5, 0.625, 0.2 * 2 / 3, 0.3 * 2 / 3, 0.2 * 5 / 8]).sum()
    assert stats.logprob == pytest.approx(expected, abs=1e-6)


# A bigram model, so that the n-gram part of each distribution depends on the context too; each back-off weight
# spreads the mass the context's bigrams leave over the unigrams of the other words (Katz 1987, eq. 14):
# <s>: 0.3 / (0.3 + 0.2), a: 0.4 / (0.5 + 0.2), b: 0.9 / (0.5 + 0.2).
BIGRAMS = {("a",): (np.log10(0.5), np.log10(0.4 / 0.7)), ("b",): (np.log10(0.3), np.log10(0.9 / 0.7)),
           ("</s>",): (np.log10(0.2), 0.0), ("<s>",): (-99.0, np.log10(0.3 / 0.5)),
           ("a", "b"): (np.log10(0.6), 0.0), ("<s>", "a"): (np.log10(0.7), 0.0), ("b", "b"): (np.log10(0.1), 0.0)}


@pytest.mark.parametrize("variant", [
    {}, {"decay": 0.3}, {"bigram_weight": 0.3}, {"exclude": [EOS_ID]}, {"fill": 2.0},
    {"decay": 0.1, "bigram_weight": 0.25, "exclude": [EOS_ID], "fill": 1.0},
])
def test_every_cache_variant_sums_to_one(variant):
    model = BackoffModel.from_entries(Vocabulary(), BIGRAMS)
    scorer = CacheScorer(BackoffScorer(model), 4, 0.3, **variant)
    events = np.ones(len(scorer.vocab), dtype=bool)
    events[[UNK_ID, BOS_ID]] = False
    a, b = scorer.vocab.id("a"), scorer.vocab.id("b")
    sequence = [a, b, b, EOS_ID, a, a, b, EOS_ID, b]
    previous = [BOS_ID] + sequence[:-1]
    for word, before in zip(sequence, previous):
        for context in ([BOS_ID], [a], [b]):
            assert np.sum(10.0 ** scorer.distribution(context)[events]) == pytest.approx(1.0, abs=1e-6)
        # score() of each word agrees with the distribution it comes from.
        expected = scorer.distribution([before])[word]
        assert scorer.score(word, [before])[0] == pytest.approx(expected, abs=1e-5)


def test_decay_survives_rebasing_over_a_long_text(tmp_path):
    # With decay 1 the weights are rebased every 300 tokens; a cache of the last 2 tokens then equals the
    # hand-computed mixture: p_cache(a) after "... b a" = 1 / (1 + e^-1) (a is the most recent token).
    path = write(tmp_path, "t.txt", "b a\n" * 400)
    scorer = CacheScorer(unigram_scorer(), 2, 0.5, decay=1.0, exclude=[EOS_ID])
    cache_ppl(scorer, path)
    a = scorer.vocab.id("a")
    assert 10.0 ** scorer.distribution([BOS_ID])[a] == pytest.approx(0.25 + 0.5 / (1 + np.exp(-1.0)), abs=1e-7)


def test_tuned_bigram_cache_weights_beat_a_grid(tmp_path):
    # a is always followed by b and b by a: the bigram cache predicts what the unigram cache cannot.
    path = write(tmp_path, "valid.txt", "a b a b a b a b\n" * 3)
    scorer = CacheScorer(unigram_scorer(), 6, 0.1, bigram_weight=0.1)
    weight, bigram_weight = tune_cache_weights(scorer, path)
    assert bigram_weight > 0.0
    scorer.weight, scorer.bigram_weight = weight, bigram_weight
    best = cache_ppl(scorer, path).logprob
    for grid_weight in np.linspace(0.0, 0.45, 6):
        for grid_bigram in np.linspace(0.0, 0.45, 6):
            scorer.weight, scorer.bigram_weight = grid_weight, grid_bigram
            assert best >= cache_ppl(scorer, path).logprob - 1e-6


def test_most_probable_words_leave_out_the_markers():
    model = BackoffModel.from_entries(Vocabulary(), UNIGRAMS)
    assert [model.vocab.word(w) for w in most_probable_words(model, 2)] == ["a", "b"]


def test_classes_eval_scores_a_word_model_with_cache_variants(tmp_path):
    from click.testing import CliRunner

    from ngramlm.formats.arpa import write_arpa
    from ngramlm.cli.classes import classes

    lm = str(tmp_path / "unigram.arpa")
    write_arpa(BackoffModel.from_entries(Vocabulary(), UNIGRAMS), lm)
    text = write(tmp_path, "t.txt", "a b\na b\n")
    result = CliRunner().invoke(classes, ["eval", text, "--lm", lm, "--cache", "10", "--cache-lambda", "0.2",
                                          "--cache-bigram-lambda", "0.4"])
    assert result.exit_code == 0, result.output
    logprob = float(result.output.split("logprob=")[1].split()[0])
    # The values of test_hand_computed_bigram_cache.
    expected = np.log10([0.5, 0.12, 0.08, 0.2 + 0.2 / 3 + 0.4, 0.12 + 0.05 + 0.4, 0.08 + 0.04 + 0.4]).sum()
    assert logprob == pytest.approx(expected, abs=1e-5)
