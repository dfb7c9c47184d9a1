"""The RT_* stage tools, generated as Groups and saved in ``gizmos/RT_*.gizmo``.

Each file holds a ``Group`` (not a ``Gizmo``), so a script that uses one still opens — on a
farm, at another studio — without the toolkit installed. Every tool has a ``rt_version``
knob, a tooltip on each control, and buttons whose script is a one-line call into
``restoration_toolkit.nuke.gizmo_callbacks`` (no Python hidden in knobs). The inner graphs
are the same functions the templates use (``nk.graphs``), so the gizmo and the stage graph
cannot drift apart.

``python -m restoration_toolkit.nk.gizmo_groups gizmos`` rewrites the files; a test checks the
committed files equal this output.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Dict, List

from . import graphs
from .layout import layout
from .model import Node, Raw, Script, UserKnob
from .writer import quote, write_script

GIZMO_VERSION = "1.0"
CALLBACKS = "restoration_toolkit.nuke.gizmo_callbacks"


def _call(function: str) -> str:
    """A button script: one import, one call with the node (``nuke.thisNode()``)."""
    return f"import {CALLBACKS} as rt; rt.{function}(nuke.thisNode())"


def _button(name: str, label: str, tooltip: str, function: str) -> UserKnob:
    return UserKnob(
        f"22 {name} l {quote(label)} t {quote(tooltip)} T {quote(_call(function))} +STARTLINE"
    )


def _version_knobs(name: str, about: str) -> List[UserKnob]:
    tip = (
        f"Version of {name} (Film Restoration Toolkit). Scripts record it so a render can "
        "be traced to the tool that made it."
    )
    return [
        UserKnob(f'26 rt_about l "" +STARTLINE T {quote(about)}'),
        UserKnob(f"1 rt_version l Version t {quote(tip)} +DISABLED", GIZMO_VERSION),
        _button("rt_help", "Help", f"Open the documentation of {name}.", "show_help"),
    ]


def _group(
    name: str,
    inputs: List[str],
    build: Callable[[List[Node]], Node],
    tab: str,
    about: str,
    controls: List[UserKnob],
    color: int,
) -> Node:
    ins = [
        Node("Input", name=label, knobs={"number": i} if i else {})
        for i, label in enumerate(inputs)
    ]
    result = build(ins)
    out = Node("Output", name="Output1", inputs=[result])
    children: List[Node] = list(ins)
    seen = {id(n) for n in children}

    def collect(node: Node) -> None:
        for inp in node.inputs:
            if isinstance(inp, Node) and id(inp) not in seen:
                seen.add(id(inp))
                collect(inp)
                children.append(inp)

    collect(out)
    children.append(out)
    # the label shows the version: Nuke evaluates the TCL in a label when drawing it and
    # saves it with the bracket escaped, as written here
    knobs = {
        "tile_color": Raw(f"0x{color:08x}"),
        "label": "v[value rt_version]",
        "help": f"{name}: {about}",
    }
    return Node(
        "Group",
        name=name,
        knobs=knobs,
        inputs=[],
        children=children,
        user_knobs=[UserKnob(f"20 {tab} l {name}")] + controls + _version_knobs(name, about),
    )


def chroma_ground_truth_gizmo() -> Node:
    def build(ins: List[Node]) -> Node:
        g = graphs.chroma_ground_truth(ins[0], ins[1], "GT", median_size=10)
        median = next(n for n in g.nodes if n.cls == "Median")
        median.knobs["disable"] = Raw("{{!parent.median_enable}}")
        return g.output  # type: ignore[return-value]

    return _group(
        "RT_ChromaGroundTruth",
        ["scan", "reference"],
        build,
        "ChromaGT",
        "Color recovery ground truth for CopyCat: the scan's luminance with the reference's "
        "chroma, so the model learns color and not the reference's softness.",
        [
            UserKnob(
                '6 median_enable l "Clean reference" t "Median on the reference first: '
                'removes DVD/telecine compression noise and dust before its chroma is used." '
                "+STARTLINE",
                True,
            ),
            UserKnob(
                '41 median_size l "Median size" t "Median size in pixels (up to about 10 '
                '; the method uses 10)." T GT_RefMedian.size'
            ),
        ],
        0x8E5A2AFF,
    )


def luma_ground_truth_gizmo() -> Node:
    def build(ins: List[Node]) -> Node:
        return graphs.luma_ground_truth(ins[0], ins[1], "GT").output  # type: ignore[return-value]

    return _group(
        "RT_LumaGroundTruth",
        ["scan", "better_element"],
        build,
        "LumaGT",
        "Spatial recovery ground truth for CopyCat: the better element's luminance (other "
        "gauge, earlier generation, telecine) with the scan's own chroma.",
        [
            UserKnob(
                '26 rt_inputs l Inputs T "scan = the element to restore; better_element = '
                'aligned onto the scan grid"'
            )
        ],
        0x4A6E8AFF,
    )


def recombine_gizmo() -> Node:
    def build(ins: List[Node]) -> Node:
        scan, model = ins
        color = graphs.recombine(scan, model, "color", "Color")
        spatial = graphs.recombine(scan, model, "spatial", "Spatial")
        return Node(
            "Switch",
            name="ModeSwitch",
            knobs={"which": Raw("{{parent.mode}}")},
            inputs=[color.output, spatial.output],
        )

    return _group(
        "RT_Recombine",
        ["scan", "model"],
        build,
        "Recombine",
        "Puts the model's output back on the scan: color mode keeps the scan's luminance and "
        "grain under the model's chroma; spatial mode keeps the scan's chroma under the "
        "model's luminance.",
        [
            UserKnob(
                '4 mode l Mode t "color: model chroma + scan luminance (color recovery); '
                'spatial: model luminance + scan chroma (spatial recovery)" M {color spatial}'
            )
        ],
        0x5A8E4AFF,
    )


def live_area_crop_gizmo() -> Node:
    def build(ins: List[Node]) -> Node:
        return graphs.live_area_crop(ins[0], [0, 0, 2048, 1556], "LiveAreaCrop")

    return _group(
        "RT_LiveAreaCrop",
        ["scan"],
        build,
        "LiveArea",
        "Crops away sprockets, soundtrack and frame lines: the live area shared by scan and "
        "reference (project.yaml live_area).",
        [
            UserKnob(
                '41 box l "Live area" t "x, y, r, t in Nuke pixels (bottom-left origin)" '
                "T LiveAreaCrop.box"
            ),
            _button(
                "rt_from_project",
                "From project",
                "Set the box from project.yaml's live_area "
                "(the project of this script, or RTK_PROJECT).",
                "live_area_from_project",
            ),
        ],
        0x6A6A6AFF,
    )


def align_gizmo() -> Node:
    def build(ins: List[Node]) -> Node:
        stmap = Node(
            "Read",
            name="STMapRead",
            knobs={
                "file": "",
                "raw": True,  # an STMap holds coordinates: no color conversion
            },
        )
        # STMap: input 0 = src (image to warp), 1 = stmap (saved scripts: NUKE_FACTS "Checked since")
        return Node("STMap", name="STMap1", knobs={"uv": "rgb"}, inputs=[ins[0], stmap])

    return _group(
        "RT_Align",
        ["reference"],
        build,
        "Align",
        "Warps the reference onto the scan grid with the STMap written by stage 02 "
        "(pipeline/02_alignment/stmap.####.exr, u in red, v in green).",
        [
            UserKnob(
                '41 stmap_file l "STMap file" t "stmap.####.exr from rtk align '
                '(indexed by scan frame)" T STMapRead.file'
            ),
            _button(
                "rt_from_project",
                "From project",
                "Use this project's pipeline/02_alignment/stmap.####.exr.",
                "stmap_from_project",
            ),
        ],
        0x7A4A8AFF,
    )


def matchgrade_gizmo() -> Node:
    def build(ins: List[Node]) -> Node:
        # OCIOFileTransform `file` (# unverified: knob name per NUKE_FACTS U)
        return Node("OCIOFileTransform", name="ApplyGrade", knobs={"file": ""}, inputs=[ins[0]])

    return _group(
        "RT_MatchGrade",
        ["source"],
        build,
        "MatchGrade",
        "Applies a fitted grade (.cube from rtk matchgrade) to the source — the traditional "
        "baseline the model is compared with.",
        [
            UserKnob(
                '41 file l "LUT (.cube)" t "grade.cube from rtk matchgrade fit" T ApplyGrade.file'
            ),
            _button(
                "rt_from_project",
                "From project",
                "Use this project's pipeline/05_matchgrade_render/grade.cube.",
                "grade_from_project",
            ),
        ],
        0x8A8A3AFF,
    )


def damage_mask_gizmo() -> Node:
    def build(ins: List[Node]) -> Node:
        from .damage_graph import damage_mask_graph

        return damage_mask_graph(ins[0]).output  # type: ignore[return-value]

    return _group(
        "RT_DamageMask",
        ["scan"],
        build,
        "DamageMask",
        "The damage masks of rtk damage detect (1 = dust, dirt, hair, scratch or stain) for "
        "the Read it is connected to, in the alpha: view it, or feed a Keymix or Merge mask.",
        [
            UserKnob(
                '41 mask_file l "Mask file" t "mask.####.exr from rtk damage detect (indexed '
                'by scan frame; a missing frame reads black: undamaged)" T DamageMaskRead.file'
            ),
            _button(
                "rt_from_read",
                "From Read",
                "Use the masks of the scan Read upstream: this project's "
                "pipeline/02_alignment/damage/mask.####.exr, over the Read's frame range.",
                "damage_mask_from_read",
            ),
        ],
        0x8A3A3AFF,
    )


GIZMOS: Dict[str, Callable[[], Node]] = {
    "RT_ChromaGroundTruth": chroma_ground_truth_gizmo,
    "RT_LumaGroundTruth": luma_ground_truth_gizmo,
    "RT_Recombine": recombine_gizmo,
    "RT_LiveAreaCrop": live_area_crop_gizmo,
    "RT_Align": align_gizmo,
    "RT_MatchGrade": matchgrade_gizmo,
    "RT_DamageMask": damage_mask_gizmo,
}


def gizmo_text(name: str) -> str:
    """The ``.gizmo`` file text: one ``Group { … }`` block, its children and ``end_group``."""
    group = GIZMOS[name]()
    script = Script(nodes=[group])
    layout(script)
    for key in ("xpos", "ypos"):
        group.knobs.pop(key, None)  # the tool itself carries no position
    text = write_script(script, snippet=True)
    # the form of Group-based .gizmo files (as NukeSurvivalToolkit ships them): the Group
    # block first, no paste header, no input count of its own
    lines = text.splitlines(keepends=True)
    assert lines[0].startswith("set cut_paste_input") and lines[1].startswith("version ")
    assert lines[2] == "Group {\n" and lines[3] == " inputs 0\n"
    return "".join(lines[2:3] + lines[4:])


def write_gizmos(folder: Path) -> List[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in GIZMOS:
        path = folder / f"{name}.gizmo"
        path.write_text(gizmo_text(name), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    for p in write_gizmos(Path(sys.argv[1] if len(sys.argv) > 1 else "gizmos")):
        print(p)
