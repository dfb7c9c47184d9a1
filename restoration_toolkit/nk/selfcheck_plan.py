"""What the in-Nuke self-check tests: every template and RT_* tool as the text the toolkit
writes, each node's class, knobs (as written) and inputs, the OCIO config and color spaces.

The plan is plain JSON-able data, so ``rtk nk selfcheck`` can embed it in a stand-alone
``check.py`` for ``nuke -t`` and the Nuke menu can run the same checks in the session
(``restoration_toolkit.nuke.selfcheck``). Placeholders are filled with representative
values — two keyed pairs, both Write presets — so what Nuke sees is what a real run writes.
Nothing here imports nuke.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .. import __version__
from ..core.project import Project
from . import graphs
from .gizmo_groups import GIZMOS, gizmo_text
from .model import Node, Script
from .parser import parse_script
from .root_color import DEFAULT_NUKE_VERSION, NUKE_BUILTIN_OCIO, RootColor, root_color
from .template_source import REFERENCE_PAIRS, SCAN_PAIRS, TEMPLATES
from .templates import expand, fill, load_template
from .writer import write_script

SCHEMA = "rtk.nuke-selfcheck/1"
#: Node classes of this edition the stages need, and what for.
REQUIRED = {
    "CopyCat": "trains the per-film model (stage 03)",
    "Inference": "applies a trained .cat / .catnc (stage 04)",
    "CatFileCreator": "brings rtk train's TorchScript models into Nuke",
}
_SKIPPED_KNOBS = ("xpos", "ypos", "inputs")
_WORK = "/tmp/rtk_selfcheck"  # sample paths: never read, the check only pastes


def _colors(project: Optional[Project], nuke_version: int) -> Dict[str, Any]:
    if project is not None:
        color = root_color(project, nuke_version)
        spaces = {
            "scan": project.source.colorspace,
            "reference": project.reference.colorspace if project.reference else None,
            "keyframe": next((k.colorspace for k in project.keyframe_references), None),
            "working": project.color.working_space,
            "delivery": project.color.delivery_space,
        }
    else:
        color = RootColor(NUKE_BUILTIN_OCIO[nuke_version], None, "ACEScg")
        spaces = {
            "scan": "ACES2065-1",
            "reference": "Gamma 2.4 Rec.709 - Texture",
            "keyframe": "sRGB - Texture",
            "working": "ACEScg",
            "delivery": "ACES2065-1",
        }
    spaces = {k: v or spaces.get("working") for k, v in spaces.items()}
    return {"root": color, "spaces": spaces}


def _values(colors: Dict[str, Any], write: str) -> Dict[str, Any]:
    """A value for every placeholder of every template (the toolkit's own kinds of value)."""
    spaces = colors["spaces"]
    boxes = [[4, 2, 60, 46], [6, 2, 58, 44]]
    fmt = "64 48 0 0 64 48 1 RTK_selfcheck"
    return {
        **colors["root"].values(),
        "format": fmt,
        "first_frame": 1,
        "last_frame": 2,
        "fps": 24,
        "scan_file": f"{_WORK}/scan.%04d.exr",
        "scan_first": 1001,
        "scan_last": 1020,
        "scan_colorspace": spaces["scan"],
        "reference_file": f"{_WORK}/reference.%04d.exr",
        "reference_first": 1001,
        "reference_last": 1020,
        "reference_colorspace": spaces["reference"],
        "median_size": 10.0,
        "data_directory": f"{_WORK}/session_1",
        "epochs": 26667,
        "model_size": "Medium",
        "crop_size": 512,
        "batch_size_type": "Manual",
        "batch_size": 3,
        "checkpoint_interval": 10000,
        "contact_sheet_interval": 100,
        "multi_resolution": True,
        "target_format": fmt,
        "resize_filter": "Lanczos4",
        "live_area_box": graphs.keyed_box(boxes),
        "preview_box": boxes[0],
        "preview_frame": 1011,
        "step1_model": f"{_WORK}/Training_260101_120000.40000.cat",
        "reformat_disable": False,
        "live_area_origin": [4, 2],
        "model_file": f"{_WORK}/Training_260101_120000.40000.cat",
        "recombine_which": 0,
        "delivery_space": spaces["delivery"],
        "provenance_metadata": parse_script("NoOp {\n metadata {{set exr/rtk:selfcheck true}}\n}\n")
        .nodes[0]
        .knobs["metadata"],
        "write_channels": "rgba" if write == "method" else "rgb",
        "compression": "DWAA" if write == "method" else "Zip (1 scanline)",
        "dw_compression_level": 45 if write == "method" else None,
        "output_file": f"{_WORK}/render/selfcheck_ml_"
        + ("######" if write == "method" else "%04d")
        + ".exr",
        "render_first": 1001,
        "render_last": 1002,
    }


def _expanded(name: str, edition: str, values: Dict[str, Any], keyframe_space: str) -> Script:
    script = load_template(name, edition)
    fill(script, values)

    def stream(prefix: str, frames: List[int]) -> Any:
        return lambda src: graphs.pair_stream(src, frames, prefix)  # type: ignore[arg-type]

    if name == "inference":
        return script
    expand(script, SCAN_PAIRS, stream("Scan", [1002, 1009]))
    if name == "color_nonreference_train":
        keys = [(f"{_WORK}/key.{f}.exr", keyframe_space) for f in (1002, 1009)]
        expand(script, REFERENCE_PAIRS, lambda src: graphs.keyframe_stream(keys, "Reference"))
    elif name != "analog_video_step2_apply":
        expand(script, REFERENCE_PAIRS, stream("Reference", [1002, 1009]))
    return script


def _expectations(nodes: List[Node]) -> List[Dict[str, Any]]:
    """Per node: class, knobs as written (parsed back from the text) and input names."""
    out = []
    for node in nodes:
        entry: Dict[str, Any] = {
            "name": node.name,
            "class": node.cls,
            "knobs": {k: str(v) for k, v in node.knobs.items() if k not in _SKIPPED_KNOBS},
            "inputs": [i.name if isinstance(i, Node) else None for i in node.inputs],
        }
        if node.children is not None:
            entry["children"] = _expectations(node.children)
        out.append(entry)
    return out


def _entry(kind: str, name: str, edition: str, text: str) -> Dict[str, Any]:
    parsed = parse_script(text)  # what Nuke will read, not what we meant to write
    return {
        "kind": kind,
        "name": name,
        "edition": edition,
        "text": text,
        "nodes": _expectations(parsed.nodes),
    }


def build_plan(
    project: Optional[Project] = None, nuke_version: int = DEFAULT_NUKE_VERSION
) -> Dict[str, Any]:
    """The whole plan (JSON-able): scripts to paste with their expectations, Root knobs, the
    OCIO config and color spaces, the classes to find."""
    colors = _colors(project, nuke_version)
    scripts = []
    for edition in ("nk", "nknc"):
        for name in TEMPLATES:
            writes = ("default", "method") if name == "inference" else ("default",)
            for write in writes:
                script = _expanded(
                    name, edition, _values(colors, write), colors["spaces"]["keyframe"]
                )
                label = f"{name}.{edition}" + (f" (Write: {write})" if name == "inference" else "")
                scripts.append(
                    _entry("template", label, edition, write_script(script, snippet=True))
                )
    for name in GIZMOS:
        scripts.append(_entry("gizmo", name, "any", gizmo_text(name)))
    classes = sorted({n["class"] for s in scripts for n in _flat(s["nodes"])} | set(REQUIRED))
    root: RootColor = colors["root"]
    return {
        "schema": SCHEMA,
        "toolkit_version": __version__,
        "nuke_version_written_for": nuke_version,
        "required": REQUIRED,
        "classes": classes,
        "root_knobs": sorted(load_template("inference").root or {}),
        "ocio": {
            "config": root.config,
            "custom_path": root.custom_path,
            # the running Nuke checks its own version's built-in config (None: a custom file)
            "config_by_nuke_version": None
            if root.custom_path
            else {str(v): c for v, c in NUKE_BUILTIN_OCIO.items()},
            "colorspaces": sorted(set(colors["spaces"].values())),
        },
        "scripts": scripts,
    }


def _flat(nodes: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out = []
    for n in nodes:
        out.append(n)
        out += _flat(n.get("children", []))
    return out
