"""Stage 02 alignment on a project or on named sequences: plan scan ↔ reference frame jobs,
align them (in parallel processes, optionally smoothing the global model over time), write
per frame the aligned reference, a Nuke STMap and a confidence map, then ``alignment.json``,
``alignment.nk`` and the experiment-log entry.

Outputs, per scan frame N in ``out``: ``aligned.NNNN.exr`` (the reference resampled onto the
scan grid, in the working space on a project), ``stmap.NNNN.exr`` (32-bit float, Nuke
convention, reference-normalised), ``confidence.NNNN.exr`` (one channel, 0–1); a single image
pair writes ``aligned.exr``, ``stmap.exr``, ``confidence.exr``. ``alignment.json`` holds per
frame the model, parameters, figures, live-area crop, warnings, or the failure.

Used by ``rtk align``, the Nuke side (through ``rtk``) and the demo.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.progress import ProgressFn
from ..core.project import Project
from ..core.project_lookup import open_optional_project
from .alignment_jobs import Settings, align_jobs, plan_jobs

SCHEMA = "rtk.alignment/1"


@dataclass(frozen=True)
class AlignRequest:
    """What a front end asks stage 02 for. Without ``source``/``reference`` the project's are
    used (``project``: its folder, else the nearest project.yaml); ``pairs``: a pairs.yaml
    (default on a project: stage 01's, when it exists)."""

    source: Optional[str] = None
    reference: Optional[str] = None
    out: Optional[Path] = None
    frames: Optional[str] = None
    reference_frames: Optional[str] = None
    pairs: Optional[str] = None
    smooth: float = 0.0
    jobs: int = 1
    filter: str = "cubic"
    dense: bool = True
    pixel_aspect: Optional[float] = None
    project: Optional[str] = None
    log: bool = True


@dataclass(frozen=True)
class AlignOutcome:
    out: Path
    alignment_json: Path
    summary: Dict[str, Any]
    records: Dict[int, Dict[str, Any]]


def _summary(records: Dict[int, Dict[str, Any]]) -> Dict[str, Any]:
    ok = [r for r in records.values() if r.get("status") == "ok"]
    failed = sorted(f for f, r in records.items() if r.get("status") != "ok")
    figs = [r["figures"] for r in ok]

    def stat(key: str, fn) -> Optional[float]:
        vals = [f[key] for f in figs if f.get(key) is not None]
        return round(float(fn(vals)), 5) if vals else None

    look = sorted(
        (
            f
            for f, r in records.items()
            if r.get("status") == "ok"
            and (
                r["figures"]["confident_fraction"] < 0.2
                or r["figures"]["correlation"] < 0.3
                or r.get("warnings")
            )
        )
    )
    return {
        "frames": len(records),
        "aligned": len(ok),
        "failed": failed,
        "look_at": look,
        "confident_fraction_min": stat("confident_fraction", min),
        "confident_fraction_mean": stat("confident_fraction", lambda v: sum(v) / len(v)),
        "correlation_min": stat("correlation", min),
        "field_max_px": stat("field_max_px", max),
    }


def _write_nk(out: Path, settings: Settings) -> None:
    """alignment.nk: the same graph the Nuke menu pastes (Read(stmap) + STMap(reference))."""
    from ..core.io.atomic import atomic_write_text
    from ..nk import write_script
    from ..nk.alignment_graph import alignment_graph

    try:
        graph = alignment_graph(
            out / "alignment.json", reference_colorspace=settings.reference_colorspace
        )
    except RTKError:
        return  # nothing aligned: no graph
    atomic_write_text(out / "alignment.nk", write_script(graph.script))


def _absolute(spec: str) -> str:
    """A spec with its path made absolute (a trailing frame range is kept)."""
    from ..core.io.sequence import split_spec

    head, frames = split_spec(spec)
    return os.path.abspath(head) + (f" {frames}" if frames else "")


def _same_footage(project, spec: str) -> bool:
    ref = project.reference_spec()
    from ..core.io.sequence import spec_path

    return bool(ref) and spec_path(_absolute(spec)) == os.path.abspath(spec_path(ref))


def _write_json(
    path: Path, source: str, reference: str, records, settings: Settings, smooth: float
) -> Dict[str, Any]:
    from ..core.io.atomic import atomic_write_text

    frames: Dict[str, Any] = {}
    if path.is_file():  # keep the frames of an earlier run that this run did not redo
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if old.get("schema") == SCHEMA and old.get("source") == source:
                frames.update(old.get("frames") or {})
        except (ValueError, OSError):
            pass
    frames.update({str(f): r for f, r in records.items()})
    ordered = {k: frames[k] for k in sorted(frames, key=lambda k: int(k))}
    all_records = {int(k): v for k, v in ordered.items()}
    document = {
        "schema": SCHEMA,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "source": source,
        "reference": reference,
        "settings": {
            "dense": settings.dense,
            "filter": settings.filter,
            "smooth_sigma_frames": smooth,
            "reference_pixel_aspect": settings.pixel_aspect,
            "working_space": settings.working_space,
            "reference_colorspace": settings.reference_colorspace,
            "stmap": "u=(x+0.5)/W, v=1-(y+0.5)/H in reference-normalised coordinates, float32",
        },
        "summary": _summary(all_records),
        "frames": ordered,
    }
    atomic_write_text(path, json.dumps(document, indent=1, default=str) + "\n")
    return document


def _median_live_area(records) -> Optional[List[int]]:
    import statistics

    boxes = [
        r["live_area"] for r in records.values() if r.get("status") == "ok" and r.get("live_area")
    ]
    return [int(statistics.median(b[i] for b in boxes)) for i in range(4)] if boxes else None


def _log(project, request: AlignRequest, records, summary, out: Path) -> None:
    try:
        log_run(
            project.root,
            stage="alignment",
            technique=project.technique,
            frames=sorted(records),
            parameters={
                "dense": request.dense,
                "filter": request.filter,
                "smooth": request.smooth,
                "jobs": request.jobs,
            },
            figures={
                k: v for k, v in summary.items() if isinstance(v, (int, float)) and v is not None
            },
            inputs=[Path(project.source_spec()), Path(project.reference_spec() or "")],
            outputs=[out / "alignment.json"],
            alignment_path="automatic",  # the log's vocabulary: automatic / manual
            live_area=_median_live_area(records),
            observations=(f"failed frames: {summary['failed']}; " if summary["failed"] else "")
            + (
                f"look at: {summary['look_at']}"
                if summary["look_at"]
                else "all frames within thresholds"
            ),
        )
    except Exception as exc:  # the log must never fail the stage
        print(f"rtk: warning: experiment log not updated ({exc})", file=sys.stderr)


# -- the stage ---------------------------------------------------------------------------------


def run_alignment(request: AlignRequest, progress: Optional[ProgressFn] = None) -> AlignOutcome:
    """Resolve the inputs, align every planned frame, write the outputs and log the run.
    Frames that fail are in ``summary["failed"]`` (the others are still written)."""
    project = None
    frames, reference_frames, pairs_spec = request.frames, request.reference_frames, request.pairs
    if request.source and not request.reference:
        raise RTKError("give both SOURCE and REFERENCE, or neither (then the project's are used)")
    settings = Settings(
        dense=request.dense, filter=request.filter, pixel_aspect=request.pixel_aspect
    )
    if request.source:
        source, reference = request.source, request.reference
        if not request.out:
            raise RTKError("--out DIR is required when SOURCE and REFERENCE are given")
        out = Path(request.out)
        project = open_optional_project(request.project)
    else:
        from ..core.project import open_project

        project = open_project(request.project)
        if project.reference is None:
            raise RTKError(
                "project has no reference to align (technique " + project.technique + ")",
                project.root / "project.yaml",
            )
        source = project.source_spec()
        reference = project.reference_spec()
        out = Path(request.out) if request.out else project.alignment_dir
        if frames is None and project.source.frames:
            frames = project.source.frames
        if reference_frames is None and project.reference.frames:
            reference_frames = project.reference.frames
        pairs_file = Path(pairs_spec) if pairs_spec else project.pairs_file
        if pairs_file.is_file():
            pairs_spec = str(pairs_file)
    source, reference = _absolute(source), _absolute(reference)
    if project is not None and project.reference is not None and _same_footage(project, reference):
        settings.ocio_config = project.color.ocio_config
        settings.reference_colorspace = project.reference.colorspace
        settings.working_space = project.color.working_space
        if project.picture_area is not None:
            settings.scan_box = project.picture_area.box
        if settings.pixel_aspect is None and project.reference.pixel_aspect:
            settings.pixel_aspect = project.reference.pixel_aspect / max(
                project.source.pixel_aspect, 1e-6
            )
    pairs = _pairs_and_holdouts(pairs_spec, project) if pairs_spec else None
    jobs = plan_jobs(
        source, reference, out, frames=frames, reference_frames=reference_frames, pairs=pairs
    )
    settings.protect = sorted(
        {j.scan_path for j in jobs if j.scan_path}
        | {j.reference_path for j in jobs if j.reference_path}
    )
    out.mkdir(parents=True, exist_ok=True)
    records = align_jobs(
        jobs,
        settings,
        smooth=request.smooth,
        workers=max(1, request.jobs),
        progress=_overall(progress, passes=2 if request.smooth > 0 else 1),
    )
    document = _write_json(
        out / "alignment.json", source, reference, records, settings, request.smooth
    )
    summary = document["summary"]
    _write_nk(out, settings)
    if project is not None and request.log:
        _log(project, request, records, summary, out)
    return AlignOutcome(out, out / "alignment.json", summary, records)


def _pairs_and_holdouts(pairs_spec: str, project: Optional[Project]) -> List[Tuple[int, int]]:
    """(scan, reference) frames of pairs.yaml's pairs, then of its held-out frames: validation
    and the MatchGrade hold-out figures measure those against their aligned reference. The
    project's own pairs.yaml is checked against its sequences (checksums verified)."""
    from ..core.curation.pairs import load_pairs, load_project_pairs

    own = project is not None and Path(pairs_spec).resolve() == project.pairs_file.resolve()
    ps = load_project_pairs(project) if own and project is not None else load_pairs(pairs_spec)
    pairs = [(p.scan_frame, p.reference_frame) for p in ps.pairs if p.reference_frame is not None]
    paired = {s for s, _ in pairs}
    return pairs + sorted((s, r) for s, r in ps.holdout_references.items() if s not in paired)


def _overall(progress: Optional[ProgressFn], passes: int) -> ProgressFn:
    """One bar over both passes of a smoothed run (global models, then the outputs)."""
    offset = [0]

    def report(done: int, total: int, message: str = "") -> None:
        if progress is None:
            return
        if message.startswith("global") or passes == 1:
            progress(done, total * passes, message)
            offset[0] = done
        else:
            progress(offset[0] + done, offset[0] + total, message)

    return report
