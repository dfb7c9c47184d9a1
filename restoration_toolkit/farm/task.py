"""The resumable farm task: run a stage on the frames of one chunk that are not done yet.

``rtk farm task --stage S --frames A-B …`` is what every task of a bundle runs. For each
frame of its chunk it checks the stage's output frames on disk (:mod:`.completeness`);
frames already complete are skipped, stale temporaries of the others are removed, and the
stage runs once on the missing frames: a toolkit stage through its runner, in this process
(:mod:`.runners`, one call into :mod:`restoration_toolkit.stages`); Nuke in terminal mode
once per contiguous run (:mod:`.stages`). Afterwards every frame is checked again. A failing
stage makes the task exit non-zero with the stage's own error line last on stderr, so the
farm's retry (which re-runs only what is still missing) does the right thing; a finished
chunk does no work.

Progress goes to stdout as ``openjd_progress: <percent>`` / ``openjd_status: <text>``, the
lines OpenJD runners (Deadline Cloud included) read from a task's output.
"""

from __future__ import annotations

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
from .process import stream_process
from .runners import StageTask, get_runner
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


def _remove_incomplete(
    stage: StageSpec, frames: Sequence[int], todo: Sequence[int], fill, project_dir: Path
) -> int:
    """Remove what a killed writer of this chunk left behind, and every output that failed
    the check (so a stage that skips existing files, as rtk infer does, renders it again)."""
    removed = 0
    for pattern in output_patterns(stage, fill, str(project_dir)):
        seq = output_sequence(pattern, frames)
        remove_stale_temporaries(seq.directory, [seq.path(f).stem for f in frames])
        for f in todo:
            path = seq.path(f)
            if path.is_file():
                path.unlink()
                removed += 1
    return removed


def _run_toolkit_stage(stage: StageSpec, todo: List[int], fill, project_dir: Path, gpu: bool,
                       on_progress: Callable[[int, int], None]) -> None:
    """One call into the stage's runner on every frame to do (in this process)."""
    task = StageTask(project_dir, list(todo), {k: str(v) for k, v in fill.items() if v}, gpu)
    try:
        get_runner(stage.name)(task, lambda done, total, message="": on_progress(done, total))
    except RTKError as exc:
        raise TaskFailed(f"rtk: error: {exc}", 1, tuple(todo)) from None


def _run_nuke(stage: StageSpec, run_frames: str, fill, gpu: bool, out: TextIO,
              on_progress: Callable[[int, int], None]) -> None:
    """Nuke in terminal mode on one contiguous run of frames; its output goes to ``out``."""
    argv = stage_argv(stage, fill, run_frames, gpu=gpu)

    def line(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    result = stream_process(argv, line)
    if result.returncode != 0:
        raise TaskFailed(
            result.error or f"{argv[0]} exited with status {result.returncode}",
            result.returncode,
            tuple(parse_frames(run_frames)),
        )


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
    ``script``, ``node``) plus ``nuke`` (the executable for Nuke's stages). Raises TaskFailed
    when the stage fails or leaves a frame incomplete.
    """
    start = time.perf_counter()
    frames = sorted(set(frames)) if stage.chunked else [1]
    fill = dict(values, project=str(project_dir))
    label = format_frames(frames)
    todo = frames_to_do(stage, frames, fill, project_dir, verify)
    skipped = [f for f in frames if f not in set(todo)]

    def emit(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    emit(f"openjd_status: {stage.name} frames {label}: {len(todo)} to do, "
         f"{len(skipped)} already complete")
    if stage.outputs:
        removed = _remove_incomplete(stage, frames, todo, fill, project_dir)
        if removed:
            emit(f"openjd_status: removed {removed} incomplete output file(s) of frames to redo")
    finished = len(skipped)
    running = [0]  # frames in the call now running

    def progress(done: int, total: int) -> None:
        share = running[0] * min(done, total) / max(total, 1)
        emit(f"openjd_progress: {100.0 * (finished + share) / max(len(frames), 1):.1f}")

    if todo and not stage.command:
        running[0] = len(todo)
        _run_toolkit_stage(stage, todo, fill, project_dir, gpu, progress)
        finished += len(todo)
    elif todo:
        for a, b in frame_runs(todo) if stage.frame_runs else [(todo[0], todo[-1])]:
            run = [f for f in todo if a <= f <= b]
            running[0] = len(run)
            _run_nuke(stage, format_frames(run), fill, gpu, out, progress)
            finished += len(run)
    emit(f"openjd_progress: {100.0 * finished / max(len(frames), 1):.1f}")
    _check_done(stage, todo, fill, project_dir, verify)
    seconds = time.perf_counter() - start
    emit(f"{CHUNK_DONE} {label} done: ran {len(todo)}, skipped {len(skipped)} ({seconds:.2f} s)")
    return TaskResult(stage.name, tuple(frames), tuple(skipped), tuple(todo), seconds)


def _check_done(stage: StageSpec, todo, fill, project_dir: Path, verify: str) -> None:
    """Every frame run must now be complete on disk; markers record a stage without outputs."""
    if not todo:
        return
    still = frames_to_do(stage, todo, fill, project_dir, verify) if stage.outputs else []
    if still:
        raise TaskFailed(
            f"rtk: error: {stage.name} finished but frames {format_frames(still)} are not "
            "complete on disk",
            1,
            tuple(still),
        )
    if not stage.outputs:
        mark_frames(project_dir, stage.name, todo)
