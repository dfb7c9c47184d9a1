"""The node sub-graphs of the method, built as :class:`~restoration_toolkit.nk.model.Node` s.

Each function takes the upstream nodes and returns the new nodes plus the one whose output is
the result, so the same composition is used by the nuke_base templates, the RT_* gizmos and
the in-Nuke builders (one definition; the tests check it numerically against
``core.ycbcr``).

Knob names: verified ones are listed in ``notes/nuke-facts-nk.md`` with their source; any
other is marked ``# unverified:`` where it is written.

Y'CbCr here is Nuke's ``Colorspace`` node with ``colorspace_out YCbCr`` (Y in red, Cb in
green, Cr in blue — the channel order is # unverified: inferred from the node's purpose and
the Copy-based recombination artists use). A ``Copy`` node (input 0 = B, the image kept;
input 1 = A, the one channels are copied from) then replaces Cb/Cr, and a second
``Colorspace`` (``colorspace_in YCbCr``) returns to the working space. The round trip is
exact, so whatever Y'CbCr matrix Nuke applies, luma and chroma come from the intended sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from .model import Node


@dataclass
class SubGraph:
    """New nodes (in build order) and the node that outputs the result."""

    nodes: List[Node] = field(default_factory=list)
    output: Optional[Node] = None

    def add(self, node: Node) -> Node:
        self.nodes.append(node)
        self.output = node
        return node


def to_ycbcr(src: Node, name: str) -> Node:
    """Working space RGB → Y (red), Cb (green), Cr (blue)."""
    return Node("Colorspace", name=name, knobs={"colorspace_out": "YCbCr"}, inputs=[src])


def from_ycbcr(src: Node, name: str) -> Node:
    # unverified: colorspace_in YCbCr (same enumeration as colorspace_out, which is verified)
    return Node("Colorspace", name=name, knobs={"colorspace_in": "YCbCr"}, inputs=[src])


def take_luma_from(luma: Node, chroma: Node, prefix: str) -> SubGraph:
    """RGB with the Y of ``luma`` and the Cb/Cr of ``chroma`` (both working space, same raster).

    Copy B (input 0) = ``luma`` in Y'CbCr, A (input 1) = ``chroma`` in Y'CbCr; green (Cb) and
    blue (Cr) are copied from A."""
    g = SubGraph()
    y_side = g.add(to_ycbcr(luma, f"{prefix}_LumaYCbCr"))
    c_side = g.add(to_ycbcr(chroma, f"{prefix}_ChromaYCbCr"))
    copy = g.add(
        Node(
            "Copy",
            name=f"{prefix}_TakeChroma",
            knobs={
                "from0": "rgba.green",
                "to0": "rgba.green",
                "from1": "rgba.blue",
                "to1": "rgba.blue",
            },
            inputs=[y_side, c_side],
        )
    )
    g.add(from_ycbcr(copy, f"{prefix}_ToWorking"))
    return g


def clean_ground_truth(src: Node, bbox_from: Node, prefix: str) -> SubGraph:
    """Grade with black and white clamp (no negative or super-white values to learn), Remove
    alpha (CopyCat learns RGB only), CopyBBox from the Input stream (both CopyCat inputs then
    share one bounding box)."""
    g = SubGraph()
    grade = g.add(
        Node(
            "Grade",
            name=f"{prefix}_Clamp",
            knobs={"black_clamp": True, "white_clamp": True},
            inputs=[src],
        )
    )
    remove = g.add(
        Node("Remove", name=f"{prefix}_RemoveAlpha", knobs={"channels": "alpha"}, inputs=[grade])
    )
    # unverified: CopyBBox input order (0 = image kept, 1 = bbox source, as Merge's B/A)
    g.add(Node("CopyBBox", name=f"{prefix}_CopyBBox", inputs=[remove, bbox_from]))
    return g


def chroma_ground_truth(
    scan: Node, reference: Node, prefix: str = "GT", median_size: Optional[float] = 3
) -> SubGraph:
    """Color recovery ground truth: scan luminance + reference chroma.

    ``reference`` gets a Median (``size``) first: DVD/telecine compression noise and dust
    would otherwise be learnt as color. ``median_size`` None leaves it out."""
    g = SubGraph()
    ref = reference
    if median_size is not None:
        # Median `size` (Foundry reference guide; see notes/nuke-facts-nk.md)
        ref = g.add(
            Node(
                "Median",
                name=f"{prefix}_RefMedian",
                knobs={"size": median_size},
                inputs=[reference],
            )
        )
    comp = take_luma_from(scan, ref, prefix)
    g.nodes += comp.nodes
    clean = clean_ground_truth(comp.output, scan, prefix)  # type: ignore[arg-type]
    g.nodes += clean.nodes
    g.output = clean.output
    return g


def luma_ground_truth(scan: Node, reference: Node, prefix: str = "GT") -> SubGraph:
    """Spatial recovery ground truth: the better element's luminance + the scan's chroma."""
    g = SubGraph()
    comp = take_luma_from(reference, scan, prefix)
    g.nodes += comp.nodes
    clean = clean_ground_truth(comp.output, scan, prefix)  # type: ignore[arg-type]
    g.nodes += clean.nodes
    g.output = clean.output
    return g


def recombine(scan: Node, model: Node, mode: str, prefix: str = "Recombine") -> SubGraph:
    """Inference recombination: ``color`` = model chroma on the scan's own luminance and grain
    (Resolve's "Color" composite mode); ``spatial`` = model luminance with the scan's chroma."""
    if mode == "color":
        return take_luma_from(scan, model, prefix)
    if mode == "spatial":
        return take_luma_from(model, scan, prefix)
    raise ValueError(f"recombine mode must be color or spatial, not {mode!r}")


def live_area_crop(src: Node, box: Sequence[float], name: str) -> Node:
    """Crop to the live area (Nuke box x, y, r, t — bottom-left origin); the format is kept
    (``reformat`` off) so the result stays registered to the full scan."""
    return Node("Crop", name=name, knobs={"box": [float(v) for v in box]}, inputs=[src])


def pair_stream(src: Node, frames: Sequence[int], prefix: str) -> SubGraph:
    """The curated frames as one clip: FrameHold per frame (the pick is visible in the node
    graph) → FrameRange of that one frame (so each pick is a one-frame clip) → AppendClip.

    Frame k of the result (from 1) is ``frames[k-1]``; two streams built from the same
    frame list stay pair-for-pair in step."""
    g = SubGraph()
    clips: List[Node] = []
    for i, frame in enumerate(frames, start=1):
        hold = g.add(
            Node(
                "FrameHold",
                name=f"{prefix}_Hold{i}",
                knobs={"firstFrame": int(frame)},
                inputs=[src],
            )
        )
        # FrameRange first_frame / last_frame: written by a public .nk generator (H)
        clip = g.add(
            Node(
                "FrameRange",
                name=f"{prefix}_Frame{i}",
                knobs={"first_frame": int(frame), "last_frame": int(frame)},
                inputs=[hold],
            )
        )
        clips.append(clip)
    g.add(Node("AppendClip", name=f"{prefix}_Append", inputs=clips))
    return g


def keyframe_stream(files: Sequence[str], colorspace: str, prefix: str) -> SubGraph:
    """Non-reference color: one Read per constructed reference (graded keyframe, painting,
    photograph), appended in pair order — the same order as the scan stream."""
    g = SubGraph()
    reads = [
        g.add(
            Node(
                "Read",
                name=f"{prefix}_Key{i}",
                knobs={
                    "file": path,
                    "first": 1,
                    "last": 1,
                    "origfirst": 1,
                    "origlast": 1,
                    "colorspace": colorspace,
                },
            )
        )
        for i, path in enumerate(files, start=1)
    ]
    g.add(Node("AppendClip", name=f"{prefix}_Append", inputs=reads))
    return g


@dataclass(frozen=True)
class ClipSpec:
    """A Read to create: ``file`` (``%04d`` or ``####`` pattern), frame range (None: no range
    knobs, e.g. a single image), colour space, ``raw`` (data such as an STMap: no colour
    conversion)."""

    file: str
    first: Optional[int] = None
    last: Optional[int] = None
    colorspace: Optional[str] = None
    raw: bool = False


def read_node(name: str, clip: ClipSpec) -> Node:
    """A Read of ``clip`` with its frame range set the way Nuke saves it."""
    knobs: Dict[str, Any] = {"file": clip.file}
    if clip.first is not None and clip.last is not None:
        knobs.update(
            first=clip.first,
            last=clip.last,
            origfirst=clip.first,
            origlast=clip.last,
            origset=True,
        )
    if clip.colorspace:
        knobs["colorspace"] = clip.colorspace
    if clip.raw:
        knobs["raw"] = True
    return Node("Read", name=name, knobs=knobs)
