"""Stopping cleanly: SIGTERM and SIGINT end a run the same way, children included.

``rtk`` turns SIGTERM (what ``kill``, a farm's cancel and a closing terminal send) into the
same ``KeyboardInterrupt`` as Ctrl-C, so every ``finally`` runs: a half-written frame's
hidden temporary file is removed, a temporary folder goes. Whoever starts child processes
stops them on the way out (:func:`stop_process`, :func:`stop_pool`); a worker process that
is told to stop raises in its own turn (:func:`worker_signals`), so it cleans up too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator

STOP_GRACE_S = 10.0


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, like Ctrl-C's KeyboardInterrupt."""


def _raise_terminated(signum: int, _frame: Any) -> None:
    raise Terminated(f"signal {signum}")


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` in the main thread (restored after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_busy = False  # in a worker process: inside call_in_worker


def _worker_terminated(signum: int, _frame: Any) -> None:
    if _busy:
        raise Terminated(f"signal {signum}")  # unwinds the job: its finally blocks clean up
    os._exit(128 + signum)  # idle: nothing to clean


def worker_signals() -> None:
    """Initializer of a pool's worker process: SIGTERM from the parent ends the job it runs
    through its ``finally`` blocks (a half-written frame's temporary file goes) and then the
    process; Ctrl-C is left to the parent, which stops the workers itself."""
    signal.signal(signal.SIGTERM, _worker_terminated)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def call_in_worker(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` in a worker set up by :func:`worker_signals`; a stop request ends
    the worker process (a pool would otherwise go on to its next job)."""
    global _busy
    _busy = True
    try:
        return fn(*args)
    except KeyboardInterrupt:
        os._exit(128 + signal.SIGTERM)
    finally:
        _busy = False


def stop_process(proc: subprocess.Popen[Any], *, group: bool = False) -> None:
    """Ask ``proc`` (its whole process group with ``group``) to stop with SIGTERM; kill it
    if it is still there after ``STOP_GRACE_S``."""
    if proc.poll() is not None:
        return
    _signal(proc, signal.SIGTERM, group)
    try:
        proc.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        _signal(proc, getattr(signal, "SIGKILL", signal.SIGTERM), group)
        proc.wait()


def _signal(proc: subprocess.Popen[Any], signum: int, group: bool) -> None:
    try:
        if group and hasattr(os, "killpg"):
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_pool(pool: Any, folders: Iterable[Path] = ()) -> None:
    """Stop a ``ProcessPoolExecutor``'s workers now (pending work is dropped) and remove the
    hidden temporary files any of them left in ``folders``."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public way to reach them
    pids = {p.pid for p in processes}
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(STOP_GRACE_S)
        if proc.is_alive():
            proc.kill()
            proc.join()
    pool.shutdown(wait=False, cancel_futures=True)
    for folder in set(folders):
        for pid in pids:
            for path in Path(folder).glob(f".*.rtk-tmp-{pid}*"):
                with contextlib.suppress(OSError):
                    path.unlink()
