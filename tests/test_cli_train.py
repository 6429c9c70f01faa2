"""`ngramlm train` end to end: KenLM's defaults reproduce lmplz's model (checked with kenlm and the reference
files), flags behave as documented, and errors are one line with exit status 1."""
import math
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ngramlm import smoothing
from ngramlm.formats.arpa import read_arpa
from ngramlm.cli.main import cli

kenlm = pytest.importorskip("kenlm")


@pytest.fixture(scope="module")
def kenlm_brown(reference_dir):
    return reference_dir / "kenlm-brown"


def run(*args):
    return CliRunner().invoke(cli, ["train", *map(str, args)], prog_name="ngramlm")


def entries(path):
    """{n-gram words: (log10 prob, log10 bow)} of an ARPA file."""
    model = read_arpa(str(path))
    table = {}
    for grams, logprob, logbow in zip(model.ngrams, model.logprob, model.logbow):
        for g, p, b in zip(grams.tolist(), logprob.tolist(), logbow.tolist()):
            table[tuple(model.vocab.decode(g))] = (p, b)
    return table


def assert_same_entries(mine, reference, tolerance=1e-4):
    assert mine.keys() == reference.keys()
    for ngram, (p, b) in reference.items():
        assert mine[ngram][0] == pytest.approx(p, abs=tolerance), ngram
        assert mine[ngram][1] == pytest.approx(b, abs=tolerance), ngram


def kenlm_perplexity(path, text_path):
    """KenLM's `query` figures: perplexity including and excluding OOVs (</s> counted), and the OOV count."""
    model = kenlm.Model(str(path))
    total = total_known = 0.0
    tokens = oovs = 0
    with open(text_path) as f:
        for line in f:
            for logprob, _, is_oov in model.full_scores(line.strip()):
                total += logprob
                tokens += 1
                oovs += is_oov
                total_known += 0.0 if is_oov else logprob
    return 10 ** (-total / tokens), 10 ** (-total_known / (tokens - oovs)), oovs


def summary(path):
    fields = dict(line.split(":\t") for line in path.read_text().splitlines() if ":\t" in line)
    return float(fields["Perplexity including OOVs"]), float(fields["Perplexity excluding OOVs"]), int(fields["OOVs"])


@pytest.mark.slow
def test_defaults_reproduce_lmplz_perplexity_under_kenlm(kenlm_brown, tmp_path):
    out = tmp_path / "mkn3.arpa.gz"
    result = run("--order", 3, "--text", kenlm_brown / "train.txt", "--arpa", out)
    assert result.exit_code == 0, result.output
    including, excluding, oovs = kenlm_perplexity(out, kenlm_brown / "test.txt")
    ref_including, ref_excluding, ref_oovs = summary(kenlm_brown / "mkn3.summary.txt")
    assert oovs == ref_oovs
    assert including == pytest.approx(ref_including, rel=1e-5)
    assert excluding == pytest.approx(ref_excluding, rel=1e-5)
    assert "3-grams: 188951" in result.stderr


def test_discount_fallback_reproduces_lmplz_on_tiny_data(kenlm_brown, tmp_path):
    out = tmp_path / "tiny.arpa"
    result = run("-o", 3, "--text", kenlm_brown / "tiny.txt", "--discount-fallback", "--arpa", out)
    assert result.exit_code == 0, result.output
    assert_same_entries(entries(out), entries(kenlm_brown / "tiny-fallback.arpa.gz"))
    assert "warning: " in result.stderr and "Substituting fallback discounts for 1-grams" in result.stderr
    assert "2-grams: 11  D1=0.428571 D2=1.67857 D3+=3" in result.stderr


def test_undefined_discounts_stop_with_a_one_line_error(kenlm_brown, tmp_path):
    result = run("-o", 3, "--text", kenlm_brown / "tiny.txt", "--arpa", tmp_path / "x.arpa")
    assert result.exit_code == 1
    assert result.stderr.startswith("ngramlm: error: Could not calculate Kneser-Ney discounts for 1-grams")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not (tmp_path / "x.arpa").exists()


