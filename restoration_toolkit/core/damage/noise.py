"""Robust statistics for damage evidence: how much a residual varies where nothing is wrong.

A defect is a residual larger than grain, fine detail and the reference's softness explain.
Those vary over the frame (grain is larger in the mid-tones of a print, detail sits in
textured regions), so the scale is measured *per region*: the median absolute deviation
(MAD, × 1.4826 to estimate a Gaussian σ) over tiles, smoothed over neighbouring tiles by a
median and interpolated back to pixels. The MAD ignores up to half of a tile being damaged,
so defects do not inflate the scale that judges them.

Arrays: (H, W) float32 residuals in the units of the image; results in the same units.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

MAD_TO_SIGMA = 1.4826


def robust_sigma(values: np.ndarray) -> float:
    """σ estimated as 1.4826 × MAD of the finite ``values`` (0.0 when there are none)."""
    v = np.asarray(values, np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0
    return float(MAD_TO_SIGMA * np.median(np.abs(v - np.median(v))))


def smooth(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of σ ``sigma`` px; above 6 px done on a grid 1/4 the size and brought
    back bicubically (a wide Gaussian has nothing a quarter-resolution grid cannot hold, and
    OpenCV's direct kernel of 6σ is slow)."""
    img = np.ascontiguousarray(image, np.float32)
    if sigma <= 6.0:
        return cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 4.0, borderType=cv2.BORDER_REFLECT)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).reshape(img.shape)


def _nan_median(values: np.ndarray) -> np.ndarray:
    """Median over the last axis ignoring NaN (NaN where all are); sorting puts NaN last,
    which is much faster than ``np.nanmedian`` along an axis."""
    ordered = np.sort(values, axis=-1)
    n = np.isfinite(ordered).sum(-1)
    lo = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0)[..., None], -1)[..., 0]
    hi = np.take_along_axis(ordered, np.maximum(n // 2, 0)[..., None], -1)[..., 0]
    return np.where(n > 0, 0.5 * (lo + hi), np.nan).astype(np.float32)


def local_sigma(
    residual: np.ndarray,
    *,
    tile: int = 32,
    exclude: Optional[np.ndarray] = None,
    floor_fraction: float = 0.25,
) -> np.ndarray:
    """Per-pixel robust σ of ``residual`` (H, W): MAD over ``tile``-px tiles, a 3×3 median
    over tiles, bilinear back to pixels. ``exclude`` (H, W) bool: pixels left out (known
    damage). The result never drops below ``floor_fraction`` × the frame's own σ (a flat,
    clipped region has no grain, but a defect there is still judged against the film's)."""
    r = np.asarray(residual, np.float32)
    h, w = r.shape
    ty, tx = max(1, -(-h // tile)), max(1, -(-w // tile))
    padded = np.full((ty * tile, tx * tile), np.nan, np.float32)
    padded[:h, :w] = r
    if exclude is not None:
        padded[:h, :w][exclude] = np.nan
    blocks = padded.reshape(ty, tile, tx, tile).transpose(0, 2, 1, 3).reshape(ty, tx, -1)
    med = _nan_median(blocks)
    mad = _nan_median(np.abs(blocks - med[..., None])) * MAD_TO_SIGMA
    overall = robust_sigma(r if exclude is None else r[~exclude])
    mad = np.where(np.isfinite(mad), mad, overall).astype(np.float32)
    if min(ty, tx) >= 3:
        mad = cv2.medianBlur(mad, 3)
    sigma = cv2.resize(mad, (w, h), interpolation=cv2.INTER_LINEAR) if (ty, tx) != (h, w) else mad
    return np.maximum(sigma, max(floor_fraction * overall, 1e-5)).astype(np.float32)
