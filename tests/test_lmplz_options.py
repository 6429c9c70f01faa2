"""`ngramlm train` with lmplz's options gives lmplz's models: the same n-grams, values within 1e-4 of the ARPA
files KenLM's lmplz wrote with the same options (tests/data/lmplz, see its README); and lmplz's blank lines (an
empty sentence) in `ngramlm train`, SRILM's (skipped) in `ngram-count`.

The reference files are read here with a parser of their own, not with the toolkit's ARPA reader."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.cli.ngram_count import main as ngram_count
from ngramlm.cli.train import train
from ngramlm.corpora.reader import TextOptions
from ngramlm.smoothing.lmplz_on_disk import LmplzConfig, train_lmplz

DATA = Path(__file__).parent / "data" / "lmplz"
TOLERANCE = 1e-4


def read_arpa_entries(path: Path) -> tuple[list[int], dict[tuple[str, ...], tuple[float, float]], list[str]]:
    """(n-grams per order from \\data\\, {n-gram: (log10 p, log10 b, 0 where not written)}, comment lines before
    \\data\\) of an ARPA file, plain or gzipped."""
    opener = gzip.open if path.suffix == ".gz" else open
    sizes, entries, comments, order = [], {}, [], 0
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("ngram ") and not order:
                sizes.append(int(line.split("=")[1]))
            elif line.startswith("#") and not sizes:
                comments.append(line)
            elif line.startswith("\\") and line.endswith("-grams:"):
                order = int(line[1:-len("-grams:")])
            elif order and line and not line.startswith("\\"):
                fields = line.split("\t")
                entries[tuple(fields[1].split(" "))] = (float(fields[0]), float(fields[2]) if len(fields) > 2 else 0.0)
    return sizes, entries, comments


def run_train(tmp_path: Path, *args) -> Path:
    out = tmp_path / "model.arpa"
    result = CliRunner().invoke(cli, ["train", "-q", "--arpa", str(out), *map(str, args)], prog_name="ngramlm")
    assert result.exit_code == 0, result.output
    return out


def assert_lmplz_model(mine: Path, reference: str) -> None:
    my_sizes, my_entries, _ = read_arpa_entries(mine)
    sizes, entries, _ = read_arpa_entries(DATA / f"{reference}.arpa.gz")
    assert my_sizes == sizes
    assert my_entries.keys() == entries.keys()
    worst = max(max(abs(a - b) for a, b in zip(my_entries[g], entries[g])) for g in entries)
    assert worst < TOLERANCE, worst


TEXT = DATA / "text.txt.gz"

CASES = {
    "prune3": ["-o", 3, "--prune", 0, 1, 1, "--text", TEXT],
    "prune4": ["-o", 4, "--prune", 0, 0, 1, 2, "--text", TEXT],
    "prune_uni": ["-o", 3, "--prune", 1, 1, 2, "--text", TEXT],  # unigrams pruned: <unk>'s share grows
    "limit3": ["-o", 3, "--limit-vocab-file", DATA / "vocab.txt", "--text", TEXT],
    "limitprune3": ["-o", 3, "--limit_vocab_file", DATA / "vocab.txt", "--prune", 0, 1, "--text", TEXT],
    "nointerp3": ["-o", 3, "--interpolate_unigrams", 0, "--text", TEXT],
    "pad3": ["-o", 3, "--vocab_pad", 20000, "--text", TEXT],
    "collapse3": ["-o", 3, "--collapse_values", "--text", TEXT],
    "collapseprune3": ["-o", 3, "--collapse-values", "--prune", 0, 1, "--text", TEXT],
    "fallback3": ["-o", 3, "--discount_fallback", 0.3, 0.8, 1.2, "--text", DATA / "tiny.txt"],
    "fallback2": ["-o", 2, "--text", DATA / "tiny.txt", "--discount_fallback", 0.4, 1.1],
    "skip3": ["-o", 3, "--skip_symbols", "--text", DATA / "symbols.txt.gz"],
    "blank3": ["-o", 3, "--text", DATA / "blank.txt.gz"],
}


@pytest.mark.parametrize("reference", sorted(CASES))
def test_train_with_lmplz_options_gives_lmplzs_model(tmp_path, reference):
    assert_lmplz_model(run_train(tmp_path, *CASES[reference]), reference)


def test_lmplz_config_takes_the_options_in_python_with_the_commands_defaults(tmp_path):
    flags = train.make_context("train", ["-o", "3", "--text", "t.txt"]).params
    config = LmplzConfig(["t.txt"], 3)
    assert (config.prune, config.limit_vocab, config.interpolate_unigrams, config.vocab_pad, config.collapse_values,
            config.verbose_header, config.intermediate) == \
        (flags["prune"], flags["limit_vocab_file"], flags["interpolate_unigrams"], flags["vocab_pad"],
         flags["collapse_values"], flags["verbose_header"], flags["intermediate"])
    out = tmp_path / "model.arpa"
    train_lmplz(LmplzConfig([str(TEXT)], 3, str(out), prune=[0, 1, 1], quiet=True,
                            text_options=TextOptions(blank_lines=True)))
    assert_lmplz_model(out, "prune3")


def test_renumber_and_the_resource_options_leave_the_model_as_it_is(tmp_path):
    out = run_train(tmp_path, "-o", 3, "--prune", 0, 1, 1, "--text", TEXT, "--renumber", "--vocab_estimate", 100,
                "--minimum_block", "1K", "--sort-block", "1M", "--block_count", 3)
    assert_lmplz_model(out, "prune3")


def test_verbose_header_counts_the_words_as_lmplz(tmp_path):
    out = run_train(tmp_path, "-o", 2, "--verbose_header", "--discount_fallback", "--text", DATA / "tiny.txt")
    assert_lmplz_model(out, "verbose2")
    mine, lmplz = read_arpa_entries(out)[2], read_arpa_entries(DATA / "verbose2.arpa.gz")[2]
    assert mine[0].endswith("/tiny.txt") and lmplz[0] == "# Input file: tiny.txt"
    assert mine[1:] == lmplz[1:] == ["# Token count: 12", "# Smoothing: Modified Kneser-Ney"]


def test_a_blank_line_is_an_empty_sentence_for_train_and_skipped_by_ngram_count(tmp_path):
    blank_lines = sum(1 for line in gzip.open(DATA / "blank.txt.gz", "rt") if not line.strip())
    assert blank_lines == 11
    _, entries, _ = read_arpa_entries(run_train(tmp_path, "-o", 2, "--text", DATA / "blank.txt.gz"))
    assert ("<s>", "</s>") in entries
    counts = tmp_path / "counts.txt"
    result = CliRunner().invoke(ngram_count, ["-order", "2", "-text", str(DATA / "blank.txt.gz"), "-write",
                                              str(counts)], prog_name="ngram-count")
    assert result.exit_code == 0, result.output
    table = dict(line.rsplit("\t", 1) for line in counts.read_text().splitlines())
    assert "<s> </s>" not in table
    assert int(table["</s>"]) == 300 - blank_lines


def read_intermediate(prefix: Path, order: int) -> tuple[bytes, bytes, list]:
    """(metadata, vocabulary, per order (word ids, values)) of KenLM intermediate files: n uint32 ids and two
    float32 values per n-gram (KenLM's lm/common/model_buffer.cc)."""
    orders = []
    for n in range(1, order + 1):
        records = np.fromfile(f"{prefix}.{n}", dtype=[("words", "<u4", (n,)), ("values", "<f4", (2,))])
        orders.append((records["words"], records["values"]))
    return Path(f"{prefix}.kenlm_intermediate").read_bytes(), Path(f"{prefix}.vocab").read_bytes(), orders


@pytest.mark.parametrize("name, flags", [("prune3", []), ("collapseprune3", ["--collapse_values"])])
def test_intermediate_files_are_lmplzs(tmp_path, name, flags):
    prefix = tmp_path / "model"
    result = CliRunner().invoke(cli, ["train", "-q", "-o", "3", "--prune", "0", "1", "1", *flags, "--text", str(TEXT),
                                      "--intermediate", str(prefix)], prog_name="ngramlm")
    assert result.exit_code == 0, result.output
    assert result.output == ""  # no ARPA on standard output without --arpa, as lmplz
    meta, vocab, orders = read_intermediate(prefix, 3)
    lmplz_meta, lmplz_vocab, lmplz_orders = read_intermediate(DATA / "intermediate" / name, 3)
    assert meta == lmplz_meta and vocab == lmplz_vocab
    for (words, values), (lmplz_words, lmplz_values) in zip(orders, lmplz_orders):
        assert np.array_equal(words, lmplz_words)
        assert np.abs(values - lmplz_values).max() < TOLERANCE


@pytest.mark.parametrize("args, message", [
    (["--prune", 0, 2, 1], "non-decreasing"),
    (["--prune", 0, 1, 1, 1], "only has order 3"),
    (["--discount_fallback", 0.5, 2.5], "not in the range [0, 2]"),
    (["--param", "gtmin=2"], "use --prune"),
    (["--interpolate_unigrams", "maybe"], "not a truth value"),
    (["--interpolate_unigrams", 0, "--vocab_pad", 10], "--vocab_pad requires --interpolate_unigrams"),
    (["--method", "witten-bell", "--prune", 0, 1], "--prune applies to --method lmplz only"),
    (["--limit_vocab_file", DATA / "no-such-file.txt"], "no-such-file.txt"),
    (["--intermediate", DATA / "no-such-folder" / "model"], "no-such-folder"),
])
def test_bad_lmplz_options_stop_with_one_line(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["train", "-q", "-o", "3", "--text", str(DATA / "tiny.txt"), "--arpa",
                                      str(tmp_path / "m.arpa"), *map(str, args)], prog_name="ngramlm")
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text", ["a b\n\n   \nc <unk> d\n<s> </s>\n<s> e\n\n", "a\u00a0b c\n\n<unk>\nd </s> e\n \n"])
@pytest.mark.parametrize("blank_lines, skip_symbols", [(True, True), (True, False), (False, True)])
def test_compiled_reading_agrees_with_the_line_reader_on_blank_lines_and_symbols(tmp_path, text, blank_lines,
                                                                                  skip_symbols):
    """The compiled tokenizer (and its str.split fallback, which the no-break space sends the second text to) keeps
    blank lines and drops the symbols as corpora.reader.read_sentences does, line by line."""
    from ngramlm.core.vocab import Vocabulary
    from ngramlm.corpora.reader import read_sentences
    from ngramlm.counting.corpus_count import count_files, count_sentences

    path = tmp_path / "text.txt"
    path.write_text(text, encoding="utf-8")
    options = TextOptions(blank_lines=blank_lines, skip_symbols=skip_symbols)

    def table(counts):
        return {tuple(counts.vocab.decode(g)): c for grams, cs in zip(counts.ngrams, counts.counts)
                for g, c in zip(grams.tolist(), cs.tolist())}

    expected = table(count_sentences(read_sentences(str(path), options), 2, Vocabulary()))
    assert table(count_files([str(path)], 2, Vocabulary(), options)) == expected
    assert (("<s>", "</s>") in expected) == blank_lines