def test_several_texts_train_as_their_concatenation(kenlm_brown, tmp_path):
    lines = (kenlm_brown / "tiny.txt").read_text().splitlines(keepends=True)
    (tmp_path / "one.txt").write_text("".join(lines[:2]))
    (tmp_path / "two.txt").write_text("".join(lines[2:]))
    result = run("-o", 3, "--text", tmp_path / "one.txt", "--text", tmp_path / "two.txt", "--discount-fallback",
                 "-q", "--arpa", tmp_path / "split.arpa")
    assert result.exit_code == 0, result.output
    assert_same_entries(entries(tmp_path / "split.arpa"), entries(kenlm_brown / "tiny-fallback.arpa.gz"))


def test_closed_vocabulary_gives_unseen_words_the_uniform_share(kenlm_brown, tmp_path):
    (tmp_path / "vocab.txt").write_text("a\nb\nc\nzebra\n")
    result = run("-o", 2, "--text", kenlm_brown / "tiny.txt", "--vocab", tmp_path / "vocab.txt",
                 "--discount-fallback", "-q", "--arpa", tmp_path / "closed.arpa")
    assert result.exit_code == 0, result.output
    unigrams = {k[0]: v[0] for k, v in entries(tmp_path / "closed.arpa").items() if len(k) == 1}
    # Unigram gamma is (D2 + 3 D3+) / 11 = 0.5 with the fallback discounts, shared by |V| = 6 words (not <s>).
    assert unigrams["zebra"] == pytest.approx(math.log10(0.5 / 6), abs=1e-6)
    assert unigrams["<unk>"] == pytest.approx(math.log10(0.5 / 6), abs=1e-6)


def test_no_unk_leaves_unk_out(kenlm_brown, tmp_path):
    result = run("-o", 2, "--text", kenlm_brown / "tiny.txt", "--no-unk", "--discount-fallback", "-q",
                 "--arpa", tmp_path / "nounk.arpa")
    assert result.exit_code == 0, result.output
    assert ("<unk>",) not in entries(tmp_path / "nounk.arpa")


def test_quiet_prints_only_warnings(kenlm_brown, tmp_path):
    result = run("-o", 3, "--text", kenlm_brown / "tiny.txt", "--discount-fallback", "-q",
                 "--arpa", tmp_path / "q.arpa")
    assert result.exit_code == 0
    assert all(line.startswith("ngramlm: warning: ") for line in result.stderr.splitlines())


def test_backoff_and_params_are_refused_for_lmplz(kenlm_brown, tmp_path):
    for flags in (["--backoff"], ["--param", "gtmin=2"]):
        result = run("-o", 2, "--text", kenlm_brown / "tiny.txt", *flags, "--arpa", tmp_path / "x.arpa")
        assert result.exit_code == 1 and result.stderr.startswith("ngramlm: error: "), flags


@pytest.mark.parametrize("method", smoothing.METHODS)
def test_every_estimate_method_trains_a_model_kenlm_loads(kenlm_brown, tmp_path, method):
    text = tmp_path / "small.txt"
    with open(kenlm_brown / "train.txt") as f:
        text.write_text("".join(next(f) for _ in range(300)))
    out = tmp_path / f"{method}.arpa"
    result = run("-o", 3, "--text", text, "--method", method, "-q", "--arpa", out)
    assert result.exit_code == 0, result.output
    score = kenlm.Model(str(out)).score("the jury said", bos=True, eos=True)
    assert math.isfinite(score) and score < 0


def test_memory_limit_turns_exhaustion_into_an_error(kenlm_brown, tmp_path):
    # In a child process: the limit applies to the whole process. (For lmplz, --memory is a budget: see
    # tests/test_memory_budget.py.)
    command = [sys.executable, "-c", "from ngramlm.cli.main import cli; cli(prog_name='ngramlm')", "train", "-o", "3",
               "--method", "witten-bell", "--text", str(kenlm_brown / "train.txt"), "--memory", "1M", "-q", "--arpa",
               str(tmp_path / "m.arpa")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("ngramlm: error: out of memory")


def test_lmplz_memory_below_the_least_budget_is_refused(kenlm_brown, tmp_path):
    result = run("-o", 3, "--text", kenlm_brown / "tiny.txt", "--memory", "512K", "--arpa", tmp_path / "m.arpa")
    assert result.exit_code == 1
    assert "below the minimum of 1M" in result.output


def test_malformed_sizes_and_discounts_are_usage_errors(kenlm_brown):
    for flags in (["--memory", "lots"], ["--discount-fallback", "half"], ["--param", "nonsense"]):
        result = run("-o", 2, "--text", kenlm_brown / "tiny.txt", *flags)
        assert result.exit_code == 2, flags
