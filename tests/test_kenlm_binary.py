"""KenLM's binary formats (probing; trie with -q/-b and -a): files from KenLM's build_binary read by ngramlm.Model,
files written by ngramlm read by the kenlm module, both checked with KenLM's own model tests (lm/model_test.cc,
tests/kenlm_expectations.py)
and against build_binary's bytes; damaged files give an InputError, never a crash or a hang."""
from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import ngramlm
from ngramlm.cli.main import cli
from ngramlm.core.errors import InputError
from ngramlm.formats.arpa import read_arpa
from ngramlm.formats.kenlm_binary import (LoadMethod, arpa_file_order, buckets, header_size, load_kenlm,
                                          write_kenlm_probing)
from ngramlm.formats.kenlm_trie import load_kenlm_trie, write_kenlm_trie
from ngramlm.use.kenlm_model import KenlmModel, KenlmTrieModel

sys.path.insert(0, str(Path(__file__).parent))
from kenlm_expectations import check_all, check_nounk  # noqa: E402

kenlm = pytest.importorskip("kenlm")

DATA = Path(__file__).parent / "data" / "kenlm"
SENTENCES = ["looking on a little more loin", "the foo biarritz", "a little", "", "unknown1 <s> </s> looking",
             "would consider higher watching screening small", "however , is also beyond the", "bar baz foo bar"]


@pytest.mark.parametrize("load_method", list(LoadMethod))
def test_build_binary_probing_files_pass_kenlms_model_test(load_method):
    config = ngramlm.Config()
    config.load_method = load_method
    model = ngramlm.Model(str(DATA / "test.probing"), config)
    assert isinstance(model, KenlmModel) and model.order == 5 and model.sizes() == [37, 47, 11, 6, 4]
    assert check_all(model, ngramlm.State) == []
    assert check_nounk(ngramlm.Model(DATA / "test_nounk.probing", config), ngramlm.State) == []


@pytest.mark.parametrize("name", ["test", "test_nounk"])
def test_scores_agree_with_the_kenlm_module_on_the_same_file(name):
    ours, theirs = ngramlm.Model(str(DATA / f"{name}.probing")), kenlm.Model(str(DATA / f"{name}.probing"))
    for sentence in SENTENCES:
        for bos in (True, False):
            for (p, n, oov), (q, m, o) in zip(ours.full_scores(sentence, bos=bos),
                                              theirs.full_scores(sentence, bos=bos), strict=True):
                assert p == pytest.approx(q, rel=1e-6, abs=1e-5) and n == m and oov == o
        assert ours.perplexity(sentence) == pytest.approx(theirs.perplexity(sentence), rel=1e-5)
    assert ("looking" in ours) and ("not_a_word" not in ours) and ("<unk>" not in ours)
    assert ours.path == os.fsencode(os.path.abspath(DATA / f"{name}.probing"))


def test_words_at_the_end_of_the_file_are_the_arpa_unigrams_in_order():
    lines = (DATA / "test.arpa").read_text().split("\\1-grams:\n")[1].split("\n\n")[0].splitlines()
    unigrams = [line.split("\t")[1] for line in lines]
    words = ngramlm.Model(str(DATA / "test.probing")).vocab_words
    assert words == ["<unk>"] + [w for w in unigrams if w != "<unk>"]


@pytest.mark.parametrize("name", ["test", "test_nounk"])
def test_written_probing_file_is_build_binarys_bytes_and_passes_model_test_in_kenlm(tmp_path, name):
    arpa = str(DATA / f"{name}.arpa")
    model = read_arpa(arpa)
    out = tmp_path / "ours.binary"
    write_kenlm_probing(model, str(out), file_order=arpa_file_order(arpa, model))
    assert out.read_bytes() == (DATA / f"{name}.probing").read_bytes()
    # In the model's own order: the same size and, through KenLM's loader, the same scores and model tests.
    write_kenlm_probing(model, str(out))
    assert out.stat().st_size == (DATA / f"{name}.probing").stat().st_size
    loaded = kenlm.Model(str(out))
    check = check_all if name == "test" else check_nounk
    assert check(loaded, kenlm.State) == []
    reference = kenlm.Model(str(DATA / f"{name}.probing"))
    for sentence in SENTENCES:
        assert list(loaded.full_scores(sentence)) == list(reference.full_scores(sentence))


