"""Motion compensation: the neighbouring frames warped onto the current one.

Optical flow is OpenCV's DIS (Kroeger et al. 2016, ``cv2.DISOpticalFlow``, preset MEDIUM)
on the frames' luminance, median-filtered 5×5 first so that grain and small specks do not
steer the flow. A warped neighbour pixel is *valid* where the flow is consistent both ways
(the backward flow at the forward flow's end point comes back within a pixel and 5 % of the
motion) or where the warp explains the neighbourhood — in a flat, grainy sky any flow is
as good as another and the two-way check fails for nothing, so a 9×9 window whose mean
difference (each pixel's clipped at 3 σ) stays within what grain gives (≤ 1.2 σ; pure
noise gives 0.8) counts too. Occluded or uncovered areas, and areas where the flow failed,
are not valid and give no evidence either way.

Where the frame is known or suspected to be damaged (``suppress``), the flow inside is
replaced by the flow around it (a normalised Gaussian average of the flow outside): a 40 px
speck has no match in the neighbour and would otherwise pull the flow to wherever looks
darkest.

Frames: float32 (H, W, C) in any encoding; warped results keep the channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from ..ycbcr import luminance
from .noise import smooth

CONSISTENCY_PX = 1.0
CONSISTENCY_RELATIVE = 0.05


@dataclass(frozen=True)
class Warped:
    """A neighbour (``offset`` frames away) resampled onto the current frame's grid."""

    offset: int
    image: np.ndarray  # (H, W, C) float32
    valid: np.ndarray  # (H, W) bool
    flow: np.ndarray  # (H, W, 2) float32: current(x) ≈ neighbour(x + flow(x))
    measured: Optional[Tuple[np.ndarray, np.ndarray]] = None  # the flow and validity as found


def _levels(frames: List[np.ndarray]) -> Tuple[float, float]:
    y = np.concatenate(
        [luminance(f[..., :3] if f.shape[2] >= 3 else np.repeat(f, 3, 2)).ravel() for f in frames]
    )
    y = y[np.isfinite(y)]
    lo, hi = np.percentile(y, [0.5, 99.5]) if y.size else (0.0, 1.0)
    return float(lo), float(max(hi, lo + 1e-6))


def _rgb(frame: np.ndarray) -> np.ndarray:
    return frame[..., :3] if frame.shape[2] >= 3 else np.repeat(frame[..., :1], 3, 2)


