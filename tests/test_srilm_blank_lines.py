"""Lines of white space only: SRILM's File::getline skips a line whose bytes are all C white space (isspace: space,
\\t, \\r, \\n, \\v, \\f), so a line holding only a vertical tab or form feed is no sentence in SRILM's commands,
although \\v and \\f are parts of words elsewhere (core.io.split_words). ngramlm's own commands read such a line as
lmplz does: a sentence of one word. Expected values are counted here by hand from that rule; SRILM 1.7.3 gives
the same (`ngram-count -text TEXT -order 2 -write -`, `ngram -lm comments-kn3.arpa.gz -ppl TEXT`,
`ngram-count -read COUNTS -order 2 -write -` on the files below)."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.cli.ngram import main as ngram
from ngramlm.cli.ngram_count import main as ngram_count
from ngramlm.core.io import iter_lines, read_blocks, srilm_reading

DATA = Path(__file__).parent / "data" / "srilm"
TEXT = b"the jury\n\x0b\n\x0c \t\r\n\x0bthe jury\n## said\njury the\x0c\n \x0b \nthe\n"
C_SPACE = b" \t\r\n\x0b\x0c"


def by_hand(text: bytes, srilm: bool) -> Counter:
    """Unigram and bigram counts of `text`: words split at space, tab, CR and LF; under SRILM, lines of C white
    space only and "##" lines skipped."""
    counts: Counter = Counter()
    for line in text.split(b"\n")[:-1]:
        if srilm and (line.startswith(b"##") or not line.strip(C_SPACE)):
            continue
        words = ["<s>", *(w.decode() for w in re.split(rb"[ \t\r]+", line) if w), "</s>"]
        counts.update(words)
        counts.update(" ".join(words[i:i + 2]) for i in range(len(words) - 1))
    return counts


def parse_counts(output: str) -> dict[str, int]:
    return {gram: int(count) for gram, count in (row.rsplit("\t", 1) for row in output.split("\n") if row)}


def invoke(command, args, name):
    result = CliRunner().invoke(command, args, prog_name=name)
    assert result.exit_code == 0, result.output
    return result


def test_ngram_count_skips_lines_of_vertical_tabs_and_form_feeds(tmp_path):
    text = tmp_path / "t.txt"
    text.write_bytes(TEXT)
    expected = by_hand(TEXT, srilm=True)
    assert expected["<s>"] == 4 and expected["\x0bthe jury"] == 1 and "\x0b" not in expected
    for memory in ([], ["-memory", "1M"]):
        result = invoke(ngram_count, ["-order", "2", "-text", str(text), "-write", "-", *memory], "ngram-count")
        assert parse_counts(result.stdout) == dict(expected)


def test_ngram_ppl_skips_them(tmp_path):
    text = tmp_path / "t.txt"
    text.write_bytes(TEXT)
    result = invoke(ngram, ["-lm", str(DATA / "comments-kn3.arpa.gz"), "-ppl", str(text)], "ngram")
    assert f"file {text}: 4 sentences, 7 words, 2 OOVs" in result.stdout


def test_count_files_skip_them(tmp_path):
    counts = tmp_path / "t.counts"
    counts.write_bytes(b"the jury\t2\n\x0b\n\x0c \r\njury\t3\n")
    result = invoke(ngram_count, ["-read", str(counts), "-order", "2", "-write", "-"], "ngram-count")
    assert parse_counts(result.stdout) == {"the jury": 2, "jury": 3, "the": 0}  # (SRILM's trie holds the prefix)


def test_ngramlm_count_reads_them_as_words_after_a_srilm_command(tmp_path):
    text = tmp_path / "t.txt"
    text.write_bytes(TEXT)
    invoke(ngram_count, ["-order", "2", "-text", str(text), "-write", str(tmp_path / "srilm.counts")], "ngram-count")
    out = tmp_path / "counts.txt"
    invoke(cli, ["count", "-o", "2", "--text", str(text), "--write", str(out)], "ngramlm")
    assert parse_counts(out.read_text()) == dict(by_hand(TEXT, srilm=False))


def test_lines_and_blocks_agree_across_block_ends(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(TEXT + b"\x0c")
    expected = {1: "the jury", 4: "\x0bthe jury", 6: "jury the\x0c", 8: "the"}
    with srilm_reading():
        lines = {n: line.rstrip("\n") for n, line in iter_lines(str(path)) if line.strip(" \t\r\n")}
        assert lines == expected
        for size in (1, 2, 5, 1 << 16):
            from_blocks = {}
            for block, first in read_blocks(str(path), size):
                for n, line in enumerate(block.decode().split("\n")[:block.count(b"\n") + 1], first):
                    from_blocks[n] = line
            assert {n: line for n, line in from_blocks.items() if line.strip(" \t\r")} == expected
            assert len(from_blocks) == 9  # every line keeps its number: skipped ones come as empty lines
