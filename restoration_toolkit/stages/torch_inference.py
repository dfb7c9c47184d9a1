"""Stage 04 with the toolkit's own engine (`rtk infer`): render a sequence with a TorchScript
model frame by frame, tiled, skipping frames already rendered, and log the render in the
project's experiment log when there is a project.

The Nuke side of stage 04 (the Inference script) is :mod:`restoration_toolkit.stages.inference`.
torch is imported when a render starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.frames import format_frames
from ..core.progress import ProgressFn
from ..core.project import Project
from ..core.project_lookup import open_optional_project

MODEL_ROUTE = "rtk infer (TorchScript)"


@dataclass(frozen=True)
class InferRequest:
    """What a front end asks the TorchScript renderer for. ``source``: the scan sequence;
    ``out``: the output pattern (its extension sets the format); ``tile`` 0 = whole frames;
    ``recombine``: auto / none / chroma / luma; ``project``: where the render is logged
    (None: the nearest project.yaml, if any)."""

    model: Path
    source: str
    out: str
    frames: Optional[str] = None
    tile: int = 512
    overlap: int = 64
    device: str = "auto"
    recombine: str = "auto"
    colorspace: Optional[str] = None
    overwrite: bool = False
    project: Optional[str] = None
    threads: int = 0
    log: bool = True


def _log(project: Project, request: InferRequest, result, device: str) -> str:
    return log_run(
        project.root,
        stage="inference",
        technique=project.technique,
        frames=result.written,
        parameters={
            "model": str(request.model),
            "tile": request.tile,
            "overlap": request.overlap,
            "device": device,
            "recombine": result.recombine,
        },
        figures={"seconds_per_frame": round(result.seconds_per_frame, 3)},
        inputs=[Path(request.model)],
        outputs=result.outputs[:1],
        observations=f"rtk infer wrote {len(result.written)} frames to {request.out}",
        model_route=MODEL_ROUTE,
    )


def run_inference(request: InferRequest, progress: Optional[ProgressFn] = None) -> Dict[str, Any]:
    """Render, then log (when frames were written and a project is found); returns the
    summary a front end prints."""
    if request.tile < 0 or request.overlap < 0:
        raise RTKError("--tile and --overlap must not be negative")
    if request.tile and request.tile < 2 * request.overlap:
        raise RTKError("--tile must be at least twice --overlap")
    from ..train import require_torch, set_threads

    require_torch()
    set_threads(request.threads)
    from ..train.infer import check_model_technique, infer_sequence
    from ..train.trainer import resolve_device

    device = resolve_device(request.device)
    # before any frame: the project (its scan and reference are then protected) and a model
    # trained for this project's technique
    project = open_optional_project(request.project)
    if project is not None:
        check_model_technique(Path(request.model), project.technique, project.root / "project.yaml")
    result = infer_sequence(
        Path(request.model),
        request.source,
        request.out,
        frames=request.frames,
        tile=request.tile,
        overlap=request.overlap,
        device=device,
        overwrite=request.overwrite,
        recombine=request.recombine,
        colorspace=request.colorspace,
        progress=progress,
    )
    summary: Dict[str, Any] = {
        "written": format_frames(result.written) if result.written else "",
        "skipped": format_frames(result.skipped) if result.skipped else "",
        "frames_written": len(result.written),
        "frames_skipped": len(result.skipped),
        "seconds_per_frame": round(result.seconds_per_frame, 3),
        "recombine": result.recombine,
        "device": str(device),
        "out": request.out,
    }
    if request.log and result.written and project is not None:
        summary["log_entry"] = _log(project, request, result, str(device))
    return summary
