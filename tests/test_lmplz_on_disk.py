"""lmplz estimation of counts on disk (ngramlm.smoothing.lmplz_on_disk): the same model as the in-memory
estimator, which test_lmplz checks against lmplz's files and the formulas, to the last bit, however the counts
and the estimation are cut into pieces; KenLM's reference model through the CLI; and its temporary files and
output on failure."""
import os
import random
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest

from ngramlm.formats.arpa import read_arpa
from ngramlm.corpora.reader import TextOptions
from ngramlm.counting.corpus_count import count_files
from ngramlm.core.errors import ModelError
from ngramlm.smoothing import lmplz_on_disk
from ngramlm.smoothing.lmplz import Lmplz
from ngramlm.smoothing.lmplz_on_disk import CountsOnDisk, LmplzOnDisk
from ngramlm.core.vocab import UNK_ID, Vocabulary

sys.path.insert(0, str(Path(__file__).parent))  # test_lmplz_options' reference cases


def write_corpus(path, sentences=400, words=40, seed=1):
    rng = random.Random(seed)
    lines = [" ".join(f"w{min(int(rng.paretovariate(1.1)), words)}" for _ in range(rng.randint(1, 12)))
             for _ in range(sentences)]
    path.write_text("\n".join(lines) + "\n")
    return path


def on_disk_model(text, order, tmp_path, *, unk=True, memory="2G", vocab=None, fallback=(0.5, 1.0, 1.5)):
    """Train through the on-disk path into an ARPA file and read it back."""
    out = tmp_path / f"disk-{order}.arpa"
    with CountsOnDisk(order, str(tmp_path), drop_word=None if unk else UNK_ID) as counts:
        vocab = count_files([str(text)], order, vocab or Vocabulary(), TextOptions(), memory=memory,
                            sink=counts).vocab
        LmplzOnDisk(counts, vocab, unk=unk, discount_fallback=fallback).write_arpa(str(out))
    return read_arpa(str(out))


def in_memory_model(text, order, *, unk=True, vocab=None, fallback=(0.5, 1.0, 1.5)):
    counts = count_files([str(text)], order, vocab or Vocabulary())
    return Lmplz(counts, unk=unk, discount_fallback=fallback).model()


def table(model):
    """{n-gram words: (log10 p, log10 bow)}."""
    result = {}
    for grams, logprob, logbow in zip(model.ngrams, model.logprob, model.logbow):
        for g, p, b in zip(grams.tolist(), logprob.tolist(), logbow.tolist()):
            result[tuple(model.vocab.decode(g))] = (p, b)
    return result


def assert_identical(disk, memory):
    """The same n-grams, and the same numbers as the ARPA format prints them (%.7g, on both sides)."""
    mine, theirs = table(disk), table(memory)
    assert mine.keys() == theirs.keys()
    for ngram, (p, b) in theirs.items():
        assert f"{mine[ngram][0]:.7g} {mine[ngram][1]:.7g}" == f"{p:.7g} {b:.7g}", ngram


