"""What a farm task runs for each toolkit stage: one call into :mod:`restoration_toolkit.stages`
on the chunk's frames, in the task's own process (no second interpreter, no command line).

Each runner takes a :class:`StageTask` and a progress callback and raises RTKError when the
stage fails. Farm tasks do not write experiment-log entries (a job of many chunks is one run;
the person who submits it records it). ``register_runner`` / ``deregister_runner`` swap a
runner (tests use stand-ins); Nuke's stages are not here, they run Nuke (:mod:`.stages`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping

from ..core.errors import RTKError
from ..core.io.frames import format_frames
from ..core.progress import ProgressFn


@dataclass(frozen=True)
class StageTask:
    """One chunk of a stage: the project folder, the frames, the stage's option values
    (``source``, ``out``, ``model``, ``grade``: absolute paths as the bundle holds them)."""

    project: Path
    frames: List[int]
    values: Mapping[str, str] = field(default_factory=dict)
    gpu: bool = False

    @property
    def frame_list(self) -> str:
        return format_frames(self.frames)


Runner = Callable[[StageTask, ProgressFn], None]


def run_align(task: StageTask, progress: ProgressFn) -> None:
    from ..stages.alignment import AlignRequest, run_alignment

    outcome = run_alignment(
        AlignRequest(project=str(task.project), frames=task.frame_list, log=False), progress
    )
    failed = outcome.summary["failed"]
    if failed:
        first = outcome.records[failed[0]].get("error")
        raise RTKError(f"alignment failed on frames {format_frames(failed)} ({first})")


def run_balance(task: StageTask, progress: ProgressFn) -> None:
    from ..stages.balance import BalanceRequest
    from ..stages.balance import run_balance as balance

    request = BalanceRequest(
        source=task.values["source"],
        out=task.values["out"],
        frames=task.frame_list,
        project=str(task.project),
        log=False,
    )
    balance(request, progress)


def run_matchgrade_apply(task: StageTask, progress: ProgressFn) -> None:
    """What ``rtk matchgrade apply GRADE SOURCE --out OUT --project P`` does: the grade
    applied through OpenColorIO in the project's colour set-up, chroma-only as its sidecar
    (or, for a grade without one, the project's kind) says."""
    from ..stages.grade import GradeApplyRequest, run_grade_apply

    request = GradeApplyRequest(
        grade=Path(task.values["grade"]),
        input=task.values["source"],
        out=task.values["out"],
        frames=task.frame_list,
        project=str(task.project),
        log=False,
    )
    run_grade_apply(request, progress)


def run_infer(task: StageTask, progress: ProgressFn) -> None:
    from ..stages.torch_inference import InferRequest, run_inference

    request = InferRequest(
        model=Path(task.values["model"]),
        source=task.values["source"],
        out=task.values["out"],
        frames=task.frame_list,
        project=str(task.project),
        log=False,
    )
    run_inference(request, progress)


def run_validate(task: StageTask, progress: ProgressFn) -> None:
    from ..stages.validation import ValidationRequest, run_validation

    request = ValidationRequest(project=str(task.project), frames=task.frame_list, log=False)
    run_validation(request, progress)


_DEFAULTS: Dict[str, Runner] = {
    "align": run_align,
    "balance": run_balance,
    "matchgrade-apply": run_matchgrade_apply,
    "infer": run_infer,
    "validate": run_validate,
}
_RUNNERS: Dict[str, Runner] = dict(_DEFAULTS)
TOOLKIT_STAGES = tuple(_DEFAULTS)


def get_runner(stage: str) -> Runner:
    """The runner of a toolkit stage; RTKError for a stage that has none (Nuke's)."""
    try:
        return _RUNNERS[stage]
    except KeyError:
        raise RTKError(f"stage {stage!r} has no toolkit runner") from None


def register_runner(stage: str, runner: Runner) -> None:
    """Run ``runner`` for ``stage`` instead of the toolkit's own (until deregistered)."""
    if stage not in _DEFAULTS:
        raise RTKError(f"unknown toolkit stage {stage!r} (one of {', '.join(_DEFAULTS)})")
    _RUNNERS[stage] = runner


def deregister_runner(stage: str) -> None:
    """Back to the toolkit's own runner for ``stage``."""
    _RUNNERS[stage] = _DEFAULTS[stage]
