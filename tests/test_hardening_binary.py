"""Hostile input to the query core and the binary format: states from elsewhere, binary files whose checksums are
valid but whose tables are not, single-byte corruption. Each must give a clean Python error, never a crash, a hang
or a wrong score.

The calls that crashed or hung before these checks run in a subprocess with a time limit, so that a regression
shows as a failed test (with the signal or the timeout) rather than as a dead or stuck test run.
"""
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ngramlm.core.errors import InputError
from ngramlm.core.model import BackoffModel
from ngramlm.core.vocab import Vocabulary
from ngramlm.formats.binary import load_binary, write_binary
from ngramlm.use.query import STATE_DTYPE, Model, State, build_index, pack_states, unpack_state

REPO = Path(__file__).resolve().parent.parent

UNIGRAM_ARPA = "\\data\\\nngram 1=4\n\n\\1-grams:\n-1.0\t<unk>\n-99\t<s>\n-0.5\t</s>\n-0.3\ta\n\n\\end\\\n"


def trigram_model():
    entries = {
        ("<unk>",): (-2.0, 0.0), ("<s>",): (-99.0, -0.3), ("</s>",): (-1.0, 0.0), ("a",): (-0.7, -0.2),
        ("b",): (-0.8, -0.1), ("c",): (-0.9, 0.0), ("<s>", "a"): (-0.3, -0.1), ("a", "b"): (-0.2, -0.05),
        ("b", "c"): (-0.4, 0.0), ("a", "b", "c"): (-0.1, 0.0),
    }
    return BackoffModel.from_entries(Vocabulary(), entries)


def run_isolated(code: str, timeout: float = 20) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter; a crash shows as a negative return code, a hang as TimeoutExpired."""
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True,
                              text=True, timeout=timeout, env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    except subprocess.TimeoutExpired:
        pytest.fail(f"the call hung (no answer in {timeout} s)")


def assert_clean(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 0, f"exit status {result.returncode}:\n{result.stderr[-2000:]}"
    assert result.stdout.strip().splitlines()[-1] == expected, result.stdout + result.stderr


# --- States the model did not make ---------------------------------------------------------------------------------

def test_state_longer_than_the_order_allows_is_refused_not_a_crash(tmp_path):
    arpa = tmp_path / "unigram.arpa"
    arpa.write_text(UNIGRAM_ARPA)
    write_binary(trigram_model(), str(tmp_path / "tri.bin"))
    result = run_isolated(f"""
        import pickle
        from ngramlm.use.query import Model, State
        model = Model({str(arpa)!r})
        state, out = State(), State()
        Model({str(tmp_path / "tri.bin")!r}).BeginSentenceWrite(state)   # a state of another model: length 1
        refused = 0
        for call in (model.BaseScore, model.BaseFullScore):
            for given in (state, pickle.loads(pickle.dumps(state))):
                try:
                    call(given, "a", out)
                except ValueError as error:
                    refused += "another model" in str(error)
        try:
            model.score_pairs([state], ["a"])
        except ValueError:
            refused += 1
        print(refused)
    """)
    assert_clean(result, "5")


def test_state_with_word_ids_beyond_the_vocabulary_is_refused():
    model = Model(trigram_model())
    foreign = np.zeros(1, STATE_DTYPE)
    foreign["length"] = 1
    foreign["words"][0, 0] = 10 ** 6
    state = pickle.loads(pickle.dumps(unpack_state(foreign, 0)))
    with pytest.raises(ValueError, match="word id 1000000"):
        model.BaseScore(state, "a", State())
    with pytest.raises(ValueError, match="pair 0: .*word id 1000000"):
        model.score_pairs(foreign, np.array([4], np.uint32))


def test_states_claiming_more_words_than_a_state_holds_are_refused():
    """A State holds at most 7 words, but its length byte can say 255: the probe would fill 255 keys into a buffer
    of 7. Arrays are refused by score_pairs (and score_pairs_into), unpickled or unpacked States at once."""
    model = Model(trigram_model())
    claims = np.zeros(3, STATE_DTYPE)
    claims["length"] = [1, 255, 0]
    with pytest.raises(ValueError, match="pair 1: the state holds 255 context words"):
        model.score_pairs_into(claims, np.array([4, 5, 6], np.uint32), False, np.empty(3), None)
    with pytest.raises(ValueError, match="at most 7"):
        unpack_state(claims, 1)
    raw = bytearray(pickle.dumps(State()))
    packed = pack_states([State()]).tobytes()
    at = raw.find(packed)
    raw[at + len(packed) - 1] = 255
    with pytest.raises(ValueError, match="at most 7"):
        pickle.loads(bytes(raw))


def test_none_and_wrong_arrays_are_type_errors_not_crashes():
    result = run_isolated("""
        import numpy as np
        from ngramlm.core.model import BackoffModel
        from ngramlm.core.vocab import Vocabulary
        from ngramlm.use.query import Model, State, STATE_DTYPE
        model = Model(BackoffModel.from_entries(Vocabulary(), {("<unk>",): (-1, 0), ("<s>",): (-99, 0),
                                                              ("</s>",): (-1, 0), ("a", "b"): (-0.5, 0),
                                                              ("a",): (-1, 0), ("b",): (-1, 0)}))
        calls = [lambda: model.BaseScore(None, "a", State()), lambda: model.BaseScore(State(), "a", None),
                 lambda: model.BaseFullScore(State(), "a", None), lambda: model.BeginSentenceWrite(None),
                 lambda: model.NullContextWrite(None),
                 lambda: model.score_pairs_into(np.zeros(1, STATE_DTYPE), np.zeros(5, np.uint32), False,
                                                np.empty(5), None),
                 lambda: model.score_pairs_into(np.zeros(5, STATE_DTYPE), np.zeros(5, np.uint32), False,
                                                np.empty(5), np.zeros(1, STATE_DTYPE)),
                 lambda: model.score_flat_into(np.zeros(3, np.uint32), np.array([0, 9], np.int64), True, True,
                                               False, np.empty(4), np.empty(4, np.uint8), np.empty(4, np.uint8)),
                 lambda: model.score_flat_into(np.zeros(3, np.uint32), np.array([0, 3], np.int64), True, True,
                                               False, np.empty(1), np.empty(1, np.uint8), np.empty(1, np.uint8)),
                 lambda: model.score_flat_into(np.zeros(3, np.uint32), np.array([0, 3], np.int64), True, True,
                                               False, None, None, None),
                 lambda: model.score_pairs_into(np.zeros(1, STATE_DTYPE), np.zeros(1, np.uint32), False, None,
                                                None)]
        refused = 0
        for call in calls:
            try:
                call()
            except (TypeError, ValueError):
                refused += 1
        print(refused)
    """)
    assert_clean(result, "11")


# --- Binary files with valid checksums and hostile tables ----------------------------------------------------------

def hostile_binary(tmp_path, change) -> str:
    """A binary file written (checksums and all) from the small trigram's tables after `change(tables)`."""
    tables = build_index(trigram_model())
    change(tables)
    path = str(tmp_path / "hostile.bin")
    write_binary(tables, path)
    return path


