"""The validation report's data (``report.json``): one strict-JSON document the HTML is
rendered from, so the page and the file always show the same numbers."""

from __future__ import annotations

import datetime as _dt
import math
import shlex
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from .. import __version__
from ..core.io.frames import format_frames
from ..core.project import Project
from ..core.validation.evaluate import METRICS, ValidationResult, best_per_row
from ..core.validation.inputs import FRAME_STATUSES, GROUND_TRUTHS

REPORT_SCHEMA = "rtk-validation-report/2"
TRAINED_MODEL_NOTICE = (
    "The images labelled 'model' were made by a trained machine-learning model (a per-film "
    "network trained on the reference pairs listed in pairs.yaml); they are a restoration, "
    "not the original film, and the references they were trained on are listed below."
)
MEASURED_IN = (
    "display-referred sRGB 0–1 (OpenColorIO: each input from its colour space to "
    "'sRGB - Texture'), cropped to the live area, over the alignment confidence mask"
)


def json_safe(value: Any) -> Any:
    """``value`` with NaN/inf as null, numpy as Python and paths as posix strings (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    return value


def _element(project: Project) -> str:
    e = project.reference.element if project.reference else None
    return " ".join(x for x in (e.gauge, e.generation, e.description) if x) if e else ""


def provenance_rows(project: Optional[Project]) -> List[Dict[str, str]]:
    """One row per reference (the project's reference and every keyframe) with its provenance."""
    if project is None:
        return []
    out = []
    if project.reference is not None:
        p = project.reference.provenance
        out.append(
            {
                "reference": project.reference.path,
                "element": _element(project),
                "source": p.source if p else "",
                "holder": p.holder if p else "",
                "permission": p.permission if p else "",
                "date": p.date if p else "",
                "notes": p.notes if p else "",
            }
        )
    for k in project.keyframe_references:
        out.append(
            {
                "reference": k.path,
                "element": f"keyframe for scan frame {k.scan_frame}",
                "source": k.provenance.source,
                "holder": k.provenance.holder,
                "permission": k.provenance.permission,
                "date": k.provenance.date,
                "notes": k.provenance.notes,
            }
        )
    return out


def _matchgrade_forms(result: ValidationResult) -> Optional[Dict[str, str]]:
    """Which rows are MatchGrade in full and which its chroma-only form (None without one)."""
    mg = [c for c in result.inputs.candidates if c.kind == "matchgrade"]
    full = next((c.name for c in mg if c.chroma_of is None), None)
    chroma = next((c.name for c in mg if c.chroma_of == full), None) if full else None
    return {"full": full, "chroma_only": chroma} if full else None


def _frames_section(result: ValidationResult) -> Dict[str, Any]:
    inputs = result.inputs
    return {
        "frames": inputs.frames,
        "training_frames": inputs.training_frames,
        "training_measured": inputs.training_measured,
        "neighbour_frames": inputs.neighbour_frames,
        "frame_statuses": FRAME_STATUSES,
        "frame_status": {str(f): s for f, s in sorted(result.status.items())},
    }


def report_data(
    result: ValidationResult,
    *,
    project: Optional[Project],
    entry_id: Optional[str],
    plots: Dict[str, str],
    pictures: List[Dict[str, Any]],
    signoffs: List[Dict[str, Any]],
    nuke_script: Optional[str] = None,
) -> Dict[str, Any]:
    """The whole ``report.json`` document (strict JSON: NaN and inf are null)."""
    inputs = result.inputs
    outlier_frames = sorted({o.frame for o in result.outliers})
    curate = None
    if outlier_frames:  # shell-quoted: a folder name never runs as code when pasted
        argv = ["rtk", "curate", "--add", format_frames(outlier_frames)]
        curate = shlex.join(argv + (["--project", project.root.as_posix()] if project else []))
    model = next((c for c in inputs.candidates if c.kind == "model"), None)
    project_info = None
    if project is not None:
        project_info = {
            "name": project.name,
            "technique": project.technique,
            "root": project.root,
            "film": project.film,
        }
    return json_safe(
        {
            "schema": REPORT_SCHEMA,
            "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
            "toolkit_version": __version__,
            "project": project_info,
            "trained_model_notice": TRAINED_MODEL_NOTICE,
            **_frames_section(result),
            "measured_in": MEASURED_IN,
            "size": list(result.size),
            "ground_truth": inputs.ground_truth,
            "compared_with": GROUND_TRUTHS[inputs.ground_truth],
            "references": {
                "source": inputs.reference_source,
                "colorspace": inputs.reference_space,
                "provenance": provenance_rows(project),
            },
            "scan": {"source": inputs.scan_source, "colorspace": inputs.scan_space},
            "model_provenance": model.attributes if model else {},
            "candidates": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "description": c.description,
                    "source": c.source,
                    "colorspace": c.colorspace,
                    "parameters": c.parameters,
                    "chroma_of": c.chroma_of,
                }
                for c in inputs.candidates
            ],
            "matchgrade": _matchgrade_forms(result),
            "metrics": {k: {"label": v[0], "better": v[1]} for k, v in METRICS.items()},
            "summary": result.summary,
            "summary_by_status": result.summary_by_status,
            "best": best_per_row(result.summary),
            "per_frame": {
                n: {str(f): v for f, v in rows.items()} for n, rows in result.per_frame.items()
            },
            "nps": result.nps,
            "flicker": result.flicker,
            "outlier_measures": [asdict(m) for m in result.measures],
            "outliers": [asdict(o) for o in result.outliers],
            "outlier_frames": outlier_frames,
            "curate_command": curate,
            "notes": inputs.notes,
            "plots": plots,
            "pictures": pictures,
            "experiment_entry": entry_id,
            "signoffs": signoffs,
            "nuke_script": nuke_script,
        }
    )
