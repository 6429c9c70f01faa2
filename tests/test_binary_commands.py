"""Binary models in the commands: `ngram -lm model.bin` and `ngramlm eval model.bin` (ngramlm/use/index_scorer.py).

A binary (ngramlm's format, KenLM's probing and trie files) is scored through its hash index. References: the
kenlm module's per-word scores on the same file (independent code), the SRILM-format report of the ARPA file it
was built from (within 1e-4 in a log probability, 1e-3 relative in a perplexity: the back-off weights are added in
another order before the float32 rounding, and [Ngram] is the probe's matched length), and SRILM's and KenLM's
published formulas applied to the kenlm module's scores.
"""
from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ngramlm.cli.eval import eval_command
from ngramlm.cli.ngram import main as ngram
from ngramlm.formats.arpa import read_arpa
from ngramlm.formats.binary import write_binary
from ngramlm.use.index_scorer import IndexScorer, load_index

KENLM_DATA = Path(__file__).parent / "data" / "kenlm"
ARPA = {"test": KENLM_DATA / "test.arpa", "nounk": KENLM_DATA / "test_nounk.arpa"}
# Sentences with known words, OOVs (zzz, foo), a <s> the text gives itself, a one-word sentence and a blank line.
TEXT = ("looking on a little more loin\nthis is a sentence zzz\n<s> on a little more\n\nfoo bar looking\n"
        "higher\nbiarritz is also a little , however .\n")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    """The text, and per model (test, nounk) its ARPA file and binaries: ngramlm's, KenLM's probing and trie."""
    folder = tmp_path_factory.mktemp("binary_commands")
    text = folder / "text.txt"
    text.write_text(TEXT)
    out = {"text": str(text)}
    for name, arpa in ARPA.items():
        ours = folder / f"{name}.model"  # no telling extension: found by its magic bytes
        write_binary(read_arpa(str(arpa)), str(ours))
        prefix = "test" if name == "test" else "test_nounk"
        out[name] = {"arpa": str(arpa), "binaries": [str(ours), str(KENLM_DATA / f"{prefix}.probing"),
                                                    str(KENLM_DATA / f"{prefix}.trie")]}
    return out


def run(command, *args: str):
    result = CliRunner().invoke(command, list(args))
    return result


NUMBER = re.compile(r"^-?(\d|inf)")


def assert_reports_agree(binary: str, arpa: str) -> None:
    """Two SRILM -ppl reports agree: the same lines and words; totals within 1e-4 (logprob) and 1e-3 relative
    (ppl, ppl1); per-word log10 within 1e-4 and probabilities 1e-3 relative; [Ngram] labels may differ."""
    ours, theirs = binary.splitlines(), arpa.splitlines()
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        a, b = mine.split(), reference.split()
        assert len(a) == len(b), (mine, reference)
        logprob_next = False
        for x, y in zip(a, b):
            if re.fullmatch(r"\[\d+gram\]", y):
                assert re.fullmatch(r"\[\d+gram\]", x), (mine, reference)
            elif NUMBER.match(y) and y not in ("0", "1") and not y.isdigit():
                u, v = float(x), float(y)
                if logprob_next or mine.startswith("\tp("):
                    tolerance = 1e-4 if logprob_next else 1e-3 * abs(v) + 1e-4 * (abs(v) > 1)
                else:
                    tolerance = 1e-3 * abs(v)
                assert u == v or abs(u - v) <= tolerance, (mine, reference)
            else:
                assert x == y, (mine, reference)
            logprob_next = y == "logprob="


@pytest.mark.parametrize("name", ["test", "nounk"])
@pytest.mark.parametrize("debug", ["0", "1", "2", "3"])
@pytest.mark.parametrize("order", ["5", "3"])
def test_ppl_report_of_a_binary_agrees_with_its_arpa(files, name, debug, order):
    arpa = run(ngram, "-lm", files[name]["arpa"], "-order", order, "-ppl", files["text"], "-debug", debug)
    assert arpa.exit_code == 0, arpa.output
    for binary in files[name]["binaries"]:
        result = run(ngram, "-lm", binary, "-order", order, "-ppl", files["text"], "-debug", debug)
        assert result.exit_code == 0, result.output
        assert_reports_agree(result.stdout, arpa.stdout)


