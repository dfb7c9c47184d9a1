"""The node sub-graphs of the method, built as :class:`~restoration_toolkit.nk.model.Node` s.

Each function takes the upstream nodes and returns the new nodes plus the one whose output is
the result, so the same composition is used by the nuke_base templates, the RT_* gizmos and
the in-Nuke builders (one definition; the tests check it numerically against
``core.ycbcr``).

Knob names: verified ones are listed in ``notes/nuke-facts-nk.md`` with their source; any
other is marked ``# unverified:`` where it is written.

Y'CbCr here is Nuke's ``Colorspace`` node with ``colorspace_out YCbCr`` (Y in red, Cb in
green, Cr in blue: H — working public gizmos sharpen only red after the conversion and copy
only red back to restore luminance; see notes/nuke-facts-nk.md). A ``Copy`` node (input 0 =
B, the image kept;
input 1 = A, the one channels are copied from) then replaces Cb/Cr, and a second
``Colorspace`` (``colorspace_in YCbCr``) returns to the working space. The round trip is
exact, so whatever Y'CbCr matrix Nuke applies, luma and chroma come from the intended sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

from .model import Node, Raw
from .writer import format_value


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
    """Y (red), Cb (green), Cr (blue) → working space RGB (``colorspace_in YCbCr``: H)."""
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


def copycat_clean(src: Node, prefix: str) -> SubGraph:
    """What both CopyCat branches get before training (the method's graph): a Grade with
    black and white clamp (no negative or super-white values to learn) and a Remove of alpha
    (CopyCat learns RGB; no stray alpha from upstream)."""
    g = SubGraph()
    grade = g.add(
        Node(
            "Grade",
            name=f"{prefix}_Clamp",
            knobs={"black_clamp": True, "white_clamp": True},
            inputs=[src],
        )
    )
    g.add(Node("Remove", name=f"{prefix}_RemoveAlpha", knobs={"channels": "alpha"}, inputs=[grade]))
    return g


def copycat_input(scan: Node, truth: Node, prefix: str = "Input") -> SubGraph:
    """CopyCat's Input branch as the method builds it: the scan live area → Grade (clamps) →
    Remove (alpha) → CopyBBox with B (input 0) = that branch and A (input 1) = the ground
    truth, so the Input carries the ground truth's bounding box. CopyBBox copies the bbox of
    A onto B (saved scripts; notes/nuke-facts-nk.md)."""
    g = copycat_clean(scan, prefix)
    g.add(Node("CopyBBox", name=f"{prefix}_CopyBBox", inputs=[g.output, truth]))
    return g


def composite_ground_truth(scan: Node, reference: Node, mode: str, prefix: str) -> SubGraph:
    """The ground truth's pixels before CopyCat's clean-up: ``chroma`` (color recovery) = the
    scan's Y with the reference's Cb/Cr; ``luma`` (spatial recovery) = the reference's Y with
    the scan's Cb/Cr."""
    if mode == "chroma":
        return take_luma_from(scan, reference, prefix)
    if mode == "luma":
        return take_luma_from(reference, scan, prefix)
    raise ValueError(f"ground truth mode must be chroma or luma, not {mode!r}")


def ground_truth(
    scan: Node,
    reference: Node,
    mode: str,
    prefix: str = "GT",
    median_size: Optional[Union[float, str]] = None,
) -> SubGraph:
    """The Ground Truth branch: [Median on the reference] → composite → Grade clamps → Remove
    alpha; its output feeds CopyCat's Ground Truth directly. ``median_size`` may be a
    template placeholder (``"@median_size@"``).

    One function for every training template and the RT_* ground-truth tools. Extension
    point: anything that changes *which* pixels are the truth (a damage mask keying the scan
    back in where the reference is damaged — a ``Keymix``/``Merge2`` with a mask input) goes
    between :func:`composite_ground_truth` and :func:`copycat_clean`, i.e. where ``truth`` is
    below."""
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
    comp = composite_ground_truth(scan, ref, mode, prefix)
    g.nodes += comp.nodes
    truth = comp.output
    assert truth is not None
    clean = copycat_clean(truth, prefix)
    g.nodes += clean.nodes
    g.output = clean.output
    return g


def chroma_ground_truth(
    scan: Node, reference: Node, prefix: str = "GT", median_size: Optional[float] = 10
) -> SubGraph:
    """Color recovery ground truth: scan luminance + reference chroma.

    ``reference`` gets a Median (``size``, the method's 10) first: DVD/telecine compression
    noise and dust would otherwise be learnt as color. ``median_size`` None leaves it out."""
    return ground_truth(scan, reference, "chroma", prefix, median_size)


def luma_ground_truth(scan: Node, reference: Node, prefix: str = "GT") -> SubGraph:
    """Spatial recovery ground truth: the better element's luminance + the scan's chroma."""
    return ground_truth(scan, reference, "luma", prefix)


def recombine(scan: Node, model: Node, mode: str, prefix: str = "Recombine") -> SubGraph:
    """Inference recombination: ``color`` = model chroma on the scan's own luminance and grain
    (Resolve's "Color" composite mode); ``spatial`` = model luminance with the scan's chroma."""
    if mode == "color":
        return take_luma_from(scan, model, prefix)
    if mode == "spatial":
        return take_luma_from(model, scan, prefix)
    raise ValueError(f"recombine mode must be color or spatial, not {mode!r}")


def live_area_crop(
    src: Node, box: Union[Sequence[float], Raw], name: str, *, reformat: bool = True
) -> Node:
    """Crop to the live area (Nuke box x, y, r, t — bottom-left origin), as the method's
    Crops are set: ``reformat`` on (the box becomes the format, so CopyCat's crops never see
    sprockets or black borders), ``intersect`` off, ``crop`` ("black outside") off (no alpha
    is added). Every knob is written, so nothing depends on Nuke's defaults. ``box`` may be a
    keyed value (:func:`keyed_box`). ``reformat=False`` keeps the full raster (a check crop
    laid over the scan, as in the alignment graph)."""
    value = box if isinstance(box, Raw) else [float(v) for v in box]
    return Node(
        "Crop",
        name=name,
        knobs={"box": value, "reformat": reformat, "intersect": False, "crop": False},
        inputs=[src],
    )


def keyed_box(boxes: Sequence[Sequence[float]], first: int = 1) -> Union[List[float], Raw]:
    """A Crop ``box`` keyed per frame: ``boxes[k]`` at frame ``first + k`` (the frames of a
    pair stream). One box, or all equal, gives the plain value. The saved form of an
    animated knob is ``{{curve x<frame> <value> …} …}`` per channel (as a saved MatchGrade
    writes ``{{curve x1069 1069}}``); a channel that never changes stays a number. The
    stream only has whole frames, so the keys are hit exactly whatever the interpolation."""
    rows = [[float(v) for v in b] for b in boxes]
    if not rows:
        raise ValueError("no boxes to key")
    if all(r == rows[0] for r in rows):
        return rows[0]
    channels = []
    for c in range(4):
        values = [r[c] for r in rows]
        if all(v == values[0] for v in values):
            channels.append(format_value(values[0]))
        else:
            keys = " ".join(f"x{first + k} {format_value(v)}" for k, v in enumerate(values))
            channels.append("{curve " + keys + "}")
    return Raw("{" + " ".join(channels) + "}")


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


def keyframe_stream(files: Sequence[Tuple[str, str]], prefix: str) -> SubGraph:
    """Non-reference color: one Read per constructed reference (graded keyframe, painting,
    photograph) with its own input transform — ``files`` is (path, color space) per pair —
    appended in pair order, the same order as the scan stream."""
    g = SubGraph()
    reads = [
        g.add(read_node(f"{prefix}_Key{i}", ClipSpec(path, 1, 1, colorspace)))
        for i, (path, colorspace) in enumerate(files, start=1)
    ]
    g.add(Node("AppendClip", name=f"{prefix}_Append", inputs=reads))
    return g


@dataclass(frozen=True)
class ClipSpec:
    """A Read to create: ``file`` (``%04d`` or ``####`` pattern), frame range, colour space."""

    file: str
    first: int
    last: int
    colorspace: Optional[str] = None


def read_node(name: str, clip: ClipSpec) -> Node:
    """A Read of ``clip`` with its frame range set the way Nuke saves it."""
    knobs = {
        "file": clip.file,
        "first": clip.first,
        "last": clip.last,
        "origfirst": clip.first,
        "origlast": clip.last,
        "origset": True,
    }
    if clip.colorspace:
        knobs["colorspace"] = clip.colorspace
    return Node("Read", name=name, knobs=knobs)