def fill_vocabulary(tables):
    tables.vocab_table = tables.vocab_table.copy()
    tables.vocab_table["key"][tables.vocab_table["key"] == 0] = 12345  # no empty bucket: an absent word never stops


def fill_bigrams(tables):
    tables.middle = [tables.middle[0].copy()]
    empty = tables.middle[0]["key"] == 0
    tables.middle[0]["key"][empty] = np.arange(1, empty.sum() + 1) * 7919


@pytest.mark.parametrize("change", [fill_vocabulary, fill_bigrams])
def test_full_hash_table_is_refused_at_load_not_a_hang(tmp_path, change):
    path = hostile_binary(tmp_path, change)
    result = run_isolated(f"""
        from ngramlm.core.errors import InputError
        from ngramlm.use.query import Model
        try:
            model = Model({path!r})
            print(model.score("zzz b qqq c"))
        except InputError as error:
            print("refused" if "empty bucket" in str(error) and {path!r} in str(error) else error)
    """, timeout=10)
    assert_clean(result, "refused")


def test_probe_loops_are_bounded_by_the_table_size():
    """Even when a full table reaches the compiled scorer (check_index bypassed), a miss stops after one round."""
    result = run_isolated("""
        import numpy as np
        from ngramlm._ext import _query
        from ngramlm.core.model import BackoffModel
        from ngramlm.core.vocab import Vocabulary
        from ngramlm.formats.probing import build_index
        tables = build_index(BackoffModel.from_entries(Vocabulary(), {("<unk>",): (-1, 0), ("<s>",): (-99, 0),
                             ("</s>",): (-1, 0), ("a",): (-1, 0), ("a", "</s>"): (-0.5, 0)}))
        full = tables.longest.copy()
        full["key"][full["key"] == 0] = 99991
        _query.check_index = lambda *arrays: arrays[1:4] + (list(arrays[4]), arrays[5], arrays[6])
        index = _query.HashIndex(2, tables.unigram_prob, tables.unigram_bow, tables.unigram_present, [], full,
                                 tables.vocab_table, 1, 2)
        print(round(index.score("a a"), 3))
    """, timeout=10)
    # p(a | <s>) backs off to p(a) = -1 (bow(<s>) 0); "a a" is absent, so p(a) = -1 again; p(</s> | a) = -0.5.
    assert_clean(result, "-2.5")


