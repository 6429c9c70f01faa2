"""The binary format: scores as kenlm's from the memory-mapped tables; damaged, truncated or foreign files are
refused with an InputError."""
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.backoff import BackoffModel
from ngramlm.binary import MAGIC, is_binary, load_binary, write_binary
from ngramlm.cli.main import cli
from ngramlm.errors import InputError
from ngramlm.query import Model, State, build_index
from ngramlm.vocab import Vocabulary

kenlm = pytest.importorskip("kenlm")


def small_backoff_model():
    entries = {
        ("<unk>",): (-2.0, 0.0), ("<s>",): (-99.0, -0.3), ("</s>",): (-1.0, 0.0), ("a",): (-0.7, -0.2),
        ("b",): (-0.8, -0.1), ("c",): (-0.9, 0.0), ("<s>", "a"): (-0.3, -0.1), ("a", "b"): (-0.2, -0.05),
        ("b", "c"): (-0.4, 0.0), ("a", "b", "c"): (-0.1, 0.0),
    }
    return BackoffModel.from_entries(Vocabulary(), entries)


@pytest.fixture()
def small_binary(tmp_path):
    path = str(tmp_path / "small.bin")
    write_binary(small_backoff_model(), path)
    return path


def test_binary_model_scores_as_the_model_it_was_built_from(small_binary):
    from_memory, from_file = Model(small_backoff_model()), Model(small_binary)
    assert from_file.order == 3 and from_file.sizes() == [6, 3, 1]
    for sentence in ("a b c", "c a", "zzz a b", ""):
        assert from_file.score(sentence) == from_memory.score(sentence)
    assert list(from_file.unigrams) == list(from_memory.unigrams)
    assert is_binary(small_binary)


def test_reference_arpa_and_its_binary_score_as_kenlm(tmp_path, reference_dir):
    arpa = str(reference_dir / "kenlm-brown" / "mkn3.arpa.gz")
    result = CliRunner().invoke(cli, ["build-binary", arpa, str(tmp_path / "mkn3.bin")])
    assert result.exit_code == 0, result.output
    model, reference = Model(str(tmp_path / "mkn3.bin")), kenlm.Model(arpa)
    lines = [line for line in (reference_dir / "kenlm-brown" / "test.txt").read_text(encoding="utf-8").splitlines()
             if line.split()][:300]
    ids = [model.encode(line.split()) for line in lines]
    scores = model.score_ids(np.concatenate(ids), np.cumsum([0] + [len(i) for i in ids]))
    expected = np.array([p for line in lines for p, _, _ in reference.full_scores(line)])
    assert np.max(np.abs(scores.log_prob - expected)) < 1e-5
    state, kstate = State(), kenlm.State()
    model.BeginSentenceWrite(state)
    reference.BeginSentenceWrite(kstate)
    for word in lines[0].split():
        out, kout = State(), kenlm.State()
        assert model.BaseScore(state, word, out) == pytest.approx(reference.BaseScore(kstate, word, kout), abs=1e-5)
        state, kstate = out, kout


def test_probing_multiplier_changes_size_not_scores(tmp_path):
    model = small_backoff_model()
    write_binary(build_index(model, probing_multiplier=1.1), str(tmp_path / "tight.bin"))
    write_binary(build_index(model, probing_multiplier=4.0), str(tmp_path / "loose.bin"))
    tight, loose = Model(str(tmp_path / "tight.bin")), Model(str(tmp_path / "loose.bin"))
    assert len(tight.tables.middle[0]) < len(loose.tables.middle[0])
    for sentence in ("a b c", "c a b", "zzz a b c"):
        assert tight.score(sentence) == loose.score(sentence)


def test_truncated_file_is_refused(small_binary):
    data = open(small_binary, "rb").read()
    for cut in (10, len(data) // 2, len(data) - 1):
        with open(small_binary, "wb") as f:
            f.write(data[:cut])
        with pytest.raises(InputError, match="truncated|too short|cut short"):
            load_binary(small_binary)


def test_other_version_is_refused_with_a_rebuild_hint(small_binary):
    data = bytearray(open(small_binary, "rb").read())
    struct.pack_into("<I", data, len(MAGIC), 99)
    open(small_binary, "wb").write(bytes(data))
    with pytest.raises(InputError, match="version 99.*rebuild"):
        Model(small_binary)


@pytest.mark.parametrize("where", ["header", "payload"])
def test_corrupted_byte_is_detected(small_binary, where):
    data = bytearray(open(small_binary, "rb").read())
    position = 40 if where == "header" else len(data) - 30
    data[position] ^= 0x5A
    open(small_binary, "wb").write(bytes(data))
    with pytest.raises(InputError, match="checksum|inconsistent"):
        load_binary(small_binary, verify="full")


def test_cli_reports_a_bad_arpa_in_one_line(tmp_path):
    bad = tmp_path / "bad.arpa"
    bad.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\ta\n\\end\\\n")
    result = CliRunner().invoke(cli, ["build-binary", str(bad), str(tmp_path / "out.bin")])
    assert result.exit_code == 1
    assert "error" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.bin").exists()
