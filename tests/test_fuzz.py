"""Property-based mutation fuzzing (hypothesis) of the four input formats: ARPA, binary, count and vocabulary files.

Each hypothesis example is a batch of mutated files, read and used in one subprocess (so the interpreter starts
once per batch, not once per file) under a time limit. The property: no crash (the subprocess killed by a
signal), no hang (the time limit) and no traceback: every file is either used or refused with an NgramlmError,
the one-line error the command line prints. The worker announces each case before running it, so a crash or hang
names the mutation that caused it.

Binary files get their checksums recomputed after the mutation: without that the crc32 refuses nearly every
mutated file at once, and the structure checks behind it would go untested.

CI runs BATCHES examples of BATCH_SIZE files per format, 1,200 files in all in about 13 s (derandomized: the same
cases every run); set NGRAMLM_FUZZ_BATCHES for a longer local run with fresh random cases.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import textwrap
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from ngramlm.core.model import BackoffModel
from ngramlm.core.vocab import Vocabulary
from ngramlm.formats import binary
from ngramlm.formats.arpa import write_arpa

REPO = Path(__file__).resolve().parent.parent
BATCH_SIZE = 60
BATCHES = int(os.environ.get("NGRAMLM_FUZZ_BATCHES", "5"))
FUZZ_SETTINGS = settings(max_examples=BATCHES, deadline=None, derandomize="NGRAMLM_FUZZ_BATCHES" not in os.environ,
                         phases=[Phase.explicit, Phase.generate],  # a failure names its case: no slow shrinking
                         verbosity=Verbosity.quiet,  # nor a reprint of the whole batch
                         suppress_health_check=list(HealthCheck))

# Reads one kind of file and uses what it read, as the tools would; the parent checks its report.
WORKER = textwrap.dedent("""
    import json, sys, traceback
    from ngramlm.core.errors import NgramlmError

    def use_model(path):
        from ngramlm.use.query import Model, State
        model = Model(path)
        for sentence in ("a b c", "c zzz a b", "", "<unk> </s> b"):
            model.score(sentence)
            list(model.full_scores(sentence))
        state, out = State(), State()
        model.BeginSentenceWrite(state)
        for word in ("a", "b", "qqq", "c"):
            model.BaseFullScore(state, word, out)
            state, out = out, state
        model.score_ids(model.encode(["a", "b", "c", "x"]))
        model.vocab, model.unigrams, model.sizes()

    def use_counts(path):
        from ngramlm.formats.countfile import read_counts
        from ngramlm.smoothing import estimate
        counts = read_counts(path)
        if counts.order > 0:
            estimate(counts, "witten-bell")

    def use_vocab(path):
        from ngramlm.core.vocab import Vocabulary
        vocab = Vocabulary.read(path)
        vocab.encode(["a", "b", "zzz"])

    use = {"arpa": use_model, "binary": use_model, "counts": use_counts, "vocab": use_vocab}[sys.argv[1]]
    for i, path in enumerate(json.load(sys.stdin)):
        print("start", i, flush=True)
        try:
            use(path)
            print("ok", i, flush=True)
        except NgramlmError as error:
            message = str(error)
            print("refused" if "\\n" not in message else "multiline", i, flush=True)
        except Exception:
            print("traceback", i, json.dumps(traceback.format_exc()), flush=True)
