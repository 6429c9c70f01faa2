"""`ngram-count` and `ngramlm count` on the command line: SRILM's flags as its manual page documents them."""
import gzip
from collections import Counter

import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.cli.ngram_count import main

TEXT = "the cat sat\nThe dog sat\n\nthe cat\n"


def run(*args, expect=0):
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="ngram-count")
    assert result.exit_code == expect, result.output
    return result


def read_count_file(path):
    counts = Counter()
    for line in path.read_text().splitlines():
        ngram, count = line.split("\t")
        counts[tuple(ngram.split(" "))] += int(count)
    return counts


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT)
    return path


def test_text_write_counts_every_window_up_to_the_order(tmp_path, text):
    run("-text", text, "-order", 2, "-write", tmp_path / "c.txt")
    counts = read_count_file(tmp_path / "c.txt")
    assert counts[("<s>",)] == 3 and counts[("the", "cat")] == 2 and counts[("sat", "</s>")] == 2
    assert counts[("The",)] == 1 and ("cat", "sat", "</s>") not in counts
    assert sum(c for g, c in counts.items() if len(g) == 1) == 3 + 3 + 2 + 3 * 2


def test_default_order_is_three(tmp_path, text):
    run("-text", text, "-write", tmp_path / "c.txt")
    assert max(len(g) for g in read_count_file(tmp_path / "c.txt")) == 3


def test_sort_write_is_byte_identical_to_srilm(reference_dir, tmp_path):
    folder = reference_dir / "srilm-brown-10k"
    run("-order", 3, "-text", folder / "train.txt", "-sort", "-write", tmp_path / "counts3.txt.gz")
    assert gzip.open(tmp_path / "counts3.txt.gz").read() == gzip.open(folder / "counts3.txt.gz").read()


def test_write_order_and_write_n(tmp_path, text):
    run("-text", text, "-sort", "-write", tmp_path / "all.txt", "-write2", tmp_path / "two.txt",
        "-write3", tmp_path / "three.txt")
    run("-text", text, "-sort", "-write-order", 2, "-write", tmp_path / "order2.txt")
    two = (tmp_path / "two.txt").read_text()
    assert two == (tmp_path / "order2.txt").read_text()
    assert set(read_count_file(tmp_path / "two.txt")) == {g for g in read_count_file(tmp_path / "all.txt")
                                                          if len(g) == 2}
    assert all(len(g) == 3 for g in read_count_file(tmp_path / "three.txt"))


def test_no_sos_no_eos(tmp_path, text):
    run("-text", text, "-no-sos", "-no-eos", "-write", tmp_path / "c.txt")
    counts = read_count_file(tmp_path / "c.txt")
    assert ("<s>",) not in counts and ("</s>",) not in counts and counts[("the", "cat", "sat")] == 1


def test_tolower(tmp_path, text):
    run("-text", text, "-tolower", "-write", tmp_path / "c.txt")
    counts = read_count_file(tmp_path / "c.txt")
    assert ("The",) not in counts and counts[("the",)] == 3


def test_vocab_maps_unknown_words_to_unk_and_map_unk_respells_it(tmp_path, text):
    (tmp_path / "vocab.txt").write_text("the\nsat\n")
    run("-text", text, "-vocab", tmp_path / "vocab.txt", "-write", tmp_path / "c.txt")
    counts = read_count_file(tmp_path / "c.txt")
    assert counts[("<unk>",)] == 4 and counts[("the", "<unk>")] == 2 and ("cat",) not in counts
    run("-text", text, "-vocab", tmp_path / "vocab.txt", "-map-unk", "<UNK>", "-write", tmp_path / "m.txt")
    assert read_count_file(tmp_path / "m.txt")[("<UNK>",)] == 4


def test_read_and_text_add_up(tmp_path, text):
    run("-text", text, "-write", tmp_path / "c.txt")
    run("-text", text, "-read", tmp_path / "c.txt", "-read", tmp_path / "c.txt", "-write", tmp_path / "3x.txt")
    once, thrice = read_count_file(tmp_path / "c.txt"), read_count_file(tmp_path / "3x.txt")
    assert thrice == Counter({g: 3 * c for g, c in once.items()})


def test_read_skips_ngrams_above_the_order(tmp_path, text):
    run("-text", text, "-order", 3, "-write", tmp_path / "c3.txt")
    run("-read", tmp_path / "c3.txt", "-order", 2, "-write", tmp_path / "c2.txt")
    assert read_count_file(tmp_path / "c2.txt") == {g: c for g, c in read_count_file(tmp_path / "c3.txt").items()
                                                    if len(g) <= 2}


