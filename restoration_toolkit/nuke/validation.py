"""Film Restoration ▸ 05 Validation: the comparison graph and the report, inside Nuke.

``build_validation_comparison``: with the model result Read and the scan Read selected (and
optionally the aligned reference Read), paste new Reads of the same files feeding the
traditional baselines (Lanczos / bicubic Reformat, Sharpen, Denoise2 → Sharpen → Grain2),
a difference view and a ContactSheet, inside a Backdrop (one undo step).
``open_report``: open pipeline/05_matchgrade_render/report/index.html in the web browser.
"""

from __future__ import annotations

import re
import shlex
import webbrowser
from pathlib import Path
from typing import Any, List, Optional, Tuple

import nuke

from ..core.project_lookup import no_project_message
from ..nk.validation_graph import ClipSpec, comparison_text
from . import host

LABEL = "RT 05 Validation: model vs traditional baselines"
COLOR = 0x3F5F4FFF
_RESULT = re.compile(r"_ml_|04_inference_render|inference", re.I)
_REFERENCE = re.compile(r"aligned|02_alignment|reference|_ref_", re.I)

SELECT_HELP = (
    "Select the model result Read (pipeline/04_inference_render/<shot>_ml_####.exr) and the "
    "scan Read (optionally the aligned reference Read too), then run "
    "05 Validation ▸ Build Validation Comparison again."
)


def _clip(node: Any) -> ClipSpec:
    cs = node["colorspace"].value() if node.knob("colorspace") is not None else None
    return ClipSpec(host.read_path(node), int(node.firstFrame()), int(node.lastFrame()), cs or None)


def classify_reads(reads: List[Any]) -> Tuple[Optional[Any], Optional[Any], Optional[Any]]:
    """(result, scan, reference) among the selected Reads, from their file paths."""
    result = next((r for r in reads if _RESULT.search(host.read_path(r))), None)
    rest = [r for r in reads if r is not result]
    reference = next((r for r in rest if _REFERENCE.search(host.read_path(r))), None)
    rest = [r for r in rest if r is not reference]
    scan = rest[0] if len(rest) == 1 else None
    return result, scan, reference


def build_validation_comparison() -> Optional[List[Any]]:
    reads = host.selected_reads()
    if len(reads) not in (2, 3):
        host.message(SELECT_HELP)
        return None
    result, scan, reference = classify_reads(reads)
    if result is None or scan is None:
        host.message(
            "Could not tell which Read is the model result: its file should be in "
            "pipeline/04_inference_render or contain _ml_. " + SELECT_HELP
        )
        return None
    damage, repair = _damage_clips(_clip(scan))
    text = comparison_text(
        scan=_clip(scan),
        result=_clip(result),
        reference=_clip(reference) if reference is not None else None,
        size=(int(result.width()), int(result.height())),
        damage=damage,
        repair=repair,
    )
    return host.paste_graph(text, LABEL, COLOR)


def _damage_clips(scan: ClipSpec) -> Tuple[Optional[ClipSpec], Optional[ClipSpec]]:
    """The project's damage masks and damage repair over the scan's range, where they exist
    (``rtk damage detect`` / ``rtk damage repair``): the graph then shows damage before and
    after."""
    project = host.current_project()
    if project is None:
        return None, None
    from ..core.damage.files import damage_dir, repair_dir

    masks = damage_dir(project)
    if not any(masks.glob("mask.*.exr")):
        return None, None
    damage = ClipSpec((masks / "mask.%04d.exr").as_posix(), scan.first, scan.last)
    repaired = sorted(repair_dir(project).glob("repaired.*.*"))
    repair = None
    if repaired:
        ext = repaired[0].suffix
        repair = ClipSpec((repair_dir(project) / f"repaired.%04d{ext}").as_posix(),
                          scan.first, scan.last, scan.colorspace)
    return damage, repair


def report_path() -> Optional[Path]:
    project = host.current_project()
    if project is None:
        return None
    return project.stage_dir(5) / "report" / "index.html"


_jobs: List[Any] = []  # the background `rtk validate` runs started here (tests join them)


def open_report() -> Optional[Path]:
    """Open the report; when there is none yet, offer to run `rtk validate` in the background
    (a cancellable progress task) and open the report once it is written."""
    path = report_path()
    if path is None:
        host.message(no_project_message())
        return None
    if path.is_file():
        webbrowser.open(path.as_uri())
        return path
    root = path.parents[3]
    command = shlex.join(["rtk", "validate", "--project", str(root)])
    question = (
        f"No validation report yet at {path}.\n\nRun `{command}` now? It "
        "measures the held-out frames of pairs.yaml against the traditional baselines."
    )
    if not nuke.ask(question):
        return None
    from .rtk_process import run_rtk_async

    def done(result: Any, error: Optional[str]) -> None:
        if error:
            host.message(f"Validation failed: {error}")
        elif path.is_file():
            webbrowser.open(path.as_uri())

    job = run_rtk_async(
        ["validate", "--project", str(root), "--json"],
        "Film Restoration: validating the held-out frames",
        done,
    )
    _jobs.append(job)
    return None
