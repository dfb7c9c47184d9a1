"""Film grain around a repair: measure it on the scan, re-synthesise what a fill lacks.

A fill from a soft reference has almost no grain; a temporal median of neighbours has
less than one frame (a median of two is their mean: σ/√2). Left like that, every repair is
a smooth patch that a restorer sees at once in motion. So the grain the *scan* shows in a
ring around each hole is measured — per channel, from the high-pass (image minus a
Gaussian of σ 2 px) where the ring is flat (:func:`ring_sigma`), with the channels'
correlation and the grain's size (its lag-1 autocorrelation) taken over the whole frame —
and the fill gets exactly the missing part: σ_add² = σ_scan² − σ_fill², both measured the
same way in the same ring.

The synthetic grain is Gaussian white noise, correlated between channels (Cholesky of the
measured correlation), blurred by a Gaussian of the measured size and high-passed like the
measurement, then scaled. It is new grain, not the scan's: the repair is honest about
that, and it is seeded, so a render is repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from .noise import robust_sigma

HIGH_PASS_SIGMA = 2.0


def high_pass(image: np.ndarray) -> np.ndarray:
    """Image minus its Gaussian blur (σ = 2 px), per channel."""
    img = np.ascontiguousarray(image, np.float32)
    return (img - cv2.GaussianBlur(img, (0, 0), HIGH_PASS_SIGMA)).reshape(img.shape)


@dataclass(frozen=True)
class GrainShape:
    """How the grain looks over the frame: channel correlation (3×3) and size (Gaussian σ,
    px, of white noise blurred to the same lag-1 autocorrelation)."""

    correlation: np.ndarray
    size_px: float


def grain_shape(image: np.ndarray, exclude: Optional[np.ndarray] = None) -> GrainShape:
    """Measure the grain's channel correlation and size on ``image`` (H, W, 3), leaving out
    ``exclude`` (H, W bool) and the strongest 5 % of the high-pass (edges, detail)."""
    hp = high_pass(image[..., :3])
    keep = np.ones(hp.shape[:2], bool) if exclude is None else ~exclude
    energy = np.abs(hp).sum(2)
    keep &= energy <= np.quantile(energy[keep], 0.95) if keep.any() else keep
    samples = hp[keep].astype(np.float64)
    if samples.shape[0] < 100:
        return GrainShape(np.eye(3), 0.7)
    corr = np.corrcoef(samples.T)
    corr = np.nan_to_num(corr, nan=0.0) + np.eye(3) * 1e-3
    y = hp.mean(2)
    both = keep[:, 1:] & keep[:, :-1]
    a, b = y[:, 1:][both], y[:, :-1][both]
    rho = float(np.corrcoef(a, b)[0, 1]) if a.size > 100 else 0.5
    rho = min(max(rho, 0.05), 0.95)
    size = float(np.sqrt(-1.0 / (4.0 * np.log(rho))))
    return GrainShape(corr, float(min(max(size, 0.3), 2.5)))


def unit_grain(shape, grain: GrainShape, seed: int) -> np.ndarray:
    """(H, W, 3) synthetic grain whose high-pass has σ 1 in every channel."""
    h, w = shape[:2]
    rng = np.random.default_rng(seed)
    white = rng.standard_normal((h, w, 3)).astype(np.float32)
    try:
        chol = np.linalg.cholesky(grain.correlation).astype(np.float32)
    except np.linalg.LinAlgError:
        chol = np.eye(3, dtype=np.float32)
    mixed = white @ chol.T
    blurred = cv2.GaussianBlur(mixed, (0, 0), grain.size_px) if grain.size_px > 0.3 else mixed
    hp = high_pass(blurred)
    scale = np.array([robust_sigma(hp[..., c]) or 1.0 for c in range(3)], np.float32)
    return (hp / scale).astype(np.float32)


def ring_sigma(image: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """(3,) grain σ of ``image`` over the ``ring`` pixels (H, W bool): the square root of the
    median, over the ring, of the 5×5 mean of the squared high-pass. Grain is everywhere,
    texture and edges are not: as long as they cover under half the ring, the median is
    the grain's level, where a plain σ (or even the MAD) would take the texture in."""
    hp = high_pass(image[..., :3])
    out = np.zeros(3, np.float32)
    for c in range(3):
        energy = cv2.blur(np.ascontiguousarray(hp[..., c] ** 2), (5, 5))
        values = energy[ring]
        out[c] = float(np.sqrt(np.median(values))) if values.size else 0.0
    return out
