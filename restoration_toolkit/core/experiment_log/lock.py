"""The exclusive lock every writer of the experiment log takes (``experiments.md.lock``).

``filelock`` is used when it can be imported (the command line, farm jobs). Inside Nuke, whose
Python offers only the standard library and PyYAML to the toolkit, the same operating-system
lock is taken directly: ``fcntl.flock`` on the whole lock file on Unix, a lock on its first
byte (``msvcrt.locking``) on Windows — the primitives filelock itself uses — so a Nuke
session and a farm job still exclude each other. The lock file stays in place.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Iterator

try:  # Unix
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

POLL_S = 0.05


class LockTimeout(Exception):
    """Another process held the lock for longer than the timeout."""


@contextlib.contextmanager
def exclusive_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the lock on ``path`` (created when missing) for the ``with`` block."""
    try:
        from filelock import FileLock, Timeout
    except ImportError:
        with _os_lock(path, timeout):
            yield
        return
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise LockTimeout(str(path)) from None
    try:
        yield
    finally:
        lock.release()


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError on Unix, PermissionError (EACCES) on Windows
        return False
    return True


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def _os_lock(path: Path, timeout: float) -> Iterator[None]:
    fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockTimeout(str(path))
            time.sleep(POLL_S)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
