"""Progress a user can read: a bar with percentage, rate and time left on standard error when it is a terminal,
nothing otherwise or with -q; -v/--verbose logs each stage and its time through the logging module."""
from __future__ import annotations

import fcntl
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


def _train(folder, *flags, terminal):
    """`ngramlm [flags] train` on a small text, standard error on a pseudo-terminal or a pipe; what it shows."""
    (folder / "train.txt").write_text("".join(f"w{i % 97} w{i % 89} w{i % 83}\n" for i in range(3000)))
    command = [sys.executable, "-c", "from ngramlm.cli.main import cli; cli(prog_name='ngramlm')", *flags,
               "train", "-o", "3", "--text", "train.txt", "--arpa", "lm.arpa", "--discount-fallback"]
    if not terminal:
        return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=60).stderr
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
    assert process.wait(timeout=60) == 0
    return shown.decode()


def test_training_on_a_terminal_draws_bars_and_not_elsewhere(tmp_path):
    shown = _train(tmp_path, terminal=True)
    assert "estimating: 100%" in shown and "n-grams/s" in shown
    assert "%|" not in _train(tmp_path, terminal=False)


def test_verbose_logs_the_stages_through_logging(tmp_path):
    shown = _train(tmp_path, "-v", terminal=False)
    assert re.search(r"ngramlm INFO: counting: [\d,]+ tokens in", shown)
    assert re.search(r"ngramlm INFO: estimating: [\d,]+ n-grams in", shown)
    assert "INFO" not in _train(tmp_path, terminal=False)
