"""The traditional repair a model must beat: fill the masked pixels from a source that shows
them, re-grain the fill to match the scan around it, and leave every other pixel alone.

Sources (``method="auto"``):

1. **the aligned reference**, mapped to the scan's tones by a local linear fit (guided
   filter) learnt *around* the hole (weights 0 inside the mask, a wider window where the
   hole is large, a global color fit as the last resort), wherever the reference itself is
   not at fault (``reference_faults``);
2. **the motion-compensated temporal median** of the neighbouring frames, each neighbour
   pixel used only where the flow is valid and the neighbour is not itself damaged
   (``neighbour_masks``).

Where both show a pixel, the reference guides: the neighbours' median is taken where its
low frequencies agree with the reference's (it carries the film's own detail and grain,
which a soft reference lacks), the reference fill elsewhere. ``method="reference"`` or
``"temporal"`` uses one source only.

Pixels of the mask that no source shows are left as scanned and reported as
``unrecovered``: filling them would be invention. Grain is re-synthesised per hole
(:mod:`.grain`). The output equals the input bit for bit wherever the mask is 0.

Arrays: float32 (H, W, 3) in any one encoding shared by all inputs; mask (H, W) in [0, 1].
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Dict, Optional

import cv2
import numpy as np
from skimage.measure import label, regionprops

from .evidence import global_color_fit, local_fit
from .grain import GrainShape, grain_shape, ring_sigma, unit_grain
from .motion import warp_neighbours

METHODS = ("auto", "reference", "temporal")
FIT_RADII = (24, 96)  # local tone fit around a hole; the wider one where the hole is large
MIN_SUPPORT = 0.3  # fraction of a window that must lie outside the mask for a local fit


@dataclass(frozen=True)
class RepairResult:
    """``image``: the repaired frame; ``source``: (H, W) uint8, 0 untouched, 1 reference,
    2 neighbours, 3 masked but unrecovered (left as scanned)."""

    image: np.ndarray
    source: np.ndarray

    @property
    def unrecovered(self) -> np.ndarray:
        return self.source == 3

    def figures(self) -> Dict[str, int]:
        return {
            "from_reference_px": int((self.source == 1).sum()),
            "from_neighbours_px": int((self.source == 2).sum()),
            "unrecovered_px": int((self.source == 3).sum()),
        }


def reference_fill(
    frame: np.ndarray, reference: np.ndarray, hole: np.ndarray, shown: Optional[np.ndarray] = None
) -> np.ndarray:
    """The reference in the scan's tones, fitted on the pixels outside ``hole`` — and inside
    it on ``shown`` (H, W, 3, NaN where unknown): the film's own tones of the hole's content
    as the neighbours show them, so a large hole is not toned after what surrounds it."""
    keep = ~cv2.dilate(hole.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    if shown is not None:
        known = hole & np.all(np.isfinite(shown), 2)
        frame = np.where(known[..., None], np.nan_to_num(shown), frame[..., :3])
        keep = keep | known
    keep = keep.astype(np.float32)
    fallback = global_color_fit(frame[..., :3], reference[..., :3], keep > 0)
    out = fallback.copy()
    for radius in reversed(FIT_RADII):  # narrow fits overwrite wide ones where supported
        size = 2 * radius + 1
        support = cv2.boxFilter(keep, -1, (size, size), borderType=cv2.BORDER_REFLECT)
        good = support >= MIN_SUPPORT
        for c in range(3):
            fit = local_fit(reference[..., c], frame[..., c], radius, keep)
            out[..., c] = np.where(good, fit, out[..., c])
    return out.astype(np.float32)


def temporal_fill(frame, neighbours, hole, neighbour_masks=None):
    """(median of valid warped neighbours (H, W, 3) — NaN where none —, count (H, W))."""
    warped = warp_neighbours(frame, neighbours, suppress=hole, neighbour_damage=neighbour_masks)
    if not warped:
        return np.full(frame.shape[:2] + (3,), np.nan, np.float32), np.zeros(frame.shape[:2], int)
    stack = np.stack([np.where(w.valid[..., None], w.image[..., :3], np.nan) for w in warped])
    count = np.stack([w.valid for w in warped]).sum(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(stack, axis=0).astype(np.float32), count


def _regrain(frame, fill, source, candidates, shape: GrainShape, seed: int) -> np.ndarray:
    """``fill`` plus the grain it lacks, measured hole by hole in a ring around it on the
    whole-frame image of the source that filled most of the hole (``candidates``)."""
    noise = unit_grain(frame.shape, shape, seed)
    sigma = np.zeros(frame.shape[:2] + (3,), np.float32)
    hole = (source == 1) | (source == 2)
    labels = label(hole, connectivity=2)
    for region in regionprops(labels):
        y0, x0, y1, x1 = region.bbox
        reach = int(max(6, min(24, max(y1 - y0, x1 - x0))))
        ys = slice(max(0, y0 - reach - 4), y1 + reach + 4)
        xs = slice(max(0, x0 - reach - 4), x1 + reach + 4)
        inside = labels[ys, xs] == region.label
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
        ring = cv2.dilate(inside.astype(np.uint8), k).astype(bool) & ~hole[ys, xs]
        if ring.sum() < 20:
            continue
        kinds = source[ys, xs][inside]
        image = candidates[1 if (kinds == 1).sum() >= (kinds == 2).sum() else 2][ys, xs]
        image = np.where(np.isfinite(image), image, frame[ys, xs, :3])
        want = ring_sigma(frame[ys, xs], ring)
        have = ring_sigma(image, ring)
        add = np.sqrt(np.maximum(want**2 - have**2, 0.0))
        grown = cv2.dilate(inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        sigma[ys, xs][grown] = add
    return fill + noise * sigma


def _agrees(median: np.ndarray, ref_fill: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Where the neighbours' picture agrees with the reference's at the reference's scale:
    luminance of both blurred (σ 2 px) within 3 robust σ of their difference outside holes."""
    from ..ycbcr import luminance
    from .noise import robust_sigma

    a = cv2.GaussianBlur(np.nan_to_num(luminance(median)), (0, 0), 2.0)
    b = cv2.GaussianBlur(luminance(ref_fill), (0, 0), 2.0)
    d = a - b
    outside = ~hole & np.all(np.isfinite(median), 2)
    sigma = robust_sigma(d[outside]) if outside.sum() > 100 else robust_sigma(d)
    return np.abs(d) <= 3.0 * max(sigma, 1e-6)


