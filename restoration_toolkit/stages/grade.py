"""Stage 05's grade ("MatchGrade" in Nuke's words): fit a film-specific color transform on
the aligned pairs, the model chosen by cross-validation, and apply it to sequences.

Fit: on a project every default comes from project.yaml / pairs.yaml / stage 02 — the scan,
the aligned references ``pipeline/02_alignment/aligned.####.exr`` (working space), their
``confidence.####.exr`` masks, the pairs' scan frames, shots and holdout — and the grade goes
to ``pipeline/05_matchgrade_render/grade.cube`` (+ ``.clf``, ``.json``, ``.cc`` for CDL).
Color-recovery projects fit chroma-only by default (the scan keeps its luminance). The
candidate table goes into the sidecar and the experiment log.

Apply: a grade file onto a sequence through OpenColorIO (or exactly, chroma-only), written
in the input's colour space and format to ``<NAME>_MG_####.exr``.

Used by ``rtk matchgrade`` (commands/matchgrade.py), the demo and the farm tasks.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..core.errors import RTKError
from ..core.io.frames import format_frames, parse_frames
from ..core.io.sequence import open_sequence, output_sequence
from ..core.progress import ProgressFn
from ..core.project import Project, open_project
from .color_setup import color_setup


@dataclass(frozen=True)
class GradeFitRequest:
    """What a front end asks for; None = the project's default (see the module docstring).
    ``chroma_only``: None = chroma-only on color-recovery projects, full elsewhere."""

    source: Optional[str] = None
    target: Optional[str] = None
    mask: Optional[str] = None
    frames: Optional[str] = None
    holdout: Optional[str] = None
    out: Optional[Path] = None
    method: Optional[str] = None
    encoding: Optional[str] = None
    prior: Optional[str] = None
    degree: Optional[int] = None
    size: int = 33
    chroma_only: Optional[bool] = None
    source_colorspace: Optional[str] = None
    target_colorspace: Optional[str] = None
    ocio: Optional[str] = None
    working_space: Optional[str] = None
    project: Optional[str] = None
    log: bool = True


@dataclass(frozen=True)
class GradeApplyRequest:
    """``chroma_only``: None = as the grade was fitted (its JSON sidecar says), or for a grade
    without one, chroma-only on color-recovery projects."""

    grade: Path
    input: Optional[str] = None
    out: Optional[str] = None
    frames: Optional[str] = None
    colorspace: Optional[str] = None
    ocio: Optional[str] = None
    working_space: Optional[str] = None
    inverse: bool = False
    chroma_only: Optional[bool] = None
    project: Optional[str] = None
    log: bool = True


@dataclass
class GradeOutcome:
    """``summary``: what the front end prints (JSON-ready); ``log_entry``: the log's id."""

    summary: Dict[str, Any]
    log_entry: Optional[str] = None
    written: List[Path] = field(default_factory=list)


def _maybe_project(explicit: Optional[str]) -> Optional[Project]:
    if explicit:
        return open_project(explicit)
    try:
        return open_project(None)
    except RTKError:
        return None


def _declared_space(path: Path, colors: Any) -> Optional[str]:
    from ..core.color.ocio_apply import load_config
    from ..core.io.images import read_image_header

    name = read_image_header(path).colorspace
    if not name or name == colors.working:
        return None
    try:
        known = load_config(colors.config).getColorSpace(name) is not None
    except RTKError:
        return None
    return name if known else None


def _log(project: Optional[Project], enabled: bool, **entry: Any) -> Optional[str]:
    if project is None or not enabled:
        return None
    from ..core.experiment_log import log_run

    try:
        return log_run(project.root, stage="matchgrade", technique=project.technique, **entry)
    except RTKError:
        raise
    except Exception as exc:  # the log must never lose a finished fit
        print(f"rtk: warning: experiment log not updated ({exc})", file=sys.stderr)
        return None


