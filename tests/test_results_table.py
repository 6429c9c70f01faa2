"""benchmarks/results_table.py: its rows are the models the SRILM reference commands build, and its perplexities
are the figures SRILM printed for them (../shared/reference/srilm-*/NAME.ppl0.txt)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from ngramlm.corpora.reader import TextOptions
from ngramlm.counting.corpus_count import count_files
from ngramlm.core.vocab import Vocabulary

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "results_table.py"


@pytest.fixture(scope="module")
def table():
    spec = importlib.util.spec_from_file_location("results_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    sys.path.insert(0, str(SCRIPT.parent))  # as when the script runs: its folder's modules (machine.py) import
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]
        sys.path.remove(str(SCRIPT.parent))


def test_flags_read_back_as_the_same_model(table):
    for config in table.grid(table.METHODS, ["backoff", "interp"], [2, 3, 4, 5], ["default", "none"]):
        words = ["ngram-count", "-text", "train.txt", *config.flags().split(), "-unk", "-lm", "m.arpa"]
        assert table.parse_ngram_count(words) == config


def test_grid_uses_srilm_default_cutoffs(table):
    configs = table.grid(["modified-kneser-ney", "good-turing"], ["backoff", "interp"], [5], ["default"])
    # Good-Turing (Katz) has no interpolated form in SRILM.
    assert sorted((c.method, c.form) for c in configs) == [
        ("good-turing", "backoff"), ("modified-kneser-ney", "backoff"), ("modified-kneser-ney", "interp")]
    # ngram-count's defaults: -gt1min 1 -gt2min 1, then 2 (singleton 3-, 4- and 5-grams dropped).
    assert {c.gtmin for c in configs} == {(1, 1, 2, 2, 2)}
    assert configs[1].flags() == "-order 5 -kndiscount -interpolate"


def test_reference_commands_are_read(table, reference_dir):
    pairs = {ref.name: (config, ref) for config, ref in table.references(reference_dir / "srilm-ptb")}
    # srilm-ptb/commands.sh: -kndiscount -interpolate -gt3min 1 -gt4min 1 at order 5 keeps the 5-gram cut-off.
    config, ref = pairs["srilm-ptb/kn5-interp"]
    assert (config.method, config.form, config.order, config.gtmin) == ("modified-kneser-ney", "interp", 5,
                                                                      (1, 1, 1, 1, 2))
    assert (ref.ppl, ref.ppl1) == ("141.4636", "179.2514")
    assert pairs["srilm-ptb/gt3-default"][0].gtmin == (1, 1, 2)
    assert len(pairs) == 7
    closed = {ref.name for _, ref in table.references(reference_dir / "srilm-brown-10k")}
    assert "srilm-brown-10k/kn3-closed" not in closed  # no -unk: not a row of the table
    assert len(closed) == 13


@pytest.mark.slow
def test_figures_equal_srilm_on_the_brown_slice(table, reference_dir):
    # The four models whose last printed digit depends on scoring the values as the ARPA file holds them.
    folder = reference_dir / "srilm-brown-10k"
    wanted = {"add3", "wb3-backoff", "ukn3-interp", "kn3-interp"}
    pairs = [(c, r) for c, r in table.references(folder) if r.name.split("/")[1] in wanted]
    assert len(pairs) == len(wanted)
    counts = count_files([str(folder / "train.txt")], 3, Vocabulary(), TextOptions())
    for config, reference in pairs:
        result = table.run_config(counts, folder / "test.txt", config)
        assert (result["ppl"], result["ppl1"]) == (reference.ppl, reference.ppl1), reference.name


@pytest.mark.slow
def test_ptb_kn3_equals_srilm_and_mikolov(table, shared_corpora):
    # srilm-ptb/kn3-interp.ppl0.txt: "ppl= 148.2813 ppl1= 188.3136" (Mikolov's thesis, Table 4.1: KN3 148.3).
    folder = shared_corpora / "ptb"
    counts = count_files([str(folder / "train.txt")], 3, Vocabulary(), TextOptions())
    config = table.Config("modified-kneser-ney", True, 3, (1, 1, 1))
    result = table.run_config(counts, folder / "test.txt", config)
    assert (result["ppl"], result["ppl1"]) == ("148.2813", "188.3136")
