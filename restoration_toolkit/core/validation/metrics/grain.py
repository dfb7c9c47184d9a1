"""Grain: the noise power spectrum (NPS) of flat regions.

The method keeps the film's grain (a color model recombines its chroma with the scan's own
luminance, grain included), so a result that removed or smeared the grain must show it.
The measurement follows the usual NPS procedure for film and radiographic noise (ISO
15739 / IEC 62220-1 style):

1. Pick flat patches: the image's luminance is cut into ``patch``×``patch`` tiles; tiles with
   any masked or non-finite pixel are skipped; the remaining tiles are ranked by the standard
   deviation of their Gaussian low-pass (σ = patch/8), i.e. by how much *image structure*
   (not grain) they hold, and the flattest ``fraction`` (at most ``max_patches``) are kept.
2. Remove the low-pass: a second-order 2-D polynomial is fitted to each patch by least
   squares and subtracted (removes shading without touching the grain band).
3. NPS(u, v) = |FFT(patch)|² / (N·N), averaged over patches; with a pixel pitch of 1 its
   mean over all frequencies is the noise variance, so white noise of σ gives a flat NPS at
   σ² (value² · pixel²).
4. Radially averaged into bins of 1/N cycles per pixel from 1/N to 0.5 (DC excluded).

Values are in the image's own encoding (the validation stage passes display-referred 0–1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ...errors import RTKError
from ...ycbcr import luminance
from .masking import as_image, check_pair, valid_pixels

Patch = Tuple[int, int]  # (row, column) of the top-left corner


@dataclass(frozen=True)
class NPS:
    """A noise power spectrum.

    frequencies: bin centres in cycles/pixel (0 < f ≤ 0.5); power: radially averaged NPS in
    value²·pixel² per bin; variance: the noise variance (mean of the 2-D NPS, i.e. its
    integral); rms: √variance; level: mean NPS over 0.1–0.5 cycles/pixel (the grain band);
    patches: the (row, column) corners used; patch: their size.
    """

    frequencies: np.ndarray
    power: np.ndarray
    variance: float
    rms: float
    level: float
    patches: Tuple[Patch, ...]
    patch: int


@dataclass(frozen=True)
class GrainComparison:
    """NPS of the reference and the test on the same flat patches, and their ratios
    (test / reference): ``variance_ratio`` of the noise power (1 = grain kept, ≪ 1 = grain
    removed, > 1 = noise added), ``level_ratio`` over the grain band 0.1–0.5 cycles/pixel."""

    reference: NPS
    test: NPS
    variance_ratio: float
    level_ratio: float


def _luma(image: np.ndarray) -> np.ndarray:
    img = as_image(image, "image")
    return (luminance(img) if img.shape[2] >= 3 else img[:, :, 0]).astype(np.float64)


def flat_patches(
    image: np.ndarray,
    *,
    mask: Optional[np.ndarray] = None,
    patch: int = 64,
    fraction: float = 0.25,
    max_patches: int = 32,
) -> List[Patch]:
    """Corners (row, column) of the flattest ``patch``-sized tiles of ``image`` (see module
    docstring, step 1). Raises RTKError when the image holds no whole valid tile."""
    from scipy.ndimage import gaussian_filter

    y = _luma(image)
    h, w = y.shape
    if h < patch or w < patch:
        raise RTKError(f"image {w}x{h} is smaller than one {patch}x{patch} NPS patch")
    valid = valid_pixels(y.shape, mask, y[:, :, None])
    low = gaussian_filter(np.where(np.isfinite(y), y, 0.0), patch / 8.0)
    scored: List[Tuple[float, int, int]] = []
    for r in range(0, h - patch + 1, patch):
        for c in range(0, w - patch + 1, patch):
            if not valid[r : r + patch, c : c + patch].all():
                continue
            scored.append((float(low[r : r + patch, c : c + patch].std()), r, c))
    if not scored:
        raise RTKError(
            f"no {patch}x{patch} patch lies wholly inside the mask: cannot measure grain"
        )
    scored.sort()
    keep = max(1, min(max_patches, int(round(len(scored) * fraction))))
    return [(r, c) for _, r, c in scored[:keep]]


@lru_cache(maxsize=8)
def _trend_projector(n: int, m: int) -> Tuple[np.ndarray, np.ndarray]:
    """Design matrix of a 2nd-order 2-D polynomial on an n×m patch and its pseudo-inverse."""
    yy, xx = np.mgrid[0:n, 0:m].astype(np.float64)
    yy = yy / n - 0.5
    xx = xx / m - 0.5
    design = np.stack([np.ones_like(xx), xx, yy, xx * xx, xx * yy, yy * yy], axis=-1).reshape(-1, 6)
    return design, np.linalg.pinv(design)


def _detrend(block: np.ndarray) -> np.ndarray:
    """``block`` minus its least-squares 2nd-order polynomial surface."""
    n, m = block.shape
    design, pinv = _trend_projector(n, m)
    return block - (design @ (pinv @ block.reshape(-1))).reshape(n, m)


def noise_power_spectrum(
    image: np.ndarray,
    *,
    patches: Optional[Sequence[Patch]] = None,
    mask: Optional[np.ndarray] = None,
    patch: int = 64,
) -> NPS:
    """NPS of the luminance (Rec.709 weights; the single channel of a 1-channel image) of
    ``image`` (ndarray (H, W[, C])) over ``patches`` (default: :func:`flat_patches`)."""
    y = _luma(image)
    corners = list(patches) if patches is not None else flat_patches(image, mask=mask, patch=patch)
    if not corners:
        raise RTKError("no patches to measure the noise power spectrum on")
    acc = np.zeros((patch, patch), np.float64)
    for r, c in corners:
        block = y[r : r + patch, c : c + patch]
        if block.shape != (patch, patch) or not np.isfinite(block).all():
            raise RTKError(f"patch at row {r}, column {c} is outside the image or not finite")
        f = np.fft.fft2(_detrend(block))
        acc += (f.real**2 + f.imag**2) / (patch * patch)
    nps2 = acc / len(corners)
    fy = np.fft.fftfreq(patch)[:, None]
    fx = np.fft.fftfreq(patch)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    edges = np.arange(0.5, patch / 2 + 1.0) / patch  # bins centred on k/N, k = 1 … N/2
    centres = (np.arange(1, len(edges)) / patch).astype(np.float64)
    which = np.digitize(radius.ravel(), edges) - 1
    power = np.array([nps2.ravel()[which == i].mean() for i in range(len(centres))])
    band = (radius >= 0.1) & (radius <= 0.5)
    variance = float(nps2.mean())
    return NPS(
        frequencies=centres.astype(np.float32),
        power=power.astype(np.float64),
        variance=variance,
        rms=float(np.sqrt(variance)),
        level=float(nps2[band].mean()),
        patches=tuple((int(r), int(c)) for r, c in corners),
        patch=int(patch),
    )


def grain_comparison(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    mask: Optional[np.ndarray] = None,
    patch: int = 64,
    patches: Optional[Sequence[Patch]] = None,
) -> GrainComparison:
    """NPS of ``test`` against ``reference`` on the same flat patches (picked on the
    reference unless ``patches`` are given). For grain, the reference is the *scan* (the
    film's own grain), not the restoration reference: the question is whether the result
    kept the film's grain."""
    ref, tst = as_image(reference, "reference"), as_image(test, "test")
    check_pair(ref, tst)
    if patches is not None:
        corners = list(patches)
    else:
        valid = valid_pixels(ref.shape, mask, ref, tst)
        corners = flat_patches(ref, mask=valid.astype(np.float32), patch=patch)
    a = noise_power_spectrum(ref, patches=corners, patch=patch)
    b = noise_power_spectrum(tst, patches=corners, patch=patch)
    vr = b.variance / a.variance if a.variance > 0 else float("inf")
    lr = b.level / a.level if a.level > 0 else float("inf")
    return GrainComparison(reference=a, test=b, variance_ratio=float(vr), level_ratio=float(lr))
