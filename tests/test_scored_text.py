"""The batch paths of perplexity: sentence sums and counts for a whole batch at once (ScoredText, run_sums),
and word lookups for a whole sentence (Vocabulary.ids, encode_sentence), against loops written here."""
import math

import numpy as np
import pytest

from ngramlm.core.vocab import BOS_ID, EOS_ID, UNK_ID, Vocabulary
from ngramlm.use.ppl_report import PplOptions, encode_sentence
from ngramlm.use.scoring import LONG_RUN, ScoredText, run_sums


def left_to_right(run, dtype):
    total = dtype(-0.0)
    for value in run:
        total = dtype(total + dtype(value))
    return total


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_run_sums_add_each_run_left_to_right(dtype):
    rng = np.random.default_rng(5)
    counts = np.array([0, 1, 3, LONG_RUN + 7, 2, 0, LONG_RUN, 50], dtype=np.int64)
    values = (rng.standard_normal(int(counts.sum())) * 10 ** rng.uniform(-3, 3, int(counts.sum()))).astype(dtype)
    starts = np.cumsum(counts) - counts
    sums = run_sums(values, counts)
    assert sums.dtype == dtype
    for i, (start, count) in enumerate(zip(starts, counts)):
        expected = left_to_right(values[start:start + count], dtype)
        assert sums[i].tobytes() == np.array(expected, dtype).tobytes()  # the same bits, the sign of 0 too


def test_scored_text_counts_by_hand():
    # sentence 1: "a <unk> b </s>" with <unk> of probability zero; sentence 2: "c" (-no-eos) of zero probability;
    # sentence 3: nothing scored
    words = np.array([3, UNK_ID, 4, EOS_ID, 5], dtype=np.uint32)
    logprob = np.array([-1.5, -np.inf, -0.25, -2.0, -np.inf], dtype=np.float32)
    scored = ScoredText(words, np.zeros((5, 2), np.uint32), logprob, np.ones(5, np.int64),
                        np.array([4, 1, 0], dtype=np.int64))
    first, second, third = scored.stats()
    assert (first.sentences, first.words, first.oovs, first.zeroprobs) == (1, 3, 1, 0)
    assert first.logprob == -3.75
    assert (second.sentences, second.words, second.oovs, second.zeroprobs, second.logprob) == (0, 1, 0, 1, 0.0)
    assert math.copysign(1, second.logprob) == 1  # nothing kept: 0, not -0
    assert (third.sentences, third.words, third.logprob) == (0, 0, 0.0)
    sentences = scored.sentences()
    assert [len(s.words) for s in sentences] == [4, 1, 0]
    assert sentences[0].stats() == first and sentences[1].stats() == second


def test_vocabulary_ids_and_bulk_construction():
    vocab = Vocabulary(["a", "b", "a", "<s>", "c"])  # a repeat and a special token: added one by one
    assert vocab.words == ["<unk>", "<s>", "</s>", "a", "b", "c"]
    assert Vocabulary(["x", "y"]).words == ["<unk>", "<s>", "</s>", "x", "y"]
    assert vocab.ids(["c", "zz", "a", "</s>"]) == [5, UNK_ID, 3, EOS_ID]
    vocab.closed = True
    assert vocab.encode(["b", "nope"]).tolist() == [4, UNK_ID]
    assert vocab.encode([]).dtype == np.uint32


def test_encode_sentence_drops_pauses_and_reverses():
    vocab = Vocabulary(["a", "b", "-pau-"])
    assert encode_sentence(vocab, ["a", "-pau-", "b", "q"], PplOptions()) == [BOS_ID, 3, 4, UNK_ID, EOS_ID]
    assert encode_sentence(vocab, ["a", "b"], PplOptions(reverse=True)) == [BOS_ID, 4, 3, EOS_ID]
    assert encode_sentence(vocab, ["a"], PplOptions(sos=False, eos=False)) == [None, 3]
