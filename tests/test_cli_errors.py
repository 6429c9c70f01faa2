"""The command line's error boundary: whatever stops a command (a bad file, a full disk, a folder as output, no
memory, a corrupt compressed input, a number out of range) ends it with one line `prog: error: FILE: what
happened` and a non-zero status, never a traceback (unless NGRAMLM_DEBUG=1); outputs are checked before the work.
"""
from __future__ import annotations

import errno
import importlib
import lzma
import os
import re
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.cli import main as ngramlm_main
from ngramlm.cli.build_binary import build_binary
from ngramlm.cli.common import report_errors
from ngramlm.cli.ngram import main as ngram
from ngramlm.cli.ngram_count import main as ngram_count
from ngramlm.cli.train import train

TEXT = "a b c\nb c a\na a b c d\nc d a b\n"


def run(command, args, prog):
    """Run a command in this process as its program would; (status, standard error)."""
    result = CliRunner().invoke(command, args, prog_name=prog)
    return result.exit_code, result.stderr if hasattr(result, "stderr") else result.output


def assert_one_line_error(status, stderr, prog, *needles):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert status == 1, stderr
    assert "Traceback" not in stderr
    errors = [line for line in lines if line.startswith(f"{prog}: error: ")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], stderr


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "train.txt").write_text(TEXT)
    data = bytearray(lzma.compress(TEXT.encode() * 50))
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "corrupt.txt.xz").write_bytes(bytes(data))
    (tmp_path / "a-folder").mkdir()
    return tmp_path


def all_commands():
    """(name, command) of every command: each program setup.py installs, groups walked (ngramlm's subcommands)."""
    setup = (Path(__file__).resolve().parent.parent / "setup.py").read_text()
    programs = re.findall(r'"([\w-]+) = (ngramlm\.cli\.\w+):(\w+)"', setup)
    assert {"ngram", "ngram-count", "ngramlm"} <= {program for program, _, _ in programs}
    stack = [(program, getattr(importlib.import_module(module), name)) for program, module, name in programs]
    found = []
    context = click.Context(ngramlm_main.cli)
    while stack:
        name, command = stack.pop()
        if isinstance(command, click.Group):
            stack += [(f"{name} {sub}", command.get_command(context, sub)) for sub in command.list_commands(context)]
        else:
            found.append((name, command))
    return found


def test_every_command_runs_inside_the_error_boundary():
    commands = all_commands()
    assert len(commands) > 20
    missing = [name for name, command in commands if not getattr(command.callback, "reports_errors", False)]
    assert missing == []


@report_errors
def _raise(exc):
    raise exc


def _array_memory_error():
    try:
        np.empty(1 << 50, dtype=np.uint8)  # a petabyte: numpy's ArrayMemoryError
    except MemoryError as exc:
        return exc
    pytest.skip("this machine allocated a petabyte")


@pytest.mark.parametrize("make, needles", [
    (lambda: OSError(errno.ENOSPC, "No space left on device", "out.arpa"), ["out.arpa: No space left on device"]),
    (lambda: PermissionError(errno.EACCES, "Permission denied", "/x"), ["/x: Permission denied"]),
    (lambda: MemoryError(), ["out of memory"]),
    (_array_memory_error, ["out of memory (Unable to allocate"]),
    (lambda: RuntimeError("can't start new thread"), ["out of memory"]),
    (lambda: lzma.LZMAError("Corrupt input data"), ["Corrupt input data", "corrupt"]),
    (lambda: EOFError("Compressed file ended before the end-of-stream marker was reached"), ["truncated"]),
    (lambda: OverflowError("cannot convert float infinity to integer"), ["out of range"]),
    (lambda: KeyError("x"), ["internal error: KeyError", "NGRAMLM_DEBUG=1"]),
])
def test_the_boundary_turns_each_failure_into_one_line(make, needles):
    command = click.command()(lambda: _raise(make()))
    status, stderr = run(command, [], "prog")
    assert_one_line_error(status, stderr, "prog", *needles)


def test_the_traceback_shows_with_ngramlm_debug(monkeypatch):
    monkeypatch.setenv("NGRAMLM_DEBUG", "1")
    result = CliRunner().invoke(click.command()(lambda: _raise(KeyError("x"))), [])
    assert isinstance(result.exception, KeyError)