@pytest.mark.parametrize("debug", ["0", "2"])
def test_cache_model_over_a_binary_agrees_with_its_arpa(files, debug):
    """-cache wraps the binary's scorer exactly as the ARPA's (SRILM's empty-cache arithmetic and [cache=] labels);
    a second copy of that wrapping for binaries once differed by 0.02 in logprob."""
    arpa = run(ngram, "-lm", files["test"]["arpa"], "-order", "5", "-cache", "3", "-lambda", "0.2", "-ppl",
               files["text"], "-debug", debug)
    assert arpa.exit_code == 0, arpa.output
    for binary in files["test"]["binaries"]:
        result = run(ngram, "-lm", binary, "-order", "5", "-cache", "3", "-lambda", "0.2", "-ppl", files["text"],
                     "-debug", debug)
        assert result.exit_code == 0, result.output
        assert_reports_agree(result.stdout, arpa.stdout)


@pytest.mark.parametrize("name", ["test", "nounk"])
def test_counts_of_a_binary_agree_with_its_arpa(files, name, tmp_path):
    counts = tmp_path / "counts.txt"
    counts.write_text("a little\t3\nlittle more loin\t2\nzzz a\t1\n<s> looking\t2\nmore </s>\t1\nlooking\t4\n")
    arpa = run(ngram, "-lm", files[name]["arpa"], "-order", "5", "-counts", str(counts), "-debug", "2")
    for binary in files[name]["binaries"]:
        result = run(ngram, "-lm", binary, "-order", "5", "-counts", str(counts), "-debug", "2")
        assert result.exit_code == 0, result.output
        assert_reports_agree(result.stdout, arpa.stdout)


@pytest.mark.parametrize("name", ["test", "nounk"])
def test_per_word_scores_equal_the_kenlm_module(files, name):
    """KenLM's arithmetic (an OOV scored as <unk>, -100 where the model lacks it) against kenlm.Model on the
    same file (the probing file) or on the ARPA file (ngramlm's binary and the trie)."""
    kenlm = pytest.importorskip("kenlm")
    reference = kenlm.Model(files[name]["arpa"])
    for binary in files[name]["binaries"]:
        scorer = IndexScorer(load_index(binary), arithmetic="kenlm")
        for line in TEXT.splitlines():
            words = [w for w in line.split() if w != "<s>"]
            expected = list(reference.full_scores(" ".join(words)))
            ids = [1] + [scorer.vocab.id(w) for w in words] + [2]
            logprob, matched = scorer.score_in_sentences([ids], [True])
            assert logprob.tolist() == pytest.approx([p for p, _, _ in expected], abs=1e-5)
            assert matched.tolist() == [n for _, n, _ in expected]


def kenlm_srilm_totals(model, lines: list[str], has_unk: bool) -> tuple[float, int, int, int]:
    """SRILM's (logprob, sentences, words, OOVs) from the kenlm module's scores: an OOV is left out of the log
    probability where the model has no <unk> (LM::sentenceProb), else scored as <unk>."""
    logprob, sentences, words, oovs = 0.0, 0, 0, 0
    for line in lines:
        tokens = [w for w in line.split() if w != "<s>"]
        if not tokens:
            continue  # SRILM skips blank lines
        sentences += 1
        words += len(tokens)
        for prob, _, oov in model.full_scores(" ".join(tokens)):
            if oov and not has_unk:
                oovs += 1
            else:
                logprob += prob
    return logprob, sentences, words, oovs


@pytest.mark.parametrize("name", ["test", "nounk"])
def test_ppl_totals_follow_srilm_formulas_on_kenlm_scores(files, name):
    kenlm = pytest.importorskip("kenlm")
    logprob, sentences, words, oovs = kenlm_srilm_totals(kenlm.Model(files[name]["arpa"]), TEXT.splitlines(),
                                                         name == "test")
    for binary in files[name]["binaries"]:
        out = run(ngram, "-lm", binary, "-order", "5", "-ppl", files["text"]).stdout
        figures = re.search(r"(\d+) sentences, (\d+) words, (\d+) OOVs\n0 zeroprobs, logprob= (\S+) ppl= (\S+) "
                            r"ppl1= (\S+)", out)
        assert figures, out
        assert [int(figures[i]) for i in (1, 2, 3)] == [sentences, words, oovs]
        assert float(figures[4]) == pytest.approx(logprob, abs=1e-4)
        assert float(figures[5]) == pytest.approx(10 ** (-logprob / (words - oovs + sentences)), rel=1e-3)
        assert float(figures[6]) == pytest.approx(10 ** (-logprob / (words - oovs)), rel=1e-3)


