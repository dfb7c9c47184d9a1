"""From evidence maps to regions: hysteresis, the shape tests for scratches and stains, and
the list of defects with their kind, sign, size and the evidence that agreed.

scikit-image does the labelling, region properties and skeletons; the rules for what a
region is are in :mod:`.kinds`.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from skimage.filters import apply_hysteresis_threshold
from skimage.measure import label, regionprops
from skimage.morphology import skeletonize

from .kinds import KINDS, Defect, spot_kind

LINE_MAX_WIDTH_PX = 6.0  # mean width (area / height) of a scratch region
LINE_NEIGHBOUR_DX = 3  # a scratch in the next frame sits within this many px
LINE_ON_CONTENT = 0.5  # a "line" lying this much on picture structure is the picture
STAIN_MIN_FRACTION = 0.08  # a stain is at least this fraction of the shorter side across
EVIDENCE_SIGMA = 3.0  # a source "agreed" when it reached this many σ in the region


def hysteresis(score: np.ndarray, low: float, high: float) -> np.ndarray:
    """Pixels above ``low`` connected (8-neighbourhood) to a pixel above ``high``."""
    return apply_hysteresis_threshold(np.nan_to_num(score, nan=0.0), low, high)


def keep_lines(
    z: np.ndarray, others: Sequence[np.ndarray], opts, content: Optional[np.ndarray] = None
) -> np.ndarray:
    """Thin, long vertical regions of the line evidence ``z`` (both signs). ``others``:
    the line evidence of neighbouring frames as they are (no reference): a scratch stays
    where it is on the film, so it must be there too, row by row. ``content``: where a line
    is explained by the picture — the reference's vertical edges, or a line the
    motion-compensated neighbours show after moving — a region lying mostly on it is not a
    scratch."""
    h = z.shape[0]
    min_length = max(2 * opts.line_run, opts.min_line_fraction * h)
    out = np.zeros(z.shape, bool)
    for sign in (1.0, -1.0):
        labels = label(hysteresis(sign * z, opts.grow_sigma, opts.line_sigma), connectivity=2)
        for region in regionprops(labels):
            y0, x0, y1, x1 = region.bbox
            height = y1 - y0
            if height < min_length or region.area / height > LINE_MAX_WIDTH_PX:
                continue
            rr, cc = region.coords[:, 0], region.coords[:, 1]
            if content is not None and content[rr, cc].mean() > LINE_ON_CONTENT:
                continue
            if others and not any(_persists(sign * o, rr, cc, opts.line_sigma) for o in others):
                continue
            out[rr, cc] = True
    return out


def _persists(z: np.ndarray, rr: np.ndarray, cc: np.ndarray, level: float) -> bool:
    """Whether ``z`` exceeds ``level`` within ±3 px of the region on most of its rows."""
    k = np.ones((1, 2 * LINE_NEIGHBOUR_DX + 1), np.uint8)
    near = cv2.dilate((z > level).astype(np.uint8), k).astype(bool)
    rows = np.unique(rr)
    hit = np.unique(rr[near[rr, cc]])
    return len(hit) > 0.5 * len(rows)


def line_width(lines: np.ndarray, z: np.ndarray, across: np.ndarray) -> np.ndarray:
    """Each line region narrowed, row by row, to its half-maximum width in ``across`` (the
    unblurred scan minus its horizontal median, signed like the region): the line
    evidence is blurred by the reference's softness, the scratch itself is not."""
    out = np.zeros_like(lines)
    labels = label(lines, connectivity=2)
    for region in regionprops(labels):
        rr, cc = region.coords[:, 0], region.coords[:, 1]
        sign = 1.0 if float(np.mean(z[rr, cc])) >= 0 else -1.0
        value = sign * across[rr, cc]
        peak = np.full(lines.shape[0], -np.inf)
        np.maximum.at(peak, rr, value)
        keep = value >= 0.5 * peak[rr]
        out[rr[keep], cc[keep]] = True
    return out


def keep_stains(candidates: np.ndarray, spots: np.ndarray) -> np.ndarray:
    """Broad regions of the stain evidence that are mostly not spots already found."""
    h, w = candidates.shape
    min_area = (STAIN_MIN_FRACTION * min(h, w)) ** 2
    labels = label(candidates, connectivity=2)
    out = np.zeros_like(candidates)
    for region in regionprops(labels):
        inside = labels == region.label
        if region.area >= min_area and spots[inside].mean() < 0.5:
            out |= inside & ~spots
    return out


def _bbox(region) -> Tuple[int, int, int, int]:
    y0, x0, y1, x1 = region.bbox
    return (int(x0), int(y0), int(x1), int(y1))


def _evidence(region, maps: Dict[str, np.ndarray]) -> Tuple[str, ...]:
    rr, cc = region.coords[:, 0], region.coords[:, 1]
    return tuple(
        name
        for name in ("reference", "temporal", "spike")
        if name in maps and float(np.max(maps[name][rr, cc])) >= EVIDENCE_SIGMA
    )


def describe_regions(
    spots: Dict[str, np.ndarray],
    lines: np.ndarray,
    line_z: np.ndarray,
    stains: np.ndarray,
    scores: Dict[str, Dict[str, np.ndarray]],
    sources: Tuple[str, ...],
) -> Tuple[List[Defect], np.ndarray]:
    """The defects (scratches, stains, then spots by sign) and a kind map: (H, W) uint8,
    0 undamaged, else 1 + the index of the pixel's kind in ``KINDS``."""
    defects: List[Defect] = []
    kind_map = np.zeros(lines.shape, np.uint8)
    kind_map[stains] = 1 + KINDS.index("stain")
    kind_map[lines] = 1 + KINDS.index("scratch")
    for region in regionprops(label(lines, connectivity=2)):
        rr, cc = region.coords[:, 0], region.coords[:, 1]
        mean = float(np.mean(line_z[rr, cc]))
        defects.append(
            Defect(
                "scratch",
                "dark" if mean < 0 else "bright",
                int(region.area),
                _bbox(region),
                float(np.max(np.abs(line_z[rr, cc]))),
                tuple(s for s in ("reference",) if s in sources) + ("line",),
            )
        )
    for region in regionprops(label(stains, connectivity=2)):
        defects.append(
            Defect("stain", "color", int(region.area), _bbox(region), 0.0, sources + ("color",))
        )
    for sign, mask in spots.items():
        own = mask & ~lines & ~stains
        maps = scores[sign]
        for region in regionprops(label(own, connectivity=2)):
            length = float(skeletonize(region.image).sum())
            kind = spot_kind(
                int(region.area),
                length,
                float(region.equivalent_diameter_area),
                float(region.solidity),
            )
            rr, cc = region.coords[:, 0], region.coords[:, 1]
            kind_map[rr, cc] = 1 + KINDS.index(kind)
            defects.append(
                Defect(
                    kind,
                    sign,
                    int(region.area),
                    _bbox(region),
                    float(np.max(maps["score"][rr, cc])),
                    _evidence(region, maps),
                )
            )
    return defects, kind_map
