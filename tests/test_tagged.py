"""Tagged n-gram models (ngramlm.models.tagged: SRILM's TaggedVocab, TaggedNgramStats, TaggedNgram) by hand:
token splitting, the counts of a tiny tagged text, and the tagged back-off on a hand-written model. (Against SRILM's
own outputs: tests/test_srilm_options.py's tagged cases and SRILM's tagged-ngram regression test.)"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.cli import ngram as ngram_cli
from ngramlm.cli import ngram_count as ngram_count_cli
from ngramlm.core.model import BackoffModel
from ngramlm.core.vocab import Vocabulary
from ngramlm.models.tagged import TaggedScorer, TaggedVocabulary, count_tagged_text, split_tagged


@pytest.mark.parametrize("token,parts", [
    ("Fritz/N", ("Fritz", "N")), ("a/b/C", ("a/b", "C")), ("/N", ("", "N")), ("word", ("word", None)),
    ("</s>", ("</s>", None)), ("<s>", ("<s>", None)), ("x</y/T", ("x</y", "T")),
])
def test_split_tagged(token, parts):
    assert split_tagged(token) == parts


def test_counts_of_a_tiny_text(tmp_path):
    (tmp_path / "t.txt").write_text("a/X b/Y\n")
    vocab = TaggedVocabulary()
    counts = count_tagged_text(str(tmp_path / "t.txt"), 2, vocab)
    got = Counter({tuple(vocab.decode(g)): int(c) for grams, values in zip(counts.ngrams, counts.counts)
                   for g, c in zip(grams.tolist(), values.tolist())})
    # from each position: the word n-grams, then those with the first tagged tokens replaced by their tags
    assert got == Counter({("<s>",): 1, ("a",): 1, ("b",): 1, ("</s>",): 1, ("/X",): 1, ("/Y",): 1,
                           ("<s>", "a"): 1, ("a", "b"): 1, ("b", "</s>"): 1, ("<s>", "/X"): 1,
                           ("/X", "b"): 1, ("/X", "/Y"): 1, ("/Y", "</s>"): 1})
    assert vocab.non_event_ids() == [vocab.id("/X"), vocab.id("/Y")]


def _model() -> BackoffModel:
    entries = {("a",): (-0.5, -0.2), ("b",): (-0.6, -0.1), ("</s>",): (-0.7, 0.0), ("<s>",): (-99.0, -0.3),
               ("/X",): (-99.0, -0.4),
               ("a", "b"): (-0.3, -0.05), ("/X", "b"): (-0.25, -0.15), ("/X", "a"): (-0.4, 0.0),
               ("<s>", "a"): (-0.2, 0.0), ("/X", "b", "</s>"): (-0.1, 0.0), ("a", "b", "a"): (-0.35, 0.0)}
    vocab = Vocabulary(["a", "b", "/X"])
    return BackoffModel.from_entries(vocab, entries)


def test_tagged_back_off_by_hand():
    scorer = TaggedScorer(_model())
    ids = scorer.vocab.ids(["a/X", "b/Y", "b", "</s>", "a", "q/X"])
    a_x, b_y, b, end, a, unknown = ids
    assert unknown == 0  # a word the model lacks: <unk>, as SRILM's TaggedVocab
    assert b_y == 0  # a tag the model lacks
    history = np.array([[a_x, b]], dtype=np.uint32)
    # p(</s> | a/X b): no `a b </s>`; bow(a b) + p(</s> | /X b) (the oldest word replaced by its tag)
    logp, matched = scorer.score_batch(np.array([end], dtype=np.uint32), history)
    assert math.isclose(float(logp[0]), -0.05 - 0.1, rel_tol=1e-6)
    assert scorer.hit_label(int(matched[0])) == "[2+Tgram]"
    # p(a | a/X b): the trigram `a b a` itself
    logp, matched = scorer.score_batch(np.array([a], dtype=np.uint32), history)
    assert math.isclose(float(logp[0]), -0.35, rel_tol=1e-6) and scorer.hit_label(int(matched[0])) == "[3gram]"
    # p(b | b a/X): no `b a b` (and b has no tag to try); then at length 1 `a b` is there
    logp, matched = scorer.score_batch(np.array([b], dtype=np.uint32), np.array([[b, a_x]], dtype=np.uint32))
    assert math.isclose(float(logp[0]), -0.3, rel_tol=1e-6) and scorer.hit_label(int(matched[0])) == "[2gram]"
    # p(a | b a/X): no `b a a`; bow 0 + nothing; `a a` missing: bow(a) + p(a | /X) = -0.2 - 0.4
    logp, matched = scorer.score_batch(np.array([a], dtype=np.uint32), np.array([[b, a_x]], dtype=np.uint32))
    assert math.isclose(float(logp[0]), -0.2 - 0.4, rel_tol=1e-6)
    assert scorer.hit_label(int(matched[0])) == "[1+Tgram]"
    # p(</s> | b a/X): `a </s>` missing, bow(a) -0.2; `/X </s>` missing, bow(/X) -0.4; the unigram -0.7
    logp, matched = scorer.score_batch(np.array([end], dtype=np.uint32), np.array([[b, a_x]], dtype=np.uint32))
    assert math.isclose(float(logp[0]), -0.2 - 0.4 - 0.7, rel_tol=1e-6) and matched[0] == 1


def test_count_and_score_commands(tmp_path):
    (tmp_path / "t.txt").write_text("Fritz/N lernt/V Deutsch/N\nKarla/N lernt/V Spanisch/N\n")
    made = CliRunner().invoke(ngram_count_cli.main, ["-text", str(tmp_path / "t.txt"), "-tagged", "-wbdiscount",
                                                     "-gt3min", "1", "-lm", str(tmp_path / "t.lm"), "-write-vocab",
                                                     "-"])
    assert made.exit_code == 0, made.output
    # SRILM's tagged vocabulary: the words (and -pau-), then the tags, the special words among them
    assert made.stdout.split() == ["-pau-", "</s>", "<s>", "<unk>", "Deutsch", "Fritz", "Karla", "Spanisch",
                                   "lernt", "/-pau-", "/</s>", "/<s>", "/<unk>", "/N", "/V"]
    (tmp_path / "p.txt").write_text("Karla/N lernt/V Deutsch/N\n")
    scored = CliRunner().invoke(ngram_cli.main, ["-lm", str(tmp_path / "t.lm"), "-tagged", "-debug", "2", "-ppl",
                                                 str(tmp_path / "p.txt")])
    assert scored.exit_code == 0, scored.output
    assert "p( Deutsch/N | lernt/V ...) \t= [2+Tgram]" in scored.stdout  # `/N lernt Deutsch`
