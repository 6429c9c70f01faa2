"""Counts that add up past 2^63 - 1 (the largest int64 count) stop with one line naming the file, instead of
wrapping around to a negative count: repeated n-grams in one count file, and count files added up (-read twice)."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.cli.ngram_count import main
from ngramlm.counting.counts import CountOverflow
from ngramlm.counting.merging import merge_runs

LIMIT = 2**63 - 1


def _ngram_count(folder, *files):
    paths = []
    for name, text in files:
        (folder / name).write_text(text)
        paths += ["-read", str(folder / name)]
    return CliRunner().invoke(main, [*paths, "-write", "-"], prog_name="ngram-count")


def test_two_count_files_whose_sum_overflows_name_the_second(tmp_path):
    result = _ngram_count(tmp_path, ("a.txt", f"x y\t{LIMIT}\n"), ("b.txt", "x y\t1\n"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"ngram-count: error: {tmp_path / 'b.txt'}: the counts of 'x y' add up to more than 2^63 - 1, the largest "
        "count supported (added to the counts before this file)"]


def test_an_ngram_repeated_in_one_file_past_the_limit_names_the_file(tmp_path):
    result = _ngram_count(tmp_path, ("a.txt", f"x\t{2**62}\nx\t{2**62}\n"))
    assert result.exit_code == 1 and f"{tmp_path / 'a.txt'}: the counts of 'x' add up" in result.output


def test_ngramlm_count_names_the_file_too(tmp_path):
    (tmp_path / "a.txt").write_text(f"x\t{LIMIT}\n")
    (tmp_path / "b.txt").write_text(f"x\t{LIMIT}\n")
    result = CliRunner().invoke(cli, ["count", "--read", str(tmp_path / "a.txt"), "--read", str(tmp_path / "b.txt")])
    assert result.exit_code == 1 and f"{tmp_path / 'b.txt'}: the counts of 'x' add up" in result.output


def test_a_sum_of_exactly_the_limit_is_kept(tmp_path):
    result = _ngram_count(tmp_path, ("a.txt", f"x y\t{2**62}\n"), ("b.txt", f"x y\t{2**62 - 1}\nx z\t5\n"))
    assert result.exit_code == 0, result.output
    assert f"x y\t{LIMIT}" in result.output.splitlines() and "x z\t5" in result.output.splitlines()


def test_runs_whose_sum_wraps_round_to_a_count_of_0_or_more_are_caught():
    # 4 * 2^62 = 2^64 wraps int64 arithmetic round to 0: a check of the sign alone would miss it.
    runs = [np.array([[1, 2]], dtype=np.uint32)] * 4
    with pytest.raises(CountOverflow):
        merge_runs(runs, [np.array([2**62], dtype=np.int64)] * 4, 2)
    runs = runs[:3]
    grams, counts = merge_runs(runs, [np.array([2**61], dtype=np.int64)] * 3, 2)
    assert counts.tolist() == [3 * 2**61]
