"""Where the nuke_base/ templates come from: the registry of template graphs and their writer.

``python -m restoration_toolkit.nk.template_source nuke_base`` writes every template (and its
``.nknc`` twin for Nuke Non-Commercial); a test checks the committed files equal this output,
so a change to a graph is a change here (and in ``template_training`` / ``template_inference``),
reviewed like code. A studio may still edit its own copy of a template in Nuke and pass it with
``--template`` — the builder only needs the placeholders, the two pair-stream NoOps and the
``RTK_TemplateInfo`` node to survive.

Placeholders are knob values ``@name@``; ``RTK_ScanPairs`` / ``RTK_ReferencePairs`` NoOps are
expansion points the builder replaces with the pair streams (FrameHold → FrameRange →
AppendClip per pair).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Dict, List

from .layout import layout
from .model import Script
from .template_inference import inference
from .template_parts import INFO_NODE, REFERENCE_PAIRS, SCAN_PAIRS, TEMPLATE_VERSION
from .template_training import analog_video_step2, training
from .writer import write_script

__all__ = [
    "INFO_NODE",
    "REFERENCE_PAIRS",
    "SCAN_PAIRS",
    "TEMPLATES",
    "TEMPLATE_VERSION",
    "template_script",
    "template_text",
    "write_templates",
]

TEMPLATES = (
    "color_reference_train",
    "color_nonreference_train",
    "gauge_train",
    "generation_train",
    "analog_video_step1_train",
    "analog_video_step2_apply",
    "inference",
)

_BUILDERS: Dict[str, Callable[[str], Script]] = {
    "color_reference_train": lambda e: training(
        "color_reference_train",
        e,
        "chroma",
        description="Color recovery with a reference: ground truth = scan luminance + "
        "reference chroma (Median-cleaned).",
    ),
    "color_nonreference_train": lambda e: training(
        "color_nonreference_train",
        e,
        "chroma",
        keyframes=True,
        description="Color recovery without a reference: constructed references (graded "
        "keyframes, paintings, photographs) give the chroma.",
    ),
    "gauge_train": lambda e: training(
        "gauge_train",
        e,
        "luma",
        reformat=True,
        description="Spatial recovery across gauges: ground truth = the better element's "
        "luminance + the scan's chroma; the scan resized to the target raster.",
    ),
    "generation_train": lambda e: training(
        "generation_train",
        e,
        "luma",
        description="Spatial recovery across generations (print → negative): ground truth = "
        "the better generation's luminance + the scan's chroma.",
    ),
    "analog_video_step1_train": lambda e: training(
        "analog_video_step1_train",
        e,
        "luma",
        description="Analog video step 1: learn the film→telecine spatial relationship on "
        "the least-damaged sections where both overlap (the Crops hold the overlap box).",
    ),
    "analog_video_step2_apply": analog_video_step2,
    "inference": inference,
}


def template_script(name: str, edition: str = "nk") -> Script:
    """The template ``name`` as a Script (``edition`` ``nk`` or ``nknc``), laid out."""
    if name not in _BUILDERS:
        raise KeyError(name)
    if edition not in ("nk", "nknc"):
        raise ValueError(f"edition must be nk or nknc, not {edition!r}")
    script = _BUILDERS[name](edition)
    layout(script)
    return script


def template_text(name: str, edition: str = "nk") -> str:
    return write_script(template_script(name, edition))


def write_templates(folder: Path) -> List[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TEMPLATES:
        for edition in ("nk", "nknc"):
            path = folder / f"{name}.{edition}"
            path.write_text(template_text(name, edition), encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    for p in write_templates(Path(sys.argv[1] if len(sys.argv) > 1 else "nuke_base")):
        print(p)
