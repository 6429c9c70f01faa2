"""Working folders in the temporary folder (counts on disk, sorted runs) that a killed run does not leave behind.

A folder is named `<prefix><process id>-<random>` and holds a lock (flock on a file inside it) for as long as the
process that made it lives; the next run that makes a folder of the same prefix removes every folder whose lock
it can take and whose process is gone (killed, crashed, out of memory). Both must hold: the lock, since a process
id is reused and is not unique across containers sharing one temporary folder; the process id, since a run holds
its lock only a moment after making its folder.

In:  a name prefix ("ngramlm-counts-") and a parent folder (the system's temporary folder by default).
Out: the path of a new, empty, locked folder (make_work_folder); its removal (remove_work_folder).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile

_LOCK_NAME = ".owner.lock"
_held: dict[str, int] = {}  # folder -> descriptor of its lock file, open for as long as the folder is in use


def make_work_folder(prefix: str, parent: str | None = None) -> str:
    """A new folder `<prefix><pid>-XXXX` in `parent`, locked by this process; stale folders of `prefix` go first."""
    parent = parent or tempfile.gettempdir()
    remove_stale_folders(prefix, parent)
    folder = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent)
    fd = os.open(os.path.join(folder, _LOCK_NAME), os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _held[folder] = fd
    return folder


def remove_work_folder(folder: str) -> None:
    """Remove a folder made by make_work_folder, with everything in it, and release its lock."""
    shutil.rmtree(folder, ignore_errors=True)
    fd = _held.pop(folder, None)
    if fd is not None:
        os.close(fd)


def remove_stale_folders(prefix: str, parent: str) -> list[str]:
    """Remove the folders `<prefix><pid>-*` in `parent` that are ours and whose owner has gone; return them."""
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in names:
        stamp = name[len(prefix):].split("-", 1)[0]
        folder = os.path.join(parent, name)
        if name.startswith(prefix) and stamp.isdigit() and not _running(int(stamp)) and _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    """Whether process `pid` exists here (a run between making its folder and locking it is not abandoned)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _abandoned(folder: str) -> bool:
    """Whether `folder` is a working folder of this user whose lock nobody holds."""
    try:
        if os.lstat(folder).st_uid != os.getuid():
            return False
        fd = os.open(os.path.join(folder, _LOCK_NAME), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False  # not a folder of ours, or not yet locked by a run that is starting
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
