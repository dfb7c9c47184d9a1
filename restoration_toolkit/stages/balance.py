"""The neutral technical pre-balance of stage 01 (`rtk balance`): estimate a global balance of
the faded scan without a reference from sample frames, write it as a CDL (``balance.cc`` +
``balance.cube`` + ``balance.json``: repeatable in Nuke, invertible with ``rtk matchgrade
apply balance.json … --inverse``), render the balanced sequence and log the run.

Estimators (``method``): ``levels`` (robust per-channel black / white points and gamma),
``density`` (fading estimated from neutral blacks in print density), ``ace`` (automatic
color equalization, made global).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.frames import format_frames
from ..core.io.protect import refuse_protected
from ..core.io.raster import common_size
from ..core.io.sequence import ImageSequence, open_sequence, output_sequence
from ..core.progress import ProgressFn, report
from ..core.project import Project
from ..core.project_lookup import open_optional_project
from .color_setup import color_setup

METHODS = ("levels", "density", "ace")


@dataclass(frozen=True)
class BalanceRequest:
    """``source`` None = the project's scan; ``out`` None = 01_dataset_curation/balanced/
    <NAME>_BAL_####.exr; ``grade`` None = balance.cube next to the output."""

    source: Optional[str] = None
    out: Optional[str] = None
    frames: Optional[str] = None
    method: str = "levels"
    samples: int = 12
    grade: Optional[str] = None
    colorspace: Optional[str] = None
    ocio: Optional[str] = None
    working_space: Optional[str] = None
    project: Optional[str] = None
    log: bool = True


def _outputs(request: BalanceRequest, project: Optional[Project], source: ImageSequence):
    """The output sequence and grade path, refused where they would replace an input."""
    out_spec = request.out or (
        str(project.stage_dir(1) / "balanced" / project.file_name("BAL")) if project else None
    )
    if not out_spec:
        raise RTKError("give --out BAL_SEQ")
    out = output_sequence(out_spec, source.frames)
    if len(source.frames) > 1 and out.is_single:
        raise RTKError(
            "--out must be a sequence pattern (name.####.exr) for several frames", out_spec
        )
    first = Path(out.path(source.frames[0]))
    grade = Path(request.grade) if request.grade else first.parent / "balance.cube"
    inputs = {source.path(f).resolve() for f in source.frames}
    written = (grade, grade.with_suffix(".cc"), grade.with_suffix(".json"))
    for p in (*written, *(out.path(f) for f in source.frames)):
        if Path(p).resolve() in inputs:
            raise RTKError("refusing to write over an input file", p)
        refuse_protected(p)  # a project's source or reference, before anything is written
    return out, grade


def _log(project: Project, request: BalanceRequest, source, out, files, cdl, picks) -> str:
    return log_run(
        project.root,
        stage="dataset_curation",
        technique=project.technique,
        frames=list(source.frames),
        parameters={
            "balance": request.method,
            "encoding": cdl.encoding,
            "sample_frames": format_frames(picks),
        },
        figures={},
        inputs=[Path(source.hash_pattern)],
        outputs=[Path(out.hash_pattern), *files.all()],
        observations=f"neutral pre-balance ({request.method})",
    )


def run_balance(request: BalanceRequest, progress: Optional[ProgressFn] = None) -> Dict[str, Any]:
    """Estimate, write the grade files, render, log; returns the summary to print."""
    from ..core.color.balance import estimate_balance
    from ..core.color.grade_files import save_grade
    from ..core.color.sequences import apply_grade
    from ..core.io.images import read_image

    project = open_optional_project(request.project)
    spec = request.source or (project.source_spec() if project else None)
    if not spec:
        raise RTKError("give SCAN_SEQ (or run inside a restoration project)")
    source = open_sequence(spec, request.frames)
    out, grade_path = _outputs(request, project, source)
    # one raster, color frames, before anything is written
    common_size((source.path(f) for f in source.frames), min_channels=3)
    space = request.colorspace or (
        project.source.colorspace if project and not request.source else None
    )
    colors = color_setup(
        project, ocio=request.ocio, working_space=request.working_space, source_space=space
    )
    n = max(1, min(request.samples, len(source.frames)))
    picks = sorted({source.frames[int(i)] for i in np.linspace(0, len(source.frames) - 1, n)})
    total = len(picks) + len(source.frames)
    samples: List[np.ndarray] = []
    for i, f in enumerate(picks):
        samples.append(colors.to_working(read_image(source.path(f)).pixels, space))
        report(progress, i + 1, total, f"sampled frame {f}")
    cdl = estimate_balance(samples, method=request.method)
    del samples
    files = save_grade(
        cdl,
        grade_path,
        size=33,
        extra={"kind": "balance", "source": source.hash_pattern, "sample_frames": picks},
    )

    def step(done: int, _total: int, message: str = "") -> None:
        report(progress, len(picks) + done, total, message)

    written = apply_grade(files.sidecar, source, out, colors=colors, progress=step)
    summary: Dict[str, Any] = {
        "output": out.hash_pattern,
        "frames": list(source.frames),
        "written": len(written),
        "method": request.method,
        "grade": files.cube,
        "cdl": files.cdl,
        "sidecar": files.sidecar,
        "sample_frames": picks,
        "cdl_values": cdl.parameters(),
        "encoding": cdl.encoding,
    }
    if project is not None and request.log:
        summary["log_entry"] = _log(project, request, source, out, files, cdl, picks)
    return summary
