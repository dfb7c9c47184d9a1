"""Per-pixel confidence of an alignment, and the live-area crop it proposes.

Confidence in [0, 1] on the scan grid is the product of three terms:

- **coverage**: the scan pixel lands inside the reference picture (letterbox / pillarbox bars
  and the outside of the reference are 0);
- **content**: the reference has structure there (local gradient energy against the image's
  own 90th percentile) — flat sky, black bars and burnt-out areas carry no position;
- **agreement**: local normalised cross-correlation of the two structure images after
  alignment — low where content is on one side only (burned-in subtitles, channel logos,
  sprocket holes, frame lines, dirt, scratches) or where the alignment is wrong.

The live area is the largest box (scan pixels, top-left origin, x1/y1 exclusive) inside
the covered region, trimmed at the top and bottom where rows are dominated by one-sided
content such as subtitles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((x - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def local_ncc(a: np.ndarray, b: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-windowed normalised cross-correlation, (H, W) float32 in [−1, 1]."""
    from .preprocess import local_mean

    blur = lambda x: local_mean(x, sigma)  # noqa: E731
    ma, mb = blur(a), blur(b)
    cov = blur(a * b) - ma * mb
    va = np.maximum(blur(a * a) - ma * ma, 0)
    vb = np.maximum(blur(b * b) - mb * mb, 0)
    return (cov / (np.sqrt(va * vb) + 1e-6)).astype(np.float32)


@dataclass(frozen=True)
class ConfidenceTerms:
    coverage: np.ndarray
    content: np.ndarray
    agreement: np.ndarray

    @property
    def confidence(self) -> np.ndarray:
        return np.clip(self.coverage * self.content * self.agreement, 0.0, 1.0).astype(np.float32)


def confidence_terms(
    scan_s: np.ndarray,
    warped_ref_s: np.ndarray,
    warped_ref_energy: np.ndarray,
    coverage: np.ndarray,
    *,
    window: float = 5.0,
) -> ConfidenceTerms:
    """Confidence terms on the working scan grid (see module doc).

    ``warped_ref_energy``: gradient energy of the reference luminance, resampled onto the scan
    grid; ``coverage``: 1 inside the reference picture, 0 outside (float32).
    """
    inside = coverage > 0.5
    ref_level = float(np.percentile(warped_ref_energy[inside], 90)) if inside.any() else 1.0
    content = smoothstep(warped_ref_energy, 0.04 * ref_level, 0.15 * ref_level)
    ncc = local_ncc(scan_s, warped_ref_s, window)
    agreement = smoothstep(ncc, 0.15, 0.45)
    return ConfidenceTerms(coverage.astype(np.float32), content, agreement)


def largest_inner_box(mask: np.ndarray, *, tolerance: float = 0.002) -> Tuple[int, int, int, int]:
    """Shrink the bounding box of ``mask`` until at most ``tolerance`` of it lies outside.

    Greedy: repeatedly drop the border row or column with the most uncovered pixels. Exact
    for the convex regions an affine coverage gives. Returns (x0, y0, x1, y1), exclusive.
    """
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return (0, 0, 0, 0)
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    m = mask.astype(bool)
    while x1 - x0 > 2 and y1 - y0 > 2:
        sub = m[y0:y1, x0:x1]
        bad = (~sub).sum()
        if bad <= tolerance * sub.size:
            break
        sides = {
            "top": (~sub[0]).mean(),
            "bottom": (~sub[-1]).mean(),
            "left": (~sub[:, 0]).mean(),
            "right": (~sub[:, -1]).mean(),
        }
        side = max(sides, key=sides.get)
        if side == "top":
            y0 += 1
        elif side == "bottom":
            y1 -= 1
        elif side == "left":
            x0 += 1
        else:
            x1 -= 1
    return (x0, y0, x1, y1)


def trim_one_sided_rows(
    box: Tuple[int, int, int, int],
    content: np.ndarray,
    agreement: np.ndarray,
    *,
    max_fraction: float = 0.3,
    threshold: float = 0.25,
) -> Tuple[int, int, int, int]:
    """Move the top / bottom of ``box`` inward past bands where the reference has content the
    scan does not share (rows whose textured pixels mostly disagree): burned-in subtitles,
    captions, logos at the frame edge."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 4 or y1 - y0 < 8:
        return box
    tex = content[y0:y1, x0:x1] > 0.5
    dis = (agreement[y0:y1, x0:x1] < 0.3) & tex
    rows = dis.sum(axis=1) / float(x1 - x0)
    rows = np.convolve(rows, np.ones(3) / 3.0, mode="same")
    limit = int((y1 - y0) * max_fraction)
    hot = rows > threshold * 0.25
    new_y1 = y1
    band = np.nonzero(hot[(y1 - y0) - limit :])[0]
    if band.size and rows[(y1 - y0) - limit :].max() > threshold * 0.5:
        new_y1 = y0 + (y1 - y0) - limit + int(band.min())
    new_y0 = y0
    band = np.nonzero(hot[:limit])[0]
    if band.size and rows[:limit].max() > threshold * 0.5:
        new_y0 = y0 + int(band.max()) + 1
    if new_y1 - new_y0 < (y1 - y0) // 2:
        return box
    return (x0, new_y0, x1, new_y1)
