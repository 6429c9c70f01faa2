"""`ngram-class` (SRILM's greedy class merging) against SRILM 1.7.3's own outputs (tests/data/srilm/ngram-class-*,
made as that folder's README says), the merge cost against the average mutual information written out by hand,
and the command's flags.

Ties: SRILM breaks a tie between merge costs by the order of its class names (first pair wins) in exact
arithmetic, but it sums in single precision, so exactly tied costs differ in its last bits and the winner is set
by rounding in the order of its hash tables. ngramlm sums in double precision and takes the first pair of a tie.
On the references here (incremental merging of real text, full merging of a text without tied costs) every merge
is SRILM's; full merging of real text, where many words have the same contexts, can take other tied pairs.
"""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.cli.ngram_class import main
from ngramlm.models.srilm_classes import MergeEvents, SrilmClasses, lhash_order

DATA = Path(__file__).parent / "data" / "srilm"
SYN = DATA / "ngram-class-syn.txt"


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(main, list(args), input=input)
    return result


def _classes(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "out.classes"
    result = run(*args, "-classes", str(out))
    assert result.exit_code == 0, result.output
    return out.read_text()


# ------------------------------------------------------------------ SRILM's outputs, byte for byte
@pytest.mark.parametrize("args, reference", [
    (["-full", "-numclasses", "6"], "ngram-class-full"),
    (["-numclasses", "4", "-maxwordsperclass", "8"], "ngram-class-max8"),
    (["-numclasses", "12"], "ngram-class-c12"),
    (["-read", str(DATA / "ngram-class-c12.classes"), "-numclasses", "4"], "ngram-class-read"),
])
def test_classes_equal_srilm(tmp_path, args, reference):
    assert _classes(tmp_path, "-text", str(SYN), *args) == (DATA / f"{reference}.classes").read_text()


def test_full_class_counts_equal_srilm(tmp_path):
    out = tmp_path / "counts"
    assert run("-text", str(SYN), "-full", "-numclasses", "6", "-class-counts", str(out)).exit_code == 0
    assert out.read_text() == (DATA / "ngram-class-full.counts").read_text()


def test_brown_incremental_equals_srilm(tmp_path, shared_corpora):
    text = tmp_path / "brown100.txt"
    with open(shared_corpora / "brown" / "train.txt") as f:
        text.write_text("".join(next(f) for _ in range(100)))
    counts = tmp_path / "counts"
    classes = _classes(tmp_path, "-text", str(text), "-numclasses", "10", "-class-counts", str(counts))
    assert classes == (DATA / "ngram-class-brown100.classes").read_text()
    assert counts.read_text() == (DATA / "ngram-class-brown100.counts").read_text()


def test_vocab_and_tolower(tmp_path):
    vocab = tmp_path / "vocab"
    vocab.write_text("\n".join(["w00", "w01", "w02", "w03", "W04", *(f"w{i:02d}" for i in range(5, 11)), "</s>"])
                     + "\n")
    got = _classes(tmp_path, "-text", str(SYN), "-vocab", str(vocab), "-tolower", "-numclasses", "3")
    assert got == (DATA / "ngram-class-tolower.classes").read_text()
    assert got.startswith("class-")   # SRILM lower-cases its class names too
    assert " <unk>\n" in got


def test_counts_input_equals_text_input(tmp_path):
    """-counts with the text's unigram and bigram counts gives the classes of -text."""
    uni, bi = Counter(), Counter()
    for line in SYN.read_text().splitlines():
        words = ["<s>", *line.split(), "</s>"]
        uni.update(words)
        bi.update(zip(words, words[1:]))
    counts = tmp_path / "syn.counts"
    counts.write_text("".join(f"{w}\t{c}\n" for w, c in uni.items())
                      + "".join(f"{a} {b}\t{c}\n" for (a, b), c in bi.items()))
    assert _classes(tmp_path, "-counts", str(counts), "-full", "-numclasses", "6") == \
        (DATA / "ngram-class-full.classes").read_text()


def test_save_snapshots(tmp_path):
    base = tmp_path / "c"
    assert run("-text", str(SYN), "-numclasses", "3", "-save", "4", "-save-maxclasses", "12",
               "-classes", str(base)).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "c.000000", "c.000004", "c.000008"]
    assert (tmp_path / "c.000004").read_text() == (DATA / "ngram-class-save.classes.000004").read_text()


