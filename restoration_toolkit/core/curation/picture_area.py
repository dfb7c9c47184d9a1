"""The picture area of a full-aperture film scan, and burned-in text, found from the pixels.

A full-aperture (or overscan) scan shows more than the picture: perforations (rounded
rectangles, bright where the scanner's light passes, in a column at one or both edges,
repeating down the frame), the optical soundtrack (a vertical stripe whose variable-area or
variable-density waveform changes from row to row all the way down), frame lines (flat bars
between frames at the top and bottom), film base and the scanner's border (flat columns and
rows at the edges). Sync, alignment and the color fit must see only the picture:
:func:`detect_picture_area` returns the box that excludes all of these, with what it found
and where. :func:`text_overlay_mask` marks burned-in text (subtitles, timecode windows:
bright strokes with a dark outline, in horizontal lines) so it can be masked out.

Work is done on luminance normalised to the frame's own 0.5–99.5 % range and resampled to a
height of 512 rows, so thresholds do not depend on the encoding (log, linear, video) or the
resolution. Boxes are in the input's pixels, top-left origin, x1 / y1 exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

WORK_H = 512
_EDGE = 0.22  # perforations lie within this fraction of the width from either edge
_TRACK_ZONE = 0.38  # a soundtrack lies within this fraction of the width from an edge


@dataclass(frozen=True)
class Feature:
    """One thing found outside the picture: ``kind`` (perforations, soundtrack, frame line,
    border), ``side`` (left, right, top, bottom) and its box (x0, y0, x1, y1)."""

    kind: str
    side: str
    box: Tuple[int, int, int, int]
    detail: str = ""

    def describe(self) -> str:
        x0, y0, x1, y1 = self.box
        extra = f", {self.detail}" if self.detail else ""
        return f"{self.kind} at {self.side} (x {x0}-{x1}, y {y0}-{y1}{extra})"


@dataclass(frozen=True)
class PictureArea:
    """The picture box (x0, y0, x1, y1) of a frame of ``width`` × ``height`` and what lies
    outside it. ``full_frame`` is True when nothing was found (the box is the whole frame)."""

    box: Tuple[int, int, int, int]
    width: int
    height: int
    features: Tuple[Feature, ...] = field(default=())

    @property
    def full_frame(self) -> bool:
        return not self.features

    def describe(self) -> str:
        if self.full_frame:
            return f"whole frame {self.width}x{self.height} is picture (nothing found outside it)"
        x0, y0, x1, y1 = self.box
        found = "; ".join(f.describe() for f in self.features)
        return f"picture x {x0}-{x1}, y {y0}-{y1} of {self.width}x{self.height}; found {found}"

    def as_dict(self) -> Dict[str, object]:
        return {
            "box": list(self.box),
            "size": [self.width, self.height],
            "found": [f.describe() for f in self.features],
        }


def _normalised(image: np.ndarray) -> Tuple[np.ndarray, float]:
    """Luminance in 0–1 of the frame's own range at WORK_H rows; returns (luma, scale)."""
    arr = np.asarray(image, np.float32)
    if arr.ndim == 3 and arr.shape[2] >= 3:
        y = arr[..., :3] @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    else:  # a grey frame (one channel, or grey and alpha) is its own luminance
        y = arr if arr.ndim == 2 else arr[..., 0]
    y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = np.percentile(y[::2, ::2], (0.5, 99.5))
    y = np.clip((y - lo) / max(float(hi - lo), 1e-6), 0.0, 1.0)
    scale = WORK_H / y.shape[0]
    size = (max(8, int(round(y.shape[1] * scale))), WORK_H)
    return cv2.resize(y, size, interpolation=cv2.INTER_AREA), scale


