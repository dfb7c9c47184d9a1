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
    nodes: List[Node] = []
    scan_read = Node(
        "Read",
        name="RT_PairScanRead",
        knobs={
            "file": scan_file,
            "first": int(scan_range[0]),
            "last": int(scan_range[1]),
            "origfirst": int(scan_range[0]),
            "origlast": int(scan_range[1]),
            "origset": True,
            "colorspace": scan_colorspace,
            "xpos": 0,
            "ypos": 0,
        },
    )
    nodes.append(scan_read)
    ref_read = None
    if reference_file is not None and any(p.reference_frame is not None for p in pairs):
        rr = reference_range or (1, 1)
        ref_read = Node(
            "Read",
            name="RT_PairRefRead",
            knobs={
                "file": reference_file,
                "first": int(rr[0]),
                "last": int(rr[1]),
                "origfirst": int(rr[0]),
                "origlast": int(rr[1]),
                "origset": True,
                "colorspace": reference_colorspace,
                "xpos": 0,
                "ypos": 300,
            },
        )
        nodes.append(ref_read)
    scan_clips, ref_clips = [], []
    for k, p in enumerate(pairs):
        x = (k + 1) * DX
        scan_clips.append(_hold(f"RT_Scan{k + 1:02d}", scan_read, p.scan_frame, p.label, x, 80))
        if p.reference_frame is not None and ref_read is not None:
            ref_clips.append(
                _hold(f"RT_Ref{k + 1:02d}", ref_read, p.reference_frame, p.label, x, 380)
            )
        elif p.reference_file:
            single = Node(
                "Read",
                name=f"RT_Key{k + 1:02d}Read",
                knobs={
                    "file": p.reference_file,
                    "first": 1,
                    "last": 1,
                    "origfirst": 1,
                    "origlast": 1,
                    "origset": True,
                    "colorspace": reference_colorspace,
                    "xpos": x,
                    "ypos": 300,
                },
            )
            nodes.append(single)
            ref_clips.append(_hold(f"RT_Ref{k + 1:02d}", single, 1, p.label, x, 380))
        else:
            raise ValueError(f"pair {k + 1} (scan frame {p.scan_frame}) has no reference")
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
