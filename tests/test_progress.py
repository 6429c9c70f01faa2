"""Progress a user can read: a bar with percentage, rate and time left on standard error when it is a terminal,
nothing otherwise or with -q; -v/--verbose logs each stage and its time through the logging module."""
from __future__ import annotations

import fcntl
import gzip
import io
import logging
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest

from ngramlm.core.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_bar_on_a_terminal_shows_percentage_rate_and_time_left():
    stream = Terminal()
    with Progress("estimating", unit="n-grams", total=1000, stream=stream, interval=0) as progress:
        for _ in range(4):
            progress.update(250)
    shown = stream.getvalue()
    assert "estimating" in shown and "100%" in shown
    assert re.search(r"n-grams/s", shown)  # the rate
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", shown)  # elapsed < time left


def test_without_a_total_the_bar_counts_with_a_rate():
    stream = Terminal()
    with Progress("counting", unit="tokens", stream=stream, interval=0) as progress:
        progress.update(1_500_000)
    assert "1.50M" in stream.getvalue() and "tokens/s" in stream.getvalue()


@pytest.mark.parametrize("stream, quiet", [(io.StringIO(), False), (Terminal(), True)])
def test_nothing_is_drawn_off_a_terminal_or_when_quiet(stream, quiet):
    with Progress("counting", unit="tokens", total=10, stream=stream, quiet=quiet) as progress:
        progress.update(10)
    assert stream.getvalue() == "" and progress.done == 10


def test_each_finished_stage_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="ngramlm"):
        with Progress("sorting", unit="windows", stream=io.StringIO()) as progress:
            progress.update(1234)
    assert any("sorting: 1,234 windows in" in record.getMessage() for record in caplog.records)


def _run(folder, program, *arguments, terminal=True):
    """`program arguments` (ngramlm, ngram or ngram-count) in `folder`, standard error on a pseudo-terminal or a
    pipe; what it shows there."""
    entry = {"ngramlm": "ngramlm.cli.main:cli", "ngram": "ngramlm.cli.ngram:main",
             "ngram-count": "ngramlm.cli.ngram_count:main"}[program]
    module, function = entry.split(":")
    command = [sys.executable, "-c", f"from {module} import {function}; {function}(prog_name='{program}')",
               *arguments]
    if not terminal:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stderr
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(command, cwd=folder, stderr=child, stdout=subprocess.DEVNULL)
    os.close(child)
    shown = b""
    while True:
        try:
            data = os.read(main, 1 << 16)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        shown += data
    os.close(main)
    assert process.wait(timeout=60) == 0, shown.decode(errors="replace")
    return shown.decode()


def _text(folder):
    (folder / "train.txt").write_text("".join(f"w{i % 97} w{i % 89} w{i % 83}\n" for i in range(3000)))


def _train(folder, *flags, terminal):
    """`ngramlm [flags] train` on a small text, standard error on a pseudo-terminal or a pipe; what it shows."""
    _text(folder)
    return _run(folder, "ngramlm", *flags, "train", "-o", "3", "--text", "train.txt", "--arpa", "lm.arpa",
                "--discount-fallback", terminal=terminal)


def _finished(shown: str, label: str) -> bool:
    """Whether a bar labelled `label` reached 100% (tqdm draws `label: 100%|...`)."""
    return re.search(re.escape(label) + r": 100%\|", shown) is not None


def test_training_on_a_terminal_draws_bars_and_not_elsewhere(tmp_path):
    shown = _train(tmp_path, terminal=True)
    assert _finished(shown, "counting") and "B/s" in shown  # the text's bytes
    assert "estimating: 100%" in shown and "n-grams/s" in shown
    assert "%|" not in _train(tmp_path, terminal=False)


def test_verbose_logs_the_stages_through_logging(tmp_path):
    shown = _train(tmp_path, "-v", terminal=False)
    assert re.search(r"ngramlm INFO: counting: [\d,]+ bytes in", shown)
    assert re.search(r"ngramlm INFO: estimating: [\d,]+ n-grams in", shown)
    assert "INFO" not in _train(tmp_path, terminal=False)


def test_srilm_commands_show_reading_writing_loading_and_scoring_to_100_percent(tmp_path):
    _text(tmp_path)
    shown = _run(tmp_path, "ngram-count", "-text", "train.txt", "-order", "3", "-write", "c.txt", "-lm", "lm.arpa")
    assert _finished(shown, "counting") and _finished(shown, "writing c.txt") and _finished(shown, "writing lm.arpa")
    shown = _run(tmp_path, "ngram-count", "-read", "c.txt", "-read", "c.txt", "-write", "twice.txt")
    assert _finished(shown, "reading c.txt") and _finished(shown, "writing twice.txt")
    with open(tmp_path / "lm.arpa", "rb") as plain, gzip.open(tmp_path / "lm.arpa.gz", "wb") as packed:
        packed.write(plain.read())
    # blank lines at the end: the scoring bar still ends at 100%
    (tmp_path / "test.txt").write_text("w1 w2 w3\n" * 20000 + "\n\n")
    shown = _run(tmp_path, "ngram", "-lm", "lm.arpa.gz", "-ppl", "test.txt", "-write-lm", "out.arpa")
    assert _finished(shown, "loading lm.arpa.gz") and _finished(shown, "scoring test.txt")
    assert _finished(shown, "writing out.arpa") and "lines/s" in shown
    shown = _run(tmp_path, "ngramlm", "eval", "lm.arpa", "test.txt")
    assert _finished(shown, "loading lm.arpa") and _finished(shown, "scoring test.txt")


def test_quiet_silences_the_bars(tmp_path):
    _text(tmp_path)
    runs = [("ngram-count", "-text", "train.txt", "-order", "3", "-write", "c.txt", "-lm", "lm.arpa", "-q"),
            ("ngram", "-lm", "lm.arpa", "-ppl", "train.txt", "-write-lm", "out.arpa", "-q"),
            ("ngramlm", "eval", "lm.arpa", "train.txt", "-q"),
            ("ngramlm", "count", "--text", "train.txt", "--read", "c.txt", "--write", "c2.txt", "-q"),
            ("ngramlm", "build-binary", "lm.arpa", "lm.bin", "-q")]
    for program, *arguments in runs:
        assert "%|" not in _run(tmp_path, program, *arguments), program
