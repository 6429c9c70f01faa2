"""The prefixes a count file leaves out: SRILM's ngram-count keeps counts in a trie, where reading `a b c<TAB>2`
makes nodes for `a` and `a b` too, and -write writes those it was not given with count 0. Compared with SRILM
1.7.3's outputs in tests/data/srilm/zero-prefixes (commands in tests/data/srilm/README.md): byte for byte under
-sort, line for line without it (SRILM writes its hash order), on the path that adds count files up within
-memory (CountFileMerge, spilling to disk under a tiny budget) and on the one that holds them whole (-lm)."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from ngramlm.cli.ngram_count import main
from ngramlm.core.vocab import Vocabulary
from ngramlm.formats.countfile import CountFileMerge, CountFileWriter

DATA = Path(__file__).parent / "data" / "srilm" / "zero-prefixes"


def _ngram_count(tmp_path, *args) -> bytes:
    out = tmp_path / "out.counts"
    args = [str(DATA / a) if str(a).endswith(".counts") else str(a) for a in args]
    result = CliRunner().invoke(main, [*args, "-write", str(out)], prog_name="ngram-count")
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _reference(name: str) -> bytes:
    path = DATA / name
    return gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()


def _lines(data: bytes) -> list[bytes]:
    return sorted(data.splitlines())


@pytest.mark.parametrize("memory", [[], ["-memory", "1M"]])
@pytest.mark.parametrize("args, reference", [
    (["-read", "two.counts", "-order", 2], "two.stdout"),
    (["-read", "three.counts", "-order", 3], "three.stdout"),
    (["-read", "three.counts", "-order", 3, "-sort"], "three-sort.stdout"),
    (["-read", "three.counts", "-order", 2, "-sort"], "three-order2.stdout"),  # trigrams skipped, no prefixes
    (["-read", "three.counts", "-order", 3, "-sort", "-write-order", 2], "three-write-order2.stdout"),
    (["-read", "two.counts", "-read", "three.counts", "-order", 3, "-sort"], "merged.stdout"),
    (["-read", "three.counts", "-order", 3, "-sort", "-read-with-mincounts"], "three-mincounts.stdout"),
])
def test_read_writes_the_missing_prefixes_with_count_0(tmp_path, args, reference, memory):
    written = _ngram_count(tmp_path, *args, *memory)
    if "-sort" in args:
        assert written == _reference(reference)
    else:
        assert _lines(written) == _lines(_reference(reference))


def test_write1_lists_the_unigram_prefixes(tmp_path):
    out = tmp_path / "w1.counts"
    result = CliRunner().invoke(main, ["-read", str(DATA / "three.counts"), "-order", "3", "-sort", "-write1",
                                       str(out)], prog_name="ngram-count")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == _reference("three-write1.stdout")


@pytest.mark.parametrize("sort", [["-sort"], []])
def test_two_files_merged_within_memory(tmp_path, sort):
    written = _ngram_count(tmp_path, "-read", "ptb-a.counts", "-read", "ptb-b.counts", "-order", 3, "-memory", "1M",
                           *sort)
    if sort:
        assert written == _reference("ptb-merged.counts.gz")
    else:
        assert _lines(written) == _lines(_reference("ptb-merged.counts.gz"))


@pytest.mark.parametrize("sort", [True, False])
def test_a_tiny_budget_spills_runs_and_writes_the_prefixes_once(tmp_path, sort):
    # A prefix missing from both files, its extensions in several runs, comes out once with count 0.
    out = tmp_path / "merged.counts"
    with CountFileMerge(Vocabulary(), 3, 4096, sort=sort, temp_dir=str(tmp_path), block_bytes=256,
                        zero_prefixes=True) as merge:
        for name in ("ptb-a.counts", "ptb-b.counts"):
            merge.read(str(DATA / name))
        with CountFileWriter(merge.vocab, [(str(out), 0)], sort=sort) as writer:
            merge.write(writer)
        assert len(merge.runs.runs) > 5 and merge.runs.spilled
    if sort:
        assert out.read_bytes() == _reference("ptb-merged.counts.gz")
    else:
        assert _lines(out.read_bytes()) == _lines(_reference("ptb-merged.counts.gz"))


def test_counts_written_beside_a_model_have_the_prefixes_and_the_model_is_srilms(tmp_path):
    lm = tmp_path / "wb.arpa"
    written = _ngram_count(tmp_path, "-read", "ptb-a.counts", "-read", "ptb-b.counts", "-order", 3, "-sort",
                           "-wbdiscount", "-lm", lm)
    assert written == _reference("ptb-merged.counts.gz")
    assert lm.read_bytes() == _reference("ptb-wb.arpa.gz")


def test_kneser_ney_model_from_counts_with_missing_prefixes_is_srilms(tmp_path):
    # (A guard: estimation already counted the prefixes as SRILM does; the counts written are not compared, as
    # SRILM writes its Kneser-Ney modified counts there.)
    lm = tmp_path / "kn.arpa"
    result = CliRunner().invoke(main, ["-read", str(DATA / "ptb-a.counts"), "-read", str(DATA / "ptb-b.counts"),
                                       "-order", "3", "-kndiscount", "-interpolate", "-lm", str(lm)],
                                prog_name="ngram-count")
    assert result.exit_code == 0, result.output
    assert lm.read_bytes() == _reference("ptb-kn.arpa.gz")
