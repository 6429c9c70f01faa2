"""Count files added up within a memory budget (ngram-count -read ... -write with -memory, ngramlm count --read
with --memory; CountFileMerge and counting.sorted_runs): a tiny budget forces many sorted runs on disk, and the
files written must be those of the in-memory path (read_counts, add_read_counts, write_counts) byte for byte, and
hold the sums a Counter makes, in byte order of the words under -sort."""
from __future__ import annotations

import gzip
import os
import random
from collections import Counter

import pytest
from click.testing import CliRunner

from ngramlm.cli.count import count as ngramlm_count
from ngramlm.cli.ngram_count import main
from ngramlm.core.errors import InputError
from ngramlm.counting import memory
from ngramlm.counting.corpus_count import count_files
from ngramlm.counting.counts import with_prefixes
from ngramlm.counting.sorted_runs import SortedRuns
from ngramlm.core.vocab import Vocabulary
from ngramlm.formats.countfile import CountFileMerge, CountFileWriter, add_read_counts, read_counts, write_counts

# (A word that also appears as a count, "10", gets its id where read_counts's blocks of 4 MB give it one, not in
# order of first use as a word: the tests that read in tiny blocks leave it out; the command line tests have it.)
WORDS = ["the", "a", "cat", "dog", "sat", "on", "mat", "<s>", "</s>", "é", "Zebra", "zoo", "ab", "b"]


def _count_files(folder, files=3, lines=150, seed=0, words=WORDS):
    """Count files of random n-grams of orders 1..4 (repeated within and across files, in no order, the second
    gzipped), and the Counter of their sums."""
    rng = random.Random(seed)
    paths, total = [], Counter()
    for k in range(files):
        rows = []
        for _ in range(lines):
            ngram = tuple(rng.choice(words) for _ in range(rng.randint(1, 4)))
            count = rng.randint(0, 50)
            rows.append(f"{' '.join(ngram)}\t{count}\n")
            total[ngram] += count
        path = folder / (f"c{k}.txt.gz" if k == 1 else f"c{k}.txt")
        text = "".join(rows).encode()
        path.write_bytes(gzip.compress(text) if k == 1 else text)
        paths.append(str(path))
    return paths, total


def _in_memory(paths, read_order, out, text=None, prefixes=False, **write):
    """The files of the in-memory path: the text counted, then the count files read whole and added (with
    `prefixes`, the prefixes they leave out added with count 0, as ngram-count writes SRILM's count trie)."""
    vocab, counts = Vocabulary(), None
    if text is not None:
        counts = count_files([str(text)], read_order, vocab)
    for path in paths:
        counts = add_read_counts(counts, read_counts(path, vocab, read_order), path)
    write_counts(with_prefixes(counts) if prefixes else counts, str(out), **write)
    return out.read_bytes()


def _merged(paths, order, out, budget, sort=False, write_order=0, temp_dir=None):
    vocab = Vocabulary()
    with CountFileMerge(vocab, order, budget, sort=sort, temp_dir=temp_dir, block_bytes=256) as merge:
        for path in paths:
            merge.read(path)
        with CountFileWriter(vocab, [(str(out), write_order)], sort=sort) as writer:
            merge.write(writer)
        runs, spilled = len(merge.runs.runs), merge.runs.spilled
    return out.read_bytes(), runs, spilled


def _sorted_reference(total, order, only=0):
    """The lines of a sorted count file, by hand: n-grams compared word by word in byte order, a prefix first."""
    kept = [g for g in total if len(g) <= order and (not only or len(g) == only)]
    keyed = sorted(kept, key=lambda g: tuple(w.encode() for w in g))
    return "".join(f"{' '.join(g)}\t{total[g]}\n" for g in keyed).encode()


# Unsorted, the order is that of the word ids, which read_counts gives in its 4 MB blocks: the files agree with
# tiny blocks where no line is above the order (a word first seen there gets its id where its block sees it as a
# word). The command line tests below read as read_counts does, lines above the order included.
@pytest.mark.parametrize("sort, order", [(False, 4), (True, 3)])
def test_a_tiny_budget_spills_many_runs_and_writes_the_in_memory_files(tmp_path, sort, order):
    paths, total = _count_files(tmp_path)
    merged, runs, spilled = _merged(paths, order, tmp_path / "merged.txt", budget=4096, sort=sort,
                                    temp_dir=str(tmp_path))
    assert runs > 5 and spilled
    assert merged == _in_memory(paths, order, tmp_path / "memory.txt", sort=sort)
    lines = merged.decode().splitlines()
    as_read = Counter({tuple(line.split("\t")[0].split()): int(line.split("\t")[1]) for line in lines})
    assert len(as_read) == len(lines)  # each n-gram once
    assert as_read == Counter({g: c for g, c in total.items() if len(g) <= order})
    if sort:
        assert merged == _sorted_reference(total, order)
    assert not [name for name in os.listdir(tmp_path) if name.startswith("ngramlm-runs-")]  # folder removed


def test_one_order_and_larger_budgets_agree(tmp_path):
    paths, total = _count_files(tmp_path, seed=1)
    for budget in (2048, 1 << 16, 1 << 30):
        merged, _, _ = _merged(paths, 4, tmp_path / "m.txt", budget=budget, sort=True, write_order=2)
        assert merged == _sorted_reference(total, 4, only=2)


