"""What the RT_* tools' buttons call (each button's script is one import and one call).

Every function takes the tool (``nuke.thisNode()``) and ends in a ``nuke.message`` when it
cannot do its job, never in an exception.
"""

from __future__ import annotations

from typing import Any

import nuke

from . import host

HELP = {
    "RT_ChromaGroundTruth": "Color recovery ground truth: scan luminance + reference chroma "
    "(Median-cleaned), clamped, alpha removed → CopyCat Ground Truth. CopyCat Input: the scan "
    "through a clamping Grade and Remove alpha, then a CopyBBox (A = this tool's output). "
    "See pipeline/03_copycat_training/README.md.",
    "RT_LumaGroundTruth": "Spatial recovery ground truth: the better element's luminance + the "
    "scan's chroma. See docs/spatial-recovery.md.",
    "RT_Recombine": "Puts the model output back on the scan (color: model chroma, scan luma; "
    "spatial: model luma, scan chroma). See pipeline/04_inference_render/README.md.",
    "RT_LiveAreaCrop": "Crops to the live area of project.yaml (no sprockets, soundtrack or "
    "frame lines).",
    "RT_Align": "Warps the reference onto the scan grid with stage 02's STMap.",
    "RT_MatchGrade": "Applies the fitted .cube (rtk matchgrade fit) — the traditional baseline.",
    "RT_DamageMask": "The damage masks of rtk damage detect in the alpha of its input (1 = "
    "damaged). From Read finds them for the scan Read upstream. See docs/damage-to-technique.md.",
}


def _tool_name(node: Any) -> str:
    help_text = str(node["help"].value() or "")
    return help_text.split(":", 1)[0] if help_text.startswith("RT_") else node.name()


def show_help(node: Any) -> None:
    name = _tool_name(node)
    version = node.knob("rt_version")
    host.message(
        f"{name} v{version.value() if version else '?'}\n\n"
        f"{HELP.get(name, 'Film Restoration Toolkit tool.')}"
    )


def _inner(node: Any, name: str) -> Any:
    with node:
        return nuke.toNode(name)


def live_area_from_project(node: Any) -> None:
    project = host.current_project()
    if project is None or project.live_area is None:
        host.message(
            "No live area: open a restoration project whose project.yaml has live_area "
            "(x0, y0, x1, y1 in scan pixels)."
        )
        return
    crop = _inner(node, "LiveAreaCrop")
    height = int(nuke.root().format().height())
    if crop is None or height <= 0:
        host.message(
            "This RT_LiveAreaCrop has no LiveAreaCrop node inside or the script has no "
            "format: recreate the tool."
        )
        return
    crop["box"].setValue(project.live_area.nuke_box(height))


def stmap_from_project(node: Any) -> None:
    project = host.current_project()
    if project is None:
        host.message("Open a restoration project first (Film Restoration ▸ Project).")
        return
    read = _inner(node, "STMapRead")
    if read is None:
        host.message("This RT_Align has no STMapRead node inside: recreate the tool.")
        return
    read["file"].setValue((project.alignment_dir / "stmap.####.exr").as_posix())


def grade_from_project(node: Any) -> None:
    project = host.current_project()
    if project is None:
        host.message("Open a restoration project first (Film Restoration ▸ Project).")
        return
    cube = project.stage_dir(5) / "grade.cube"
    if not cube.is_file():
        host.message(f"No fitted grade yet: run `rtk matchgrade fit` (expected {cube}).")
        return
    # grade.clf is the whole linear→linear grade; grade.cube works in its fit encoding (log2
    # by default) and would need colour-space conversions around it (issue 5)
    clf = cube.with_suffix(".clf")
    if clf.is_file():
        cube = clf
    transform = _inner(node, "ApplyGrade")
    if transform is None:
        host.message("This RT_MatchGrade has no ApplyGrade node inside: recreate the tool.")
        return
    transform["file"].setValue(cube.as_posix())


def _upstream_read(node: Any) -> Any:
    """The first Read above ``node``'s input 0 (None when there is none)."""
    current = node.input(0)
    seen = 0
    while current is not None and seen < 200:
        if current.Class() == "Read":
            return current
        current = current.input(0)
        seen += 1
    return None


def damage_mask_from_read(node: Any) -> None:
    """Point RT_DamageMask at the project's masks, over the upstream Read's frame range."""
    project = host.current_project()
    if project is None:
        host.message("Open a restoration project first (Film Restoration ▸ Project).")
        return
    read = _upstream_read(node)
    masks = project.alignment_dir / "damage"
    if read is None:
        host.message("Connect RT_DamageMask below the scan's Read first.")
        return
    if not any(masks.glob("mask.*.exr")):
        host.message(f"No damage masks yet: run `rtk damage detect` (expected {masks}).")
        return
    inner = _inner(node, "DamageMaskRead")
    if inner is None:
        host.message("This RT_DamageMask has no DamageMaskRead node inside: recreate the tool.")
        return
    inner["file"].setValue((masks / "mask.####.exr").as_posix())
    first, last = int(read["first"].value()), int(read["last"].value())
    for knob, value in (("first", first), ("last", last), ("origfirst", first), ("origlast", last)):
        inner[knob].setValue(value)
