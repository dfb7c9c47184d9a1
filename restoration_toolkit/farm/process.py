"""Run a child process and read its merged output line by line, keeping the tail and the
line that says what went wrong: what the local runner (``openjd run`` sessions) and the task
runner (Nuke in terminal mode) both do."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Callable, List, Mapping, Optional, Sequence

from ..interrupts import stop_process

TAIL_LINES = 80


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    tail: List[str]

    @property
    def error(self) -> str:
        """The line that says what went wrong ("" when the process succeeded)."""
        return "" if self.returncode == 0 else error_line(self.tail)


def error_line(lines: Sequence[str]) -> str:
    """The toolkit's own ``rtk: error:`` line when there is one (from where it starts, so a
    runner's timestamp prefix goes), else the last line naming an error, else the last line."""
    for line in reversed(lines):
        if "rtk: error:" in line:
            return line[line.index("rtk: error:") :].strip()
    for line in reversed(lines):
        if "ERROR" in line or "error" in line.lower():
            return line.strip()
    for line in reversed(lines):
        if line.strip():
            return line.strip()
    return ""


def stream_process(
    argv: Sequence[str],
    on_line: Callable[[str], None],
    *,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
    group: bool = False,
    started: Optional[Callable[[subprocess.Popen[str]], None]] = None,
) -> ProcessResult:
    """Run ``argv`` (stdin closed, stderr into stdout), call ``on_line`` for every output line
    as it comes and return the exit status with the last lines. A program that cannot start
    exits 127 with a ``cannot start`` line, as a shell would.

    Interrupted (Ctrl-C, SIGTERM) while reading, the child is stopped before the interruption
    goes on. ``group``: the child gets its own process group, stopped whole (what it started
    goes too); ``started`` receives the child, for a caller that must stop it from another
    thread."""
    try:
        proc = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="backslashreplace",
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=group,
        )
    except OSError as exc:
        return ProcessResult(127, [f"cannot start {argv[0]}: {exc.strerror}"])
    if started is not None:
        started(proc)
    tail: List[str] = []
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            tail = (tail + [line])[-TAIL_LINES:]
            on_line(line)
    except BaseException:  # interrupted: the child stops with us
        stop_process(proc, group=group)
        raise
    return ProcessResult(proc.wait(), tail)
