"""Sharpness / detail against a reference: high-frequency energy ratio and correlation.

The high-frequency band of an image is its luminance minus a Gaussian low-pass
(σ = ``sigma`` pixels, default 2): what a blur removes and a sharpen boosts. Two figures:

- ``ratio`` = HF energy of the test / HF energy of the reference over the valid pixels.
  1.0 = as much fine detail as the reference; < 1 softer; > 1 sharper *or noisier* (grain
  and ringing are high-frequency energy too — read it with ``correlation``).
- ``correlation`` = Pearson correlation of the two HF bands: whether the detail is the
  reference's detail (1.0) or unrelated energy (≈ 0, e.g. noise).

Works on any encoding; the validation stage passes display-referred 0–1 values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...ycbcr import luminance
from .masking import as_image, check_pair, valid_pixels


@dataclass(frozen=True)
class Detail:
    """HF energy ratio (test / reference), HF correlation, both energies (mean squared HF
    value), and a map (H, W) of the local log2 energy ratio (0 = same, −1 = half the
    detail), NaN outside the mask."""

    ratio: float
    correlation: float
    reference_energy: float
    test_energy: float
    sigma: float
    pixels: int
    map: np.ndarray


def high_frequency(image: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """(H, W) high-frequency band of an (H, W[, C]) image's luminance (Rec.709 weights when
    it has 3+ channels): luminance − Gaussian(luminance, σ)."""
    from scipy.ndimage import gaussian_filter

    img = as_image(image, "image")
    y = luminance(img) if img.shape[2] >= 3 else img[:, :, 0]
    y = np.where(np.isfinite(y), y, 0.0).astype(np.float64)
    return (y - gaussian_filter(y, sigma, mode="reflect")).astype(np.float32)


def detail_ratio(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    mask: Optional[np.ndarray] = None,
    sigma: float = 2.0,
    map_sigma: float = 8.0,
) -> Detail:
    """High-frequency energy of ``test`` relative to ``reference``.

    reference, test: ndarray (H, W) or (H, W, C), same encoding and size. ``mask`` (H, W) in
    0–1: pixels with mask > 0.5 count. ``sigma``: the low-pass that defines "high frequency",
    in pixels. ``map_sigma``: the neighbourhood of the local-ratio map, in pixels.
    """
    from scipy.ndimage import gaussian_filter

    ref, tst = as_image(reference, "reference"), as_image(test, "test")
    check_pair(ref, tst)
    valid = valid_pixels(ref.shape, mask, ref, tst)
    hr = high_frequency(ref, sigma).astype(np.float64)
    ht = high_frequency(tst, sigma).astype(np.float64)
    er = float(np.mean(hr[valid] ** 2))
    et = float(np.mean(ht[valid] ** 2))
    ratio = et / er if er > 0 else (1.0 if et == 0 else float("inf"))
    a, b = hr[valid], ht[valid]
    denom = float(np.sqrt(np.sum((a - a.mean()) ** 2) * np.sum((b - b.mean()) ** 2)))
    corr = float(np.sum((a - a.mean()) * (b - b.mean())) / denom) if denom > 0 else 0.0
    tiny = 1e-12
    local = np.log2(
        (gaussian_filter(ht * ht, map_sigma) + tiny) / (gaussian_filter(hr * hr, map_sigma) + tiny)
    )
    out = np.where(valid, local, np.nan).astype(np.float32)
    return Detail(
        ratio=float(ratio),
        correlation=corr,
        reference_energy=er,
        test_energy=et,
        sigma=float(sigma),
        pixels=int(valid.sum()),
        map=out,
    )
