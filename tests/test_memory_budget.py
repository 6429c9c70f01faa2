"""Memory budgets that bind: `ngram-count -memory` (and `ngramlm count --memory`) bound the peak resident memory
of counting and writing, spilling to the temporary folder, with the same count file as an unbounded run; `ngramlm
train -S` is a budget as lmplz's -S is (counting spills), not a limit that stops training."""
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.cli.ngram_count import main as ngram_count
from ngramlm.counting.memory import MIN_MEMORY

sys.path.insert(0, str(Path(__file__).parent))
from peak_memory import peak_kb  # noqa: E402

MB = 1 << 20


def _ngram_count(*args):
    result = CliRunner().invoke(ngram_count, [str(a) for a in args], prog_name="ngram-count")
    return result


@pytest.fixture(scope="module")
def brown_part(shared_corpora, tmp_path_factory):
    """About 200K tokens of Brown: its marked text is beyond half of the least budget, so it goes to a file."""
    path = tmp_path_factory.mktemp("text") / "brown-part.txt"
    with open(shared_corpora / "brown" / "train.txt", encoding="utf-8") as f:
        path.write_text("".join(line for _, line in zip(range(9000), f)), encoding="utf-8")
    return path


@pytest.mark.parametrize("sort", [False, True])
def test_least_budget_writes_the_unbounded_count_files(brown_part, tmp_path, sort):
    flags = ["-sort"] if sort else []
    for name, memory in (("unbounded", "2G"), ("least", "1M")):
        result = _ngram_count("-order", 4, "-text", brown_part, "-memory", memory, *flags, "-q",
                              "-write", tmp_path / f"{name}.txt", "-write2", tmp_path / f"{name}-2.txt",
                              "-write-vocab", tmp_path / f"{name}.vocab")
        assert result.exit_code == 0, result.output
    for suffix in (".txt", "-2.txt", ".vocab"):
        assert (tmp_path / f"least{suffix}").read_bytes() == (tmp_path / f"unbounded{suffix}").read_bytes()
    # Independent check of one count: the bigram lines agree with a count in Python.
    words = [["<s>", *line.split(), "</s>"] for line in brown_part.read_text(encoding="utf-8").splitlines()
             if line.split()]
    the_jury = sum(s[i:i + 2] == ["The", "jury"] for s in words for i in range(len(s) - 1))
    assert f"The jury\t{the_jury}\n" in (tmp_path / "least-2.txt").read_text(encoding="utf-8")


def test_ngramlm_count_within_the_least_budget_writes_the_unbounded_file(brown_part, tmp_path):
    for name, memory in (("unbounded", "2G"), ("least", "1M")):
        result = CliRunner().invoke(cli, ["count", "-o", "3", "--text", str(brown_part), "--memory", memory, "-q",
                                          "--write", str(tmp_path / f"{name}.txt")])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "least.txt").read_bytes() == (tmp_path / "unbounded.txt").read_bytes()


def test_train_within_the_least_budget_writes_the_unbounded_model(brown_part, tmp_path):
    for name, memory in (("unbounded", []), ("least", ["-S", "1M"])):
        result = CliRunner().invoke(cli, ["train", "-o", "3", "--text", str(brown_part), *memory, "-q",
                                          "-T", str(tmp_path), "--arpa", str(tmp_path / f"{name}.arpa")])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "least.arpa").read_bytes() == (tmp_path / "unbounded.arpa").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["least.arpa", "unbounded.arpa"]  # no spill left


def test_a_budget_below_the_minimum_is_refused_naming_it(brown_part, tmp_path):
    result = _ngram_count("-text", brown_part, "-memory", "512K", "-write", tmp_path / "c.txt")
    assert result.exit_code == 1
    assert f"below the minimum of {MIN_MEMORY // MB}M" in result.output
    assert not (tmp_path / "c.txt").exists()
    result = CliRunner().invoke(cli, ["count", "--text", str(brown_part), "--memory", "100K"])
    assert result.exit_code == 1 and f"minimum of {MIN_MEMORY // MB}M" in result.output


def _peak_kb(*args) -> int:
    return peak_kb("ngramlm.cli.ngram_count:main", "ngram-count", *args)


def test_peak_memory_stays_within_the_budget(shared_corpora, tmp_path):
    # About 1M tokens (3 corpora); counted at order 5 in memory, the counts alone take several times the budget.
    text = tmp_path / "text.txt"
    text.write_bytes(b"".join((shared_corpora / name / "train.txt").read_bytes()[:2_000_000]
                              for name in ("brown", "ptb", "wikitext-2")))
    idle = _peak_kb("-version")  # the interpreter and libraries
    budget = 8 * MB
    bounded = _peak_kb("-order", 5, "-text", text, "-memory", "8M", "-sort", "-q", "-write", tmp_path / "b.txt")
    unbounded = _peak_kb("-order", 5, "-text", text, "-sort", "-q", "-write", tmp_path / "u.txt")
    assert (tmp_path / "b.txt").read_bytes() == (tmp_path / "u.txt").read_bytes()
    # The stated overhead above the interpreter: the vocabulary and the read and write buffers (40 MB).
    assert bounded * 1024 <= idle * 1024 + budget + 40 * MB, (idle, bounded, unbounded)
    print(f"peak: idle {idle} KB, -memory 8M {bounded} KB, -memory 2G {unbounded} KB")
