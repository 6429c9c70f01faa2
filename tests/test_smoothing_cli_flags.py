"""ngram-count's estimation flags: SRILM's names, per-order suffixes, inheritance, conflicts and parameter files."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.formats.arpa import read_arpa
from ngramlm.counting.corpus_count import count_files
from ngramlm.smoothing import estimate
from ngramlm.core.vocab import Vocabulary

from test_smoothing_normalisation import random_corpus


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "train.txt"
    lines = [" ".join(s[1:-1]) for s in random_corpus(seed=2, words=200, sentences=500)]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(args):
    from ngramlm.cli.ngram_count import main

    return CliRunner().invoke(main, [*map(str, args), "-q"])


def _assert_models_equal(a, b):
    """Equal models; `a` must have been read with `b`'s vocabulary, so that ids agree."""
    assert a.sizes() == b.sizes()
    for x, y in zip(a.ngrams, b.ngrams):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a.logprob + a.logbow, b.logprob + b.logbow):
        np.testing.assert_allclose(x, y, atol=1e-6)


def test_per_order_method_flags(text, tmp_path):
    out = tmp_path / "lm.arpa"
    result = run(["-text", text, "-order", 3, "-wbdiscount1", "-kndiscount2", "-cdiscount3", 0.5, "-interpolate2",
                  "-gt3min", 1, "-unk", "-lm", out])
    assert result.exit_code == 0, result.output
    counts = count_files([str(text)], 3, Vocabulary())
    expected = estimate(counts, ["witten-bell", "modified-kneser-ney", "absolute"], interpolate={2: True},
                        discount={3: 0.5}, gtmin={3: 1}, unk=True)
    _assert_models_equal(read_arpa(str(out), vocab=counts.vocab), expected)


def test_default_method_flag_applies_to_orders_without_their_own(text, tmp_path):
    out = tmp_path / "lm.arpa"
    assert run(["-text", text, "-order", 2, "-kndiscount", "-wbdiscount1", "-lm", out]).exit_code == 0
    counts = count_files([str(text)], 2, Vocabulary())
    expected = estimate(counts, ["witten-bell", "modified-kneser-ney"])
    _assert_models_equal(read_arpa(str(out), vocab=counts.vocab), expected)


def test_conflicting_methods_for_one_order_are_an_error(text, tmp_path):
    result = run(["-text", text, "-order", 2, "-wbdiscount2", "-kndiscount2", "-lm", tmp_path / "lm.arpa"])
    assert result.exit_code == 1
    assert "conflicting discounting options for order 2" in result.output


def test_kneser_ney_parameter_file_is_written_without_lm_and_read_with_it(text, tmp_path):
    from ngramlm.cli import estimation_flags
    from ngramlm.cli.ngram_count import main

    params_file = tmp_path / "kn2.txt"
    args = ["-text", str(text), "-order", "2", "-kndiscount", "-kn2", str(params_file)]
    params = main.make_context("ngram-count", list(args)).params  # click consumes the list
    counts = count_files([str(text)], 2, Vocabulary())
    estimation_flags.write_discount_parameters(counts, params)
    lines = params_file.read_text().splitlines()
    assert lines[0] == "mincount 1" and lines[1].startswith("discount1 ") and lines[3].startswith("discount3+ ")

    # With -lm the file is read: a changed D3+ must change the model.
    with_file, without = tmp_path / "a.arpa", tmp_path / "b.arpa"
    assert run([*args, "-interpolate", "-lm", with_file]).exit_code == 0
    assert run(["-text", text, "-order", 2, "-kndiscount", "-interpolate", "-lm", without]).exit_code == 0
    first = read_arpa(str(with_file))
    _assert_models_equal(read_arpa(str(without), vocab=first.vocab), first)
    params_file.write_text("\n".join(lines[:3] + ["discount3+ 0.1"]) + "\n")
    assert run([*args, "-interpolate", "-lm", with_file]).exit_code == 0
    assert not np.allclose(read_arpa(str(with_file)).logprob[1], read_arpa(str(without)).logprob[1])


def test_help_lists_srilm_flag_names():
    from ngramlm.cli.ngram_count import main

    help_text = CliRunner().invoke(main, ["-help"]).output
    for flag in ("-addsmooth", "-wbdiscount3", "-cdiscount", "-ukndiscount", "-kndiscount9", "-interpolate2",
                 "-gt3min", "-gt2max", "-kn1", "-gt3"):
        assert flag in help_text