def _fit_inputs(request: GradeFitRequest, project: Optional[Project]):
    """Sequences, frames, holdout, shots and masks of a fit (project defaults filled in)."""
    pairs = None
    if project is not None and project.pairs_file.is_file():
        from ..core.curation.pairs import load_project_pairs

        pairs = load_project_pairs(project)  # checked against the sequences, checksums verified
    source_spec = request.source or (project.source_spec() if project else None)
    target_spec = request.target or (
        str(project.alignment_dir / "aligned.####.exr") if project else None
    )
    if not source_spec or not target_spec:
        raise RTKError("give --source and --target (or run inside a restoration project)")
    if request.frames:
        frames = parse_frames(request.frames)
    elif pairs is not None and pairs.pairs:
        frames = sorted(set(pairs.scan_frames) | set(pairs.holdout))
    else:
        frames = None
    holdout = (
        parse_frames(request.holdout)
        if request.holdout
        else (list(pairs.holdout) if pairs and not request.frames else [])
    )
    frame_text = format_frames(sorted(set(frames))) if frames else None
    # in a project, pairs whose reference is not aligned (yet) are left out, and said so
    target = open_sequence(
        target_spec, frame_text, allow_missing=bool(pairs is not None and not request.frames)
    )
    skipped = list(target.missing)
    frames = [f for f in target.frames if f not in set(skipped)]
    if not frames:
        raise RTKError("no aligned reference frames to fit on (run rtk align first)", target_spec)
    holdout = [f for f in holdout if f in set(frames)]
    source = open_sequence(source_spec, format_frames(frames))
    mask = None
    if request.mask:
        mask = open_sequence(request.mask, format_frames(frames))
    elif project is not None and not request.target:
        conf = project.alignment_dir / "confidence.####.exr"
        try:
            mask = open_sequence(str(conf), format_frames(frames))
        except RTKError:
            mask = None
    shots = {p.scan_frame: p.shot for p in pairs.pairs if p.shot} if pairs is not None else {}
    return source, target, mask, frames, holdout, shots, skipped


def _refuse_overwrite(out: Path, inputs: List[Path]) -> None:
    resolved = {p.resolve() for p in inputs}
    for candidate in (out, out.with_suffix(".json"), out.with_suffix(".cc"),
                      out.with_suffix(".clf")):
        if candidate.resolve() in resolved:
            raise RTKError("refusing to write over an input file", candidate)


def run_grade_fit(request: GradeFitRequest, progress: Optional[ProgressFn] = None
                  ) -> GradeOutcome:
    """Resolve the inputs, cross-validate the candidates, fit, write the grade files, log."""
    from ..core.color.sequences import fit_grade

    project = _maybe_project(request.project)
    if not 2 <= request.size <= 129:
        raise RTKError(f"--size must be between 2 and 129, got {request.size}")
    source, target, mask, frames, holdout, shots, skipped = _fit_inputs(request, project)
    out = request.out or (project.stage_dir(5) / "grade.cube" if project else None)
    if out is None:
        raise RTKError("give --out grade.cube (or run inside a restoration project)")
    out = Path(out)
    if out.suffix.lower() != ".cube":
        raise RTKError("--out must name a .cube file", out)
    inputs = [source.path(f) for f in frames] + [target.path(f) for f in frames]
    if mask is not None:
        inputs += [mask.path(f) for f in frames]
    _refuse_overwrite(out, inputs)
    source_space = request.source_colorspace or (
        project.source.colorspace if project and not request.source else None
    )
    colors = color_setup(project, ocio=request.ocio, working_space=request.working_space,
                         source_space=source_space, target_space=request.target_colorspace)
    if request.target_colorspace is None and colors.config is not None:
        # aligned references say their colour space in the header (the working space when
        # stage 02 converted them, else the reference's own, e.g. "sRGB - Texture")
        colors.target = _declared_space(target.path(frames[0]), colors)
    chroma = request.chroma_only
    if chroma is None:
        chroma = bool(project is not None and project.is_color)
    result = fit_grade(
        source, target, out, frames=frames, holdout=holdout, mask=mask, colors=colors,
        method=request.method, size=request.size, encoding=request.encoding,
        prior=request.prior, degree=request.degree, chroma_only=chroma, shots=shots,
        progress=progress, extra={"project": project.name if project else None},
    )
    selection = result.figures.get("model_selection") or {}
    chosen = result.transform.figures.get("candidate", result.transform.method)
    summary: Dict[str, Any] = {
        "grade": result.files.cube,
        "sidecar": result.files.sidecar,
        "cdl": result.files.cdl,
        "clf": result.files.clf,
        "method": result.transform.method,
        "model": chosen,
        "encoding": result.transform.encoding,
        "size": request.size,
        "chroma_only": chroma,
        "training_frames": result.train_frames,
        "holdout_frames": result.holdout_frames,
        **{k: v for k, v in result.figures.items() if k != "model_selection"},
        "skipped_frames": skipped,
    }
    if selection:
        summary["model_selection"] = selection
    entry = _log(
        project, request.log,
        frames=result.train_frames,
        parameters={
            "model": chosen,
            "forced": {k: v for k, v in (("method", request.method), ("encoding",
                       request.encoding), ("prior", request.prior), ("degree",
                       request.degree)) if v is not None},
            "size": request.size,
            "chroma_only": chroma,
            "weights": result.transform.figures.get("weights", {}),
            "holdout": format_frames(result.holdout_frames) if result.holdout_frames else "",
        },
        figures={
            **{k: v for k, v in result.figures.items() if not isinstance(v, dict)},
            **({"model_selection": _log_table(selection)} if selection else {}),
        },
        inputs=[Path(source.hash_pattern), Path(target.hash_pattern)],
        outputs=result.files.all(),
        observations=f"MatchGrade fit: cross-validation chose {chosen}"
        + (" (chroma-only)" if chroma else ""),
    )
    return GradeOutcome(summary, entry)


