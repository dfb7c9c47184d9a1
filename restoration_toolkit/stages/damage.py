"""Damage on a project or on named sequences: detect (a float mask per frame and the
report), and repair (the traditional baseline the model must beat).

Detection, per scan frame N: ``mask.NNNN.exr`` (1 = damaged; the mask in R, G, B and A),
``reference_faults.NNNN.exr`` where an aligned reference was used (where the reference
disagrees with an undamaged scan: never a ground truth), and ``damage.json`` with per frame
and per shot the defects' counts, areas and kinds. On a project the scan is the project's
source, the references are stage 02's ``aligned.NNNN.exr`` where they exist, the outputs go
to ``pipeline/02_alignment/damage/`` and the sign of dust follows the scan's element (a
print: dark, a negative: bright).

Repair writes ``repaired.NNNN.<scan's extension>`` (on a project in
``pipeline/05_matchgrade_render/damage_repair/``): every pixel outside the mask exactly as
read, in the scan's own format and depth.

Everything a run writes is staged and moved into place at the end: a bad frame, a mask of
another size or a reference that does not line up stops the run with one line, and nothing
of it is left half-written. Used by ``rtk damage``, and by training (the masks).
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from ..core.damage.files import DAMAGE_DIR
from ..core.errors import RTKError
from ..core.progress import ProgressFn, report
from .damage_io import (
    REPORT_NAME,
    FrameSource,
    Staging,
    aligned_reference,
    check_mask,
    check_reference,
    display_converter,
    faults_sequence,
    mask_sequence,
    neighbour_frames,
    shot_lookup,
)
from .damage_report import SCHEMA, earlier_records, pair_damage, summarise


@dataclass(frozen=True)
class DetectRequest:
    """What a front end asks for. Without ``source`` the project's scan is used (``project``:
    its folder, else the nearest project.yaml); ``reference``: aligned references (a
    sequence on the scan grid); ``polarity``: dark / bright / both (default on a project:
    from the scan's element, else both); ``reach``: neighbours each side; ``colorspace``:
    the OCIO space of named sequences (default: display-referred values as they are)."""

    source: Optional[str] = None
    reference: Optional[str] = None
    out: Optional[Path] = None
    frames: Optional[str] = None
    polarity: Optional[str] = None
    reach: int = 2
    project: Optional[str] = None
    log: bool = True
    colorspace: Optional[str] = None  # sequence form: the OCIO space of SCAN and REFERENCE


@dataclass(frozen=True)
class DetectOutcome:
    out: Path
    report: Path
    summary: Dict[str, Any]
    frames: Dict[int, Dict[str, Any]]
    pairs: Dict[int, Dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Inputs:
    scan: FrameSource
    reference: Optional[FrameSource]
    out: Path
    frames: List[int]
    polarity: str
    shot_of: Optional[Callable[[int], Optional[str]]]
    project: Any = None


def polarity_of(element_generation: str) -> str:
    """Dust on a print is dark, on a negative (printed through) bright; else look for both."""
    g = (element_generation or "").lower()
    if "negative" in g:
        return "bright"
    if "print" in g:
        return "dark"
    return "both"


def _resolve(request: DetectRequest) -> _Inputs:
    if request.source:
        if not request.out:
            raise RTKError("--out MASKS is required when SCAN is given")
        look = display_converter(request.colorspace, None)
        scan = FrameSource.open(request.source, "scan", request.frames, convert=look)
        ref = None
        if request.reference:
            ref = FrameSource.open(request.reference, "reference", convert=look)
        frames = scan.available
        return _Inputs(scan, ref, Path(request.out), frames, request.polarity or "both", None)
    from ..core.project import open_project

    project = open_project(request.project)
    config = project.color.ocio_config
    scan = FrameSource.open(
        project.source_spec(),
        "scan",
        request.frames or project.source.frames,
        convert=display_converter(project.source.colorspace, config),
    )
    ref = None
    if request.reference:
        ref = FrameSource.open(
            request.reference,
            "reference",
            convert=display_converter(project.source.colorspace, config),
        )
    else:
        ref = aligned_reference(project, display_converter(project.color.working_space, config))
    out = Path(request.out) if request.out else project.alignment_dir / DAMAGE_DIR
    polarity = request.polarity or polarity_of(project.source.element.generation)
    return _Inputs(scan, ref, out, scan.available, polarity, shot_lookup(project), project)


def _detect_frame(inputs: _Inputs, frame: int, reach: int, options) -> Dict[str, Any]:
    from ..core.damage.detect import detect_damage

    scan = inputs.scan.read(frame)
    reference = None
    if inputs.reference is not None and inputs.reference.has(frame):
        reference = inputs.reference.read(frame)
        check_reference(scan, reference, inputs.reference.path(frame))
    near = neighbour_frames(
        frame, inputs.scan.sequence.found or inputs.frames, reach, inputs.shot_of
    )
    if reference is None and not near:
        raise RTKError(
            f"frame {frame} has no aligned reference and no neighbouring frame: nothing shows "
            "what the damage covers (give --reference, or a sequence of frames)",
            inputs.scan.path(frame),
        )
    neighbours = {}
    for f in near:
        pixels = inputs.scan.read(f)
        check_mask(pixels, scan, inputs.scan.path(f))
        neighbours[f - frame] = pixels
    return {
        "result": detect_damage(scan, reference=reference, neighbours=neighbours, options=options),
        "reference": str(inputs.reference.path(frame)) if reference is not None else None,
    }


def run_detection(request: DetectRequest, progress: Optional[ProgressFn] = None) -> DetectOutcome:
    """Detect damage on every frame, write masks (+ reference faults) and ``damage.json``."""
    from ..core.damage.detect import DetectionOptions

    inputs = _resolve(request)
    try:
        options = DetectionOptions(polarity=inputs.polarity)
        options.signs()
    except ValueError as exc:
        raise RTKError(str(exc)) from None
    single = inputs.scan.sequence.is_single
    masks = mask_sequence(inputs.out, inputs.frames, single)
    faults = faults_sequence(masks)
    report_path = masks.directory / REPORT_NAME
    protect = [inputs.scan.path(f) for f in inputs.frames]
    records: Dict[int, Dict[str, Any]] = {}
    with Staging(masks.directory, protect) as staging:
        for i, frame in enumerate(inputs.frames):
            report(progress, i, len(inputs.frames), f"frame {frame}")
            done = _detect_frame(inputs, frame, request.reach, options)
            result = done["result"]
            staging.write_mask(masks.path(frame), result.mask)
            if result.reference_faults is not None:
                staging.write_mask(faults.path(frame), result.reference_faults.astype("float32"))
            records[frame] = {
                **result.to_json(),
                "reference": done["reference"],
                "mask": str(masks.path(frame)),
            }
        everything = {**earlier_records(report_path, inputs.scan.sequence.hash_pattern), **records}
        summary = summarise(everything, inputs.shot_of)
        pairs = pair_damage(inputs.project, everything)
        document = {
            "schema": SCHEMA,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "source": inputs.scan.sequence.hash_pattern,
            "reference": inputs.reference.sequence.hash_pattern if inputs.reference else None,
            "settings": {
                "polarity": inputs.polarity,
                "reach": request.reach,
                **{
                    k: getattr(options, k)
                    for k in ("seed_sigma", "grow_sigma", "line_sigma", "stain_sigma")
                },
            },
            "summary": summary,
            "pairs": {str(f): p for f, p in pairs.items()},
            "frames": {str(f): r for f, r in sorted(everything.items())},
        }
        staging.write_text(report_path, json.dumps(document, indent=1) + "\n")
        staging.commit()
    report(progress, len(inputs.frames), len(inputs.frames), "done")
    if inputs.project is not None and request.log:
        _log(inputs.project, "damage", summary["all"], report_path, {"polarity": inputs.polarity})
    return DetectOutcome(masks.directory, report_path, summary, records, pairs)


def _log(
    project,
    what: str,
    figures: Dict[str, Any],
    output: Path,
    parameters: Dict[str, Any],
    stage: str = "alignment",
) -> None:
    from ..core.experiment_log import log_run

    flat = {k: v for k, v in figures.items() if isinstance(v, (int, float))}
    for key in ("counts", "area_px"):
        flat.update({f"{key}_{k}": v for k, v in (figures.get(key) or {}).items()})
    try:
        log_run(
            project.root,
            stage=stage,
            technique=project.technique,
            frames=[],
            parameters={"step": what, **parameters},
            figures=flat,
            inputs=[Path(project.source_spec())],
            outputs=[output],
            observations=f"rtk damage {what}",
        )
    except Exception as exc:  # the log must never fail the stage
        print(f"rtk: warning: experiment log not updated ({exc})", file=sys.stderr)


# -- repair ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairRequest:
    """``mask``: the damage masks (a sequence, or a folder holding ``mask.####.exr``);
    ``method``: auto / reference / temporal."""

    source: Optional[str] = None
    mask: Optional[str] = None
    reference: Optional[str] = None
    out: Optional[Path] = None
    frames: Optional[str] = None
    method: str = "auto"
    grain: bool = True
    seed: int = 0
    reach: int = 2
    project: Optional[str] = None
    log: bool = True


@dataclass(frozen=True)
class RepairOutcome:
    out: Path
    figures: Dict[int, Dict[str, int]]
    totals: Dict[str, int]


def run_repair(request: RepairRequest, progress: Optional[ProgressFn] = None) -> RepairOutcome:
    """Repair every frame inside its mask and write the result (see module doc)."""
    from .damage_repair import plan_repair, repair_one

    plan = plan_repair(request)
    figures: Dict[int, Dict[str, int]] = {}
    with Staging(plan.out_seq.directory, plan.protect) as staging:
        for i, frame in enumerate(plan.frames):
            report(progress, i, len(plan.frames), f"frame {frame}")
            pixels, meta, fig = repair_one(plan, frame, request)
            staging.write_frame(plan.out_seq.path(frame), pixels, meta)
            figures[frame] = fig
        totals = {k: sum(f[k] for f in figures.values()) for k in next(iter(figures.values()), {})}
        staging.write_text(
            plan.out_seq.directory / "repair.json",
            json.dumps(
                {
                    "schema": "rtk.damage-repair/1",
                    "method": request.method,
                    "grain": request.grain,
                    "seed": request.seed,
                    "masks": plan.masks.sequence.hash_pattern,
                    "totals": totals,
                    "frames": {str(f): v for f, v in sorted(figures.items())},
                },
                indent=1,
            )
            + "\n",
        )
        staging.commit()
    report(progress, len(plan.frames), len(plan.frames), "done")
    if plan.project is not None and request.log:
        _log(
            plan.project,
            "repair",
            totals,
            plan.out_seq.directory,
            {"method": request.method},
            stage="validation",
        )
    return RepairOutcome(plan.out_seq.directory, figures, totals)
