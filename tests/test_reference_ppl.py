"""`ngram -ppl` agrees with SRILM 1.7.3 byte for byte: every perplexity output of
../shared/reference/srilm-brown-10k (commands.sh there) is reproduced from the same ARPA file and text, at
debug levels 0, 1 and 2. The dynamic mixture (-bayes) belongs to the mixing tests."""
from __future__ import annotations

import functools
import io
import os
import shlex
from pathlib import Path

import pytest

from ngramlm.formats.arpa import read_arpa
from ngramlm.use.ppl_report import PplOptions, ppl_file
from ngramlm.use.scoring import BackoffScorer

SRILM_DIR = "srilm-brown-10k"


def ppl_commands(folder: Path) -> list[tuple[str, list[str]]]:
    """(output file, ngram arguments) of every `ngram ... -ppl ... > out` line of commands.sh that evaluates a
    single ARPA file."""
    commands = []
    for line in (folder / "commands.sh").read_text().splitlines():
        words = shlex.split(line)
        if not words or words[0] != "ngram" or "-ppl" not in words or "-mix-lm" in words or ">" not in words:
            continue
        arguments, output = words[1:words.index(">")], words[words.index(">") + 1]
        commands.append((output, arguments))
    return commands


def ngram_options(arguments: list[str]) -> dict:
    """The flags of an `ngram` command line: -flag value pairs, and True for the switches used."""
    options, i = {}, 0
    while i < len(arguments):
        flag = arguments[i]
        if flag in ("-unk", "-no-sos", "-no-eos", "-tolower"):
            options[flag] = True
            i += 1
        else:
            options[flag] = arguments[i + 1]
            i += 2
    return options


@functools.lru_cache(maxsize=4)
def load(path: str):
    return read_arpa(path)


def _reference_folder() -> Path:
    """Where the reference_dir fixture points (tests/conftest.py), needed already when the cases are collected."""
    shared = Path(os.environ.get("NGRAMLM_SHARED", Path(__file__).resolve().parent.parent.parent / "shared"))
    return shared / "reference" / SRILM_DIR


def _cases():
    folder = _reference_folder()
    if not (folder / "commands.sh").exists():
        return [pytest.param(None, None, id="reference-missing")]
    # Grouped by model, so that each ARPA file is read once.
    cases = sorted(ppl_commands(folder), key=lambda case: ngram_options(case[1])["-lm"])
    return [pytest.param(output, arguments, id=output) for output, arguments in cases]


@pytest.mark.slow
@pytest.mark.parametrize("output,arguments", _cases())
def test_ppl_output_equals_srilm(reference_dir, monkeypatch, output, arguments):
    folder = reference_dir / SRILM_DIR
    assert output is not None, f"{folder}/commands.sh is missing"
    options = ngram_options(arguments)
    arpa = str(folder / (options["-lm"] + ".gz"))
    model = load(arpa)
    monkeypatch.chdir(folder)  # SRILM prints the text's path as given: "file test.txt: ..."
    scorer = BackoffScorer(model, int(options.get("-order", 3)))
    out = io.StringIO()
    ppl_file(scorer, options["-ppl"], PplOptions(debug=int(options.get("-debug", 0)), unk_is_word="-unk" in options),
             out)
    expected = (folder / output).read_text()
    assert out.getvalue().splitlines() == expected.splitlines()
    assert out.getvalue() == expected