def flow_image(frame: np.ndarray, levels: Tuple[float, float]) -> np.ndarray:
    """8-bit luminance for DIS, with shared ``levels`` (lo, hi) and a 5×5 median."""
    rgb = frame[..., :3] if frame.shape[2] >= 3 else np.repeat(frame[..., :1], 3, 2)
    y = np.nan_to_num(luminance(rgb), nan=0.0)
    lo, hi = levels
    code = np.clip((y - lo) / (hi - lo) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return cv2.medianBlur(code, 5)


def estimate_flow(current: np.ndarray, other: np.ndarray) -> np.ndarray:
    """DIS flow (H, W, 2) with current(x) ≈ other(x + flow(x)); both 8-bit (H, W)."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(current, other, None).astype(np.float32)


def warp(
    image: np.ndarray, flow: np.ndarray, *, interpolation: int = cv2.INTER_LINEAR
) -> np.ndarray:
    """Sample ``image`` at x + flow(x) (border: replicate)."""
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    out = cv2.remap(
        np.ascontiguousarray(image, np.float32),
        gx + flow[..., 0],
        gy + flow[..., 1],
        interpolation,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return out.reshape(image.shape).astype(np.float32)


def inside(flow: np.ndarray) -> np.ndarray:
    """(H, W) bool: x + flow(x) lands inside the frame."""
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w), np.arange(h))
    x, y = gx + flow[..., 0], gy + flow[..., 1]
    return (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)


def consistent(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """(H, W) bool: the backward flow at the forward end point returns home, and the end point
    is inside the frame."""
    back = warp(backward, forward)
    err = np.hypot(forward[..., 0] + back[..., 0], forward[..., 1] + back[..., 1])
    mag = np.hypot(forward[..., 0], forward[..., 1])
    return (err <= CONSISTENCY_PX + CONSISTENCY_RELATIVE * mag) & inside(forward)


def explains(frame_y: np.ndarray, warped_y: np.ndarray, reliable: np.ndarray) -> np.ndarray:
    """(H, W) bool: the 9×9 mean of |frame − warped| / σ (clipped at 3) is at most 1.2, σ
    the robust σ of the difference where the flow is ``reliable``."""
    from .noise import robust_sigma

    d = frame_y - warped_y
    sigma = robust_sigma(d[reliable] if reliable.sum() > 100 else d) or 1e-6
    score = cv2.blur(np.minimum(np.abs(d) / sigma, 3.0).astype(np.float32), (9, 9))
    return score <= 1.2


def fill_from_around(values: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """(H, W, C) float32 ``values`` with ``holes`` (H, W bool, grown by 2 px) filled from
    around them: a normalised Gaussian average of the pixels outside, at the smallest of
    a few widths that reaches every hole pixel (the flow is smooth at that scale)."""
    if not holes.any():
        return values
    grown = cv2.dilate(holes.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    weight = (~grown).astype(np.float32)
    out = values.astype(np.float32).copy()
    todo = grown.copy()
    for sigma in (4.0, 12.0, 36.0, 108.0):
        support = smooth(weight, sigma)
        reach = todo & (support > 1e-3)
        if reach.any():
            for c in range(values.shape[2]):
                avg = smooth(values[..., c] * weight, sigma) / np.maximum(support, 1e-6)
                out[..., c][reach] = avg[reach]
            todo &= ~reach
        if not todo.any():
            break
    return out


def _measure(
    here: np.ndarray, frame: np.ndarray, other: np.ndarray, levels
) -> Tuple[np.ndarray, np.ndarray]:
    there = flow_image(other, levels)
    forward = estimate_flow(here, there)
    backward = estimate_flow(there, here)
    valid = consistent(forward, backward)
    valid |= explains(luminance(_rgb(frame)), luminance(_rgb(warp(other, forward))), valid)
    return forward, valid & inside(forward)  # what a neighbour never showed, it cannot vouch for


def warp_neighbours(
    frame: np.ndarray,
    neighbours: Dict[int, np.ndarray],
    *,
    suppress: Optional[np.ndarray] = None,
    neighbour_damage: Optional[Dict[int, np.ndarray]] = None,
    previous: Optional[List[Warped]] = None,
) -> List[Warped]:
    """Every neighbour (offset → (H, W, C) frame) warped onto ``frame``. ``suppress``: pixels
    of ``frame`` whose flow is taken from around them; ``neighbour_damage``: per offset, the
    neighbour's own damage (H, W bool) — pixels that land on it are not valid; ``previous``:
    an earlier result for the same frames, whose measured flows are reused."""
    levels = _levels([frame] + list(neighbours.values()))
    here = flow_image(frame, levels)
    known = {w.offset: w.measured for w in previous or [] if w.measured is not None}
    out: List[Warped] = []
    for offset in sorted(neighbours, key=lambda k: (abs(k), k)):
        other = neighbours[offset]
        if other.shape != frame.shape:
            raise ValueError(f"neighbour {offset:+d} is {other.shape}, the frame {frame.shape}")
        measured = known.get(offset) or _measure(here, frame, other, levels)
        forward, valid = measured
        if suppress is not None and suppress.any():
            forward = fill_from_around(forward, suppress)
            around = fill_from_around(valid.astype(np.float32)[..., None], suppress)[..., 0]
            valid = np.where(suppress, around > 0.5, valid) & inside(forward)  # as the flow around
        if neighbour_damage is not None and offset in neighbour_damage:
            hit = warp(neighbour_damage[offset].astype(np.float32), forward) > 0.01
            valid = valid & ~hit
        out.append(Warped(offset, warp(other, forward), valid, forward, measured))
    return out
