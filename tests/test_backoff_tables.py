"""The compiled back-off scorer (ngramlm._ext._backoff) behind BackoffScorer's batches: the back-off recursion
worked by hand on a small model, KenLM's own per-word scores (the kenlm module) on a reference model, and the
hash lookups of the ARPA reader's sort (ngramlm._ext._arpa.hashed_prefix_rows)."""
import gzip

import numpy as np
import pytest

from ngramlm._ext._arpa import hashed_prefix_rows
from ngramlm._ext._backoff import BackoffTables
from ngramlm.core.scorer import NO_WORD
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


def tables():
    return BackoffTables([UNIGRAMS, BIGRAMS, TRIGRAMS], [UNI_P, BI_P, TRI_P], [UNI_B, BI_B, np.zeros(1)], 6)


def score(words, histories, bows_first=True, missing_unk=None):
    return tables().score(np.array(words, dtype=np.uint32), np.array(histories, dtype=np.uint32), bows_first,
                          missing_unk)


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
    logp, matched = score([0], [[1, 3]], bows_first=False, missing_unk=-100.0)
    assert logp.tolist() == [-100.0 + -0.5 + -0.125] and matched.tolist() == [1]


def test_the_two_arithmetics_add_in_their_own_order():
    # p(c | <s> a) = -1 - 2^-24 - 2^-24: float32 loses each half-ulp added alone to -1 (KenLM's order), keeps
    # their sum (SRILM's).
    tiny = 2.0 ** -24
    t = BackoffTables([UNIGRAMS, BIGRAMS, TRIGRAMS], [np.array([-99, -1.0, -1.0, -1.0, -1.0]), BI_P, TRI_P],
                      [np.array([0, 0, -tiny, 0, 0]), np.array([-tiny, 0, 0]), np.zeros(1)], 6)
    words, history = np.array([5], dtype=np.uint32), np.array([[1, 3]], dtype=np.uint32)
    srilm, _ = t.score(words, history, True)
    kenlm, _ = t.score(words, history, False)
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


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="twice"):
        BackoffTables([UNIGRAMS, np.array([[3, 4], [3, 4]], dtype=np.uint32)], [UNI_P, np.zeros(2)],
                      [UNI_B, np.zeros(2)], 6)
    with pytest.raises(ValueError, match="vocabulary size"):
        BackoffTables([UNIGRAMS], [UNI_P], [UNI_B], 5)


def test_hashed_prefix_rows():
    shorter = np.array([[3, 4], [1, 2], [2, 2]], dtype=np.uint32)
    longer = np.array([[2, 2, 9], [3, 4, 1], [3, 3, 3], [1, 2, 0], [3, 4, 5]], dtype=np.uint32)
    assert hashed_prefix_rows(shorter, longer).tolist() == [2, 0, -1, 1, 0]
    assert hashed_prefix_rows(shorter[:0], longer).tolist() == [-1] * 5


def test_no_positions_and_no_history():
    logp, matched = tables().score(np.zeros(0, dtype=np.uint32), np.zeros((0, 2), dtype=np.uint32), True)
    assert len(logp) == len(matched) == 0
    logp, matched = tables().score(np.array([3, 5]), np.zeros((2, 0), dtype=np.uint32), True)  # -order 1
    assert logp.tolist() == [-0.5, -1.25] and matched.tolist() == [1, 1]
    with pytest.raises(ValueError, match="one row per word"):
        tables().score(np.array([3, 5]), np.zeros((3, 2), dtype=np.uint32), True)
