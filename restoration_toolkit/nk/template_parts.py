"""The pieces every nuke_base/ template shares: placeholders, the Root, the info NoOp, Reads,
the gauge Reformat, the live-area Crop and the pair-stream NoOps.

A placeholder is a knob value ``@name@`` that the builder fills (``nk.templates.fill``); a
value filled with None leaves the knob out. Nothing here imports nuke.
"""

from __future__ import annotations

from typing import Dict, Optional

from . import graphs
from .model import Node, Raw, UserKnob

TEMPLATE_VERSION = 2  # 2: the method's CopyBBox/Crop wiring, built-in OCIO configs, Write presets
INFO_NODE = "RTK_TemplateInfo"
SCAN_PAIRS = "RTK_ScanPairs"
REFERENCE_PAIRS = "RTK_ReferencePairs"


def P(name: str) -> str:
    """A placeholder knob value."""
    return f"@{name}@"


# Root color: OCIO_config is Nuke's built-in config name (fn-nuke_…), or ``custom`` with the
# file in customOCIOConfigPath (then filled, else left out) — the form saved scripts show.
ROOT = {
    "format": P("format"),
    "first_frame": P("first_frame"),
    "last_frame": P("last_frame"),
    "lock_range": True,
    "fps": P("fps"),
    "colorManagement": "OCIO",
    "OCIO_config": P("ocio_config"),
    "customOCIOConfigPath": P("ocio_config_path"),
    "workingSpaceLUT": P("working_space"),  # a color space name or role (saved scripts: V)
}


def info_node(name: str, edition: str, description: str) -> Node:
    return Node(
        "NoOp",
        name=INFO_NODE,
        knobs={
            "inputs": 0,
            "label": f"{name} v{TEMPLATE_VERSION} ({edition})",
            "note_font_size": 18,
        },
        user_knobs=[
            UserKnob("20 rtk l RTK"),
            UserKnob(
                '1 rtk_template l Template t "nuke_base template this script was built from"', name
            ),
            UserKnob(
                '3 rtk_template_version l Version t "template version; the builder refuses '
                'versions it does not know"',
                TEMPLATE_VERSION,
            ),
            UserKnob(
                '1 rtk_edition l Edition t "nk = Nuke/NukeX, nknc = Nuke Non-Commercial"', edition
            ),
            UserKnob('26 rtk_about l "" +STARTLINE', description),
        ],
    )


def read(name: str, prefix: str) -> Node:
    """A Read whose file, range and input transform (``colorspace``) are placeholders."""
    return Node(
        "Read",
        name=name,
        knobs={
            "file": P(f"{prefix}_file"),
            "first": P(f"{prefix}_first"),
            "last": P(f"{prefix}_last"),
            "origfirst": P(f"{prefix}_first"),
            "origlast": P(f"{prefix}_last"),
            "origset": True,
            "colorspace": P(f"{prefix}_colorspace"),
        },
    )


def gauge_reformat(name: str, src: Node) -> Node:
    """The smaller gauge resized to the target raster (fit, filter from the placeholder)."""
    return Node(
        "Reformat",
        name=name,
        knobs={
            "format": P("target_format"),
            "resize": "fit",
            "filter": P("resize_filter"),
            "black_outside": True,
        },
        inputs=[src],
    )


def placeholder_crop(src: Node, name: str, box_key: str) -> Node:
    """The live-area Crop (the method's knobs) with its box left as a placeholder; the
    builder fills a plain box or one keyed per pair frame."""
    return graphs.live_area_crop(src, Raw(P(box_key)), name)


def pairs_noop(name: str, src: Optional[Node], what: str) -> Node:
    knobs: Dict[str, object] = {"label": f"pair stream: {what}"}
    if src is None:
        knobs["inputs"] = 0
    return Node("NoOp", name=name, knobs=knobs, inputs=[src] if src is not None else [])
