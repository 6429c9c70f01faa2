"""A last line without a newline, read as lmplz reads it in `ngramlm train` (its words follow <s>, but no </s>
follows them; a blank one is no sentence at all) and as SRILM reads it in `ngram-count` (ended as any other line),
on every path that reads text: the compiled tokenizer and its str.split fallback, the line reader, the on-disk
(-S) counting and the Dask shards. References: lmplz's models in tests/data/lmplz and SRILM's counts in
tests/data/srilm (see their READMEs for the commands); the inputs are made here from the files there.

The reference files are read with test_lmplz_options' parser, not with the toolkit's ARPA reader."""
from __future__ import annotations

import gzip
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.cli.ngram_count import main as ngram_count
from ngramlm.core.vocab import Vocabulary
from ngramlm.corpora.reader import TextOptions, read_sentences
from ngramlm.counting.corpus_count import count_files, count_sentences
from ngramlm.smoothing.discount import EstimationWarning

from test_lmplz_options import DATA, TOLERANCE, assert_lmplz_model, read_arpa_entries, run_train

SRILM = Path(__file__).parent / "data" / "srilm"
# `ngramlm train`'s reading (cli/train.py).
LMPLZ_READING = TextOptions(blank_lines=True, open_last_line=True)
METHODS = ["lmplz", "stupid-backoff", "mle", "additive", "good-turing", "witten-bell", "absolute", "kneser-ney",
           "modified-kneser-ney"]


def without_last_newline(tmp_path: Path, text: bytes, name: str = "nonl.txt") -> Path:
    path = tmp_path / name
    assert text.endswith(b"\n")
    path.write_bytes(text[:-1])
    return path


def brown200(tmp_path: Path) -> Path:
    """The first 200 lines of text.txt.gz (the shared Brown training text), its last newline removed."""
    lines = gzip.open(DATA / "text.txt.gz", "rb").read().split(b"\n")[:200]
    return without_last_newline(tmp_path, b"\n".join(lines) + b"\n")


def tiny(tmp_path: Path) -> Path:
    """tiny.txt (a b c / a b d / b c a / c a b) without its last newline."""
    return without_last_newline(tmp_path, (DATA / "tiny.txt").read_bytes(), "tiny-nonl.txt")


def assert_backoffs_normalise(mine: Path, reference: str) -> None:
    """Every context's back-off weight is the one that normalises lmplz's probabilities, b(h) =
    (1 - sum p(w | h)) / (1 - sum p(w | h')) over the words w seen after h, and n-grams that are no context have
    none. (lmplz's own weights are shifted on such a text: its output stage takes each n-gram below the highest
    order that does not end in </s> or <unk> for a context, in turn, but the text's last n-grams, with no </s>
    after them, need not be contexts; see KenLM's lm/builder/interpolate.cc. Its probabilities are right.)"""
    _, entries, _ = read_arpa_entries(DATA / f"{reference}.arpa.gz")
    _, my_entries, _ = read_arpa_entries(mine)
    seen, lower = defaultdict(float), defaultdict(float)
    for gram, (logprob, _) in entries.items():
        if len(gram) > 1:
            seen[gram[:-1]] += 10 ** logprob
            lower[gram[:-1]] += 10 ** entries[gram[1:]][0]
    for gram, (_, logbow) in my_entries.items():
        expected = np.log10((1 - seen[gram]) / (1 - lower[gram])) if gram in seen else 0.0
        assert logbow == pytest.approx(expected, abs=TOLERANCE), gram


@pytest.mark.parametrize("memory", [[], ["-S", "1M"]])
def test_train_counts_no_end_of_sentence_after_a_last_line_without_newline_as_lmplz(tmp_path, memory):
    mine = run_train(tmp_path, "-o", 3, *memory, "--text", brown200(tmp_path))
    sizes, entries, _ = read_arpa_entries(mine)
    lmplz_sizes, lmplz_entries, _ = read_arpa_entries(DATA / "nonl3.arpa.gz")
    assert sizes == lmplz_sizes and entries.keys() == lmplz_entries.keys()
    assert ("courtroom", ".", "</s>") not in entries and ("the", "courtroom", ".") in entries
    assert max(abs(entries[g][0] - lmplz_entries[g][0]) for g in entries) < TOLERANCE
    assert_backoffs_normalise(mine, "nonl3")


@pytest.mark.parametrize("method", METHODS)
def test_every_method_of_train_reads_the_last_line_as_lmplz(tmp_path, method):
    """The model's n-grams are lmplz's (none of them ends the last line with </s>); lmplz's values too."""
    fallback = ["--discount-fallback"] if method == "lmplz" else []
    mine = run_train(tmp_path, "-o", 3, "--method", method, *fallback, "--text", tiny(tmp_path))
    _, entries, _ = read_arpa_entries(mine)
    _, lmplz_entries, _ = read_arpa_entries(DATA / "tiny_nonl3.arpa.gz")
    assert entries.keys() == lmplz_entries.keys()
    assert ("b", "</s>") not in entries and ("c", "a", "b") in entries
    if method == "lmplz":
        assert_lmplz_model(mine, "tiny_nonl3")


