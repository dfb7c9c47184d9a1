"""The inference template (stage 04): scan → [gauge Reformat] → live-area Crop → Inference →
recombination with the scan → back on the scan raster → [1920×1080 for Non-Commercial] →
provenance metadata → Write (EXR, output transform = the delivery space).

The Crop is the training Crop (reformat on), so the model sees exactly the raster it learnt
on; a Reformat (resize none, not centred) and a Transform put the live area back where it
was on the scan raster, so stage 05 compares full frames. Write knobs: see
notes/nuke-facts-nk.md; the Write settings (channels, compression, level, padding) are
placeholders the builder fills from a preset (``nk.inference_script.WRITE_PRESETS``).
"""

from __future__ import annotations

from typing import List

from . import graphs
from .model import Node, Script
from .template_parts import ROOT, P, gauge_reformat, info_node, placeholder_crop, read


def _back_on_raster(src: Node) -> List[Node]:
    """The live-area image put back at its place on the (target) scan raster."""
    # Reformat `center` off: the image keeps its bottom-left corner at 0,0 (H: Foundry's
    # Reformat reference); the Transform then moves it to the Crop box's corner.
    canvas = Node(
        "Reformat",
        name="BackOnScanRaster",
        knobs={
            "format": P("target_format"),
            "resize": "none",
            "center": False,
            "black_outside": False,
        },
        inputs=[src],
    )
    place = Node(
        "Transform",
        name="BackToLiveArea",
        knobs={"translate": P("live_area_origin")},
        inputs=[canvas],
    )
    return [canvas, place]


def _write(src: Node) -> Node:
    return Node(
        "Write",
        name="WriteML",
        knobs={
            "channels": P("write_channels"),
            "file": P("output_file"),
            "file_type": "exr",
            "datatype": "16 bit half",
            "compression": P("compression"),
            "dw_compression_level": P("dw_compression_level"),  # DWAA/DWAB only (NDK exrWriter)
            "metadata": "all metadata",
            "colorspace": P("delivery_space"),  # the output transform, as the method sets it
            "create_directories": True,
            "first": P("render_first"),
            "last": P("render_last"),
            "use_limit": True,
        },
        inputs=[src],
    )


def inference(edition: str) -> Script:
    name = "inference"
    nodes: List[Node] = [
        info_node(
            name,
            edition,
            "Inference and render: scan → live-area crop → Inference (.cat / .catnc) → "
            "recombination with the scan → back on the scan raster → EXR in the delivery "
            "color space, with provenance.",
        )
    ]
    scan = read("ScanRead", "scan")
    reformat = gauge_reformat("GaugeReformat", scan)
    reformat.knobs["disable"] = P("reformat_disable")  # only gauge recovery resizes
    crop = placeholder_crop(reformat, "LiveAreaCrop", "live_area_box")
    model = Node(
        "Inference",
        name="Inference1",
        knobs={"modelFile": P("model_file"), "useGPUIfAvailable": True},
        inputs=[crop],
    )
    color = graphs.recombine(crop, model, "color", "RecombineColor")
    spatial = graphs.recombine(crop, model, "spatial", "RecombineSpatial")
    switch = Node(
        "Switch",
        name="Recombine",
        knobs={
            "which": P("recombine_which"),
            "label": "0 = color (model chroma, scan luma)\n1 = spatial (model luma, scan chroma)",
        },
        inputs=[color.output, spatial.output],
    )
    placed = _back_on_raster(switch)
    nodes += [scan, reformat, crop, model, *color.nodes, *spatial.nodes, switch, *placed]
    last = placed[-1]
    if edition == "nknc":
        # Nuke Non-Commercial renders at most 1920×1080 (# unverified: a user's report; the
        # method's NC script reformats to HD_1080 the same way)
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
            inputs=[last],
        )
        nodes.append(last)
    meta = Node(
        "ModifyMetaData",
        name="Provenance",
        knobs={"metadata": P("provenance_metadata")},
        inputs=[last],
    )  # ModifyMetaData `metadata {{set key value}}`: saved-script form
    nodes += [meta, _write(meta)]
    return Script(nodes=nodes, root=dict(ROOT))
