"""Nothing left behind: outputs written through an unnamed temporary file (Linux O_TMPFILE) that takes its name
only when complete, so that a failed or killed run leaves neither a half-written output nor a temporary file;
working folders stamped with the process id and removed by the next run once their process is gone.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from ngramlm.core import io
from ngramlm.core.errors import OutputError
from ngramlm.core.io import atomic_write, check_output
from ngramlm.core.workdir import make_work_folder, remove_stale_folders, remove_work_folder

UNNAMED = sys.platform.startswith("linux") and hasattr(os, "O_TMPFILE")


def unnamed_files_work(folder) -> bool:
    fd = io._unnamed_file(str(folder))
    if fd is None:
        return False
    os.close(fd)
    return True


@pytest.fixture(params=["unnamed", "named"])
def way(request, monkeypatch, tmp_path):
    """Both ways of writing: the unnamed file where the platform has it, and the fallback (a hidden named file)."""
    if request.param == "unnamed" and not (UNNAMED and unnamed_files_work(tmp_path)):
        pytest.skip("no O_TMPFILE here")
    if request.param == "named":
        monkeypatch.setattr(io, "_unnamed_file", lambda folder: None)
    return request.param


@pytest.mark.parametrize("name, reader", [("out.txt", open), ("out.txt.gz", gzip.open), ("out.txt.bz2", bz2.open),
                                          ("out.txt.xz", lzma.open)])
def test_the_output_appears_complete_with_the_usual_permissions(tmp_path, way, name, reader):
    path = tmp_path / name
    mask = os.umask(0o027)
    try:
        with atomic_write(str(path)) as f:
            f.write("one line\n")
            assert not path.exists()  # nothing under its name until the block completes
    finally:
        os.umask(mask)
    with reader(path, "rt") as f:
        assert f.read() == "one line\n"
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == [name]


def test_an_existing_output_is_replaced_only_when_the_new_one_is_complete(tmp_path, way):
    path = tmp_path / "model.arpa"
    path.write_text("old\n")
    with pytest.raises(KeyError):
        with atomic_write(str(path)) as f:
            f.write("new, half written\n")
            raise KeyError("stopped")
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["model.arpa"]
    with atomic_write(str(path), "wb") as f:
        f.write(b"new\n")
    assert path.read_text() == "new\n" and os.listdir(tmp_path) == ["model.arpa"]


def test_a_folder_as_output_is_an_output_error_naming_it(tmp_path, way):
    (tmp_path / "models").mkdir()
    with pytest.raises(OutputError, match="models: is a folder"):
        with atomic_write(str(tmp_path / "models")) as f:
            f.write("x")
    assert os.listdir(tmp_path) == ["models"]


def test_check_output_finds_what_cannot_be_written_before_the_work(tmp_path):
    (tmp_path / "models").mkdir()
    check_output("-")
    check_output(str(tmp_path / "model.arpa"))
    with pytest.raises(OutputError, match="is a folder"):
        check_output(str(tmp_path / "models"))
    with pytest.raises(OutputError, match="does not exist"):
        check_output(str(tmp_path / "missing" / "model.arpa"))
    if os.geteuid() != 0:  # root may write anywhere
        (tmp_path / "locked").mkdir(mode=0o500)
        with pytest.raises(OutputError, match="permission denied"):
            check_output(str(tmp_path / "locked" / "model.arpa"))


@pytest.mark.skipif(not UNNAMED, reason="needs Linux's O_TMPFILE")
def test_a_killed_writer_leaves_nothing_behind(tmp_path):
    if not unnamed_files_work(tmp_path):
        pytest.skip("this file system has no O_TMPFILE")
    script = textwrap.dedent("""
        import os, signal, sys
        from ngramlm.core.io import atomic_write
        with atomic_write(sys.argv[1]) as f:
            f.write("x" * 1_000_000)
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "model.arpa")], timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert os.listdir(tmp_path) == []


def test_a_working_folder_of_a_killed_run_is_removed_by_the_next_run(tmp_path):
    script = textwrap.dedent("""
        import os, signal, sys
        from ngramlm.core.workdir import make_work_folder
        folder = make_work_folder("ngramlm-counts-", sys.argv[1])
        open(os.path.join(folder, "1-grams"), "wb").write(b"x" * 1000)
        print(folder, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    killed = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    stale = killed.communicate(timeout=60)[0].strip()
    assert os.path.basename(stale).startswith(f"ngramlm-counts-{killed.pid}-") and os.path.isdir(stale)
    mine = make_work_folder("ngramlm-counts-", str(tmp_path))
    try:
        assert os.path.basename(mine).startswith(f"ngramlm-counts-{os.getpid()}-")
        assert not os.path.exists(stale)
        assert sorted(os.listdir(tmp_path)) == [os.path.basename(mine)]
    finally:
        remove_work_folder(mine)
    assert os.listdir(tmp_path) == []


def test_a_working_folder_in_use_is_kept(tmp_path):
    script = textwrap.dedent("""
        import sys
        from ngramlm.core.workdir import make_work_folder
        print(make_work_folder("ngramlm-counts-", sys.argv[1]), flush=True)
        sys.stdin.read()
    """)
    other = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        theirs = other.stdout.readline().strip()
        mine = make_work_folder("ngramlm-counts-", str(tmp_path))
        assert remove_stale_folders("ngramlm-counts-", str(tmp_path)) == []
        assert os.path.isdir(theirs) and os.path.isdir(mine)
        remove_work_folder(mine)
    finally:
        other.communicate("", timeout=60)
    assert os.path.isdir(theirs)  # the other run did not remove its folder itself; the next run will
    assert remove_stale_folders("ngramlm-counts-", str(tmp_path)) == [theirs]