def _run(*args, expect=0):
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="ngram-count")
    assert result.exit_code == expect, result.output
    return result


@pytest.mark.parametrize("flags", [[], ["-sort"], ["-write-order", "2"], ["-sort", "-write1", "W1"]])
def test_ngram_count_read_writes_what_the_in_memory_path_writes(tmp_path, flags):
    paths, _ = _count_files(tmp_path, seed=2, words=WORDS + ["10"])
    flags = [str(tmp_path / "w1.txt") if f == "W1" else f for f in flags]
    _run(*[a for p in paths for a in ("-read", p)], "-order", 3, "-memory", "1M", "-write",
         tmp_path / "out.gz", *flags)
    sort = "-sort" in flags
    only = int(flags[flags.index("-write-order") + 1]) if "-write-order" in flags else 0
    assert gzip.open(tmp_path / "out.gz").read() == _in_memory(paths, 3, tmp_path / "m.txt", sort=sort,
                                                               order=only, prefixes=True)
    if "-write1" in flags:
        assert (tmp_path / "w1.txt").read_bytes() == _in_memory(paths, 3, tmp_path / "m1.txt", sort=sort, order=1,
                                                                prefixes=True)


def test_text_and_read_files_add_up(tmp_path):
    paths, _ = _count_files(tmp_path, seed=3)
    text = tmp_path / "text.txt"
    text.write_text("the cat sat\nthe dog\n\né zoo a\n")
    for flags in ([], ["-sort"]):
        _run("-text", text, "-read", paths[0], "-read", paths[1], "-order", 3, "-write", tmp_path / "both.txt",
             *flags)
        expected = _in_memory(paths[:2], 3, tmp_path / "m.txt", text=text, sort=bool(flags), prefixes=True)
        assert (tmp_path / "both.txt").read_bytes() == expected


def test_a_sum_past_the_limit_across_runs_of_one_file_names_the_file(tmp_path):
    limit = 2**63 - 1
    (tmp_path / "a.txt").write_text("x\t5\n" * 40)
    (tmp_path / "b.txt").write_text(f"y\t{2**62}\n" + "pad\t1\n" * 40 + f"y\t{2**62}\n")
    with pytest.raises(InputError, match=r"b\.txt: the counts of 'y' add up to more than 2\^63 - 1[^(]*$"):
        _merged([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], 1, tmp_path / "m.txt", budget=512)
    (tmp_path / "c.txt").write_text(f"x\t{limit - 199}\n")
    with pytest.raises(InputError, match=r"c\.txt: the counts of 'x' .*\(added to the counts before this file\)"):
        _merged([str(tmp_path / "a.txt"), str(tmp_path / "c.txt")], 1, tmp_path / "m.txt", budget=512)
    merged, runs, _ = _merged([str(tmp_path / "a.txt")], 1, tmp_path / "m.txt", budget=512)
    assert runs > 1 and merged == b"x\t200\n"


def _text_ngrams(lines, order):
    """The n-grams of sentences by hand, as SRILM counts them: <s> and </s> added, orders 1..order, none across
    sentences, empty lines skipped."""
    total = Counter()
    for line in filter(str.split, lines):
        words = ["<s>", *line.split(), "</s>"]
        for n in range(1, order + 1):
            total.update(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    return total


@pytest.mark.parametrize("sort", [False, True])
def test_ngramlm_count_read_spills_under_a_tiny_budget_and_writes_the_in_memory_files(tmp_path, monkeypatch, sort):
    paths, total = _count_files(tmp_path, seed=4, words=WORDS + ["10"])
    texts = [tmp_path / "t1.txt", tmp_path / "t2.txt"]
    texts[0].write_text("the cat sat\nthe dog\n\né zoo a\n")
    texts[1].write_text("a b ab\nthe cat\n")
    monkeypatch.setattr(memory, "MIN_MEMORY", 0)  # the command refuses budgets this small
    seen = []
    leave = SortedRuns.__exit__

    def record(runs, *exc):
        seen.append((len(runs.runs), runs.spilled))
        leave(runs, *exc)

    monkeypatch.setattr(SortedRuns, "__exit__", record)
    out = tmp_path / "out.txt"
    result = CliRunner().invoke(ngramlm_count, ["--order", "3", "--memory", "4096", "--write", str(out), "-q",
                                                "--sort" if sort else "--no-sort",
                                                *[a for t in texts for a in ("--text", str(t))],
                                                *[a for p in paths for a in ("--read", p)]])
    assert result.exit_code == 0, result.output
    assert len(seen) == 1 and seen[0][0] >= 4 and seen[0][1]  # the texts' and each file's runs, on disk

    vocab = Vocabulary()  # the in-memory path: the texts counted, the files read whole and added
    counts = count_files([str(t) for t in texts], 3, vocab)
    for path in paths:
        counts = add_read_counts(counts, read_counts(path, vocab, 3), path)
    write_counts(counts, str(tmp_path / "memory.txt"), sort=sort)
    assert out.read_bytes() == (tmp_path / "memory.txt").read_bytes()
    if sort:
        expected = Counter({g: c for g, c in total.items() if len(g) <= 3})
        expected.update(_text_ngrams(texts[0].read_text().splitlines() + texts[1].read_text().splitlines(), 3))
        assert out.read_bytes() == _sorted_reference(expected, 3)