def test_debug_trace(tmp_path):
    """-debug 2 traces the merges as SRILM does: the same lines and pairs (its costs and perplexities are summed
    in single precision, so their last digits may differ)."""
    result = CliRunner().invoke(main, ["-text", str(SYN), "-numclasses", "4", "-maxwordsperclass", "8",
                                       "-debug", "2"])
    assert result.exit_code == 0

    def shape(text: str) -> list[str]:
        return [line.split("=", 1)[0] for line in text.splitlines()]

    reference = (DATA / "ngram-class-max8.stderr").read_text()
    assert shape(result.stderr) == shape(reference.replace(str(SYN.name), str(SYN)))
    ours = [float(line.rsplit("= ", 1)[1]) for line in result.stderr.splitlines() if "merging" in line]
    theirs = [float(line.rsplit("= ", 1)[1]) for line in reference.splitlines() if "merging" in line]
    assert np.allclose(ours, theirs, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------ the merge cost by hand
def _ami_times_n(bigrams: dict[tuple[str, str], int]) -> float:
    """N I(C1; C2) in log10 units, by its definition: sum over pairs n(c,d) log10(N n(c,d) / (n(c.) n(.d)))."""
    total = sum(bigrams.values())
    left, right = Counter(), Counter()
    for (c, d), n in bigrams.items():
        left[c] += n
        right[d] += n
    return sum(n * math.log10(total * n / (left[c] * right[d])) for (c, d), n in bigrams.items() if n)


def test_merge_cost_is_change_of_mutual_information():
    """Merging two classes changes SRILM's L by N times the change of the average mutual information of
    adjacent classes (for classes, whose left and right counts both equal their unigram counts)."""
    text = ["a b c", "b a c", "a c b a", "c c a b"]
    words = ["<s>", "</s>", "a", "b", "c"]
    index = {w: i for i, w in enumerate(words)}
    uni, bi = Counter(), Counter()
    for line in text:
        seq = ["<s>", *line.split(), "</s>"]
        uni.update(index[w] for w in seq)
        bi.update((index[x], index[y]) for x, y in zip(seq, seq[1:]))
    state = SrilmClasses.from_counts(words, dict(uni), dict(bi), {0, 1})
    steps = []

    class Record(MergeEvents):
        def merged(self, step):
            steps.append(step)

    state.full_merge(2, Record())    # one merge: the best of the three pairs
    (step,) = steps
    names = {"CLASS-00001": "a", "CLASS-00002": "b", "CLASS-00003": "c"}
    kept, merged = names[step.kept], names[step.merged]
    word_bigrams = Counter({(words[x], words[y]): n for (x, y), n in bi.items()})

    def merged_bigrams(x: str, y: str) -> Counter:
        out = Counter()
        for (c, d), n in word_bigrams.items():
            out[(x if c == y else c, x if d == y else d)] += n
        return out

    before = _ami_times_n(word_bigrams)
    changes = {(x, y): _ami_times_n(merged_bigrams(x, y)) - before for x, y in [("a", "b"), ("a", "c"), ("b", "c")]}
    assert step.diff == pytest.approx(changes[(kept, merged)], abs=1e-9)
    assert changes[(kept, merged)] == pytest.approx(max(changes.values()), abs=1e-9)
    # By hand: the bigrams are <s>a 2, <s>b 1, <s>c 1, ab 2, ac 2, ba 2, bc 1, cb 1, cc 1, ca 1, a</s> 1, b</s> 1,
    # c</s> 2 and the unigrams a 5, b 4, c 5. Merging b and c into X replaces the cells with b or c (seven 1s and
    # ab, ac, ba, c</s> of 2: sum f = 8 log 2) by <s>X 2, aX 4, Xa 3, XX 3, X</s> 3 (sum f = 10 log 2 + 9 log 3)
    # and the unigram term -2 (f(4) + f(5)) by -2 f(9): the change is 18 log 2 - 27 log 3 + 10 log 5 = -0.474,
    # the best of the three pairs.
    assert (kept, merged) == ("b", "c")
    assert step.diff == pytest.approx(18 * math.log10(2) - 27 * math.log10(3) + 10 * math.log10(5), abs=1e-12)


def test_lhash_order():
    """SRILM's hash-table slot order: a plain array below 8 entries; at 8 slots the hash of key k is
    ((k * 1103515245 + 12345) >> 27) & 7, with linear probing."""
    assert lhash_order([9, 4, 7]) == [9, 4, 7]
    keys = [4, 5, 6, 7, 8]
    slots = {k: ((k * 1103515245 + 12345) >> 27) & 7 for k in keys}
    table: list = [None] * 8
    for k in keys:
        s = slots[k]
        while table[s] is not None:
            s = (s + 1) & 7
        table[s] = k
    assert lhash_order(keys) == [k for k in table if k is not None]


# ------------------------------------------------------------------ flags
def test_needs_input():
    result = run("-numclasses", "3")
    assert result.exit_code == 1
    assert "Specify counts or text file as input." in result.output


def test_unknown_flag_is_named():
    result = run("-text", str(SYN), "-frobnicate", "3")
    assert result.exit_code == 1
    assert "ngram-class: unknown option -frobnicate" in result.output


def test_bad_counts_name_file_and_line(tmp_path):
    counts = tmp_path / "bad.counts"
    counts.write_text("a 3\na b x\n")
    result = run("-counts", str(counts))
    assert result.exit_code == 1
    assert "bad.counts" in result.output and "2" in result.output
    assert "Traceback" not in result.output


def test_read_malformed(tmp_path):
    bad = tmp_path / "bad.classes"
    bad.write_text("CLASS-00001 w00\n")
    result = run("-text", str(SYN), "-read", str(bad))
    assert result.exit_code == 1
    assert "bad.classes" in result.output and "malformed class expansion" in result.output


def test_interact_and_numclasses_zero(tmp_path):
    """-numclasses 0 keeps one class per word; -interact merges the pairs named on standard input."""
    out = tmp_path / "c"
    result = run("-text", str(SYN), "-numclasses", "0", "-interact", "-classes", str(out),
                 input="CLASS-00001 CLASS-00002\nCLASS-00099 CLASS-00001\n")
    assert result.exit_code == 0
    assert "Merging class CLASS-00001 and CLASS-00002" in result.output
    assert "CLASS-00099 is not a valid class; try again." in result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 30 and len({line.split()[0] for line in lines}) == 29



def test_an_unwritable_output_stops_before_the_merging(tmp_path):
    # The output folder is checked first (as every command's is): nothing is merged, and no other output written.
    counts = tmp_path / "out.counts"
    result = run("-text", str(SYN), "-numclasses", "3", "-class-counts", str(counts),
                 "-classes", str(tmp_path / "missing" / "out.classes"))
    assert result.exit_code == 1
    assert "missing" in result.output and "does not exist" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not counts.exists()