def _perforations(y: np.ndarray) -> List[Tuple[str, int, int, int]]:
    """(side, x0, x1, count) of each column of perforations."""
    h, w = y.shape
    found = []
    for side, lo_x, hi_x in (("left", 0, int(w * _EDGE)), ("right", int(w * (1 - _EDGE)), w)):
        strip = y[:, lo_x:hi_x]
        for mask in (strip > 0.8, strip < 0.15):
            m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
            n, _lab, stats, _c = cv2.connectedComponentsWithStats(m, connectivity=8)
            blobs = []
            for x, yy, bw, bh, area in stats[1:]:
                if yy == 0 or yy + bh >= h:  # cut by the frame edge: not measurable
                    continue
                if not (0.02 * h <= bh <= 0.25 * h and 0.008 * w <= bw <= 0.12 * w):
                    continue
                if area < 0.7 * bw * bh or not 0.3 <= bh / bw <= 4.0:
                    continue
                blobs.append((x + lo_x, yy, bw, bh))
            column = _regular_column(blobs, w)
            if column:
                found.append((side, *column))
                break
    return found


def _regular_column(blobs: List[Tuple[int, int, int, int]], w: int):
    """The largest group of ≥ 2 blobs of one size, one above another, evenly spaced."""
    best = None
    for x, _y, bw, bh in blobs:
        group = [
            b
            for b in blobs
            if abs(b[0] - x) <= 0.01 * w + 2
            and abs(b[2] - bw) <= 0.2 * bw + 1
            and abs(b[3] - bh) <= 0.2 * bh + 1
        ]
        if len(group) < 2:
            continue
        tops = sorted(b[1] for b in group)
        gaps = np.diff(tops)
        if len(gaps) > 1 and float(np.std(gaps)) > 0.12 * float(np.mean(gaps)):
            continue
        if best is None or len(group) > best[2]:
            x0 = min(b[0] for b in group)
            best = (x0, max(b[0] + b[2] for b in group), len(group))
    return best


def _soundtrack(
    y: np.ndarray, exclude: Sequence[Tuple[int, int]]
) -> Optional[Tuple[str, int, int]]:
    """(side, x0, x1) of a stripe whose rows change all the way down (optical soundtrack)."""
    h, w = y.shape
    steps = (np.abs(np.diff(y, axis=0)) > 0.12).astype(np.float32)
    blocks = np.array_split(steps, 8, axis=0)
    density = np.min(np.stack([b.mean(axis=0) for b in blocks]), axis=0)  # per column
    busy = density > 0.06
    for x0, x1 in exclude:
        busy[max(0, x0 - 2) : x1 + 2] = False
    best = None
    for side in ("left", "right"):
        lo, hi = (0, int(w * _TRACK_ZONE)) if side == "left" else (int(w * (1 - _TRACK_ZONE)), w)
        runs = [(a + lo, b + lo) for a, b in _runs(busy[lo:hi]) if b - a >= 2]
        if not runs:
            continue
        # a bilateral track is busy at its two envelopes and steady in the middle: join runs
        # closer than 5 % of the width into one stripe
        merged = [list(runs[0])]
        for a, b in runs[1:]:
            if a - merged[-1][1] <= 0.05 * w:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        a, b = max(merged, key=lambda r: r[1] - r[0])
        if 0.005 * w <= b - a <= 0.15 * w and (best is None or b - a > best[2] - best[1]):
            best = (side, a, b)
    return best


def _runs(flags: np.ndarray) -> List[Tuple[int, int]]:
    """[start, end) of each run of True, small gaps (≤ 2) closed."""
    f = flags.copy()
    idx = np.flatnonzero(f)
    for a, b in zip(idx[:-1], idx[1:]):
        if 1 < b - a <= 3:
            f[a:b] = True
    out, start = [], None
    for i, v in enumerate(np.append(f, False)):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    return out


def _flat_lines(y: np.ndarray, axis: int, lo: int, hi: int) -> np.ndarray:
    """Rows (axis 1) or columns (axis 0) in [lo, hi) of the other axis that are flat."""
    part = y[:, lo:hi] if axis == 1 else y[lo:hi, :]
    return part.std(axis=axis) < 0.035