""")


def seed_model() -> BackoffModel:
    entries = {
        ("<unk>",): (-2.0, 0.0), ("<s>",): (-99.0, -0.3), ("</s>",): (-1.0, 0.0), ("a",): (-0.7, -0.2),
        ("b",): (-0.8, -0.1), ("c",): (-0.9, -0.05), ("<s>", "a"): (-0.3, -0.1), ("a", "b"): (-0.2, -0.05),
        ("b", "c"): (-0.4, 0.0), ("c", "</s>"): (-0.5, 0.0), ("a", "b", "c"): (-0.1, 0.0),
        ("b", "c", "</s>"): (-0.2, 0.0),
    }
    return BackoffModel.from_entries(Vocabulary(), entries)


def _seeds() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        write_arpa(seed_model(), os.path.join(folder, "m.arpa"))
        binary.write_binary(seed_model(), os.path.join(folder, "m.bin"))
        binary.write_binary(seed_model(), os.path.join(folder, "q.bin"), prob_bits=4, backoff_bits=3)
        arpa = Path(folder, "m.arpa").read_bytes()
        model = Path(folder, "m.bin").read_bytes()
        quantized = Path(folder, "q.bin").read_bytes()
    counts = b"<s>\t3\n<s> a\t2\na\t4\na b\t3\na b c\t2\nb\t3\nb c\t2\nc\t2\nc </s>\t2\n</s>\t3\n<s> a b\t2\n"
    vocab = b"<s>\n</s>\n<unk>\na\nb\nc\n"
    return {"arpa": arpa, "binary": model, "quantized": quantized, "counts": counts, "vocab": vocab}


SEEDS = _seeds()

# Tokens that break parsers: numbers out of range or not numbers, section markers, special words, odd bytes.
NASTY = [b"", b"-5", b"0", b"-0", b"nan", b"inf", b"-inf", b"1e309", b"-1e-320", b"18446744073709551617",
         b"9223372036854775808", b"99999999999", b"ngram", b"ngram 1=-5", b"ngram 9=1", b"\\data\\", b"\\end\\",
         b"\\1-grams:", b"\\3-grams:", b"\\9-grams:", b"<s>", b"</s>", b"<unk>", b"\t", b" ", b"=", b"\xff\xfe",
         b"\xe4\xb8", b"\x00", b"a b c d e f g h i j", b"\r\n"]


@st.composite
def text_mutation(draw, kind: str):
    """A mutated text file: a few line or token edits, or a truncation, of the kind's seed."""
    lines = SEEDS[kind].split(b"\n")
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["token", "delete", "duplicate", "swap", "insert", "bytes"]))
        at = draw(st.integers(0, len(lines) - 1))
        if op == "token":
            tokens = lines[at].split(b"\t" if b"\t" in lines[at] and draw(st.booleans()) else b" ")
            tokens[draw(st.integers(0, len(tokens) - 1))] = draw(st.sampled_from(NASTY))
            lines[at] = (b"\t" if b"\t" in lines[at] else b" ").join(tokens)
        elif op == "delete" and len(lines) > 1:
            del lines[at]
        elif op == "duplicate":
            lines.insert(at, lines[at])
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "insert":
            lines.insert(at, draw(st.sampled_from(NASTY)))
        elif op == "bytes":
            lines[at] = draw(st.binary(max_size=12))
    data = b"\n".join(lines)
    if draw(st.integers(0, 9)) == 0:
        data = data[:draw(st.integers(0, len(data)))]
    return data


# Values that probe the header's and tables' limits when written over a field.
NASTY_WORDS = [0, 1, 2, 3, 7, 8, 9, 63, 64, 255, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 63, 2 ** 64 - 1]


