"""The compiled back-off scorer behind BackoffScorer's batches (the query index built from the model's rows,
HashIndex.score_backoff): the back-off recursion worked by hand on a small model, KenLM's own per-word scores (the
kenlm module) on a reference model, and the hash lookups of the ARPA reader's sort
(ngramlm._ext._arpa.hashed_prefix_rows)."""
import gzip

import numpy as np
import pytest

from ngramlm._ext._arpa import hashed_prefix_rows
from ngramlm.core.errors import ModelError
from ngramlm.core.model import BackoffModel
from ngramlm.core.scorer import NO_WORD
from ngramlm.core.vocab import Vocabulary
from ngramlm.formats.arpa import read_arpa
from ngramlm.use.ppl_report import PplOptions, encode_sentence
from ngramlm.use.scoring import BackoffScorer, score_sentences

f32 = np.float32
# ids: 0 <unk>, 1 <s>, 2 </s>, 3 a, 4 b, 5 c. Values are multiples of 1/8, so every sum below is exact in float32
# whatever the order of the additions, except where the test says otherwise.
UNIGRAMS = np.array([[1], [2], [3], [4], [5]], dtype=np.uint32)
UNI_P = np.array([-99, -1.0, -0.5, -0.75, -1.25])
UNI_B = np.array([-0.25, 0, -0.125, -0.375, 0])
BIGRAMS = np.array([[1, 3], [3, 4], [4, 5]], dtype=np.uint32)
BI_P = np.array([-0.25, -0.5, -0.625])
BI_B = np.array([-0.5, -0.0625, 0])
TRIGRAMS = np.array([[1, 3, 4]], dtype=np.uint32)
TRI_P = np.array([-0.125])


def scorer(arithmetic="srilm", ngrams=(UNIGRAMS, BIGRAMS, TRIGRAMS), logprob=(UNI_P, BI_P, TRI_P),
           logbow=(UNI_B, BI_B, np.zeros(1)), vocab=("a", "b", "c")):
    model = BackoffModel(Vocabulary(list(vocab)), list(ngrams), list(logprob), list(logbow))
    return BackoffScorer(model, arithmetic=arithmetic)


def score(words, histories, arithmetic="srilm"):
    return scorer(arithmetic).score_batch(np.array(words, dtype=np.uint32), np.array(histories, dtype=np.uint32))


P = NO_WORD


def test_the_recursion_by_hand():
    logp, matched = score([4, 4, 5, 5, 3, 2, 1],
                          [[1, 3], [5, 3], [1, 3], [3, 4], [P, P], [1, 3], [P, 1]])
    expected = [
        -0.125,                       # p(b | <s> a): the trigram
        -0.5,                         # p(b | c a): "c a" is no context, the bigram "a b"
        -0.5 + -0.125 + -1.25,        # p(c | <s> a): bow(<s> a) + bow(a) + p(c)
        -0.0625 + -0.625,             # p(c | a b): bow(a b) + p(b c)
        -0.5,                         # p(a): the unigram
        -0.5 + -0.125 + -1.0,         # p(</s> | <s> a): bow(<s> a) + bow(a) + p(</s>)
        -np.inf,                      # p(<s> | <s>): -99 is log10(0), a match all the same
    ]
    assert logp.tolist() == expected
    assert matched.tolist() == [3, 2, 1, 2, 1, 1, 1]


def test_an_unknown_word_without_unk():
    # <unk> (0) is no unigram: SRILM's arithmetic gives -inf and no match, KenLM's -100 plus the weights.
    logp, matched = score([0, 7], [[1, 3], [1, 3]])
    assert logp.tolist() == [-np.inf, -np.inf] and matched.tolist() == [0, 0]
    logp, matched = score([0], [[1, 3]], arithmetic="kenlm")
    assert logp.tolist() == [-100.0 + -0.5 + -0.125] and matched.tolist() == [1]


def test_the_two_arithmetics_add_in_their_own_order():
    # p(c | <s> a) = -1 - 2^-24 - 2^-24: float32 loses each half-ulp added alone to -1 (KenLM's order), keeps
    # their sum (SRILM's).
    tiny = 2.0 ** -24
    values = dict(logprob=[np.array([-99, -1.0, -1.0, -1.0, -1.0]), BI_P, TRI_P],
                  logbow=[np.array([0, 0, -tiny, 0, 0]), np.array([-tiny, 0, 0]), np.zeros(1)])
    words, history = np.array([5], dtype=np.uint32), np.array([[1, 3]], dtype=np.uint32)
    srilm, _ = scorer("srilm", **values).score_batch(words, history)
    kenlm, _ = scorer("kenlm", **values).score_batch(words, history)
    assert srilm[0] == f32(-1.0) + (f32(-tiny) + f32(-tiny)) != kenlm[0] == (f32(-1.0) + f32(-tiny)) + f32(-tiny)


