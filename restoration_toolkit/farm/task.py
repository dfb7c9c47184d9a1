"""The resumable farm task: run a stage on the frames of one chunk that are not done yet.

``rtk farm task --stage S --frames A-B …`` is what every task of a bundle runs. For each
frame of its chunk it checks the stage's output frames on disk (:mod:`.completeness`);
frames already complete are skipped, stale temporaries of the others are removed, and the
stage's own command (:mod:`.stages`) runs once on the missing frames (Nuke: once per
contiguous run). Afterwards every frame is checked again. A failing stage makes the task
exit non-zero with the stage's own error line last on stderr, so the farm's retry (which
re-runs only what is still missing) does the right thing; a finished chunk does no work.

Progress goes to stdout as ``openjd_progress: <percent>`` / ``openjd_status: <text>``, the
lines OpenJD runners (Deadline Cloud included) read from a task's output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, TextIO, Tuple

from ..core.errors import RTKError
from ..core.io.frames import format_frames, frame_runs, parse_frames
from ..core.io.sequence import output_sequence
from .completeness import (
    frame_problem,
    image_size,
    mark_frames,
    marked_frames,
    remove_stale_temporaries,
)
from .stages import StageSpec, output_patterns, stage_argv

CHUNK_DONE = "rtk farm: chunk"


@dataclass(frozen=True)
class TaskResult:
    """What one task did: frames of the chunk, those skipped as complete, those it ran."""

    stage: str
    frames: Tuple[int, ...]
    skipped: Tuple[int, ...]
    ran: Tuple[int, ...]
    seconds: float


@dataclass
class TaskFailed(Exception):
    """The stage command failed (or left frames incomplete); ``line`` is its own error line."""

    line: str
    returncode: int = 1
    frames: Tuple[int, ...] = field(default=())

    def __str__(self) -> str:
        return self.line


def chunk_frames_for(
    frames: str, chunk_start: Optional[int] = None, chunk_size: Optional[int] = None
) -> List[int]:
    """The task's frames: ``frames`` itself, or (INT task style) the ``chunk_size`` frames of
    the frame list ``frames`` starting at ``chunk_start``."""
    listed = parse_frames(frames)
    if chunk_start is None:
        return listed
    if chunk_size is None or chunk_size < 1:
        raise RTKError(f"chunk size must be at least 1, got {chunk_size}")
    if chunk_start not in listed:
        raise RTKError(f"chunk start {chunk_start} is not one of the frames {frames}")
    i = listed.index(chunk_start)
    return listed[i : i + chunk_size]


def _expected_size(
    stage: StageSpec, source: Optional[str], frame: int, cache: Dict[Path, Tuple[int, int]]
) -> Optional[Tuple[int, int]]:
    if not (stage.same_size_as_source and source):
        return None
    path = output_sequence(source, [frame]).path(frame)
    if path not in cache:
        if not path.is_file():
            return None  # the stage reports its missing input itself
        cache[path] = image_size(path)
    return cache[path]


def frames_to_do(
    stage: StageSpec,
    frames: Sequence[int],
    values: Mapping[str, Optional[str]],
    project_dir: Path,
    verify: str = "tail",
) -> List[int]:
    """The frames of ``frames`` whose outputs are not all complete."""
    if not stage.outputs:
        done = marked_frames(project_dir, stage.name)
        return [f for f in frames if f not in done]
    patterns = output_patterns(stage, values, str(project_dir))
    cache: Dict[Path, Tuple[int, int]] = {}
    todo = []
    for frame in frames:
        size = _expected_size(stage, values.get("source"), frame, cache)
        for pattern in patterns:
            if frame_problem(output_sequence(pattern, [frame]).path(frame), size, verify):
                todo.append(frame)
                break
    return todo


def _error_line(lines: Sequence[str]) -> str:
    for line in reversed(lines):
        if line.startswith("rtk: error:"):
            return line
    for line in reversed(lines):
        if "ERROR" in line:
            return line
    for line in reversed(lines):
        if line.strip():
            return line
    return ""


def _run_stage(
    argv: List[str], on_progress: Callable[[int, int], None], out: TextIO
) -> Tuple[int, str]:
    env = dict(os.environ, RTK_PROGRESS="json")
    try:
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="backslashreplace",
            env=env,
        )
    except OSError as exc:
        return 127, f"cannot start {argv[0]}: {exc.strerror}"
    tail: List[str] = []
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.rstrip("\n")
        if line.startswith('{"progress"'):
            try:
                msg = json.loads(line)
                on_progress(int(msg.get("done", 0)), int(msg.get("total", 0)))
                continue
            except ValueError:
                pass
        out.write(line + "\n")
        out.flush()
        tail = (tail + [line])[-50:]
    rc = proc.wait()
    return rc, _error_line(tail)


def run_task(
    stage: StageSpec,
    frames: Sequence[int],
    values: Mapping[str, Optional[str]],
    project_dir: Path,
    *,
    gpu: bool = False,
    verify: str = "tail",
    out: TextIO = sys.stdout,
) -> TaskResult:
    """Run ``stage`` on the frames of ``frames`` not done yet; see the module docstring.

    ``values``: the stage's option values (``source``, ``out``, ``model``, ``grade``,
    ``script``, ``node``) plus ``python`` and ``nuke`` (the executables). Raises TaskFailed
    when the stage fails or leaves a frame incomplete.
    """
    start = time.perf_counter()
    frames = sorted(set(frames)) if stage.chunked else [1]
    fill = dict(values)
    fill["project"] = str(project_dir)
    label = format_frames(frames)
    todo = frames_to_do(stage, frames, fill, project_dir, verify)
    skipped = [f for f in frames if f not in set(todo)]

    def emit(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    emit(f"openjd_status: {stage.name} frames {label}: {len(todo)} to do, "
         f"{len(skipped)} already complete")
    if stage.outputs:
        removed = 0
        for pattern in output_patterns(stage, fill, str(project_dir)):
            seq = output_sequence(pattern, frames)
            # what a killed writer of this chunk left behind
            remove_stale_temporaries(seq.directory, [seq.path(f).stem for f in frames])
            # an output that failed the check goes, so a stage that skips existing files
            # (rtk infer does) renders it again instead of keeping the broken one
            for f in todo:
                path = seq.path(f)
                if path.is_file():
                    path.unlink()
                    removed += 1
        if removed:
            emit(f"openjd_status: removed {removed} incomplete output file(s) of frames to redo")
    done_before = len(skipped)
    runs = (
        [format_frames(range(a, b + 1)) for a, b in frame_runs(todo)]
        if stage.frame_runs
        else ([format_frames(todo)] if todo else [])
    )
    finished = 0
    for run_frames in runs:
        count = len(parse_frames(run_frames))

        def on_progress(done: int, total: int, _base: int = finished, _n: int = count) -> None:
            pct = 100.0 * (done_before + _base + min(done, _n)) / max(len(frames), 1)
            emit(f"openjd_progress: {pct:.1f}")

        argv = stage_argv(stage, fill, run_frames, gpu=gpu)
        rc, line = _run_stage(argv, on_progress, out)
        if rc != 0:
            raise TaskFailed(
                line or f"{argv[0]} exited with status {rc}", rc, tuple(parse_frames(run_frames))
            )
        finished += count
        emit(f"openjd_progress: {100.0 * (done_before + finished) / max(len(frames), 1):.1f}")
    if todo:
        still = frames_to_do(stage, todo, fill, project_dir, verify) if stage.outputs else []
        if still:
            raise TaskFailed(
                f"rtk: error: {stage.name} exited 0 but frames {format_frames(still)} are not "
                "complete on disk",
                1,
                tuple(still),
            )
        if not stage.outputs:
            mark_frames(project_dir, stage.name, todo)
    seconds = time.perf_counter() - start
    emit(f"{CHUNK_DONE} {label} done: ran {len(todo)}, skipped {len(skipped)} ({seconds:.2f} s)")
    return TaskResult(stage.name, tuple(frames), tuple(skipped), tuple(todo), seconds)