def test_limit_vocab_discards_read_counts_with_unknown_words(tmp_path):
    (tmp_path / "c.txt").write_text("a\t2\nb\t1\na b\t1\n")
    (tmp_path / "vocab.txt").write_text("a\n")
    run("-read", tmp_path / "c.txt", "-vocab", tmp_path / "vocab.txt", "-write", tmp_path / "mapped.txt")
    assert read_count_file(tmp_path / "mapped.txt") == Counter({("a",): 2, ("<unk>",): 1, ("a", "<unk>"): 1})
    run("-read", tmp_path / "c.txt", "-vocab", tmp_path / "vocab.txt", "-limit-vocab",
        "-write", tmp_path / "limited.txt")
    assert read_count_file(tmp_path / "limited.txt") == Counter({("a",): 2})


def test_write_vocab(tmp_path, text):
    run("-text", text, "-write-vocab", tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_text().split() == sorted(
        ["<unk>", "<s>", "</s>", "-pau-", "the", "cat", "sat", "The", "dog"])  # SRILM's vocabularies hold -pau-


def test_tiny_memory_budget_gives_the_same_counts(tmp_path, text):
    big = tmp_path / "big.txt"
    big.write_text(TEXT * 40000)  # its marked text is beyond half of 1M: it goes to a file
    run("-text", big, "-sort", "-write", tmp_path / "a.txt")
    run("-text", big, "-sort", "-memory", "1M", "-write", tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


def test_debug_reports_the_text(text):
    result = run("-text", text, "-debug", 1)
    assert f"{text}: line 4: 3 sentences, 8 words, 0 OOVs" in result.output  # 4 lines, one blank


def test_malformed_count_file_is_one_line_error(tmp_path):
    (tmp_path / "c.txt").write_text("a\t1\na b\n")
    result = run("-read", tmp_path / "c.txt", expect=1)
    assert result.output.strip() == (f"ngram-count: error: {tmp_path / 'c.txt'}:2: the last field 'b' is not a "
                                     "whole-number count; each line must be 'w1 ... wn<TAB>count' (fractional "
                                     "counts are not supported)")


def test_missing_text_is_one_line_error(tmp_path):
    result = run("-text", tmp_path / "absent.txt", expect=1)
    assert "cannot open" in result.output and "Traceback" not in result.output


def test_lm_writes_an_arpa_model(tmp_path, text):
    run("-text", text, "-lm", tmp_path / "x.arpa", "-wbdiscount")
    assert (tmp_path / "x.arpa").read_text().lstrip().startswith("\\data\\\nngram 1=")


def test_unwritable_output_is_one_line_error(tmp_path, text):
    result = run("-text", text, "-write", tmp_path / "absent" / "c.txt", expect=1)
    assert result.output.startswith("ngram-count: error:")


def test_help_uses_srilm_flag_names():
    result = run("-help")
    for flag in ("-order", "-text", "-read", "-write-order", "-write9", "-sort", "-vocab", "-unk", "-map-unk",
                 "-limit-vocab", "-tolower", "-write-vocab", "-no-sos", "-no-eos", "-debug", "-memory", "-lm"):
        assert f"  {flag} " in result.output


def test_ngramlm_count_subcommand(tmp_path, text):
    result = CliRunner().invoke(cli, ["count", "--text", str(text), "--order", "2", "--write",
                                      str(tmp_path / "c.txt"), "--write-vocab", str(tmp_path / "v.txt"), "-q"])
    assert result.exit_code == 0, result.output
    run("-text", text, "-order", 2, "-sort", "-write", tmp_path / "srilm.txt")
    assert (tmp_path / "c.txt").read_text() == (tmp_path / "srilm.txt").read_text()
    assert "the" in (tmp_path / "v.txt").read_text().split()


def test_ngramlm_count_to_stdout_and_reading_counts(tmp_path, text):
    (tmp_path / "c.txt").write_text("the cat\t5\n")
    result = CliRunner().invoke(cli, ["count", "--text", str(text), "--read", str(tmp_path / "c.txt"),
                                      "--write-order", "2"])
    assert result.exit_code == 0, result.output
    assert "the cat\t7\n" in result.output


def test_threads_flag_gives_the_same_counts_and_refuses_zero(tmp_path, text):
    # About 200K windows: enough for the counter to cut its work into pieces for two threads.
    big = tmp_path / "big.txt"
    big.write_text("".join(f"w{i % 997} w{i % 89} w{i % 13} w{i % 7}\n" for i in range(34000)))
    run("-text", big, "-order", 3, "-threads", 2, "-write", tmp_path / "two.txt")
    run("-text", big, "-order", 3, "-threads", 1, "-write", tmp_path / "one.txt")
    assert (tmp_path / "two.txt").read_text() == (tmp_path / "one.txt").read_text()
    assert "-threads" in run("-text", text, "-threads", 0, "-write", tmp_path / "zero.txt", expect=2).output
    assert not (tmp_path / "zero.txt").exists()