def _log_table(selection: Dict[str, Any]) -> Dict[str, Any]:
    """The candidate table as the experiment log keeps it (CV mean / p95 per candidate)."""
    return {
        "winner": selection.get("winner"),
        "folds": selection.get("folds"),
        "candidates": {c["name"]: [c["cv_de2000_mean"], c["cv_de2000_p95"]]
                       for c in selection.get("candidates", [])},
    }


def fit_report(s: Dict[str, Any]) -> List[str]:
    """What ``rtk matchgrade fit`` prints for a fit's summary (without --json)."""
    out = [f"wrote {s['grade']} ({s['model']}" + (", chroma-only" if s["chroma_only"] else "")
           + (f", size {s['size']})" if s["method"] == "lut3d" else ")")]
    selection = s.get("model_selection")
    if selection:
        out.append(f"  cross-validation ({selection['folds']['kind']}, "
                   f"{len(selection['folds']['folds'])} folds), best of "
                   f"{len(selection['candidates'])} candidates:")
        for c in selection["candidates"][:5]:
            mark = "*" if c["name"] == selection["winner"] else " "
            out.append(f"  {mark} {c['name']:34s} ΔE2000 mean {c['cv_de2000_mean']}  "
                       f"p95 {c['cv_de2000_p95']}")
    if "train_de2000_mean" in s:
        out.append(f"  training ΔE2000 mean {s['train_de2000_mean']:.2f}  "
                   f"p95 {s['train_de2000_p95']:.2f}  ({len(s['training_frames'])} frames)")
    if s["skipped_frames"]:
        out.append("  left out (no aligned reference): frames "
                   + format_frames(s["skipped_frames"]))
    if "holdout_de2000_mean" in s:
        out.append(f"  held-out ΔE2000 mean {s['holdout_de2000_mean']:.2f}  p95 "
                   f"{s['holdout_de2000_p95']:.2f}  (frames {format_frames(s['holdout_frames'])})")
    return out


def _grade_chroma_default(grade: Path) -> Optional[bool]:
    """What the grade's JSON sidecar says about chroma-only (None when it says nothing)."""
    side = grade if grade.suffix.lower() == ".json" else grade.with_suffix(".json")
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return bool(data.get("chroma_only")) if isinstance(data, dict) else None


def run_grade_apply(request: GradeApplyRequest, progress: Optional[ProgressFn] = None
                    ) -> GradeOutcome:
    """Apply a grade to every frame of a sequence (nothing written before all inputs read)."""
    from ..core.color.grade_files import load_grade
    from ..core.color.sequences import apply_grade

    project = _maybe_project(request.project)
    grade = Path(request.grade)
    load_grade(grade)  # parses (and so validates) the grade before anything else
    input_spec = request.input or (project.source_spec() if project else None)
    if not input_spec:
        raise RTKError("give INPUT_SEQ (or run inside a restoration project)")
    source = open_sequence(input_spec, request.frames)
    out_spec = request.out or (
        str(project.stage_dir(5) / f"{project.name}_MG_####.exr") if project else None
    )
    if not out_spec:
        raise RTKError("give --out OUT_SEQ")
    out = output_sequence(out_spec, source.frames)
    if len(source.frames) > 1 and out.is_single:
        raise RTKError(
            "--out must be a sequence pattern (name.####.exr) for several frames", out_spec
        )
    space = request.colorspace or (
        project.source.colorspace if project and not request.input else None)
    colors = color_setup(project, ocio=request.ocio, working_space=request.working_space,
                         source_space=space)
    chroma = request.chroma_only
    if chroma is None and not request.inverse:
        chroma = _grade_chroma_default(grade)
        if chroma is None:  # a grade from elsewhere: the project's kind decides
            chroma = bool(project is not None and project.is_color)
    written = apply_grade(grade, source, out, colors=colors, inverse=request.inverse,
                          chroma_only=chroma, progress=progress)
    entry = _log(
        project, request.log,
        frames=list(source.frames),
        parameters={"grade": grade.name, "chroma_only": bool(chroma)},
        inputs=[grade, Path(source.hash_pattern)],
        outputs=[Path(out.hash_pattern)],
        observations=f"MatchGrade applied to {len(written)} frames"
        + (" (chroma-only)" if chroma else ""),
    )
    summary = {
        "grade": grade,
        "output": out.hash_pattern,
        "frames": list(source.frames),
        "written": len(written),
        "chroma_only": bool(chroma),
    }
    return GradeOutcome(summary, entry, written)