def test_cli_build_binary_kenlm_probing(tmp_path):
    out = tmp_path / "cli.binary"
    result = CliRunner().invoke(cli, ["build-binary", "--format", "kenlm-probing", str(DATA / "test.arpa"), str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (DATA / "test.probing").read_bytes()
    result = CliRunner().invoke(cli, ["build-binary", "--format", "kenlm-probing", "--quantize", "8",
                                      str(DATA / "test.arpa"), str(out)])
    assert result.exit_code != 0 and "neither quantised" in result.output


def test_larger_model_scores_as_kenlm_loads_its_arpa(reference_dir, tmp_path):
    """A 3-gram model of 266k n-grams (SRILM's, Brown): the written files (probing, trie), through KenLM's loader,
    score a test text exactly as KenLM scores the ARPA file; with build_binary at hand (KENLM_BUILD_BINARY), the
    same bytes (probing; trie -q 8 -b 7 -a 22)."""
    arpa = tmp_path / "kn3.arpa"
    arpa.write_bytes(gzip.decompress((reference_dir / "srilm-brown-10k" / "kn3-interp.arpa.gz").read_bytes()))
    model = read_arpa(str(arpa))
    ours = tmp_path / "ours.binary"
    write_kenlm_probing(model, str(ours), file_order=arpa_file_order(str(arpa), model))
    written, reference = kenlm.Model(str(ours)), kenlm.Model(str(arpa), _quiet_config())
    lines = (reference_dir / "kenlm-brown" / "test.txt").read_text().splitlines()[:3000]
    for line in lines:
        assert list(written.full_scores(line)) == list(reference.full_scores(line))
    assert ngramlm.Model(str(ours)).score(lines[0]) == pytest.approx(reference.score(lines[0]), abs=1e-4)
    trie = tmp_path / "ours.trie"
    write_kenlm_trie(model, str(trie))
    written_trie = kenlm.Model(str(trie))
    for line in lines[:1000]:
        assert list(written_trie.full_scores(line)) == list(reference.full_scores(line))
    build_binary = os.environ.get("KENLM_BUILD_BINARY")
    if build_binary:
        built = tmp_path / "kenlm.binary"
        subprocess.run([build_binary, "-s", "probing", str(arpa), str(built)], check=True, capture_output=True)
        assert ours.read_bytes() == built.read_bytes()
        write_kenlm_trie(model, str(trie), prob_bits=8, backoff_bits=7, pointer_bits=22)
        subprocess.run([build_binary, "-s", "-q", "8", "-b", "7", "-a", "22", "trie", str(arpa), str(built)],
                       check=True, capture_output=True)
        assert trie.read_bytes() == built.read_bytes()


@pytest.mark.parametrize("options", [{}, dict(prob_bits=8, backoff_bits=7, pointer_bits=22)])
def test_larger_tries_are_scored_in_place_word_for_word_as_kenlm(reference_dir, tmp_path, options):
    """The Brown 3-gram as a trie (exact; -q 8 -b 7 -a 22): ngramlm.Model walks the file where it lies
    (KenlmTrieModel) and gives, word for word, the kenlm module's scores of the same file."""
    arpa = tmp_path / "kn3.arpa"
    arpa.write_bytes(gzip.decompress((reference_dir / "srilm-brown-10k" / "kn3-interp.arpa.gz").read_bytes()))
    trie = tmp_path / "kn3.trie"
    write_kenlm_trie(read_arpa(str(arpa)), str(trie), **options)
    ours, theirs = ngramlm.Model(str(trie)), kenlm.Model(str(trie))
    assert isinstance(ours, KenlmTrieModel)
    lines = (reference_dir / "kenlm-brown" / "test.txt").read_text().splitlines()[:1500]
    for line in lines:
        for (p, n, oov), (q, m, o) in zip(ours.full_scores(line), theirs.full_scores(line), strict=True):
            assert p == pytest.approx(q, rel=1e-6, abs=1e-5) and n == m and oov == o
    state, out = ngramlm.State(), ngramlm.State()
    kstate, kout = kenlm.State(), kenlm.State()
    ours.NullContextWrite(state)
    theirs.NullContextWrite(kstate)
    for word in lines[0].split() + ["</s>", "never-seen-word", "the"]:
        assert ours.BaseScore(state, word, out) == pytest.approx(theirs.BaseScore(kstate, word, kout), abs=1e-5)
        state, out, kstate, kout = out, state, kout, kstate


def _quiet_config():
    config = kenlm.Config()
    config.show_progress = False
    config.arpa_complain = kenlm.ARPALoadComplain.NONE
    return config


def _damaged(tmp_path, data: bytes, name="bad.binary") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _score_random_damage(tmp_path, good: bytes, seed, copies, start, most, name):
    """`copies` copies of `good`, each with 1 to `most` random bytes at or past `start` overwritten: each is
    refused at load or scores SENTENCES (garbage numbers allowed) without crashing."""
    rng = np.random.default_rng(seed)
    for i in range(copies):
        data = bytearray(good)
        for where in rng.integers(start, len(good), size=int(rng.integers(1, most + 1))):
            data[where] = int(rng.integers(0, 256))
        try:
            model = ngramlm.Model(_damaged(tmp_path, bytes(data), f"{name}{i}.binary"))
        except InputError:
            continue
        for sentence in SENTENCES:
            model.score(sentence)
            list(model.full_scores(sentence, bos=False))


def test_damaged_headers_and_sizes_are_refused(tmp_path):
    good = (DATA / "test.probing").read_bytes()
    head = header_size(5)
    cases = {
        "truncated": good[:good.rindex(b"</s>") + 2],  # through a word
        "header only": good[:head],
        "short": good[:40],
        "other version": good.replace(b"version 5", b"version 4", 1),
        "test values": good[:60] + b"\x01" + good[61:],
        "incomplete": b"mmap lm http://kheafield.com/code incomplete\n" + good[45:],
        "order 0": good[:88] + b"\x00" + good[89:],
        "order 99": good[:88] + b"\x63" + good[89:],
        "multiplier nan": good[:92] + struct.pack("<f", float("nan")) + good[96:],
        "multiplier below 1": good[:92] + struct.pack("<f", 0.5) + good[96:],
        "multiplier huge": good[:92] + struct.pack("<f", 3e38) + good[96:],
        "model type 9": good[:96] + struct.pack("<i", 9) + good[100:],
        "rest probing": good[:96] + struct.pack("<i", 1) + good[100:],
        "search version": good[:104] + struct.pack("<I", 3) + good[108:],
        "huge count": good[:108] + struct.pack("<Q", 2**63) + good[116:],
        "count too large for the file": good[:116] + struct.pack("<Q", 300) + good[124:],
        "vocabulary version": good[:head] + struct.pack("<I", 1) + good[head + 4:],
        "vocabulary bound": good[:head + 4] + struct.pack("<I", 1000) + good[head + 8:],
        "words missing": good[:good.index(b"<unk>\0")],
    }
    for what, data in cases.items():
        with pytest.raises(InputError) as error:
            ngramlm.Model(_damaged(tmp_path, data))
        assert "bad.binary" in str(error.value), what
    # Cut after a whole word: the scores are intact, the words are not.
    cut = good[:good.rindex(b"\0", 0, len(good) - 1) + 1]
    with pytest.raises(InputError, match="truncated"):
        ngramlm.Model(_damaged(tmp_path, cut)).vocab_words


TRIES = ["test.trie", "test.q8b8.trie", "test.a22.trie", "test.q8b8a22.trie"]
NOUNK_TRIES = ["test_nounk.trie", "test_nounk.q3b2.trie"]


@pytest.mark.parametrize("name", TRIES + NOUNK_TRIES)
def test_build_binary_trie_files_pass_kenlms_model_test_and_score_as_kenlm(name):
    """Tries with and without quantisation (-q/-b) and array-compressed pointers (-a), scored in place."""
    model, reference = ngramlm.Model(str(DATA / name)), kenlm.Model(str(DATA / name))
    assert isinstance(model, KenlmTrieModel)
    check = check_nounk if "nounk" in name else check_all
    assert check(model, ngramlm.State) == []
    for sentence in SENTENCES:
        for bos in (True, False):
            for (p, n, oov), (q, m, o) in zip(model.full_scores(sentence, bos=bos),
                                              reference.full_scores(sentence, bos=bos), strict=True):
                assert p == pytest.approx(q, rel=1e-6, abs=1e-5) and n == m and oov == o


TRIE_OPTIONS = {"test.trie": {}, "test.q8b8.trie": dict(prob_bits=8, backoff_bits=8),
                "test.a22.trie": dict(pointer_bits=22), "test.q8b8a22.trie": dict(prob_bits=8, backoff_bits=8,
                                                                                  pointer_bits=22),
                "test_nounk.trie": {}, "test_nounk.q3b2.trie": dict(prob_bits=3, backoff_bits=2)}


@pytest.mark.parametrize("name", list(TRIE_OPTIONS))
def test_written_trie_is_build_binarys_bytes_and_passes_model_test_in_kenlm(tmp_path, name):
    out = tmp_path / name
    write_kenlm_trie(read_arpa(str(DATA / (name.split(".")[0] + ".arpa"))), str(out), **TRIE_OPTIONS[name])
    assert out.read_bytes() == (DATA / name).read_bytes()
    check = check_nounk if "nounk" in name else check_all
    assert check(kenlm.Model(str(out)), kenlm.State) == []


def test_cli_build_binary_kenlm_trie(tmp_path):
    out = tmp_path / "cli.trie"
    result = CliRunner().invoke(cli, ["build-binary", "--format", "kenlm-trie", "--quantize", "8", "-b", "8",
                                      "-a", "22", str(DATA / "test.arpa"), str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (DATA / "test.q8b8a22.trie").read_bytes()
    result = CliRunner().invoke(cli, ["build-binary", "-a", "22", str(DATA / "test.arpa"), str(out)])
    assert result.exit_code != 0


def test_damaged_tries_are_refused_or_read_without_crashing(tmp_path):
    for name in ["test.trie", "test.q8b8a22.trie"]:
        good = (DATA / name).read_bytes()
        for cut in (200, 400, 1000, len(good) - 300, len(good) - 1):
            with pytest.raises(InputError):
                ngramlm.Model(_damaged(tmp_path, good[:cut]))
        _score_random_damage(tmp_path, good, seed=3, copies=60, start=header_size(5), most=5, name="trie")


@pytest.mark.parametrize("name", TRIES)
def test_tries_with_garbage_arrays_score_without_crashing_or_are_refused(tmp_path, name):
    """Scoring in place reads the file's own pointers: garbage past the unigrams (every word id, weight and
    child pointer all ones, or all zeros) gives garbage numbers but stays inside the file; garbage in the
    unigrams' pointers or the vocabulary's order is refused at load (but for LAZY, which reads no page before a
    query needs it: there only the sizes are checked)."""
    good = (DATA / name).read_bytes()
    layout = load_kenlm_trie(str(DATA / name))

    def address(array):
        return array.__array_interface__["data"][0]

    unigrams_at = header_size(5) + 8 + address(layout.unigrams) - address(layout.vocab)
    unigrams_end = unigrams_at + layout.unigrams.nbytes
    scored = 0
    for fill in (b"\xff", b"\x00"):
        # (The two bytes after the unigrams, the -a header where there is one, are kept: a bad one is refused.)
        data = good[:unigrams_end + 2] + fill * (layout.end - unigrams_end - 2) + good[layout.end:]
        for method in (LoadMethod.LAZY, LoadMethod.POPULATE_OR_READ):
            config = ngramlm.Config()
            config.load_method = method
            try:
                model = ngramlm.Model(_damaged(tmp_path, data), config)
            except InputError as error:
                assert "bad.binary" in str(error) and "a22" in name  # an -a array that does not start at 0
                continue
            scored += 1
            for sentence in SENTENCES:
                assert isinstance(model.score(sentence), float)
                list(model.full_scores(sentence, bos=False))
    assert scored >= 2
    pointers = bytearray(good)
    pointers[unigrams_at + 16 * 3 + 8:unigrams_at + 16 * 3 + 16] = struct.pack("<Q", 2**40)
    with pytest.raises(InputError, match="child pointers"):
        ngramlm.Model(_damaged(tmp_path, bytes(pointers)))
    swapped = bytearray(good)
    at = header_size(5) + 8
    swapped[at:at + 16] = good[at + 8:at + 16] + good[at:at + 8]
    with pytest.raises(InputError, match="ascending"):
        ngramlm.Model(_damaged(tmp_path, bytes(swapped)))


def test_tables_without_an_empty_bucket_cannot_hang_or_crash(tmp_path):
    data = bytearray((DATA / "test.probing").read_bytes())
    tables = load_kenlm(str(DATA / "test.probing"))
    start = header_size(5)
    end = tables.words_offset
    data[start + 8:end] = b"\x11" * (end - start - 8)  # every key non-zero, every id and weight garbage
    model = ngramlm.Model(_damaged(tmp_path, bytes(data)))
    for sentence in SENTENCES:
        assert isinstance(model.score(sentence), float)  # garbage weights, but it returns
    state, out = ngramlm.State(), ngramlm.State()
    model.BeginSentenceWrite(state)
    assert isinstance(model.BaseScore(state, 5, out), float)


def test_random_byte_damage_never_crashes(tmp_path):
    good = (DATA / "test.probing").read_bytes()
    _score_random_damage(tmp_path, good, seed=7, copies=150, start=0, most=7, name="fuzz")


def test_bucket_count_is_kenlms():
    # KenLM sizes tables in float32: 1.5 * 47 = 70.5 -> 70 buckets; never fewer than entries + 1.
    assert buckets(47, 1.5) == 70 and buckets(4, 1.0) == 5 and buckets(0, 1.5) == 1
    assert (DATA / "test.probing").stat().st_size > header_size(5)


@pytest.mark.parametrize("name", ["test.probing", "test.trie"])
def test_a_missing_state_is_refused_not_read(name):
    """BaseScore and friends refuse None for a state (as ngramlm's own tables do) instead of reading through it."""
    model, state = ngramlm.Model(str(DATA / name)), ngramlm.State()
    for call in (lambda: model.BaseScore(None, "a", state), lambda: model.BaseScore(state, "a", None),
                 lambda: model.BaseFullScore(None, "a", state), lambda: model.BeginSentenceWrite(None),
                 lambda: model.NullContextWrite(None)):
        with pytest.raises(TypeError):
            call()