def test_a_corrupt_xz_input_is_one_line_naming_the_file(folder):
    os.chdir(folder)
    status, stderr = run(ngram_count, ["-text", "corrupt.txt.xz", "-order", "2", "-write", "counts"], "ngram-count")
    assert_one_line_error(status, stderr, "ngram-count", "corrupt.txt.xz")
    status, stderr = run(train, ["-o", "2", "--text", "corrupt.txt.xz", "--arpa", "lm.arpa", "-q"], "ngramlm")
    assert_one_line_error(status, stderr, "ngramlm", "corrupt.txt.xz")
    (folder / "lm.arpa.xz").write_bytes((folder / "corrupt.txt.xz").read_bytes())
    status, stderr = run(ngram, ["-lm", "lm.arpa.xz", "-ppl", "train.txt"], "ngram")
    assert_one_line_error(status, stderr, "ngram", "lm.arpa.xz")


@pytest.mark.parametrize("prog, command, args", [
    ("ngram-count", ngram_count, ["-text", "corrupt.txt.xz", "-order", "2", "-lm", "a-folder"]),
    ("ngram-count", ngram_count, ["-text", "corrupt.txt.xz", "-order", "2", "-write2", "a-folder"]),
    ("ngramlm", train, ["-o", "2", "--text", "corrupt.txt.xz", "--arpa", "a-folder"]),
    ("ngramlm", ngramlm_main.cli, ["count", "--text", "corrupt.txt.xz", "--write", "a-folder"]),
    ("ngram", ngram, ["-lm", "corrupt.txt.xz", "-write-lm", "a-folder"]),
    ("ngram", ngram, ["-lm", "corrupt.txt.xz", "-write-vocab", "no-such-folder/vocab"]),
    ("ngramlm", ngramlm_main.cli, ["prune", "corrupt.txt.xz", "no-such-folder/pruned.arpa", "--threshold", "1e-7"]),
    ("ngramlm", ngramlm_main.cli, ["mix", "corrupt.txt.xz", "corrupt.txt.xz", "-o", "no-such-folder/mix.arpa"]),
])
def test_outputs_are_checked_before_the_work(folder, prog, command, args):
    # The input is corrupt: an error naming the output shows that the output was checked first.
    os.chdir(folder)
    status, stderr = run(command, args, prog)
    output = "a-folder" if "a-folder" in args else next(a for a in args if a.startswith("no-such-folder"))
    assert_one_line_error(status, stderr, prog, output)
    assert "corrupt" not in stderr


@pytest.mark.parametrize("value", ["inf", "nan", "1", "-3"])
def test_build_binary_rejects_a_probing_multiplier_that_is_not_above_one(folder, value):
    os.chdir(folder)
    run(train, ["-o", "2", "--text", "train.txt", "--arpa", "lm.arpa", "-q"], "ngramlm")
    result = CliRunner().invoke(build_binary, ["-p", value, "lm.arpa", "lm.bin"])
    assert result.exit_code == 2 and "above 1" in result.output and result.exception is not None
    assert not (folder / "lm.bin").exists()


def test_build_binary_with_a_huge_probing_multiplier_is_out_of_memory(folder):
    os.chdir(folder)
    run(train, ["-o", "2", "--text", "train.txt", "--arpa", "lm.arpa", "-q", "--discount-fallback"], "ngramlm")
    status, stderr = run(build_binary, ["-p", "1e15", "lm.arpa", "lm.bin"], "ngramlm")
    assert_one_line_error(status, stderr, "ngramlm", "out of memory")


def test_a_count_above_2_to_the_63_is_an_error_naming_file_and_line(folder):
    os.chdir(folder)
    (folder / "big.counts").write_text("a\t5\na b\t9223372036854775808\n")
    status, stderr = run(ngram_count, ["-read", "big.counts", "-order", "2", "-write", "-"], "ngram-count")
    assert_one_line_error(status, stderr, "ngram-count", "big.counts:2", "9223372036854775808")
    (folder / "max.counts").write_text("a\t5\na b\t9223372036854775807\n")
    result = CliRunner().invoke(ngram_count, ["-read", "max.counts", "-order", "2", "-write", "-"])
    assert result.exit_code == 0 and "a b\t9223372036854775807" in result.output


@pytest.mark.parametrize("count", ["-3", "nan", "inf"])
def test_ngram_counts_rejects_a_count_that_is_not_a_finite_nonnegative_number(folder, count):
    os.chdir(folder)
    run(train, ["-o", "2", "--text", "train.txt", "--arpa", "lm.arpa", "-q", "--discount-fallback"], "ngramlm")
    (folder / "test.counts").write_text(f"a b\t2\nb c\t{count}\n")
    status, stderr = run(ngram, ["-lm", "lm.arpa", "-counts", "test.counts"], "ngram")
    assert_one_line_error(status, stderr, "ngram", "test.counts:2", count)