def _edges(y: np.ndarray, x0: int, x1: int) -> Tuple[int, int, List[Tuple[str, int, int, str]]]:
    """Top and bottom of the picture between columns x0–x1: flat rows (frame lines, bars)
    in the outer 25 % are cut off. Returns (y0, y1, features)."""
    h = y.shape[0]
    flat = _flat_lines(y, 1, x0, x1)
    level = y[:, x0:x1].mean(axis=1)
    found = []
    y0, y1 = 0, h
    for a, b in _runs(flat):
        # a frame line or matte is black (print) or clear (negative), not a flat grey sky
        if b - a < 2 or 0.12 < float(np.median(level[a:b])) < 0.88:
            continue
        dark = float(np.median(level[a:b])) <= 0.12
        if a <= 2 and not dark or b >= h - 2 and not dark:
            continue  # flat and clear at the frame's edge: a bright sky, not a matte
        if b <= h * 0.25:
            kind = "border" if a <= 2 else "frame line"
            found.append(("top", a, b, kind))
            y0 = max(y0, b)
        elif a >= h * 0.75:
            kind = "border" if b >= h - 2 else "frame line"
            found.append(("bottom", a, b, kind))
            y1 = min(y1, a)
    return y0, y1, found


def detect_picture_area(image: np.ndarray) -> PictureArea:
    """The picture box of one scan frame (float32 (H, W, C) or (H, W), any encoding) and the
    perforations, soundtrack, frame lines and borders around it (see the module doc)."""
    arr = np.asarray(image)
    H, W = arr.shape[:2]
    y, scale = _normalised(arr)
    h, w = y.shape
    feats: List[Feature] = []
    left, right = 0, w

    def full(x0: int, y0: int, x1: int, y1: int) -> Tuple[int, int, int, int]:
        return (
            int(np.floor(x0 / scale)),
            int(np.floor(y0 / scale)),
            min(W, int(np.ceil(x1 / scale))),
            min(H, int(np.ceil(y1 / scale))),
        )

    perfs = _perforations(y)
    for side, x0, x1, count in perfs:
        feats.append(Feature("perforations", side, full(x0, 0, x1, h), f"{count} holes"))
        if side == "left":
            left = max(left, x1)
        else:
            right = min(right, x0)
    track = _soundtrack(y, [(x0, x1) for _s, x0, x1, _n in perfs])
    if track is not None:
        side, x0, x1 = track
        feats.append(Feature("soundtrack", side, full(x0, 0, x1, h)))
        if side == "left":
            left = max(left, x1)
        else:
            right = min(right, x0)
    # flat columns at the sides (film base, scanner border) next to what was found
    flat_cols = _flat_lines(y, 0, 0, h)
    for a, b in _runs(flat_cols):
        if a <= left + 0.012 * w and b > left and b <= w * 0.4:
            feats.append(Feature("border", "left", full(a, 0, b, h)))
            left = b
        elif b >= right - 0.012 * w and a < right and a >= w * 0.6:
            feats.append(Feature("border", "right", full(a, 0, b, h)))
            right = a
    margin = max(1, int(round(0.004 * w)))
    if left > 0:
        left += margin
    if right < w:
        right -= margin
    y0, y1, rows = _edges(y, left, right)
    for side, a, b, kind in rows:
        feats.append(Feature(kind, side, full(left, a, right, b)))
    if y0 > 0:
        y0 += 1
    if y1 < h:
        y1 -= 1
    if right - left < 0.3 * w or y1 - y0 < 0.3 * h:  # implausible: keep the whole frame
        return PictureArea((0, 0, W, H), W, H, ())
    box = full(left, y0, right, y1)
    return PictureArea(box, W, H, tuple(feats))


