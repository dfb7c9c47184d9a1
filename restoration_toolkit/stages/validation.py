"""Stage 05 validation on a project or on named sequences: resolve the inputs
(:mod:`.validation_inputs`), measure every candidate (:func:`core.validation.evaluate`), log
the run, write the report folder (:mod:`restoration_toolkit.report`); record sign-offs.

Used by ``rtk validate``, the farm's validate task and the demo. Frames held out of training
are the validation frames; a training frame is refused (it would flatter the model), but
``with_training`` shows the training frames per frame beside them, marked and outside the
summary. MatchGrade is scored in full and chroma-only.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.frames import format_frames, parse_frames
from ..core.io.sequence import spec_path
from ..core.progress import ProgressFn
from ..core.project import Project, open_project
from ..core.validation.baselines import BASELINES
from ..core.validation.evaluate import ValidationResult, best_per_row, evaluate
from ..core.validation.inputs import DEFAULT_OCIO, DISPLAY_SPACE, NEIGHBOUR_FRAMES, ValidationInputs
from ..report import add_signoff, load_report, report_dir, write_report
from .damage_report import damage_baselines, damage_mask_pattern
from .validation_inputs import explicit_inputs, project_inputs

VERDICTS = ("accept", "reject")
RESERVED_NAMES = ("model", "scan", "reference", *BASELINES)


@dataclass(frozen=True)
class ValidationRequest:
    """What a front end asks stage 05 for. With ``scan``/``reference`` no project is used
    (then ``result``, ``frames`` and ``out`` are needed too); otherwise ``project`` (its
    folder, else the nearest project.yaml). ``frames``: frame-list text (default: the held-out
    frames of pairs.yaml); ``extra``: other results to compare, name → sequence."""

    project: Optional[str] = None
    frames: Optional[str] = None
    result: Optional[str] = None
    scan: Optional[str] = None
    reference: Optional[str] = None
    training_frames: str = ""
    colorspace: str = DISPLAY_SPACE
    ocio: str = DEFAULT_OCIO
    ground_truth: Optional[str] = None
    out: Optional[Path] = None
    extra: Mapping[str, str] = field(default_factory=dict)
    baselines: Optional[Sequence[str]] = None
    with_training: bool = False
    neighbour_frames: int = NEIGHBOUR_FRAMES
    log: bool = True


@dataclass(frozen=True)
class ValidationOutcome:
    """Where the report went and what it found; ``warnings`` are for the person to read."""

    folder: Path
    html: Path
    json: Path
    entry_id: Optional[str]
    outlier_frames: List[int]
    outliers: List[Dict[str, Any]]
    curate_command: Optional[str]
    summary: Dict[str, Dict[str, float]]
    best: Dict[str, Optional[str]]
    warnings: List[str]


def parse_baselines(text: Optional[str]) -> Optional[List[str]]:
    """``"bicubic,unsharp"`` → the names; ``"none"`` → none; None → every baseline."""
    if text is None:
        return None
    if text.strip().lower() == "none":
        return []
    names = [t.strip() for t in text.split(",") if t.strip()]
    for n in names:
        if n not in BASELINES:
            raise RTKError(f"unknown baseline {n!r} (one of {', '.join(BASELINES)})")
    return names


def _explicit(request: ValidationRequest, frames: Optional[List[int]]) -> ValidationInputs:
    given = (
        ("--scan", request.scan),
        ("--reference", request.reference),
        ("--result", request.result),
        ("--frames", request.frames),
        ("--out", request.out),
    )
    missing = [o for o, v in given if not v]
    if missing:
        raise RTKError("without a project, give " + ", ".join(missing))
    out = Path(request.out or "")
    for src in (request.scan, request.reference, request.result):
        if Path(spec_path(str(src))).resolve().parent == out.resolve():
            raise RTKError("refusing to write the report into an input folder", out)
    return explicit_inputs(
        scan=request.scan or "",
        reference=request.reference or "",
        result=request.result or "",
        frames=frames or [],
        training=parse_frames(request.training_frames) if request.training_frames else [],
        colorspace=request.colorspace,
        ocio_config=request.ocio,
        baselines=request.baselines,
        extra=dict(request.extra),
        ground_truth=request.ground_truth or "reference",
        neighbour_frames=request.neighbour_frames,
    )


def _project_inputs(
    project: Project, request: ValidationRequest, frames, warnings: List[str]
) -> ValidationInputs:
    """The project's inputs, with the damage baselines it rendered (``rtk damage repair``,
    ``rtk deflicker``) as candidates — left out, with a warning, when they do not cover the
    validation frames."""
    own = damage_baselines(project)
    extra = {**own, **dict(request.extra)}

    def resolve(given: Dict[str, str]) -> ValidationInputs:
        return project_inputs(
            project,
            frames=frames,
            result=request.result,
            baselines=request.baselines,
            extra=given,
            with_training=request.with_training,
            neighbour_frames=request.neighbour_frames,
        )

    try:
        return resolve(extra)
    except RTKError as exc:
        if not own or not any(name in str(exc) for name in own):
            raise
        warnings.append(f"{', '.join(own)} left out: {exc}")
        return resolve(dict(request.extra))


def _comparison_script(
    inputs: ValidationInputs, warnings: List[str], damage: Optional[str] = None
) -> Optional[str]:
    """validation.nk for the report, or a warning (also noted in the report) saying why not."""
    from ..nk.validation_graph import comparison_script_text

    try:
        return comparison_script_text(inputs, damage)
    except RTKError as exc:
        warnings.append(str(exc))
        inputs.notes.append(str(exc))
        return None


def _log(project: Project, result: ValidationResult, out: Path) -> str:
    inputs = result.inputs
    outliers = sorted({o.frame for o in result.outliers})
    return log_run(
        project.root,
        stage="validation",
        technique=project.technique,
        frames=inputs.frames,
        parameters={
            "candidates": [c.name for c in inputs.candidates],
            "training_frames": format_frames(inputs.training_frames),
            "ground_truth": inputs.ground_truth,
        },
        figures={
            f"{n}.{k}": v
            for n, s in result.summary.items()
            for k, v in s.items()
            if (n == "model" or n.startswith("matchgrade")) and v is not None and math.isfinite(v)
        },
        inputs=[Path(spec_path(inputs.reference_source))],
        outputs=[out / "index.html", out / "report.json"],
        observations=(
            f"outlier frames: {format_frames(outliers)}" if outliers else "no outlier frames"
        ),
    )


def run_validation(
    request: ValidationRequest, progress: Optional[ProgressFn] = None
) -> ValidationOutcome:
    """Resolve the inputs, measure, log (on a project) and write the report folder."""
    frames = parse_frames(request.frames) if request.frames else None
    for reserved in RESERVED_NAMES:
        if reserved in request.extra:
            raise RTKError(f"--baseline name {reserved!r} is taken; choose another name")
    warnings: List[str] = []
    project: Optional[Project] = None
    script: Optional[str] = None
    if request.scan or request.reference:
        inputs = _explicit(request, frames)
        out = Path(request.out or "")
    else:
        project = open_project(request.project)
        inputs = _project_inputs(project, request, frames, warnings)
        if request.ground_truth:
            inputs.ground_truth = request.ground_truth
        out = Path(request.out) if request.out else report_dir(project)  # --out honoured here too
        script = _comparison_script(inputs, warnings, damage_mask_pattern(project))
    result = evaluate(inputs, progress)
    entry = _log(project, result, out) if project is not None and request.log else None
    files = write_report(result, out, project=project, entry_id=entry, nuke_script=script)
    return ValidationOutcome(
        folder=files.folder,
        html=files.html,
        json=files.json,
        entry_id=entry,
        outlier_frames=files.data["outlier_frames"],
        outliers=files.data["outliers"],
        curate_command=files.data["curate_command"],
        summary=result.summary,
        best=best_per_row(result.summary),
        warnings=warnings,
    )


@dataclass(frozen=True)
class SignoffRequest:
    """A human verdict on a shot: ``accept`` or ``reject``, by whom, with notes."""

    shot: str
    verdict: str
    by: str
    notes: str = ""
    project: Optional[str] = None
    log: bool = True


def sign_off(request: SignoffRequest) -> Dict[str, Any]:
    """Record the verdict with the report (signoffs.json, report.json, index.html) and in the
    experiment log. Returns the sign-off record."""
    if request.verdict not in VERDICTS:
        raise RTKError(f"verdict must be accept or reject, got {request.verdict!r}")
    by = request.by.strip()
    if not by:
        raise RTKError("--by must name who signs off")
    project = open_project(request.project)
    folder = report_dir(project)
    data = load_report(folder)
    known = [s.name for s in project.shots]
    if known and request.shot not in known:
        raise RTKError(
            f"no shot {request.shot!r} in project.yaml (shots: {', '.join(known)})",
            project.root / "project.yaml",
        )
    report_json = folder / "report.json"
    record: Dict[str, Any] = {
        "shot": request.shot,
        "verdict": request.verdict,
        "by": by,
        "when": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "notes": request.notes,
        "report_created": data.get("created"),
        "report_sha256": hashlib.sha256(report_json.read_bytes()).hexdigest()[:12],
        "frames": data.get("frames"),
        "experiment_entry": None,
    }
    if request.log:
        record["experiment_entry"] = log_run(
            project.root,
            stage="validation",
            technique=project.technique,
            shot=request.shot,
            frames=data.get("frames"),
            parameters={"signoff": request.verdict, "report": data.get("created")},
            outputs=[report_json],
            observations=f"sign-off: {request.verdict} by {by}"
            + (f" — {request.notes}" if request.notes else ""),
            verdict="keep" if request.verdict == "accept" else "reject",
            approved_by=by,
            hash_inputs=False,
        )
    add_signoff(folder, record)
    return record
