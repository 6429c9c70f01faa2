"""ARPA files scored straight from the query index (IndexBackoffScorer, HashIndex.score_backoff): `ngram -ppl` and
`ngramlm eval` read the file once into the index, and the blanks the index adds for missing suffixes must never
count as the model's n-grams."""
from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.cli.eval import eval_command
from ngramlm.cli.ngram import main
from ngramlm.core.scorer import NO_WORD
from ngramlm.use.query import Model
from ngramlm.use.scoring import IndexBackoffScorer

# "a b c" is a trigram, "b c" is not a bigram (SRILM's pruning leaves such holes): the index adds "b c" as a blank.
HOLE = """\\data\\
ngram 1=6
ngram 2=4
ngram 3=1

\\1-grams:
-1.0\t<unk>
-99\t<s>\t-0.5
-0.6\t</s>
-0.7\ta\t-0.2
-0.8\tb\t-0.3
-0.9\tc\t-0.1

\\2-grams:
-0.4\t<s> a\t-0.05
-0.5\ta b\t-0.25
-0.35\tb </s>
-0.45\tc </s>

\\3-grams:
-0.15\ta b c

\\end\\
"""


def _single(*values: float) -> float:
    """A float32 sum, left to right (both tools keep log probabilities in single precision)."""
    total = np.float32(values[0])
    for value in values[1:]:
        total = np.float32(total + np.float32(value))
    return float(total)


@pytest.fixture
def hole(tmp_path):
    (tmp_path / "hole.arpa").write_text(HOLE)
    return Model(str(tmp_path / "hole.arpa"))


def _score(scorer, words, history):
    ids = scorer.vocab.ids(words)
    context = scorer.vocab.ids(history)
    width = scorer.order - 1
    histories = np.array([[NO_WORD] * (width - len(context)) + context], dtype=np.uint32)
    logprob, matched = scorer.score_batch(np.array(ids, dtype=np.uint32), histories)
    return float(logprob[0]), int(matched[0])


def test_a_blank_is_never_a_match(hole):
    assert hole.tables.blanks[1] is not None and len(hole.tables.blanks[1]) == 1  # the bigram "b c"
    srilm, kenlm = IndexBackoffScorer(hole), IndexBackoffScorer(hole, arithmetic="kenlm")
    # p(c | a b) is the trigram's own
    assert _score(srilm, ["c"], ["a", "b"]) == (_single(-0.15), 3)
    # p(c | <s> b): no "<s> b c", no "b c" (the blank): p(c) and the weights of "b" and "<s> b" (absent: 0), by hand
    assert _score(srilm, ["c"], ["<s>", "b"]) == (_single(-0.9, _single(0.0, -0.3)), 1)
    assert _score(kenlm, ["c"], ["<s>", "b"]) == (_single(-0.9, -0.3), 1)
    # p(c | x a b)-style longer contexts: the weight of "a b" joins where the trigram is missing: p(a | a b)
    assert _score(srilm, ["a"], ["a", "b"]) == (_single(-0.7, _single(0.0, -0.3, -0.25)), 1)
    assert _score(kenlm, ["a"], ["a", "b"]) == (_single(-0.7, -0.3, -0.25), 1)
    # -order 2: the trigram is out of reach, and so is the weight of "a b"
    assert _score(IndexBackoffScorer(hole, order=2), ["c"], ["a", "b"]) == (_single(-0.9, -0.3), 1)


def test_log_zero_and_a_missing_unk(tmp_path):
    text = HOLE.replace("-1.0\t<unk>\n", "").replace("ngram 1=6", "ngram 1=5")
    (tmp_path / "closed.arpa").write_text(text)
    model = Model(str(tmp_path / "closed.arpa"))
    assert _score(IndexBackoffScorer(model), ["zzz"], ["a"]) == (-math.inf, 0)  # SRILM: an OOV, no probability
    # KenLM: log10 p(<unk>) = -100, plus the weight of the context "a"
    assert _score(IndexBackoffScorer(model, arithmetic="kenlm"), ["zzz"], ["a"]) == (_single(-100.0, -0.2), 1)
    assert _score(IndexBackoffScorer(model), ["<s>"], [])[0] == -math.inf  # -99 is log10(0)


@pytest.mark.parametrize("name, order", [("kn3-interp.prune1e-6", "3"), ("kn5-interp-default", "5")])
def test_ppl_of_models_with_holes_is_srilms_byte_for_byte(reference_dir, monkeypatch, name, order):
    """Both models lack suffixes of some n-grams (pruning, the default cut-offs), so the index holds blanks."""
    folder = reference_dir / "srilm-brown-10k"
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["-lm", f"{name}.arpa.gz", "-order", order, "-unk", "-ppl", "test.txt"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (folder / f"{name}.ppl0.txt").read_text()


def test_ppl_word_lines_are_srilms(reference_dir, monkeypatch):
    folder = reference_dir / "srilm-brown-10k"
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["-lm", "kn3-interp.arpa.gz", "-order", "3", "-unk", "-ppl", "test100.txt",
                                       "-debug", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (folder / "kn3-interp.ppl2.txt").read_text()


def test_eval_of_an_arpa_file_prints_kenlms_query_summary(reference_dir):
    folder = reference_dir / "kenlm-brown"
    result = CliRunner().invoke(eval_command, [str(folder / "mkn3.arpa.gz"), str(folder / "test.txt"), "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (folder / "mkn3.summary.txt").read_text() in result.output


def test_a_faulty_file_is_still_reported_with_its_line(tmp_path):
    (tmp_path / "bad.arpa").write_text(HOLE.replace("-0.45\tc </s>", "-0.45\tc zzz"))
    (tmp_path / "t.txt").write_text("a b c\n")
    result = CliRunner().invoke(main, ["-lm", str(tmp_path / "bad.arpa"), "-ppl", str(tmp_path / "t.txt")])
    assert result.exit_code != 0
    assert "bad.arpa:18:" in result.output and "zzz" in result.output and "Traceback" not in result.output
