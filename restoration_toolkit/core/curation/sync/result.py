"""The sync result: per scan frame its clean reference frame or the fields that show it,
continuous segments, cadence, offset and speed; and how a search path becomes that result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ...errors import RTKError
from ...io.thumbnails import Thumbnails
from .search import SearchPath, Units
from .settings import SyncSettings

FIELD_NAMES = ("top", "bottom")


@dataclass(frozen=True)
class FrameMatch:
    """One scan frame: its clean reference frame (or None) and the reference fields that
    show it (``(reference frame, "top" | "bottom")`` in time order)."""

    scan: int
    reference: Optional[int]
    confidence: float
    kind: str  # "clean" | "fields" | "missing"
    fields: Tuple[Tuple[int, str], ...] = ()


@dataclass(frozen=True)
class SyncSegment:
    """A run of scan frames that follow each other in the reference without a break."""

    scan_first: int
    scan_last: int
    reference_first: int
    reference_last: int


@dataclass(frozen=True)
class SyncResult:
    mapping: Tuple[FrameMatch, ...]
    cadence: str  # "1:1", "3:2 pulldown", "2:2 field-shifted"
    field_order: str  # "progressive", "upper", "lower"
    slope: float  # reference frames per scan frame (1.0, 1.25)
    offset: Optional[int]  # most common reference − round(slope × scan) over clean frames
    speed: Optional[float]  # reference playback speed vs the film (1.0417 for PAL)
    segments: Tuple[SyncSegment, ...]
    mixed_reference_frames: Tuple[int, ...]
    repeated: int
    dropped: int
    matched_fraction: float
    explanation: str = ""

    def match(self, scan_frame: int) -> FrameMatch:
        """The match of ``scan_frame`` (KeyError when it is not a scan frame)."""
        k = scan_frame - self.mapping[0].scan if self.mapping else -1
        if 0 <= k < len(self.mapping) and self.mapping[k].scan == scan_frame:
            return self.mapping[k]  # consecutive frames: no search
        for m in self.mapping:
            if m.scan == scan_frame:
                return m
        raise KeyError(scan_frame)

    def as_dict(self) -> Dict[str, object]:
        d = asdict(self)
        d["mapping"] = [
            {
                "scan": m.scan,
                "reference": m.reference,
                "confidence": round(m.confidence, 4),
                "kind": m.kind,
                "fields": [list(f) for f in m.fields],
            }
            for m in self.mapping
        ]
        return d


CHUNK = 4096


def _fields_per_frame(
    zs: np.ndarray, units: Units, path: SearchPath, mode: str
) -> Tuple[np.ndarray, np.ndarray]:
    """(fields each scan frame occupies, its similarity to the next four fields)."""
    S, U = len(zs), units.count
    start, step_in = path.start, path.step_in
    # fields per frame: up to where the next frame starts, else the cadence's guess
    next_step = np.append(step_in[1:], 0)
    follows = next_step > 0
    n = np.where(follows, next_step, 2)
    if mode == "telecine":
        n = np.where(follows, n, np.where(step_in == 2, 3, 2))
    sims4 = np.empty((S, 4), np.float32)
    for a in range(0, S, CHUNK):
        cols = np.maximum(start[a : a + CHUNK], 0)[:, None] + np.arange(4)[None, :]
        rows = units.take(cols.ravel()).reshape(*cols.shape, -1)
        sims4[a : a + CHUNK] = np.einsum("sd,skd->sk", zs[a : a + CHUNK], rows)
    # before a gap, a jump or the end: one more field if it still shows this frame and no
    # later frame starts there
    pos = np.where(start >= 0, np.arange(S), S)
    after = np.append(np.minimum.accumulate(pos[::-1])[::-1][1:], S)
    nxt = np.where(after < S, start[np.minimum(after, S - 1)], U)
    base = np.cumsum(sims4, axis=1)[np.arange(S), np.clip(n, 1, 4) - 1] / np.clip(n, 1, 4)
    extend = (
        (~follows)
        & (n < 3)
        & (start + n < np.minimum(U, nxt))
        & (sims4[np.arange(S), np.minimum(n, 3)] >= base - 0.02)
    )
    return n + extend, sims4


def _mapping(
    scan: Thumbnails, ref: Thumbnails, path: SearchPath, n: np.ndarray, sims4, order: str, U: int
) -> List[FrameMatch]:
    second = {"upper": (0, 1), "lower": (1, 0), "progressive": (0, 1)}[order]
    mapping: List[FrameMatch] = []
    for i in range(len(scan)):
        j = int(path.start[i])
        if j < 0:
            mapping.append(FrameMatch(int(scan.frames[i]), None, 0.0, "missing"))
            continue
        units = list(range(j, min(j + int(n[i]), U)))
        conf = float(np.clip(sims4[i, : len(units)].mean(), 0.0, 1.0))
        clean = [u // 2 for u in units if u % 2 == 0 and u + 1 in units]
        fields = tuple((int(ref.frames[u // 2]), FIELD_NAMES[second[u % 2]]) for u in units)
        if clean:
            mapping.append(
                FrameMatch(int(scan.frames[i]), int(ref.frames[clean[0]]), conf, "clean", fields)
            )
        else:
            mapping.append(FrameMatch(int(scan.frames[i]), None, conf, "fields", fields))
    return mapping


def _mixed(ref: Thumbnails, mapping: Sequence[FrameMatch], start: np.ndarray, U: int):
    """Reference frames whose two fields show two different scan frames."""
    owner = np.full(U, -1, np.int64)
    for i, m in enumerate(mapping):
        if m.kind != "missing":
            j = int(start[i])
            owner[j : j + len(m.fields)] = i
    both = (owner[0::2] >= 0) & (owner[1::2] >= 0) & (owner[0::2] != owner[1::2])
    return tuple(int(ref.frames[k]) for k in np.flatnonzero(both[: U // 2]))


def _offset(mapping: Sequence[FrameMatch], slope_nominal: float) -> Optional[int]:
    """Most common reference − round(slope × scan) over clean frames (or, for field-shifted
    video, over the frame of each first field)."""
    offsets = Counter(
        int(m.reference) - int(round(slope_nominal * m.scan))
        for m in mapping
        if m.reference is not None
    )
    if not offsets:
        offsets = Counter(
            int(m.fields[0][0]) - int(round(slope_nominal * m.scan)) for m in mapping if m.fields
        )
    return offsets.most_common(1)[0][0] if offsets else None


def _segments(scan, ref, mapping, path: SearchPath) -> List[SyncSegment]:
    """Runs of matched scan frames with no jump between them."""
    start, step_in, S = path.start, path.step_in, len(path.start)
    segments: List[SyncSegment] = []
    seg_start: Optional[int] = None
    for i in range(S):
        if start[i] >= 0 and (seg_start is None or step_in[i] == 0):
            if seg_start is not None:
                segments.append(_segment(scan, ref, mapping, seg_start, i - 1))
            seg_start = i
        elif start[i] < 0 and seg_start is not None:
            segments.append(_segment(scan, ref, mapping, seg_start, i - 1))
            seg_start = None
    if seg_start is not None:
        segments.append(_segment(scan, ref, mapping, seg_start, S - 1))
    return segments


def _check(mapping: Sequence[FrameMatch], st: SyncSettings) -> float:
    """The matched fraction; RTKError when scan and reference have too little in common."""
    conf = [m.confidence for m in mapping if m.kind != "missing"]
    fraction = len(conf) / len(mapping)
    if not conf or fraction < 0.05 or np.median(conf) < 0.3:
        raise RTKError(
            "scan and reference have nothing in common (no run of frames matches); "
            "is this the right reference?"
        )
    if fraction < st.min_coverage:
        raise RTKError(
            f"only {fraction:.0%} of the scan frames were found in the reference "
            "(reference shorter than the scan, or another film?)"
        )
    return fraction


def build_result(
    scan: Thumbnails,
    ref: Thumbnails,
    zs: np.ndarray,
    units: Units,
    path: SearchPath,
    order: str,
    mode: str,
    scan_fps: Optional[float],
    reference_fps: Optional[float],
    st: SyncSettings,
) -> SyncResult:
    """The :class:`SyncResult` of a search path (``units``: the reference's features)."""
    S, U = len(scan), units.count
    start, step_in = path.start, path.step_in
    n, sims4 = _fields_per_frame(zs, units, path, mode)
    mapping = _mapping(scan, ref, path, n, sims4, order, U)
    matched_fraction = _check(mapping, st)
    mixed = _mixed(ref, mapping, start, U)
    steps = step_in[step_in > 0]
    slope = float(np.mean(steps) / 2.0) if len(steps) else 1.0
    if mode == "telecine":
        slope_nominal, cadence = 1.25, "3:2 pulldown"
    elif order != "progressive":
        slope_nominal = 1.0
        cadence = "2:2 field-shifted" if mixed and len(mixed) > 0.5 * S else "1:1 interlaced"
    else:
        slope_nominal, cadence = 1.0, "1:1"
    speed = None
    if scan_fps and reference_fps:
        speed = float(reference_fps / (slope_nominal * scan_fps))
    segments = _segments(scan, ref, mapping, path)
    both = (start[:-1] >= 0) & (start[1:] >= 0)
    delta = (start[1:] - start[:-1])[both]
    repeated = int(np.sum(steps == 4)) if mode == "telecine" else int(np.sum(delta == 4))
    inner = start[1:-1] < 0
    dropped = int(np.sum(inner & (start[:-2] >= 0) & (start[2:] >= 0)))
    matched = sum(m.kind != "missing" for m in mapping)
    explanation = (
        f"{cadence}, field order {order}; {matched}/{S} scan frames found, "
        f"{sum(m.kind == 'clean' for m in mapping)} with a clean reference frame, "
        f"{len(segments)} continuous segment(s), {repeated} repeated, {dropped} dropped"
    )
    return SyncResult(
        tuple(mapping),
        cadence,
        order,
        slope,
        _offset(mapping, slope_nominal),
        speed,
        tuple(segments),
        mixed,
        repeated,
        dropped,
        matched_fraction,
        explanation,
    )


def _segment(
    scan: Thumbnails, ref: Thumbnails, mapping: Sequence[FrameMatch], a: int, b: int
) -> SyncSegment:
    first = mapping[a].fields[0][0] if mapping[a].fields else -1
    last = mapping[b].fields[-1][0] if mapping[b].fields else -1
    return SyncSegment(int(scan.frames[a]), int(scan.frames[b]), int(first), int(last))
