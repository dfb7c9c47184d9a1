"""The stage-02 graph as .nk text: Read(stmap) + STMap(reference) → the aligned reference.

The same nodes and knobs as the RT_Align gizmo (a Read named ``STMapRead`` with ``raw`` on —
an STMap holds coordinates, not color — feeding input 1 of an ``STMap`` node reading
``uv rgb``, the reference in input 0), plus what an artist checks an alignment with: the
confidence map, the proposed live-area Crop, and a TimeOffset when the reference is numbered
differently from the scan. Built from ``alignment.json`` so `rtk align` (headless, writes
``alignment.nk``) and the Nuke menu paste the same graph.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..core.errors import RTKError
from ..core.io.sequence import spec_path
from . import graphs
from .model import Node, Script

BACKDROP_COLOR = 0x7A4A8AFF  # the RT_Align gizmo's color


@dataclass
class AlignmentGraph:
    script: Script
    label: str  # backdrop label: the figures an artist reads first
    frames: List[int]
    failed: List[int]


def _printf(path: str) -> str:
    """``name.####.exr`` → ``name.%04d.exr`` (the form Nuke saves)."""
    import re

    return re.sub(r"#+", lambda m: f"%0{len(m.group(0))}d", path)


def load_alignment(path: Path) -> Dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RTKError("no alignment.json (run `rtk align` first)", path) from None
    except ValueError:
        raise RTKError("alignment.json is not valid JSON", path) from None
    if data.get("schema") != "rtk.alignment/1":
        raise RTKError("not an rtk alignment.json (schema rtk.alignment/1)", path)
    return data


def _offset(frames: Dict[str, Any]) -> Tuple[Optional[int], bool]:
    """Scan frame − reference frame, and whether it is the same for every pair."""
    diffs = {
        int(k) - int(v["reference_frame"])
        for k, v in frames.items()
        if v.get("reference_frame") is not None
    }
    if not diffs:
        return None, True
    return sorted(diffs)[0], len(diffs) == 1


def _reference_read(
    data: Dict[str, Any], frames: Dict[str, Any], single: bool, colorspace: Optional[str]
) -> Node:
    """The reference as stage 02 read it (its frame range when it is a sequence)."""
    ref_frames = sorted(
        int(v["reference_frame"]) for v in frames.values() if v.get("reference_frame") is not None
    )
    file = spec_path(_printf(str(data.get("reference", ""))))
    if ref_frames and not single:
        return graphs.read_node(
            "ReferenceRead", graphs.ClipSpec(file, ref_frames[0], ref_frames[-1], colorspace)
        )
    knobs: Dict[str, Any] = {"file": file}
    if colorspace:
        knobs["colorspace"] = colorspace
    return Node("Read", name="ReferenceRead", knobs=knobs)


def _check_crop(warp: Node, frames: Dict[str, Any], ok: List[int]) -> Optional[Node]:
    """The median proposed live area over the warped reference, on the full scan raster
    (``reformat`` off: it is laid over the scan to judge the alignment)."""
    boxes = [frames[str(f)]["live_area"] for f in ok if frames[str(f)].get("live_area")]
    height = frames[str(ok[0])].get("scan_size", [0, 0])[1]
    if not (boxes and height):
        return None
    med = [int(statistics.median(b[i] for b in boxes)) for i in range(4)]
    box = [med[0], height - med[3], med[2], height - med[1]]
    return graphs.live_area_crop(warp, box, "LiveAreaCrop", reformat=False)


def _label(data: Dict[str, Any], ok: List[int], failed: List[int], constant: bool) -> str:
    summary = data.get("summary") or {}
    parts = [f"02 Alignment · {len(ok)} frames"]
    if summary.get("confident_fraction_min") is not None:
        parts.append(f"confident ≥ {100 * summary['confident_fraction_min']:.0f}%")
    if summary.get("correlation_min") is not None:
        parts.append(f"corr ≥ {summary['correlation_min']:.2f}")
    if summary.get("field_max_px") is not None:
        parts.append(f"warp ≤ {summary['field_max_px']:.1f}px")
    label = " · ".join(parts)
    if summary.get("look_at"):
        label += "\nlook at: " + ", ".join(map(str, summary["look_at"][:12]))
    if failed:
        label += "\nFAILED: " + ", ".join(map(str, failed[:12]))
    if not constant:
        label += "\nreference frames do not follow the scan at one offset: use aligned.####.exr"
    return label


def alignment_graph(
    alignment_json: Path, *, reference_colorspace: Optional[str] = None
) -> AlignmentGraph:
    """Build the graph from an ``alignment.json`` written by `rtk align` (see module doc)."""
    path = Path(alignment_json)
    data = load_alignment(path)
    out = path.parent
    frames = data.get("frames") or {}
    ok = sorted(int(k) for k, v in frames.items() if v.get("status") == "ok")
    failed = sorted(int(k) for k, v in frames.items() if v.get("status") != "ok")
    if not ok:
        raise RTKError("no frame of this alignment succeeded: nothing to build", path)
    single = all(
        Path(v.get("outputs", {}).get("stmap", "")).name == "stmap.exr"
        for v in frames.values()
        if v.get("status") == "ok"
    )
    first, last = ok[0], ok[-1]
    stmap_file = (out / "stmap.exr") if single else (out / "stmap.%04d.exr")
    conf_file = (out / "confidence.exr") if single else (out / "confidence.%04d.exr")
    # raw: an STMap and a confidence map hold numbers, not color
    stmap = graphs.read_node("STMapRead", graphs.ClipSpec(stmap_file.as_posix(), first, last))
    stmap.knobs["raw"] = True
    reference = _reference_read(data, frames, single, reference_colorspace)
    nodes: List[Node] = [stmap, reference]
    src = reference
    offset, constant = _offset(frames)
    if offset and not single:
        src = Node(
            "TimeOffset",
            name="ReferenceToScanFrames",
            knobs={"time_offset": offset},
            inputs=[reference],
        )
        nodes.append(src)
    # STMap: input 0 = src (the reference), input 1 = the map (saved scripts: NUKE_FACTS)
    warp = Node("STMap", name="STMap1", knobs={"uv": "rgb"}, inputs=[src, stmap])
    nodes.append(warp)
    crop = _check_crop(warp, frames, ok)
    if crop is not None:
        nodes.append(crop)
    confidence = graphs.read_node(
        "ConfidenceRead", graphs.ClipSpec(conf_file.as_posix(), first, last)
    )
    confidence.knobs["raw"] = True
    nodes.append(confidence)
    return AlignmentGraph(Script(nodes=nodes), _label(data, ok, failed, constant), ok, failed)
