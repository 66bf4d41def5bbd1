"""One writer per results folder: an exclusive lock file held for the run's life.

The lock is a kernel lock (``flock``) on ``OUT/.snnrl.lock``, so it is released whatever way the process
ends, even by SIGKILL; the file records who holds it (PID, host, start time) so that a second writer
is told which run owns the folder. A lock file left by a process that died without removing it is
stale: it is reported (StaleLockWarning) and taken over.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".snnrl.lock"


class FolderLockedError(FileExistsError):
    """Another live process writes into this results folder."""


class StaleLockWarning(UserWarning):
    """A lock file left by a process that ended without releasing it."""


def _holder(descriptor: int) -> dict:
    os.lseek(descriptor, 0, os.SEEK_SET)
    text = os.read(descriptor, 4096).decode(errors="replace")
    try:
        holder = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return holder if isinstance(holder, dict) else {}


def _describe(holder: dict) -> str:
    if not holder:
        return "an unknown process (the lock file holds no owner yet)"
    return f"PID {holder.get('pid')} on host {holder.get('host')} (started {holder.get('started')})"


def _acquire(path: Path) -> int:
    """Open and flock ``path``; retry if the file was replaced between open and flock. Returns the fd."""
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            raise FolderLockedError(
                f"--out {path.parent} is in use by another run: {_describe(holder)} holds {path}; wait until it "
                "ends, or choose another --out"
            ) from None
        try:
            same_file = os.stat(path).st_ino == os.fstat(descriptor).st_ino
        except FileNotFoundError:
            same_file = False
        if same_file:
            return descriptor
        os.close(descriptor)  # the previous holder removed the file while we opened it: lock the new one


@contextmanager
def folder_lock(folder: Path) -> Iterator[dict]:
    """Hold ``folder``'s lock inside the block (creates the folder); yields the holder record (pid,
    host, started). FolderLockedError naming the holder if a live process holds it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    descriptor = _acquire(path)
    try:
        previous = _holder(descriptor)
        if previous:
            warnings.warn(
                StaleLockWarning(
                    f"{path} was left by {_describe(previous)}, which ended without releasing it (killed?); "
                    "taking the folder over"
                ),
                stacklevel=3,
            )
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(holder).encode(), 0)
        os.fsync(descriptor)
        yield holder
    finally:
        path.unlink(missing_ok=True)
        os.close(descriptor)
