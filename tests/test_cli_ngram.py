"""The `ngram` command (SRILM's flags and output) and `ngramlm eval`, end to end."""
from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner

from ngramlm.cli.eval import eval_command
from ngramlm.cli.ngram import main

BIGRAM = """\\data\\
ngram 1=5
ngram 2=2

\\1-grams:
-99\t<s>\t-0.30103
-0.69897\t</s>
-0.30103\tA\t-0.60206
-0.5228787\tb
-2\t<unk>

\\2-grams:
-0.2218487\t<s> A
-0.30103\tA b

\\end\\
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "lm.arpa").write_text(BIGRAM)
    (tmp_path / "text.txt").write_text("A b\nb A zzz\n")
    return tmp_path


def run(args, folder=None):
    """`ngram ARGS`; standard output and error come back apart (result.stdout, result.stderr)."""
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_ppl_reproduces_srilm_reference_output(reference_dir, monkeypatch):
    folder = reference_dir / "srilm-brown-10k"
    monkeypatch.chdir(folder)
    result = run(["-lm", "kn3-closed.arpa.gz", "-order", "3", "-ppl", "test100.txt", "-debug", "2"], folder)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (folder / "kn3-closed.ppl2.txt").read_text()


def test_ppl_on_a_small_model(files, monkeypatch):
    monkeypatch.chdir(files)
    result = run(["-lm", "lm.arpa", "-order", "2", "-unk", "-ppl", "text.txt", "-debug", "1"], files)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "A b"
    assert lines[-2] == "file text.txt: 2 sentences, 5 words, 0 OOVs"


def test_order_above_the_model_is_a_clear_error(files):
    result = run(["-lm", str(files / "lm.arpa"), "-order", "3", "-ppl", str(files / "text.txt")], files)
    assert result.exit_code == 1
    assert "-order 3 asks for more than the model has" in result.stderr and "2-gram model" in result.stderr
    assert "Traceback" not in result.stderr


def test_default_order_is_srilms_three_with_a_warning_for_longer_models(files, reference_dir):
    folder = reference_dir / "srilm-brown-10k"
    result = run(["-lm", str(folder / "kn5-interp-default.arpa.gz"), "-write-vocab", str(files / "v.txt")], files)
    assert result.exit_code == 0
    assert "only its n-grams up to order 3 are used" in result.stderr
    result = run(["-lm", str(files / "lm.arpa"), "-ppl", str(files / "text.txt")], files)
    assert result.exit_code == 0 and "warning: " in result.stderr  # <unk> in a model without -unk
    assert "up to order" not in result.stderr


def test_empty_text(files):
    (files / "empty.txt").write_text("")
    result = run(["-lm", str(files / "lm.arpa"), "-order", "2", "-ppl", str(files / "empty.txt")], files)
    assert result.exit_code == 0
    assert result.stdout == f"file {files / 'empty.txt'}: 0 sentences, 0 words, 0 OOVs\n"


def test_invalid_utf8_text_is_reported_with_file_and_line(files):
    # SRILM reads any bytes (the default, --errors bytes); --errors strict is the UTF-8 check
    (files / "bad.txt").write_bytes(b"A b\nb \xc3\x28 A\n")
    result = run(["-lm", str(files / "lm.arpa"), "-order", "2", "-ppl", str(files / "bad.txt"), "--errors",
                  "strict"], files)
    assert result.exit_code == 1
    assert f"{files / 'bad.txt'}:2: invalid UTF-8" in result.stderr


def test_malformed_model_is_reported_with_file_and_line(files):
    (files / "broken.arpa").write_text(BIGRAM.replace("-0.30103\tA b", "-0.3O103\tA b"))
    result = run(["-lm", str(files / "broken.arpa"), "-ppl", str(files / "text.txt")], files)
    assert result.exit_code == 1
    assert f"{files / 'broken.arpa'}:14: bad log probability" in result.stderr


def test_write_lm_and_write_vocab(files):
    result = run(["-lm", str(files / "lm.arpa"), "-order", "2", "-write-lm", str(files / "out.arpa.gz"),
                  "-write-vocab", str(files / "vocab.txt")], files)
    assert result.exit_code == 0, result.stderr
    written = gzip.open(files / "out.arpa.gz", "rt").read()
    assert "\n-0.30103\tA\t-0.60206\n" in written and written.endswith("\\end\\\n")
    assert (files / "vocab.txt").read_text().split() == sorted(["<unk>", "<s>", "</s>", "-pau-", "A", "b"])


def test_order_one_writes_only_unigrams(files):
    result = run(["-lm", str(files / "lm.arpa"), "-order", "1", "-write-lm", str(files / "uni.arpa")], files)
    assert result.exit_code == 0
    text = (files / "uni.arpa").read_text()
    assert "ngram 2" not in text and "\t-0.60206" not in text  # unigrams carry no weights any more


def test_tolower_maps_text_and_model(files):
    (files / "upper.txt").write_text("a B\n")
    lowered = run(["-lm", str(files / "lm.arpa"), "-order", "2", "-tolower", "-ppl", str(files / "upper.txt")],
                  files)
    assert lowered.exit_code == 0
    first = run(["-lm", str(files / "lm.arpa"), "-order", "2", "-ppl", str(files / "upper.txt")], files)
    assert "logprob= -1.221849 " in lowered.stdout  # p(a|<s>) p(b|a) p(</s>|b) = .6 * .5 * .2
    assert "logprob= -1.221849 " not in first.stdout


def test_counts_and_escape(files):
    # not "##": SRILM skips a line that begins with it as a comment before -escape sees it
    (files / "counts.txt").write_text("#!x\n<s> A\t2\nA b\t1\n")
    result = run(["-lm", str(files / "lm.arpa"), "-order", "2", "-counts", str(files / "counts.txt"),
                  "-escape", "#!", "-debug", "2"], files)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "#!x"
    # 0.6000001: 10 to the 32-bit float nearest -0.2218487, as SRILM prints it
    assert lines[1] == "\tp( A | <s> ) \t= [2gram] 0.6000001 [ -0.2218487 *2 ]"
    assert lines[2] == "\tp( b | A ) \t= [2gram] 0.5 [ -0.30103 ]"
    assert lines[3] == "0 sentences, 3 words, 0 OOVs"


def test_missing_lm_is_a_usage_error(files):
    result = CliRunner().invoke(main, ["-ppl", str(files / "text.txt")])
    assert result.exit_code == 2 and "-lm" in result.stderr


def test_eval_prints_srilm_and_kenlm_figures(reference_dir, monkeypatch):
    folder = reference_dir / "kenlm-brown"
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(eval_command, ["mkn3.arpa.gz", "test.txt"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines(keepends=True)
    assert "".join(lines[2:6]) == (folder / "mkn3.summary.txt").read_text()
    assert lines[0] == "file test.txt: 2874 sentences, 57934 words, 0 OOVs\n"
    result = CliRunner().invoke(eval_command, ["--json", "mkn3.arpa.gz", "test.txt"])
    data = json.loads(result.stdout)
    assert data["kenlm"]["oovs"] == 4895 and data["sentences"] == 2874
    assert sum(data["ngram_hit_rates"]) == pytest.approx(1.0)



def test_ppl_of_a_model_whose_words_are_not_utf8(tmp_path):
    # A Latin-1 model read as bytes (SRILM's way, the default --errors bytes): the query index cannot spell its
    # words, so the model is scored through its NgramIndex. By hand: -0.7 (café | <s>) - 2 (<unk>) - 0.6 (</s>)
    # = -3.3 over 3 tokens: ppl = 10^1.1, ppl1 = 10^1.65.
    arpa = "\\data\\\nngram 1=4\n\n\\1-grams:\n-2\t<unk>\n-99\t<s>\n-0.6\t</s>\n-0.7\tcaf\xe9\n\n\\end\\\n"
    (tmp_path / "lm.arpa").write_bytes(arpa.encode("latin-1"))
    (tmp_path / "text.txt").write_bytes("caf\xe9 x\n".encode("latin-1"))
    result = run(["-lm", str(tmp_path / "lm.arpa"), "-ppl", str(tmp_path / "text.txt"), "-unk", "-debug", "2"])
    assert result.exit_code == 0, result.stderr
    assert b"\tp( <unk> | caf\xe9 ...) \t= [1gram] 0.01 [ -2 ]\n" in result.stdout_bytes  # the bytes kept
    assert result.stdout.endswith("0 zeroprobs, logprob= -3.3 ppl= 12.58925 ppl1= 44.66836\n")
