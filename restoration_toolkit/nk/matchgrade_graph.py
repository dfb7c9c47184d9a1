"""The MatchGrade comparison graph as .nk text (no ``nuke`` import: usable headless).

Nuke's MatchGrade set up the way restoration artists set it (the method's seed project),
beside the toolkit's fitted grade::

    scan Read (Source, input 0) ─► MatchGrade ◄─ aligned reference Read (Target, input 1)
        Task Match Graded Source · Analysis Analyze Reference Frames · Ref Frames = the
        training pairs' frames (sourceRefFrames / targetRefFrames, keyed) · Mask None ·
        Output Matched · Transform 3D LUT · Pre LUT Logarithmic · LUT Resolution 64
    MatchGrade ─► RT_MG_Nuke  (chroma-only grades: ─► scan Y + MatchGrade Cb/Cr, the same
                               Y'CbCr nodes as the CopyCat ground truth)
    scan Read ─► OCIOFileTransform (grade.clf, the whole linear grade) ─► RT_MG_Toolkit
    RT_MG_Nuke, RT_MG_Toolkit ─► Switch (flip); scan, both grades, ref ─► ContactSheet

MatchGrade gets the linear working-space images and does its own log conversion (Pre LUT
Logarithmic): wrapping it in a Lin→Log / Log→Lin as well would log the data twice.
Verified: ``matchGradeTask``, ``analysisType`` (Foundry's MatchGrade reference),
``sourceRefFrames`` / ``targetRefFrames`` (a saved script; public code sets
``sourceRefFrames`` to ``{curve x1069 1069}``), input 0 = Source, 1 = Target (the same public
code connects them so); OCIOColorSpace and OCIOFileTransform knobs (notes/nuke-facts-color.md).
Unverified: the knob names of Mask, Output, Transform, Pre LUT and LUT Resolution — those
settings are written into the node's label for the artist to set; ContactSheet knobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from ..core.io.frames import format_frames
from . import Node, Raw, Script, write_script
from .graphs import ClipSpec, read_node, take_luma_from

LOG_SPACE = "ACEScct"


@dataclass(frozen=True)
class GradeSpec:
    """The toolkit's fitted grade: ``clf`` (whole linear grade) or ``cube`` + its encoding;
    ``chroma_only``: it keeps the scan's luminance (its sidecar says)."""

    clf: Optional[str] = None
    cube: Optional[str] = None
    encoding: Optional[str] = None
    chroma_only: bool = False


def _ocio_space(name: str, src: Node, a: str, b: str) -> Node:
    return Node(
        "OCIOColorSpace", name=name, inputs=[src], knobs={"in_colorspace": a, "out_colorspace": b}
    )


def ref_frames_curve(frames: Sequence[int]) -> Raw:
    """The keyed reference-frame curve MatchGrade saves: ``{{curve x3 3 x7 7}}``."""
    keys = " ".join(f"x{int(f)} {int(f)}" for f in sorted(set(frames)))
    return Raw("{{curve " + keys + "}}")


MATCHGRADE_SETTINGS = (
    "Mask None · Output Matched\nTransform 3D LUT · Pre LUT Logarithmic\n"
    "LUT Resolution 64 (as the method's seed project)"
)


def _matchgrade(scan: Node, ref: Node, training_frames: Sequence[int]) -> Node:
    frames = (format_frames(sorted(set(training_frames))) if training_frames
              else "the training pairs' frames")
    knobs: Dict[str, object] = {
        "matchGradeTask": "Match Graded Source",
        "analysisType": "Analyze Reference Frames",
        # unverified knob names (Mask, Output, Transform, Pre LUT, LUT Resolution): in the label
        "label": f"{MATCHGRADE_SETTINGS}\nreference frames {frames} (rtk matchgrade fit's pairs)",
    }
    if training_frames:
        knobs["sourceRefFrames"] = ref_frames_curve(training_frames)
        knobs["targetRefFrames"] = ref_frames_curve(training_frames)
    return Node("MatchGrade", name="RT_MG_NukeMatchGrade", inputs=[scan, ref], knobs=knobs)


def _toolkit(scan: Node, grade: GradeSpec, working_space: str) -> List[Node]:
    if grade.encoding == "acescct" and grade.cube and not grade.clf:
        to_log = _ocio_space("RT_MG_ToolkitToLog", scan, working_space, LOG_SPACE)
        lut = Node("OCIOFileTransform", name="RT_MG_ToolkitLUT", inputs=[to_log],
                   knobs={"file": grade.cube})
        return [to_log, lut, _ocio_space("RT_MG_Toolkit", lut, LOG_SPACE, working_space)]
    label = "rtk matchgrade grade (linear in, linear out)"
    if grade.chroma_only:
        label += "\nchroma-only: keeps the scan's luminance"
    return [Node("OCIOFileTransform", name="RT_MG_Toolkit", inputs=[scan],
                 knobs={"file": grade.clf or grade.cube, "label": label})]


def comparison_nodes(
    *,
    scan: ClipSpec,
    reference: ClipSpec,
    training_frames: Sequence[int],
    working_space: str = "ACEScg",
    grade: Optional[GradeSpec] = None,
    size: Optional[Sequence[int]] = None,
) -> List[Node]:
    """Every node of the comparison, in an order where inputs come first."""
    scan_read = read_node("RT_MG_ScanRead", scan)
    ref_read = read_node("RT_MG_ReferenceRead", reference)
    match = _matchgrade(scan_read, ref_read, training_frames)
    nodes: List[Node] = [scan_read, ref_read, match]
    if grade is not None and grade.chroma_only:
        # the fair baseline for a chroma-only grade: MatchGrade's chroma on the scan's Y
        sub = take_luma_from(scan_read, match, "RT_MG_NukeChroma")
        nodes += sub.nodes[:-1]
        nuke_out = sub.nodes[-1]
        nuke_out.name = "RT_MG_Nuke"
        nuke_out.knobs["label"] = "MatchGrade, chroma-only (scan luminance)"
    else:
        nuke_out = Node("Dot", name="RT_MG_Nuke", inputs=[match])
    nodes.append(nuke_out)
    tiles: List[Node] = [scan_read, nuke_out]
    if grade is not None and (grade.clf or grade.cube):
        toolkit = _toolkit(scan_read, grade, working_space)
        nodes += toolkit
        tiles.append(toolkit[-1])
        nodes.append(Node(
            "Switch", name="RT_MG_Flip", inputs=[nuke_out, toolkit[-1]],
            knobs={"which": 0, "label": "0 = Nuke MatchGrade, 1 = toolkit grade\n"
                   "(or wipe the two in the Viewer)"},
        ))
    tiles.append(ref_read)
    sheet_knobs: Dict[str, object] = {"rows": 2, "columns": 2, "roworder": "TopBottom"}
    # unverified: ContactSheet knob names
    if size:
        sheet_knobs.update({"width": int(size[0]) * 2, "height": int(size[1]) * 2})
    nodes.append(Node("ContactSheet", name="RT_MG_SideBySide", inputs=tiles, knobs=sheet_knobs))
    return nodes


def comparison_text(*, snippet: bool = True, **kwargs) -> str:
    """.nk text of :func:`comparison_nodes` (a paste snippet by default)."""
    return write_script(Script(nodes=comparison_nodes(**kwargs)), snippet=snippet)