def _run_limited(args, folder, limit, amount):
    """Run a program of the toolkit in a subprocess under a resource limit set once its modules are loaded."""
    script = textwrap.dedent(f"""
        import resource, signal, sys, faulthandler
        faulthandler.dump_traceback_later(45, exit=True)  # a hang shows where
        from ngramlm.cli.main import cli
        from ngramlm.cli.ngram_count import main as ngram_count
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file over the size limit fails with EFBIG, as a full disk
        limit = {amount}
        if {limit} == resource.RLIMIT_AS:
            limit += int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
        resource.setrlimit({limit}, (limit, limit))
        program, args = sys.argv[1], sys.argv[2:]
        (ngram_count if program == "ngram-count" else cli)(args, prog_name=program)
    """)
    return subprocess.run([sys.executable, "-c", script, *args], cwd=folder, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("args", [
    ["ngram-count", "-text", "train.txt", "-order", "3", "-lm", "out.arpa"],
    ["ngramlm", "train", "-o", "3", "--text", "train.txt", "--arpa", "out.arpa", "-q", "--discount-fallback"],
    ["ngramlm", "build-binary", "model.arpa", "out.arpa"],
])
def test_a_full_disk_is_one_line_and_leaves_the_old_output_and_nothing_else(folder, args):
    (folder / "train.txt").write_text(TEXT * 200)
    run(train, ["-o", "3", "--text", str(folder / "train.txt"), "--arpa", str(folder / "model.arpa"), "-q",
                "--discount-fallback"], "ngramlm")
    (folder / "out.arpa").write_text("the old model\n")
    before = sorted(os.listdir(folder))
    done = _run_limited(args, folder, resource.RLIMIT_FSIZE, 200)
    assert_one_line_error(done.returncode, done.stderr, args[0], "out.arpa", "cannot write")
    assert (folder / "out.arpa").read_text() == "the old model\n"
    assert sorted(os.listdir(folder)) == before


def test_out_of_memory_is_one_line(folder):
    # 32 MB above what the loaded program uses: counting this text needs more, in arrays of megabytes, and
    # the interpreter keeps room to report it (at a few MB CPython itself can loop forever failing to allocate).
    (folder / "train.txt").write_text("".join(f"w{i} w{i * 7 % 1000} x{i % 13} y{i % 9973} z{i}\n"
                                              for i in range(150_000)))
    done = _run_limited(["ngram-count", "-text", "train.txt", "-order", "3", "-write", "/dev/null"], folder,
                        resource.RLIMIT_AS, 32 << 20)
    assert_one_line_error(done.returncode, done.stderr, "ngram-count", "out of memory")


def test_a_closed_pipe_ends_quietly(folder):
    (folder / "train.txt").write_text("".join(f"w{i} w{i * 7 % 1000}\n" for i in range(100_000)))
    script = "from ngramlm.cli.ngram_count import main; main(prog_name='ngram-count')"
    reader = subprocess.Popen([sys.executable, "-c", script, "-text", "train.txt", "-order", "3", "-write", "-"],
                              cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.read(10)
    reader.stdout.close()
    stderr = reader.stderr.read().decode()
    assert reader.wait(timeout=60) in (141, -signal.SIGPIPE) and "Traceback" not in stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [
    ["ngram-count", "-text", "train.txt", "-order", "2", "-write", "-"],
    ["ngramlm", "train", "-o", "2", "--text", "train.txt", "-q", "--discount-fallback"],
])
def test_a_full_standard_output_is_one_line(folder, args):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-c", "import sys; from ngramlm.cli.main import cli; from "
                               "ngramlm.cli.ngram_count import main; (main if sys.argv[1] == 'ngram-count' else cli)"
                               "(sys.argv[2:], prog_name=sys.argv[1])", *args], cwd=folder, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert_one_line_error(done.returncode, done.stderr, args[0], "No space left on device")


def test_a_warning_no_command_words_itself_is_one_line_without_python_places(tmp_path):
    # Kneser-Ney discounts of a three-line text cannot be estimated: `ngramlm classes train` carries on with the
    # fallback discounts, and says so in one line per order, not in Python's "file.py:159: Category: ..." form.
    text, classes = tmp_path / "t.txt", tmp_path / "c.txt"
    text.write_text("a b c\na b\na\n")
    classes.write_text("a x\nb y\n")
    status, stderr = run(ngramlm_main.cli, ["classes", "train", str(text), "-c", str(classes), "-o",
                                        str(tmp_path / "m.arpa")], "ngramlm")
    assert status == 0
    lines = [line for line in stderr.splitlines() if "warning" in line]
    assert lines and all(line.startswith("ngramlm: warning: Could not calculate Kneser-Ney discounts")
                         for line in lines)
    assert ".py:" not in stderr
