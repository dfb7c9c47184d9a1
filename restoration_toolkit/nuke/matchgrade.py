"""Film Restoration ▸ 05 Validation ▸ Build MatchGrade Comparison.

With the scan Read and the reference Read selected, paste Nuke's MatchGrade set up as
artists do (linear in, Pre LUT Logarithmic, the training pairs' frames as reference frames;
chroma-only when the fitted grade is) beside the toolkit's fitted grade
(``pipeline/05_matchgrade_render/grade.clf`` in an OCIOFileTransform), a flip Switch and a
side-by-side ContactSheet, inside a Backdrop (one undo step). The graph text comes from
:mod:`.matchgrade_graph` (no ``nuke`` import there).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, List, Optional, Tuple

from ..nk.matchgrade_graph import ClipSpec, GradeSpec, comparison_text
from . import host

LABEL = "RT 05 MatchGrade: Nuke MatchGrade vs toolkit grade"
COLOR = 0x5F4F3FFF
_REFERENCE = re.compile(r"aligned|02_alignment|reference|_ref_|dvd|telecine", re.I)
SELECT_HELP = (
    "Select two Reads — the scan and the (aligned) reference — then run "
    "05 Validation ▸ Build MatchGrade Comparison again."
)


def _clip(node: Any) -> ClipSpec:
    cs = node["colorspace"].value() if node.knob("colorspace") is not None else None
    return ClipSpec(host.read_path(node), int(node.firstFrame()), int(node.lastFrame()), cs or None)


def classify_reads(reads: List[Any]) -> Tuple[Optional[Any], Optional[Any]]:
    """(scan, reference) from the file paths; None, None when it cannot tell."""
    refs = [r for r in reads if _REFERENCE.search(host.read_path(r))]
    if len(reads) != 2 or len(refs) != 1:
        return None, None
    reference = refs[0]
    scan = next(r for r in reads if r is not reference)
    return scan, reference


def _grade_and_frames(project: Any) -> Tuple[Optional[GradeSpec], List[int], str]:
    if project is None:
        return None, [], "ACEScg"
    folder = project.stage_dir(5)
    sidecar = folder / "grade.json"
    frames: List[int] = []
    encoding = None
    chroma_only = False
    if sidecar.is_file():
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
            frames = [int(f) for f in data.get("training_frames", [])]
            encoding = data.get("encoding")
            chroma_only = bool(data.get("chroma_only"))
        except (OSError, ValueError, TypeError):
            frames = []
    if not frames and project.pairs_file.is_file():
        from ..core.curation.pairs import load_pairs

        pairs = load_pairs(project.pairs_file)
        frames = [f for f in pairs.scan_frames if f not in set(pairs.holdout)]
    clf, cube = folder / "grade.clf", folder / "grade.cube"
    grade = None
    if clf.is_file() or cube.is_file():
        grade = GradeSpec(
            clf=clf.as_posix() if clf.is_file() else None,
            cube=cube.as_posix() if cube.is_file() else None,
            encoding=encoding,
            chroma_only=chroma_only,
        )
    return grade, frames, project.color.working_space


def build_matchgrade_comparison() -> Optional[List[Any]]:
    reads = host.selected_reads()
    if len(reads) != 2:
        host.message(SELECT_HELP)
        return None
    scan, reference = classify_reads(reads)
    if scan is None or reference is None:
        host.message(
            "Could not tell which Read is the reference: its file should be in "
            "pipeline/02_alignment (aligned.####.exr) or contain 'reference' or _ref_. "
            + SELECT_HELP
        )
        return None
    project = host.current_project()
    grade, frames, working = _grade_and_frames(project)
    text = comparison_text(
        scan=_clip(scan),
        reference=_clip(reference),
        training_frames=frames,
        working_space=working,
        grade=grade,
        size=(int(scan.width()), int(scan.height())),
    )
    pasted = host.paste_graph(text, LABEL, COLOR)
    if grade is None:
        where = (project.stage_dir(5) / "grade.cube") if project is not None else Path("grade.cube")
        host.message(
            "Built Nuke's MatchGrade set-up. The toolkit's grade is not there yet: run "
            f"`rtk matchgrade fit` (it writes {where} and grade.clf), then build again to "
            "compare the two."
        )
    return pasted
