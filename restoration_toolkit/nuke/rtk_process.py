"""Run an `rtk` command in a subprocess with a cancellable nuke.ProgressTask.

Heavy work never runs on Nuke's UI thread: the command runs in a child process (the
interpreter is ``RTK_PYTHON``, else ``python3`` on PATH — Nuke's own executable cannot run
``-m``), a worker thread reads its JSON-line progress (``RTK_PROGRESS=json``) into the
ProgressTask, and ``on_done(result, error)`` is called on the main thread with the
command's ``--json`` output (or the command's own one-line error).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional

import nuke

OnDone = Callable[[Optional[Any], Optional[str]], None]


def interpreter() -> str:
    """The Python that runs `rtk` (RTK_PYTHON, else python3 on PATH)."""
    chosen = os.environ.get("RTK_PYTHON") or shutil.which("python3") or shutil.which("python")
    if not chosen:
        raise RuntimeError("no Python interpreter for rtk: set RTK_PYTHON to one that has the toolkit's dependencies")
    return chosen


def package_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class RtkJob:
    args: List[str]
    title: str
    thread: Optional[threading.Thread] = None
    process: Optional[subprocess.Popen] = None
    result: Optional[Any] = None
    error: Optional[str] = None
    cancelled: bool = False
    log: List[str] = field(default_factory=list)

    def join(self, timeout: Optional[float] = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)


def command_line(args: List[str]) -> List[str]:
    return [interpreter(), "-m", "restoration_toolkit", *args]


def run_rtk_async(args: List[str], title: str, on_done: Optional[OnDone] = None) -> RtkJob:
    """Start ``rtk ARGS`` in the background and return the job (``job.join()`` waits)."""
    job = RtkJob(list(args), title)
    env = dict(os.environ)
    env["RTK_PROGRESS"] = "json"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root(), env.get("PYTHONPATH", "")) if p)

    def work() -> None:
        task = nuke.ProgressTask(title)
        try:
            job.process = subprocess.Popen(
                command_line(job.args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, env=env,
            )
        except OSError as exc:
            job.error = f"cannot start rtk: {exc}"
            _finish(job, on_done)
            return
        out_lines: List[str] = []
        reader = threading.Thread(target=lambda: out_lines.extend(job.process.stdout), daemon=True)
        reader.start()
        assert job.process.stderr is not None
        for line in job.process.stderr:
            line = line.strip()
            if task.isCancelled():
                job.cancelled = True
                job.process.terminate()
                break
            if line.startswith("{"):
                try:
                    info = json.loads(line)
                    task.setProgress(int(round(100 * float(info.get("progress", 0)))))
                    task.setMessage(str(info.get("message", "")))
                    continue
                except (ValueError, TypeError):
                    pass
            if line:
                job.log.append(line)
        code = job.process.wait()
        reader.join()
        del task  # Nuke closes the task when the object goes
        if job.cancelled:
            job.error = "cancelled"
        elif code != 0:
            errors = [ln for ln in job.log if ln.startswith("rtk: error:")]
            job.error = (errors[-1] if errors else (job.log[-1] if job.log else f"rtk exited with {code}"))
        else:
            text = "".join(out_lines).strip()
            try:
                job.result = json.loads(text) if text else None
            except ValueError:
                job.result = text
        _finish(job, on_done)

    job.thread = threading.Thread(target=work, name=f"rtk {' '.join(args[:1])}", daemon=True)
    job.thread.start()
    return job


def _finish(job: RtkJob, on_done: Optional[OnDone]) -> None:
    if on_done is not None:
        nuke.executeInMainThread(on_done, (job.result, job.error))
    elif job.error and job.error != "cancelled":
        nuke.executeInMainThread(nuke.message, (f"Film Restoration: {job.error}",))


