"""N-grams of count 0 in estimation (issue 19): SRILM's ngram-count counts them among their context's followers,
which tests/test_srilm_options.py checks against SRILM's output (count-no-sos-kn, count-mincounts-kn);
ngramlm.smoothing.estimate leaves them out unless asked, and keeps every distribution normalised."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from ngramlm.core.vocab import Vocabulary
from ngramlm.counting.corpus_count import count_sentences
from ngramlm.smoothing import estimate
from ngramlm.smoothing.backoff_estimator import ImproperWarning

# Without <s> (as under -no-sos), `x`, `y` and `z` are only ever first: Kneser-Ney gives their unigrams
# continuation count 0.
SENTENCES = [["x", "a", "b", "a", "</s>"], ["y", "b", "a", "c", "</s>"], ["z", "c", "a", "b", "</s>"],
             ["x", "b", "c", "</s>"]]


@pytest.fixture
def counts():
    return count_sentences(SENTENCES, 2, Vocabulary())


def _unigram_sum(model) -> float:
    return float(np.sum(10.0 ** model.logprob[0][model.logprob[0] > -99]))


def test_zero_counts_left_out_keep_the_unigrams_normalised(counts):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImproperWarning)
        model = estimate(counts, "modified-kneser-ney", interpolate=True, discount=(0.5, 1.0, 1.5))
    assert _unigram_sum(model) == pytest.approx(1.0, abs=1e-6)


def test_srilm_zero_counts_give_the_lower_order_their_share(counts):
    # By hand: continuation counts a, b, c, </s> 3 each (12 in all), x, y, z 0. SRILM counts all seven among the
    # followers (N1 = 3, N3+ = 4), so gamma = (0.5 * 3 + 1.5 * 4) / 12 = 0.625 (0.5 without the zeros), and over
    # the 7 words: p(a) = (3 - 1.5) / 12 + 0.625 / 7, p(x) = 0 + 0.625 / 7; the unigrams sum to 1.125.
    with pytest.warns(ImproperWarning) as caught:
        model = estimate(counts, "modified-kneser-ney", interpolate=True, discount=(0.5, 1.0, 1.5),
                         srilm_zero_counts=True)
    assert caught[0].message.srilm == 'BOW numerator for context "" is -0.125 < 0'
    logprob = dict(zip((model.vocab.word(int(w)) for w in model.ngrams[0][:, 0]), model.logprob[0]))
    assert 10.0 ** logprob["a"] == pytest.approx(1.5 / 12 + 0.625 / 7, rel=1e-6)
    assert 10.0 ** logprob["x"] == pytest.approx(0.625 / 7, rel=1e-6)
    assert _unigram_sum(model) == pytest.approx(1.125, rel=1e-6)