def combine_areas(areas: Sequence[PictureArea]) -> PictureArea:
    """One picture area for several frames of a scan: the median box, and every kind of
    feature found on at least half of the frames (perforations, soundtrack … stay put)."""
    if not areas:
        raise ValueError("no picture areas to combine")
    boxes = np.array([a.box for a in areas])
    box = tuple(int(v) for v in np.median(boxes, axis=0).round())
    counts: Dict[Tuple[str, str], List[Feature]] = {}
    for a in areas:
        for f in {(f.kind, f.side): f for f in a.features}.values():
            counts.setdefault((f.kind, f.side), []).append(f)
    feats = tuple(v[len(v) // 2] for v in counts.values() if len(v) * 2 >= len(areas))
    if not feats:
        return PictureArea((0, 0, areas[0].width, areas[0].height), areas[0].width, areas[0].height)
    return PictureArea(box, areas[0].width, areas[0].height, feats)  # type: ignore[arg-type]


def text_overlay_mask(image: np.ndarray) -> np.ndarray:
    """(H, W) float32 mask, 1 on burned-in text (subtitles, timecode windows), else 0.

    Text is bright strokes next to a dark outline or box, in horizontal lines of similar
    letters: pixels bright (> 0.7 of the frame's range) within 2 px of one 0.35 darker form
    letters 1.2–12 % of the frame high; three or more of one height on one baseline, close
    together, make a line of text, which is masked (grown by a quarter of its height).
    """
    arr = np.asarray(image)
    H, W = arr.shape[:2]
    y, scale = _normalised(arr)
    h, w = y.shape
    darkest_near = cv2.erode(y, np.ones((5, 5), np.uint8))
    strokes = ((y > 0.7) & (darkest_near < y - 0.35)).astype(np.uint8)
    joined = cv2.morphologyEx(strokes, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    n, _lab, stats, _c = cv2.connectedComponentsWithStats(joined, connectivity=8)
    chars, lines = [], []
    for x, yy, bw, bh, _area in stats[1:]:
        box = (int(x), int(yy), int(bw), int(bh))
        if not 0.012 * h <= bh <= 0.12 * h or strokes[yy : yy + bh, x : x + bw].mean() < 0.08:
            continue
        if bw <= 3 * bh:
            chars.append(box)
        elif bw >= 0.05 * w:  # letters already joined into a word or line
            lines.append([box])
    mask = np.zeros((h, w), np.uint8)
    for line in _text_lines(chars) + lines:
        x0 = min(c[0] for c in line)
        x1 = max(c[0] + c[2] for c in line)
        y0 = min(c[1] for c in line)
        y1 = max(c[1] + c[3] for c in line)
        pad = max(2, (y1 - y0) // 4)
        mask[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = 1
    return cv2.resize(mask.astype(np.float32), (W, H), interpolation=cv2.INTER_NEAREST)


def _text_lines(chars: List[Tuple[int, int, int, int]]) -> List[List[Tuple[int, int, int, int]]]:
    """Groups of ≥ 3 letter boxes on one baseline, neighbours closer than 1.5 letter heights,
    the group wider than 2.5× its height."""
    parent = list(range(len(chars)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(chars):
        for j in range(i + 1, len(chars)):
            b = chars[j]
            size = max(a[3], b[3])
            same_line = abs((a[1] + a[3] / 2) - (b[1] + b[3] / 2)) < 0.35 * size
            similar = min(a[3], b[3]) > 0.6 * size
            gap = max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2])
            if same_line and similar and gap < 1.5 * size:
                parent[root(i)] = root(j)
    groups: Dict[int, List[Tuple[int, int, int, int]]] = {}
    for i, c in enumerate(chars):
        groups.setdefault(root(i), []).append(c)
    lines = []
    for g in groups.values():
        width = max(c[0] + c[2] for c in g) - min(c[0] for c in g)
        height = max(c[1] + c[3] for c in g) - min(c[1] for c in g)
        if len(g) >= 3 and width >= 2.5 * height:
            lines.append(g)
    return lines
