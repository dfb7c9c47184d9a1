"""The training templates (stage 03): scan and reference pair streams → live-area Crops →
ground truth and CopyCat Input branches → CopyCat, as the method's own scripts wire them.

CopyCat inputs: 0 = Input, 1 = Ground Truth (Foundry's reference, H), 2 = Preview
(# unverified: index). Input = scan Crop → Grade (clamps) → Remove (alpha) → CopyBBox (B = that
branch, A = the ground truth); Ground Truth = the composite → Grade (clamps) → Remove (alpha),
straight in (``nk.graphs``). Knob names: Foundry's CopyCat reference (notes/nuke-facts-nk.md).
"""

from __future__ import annotations

from typing import List, Optional

from . import graphs
from .model import Node, Script
from .template_parts import (
    REFERENCE_PAIRS,
    ROOT,
    SCAN_PAIRS,
    P,
    gauge_reformat,
    info_node,
    pairs_noop,
    placeholder_crop,
    read,
)


def copycat(name: str, input_node: Node, truth: Node, preview: Node) -> Node:
    """CopyCat with every training knob the toolkit sets (values are placeholders)."""
    return Node(
        "CopyCat",
        name=name,
        knobs={
            "dataDirectory": P("data_directory"),
            "epochs": P("epochs"),
            "modelSize": P("model_size"),  # Small / Medium / Large
            "cropSize": P("crop_size"),
            "batchSizeType": P("batch_size_type"),  # Auto / Manual
            "batchSize": P("batch_size"),
            "checkpointInterval": P("checkpoint_interval"),
            "imageInterval": P("contact_sheet_interval"),
            "useMultiResolutionTraining": P("multi_resolution"),
            "useGPUIfAvailable": True,
        },
        inputs=[input_node, truth, preview],
    )


def _preview(scan: Node, reformat: bool) -> List[Node]:
    """CopyCat's Preview: a held-out scan frame through the same live-area Crop."""
    hold = Node(
        "FrameHold", name="PreviewHold", knobs={"firstFrame": P("preview_frame")}, inputs=[scan]
    )
    nodes = [hold]
    if reformat:
        nodes.append(gauge_reformat("PreviewReformat", hold))
    nodes.append(placeholder_crop(nodes[-1], "PreviewLiveArea", "preview_box"))
    return nodes


def training(
    name: str,
    edition: str,
    mode: str,
    *,
    keyframes: bool = False,
    reformat: bool = False,
    description: str = "",
) -> Script:
    """The common shape of the training graphs; ``mode`` is the ground truth (chroma: color
    recovery, with the reference Median; luma: spatial recovery)."""
    nodes: List[Node] = [info_node(name, edition, description)]
    scan = read("ScanRead", "scan")
    scan_side: Node = pairs_noop(SCAN_PAIRS, scan, "scan frames of the pairs, in pairs.yaml order")
    nodes += [scan, scan_side]
    if reformat:
        scan_side = gauge_reformat("GaugeReformat", scan_side)
        nodes.append(scan_side)
    scan_crop = placeholder_crop(scan_side, "ScanLiveArea", "live_area_box")
    nodes.append(scan_crop)
    ref: Optional[Node] = None
    if keyframes:  # the builder adds one Read per constructed reference
        ref_pairs = pairs_noop(
            REFERENCE_PAIRS, None, "constructed references (keyframes), one per pair"
        )
    else:
        ref = read("ReferenceRead", "reference")
        ref_pairs = pairs_noop(REFERENCE_PAIRS, ref, "reference frames of the same pairs")
        nodes.append(ref)
    ref_crop = placeholder_crop(ref_pairs, "ReferenceLiveArea", "live_area_box")
    nodes += [ref_pairs, ref_crop]
    median = P("median_size") if mode == "chroma" else None
    truth = graphs.ground_truth(scan_crop, ref_crop, mode, "GT", median)
    cat_input = graphs.copycat_input(scan_crop, truth.output, "Input")  # type: ignore[arg-type]
    preview = _preview(scan, reformat)
    nodes += truth.nodes + cat_input.nodes + preview
    nodes.append(copycat("CopyCat1", cat_input.output, truth.output, preview[-1]))  # type: ignore[arg-type]
    return Script(nodes=nodes, root=dict(ROOT))


def analog_video_step2(edition: str) -> Script:
    """Analog video step 2: step 1's model, applied to the film's full frame, is the ground
    truth for a second model trained on that full frame."""
    name = "analog_video_step2_apply"
    nodes: List[Node] = [
        info_node(
            name,
            edition,
            "Analog video step 2: the step-1 model applied to the film's full frame becomes "
            "the ground truth of a second model trained on that full frame.",
        )
    ]
    scan = read("ScanRead", "scan")
    scan_pairs = pairs_noop(SCAN_PAIRS, scan, "scan frames of the pairs, in pairs.yaml order")
    crop = placeholder_crop(scan_pairs, "ScanLiveArea", "live_area_box")
    step1 = Node(
        "Inference",
        name="Step1Inference",
        knobs={"modelFile": P("step1_model"), "useGPUIfAvailable": True},
        inputs=[crop],
    )
    truth = graphs.ground_truth(crop, step1, "luma", "GT")
    cat_input = graphs.copycat_input(crop, truth.output, "Input")  # type: ignore[arg-type]
    preview = _preview(scan, False)
    cat = copycat("CopyCat2", cat_input.output, truth.output, preview[-1])  # type: ignore[arg-type]
    nodes += [scan, scan_pairs, crop, step1, *truth.nodes, *cat_input.nodes, *preview, cat]
    return Script(nodes=nodes, root=dict(ROOT))
