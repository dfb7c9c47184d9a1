"""The MatchGrade comparison graph as .nk text (no ``nuke`` import: usable headless).

The traditional set-up restoration artists use, beside the toolkit's fitted grade::

    scan Read ─► OCIOColorSpace (working → ACEScct) ─► MatchGrade (Source)
    ref Read  ─► OCIOColorSpace (working → ACEScct) ─► MatchGrade (Target)
    MatchGrade ─► OCIOColorSpace (ACEScct → working) ─► RT_MG_Nuke
    scan Read ─► OCIOFileTransform (grade.clf, the whole linear grade) ─► RT_MG_Toolkit
    RT_MG_Nuke, RT_MG_Toolkit ─► Switch (flip); scan, both grades, ref ─► ContactSheet

Lin→Log is an OCIOColorSpace to ACEScct (the log space the ACES configs ship; Nuke's Log2Lin
is Cineon-specific), as artists put MatchGrade between a Lin→Log and a Log→Lin.
Verified: OCIOColorSpace ``in_colorspace`` / ``out_colorspace``; OCIOFileTransform ``file``
(Foundry NDK OCIOFileTransform.cpp, ``File_knob(f, &m_file, "file", "file")``); MatchGrade
``matchGradeTask`` ("Match Graded Source"). Unverified (see notes/nuke-facts-color.md):
MatchGrade input order (Source / Target), its LUT-type, LUT-size and analysis-frame knobs —
the graph states those settings in the node label for the artist instead of guessing names;
ContactSheet knobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from ..core.io.frames import format_frames
from . import Node, Script, write_script
from .graphs import ClipSpec, read_node

LOG_SPACE = "ACEScct"



@dataclass(frozen=True)
class GradeSpec:
    """The toolkit's fitted grade: ``clf`` (whole linear grade) or ``cube`` + its encoding."""

    clf: Optional[str] = None
    cube: Optional[str] = None
    encoding: Optional[str] = None



def _ocio_space(name: str, src: Node, a: str, b: str) -> Node:
    return Node(
        "OCIOColorSpace", name=name, inputs=[src], knobs={"in_colorspace": a, "out_colorspace": b}
    )


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
    scan_log = _ocio_space("RT_MG_ScanToLog", scan_read, working_space, LOG_SPACE)
    ref_log = _ocio_space("RT_MG_ReferenceToLog", ref_read, working_space, LOG_SPACE)
    frames = (
        format_frames(sorted(set(training_frames)))
        if training_frames
        else "the training pairs' frames"
    )
    match = Node(
        "MatchGrade",
        name="RT_MG_NukeMatchGrade",
        # unverified: input order (0 = Source, 1 = Target); Foundry names them Source, Target
        inputs=[scan_log, ref_log],
        knobs={
            "matchGradeTask": "Match Graded Source",
            # unverified knob names for LUT type / size / frames: stated for the artist instead
            "label": f"3D LUT, largest LUT resolution\nanalyse frames {frames}\n"
            "(same as rtk matchgrade fit)",
        },
    )
    nuke_out = _ocio_space("RT_MG_Nuke", match, LOG_SPACE, working_space)
    nodes: List[Node] = [scan_read, ref_read, scan_log, ref_log, match, nuke_out]
    tiles: List[Node] = [scan_read, nuke_out]
    toolkit_out: Optional[Node] = None
    if grade is not None and (grade.clf or grade.cube):
        if grade.encoding == "acescct" and grade.cube:
            to_log = _ocio_space("RT_MG_ToolkitToLog", scan_read, working_space, LOG_SPACE)
            lut = Node(
                "OCIOFileTransform",
                name="RT_MG_ToolkitLUT",
                inputs=[to_log],
                knobs={"file": grade.cube},
            )
            toolkit_out = _ocio_space("RT_MG_Toolkit", lut, LOG_SPACE, working_space)
            nodes += [to_log, lut, toolkit_out]
        else:
            toolkit_out = Node(
                "OCIOFileTransform",
                name="RT_MG_Toolkit",
                inputs=[scan_read],
                knobs={
                    "file": grade.clf or grade.cube,
                    "label": "rtk matchgrade grade (linear in, linear out)",
                },
            )
            nodes.append(toolkit_out)
        tiles.append(toolkit_out)
        flip = Node(
            "Switch",
            name="RT_MG_Flip",
            inputs=[nuke_out, toolkit_out],
            knobs={
                "which": 0,
                "label": "0 = Nuke MatchGrade, 1 = toolkit grade\n(or wipe the two in the Viewer)",
            },
        )
        nodes.append(flip)
    tiles.append(ref_read)
    sheet_knobs: Dict[str, object] = {
        "rows": 2,
        "columns": 2,
        "roworder": "TopBottom",
    }  # unverified knob names
    if size:
        sheet_knobs.update({"width": int(size[0]) * 2, "height": int(size[1]) * 2})
    sheet = Node("ContactSheet", name="RT_MG_SideBySide", inputs=tiles, knobs=sheet_knobs)
    nodes.append(sheet)
    return nodes


def comparison_text(*, snippet: bool = True, **kwargs) -> str:
    """.nk text of :func:`comparison_nodes` (a paste snippet by default)."""
    return write_script(Script(nodes=comparison_nodes(**kwargs)), snippet=snippet)