@pytest.mark.parametrize("what, change", [
    ("no buckets", lambda t: setattr(t, "middle", [t.middle[0][:0]])),
    ("no buckets", lambda t: setattr(t, "longest", t.longest[:0])),
    ("lacks the special words", lambda t: [setattr(t, name, getattr(t, name)[:2]) for name in
                                                ("unigram_prob", "unigram_bow", "unigram_present")]),
    ("beyond the", lambda t: t.vocab_table["id"].__setitem__(t.vocab_table["key"] != 0, 10 ** 6)),
])
def test_tables_that_would_be_read_out_of_bounds_are_refused(tmp_path, what, change):
    path = hostile_binary(tmp_path, change)
    with pytest.raises(InputError, match=what) as error:
        load_binary(path)
    assert str(error.value).startswith(path) and "\n" not in str(error.value)


def test_sections_outside_their_place_are_refused(tmp_path):
    """A section that points into the header (or past the end) is refused, although the header's crc32 is valid."""
    import struct
    import zlib
    from ngramlm.formats.binary import _FIXED, _SECTION
    path = hostile_binary(tmp_path, lambda t: None)
    data = bytearray(open(path, "rb").read())
    n_sections = struct.unpack_from("<I", data, 20)[0]
    for offset in (0, len(data) + 64):
        broken = bytearray(data)
        row = _FIXED.size + 4 * _SECTION.size  # the unigram presence mask, any section would do
        _, nbytes, items = _SECTION.unpack_from(broken, row)
        _SECTION.pack_into(broken, row, offset, nbytes, items)
        table_end = _FIXED.size + _SECTION.size * n_sections
        struct.pack_into("<I", broken, table_end, zlib.crc32(bytes(broken[:table_end])))
        open(path, "wb").write(bytes(broken))
        with pytest.raises(InputError, match="section lies outside"):
            load_binary(path)


def test_spellings_that_do_not_match_the_vocabulary_are_refused(tmp_path):
    def bad_spelling(tables):
        tables.word_blob = tables.word_blob.copy()
        tables.word_blob[-1] = 0xFF
    with pytest.raises(InputError, match="UTF-8"):
        load_binary(hostile_binary(tmp_path, bad_spelling))
    with pytest.raises(InputError, match="does not hold"):
        load_binary(hostile_binary(tmp_path, lambda t: setattr(t, "word_blob", t.word_blob[:-2])))


# --- Corruption the default check must see ------------------------------------------------------------------------

def test_default_load_detects_every_single_byte_change(tmp_path):
    """Every byte of a small file, and 64 random bytes of one whose payload is well above the 1 MiB the spot
    sample reads (its longest table padded with empty buckets), flipped one at a time: the default load refuses
    each. CRC-32 detects every error burst of up to 32 bits, so any single-byte change."""
    small = hostile_binary(tmp_path, lambda t: None)
    data = open(small, "rb").read()
    model = trigram_model()
    # The same trigram model in tables of 300,000 buckets a trigram (KenLM's -p at its extreme): a payload > 3 MB.
    big_tables = build_index(model, probing_multiplier=300_000 / model.sizes()[2])
    big = str(tmp_path / "big.bin")
    write_binary(big_tables, big)
    big_data = open(big, "rb").read()
    assert len(big_data) > 3 << 20
    load_binary(big)
    rng = np.random.default_rng(18)
    cases = [(small, data, i) for i in range(len(data))]
    cases += [(big, big_data, int(i)) for i in rng.integers(0, len(big_data), 64)]
    missed = []
    for path, original, position in cases:
        with open(path, "r+b") as f:  # patched in place: rewriting a mapped file costs more than the load
            f.seek(position)
            f.write(bytes([original[position] ^ 1 << int(rng.integers(8))]))
        try:
            load_binary(path)
            missed.append((os.path.basename(path), position))
        except InputError:
            pass
        with open(path, "r+b") as f:
            f.seek(position)
            f.write(original[position:position + 1])
    assert not missed



def test_an_infinite_probing_multiplier_is_a_model_error_not_an_overflow():
    from ngramlm.core.errors import ModelError
    for multiplier in (float("inf"), float("nan"), 1.0):
        with pytest.raises(ModelError, match="finite number above 1"):
            build_index(trigram_model(), probing_multiplier=multiplier)