def choose_sources(
    hole: np.ndarray,
    candidates: Dict[int, np.ndarray],
    reference_faults: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Per hole pixel: 2 (neighbours) where they show it and — when there is a reference —
    the reference vouches for them (:func:`_agrees`: they are sharper and carry real grain),
    1 (reference) where the reference shows it otherwise, 3 where neither does."""
    source = np.zeros(hole.shape, np.uint8)
    tmp_ok = np.zeros_like(hole)
    if 2 in candidates:
        tmp_ok = hole & np.all(np.isfinite(candidates[2]), 2)
    if 1 in candidates:
        ref_ok = hole if reference_faults is None else hole & ~reference_faults
        vouched = (
            tmp_ok & _agrees(candidates[2], candidates[1], hole) if 2 in candidates else tmp_ok
        )
        source[ref_ok] = 1
        source[vouched & ref_ok] = 2
        source[tmp_ok & ~ref_ok] = 2  # the reference is at fault there; the neighbours show it
    else:
        source[tmp_ok] = 2
    source[hole & (source == 0)] = 3
    return source


def repair_frame(
    frame: np.ndarray,
    mask: np.ndarray,
    *,
    reference: Optional[np.ndarray] = None,
    reference_faults: Optional[np.ndarray] = None,
    neighbours: Optional[Dict[int, np.ndarray]] = None,
    neighbour_masks: Optional[Dict[int, np.ndarray]] = None,
    method: str = "auto",
    grain: bool = True,
    seed: int = 0,
) -> RepairResult:
    """Repair ``frame`` inside ``mask`` (see module doc). ValueError for a mask of another
    size, an unknown method or no source at all (the stage words it for the user)."""
    frame = np.asarray(frame, np.float32)
    m = np.clip(np.nan_to_num(np.asarray(mask, np.float32)), 0.0, 1.0)
    if m.shape != frame.shape[:2]:
        raise ValueError(
            f"the mask is {m.shape[1]}×{m.shape[0]}, the frame {frame.shape[1]}×{frame.shape[0]}"
        )
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    neighbours = dict(neighbours or {})
    use_ref = reference is not None and method in ("auto", "reference")
    use_tmp = bool(neighbours) and method in ("auto", "temporal")
    if not (use_ref or use_tmp):
        raise ValueError("nothing to repair from: give an aligned reference or neighbouring frames")
    hole = m > 0
    if not hole.any():
        return RepairResult(frame.copy(), np.zeros(m.shape, np.uint8))
    candidates: Dict[int, np.ndarray] = {}
    if use_tmp:
        median, count = temporal_fill(frame, neighbours, hole, neighbour_masks)
        candidates[2] = np.where((count > 0)[..., None], median, np.nan).astype(np.float32)
    if use_ref:
        candidates[1] = reference_fill(
            frame, np.asarray(reference, np.float32), hole, candidates.get(2)
        )
    source = choose_sources(hole, candidates, reference_faults)
    fill = np.full(frame.shape[:2] + (3,), np.nan, np.float32)
    for code, image in candidates.items():
        fill[source == code] = image[source == code]
    filled = source == 1
    filled |= source == 2
    if grain and filled.any():
        fill = _regrain(frame, fill, source, candidates, grain_shape(frame, exclude=hole), seed)
    out = frame.copy()
    w = m[..., None]
    blend = frame[..., :3] * (1.0 - w) + np.nan_to_num(fill) * w
    out[..., :3][filled] = blend[filled]
    return RepairResult(out, source)
