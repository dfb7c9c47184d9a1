"""The stage-01 graph: the training pairs of pairs.yaml as two streams CopyCat can read.

Two streams, scan and reference, with the same pairs in the same order: pair k is frame
``first + k`` of both. Each pair is ``Read → FrameHold (the pair's frame) → FrameRange (one
frame)`` and the one-frame clips are joined by an ``AppendClip``; a ``Viewer`` has the scan
stream on input 1 and the reference on input 2 (keys 1 / 2 flip between them) and its range
set to the pairs.

Knob names: FrameHold ``firstFrame`` (Nuke 12+; older scripts saved ``first_frame``),
FrameRange ``first_frame``/``last_frame``, AppendClip ``firstFrame`` (see
notes/nuke-facts-curate.md for sources). Builds text through :mod:`restoration_toolkit.nk`;
never imports nuke.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from . import graphs
from .model import Node, Script

X_SCAN, X_REF, DX, DY = 0, 0, 110, 0


@dataclass(frozen=True)
class StreamPair:
    """One pair: ``scan_frame`` of the scan file pattern; ``reference_frame`` of the
    reference pattern, or a one-image ``reference_file`` (keyframe reference)."""

    scan_frame: int
    reference_frame: Optional[int]
    reference_file: Optional[str]
    label: str


def _hold(name: str, source: Node, frame: int, label: str, x: int, y: int) -> Node:
    hold = Node(
        "FrameHold",
        name=f"{name}Hold",
        knobs={"firstFrame": frame, "label": label, "xpos": x, "ypos": y},
        inputs=[source],
    )
    return Node(
        "FrameRange",
        name=f"{name}Range",
        knobs={"first_frame": frame, "last_frame": frame, "xpos": x, "ypos": y + 40},
        inputs=[hold],
    )


def _read(name: str, file: str, rng: Sequence[int], colorspace: str, x: int, y: int) -> Node:
    read = graphs.read_node(name, graphs.ClipSpec(file, int(rng[0]), int(rng[1]), colorspace))
    read.knobs.update(xpos=x, ypos=y)
    return read


def _reference_clip(
    k: int, p: StreamPair, ref_read: Optional[Node], colorspace: str, nodes: List[Node]
) -> Node:
    """Pair ``k``'s one-frame reference clip: a frame of the reference Read, or a keyframe
    reference's own Read (added to ``nodes``)."""
    x = (k + 1) * DX
    if p.reference_frame is not None and ref_read is not None:
        return _hold(f"RT_Ref{k + 1:02d}", ref_read, p.reference_frame, p.label, x, 380)
    if p.reference_file:
        single = _read(f"RT_Key{k + 1:02d}Read", p.reference_file, (1, 1), colorspace, x, 300)
        nodes.append(single)
        return _hold(f"RT_Ref{k + 1:02d}", single, 1, p.label, x, 380)
    raise ValueError(f"pair {k + 1} (scan frame {p.scan_frame}) has no reference")


def pair_streams_script(
    pairs: Sequence[StreamPair],
    *,
    scan_file: str,
    reference_file: Optional[str],
    scan_colorspace: str,
    reference_colorspace: str,
    scan_range: Sequence[int],
    reference_range: Optional[Sequence[int]] = None,
    first: int = 1,
) -> Script:
    """The graph as a paste snippet. ``scan_file``/``reference_file`` are Nuke file patterns
    (``%04d``); ``*_range`` are (first, last) of each sequence on disk."""
    if not pairs:
        raise ValueError("no pairs to build streams from")
    scan_read = _read("RT_PairScanRead", scan_file, scan_range, scan_colorspace, 0, 0)
    nodes: List[Node] = [scan_read]
    ref_read = None
    if reference_file is not None and any(p.reference_frame is not None for p in pairs):
        rr = reference_range or (1, 1)
        ref_read = _read("RT_PairRefRead", reference_file, rr, reference_colorspace, 0, 300)
        nodes.append(ref_read)
    scan_clips, ref_clips = [], []
    for k, p in enumerate(pairs):
        scan_clips.append(
            _hold(f"RT_Scan{k + 1:02d}", scan_read, p.scan_frame, p.label, (k + 1) * DX, 80)
        )
        ref_clips.append(_reference_clip(k, p, ref_read, reference_colorspace, nodes))
        nodes += [scan_clips[-1].inputs[0], scan_clips[-1], ref_clips[-1].inputs[0], ref_clips[-1]]
    end_x = (len(pairs) + 2) * DX
    scan_append = Node(
        "AppendClip",
        name="RT_PairScan",
        knobs={"firstFrame": first, "xpos": end_x, "ypos": 160, "label": "scan: pairs in order"},
        inputs=scan_clips,
    )
    ref_append = Node(
        "AppendClip",
        name="RT_PairReference",
        knobs={"firstFrame": first, "xpos": end_x, "ypos": 460, "label": "reference: same order"},
        inputs=ref_clips,
    )
    # unverified: the Viewer frame_range value format "first-last"
    viewer = Node(
        "Viewer",
        name="RT_PairViewer",
        knobs={
            "frame_range": f"{first}-{first + len(pairs) - 1}",
            "frame_range_lock": True,
            "xpos": end_x + 2 * DX,
            "ypos": 300,
        },
        inputs=[scan_append, ref_append],
    )
    nodes += [scan_append, ref_append, viewer]
    return Script(nodes=nodes, snippet=True)
