"""SRILM's "##" comment lines: SRILM's File class skips a line whose first two bytes are "##" in every file its
tools read (the line still counts in line numbers). `ngram-count`, `ngram` and `ngram-class` do the same, against
SRILM 1.7.3's own outputs on a text, a vocabulary, a count file and a class file with such lines
(tests/data/srilm/comments*, see its README); ngramlm's own commands read them as text, as KenLM's lmplz does
(against lmplz's model of the same text, tests/data/lmplz/comments3.arpa.gz, and a count made here by hand)."""
from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.cli.ngram import main as ngram
from ngramlm.cli.ngram_count import main as ngram_count
from ngramlm.core.io import iter_lines, read_blocks, srilm_reading
from test_lmplz_options import assert_lmplz_model

DATA = Path(__file__).parent / "data" / "srilm"


def run(command, args, name):
    result = CliRunner().invoke(command, args, prog_name=name)
    assert result.exit_code == 0, result.output
    return result


def test_ngram_count_skips_comment_lines_in_the_text(in_srilm_data):
    result = run(ngram_count, ["-order", "3", "-text", "comments.txt", "-write", "-", "-debug", "1"], "ngram-count")
    # the same counts (SRILM writes them in its hash order); 64 sentences of 69 lines, the last line's number
    assert sorted(result.stdout.splitlines()) == sorted((DATA / "comments-count.stdout").read_text().splitlines())
    assert result.stderr == (DATA / "comments-count.stderr").read_text()


def test_ngram_count_writes_srilms_model_of_a_text_with_comments(tmp_path):
    lm = tmp_path / "kn3.arpa"
    run(ngram_count, ["-order", "3", "-text", str(DATA / "comments.txt"), "-kndiscount", "-interpolate", "-lm",
                      str(lm)], "ngram-count")
    assert lm.read_bytes() == gzip.decompress((DATA / "comments-kn3.arpa.gz").read_bytes())


def test_ngram_ppl_skips_comment_lines(in_srilm_data):
    result = run(ngram, ["-lm", "comments-kn3.arpa.gz", "-ppl", "comments-ppl.txt", "-debug", "1"], "ngram")
    assert result.stdout == (DATA / "comments-ppl.stdout").read_text()
    assert result.stderr == (DATA / "comments-ppl.stderr").read_text()


def test_ngram_reads_an_arpa_model_with_comment_lines_as_srilm_does(in_srilm_data, tmp_path):
    """SRILM skips "##" lines in model files too (checked with SRILM 1.7.3: the same report as without them), in
    the header as in a section, where the compiled section parser passes over them."""
    lines = gzip.decompress((DATA / "comments-kn3.arpa.gz").read_bytes()).decode().split("\n")
    commented = []
    for number, line in enumerate(lines):
        commented += ["## before the header", line, "## in the header"] if line == "\\data\\" else [line]
        if line.startswith("\\2-grams:") or number == 40:
            commented.append("## in a section")
    assert sum(line.startswith("##") for line in commented) == 4
    (tmp_path / "commented.arpa").write_text("\n".join(commented))
    result = run(ngram, ["-lm", str(tmp_path / "commented.arpa"), "-ppl", "comments-ppl.txt", "-debug", "1"], "ngram")
    assert result.stdout == (DATA / "comments-ppl.stdout").read_text()
    assert result.stderr == (DATA / "comments-ppl.stderr").read_text()


def test_vocabulary_files_skip_comment_lines(in_srilm_data):
    written = run(ngram_count, ["-vocab", "comments.vocab", "-write-vocab", "-"], "ngram-count")
    assert written.stdout == (DATA / "comments-write-vocab.stdout").read_text()
    # "##x" is a word of the text (mid-line) but a comment of the vocabulary: <unk> under -limit-vocab
    limited = run(ngram_count, ["-order", "2", "-text", "comments.txt", "-vocab", "comments.vocab", "-limit-vocab",
                                "-write", "-"], "ngram-count")
    assert sorted(limited.stdout.splitlines()) == sorted((DATA / "comments-vocab.stdout").read_text().splitlines())


def test_count_files_skip_comment_lines(in_srilm_data):
    result = run(ngram_count, ["-read", "comments.counts", "-order", "2", "-write", "-"], "ngram-count")
    assert result.stdout == (DATA / "comments-read.stdout").read_text()


