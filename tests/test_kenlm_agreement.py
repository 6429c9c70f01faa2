"""Perplexity agrees with kenlm on the test set of every shared corpus, and on text full of OOVs.

For each corpus a modified Kneser-Ney 3-gram is trained on the start of its train split, written as ARPA, and
read back; kenlm (an independent implementation) scores the same ARPA file. With <unk> in the model, SRILM's
`ngram -unk -ppl` and KenLM's `query` count the same tokens (every word and one </s> per sentence, OOVs scored
as <unk>), so the totals must agree.
"""
import itertools
import math

import pytest

from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.counting.corpus_count import count_files
from ngramlm.use.evaluation import evaluate_text
from ngramlm.use.ppl_report import PplOptions
from ngramlm.smoothing import estimate
from ngramlm.core.vocab import Vocabulary

kenlm = pytest.importorskip("kenlm")

CORPORA = ["brown", "brown-10k", "brown-bengio", "ptb", "wikitext-2", "gutenberg", "tang-char"]
TRAIN_LINES, TEST_LINES = 4000, 800


def head(path, lines, out):
    """The first `lines` non-blank lines of `path`, written to `out` (kenlm scores a blank line, SRILM skips it)."""
    with open(path, encoding="utf-8") as f:
        kept = list(itertools.islice((line for line in f if line.strip()), lines))
    out.write_text("".join(kept), encoding="utf-8")
    return [line.strip() for line in kept]


def kenlm_totals(arpa, sentences):
    model = kenlm.Model(str(arpa))
    logprob = sum(model.score(s, bos=True, eos=True) for s in sentences)
    tokens = sum(len(s.split()) + 1 for s in sentences)
    return logprob, 10.0 ** (-logprob / tokens)


def ngramlm_totals(arpa, test):
    stats = evaluate_text(read_arpa(str(arpa)), str(test), options=PplOptions(unk_is_word=True)).srilm
    assert stats.oovs == 0 and stats.zeroprobs == 0  # <unk> is in the model: every word is scored
    return stats.logprob, stats.ppl


def trained_arpa(train, tmp_path):
    model = estimate(count_files([str(train)], 3, Vocabulary()), "modified-kneser-ney", interpolate=True, unk=True)
    arpa = tmp_path / "m.arpa"
    write_arpa(model, str(arpa))
    return arpa


@pytest.mark.parametrize("corpus", CORPORA)
def test_perplexity_agrees_with_kenlm_on_every_shared_test_set(corpus, shared_corpora, tmp_path):
    folder = shared_corpora / corpus
    head(folder / "train.txt", TRAIN_LINES, tmp_path / "train.txt")
    sentences = head(folder / "test.txt", TEST_LINES, tmp_path / "test.txt")
    arpa = trained_arpa(tmp_path / "train.txt", tmp_path)
    ours, theirs = ngramlm_totals(arpa, tmp_path / "test.txt"), kenlm_totals(arpa, sentences)
    assert ours[0] == pytest.approx(theirs[0], rel=1e-4)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-4)


def test_perplexity_agrees_with_kenlm_on_text_full_of_oovs(shared_corpora, tmp_path):
    head(shared_corpora / "brown" / "train.txt", TRAIN_LINES, tmp_path / "train.txt")
    arpa = trained_arpa(tmp_path / "train.txt", tmp_path)
    # Every other word is one no corpus contains.
    sentences = [" ".join(w if i % 2 else f"zq{k}x{i}" for i, w in enumerate(line.split()))
                 for k, line in enumerate(head(shared_corpora / "brown" / "test.txt", 300, tmp_path / "t.txt"))]
    (tmp_path / "oov.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    ours, theirs = ngramlm_totals(arpa, tmp_path / "oov.txt"), kenlm_totals(arpa, sentences)
    assert math.isfinite(ours[1]) and ours[1] > 1000  # half the tokens are <unk>: a real OOV-heavy test
    assert ours[0] == pytest.approx(theirs[0], rel=1e-4)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-4)
