"""Where the nuke_base/ templates come from: each template's graph, with named placeholders.

``python -m restoration_toolkit.nk.template_source nuke_base`` writes every template (and its
``.nknc`` twin for Nuke Non-Commercial); a test checks the committed files equal this output,
so a change to a graph is a change here, reviewed like code. A studio may still edit its own
copy of a template in Nuke and pass it with ``--template`` — the builder only needs the
placeholders, the two pair-stream NoOps and the ``RTK_TemplateInfo`` node to survive.

Placeholders are knob values ``@name@``; ``RTK_ScanPairs`` / ``RTK_ReferencePairs`` NoOps are
expansion points the builder replaces with the pair streams (FrameHold → FrameRange →
AppendClip per pair).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional

from . import graphs
from .layout import layout
from .model import Node, Raw, Script, UserKnob
from .writer import write_script

TEMPLATE_VERSION = 1

TEMPLATES = (
    "color_reference_train",
    "color_nonreference_train",
    "gauge_train",
    "generation_train",
    "analog_video_step1_train",
    "analog_video_step2_apply",
    "inference",
)

INFO_NODE = "RTK_TemplateInfo"
SCAN_PAIRS = "RTK_ScanPairs"
REFERENCE_PAIRS = "RTK_ReferencePairs"


def P(name: str) -> str:
    """A placeholder knob value."""
    return f"@{name}@"


ROOT = {
    "format": P("format"),
    "first_frame": P("first_frame"),
    "last_frame": P("last_frame"),
    "lock_range": True,
    "fps": P("fps"),
    "colorManagement": "OCIO",
    "OCIO_config": P("ocio_config_name"),
    "customOCIOConfigPath": P("ocio_config_path"),
    "workingSpaceLUT": P("working_space"),  # unverified: value form of workingSpaceLUT with OCIO
}


def _info(name: str, edition: str, description: str) -> Node:
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


def _read(name: str, prefix: str) -> Node:
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


def _gauge_reformat(name: str, src: Node) -> Node:
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


def _placeholder_crop(src: Node, name: str, box_key: str) -> Node:
    """The live-area Crop with its box left as a template placeholder."""
    crop = graphs.live_area_crop(src, [0, 0, 0, 0], name)
    crop.knobs["box"] = Raw(P(box_key))
    return crop


def _pairs_noop(name: str, src: Optional[Node], what: str) -> Node:
    knobs: Dict[str, object] = {"label": f"pair stream: {what}"}
    if src is None:
        knobs["inputs"] = 0
    return Node("NoOp", name=name, knobs=knobs, inputs=[src] if src is not None else [])


def _copycat(name: str, input_node: Node, ground_truth: Node, preview: Node, data_key: str) -> Node:
    """CopyCat: input 0 = Input, 1 = Ground Truth, 2 = Preview (index # unverified)."""
    return Node(
        "CopyCat",
        name=name,
        knobs={
            "dataDirectory": P(data_key),
            "epochs": P("epochs"),
            "modelSize": P("model_size"),  # unverified: enumeration values Small/Medium/Large
            "cropSize": P("crop_size"),
            "batchSizeType": P("batch_size_type"),  # unverified: enumeration value for a fixed size
            "batchSize": P("batch_size"),
            "checkpointInterval": P("checkpoint_interval"),
            "imageInterval": P("contact_sheet_interval"),
            "useGPUIfAvailable": True,
        },
        inputs=[input_node, ground_truth, preview],
    )


def _training(
    name: str,
    edition: str,
    ground_truth: str,
    *,
    reference: str = "read",
    reformat: bool = False,
    box_key: str = "live_area_box",
    description: str = "",
) -> Script:
    """The common shape of the training graphs."""
    nodes: List[Node] = [_info(name, edition, description)]
    scan = _read("ScanRead", "scan")
    scan_pairs = _pairs_noop(SCAN_PAIRS, scan, "scan frames of the pairs, in pairs.yaml order")
    scan_side: Node = scan_pairs
    nodes += [scan, scan_pairs]
    if reformat:
        scan_side = _gauge_reformat("GaugeReformat", scan_pairs)
        nodes.append(scan_side)
    scan_crop = _placeholder_crop(scan_side, "ScanLiveArea", box_key)
    nodes.append(scan_crop)
    if reference == "read":
        ref = _read("ReferenceRead", "reference")
        ref_pairs = _pairs_noop(REFERENCE_PAIRS, ref, "reference frames of the same pairs")
        nodes += [ref, ref_pairs]
    else:  # keyframes: the builder adds one Read per constructed reference
        ref_pairs = _pairs_noop(
            REFERENCE_PAIRS, None, "constructed references (keyframes), one per pair"
        )
        nodes.append(ref_pairs)
    ref_crop = _placeholder_crop(ref_pairs, "ReferenceLiveArea", box_key)
    nodes.append(ref_crop)
    if ground_truth == "chroma":
        median = Node(
            "Median", name="GT_RefMedian", knobs={"size": P("median_size")}, inputs=[ref_crop]
        )
        # the Median sits on the reference branch, before the Y'CbCr split
        gt = graphs.chroma_ground_truth(scan_crop, median, "GT", median_size=None)
        nodes.append(median)
    else:
        gt = graphs.luma_ground_truth(scan_crop, ref_crop, "GT")
    nodes += gt.nodes
    preview = Node(
        "FrameHold", name="PreviewHold", knobs={"firstFrame": P("preview_frame")}, inputs=[scan]
    )
    preview_side: Node = preview
    nodes.append(preview)
    if reformat:
        preview_side = _gauge_reformat("PreviewReformat", preview)
        nodes.append(preview_side)
    preview_crop = _placeholder_crop(preview_side, "PreviewLiveArea", box_key)
    nodes.append(preview_crop)
    assert gt.output is not None
    nodes.append(_copycat("CopyCat1", scan_crop, gt.output, preview_crop, "data_directory"))
    return Script(nodes=nodes, root=dict(ROOT))


def _step2(edition: str) -> Script:
    """Analog video step 2: step 1's model, applied to the film's full frame, is the ground
    truth for a second model trained on the full frame."""
    name = "analog_video_step2_apply"
    nodes: List[Node] = [
        _info(
            name,
            edition,
            "Analog video step 2: the step-1 model applied "
            "to the film's full frame becomes the ground truth of a second "
            "model trained on that full frame.",
        )
    ]
    scan = _read("ScanRead", "scan")
    scan_pairs = _pairs_noop(SCAN_PAIRS, scan, "scan frames of the pairs, in pairs.yaml order")
    crop = _placeholder_crop(scan_pairs, "ScanLiveArea", "live_area_box")
    step1 = Node(
        "Inference",
        name="Step1Inference",
        knobs={"modelFile": P("step1_model"), "useGPUIfAvailable": True},
        inputs=[crop],
    )
    gt = graphs.luma_ground_truth(crop, step1, "GT")
    preview = Node(
        "FrameHold", name="PreviewHold", knobs={"firstFrame": P("preview_frame")}, inputs=[scan]
    )
    preview_crop = _placeholder_crop(preview, "PreviewLiveArea", "live_area_box")
    assert gt.output is not None
    copycat = _copycat("CopyCat2", crop, gt.output, preview_crop, "data_directory")
    nodes += [scan, scan_pairs, crop, step1, *gt.nodes, preview, preview_crop, copycat]
    return Script(nodes=nodes, root=dict(ROOT))


def _inference(edition: str) -> Script:
    name = "inference"
    nodes: List[Node] = [
        _info(
            name,
            edition,
            "Inference and render: full scan → live-area "
            "crop → Inference (.cat) → recombination with the scan → "
            "delivery color space → EXR with provenance.",
        )
    ]
    scan = _read("ScanRead", "scan")
    reformat = _gauge_reformat("GaugeReformat", scan)
    reformat.knobs["disable"] = P("reformat_disable")  # only gauge recovery resizes
    crop = _placeholder_crop(reformat, "LiveAreaCrop", "live_area_box")
    model = Node(
        "Inference",
        name="Inference1",
        knobs={"modelFile": P("model_file"), "useGPUIfAvailable": True},
        inputs=[crop],
    )
    color = graphs.recombine(crop, model, "color", "RecombineColor")
    spatial = graphs.recombine(crop, model, "spatial", "RecombineSpatial")
    assert color.output is not None and spatial.output is not None
    switch = Node(
        "Switch",
        name="Recombine",
        knobs={
            "which": P("recombine_which"),
            "label": "0 = color (model chroma, scan luma)\n1 = spatial (model luma, scan chroma)",
        },
        inputs=[color.output, spatial.output],
    )
    delivery = Node(
        "OCIOColorSpace",
        name="ToDelivery",
        knobs={"in_colorspace": P("working_space"), "out_colorspace": P("delivery_space")},
        inputs=[switch],
    )
    last: Node = delivery
    nodes += [scan, reformat, crop, model, *color.nodes, *spatial.nodes, switch, delivery]
    if edition == "nknc":
        # Nuke Non-Commercial renders at most 1920×1080 (# unverified: a user's report)
        last = Node(
            "Reformat",
            name="NonCommercial1080",
            knobs={
                "type": "to box",
                "box_width": 1920,
                "box_height": 1080,
                "box_fixed": True,
                "resize": "fit",
                "filter": P("resize_filter"),
            },
            inputs=[delivery],
        )
        nodes.append(last)
    meta = Node(
        "ModifyMetaData",
        name="Provenance",
        knobs={"metadata": P("provenance_metadata")},
        inputs=[last],
    )  # ModifyMetaData `metadata {{set key value}}`: saved-script form
    write = Node(
        "Write",
        name="WriteML",
        knobs={
            "channels": "rgb",
            "file": P("output_file"),
            "file_type": "exr",
            "datatype": "16 bit half",
            "compression": P("compression"),
            "metadata": "all metadata",  # H: public .nk writers
            "raw": True,  # unverified on Write: pixels are already in the delivery space
            "create_directories": True,  # unverified
            "first": P("render_first"),
            "last": P("render_last"),
            "use_limit": True,
        },
        inputs=[meta],
    )
    nodes += [meta, write]
    return Script(nodes=nodes, root=dict(ROOT))


_BUILDERS: Dict[str, Callable[[str], Script]] = {
    "color_reference_train": lambda e: _training(
        "color_reference_train",
        e,
        "chroma",
        description="Color recovery with a reference: ground truth = scan luminance + "
        "reference chroma (Median-cleaned).",
    ),
    "color_nonreference_train": lambda e: _training(
        "color_nonreference_train",
        e,
        "chroma",
        reference="keyframes",
        description="Color recovery without a reference: constructed references (graded "
        "keyframes, paintings, photographs) give the chroma.",
    ),
    "gauge_train": lambda e: _training(
        "gauge_train",
        e,
        "luma",
        reformat=True,
        description="Spatial recovery across gauges: ground truth = the better element's "
        "luminance + the scan's chroma; the scan resized to the target raster.",
    ),
    "generation_train": lambda e: _training(
        "generation_train",
        e,
        "luma",
        description="Spatial recovery across generations (print → negative): ground truth = "
        "the better generation's luminance + the scan's chroma.",
    ),
    "analog_video_step1_train": lambda e: _training(
        "analog_video_step1_train",
        e,
        "luma",
        box_key="overlap_box",
        description="Analog video step 1: learn the film→telecine spatial relationship on "
        "the least-damaged sections where both overlap.",
    ),
    "analog_video_step2_apply": _step2,
    "inference": _inference,
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