@pytest.fixture
def small_slices(monkeypatch):
    """Slices of a few rows (raised to |V| + 1 where a slice must hold a whole context): every pass runs on
    many slices, contexts are cut at slice ends, and the counts come in many first-word ranges; the suffixes are
    looked up in chunks of a few rows of the order below."""
    monkeypatch.setattr(lmplz_on_disk, "SLICE_ROWS", 7)
    monkeypatch.setattr(lmplz_on_disk, "CHUNK_ROWS", 5)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_same_model_as_in_memory_estimation_whatever_the_slices(tmp_path, small_slices, order):
    text = write_corpus(tmp_path / "text.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_identical(on_disk_model(text, order, tmp_path, memory=4096), in_memory_model(text, order))


# Under a small budget, and under one that holds everything: a sink takes each range's counts as they are made,
# so holding all of them at once (as a large budget would allow) would only raise the peak memory; the text is
# counted in at least four ranges of first words either way.
@pytest.mark.parametrize("memory", [4096, "2G"])
def test_counts_come_in_several_ranges_whatever_the_budget(tmp_path, memory):
    text = write_corpus(tmp_path / "text.txt")
    pieces = []
    with CountsOnDisk(3, str(tmp_path)) as counts:
        def sink(ngrams, totals):
            pieces.append(len(totals[0]))
            counts(ngrams, totals)
        count_files([str(text)], 3, Vocabulary(), memory=memory, sink=sink)
        reference = count_files([str(text)], 3, Vocabulary())
        assert len(pieces) >= 4
        for k in range(3):
            assert np.array_equal(counts.ngrams[k].read(0, counts.ngrams[k].rows).reshape(-1, k + 1),
                                  reference.ngrams[k])
            assert np.array_equal(counts.counts[k].read(0, counts.counts[k].rows), reference.counts[k])


def test_without_unk_and_with_a_closed_vocabulary(tmp_path, small_slices):
    text = write_corpus(tmp_path / "text.txt")
    closed = [f"w{i}" for i in range(1, 12)] + ["never-seen"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        disk = on_disk_model(text, 3, tmp_path, unk=False, vocab=Vocabulary(closed, closed=True))
        assert_identical(disk, in_memory_model(text, 3, unk=False, vocab=Vocabulary(closed, closed=True)))
    assert ("<unk>",) not in table(disk) and ("never-seen",) in table(disk)


@pytest.mark.slow
def test_brown_5gram_through_the_cli_matches_lmplz(reference_dir, tmp_path):
    from click.testing import CliRunner

    from ngramlm.cli.main import cli

    kenlm_brown = reference_dir / "kenlm-brown"
    out = tmp_path / "mkn5.arpa"
    result = CliRunner().invoke(cli, ["train", "-o", "5", "--text", str(kenlm_brown / "train.txt"), "-q",
                                      "-T", str(tmp_path), "--arpa", str(out)], prog_name="ngramlm")
    assert result.exit_code == 0, result.output
    mine, reference = table(read_arpa(str(out))), table(read_arpa(str(kenlm_brown / "mkn5.arpa.gz")))
    assert mine.keys() == reference.keys()
    worst = max(max(abs(mine[g][0] - p), abs(mine[g][1] - b)) for g, (p, b) in reference.items())
    assert worst < 1e-4  # lmplz computes in single precision
    assert os.listdir(tmp_path) == ["mkn5.arpa"]  # the counts' folder is gone


@pytest.mark.parametrize("reference", ["prune4", "prune_uni", "limitprune3", "collapse3", "collapseprune3"])
def test_lmplz_options_give_lmplzs_model_with_suffixes_looked_up_in_chunks(tmp_path, monkeypatch, reference):
    """Pruning, --limit_vocab_file and --collapse_values through slices of a few rows and chunks of 300 rows
    (about 25 per order): still the model KenLM's lmplz wrote (tests/data/lmplz)."""
    from test_lmplz_options import CASES, assert_lmplz_model, run_train

    monkeypatch.setattr(lmplz_on_disk, "SLICE_ROWS", 7)
    monkeypatch.setattr(lmplz_on_disk, "CHUNK_ROWS", 300)
    assert_lmplz_model(run_train(tmp_path, *CASES[reference]), reference)


def test_estimation_holds_a_few_slices_and_chunks_not_whole_orders(tmp_path):
    """The index and probability passes hold slices of the n-grams and chunks of a lower order, whatever the
    number of n-grams: less than one float64 per n-gram of the largest order (numpy's arrays are traced by
    tracemalloc). Before the suffixes were looked up in chunks, the keys, suffix rows and continuation counts of
    a whole order and the probabilities of two whole orders were held: about 17 bytes per n-gram here."""
    rng = np.random.default_rng(1)
    words = rng.zipf(1.3, 400_000) % 3000  # about 300K distinct n-grams of each order 3..5
    text = tmp_path / "text.txt"
    text.write_text("".join(" ".join(f"w{w}" for w in words[i:i + 12]) + "\n" for i in range(0, len(words), 12)))
    with CountsOnDisk(5, str(tmp_path)) as counts:
        vocab = count_files([str(text)], 5, Vocabulary(), sink=counts).vocab
        tracemalloc.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the fallback discounts of an artificial text
                LmplzOnDisk(counts, vocab, discount_fallback=(0.5, 1.0, 1.5), slice_rows=4096,
                            chunk_rows=8192).write_arpa(str(tmp_path / "model.arpa"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        largest = max(counts.sizes())
    assert largest > 250_000
    assert peak < 8 * largest, (peak, largest)


def test_a_missing_suffix_is_refused_in_any_chunk(tmp_path):
    """Counts that are not a text's (the 2-gram suffix "b c" of "a b c" absent) stop with ModelError, whichever
    chunk of the 2-grams the suffix would be in."""
    vocab = Vocabulary(["a", "b", "c"])
    a, b, c = (vocab.id(w) for w in "abc")
    grams = [np.array([[a], [b], [c]]), np.array([[a, b], [b, a]]), np.array([[a, b, c]])]
    for chunk_rows in (1, 8):
        with CountsOnDisk(3, str(tmp_path)) as counts:
            counts([g.astype(np.uint32) for g in grams], [np.ones(len(g), dtype=np.int64) for g in grams])
            with pytest.raises(ModelError, match="no 2-gram suffix"):
                LmplzOnDisk(counts, vocab, discount_fallback=(0.5, 1.0, 1.5), chunk_rows=chunk_rows)


def test_failed_estimation_leaves_no_output_and_no_temporary_files(tmp_path):
    (tmp_path / "tiny.txt").write_text("a b\n")
    out, scratch = tmp_path / "x.arpa", tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(ModelError, match="Could not calculate Kneser-Ney discounts"):
        with CountsOnDisk(2, str(scratch)) as counts:
            vocab = count_files([str(tmp_path / "tiny.txt")], 2, Vocabulary(), sink=counts).vocab
            LmplzOnDisk(counts, vocab).write_arpa(str(out))
    assert not out.exists() and os.listdir(scratch) == []


def test_empty_text_gives_the_in_memory_model(tmp_path):
    text = tmp_path / "empty.txt"
    text.write_text("\n\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        disk = on_disk_model(text, 3, tmp_path)
        assert_identical(disk, in_memory_model(text, 3))
    assert disk.sizes() == [2, 0, 0]  # <unk> and <s>: as in lmplz's model of an empty text, no </s> (none counted)