def test_kenlm_arithmetic_gives_kenlm_own_scores(reference_dir, tmp_path):
    kenlm = pytest.importorskip("kenlm")
    folder = reference_dir / "kenlm-brown"
    (tmp_path / "mkn3.arpa").write_bytes(gzip.open(folder / "mkn3.arpa.gz").read())
    peer = kenlm.Model(str(tmp_path / "mkn3.arpa"))
    model = read_arpa(str(tmp_path / "mkn3.arpa"))
    lines = [line for line in (folder / "test.txt").read_text(encoding="utf-8").splitlines() if line.split()][:300]
    ours = score_sentences(BackoffScorer(model, arithmetic="kenlm"),
                           [encode_sentence(model.vocab, line.split(), PplOptions()) for line in lines])
    for line, scored in zip(lines, ours):
        theirs = list(peer.full_scores(line))
        assert scored.logprob.tolist() == [f32(p) for p, _, _ in theirs]
        assert scored.matched.tolist() == [n for _, n, _ in theirs]


def test_context_only_rows_and_words_are_no_match():
    # A context-only row (NaN probability: SRILM's pruning and the estimators leave them) is backed off from, and
    # so is a word that is no unigram of the model ("c", id 5, only ever the last word of a bigram).
    logp, matched = scorer(logprob=(UNI_P, np.array([-0.25, np.nan, -0.625]), TRI_P)).score_batch(
        np.array([4, 4], dtype=np.uint32), np.array([[P, 3], [1, 3]], dtype=np.uint32))
    assert logp.tolist() == [-0.125 + -0.75, -0.125] and matched.tolist() == [1, 3]
    logp, matched = scorer(ngrams=(UNIGRAMS[:4], BIGRAMS, TRIGRAMS), logprob=(UNI_P[:4], BI_P, TRI_P),
                           logbow=(UNI_B[:4], BI_B, np.zeros(1))).score_batch(
        np.array([5, 5], dtype=np.uint32), np.array([[P, 4], [P, 3]], dtype=np.uint32))
    assert logp.tolist() == [-0.625, -np.inf] and matched.tolist() == [2, 0]


def test_ids_beyond_the_vocabulary():
    # id 6 is beyond the vocabulary's six words, yet a unigram of the model: scored as any other word; 7 is none
    ngrams = (np.concatenate([UNIGRAMS, [[6]]]).astype(np.uint32), np.array([[3, 6]], dtype=np.uint32))
    logp, matched = scorer(ngrams=ngrams, logprob=(np.append(UNI_P, -2.0), np.array([-0.25])),
                           logbow=(np.append(UNI_B, 0.0), np.zeros(1))).score_batch(
        np.array([6, 6, 7], dtype=np.uint32), np.array([[3], [4], [3]], dtype=np.uint32))
    assert logp.tolist() == [-0.25, -0.375 + -2.0, -np.inf] and matched.tolist() == [2, 1, 0]


def test_bad_models_are_refused():
    with pytest.raises(ModelError, match="twice"):
        scorer(ngrams=(UNIGRAMS, np.array([[3, 4], [3, 4]], dtype=np.uint32)), logprob=(UNI_P, np.zeros(2)),
               logbow=(UNI_B, np.zeros(2))).score_batch(np.array([3], dtype=np.uint32), np.array([[1]], np.uint32))


def test_hashed_prefix_rows():
    shorter = np.array([[3, 4], [1, 2], [2, 2]], dtype=np.uint32)
    longer = np.array([[2, 2, 9], [3, 4, 1], [3, 3, 3], [1, 2, 0], [3, 4, 5]], dtype=np.uint32)
    assert hashed_prefix_rows(shorter, longer).tolist() == [2, 0, -1, 1, 0]
    assert hashed_prefix_rows(shorter[:0], longer).tolist() == [-1] * 5


def test_no_positions_and_no_history():
    logp, matched = scorer().score_batch(np.zeros(0, dtype=np.uint32), np.zeros((0, 2), dtype=np.uint32))
    assert len(logp) == len(matched) == 0
    unigrams = BackoffScorer(scorer().model, order=1)  # -order 1
    logp, matched = unigrams.score_batch(np.array([3, 5]), np.zeros((2, 0), dtype=np.uint32))
    assert logp.tolist() == [-0.5, -1.25] and matched.tolist() == [1, 1]
