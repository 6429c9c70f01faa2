"""The binary format: scores as kenlm's from the memory-mapped tables; damaged, truncated or foreign files are
refused with an InputError."""
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.core.model import BackoffModel
from ngramlm.formats.binary import MAGIC, QUANTIZED_VERSION, is_binary, load_binary, write_binary
from ngramlm.cli.main import cli
from ngramlm.core.errors import InputError
from ngramlm.formats.quantize import encode, fit_codebook, quantize_backoffs
from ngramlm.use.query import Model, State, build_index
from ngramlm.core.vocab import Vocabulary

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


def test_codebook_starts_from_equal_count_bins_and_converges_to_k_means():
    values = np.array([10.0, 3.0, 1.0, 2.0])
    # Sorted values 1 2 | 3 10 in two bins of two: centres 1.5 and 6.5 (KenLM's binning by sorted values).
    assert fit_codebook(values, 2, iterations=0).tolist() == [1.5, 6.5]
    # 3 is nearer 1.5 than 6.5, so Lloyd's algorithm moves to the 2-means optimum {1, 2, 3} {10}: 2 and 10.
    assert fit_codebook(values, 2).tolist() == [2.0, 10.0]


def test_values_take_the_code_of_the_nearest_centre():
    centres = np.array([1.5, 6.5], np.float32)
    assert encode(np.array([0.0, 1.5, 3.9, 4.1, 100.0]), centres).tolist() == [0, 0, 0, 1, 1]


def test_codebook_is_exact_when_values_are_fewer_than_codes():
    values = np.array([-0.5, -0.25, -0.5, -3.0])
    centres = fit_codebook(values, 8)
    assert centres[encode(values, centres)].tolist() == values.tolist()


def test_quantised_backoff_zeros_keep_their_sign():
    bows = np.array([-0.0, 0.0, -0.7, -0.3, -0.0], np.float32)
    codes, centres = quantize_backoffs(bows, 2)
    decoded = centres[codes]
    assert decoded[[0, 1, 4]].tolist() == [0.0, 0.0, 0.0]
    assert np.signbit(decoded).tolist() == [True, False, True, True, True]


@pytest.fixture(scope="module")
def mkn3_reference(reference_dir):
    arpa = str(reference_dir / "kenlm-brown" / "mkn3.arpa.gz")
    lines = [line for line in (reference_dir / "kenlm-brown" / "test.txt").read_text(encoding="utf-8").splitlines()
             if line.split()][:500]
    reference = kenlm.Model(arpa)
    return arpa, lines, np.array([p for line in lines for p, _, _ in reference.full_scores(line)])


@pytest.mark.parametrize("bits, max_mean_error, max_perplexity_change", [(16, 1e-4, 1e-4), (8, 0.03, 0.03)])
def test_quantised_model_scores_within_tolerance_of_kenlm(tmp_path, mkn3_reference, bits, max_mean_error,
                                                         max_perplexity_change):
    arpa, lines, expected = mkn3_reference
    path = str(tmp_path / f"q{bits}.bin")
    result = CliRunner().invoke(cli, ["build-binary", "--quantize", str(bits), "-b", str(bits), arpa, path])
    assert result.exit_code == 0, result.output
    model = Model(path)
    assert model.tables.quantization == (bits, bits)
    ids = [model.encode(line.split()) for line in lines]
    scores = model.score_ids(np.concatenate(ids), np.cumsum([0] + [len(i) for i in ids])).log_prob
    assert np.abs(scores - expected).mean() < max_mean_error
    assert abs(10.0 ** (expected.mean() - scores.mean()) - 1) < max_perplexity_change


def test_quantised_model_keeps_the_exact_states(tmp_path, mkn3_reference):
    arpa, lines, _ = mkn3_reference
    exact = Model(read_arpa(arpa))
    write_binary(exact.tables, str(tmp_path / "q4.bin"), prob_bits=4, backoff_bits=4)
    quantised = Model(str(tmp_path / "q4.bin"))
    for line in lines[:50]:
        state, exact_state = State(), State()
        quantised.BeginSentenceWrite(state)
        exact.BeginSentenceWrite(exact_state)
        for word in line.split():
            out, exact_out = State(), State()
            quantised.BaseScore(state, word, out)
            exact.BaseScore(exact_state, word, exact_out)
            # The kept context is what "never extends" (-0.0) decides: quantisation must not move it.
            assert out == exact_out
            state, exact_state = out, exact_out


def test_quantised_state_drops_a_context_that_never_extends(tmp_path):
    entries = {("<unk>",): (-2.0, 0.0), ("<s>",): (-99.0, -0.3), ("</s>",): (-1.0, 0.0), ("a",): (-0.7, -0.2),
               ("b",): (-0.8, -0.1), ("<s>", "a"): (-0.3, 0.0), ("a", "b"): (-0.2, -0.05), ("a", "b", "b"): (-0.1, 0.0)}
    path = str(tmp_path / "q2.bin")
    write_binary(BackoffModel.from_entries(Vocabulary(), entries), path, prob_bits=2, backoff_bits=2)
    model = Model(path)
    state, after_a = State(), State()
    model.BeginSentenceWrite(state)
    model.BaseScore(state, "a", after_a)
    # "<s> a" begins no 3-gram (its weight is -0.0) while "a" begins "a b": only "a" can still be extended.
    assert after_a.words == (model.index("a"),)


def test_cli_reports_the_perplexity_cost_of_quantisation(tmp_path):
    arpa = tmp_path / "small.arpa"
    write_arpa(small_backoff_model(), str(arpa))
    text = tmp_path / "test.txt"
    text.write_text("a b c\nc a\n")
    result = CliRunner().invoke(cli, ["build-binary", "--quantize", "8", str(arpa), str(tmp_path / "q.bin"),
                                      "--test", str(text)])
    assert result.exit_code == 0, result.output
    assert "quantised to 8/8 bits" in result.output and "perplexity" in result.output


def test_unknown_later_version_is_refused_and_quantised_files_name_their_version(small_binary, tmp_path):
    quantised = str(tmp_path / "q.bin")
    write_binary(small_backoff_model(), quantised, prob_bits=8)
    assert struct.unpack_from("<I", open(quantised, "rb").read(), len(MAGIC))[0] == QUANTIZED_VERSION
    data = bytearray(open(quantised, "rb").read())
    struct.pack_into("<I", data, len(MAGIC), QUANTIZED_VERSION + 1)
    open(quantised, "wb").write(bytes(data))
    with pytest.raises(InputError, match=f"version {QUANTIZED_VERSION + 1}.*rebuild"):
        Model(quantised)