def _numbers_close(mine: str, srilm: str, tolerance: float) -> bool:
    """Whether two reports have the same words and numbers within `tolerance` (relative) of each other."""
    a, b = mine.split(), srilm.split()
    if len(a) != len(b):
        return False
    number = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?$")
    return all(x == y or (number.match(x) and number.match(y) and abs(float(x) - float(y)) <= tolerance * abs(float(y)))
               for x, y in zip(a, b))


def test_class_files_skip_comment_lines(in_srilm_data):
    result = run(ngram, ["-lm", "comments-kn3.arpa.gz", "-classes", "comments.classes", "-ppl", "comments-ppl.txt",
                         "-debug", "1"], "ngram")
    # SRILM sums a class model's probabilities in its own order: the last digit may differ (tests/srilm_cases.py)
    assert _numbers_close(result.stdout, (DATA / "comments-classes.stdout").read_text(), 1e-6)


def test_errors_name_the_files_own_line_numbers(tmp_path):
    text = tmp_path / "bad.txt"
    text.write_bytes(b"## comment\n##\xff a bad byte in a comment is no error\nthe jury\nbad \xff here\n")
    lm = str(DATA / "comments-kn3.arpa.gz")
    for command, args, name in ((ngram_count, ["-text", str(text), "-write", "-"], "ngram-count"),
                                (ngram, ["-lm", lm, "-ppl", str(text)], "ngram")):
        result = CliRunner().invoke(command, [*args, "--errors", "strict"], prog_name=name)
        assert result.exit_code == 1
        assert f"{text}:4: invalid UTF-8" in result.stderr
    text.write_bytes(b"## comment\n##\xff a bad byte in a comment is no error\nthe jury\n")
    run(ngram_count, ["-text", str(text), "-write", "-", "--errors", "strict"], "ngram-count")


def test_blocks_and_lines_keep_line_numbers_across_block_ends(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"##a\nx y\n##\n\n# z\n##b c\nw\n##last")
    expected = {2: "x y", 4: "", 5: "# z", 7: "w"}
    with srilm_reading():
        lines = {n: line.rstrip("\n") for n, line in iter_lines(str(path))}
        for size in (1, 3, 7, 1 << 16):
            from_blocks = {}
            for block, first in read_blocks(str(path), size):
                for n, line in enumerate(block.decode().split("\n")[:block.count(b"\n") + 1], first):
                    from_blocks[n] = line
            assert {n: line for n, line in from_blocks.items() if line} == {2: "x y", 5: "# z", 7: "w"}
            assert len(from_blocks) == 8  # every line of the file has its number: comments come as empty lines
    assert lines == expected
    assert [n for n, _ in iter_lines(str(path))] == list(range(1, 9))  # the switch ends with the block


def test_ngramlm_count_reads_comment_lines_as_text(tmp_path):
    out = tmp_path / "counts.txt"
    result = CliRunner().invoke(cli, ["count", "-o", "2", "--text", str(DATA / "comments.txt"), "--write", str(out)],
                                prog_name="ngramlm")
    assert result.exit_code == 0, result.output
    by_hand: Counter = Counter()
    for line in (DATA / "comments.txt").read_text(encoding="utf-8").splitlines():
        words = ["<s>", *line.split(), "</s>"]
        by_hand.update(words)
        by_hand.update(" ".join(words[i:i + 2]) for i in range(len(words) - 1))
    counted = {gram: int(count) for gram, count in (row.rsplit("\t", 1) for row in out.read_text().splitlines())}
    assert counted == dict(by_hand)
    assert counted["<s> ##"] == 5 and counted["</s>"] == 69


def test_ngramlm_train_reads_comment_lines_as_lmplz_does(tmp_path):
    # lmplz ends no sentence on a last line without its newline; the reference text has one
    text = tmp_path / "comments.txt"
    text.write_bytes((DATA / "comments.txt").read_bytes() + b"\n")
    out = tmp_path / "model.arpa"
    result = CliRunner().invoke(cli, ["train", "-q", "-o", "3", "--text", str(text), "--arpa", str(out)],
                                prog_name="ngramlm")
    assert result.exit_code == 0, result.output
    assert_lmplz_model(out, "comments3")
