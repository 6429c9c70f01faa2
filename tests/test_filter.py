"""`ngramlm filter` against the outputs of KenLM's `filter` (tests/data/kenlm/filter, made from KenLM's test.arpa):
every mode, with and without `context`, byte for byte; a KenLM trie filtered as its ARPA file; bad input."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.core.errors import InputError
from ngramlm.use.filter import filter_arpa

DATA = Path(__file__).parent / "data" / "kenlm"
FILTER = DATA / "filter"
SENTENCES = FILTER / "sentences.txt"


def run(*args: str, stdin: bytes | None = None):
    result = CliRunner().invoke(cli, ["filter", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("mode,context", [("copy", False), ("single", False), ("single", True), ("union", False),
                                          ("union", True)])
def test_modes_give_kenlms_bytes(tmp_path, mode, context):
    out = tmp_path / "out.arpa"
    args = [mode] + (["context"] if context else []) + [f"model:{DATA / 'test.arpa'}", str(out)]
    run(*args, stdin=SENTENCES.read_bytes())  # the vocabulary on standard input, as KenLM's filter reads it
    expected = FILTER / (mode + ("-context" if context else "") + ".arpa")
    assert out.read_bytes() == expected.read_bytes()


def test_multiple_mode_writes_one_model_per_sentence(tmp_path):
    out = tmp_path / "out.arpa"
    run("multiple", f"vocab:{SENTENCES}", f"model:{DATA / 'test.arpa'}", str(out))
    for i in range(3):
        assert (tmp_path / f"out.arpa{i}").read_bytes() == (FILTER / f"multiple.arpa{i}").read_bytes()
    assert not (tmp_path / "out.arpa3").exists()


def test_union_is_stricter_than_single():
    # "looking on" has both words in the vocabulary, but in different sentences.
    assert b"\tlooking on\t" in (FILTER / "single.arpa").read_bytes()
    assert b"\tlooking on\t" not in (FILTER / "union.arpa").read_bytes()


def test_a_kenlm_trie_filters_as_its_arpa_file(tmp_path):
    kenlm = pytest.importorskip("kenlm")
    run("union", f"vocab:{SENTENCES}", f"model:{DATA / 'test.trie'}", str(tmp_path / "trie.arpa"))
    from_trie, from_arpa = kenlm.Model(str(tmp_path / "trie.arpa")), kenlm.Model(str(FILTER / "union.arpa"))
    # The trie also holds the blanks build_binary adds for missing suffixes (their back-off probability): the
    # matched lengths may differ, the probabilities may not.
    for line in SENTENCES.read_text().splitlines():
        for (p, _, _), (q, _, _) in zip(from_trie.full_scores(line), from_arpa.full_scores(line), strict=True):
            assert p == pytest.approx(q, abs=1e-5)


def test_bad_input_is_one_line_error(tmp_path):
    bad = tmp_path / "bad.arpa"
    bad.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a b\n-2\tc\n\n\\end\\\n")
    with pytest.raises(InputError, match=r"bad.arpa:5: "):
        filter_arpa(str(bad), str(tmp_path / "o.arpa"), "single", [b"a"])
    truncated = tmp_path / "cut.arpa"
    truncated.write_bytes((DATA / "test.arpa").read_bytes()[:1500])
    with pytest.raises(InputError, match="cut.arpa"):
        filter_arpa(str(truncated), str(tmp_path / "o.arpa"), "copy", [])
    result = CliRunner().invoke(cli, ["filter", "phrase", f"model:{DATA / 'test.arpa'}", str(tmp_path / "o")])
    assert result.exit_code != 0
    result = CliRunner().invoke(cli, ["filter", "single", "phrase", f"model:{DATA / 'test.arpa'}",
                                      str(tmp_path / "o")], input=b"a\n")
    assert result.exit_code != 0 and "not supported" in result.output
    result = CliRunner().invoke(cli, ["filter", "single", f"model:{DATA / 'test.probing'}", str(tmp_path / "o")],
                                input=b"a\n")
    assert result.exit_code != 0 and "not a trie" in result.output


def test_a_truncated_compressed_model_gets_an_error_naming_it(tmp_path):
    """A .gz model cut in half ends the raw-line reader (filter, KenLM's writers) with an InputError naming the
    file, not a bare EOFError from the decompressor."""
    import gzip

    from ngramlm.formats.arpa_lines import read_arpa_lines

    whole = gzip.compress((Path(__file__).parent / "data" / "kenlm" / "test.arpa").read_bytes())
    cut = tmp_path / "cut.arpa.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="cut.arpa.gz"):
        read_arpa_lines(str(cut))