def test_eval_of_a_binary_gives_kenlm_query_figures(files):
    """KenLM's lm/ngram_query.hh: sentence totals in float32, blank lines scored as <s> </s>."""
    kenlm = pytest.importorskip("kenlm")
    import numpy as np

    model = kenlm.Model(files["nounk"]["arpa"])
    total, oov_total, tokens, oovs = 0.0, 0.0, 0, 0
    for line in TEXT.splitlines():
        sentence = np.float32(0)
        for prob, _, oov in model.full_scores(" ".join(w for w in line.split() if w != "<s>")):
            sentence = np.float32(sentence + np.float32(prob))
            tokens += 1
            if oov:
                oovs += 1
                oov_total += prob
        total += float(sentence)
    arpa = run(eval_command, files["nounk"]["arpa"], files["text"], "-q")
    for binary in files["nounk"]["binaries"]:
        result = run(eval_command, binary, files["text"], "-q")
        assert result.exit_code == 0, result.output
        figures = dict(line.split(":\t") for line in result.stdout.splitlines() if ":\t" in line)
        assert int(figures["OOVs"]) == oovs and int(figures["Tokens"]) == tokens
        assert float(figures["Perplexity including OOVs"]) == pytest.approx(10 ** (-total / tokens), rel=1e-6)
        assert float(figures["Perplexity excluding OOVs"]) == pytest.approx(
            10 ** (-(total - oov_total) / (tokens - oovs)), rel=1e-6)
        assert_reports_agree("\n".join(result.stdout.splitlines()[:2]), "\n".join(arpa.stdout.splitlines()[:2]))


@pytest.mark.parametrize("option", [["-prune", "1e-5"], ["-mix-lm", "ARPA"], ["-write-lm", "out.arpa"],
                                    ["-renorm"], ["-classes", "c.txt"], ["-vocab", "ARPA"], ["-gen", "2"],
                                    ["-map-unk", "<UNK>"]])
def test_options_that_need_the_rows_are_refused_in_one_line(files, option, tmp_path):
    option = [files["test"]["arpa"] if value == "ARPA" else value for value in option]
    result = run(ngram, "-lm", files["test"]["binaries"][0], "-order", "5", "-ppl", files["test"]["arpa"], *option)
    assert result.exit_code != 0
    message = result.output.strip()
    assert "\n" not in message and "ARPA file" in message and option[0] in message, message


def test_eval_refuses_a_vocabulary_for_a_binary(files):
    result = run(eval_command, files["test"]["binaries"][1], files["text"], "--vocab", files["text"])
    assert result.exit_code != 0 and "ARPA file" in result.output and "\n" not in result.output.strip()


def test_binary_found_by_magic_bytes_not_name(files, tmp_path):
    """A binary named .arpa is read as a binary, an ARPA file named .bin as ARPA."""
    disguised_binary, disguised_arpa = tmp_path / "model.arpa", tmp_path / "model.bin"
    shutil.copy(files["test"]["binaries"][1], disguised_binary)
    shutil.copy(files["test"]["arpa"], disguised_arpa)
    a = run(ngram, "-lm", str(disguised_binary), "-order", "5", "-ppl", files["text"])
    b = run(ngram, "-lm", str(disguised_arpa), "-order", "5", "-ppl", files["text"])
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert_reports_agree(a.stdout, b.stdout)
    assert not math.isnan(float(re.search(r"ppl= (\S+)", a.stdout)[1]))


@pytest.mark.parametrize("option", ["-nbest", "-rescore"])
def test_nbest_rescoring_with_a_binary_matches_its_arpa(files, option):
    """-nbest and -rescore print the same lines for a binary as for its ARPA file (on this model, byte for byte)."""
    nbest = str(Path(__file__).parent / "data" / "srilm" / "list1.srilm")
    arpa = run(ngram, "-lm", files["test"]["arpa"], "-order", "5", option, nbest)
    assert arpa.exit_code == 0 and arpa.stdout
    for binary in files["test"]["binaries"]:
        result = run(ngram, "-lm", binary, "-order", "5", option, nbest)
        assert result.exit_code == 0, result.output
        assert result.stdout == arpa.stdout


def test_a_truncated_binary_gets_a_one_line_error(files, tmp_path):
    for binary in files["test"]["binaries"][:2]:
        truncated = tmp_path / "truncated.model"
        truncated.write_bytes(Path(binary).read_bytes()[:1000])
        for command, args in ((ngram, ["-lm", str(truncated), "-ppl", files["text"]]),
                              (eval_command, [str(truncated), files["text"]])):
            result = run(command, *args)
            assert result.exit_code != 0 and str(truncated) in result.output
            assert "\n" not in result.output.strip() and "Traceback" not in result.output