@st.composite
def binary_mutation(draw):
    """A mutated binary model (exact or quantised) with valid checksums: header fields and table words overwritten
    with limit values, byte ranges filled (a table with no empty bucket), bytes flipped, or the file cut or
    extended."""
    data = bytearray(SEEDS[draw(st.sampled_from(["binary", "quantized"]))])
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        op = draw(st.sampled_from(["word", "header-word", "fill", "flip", "resize"]))
        if op in ("word", "header-word"):
            size = draw(st.sampled_from([4, 8]))
            limit = binary._FIXED.size + binary._SECTION.size * 12 if op == "header-word" else len(data)
            at = draw(st.integers(0, max(limit // size - 1, 0))) * size
            value = draw(st.sampled_from(NASTY_WORDS)) % (1 << 8 * size)
            data[at:at + size] = value.to_bytes(size, "little")[:len(data) - at]
        elif op == "fill":
            start = draw(st.integers(0, len(data) - 1))
            end = draw(st.integers(start, min(len(data), start + 512)))
            data[start:end] = bytes([draw(st.sampled_from([0x00, 0xFF, 0x01, 0x80]))]) * (end - start)
        elif op == "flip":
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= 1 << draw(st.integers(0, 7))
        else:
            new_size = draw(st.integers(0, len(data) + 256))
            data = data[:new_size] + bytes(max(new_size - len(data), 0))
    return reseal(bytes(data))


def reseal(data: bytes) -> bytes:
    """`data` with the payload size and the three crc32 of the binary format recomputed (see its docstring)."""
    fixed = binary._FIXED
    if len(data) < fixed.size:
        return data
    n_sections = struct.unpack_from("<I", data, 20)[0]
    table_end = fixed.size + binary._SECTION.size * n_sections
    header_size = -(-(table_end + 4) // binary.ALIGN) * binary.ALIGN
    if n_sections > 64 or len(data) < header_size:
        return data
    out = bytearray(data)
    payload = data[header_size:]
    # magic, version, order, flags, sections, vocabulary size: then payload size, its crc32, its sample's crc32
    struct.pack_into("<QII", out, struct.calcsize("<8sIIIIQ"), len(payload), zlib.crc32(payload),
                     binary._sample_crc(payload))
    struct.pack_into("<I", out, table_end, zlib.crc32(bytes(out[:table_end])))
    return bytes(out)


def run_batch(kind: str, files: list[bytes]) -> None:
    """Write the files, use them in one worker, and fail naming the case on a crash, a hang or a traceback."""
    with tempfile.TemporaryDirectory() as folder:
        suffix = {"arpa": ".arpa", "binary": ".bin", "counts": ".counts", "vocab": ".vocab"}[kind]
        paths = []
        for i, data in enumerate(files):
            paths.append(os.path.join(folder, f"case{i}{suffix}"))
            Path(paths[-1]).write_bytes(data)
        limit = 10 + 0.2 * len(files)
        try:
            result = subprocess.run([sys.executable, "-c", WORKER, kind], input=json.dumps(paths), cwd=REPO,
                                    capture_output=True, text=True, timeout=limit,
                                    env={**os.environ, "PYTHONFAULTHANDLER": "1"})
            lines, status = result.stdout.splitlines(), result.returncode
        except subprocess.TimeoutExpired as expired:
            lines, status = (expired.stdout or b"").decode().splitlines(), f"a hang (over {limit:.0f} s)"
            result = None
        started = [int(line.split()[1]) for line in lines if line.startswith("start")]
        case = started[-1] if started else 0
        if status != 0:
            stderr = result.stderr[-1500:] if result is not None else ""
            pytest.fail(f"{kind} case {case} gave {status if isinstance(status, str) else f'exit {status}'}; "
                        f"the file:\n{files[case]!r}\n{stderr}")
        for line in lines:
            if line.startswith(("traceback", "multiline")):
                case = int(line.split()[1])
                detail = json.loads(line.split(" ", 2)[2]) if line.startswith("traceback") else ""
                pytest.fail(f"{kind} case {case} gave a {line.split()[0]} error; the file:\n{files[case]!r}\n{detail}")
        assert sum(line.startswith(("ok", "refused")) for line in lines) == len(files)


@FUZZ_SETTINGS
@given(st.lists(text_mutation("arpa"), min_size=BATCH_SIZE, max_size=BATCH_SIZE))
def test_mutated_arpa_files_are_used_or_refused_cleanly(files):
    run_batch("arpa", files)


@FUZZ_SETTINGS
@given(st.lists(binary_mutation(), min_size=BATCH_SIZE, max_size=BATCH_SIZE))
def test_mutated_binary_files_with_valid_checksums_are_used_or_refused_cleanly(files):
    run_batch("binary", files)


@FUZZ_SETTINGS
@given(st.lists(text_mutation("counts"), min_size=BATCH_SIZE, max_size=BATCH_SIZE))
def test_mutated_count_files_are_used_or_refused_cleanly(files):
    run_batch("counts", files)


@FUZZ_SETTINGS
@given(st.lists(text_mutation("vocab"), min_size=BATCH_SIZE, max_size=BATCH_SIZE))
def test_mutated_vocabulary_files_are_used_or_refused_cleanly(files):
    run_batch("vocab", files)


def test_reseal_makes_a_mutated_file_pass_the_checksums(tmp_path):
    """The fuzzer's premise: a resealed file reaches the structure checks (here: a vocabulary table filled with
    0xFF, so no empty bucket, refused by them and not by a checksum)."""
    from ngramlm.core.errors import InputError
    data = bytearray(SEEDS["binary"])
    rows = [binary._SECTION.unpack_from(data, binary._FIXED.size + i * binary._SECTION.size) for i in range(2)]
    offset, nbytes, _ = rows[1]
    data[offset:offset + nbytes] = b"\xff" * nbytes
    path = tmp_path / "resealed.bin"
    path.write_bytes(reseal(bytes(data)))
    with pytest.raises(InputError, match="empty bucket"):
        binary.load_binary(str(path))