def test_a_text_of_one_line_without_newline_has_no_end_of_sentence_in_lmplzs_model(tmp_path):
    first = gzip.open(DATA / "text.txt.gz", "rb").readline()
    mine = run_train(tmp_path, "-o", 3, "--discount-fallback", "--text", without_last_newline(tmp_path, first))
    assert_lmplz_model(mine, "oneline3")
    assert ("</s>",) not in read_arpa_entries(mine)[1]


def test_a_blank_last_line_without_newline_is_no_sentence(tmp_path):
    """tiny.txt and three spaces: lmplz's model of tiny.txt alone (fallback2), with no extra <s> </s>."""
    path = tmp_path / "tail.txt"
    path.write_bytes((DATA / "tiny.txt").read_bytes() + b"   ")
    assert_lmplz_model(run_train(tmp_path, "-o", 2, "--text", path, "--discount_fallback", 0.4, 1.1), "fallback2")


def test_ngram_count_ends_the_last_line_as_srilm(tmp_path):
    out = tmp_path / "counts.txt"
    result = CliRunner().invoke(ngram_count, ["-order", "3", "-text", str(tiny(tmp_path)), "-write", str(out)],
                                prog_name="ngram-count")
    assert result.exit_code == 0, result.output
    table = dict(line.rsplit("\t", 1) for line in out.read_text().splitlines())
    srilm = dict(line.rsplit("\t", 1) for line in (SRILM / "nonl-count.stdout").read_text().splitlines())
    assert table == srilm
    assert srilm["a b </s>"] == "1" and srilm["</s>"] == "4"


@pytest.mark.parametrize("tail", [b"c <unk> d", b"e\xc2\xa0f g", b"   ", b"<s> </s>", b"\xe3\x80\x80", b"h"])
@pytest.mark.parametrize("skip_symbols", [False, True])
def test_every_reader_agrees_on_the_last_line(tmp_path, tail, skip_symbols):
    """The text's counts are those of its whole lines plus the n-grams of <s> and the last line's words (no </s>;
    none where it is blank), from the line reader and from the compiled tokenizer (in blocks of a few lines,
    spilled to disk under a tiny budget, or in one block; a no-break space or an ideographic space is part of a
    word, as lmplz reads it)."""
    whole_lines = tmp_path / "whole.txt"
    whole_lines.write_bytes(b"a b\n\n<s> c\nd </s> a\n" * 20)
    path = tmp_path / "text.txt"
    path.write_bytes(whole_lines.read_bytes() + tail)
    options = TextOptions(blank_lines=True, open_last_line=True, skip_symbols=skip_symbols)

    def table(counts):
        return {tuple(counts.vocab.decode(g)): c for grams, cs in zip(counts.ngrams, counts.counts)
                for g, c in zip(grams.tolist(), cs.tolist())}

    expected = defaultdict(int, table(count_files([str(whole_lines)], 3, Vocabulary(), options)))
    words = [w for w in re.findall("[^ \t\r\n\0]+", tail.decode()) if not (skip_symbols and w in ("<s>", "</s>", "<unk>"))]
    sentence = words if words[:1] == ["<s>"] or not words else ["<s>"] + words
    for n in (1, 2, 3):
        for i in range(len(sentence) - n + 1):
            expected[tuple(sentence[i:i + n])] += 1
    assert table(count_sentences(read_sentences(str(path), options), 3, Vocabulary())) == expected
    assert table(count_files([str(path)], 3, Vocabulary(), options, memory=2048)) == expected
    assert table(count_files([str(path)], 3, Vocabulary(), options)) == expected


def test_train_on_dask_reads_the_last_line_as_on_one_machine(tmp_path):
    """The shards of a file are its lines; the last shard's last line has no newline."""
    distributed = pytest.importorskip("distributed")
    from ngramlm.distributed.pipeline import train_on_dask
    from ngramlm.smoothing.lmplz_on_disk import LmplzConfig

    text = brown200(tmp_path)
    out = tmp_path / "dask.arpa"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") \
            as cluster, distributed.Client(cluster, set_as_default=False) as client:
        train_on_dask(client, LmplzConfig([str(text)], 3, str(out), text_options=LMPLZ_READING, quiet=True),
                      shard_bytes=5000)
        one_line = tmp_path / "one.txt"
        one_line.write_bytes(b"a b c")
        with pytest.warns(EstimationWarning):  # the fallback discounts
            train_on_dask(client, LmplzConfig([str(one_line)], 3, str(tmp_path / "one.arpa"),
                                              text_options=LMPLZ_READING, quiet=True, discount_fallback=(0.5, 1, 1.5)))
    _, entries, _ = read_arpa_entries(out)
    _, mine, _ = read_arpa_entries(run_train(tmp_path, "-o", 3, "--text", text))
    assert entries.keys() == mine.keys()
    assert max(max(abs(a - b) for a, b in zip(entries[g], mine[g])) for g in mine) < 1e-6
    assert ("</s>",) not in read_arpa_entries(tmp_path / "one.arpa")[1]
