"""SRILM's options of issue 19 against SRILM 1.7.3's own output: each case of tests/srilm_cases.py is run with
ngramlm's `ngram` / `ngram-count` and its stdout and stderr compared byte for byte with SRILM's, kept in
tests/data/srilm (made by tests/data/srilm/make_references.py with SRILM built from its 1.7.3 sources).
Also: unknown and unsupported flags get one line naming them."""
from __future__ import annotations

import gzip

import pytest
from click.testing import CliRunner

from ngramlm.cli import ngram as ngram_cli
from ngramlm.cli import ngram_count as ngram_count_cli
from ngramlm.cli.srilm_options import SRILM_OPTIONS, unsupported_options

from srilm_cases import APPROXIMATE, CASES, DATA, MODELS, arguments, same_numbers, write_inputs

TOOLS = {"ngram": ngram_cli.main, "ngram-count": ngram_count_cli.main}


@pytest.fixture(scope="module")
def values(shared_corpora, tmp_path_factory):
    """The cases' inputs, and the trigram model of PTB's first 500 lines made by ngramlm's ngram-count (SRILM's
    own, byte for byte: tests/test_cli_ngram_count.py checks that path)."""
    folder = tmp_path_factory.mktemp("srilm")
    values = write_inputs(shared_corpora, folder)
    values["lm"], values["lm2"] = str(folder / "train500.lm"), str(folder / "train500.2.lm")
    runner = CliRunner()
    for model in MODELS:
        made = runner.invoke(ngram_count_cli.main, arguments(model, values))
        assert made.exit_code == 0, made.output
    cut = runner.invoke(ngram_cli.main, ["-lm", values["lm"], "-order", "2", "-write-lm", values["lm2"]])
    assert cut.exit_code == 0, cut.output
    return values


@pytest.mark.parametrize("name,tool,args,streams", CASES, ids=[case[0] for case in CASES])
def test_matches_srilm(values, name, tool, args, streams):
    result = CliRunner().invoke(TOOLS[tool], arguments(args, values))
    assert result.exit_code == 0, result.output
    for stream in streams:
        if stream == "arpa":
            expected = gzip.decompress((DATA / f"{name}.arpa.gz").read_bytes())
        else:
            expected = (DATA / f"{name}.{stream}").read_bytes()
        got = getattr(result, f"{'stdout' if stream == 'arpa' else stream}_bytes").replace(values["tmp"].encode(),
                                                                                          b"TMP")
        if name in APPROXIMATE:
            assert same_numbers(got, expected, APPROXIMATE[name]), f"{tool} {' '.join(args)}: {stream} differs " \
                "from SRILM's beyond the last digits"
        else:
            assert got == expected, f"{tool} {' '.join(args)}: {stream} differs from SRILM's"


@pytest.mark.parametrize("tool,flag,message", [
    ("ngram", "-use-server", "ngram: -use-server is a SRILM option that ngramlm does not support"),
    ("ngram", "-foo", "ngram: unknown option -foo"),
    ("ngram", "-lmw", "ngram: unknown option -lmw"),
    ("ngram-count", "-write-binary", "ngram-count: -write-binary is a SRILM option that ngramlm does not support"),
    ("ngram-count", "-lmx", "ngram-count: unknown option -lmx"),
])
def test_unknown_flag_is_named(tool, flag, message):
    result = CliRunner().invoke(TOOLS[tool], [flag, "x"])
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1


def test_negative_values_are_not_flags():
    # -rescore-wtw -1.5: a value, not a flag named "-1.5"
    result = CliRunner().invoke(ngram_cli.main, ["-lm", "/nonexistent.lm", "-rescore-wtw", "-1.5"])
    assert "unknown option" not in result.stderr


def test_help_lists_every_supported_option():
    for tool, command in TOOLS.items():
        text = CliRunner().invoke(command, ["-help"]).output
        accepted = SRILM_OPTIONS[tool] - set(unsupported_options(tool, command)) - {"help"}
        missing = [name for name in accepted if f"-{name}" not in text]
        assert not missing, f"{tool} -help does not list {missing}"


def test_strict_utf8_check_is_an_option(values):
    result = CliRunner().invoke(ngram_count_cli.main, ["-text", values["latin1"], "--errors", "strict"])
    assert result.exit_code == 1 and "latin1.txt:1: invalid UTF-8" in result.stderr


@pytest.mark.parametrize("content,message", [
    ("-1 -2 x a b\n", "bad n-best hypothesis: bad word count: x"),
    ("NBestList1.0\n(-12) a\n(-1x) b\n", "bad n-best hypothesis: bad Decipher score: (-1x)"),
    ("NBestList2.0\n(-12) a ( st: 0.00 et: 0.1 g: -3 a: -9\n", "each token takes 11 fields"),
])
def test_bad_nbest_line_names_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.nbest"
    path.write_text(content)
    model = tmp_path / "m.arpa"
    model.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-0.5\ta\n-0.5\tb\n-99\t<s>\n\n\\end\\\n")
    result = CliRunner().invoke(ngram_cli.main, ["-lm", str(model), "-nbest", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"{path}:{content.count(chr(10))}:" in lines[0] and message in lines[0]


def test_write_nbest_dir_holds_what_srilm_prints(values, tmp_path):
    # -write-nbest-dir: one compressed list per input, named by its sentence id (suffixes .gz, .score, ... off)
    result = CliRunner().invoke(ngram_cli.main, ["-lm", values["lm"], "-nbest-files", values["files"], "-max-nbest",
                                                 "4", "-write-nbest-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = b"".join(gzip.decompress((tmp_path / f"{name}.gz").read_bytes())
                       for name in ["list1.srilm", "list2.dec1", "list3.dec2"])
    assert written == (DATA / "nbest-files.stdout").read_bytes()
