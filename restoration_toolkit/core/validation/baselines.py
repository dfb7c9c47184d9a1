"""Traditional spatial baselines: what an archive would do without a trained model.

Each baseline is a plain function of the scan (ndarray (H, W, C) float32, any encoding; the
validation stage passes display-referred 0–1 values) with its parameters stated here, in the
report and in the matching Nuke graph (``restoration_toolkit.nuke.validation`` /
:func:`restoration_toolkit.core.baseline_graphs.baseline_script`):

========================  =================================================================
``lanczos``               resample to the target raster with a Lanczos-4 kernel (8×8 taps,
                          OpenCV ``INTER_LANCZOS4``; Nuke Reformat ``filter Lanczos4``)
``bicubic``               resample with the bicubic (Keys, a = −0.75) kernel (OpenCV
                          ``INTER_CUBIC``; Nuke Reformat ``filter Cubic``)
``unsharp``               resample (Lanczos-4), then unsharp mask: out = in + amount·(in −
                          Gaussian(in, radius)), radius 1.5 px, amount 0.8, no threshold
                          (scikit-image ``filters.unsharp_mask``; Nuke Blur + Merge or Sharpen)
``denoise_sharpen_grain`` resample (Lanczos-4), non-local-means denoise
                          (scikit-image ``restoration.denoise_nl_means``, fast mode, 5×5
                          patches, distance 6, h = 0.8·σ, σ = grain RMS measured on the
                          scan), unsharp mask (radius 1.5, amount 0.6), then
                          regrain: Gaussian noise shaped by a Gaussian of σ = 0.6 px, scaled
                          to the grain RMS measured on the scan's flat patches (NPS), seeded
                          (Nuke Denoise2 → Sharpen → Grain2)
========================  =================================================================

None of them mutates its input; each returns float32 (H', W', C).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from ..errors import RTKError

Size = Tuple[int, int]  # (width, height)


@dataclass(frozen=True)
class Baseline:
    """A named baseline: a one-line description with its parameters, the parameters as data,
    and the function ``(scan, size) -> image``."""

    name: str
    description: str
    parameters: Dict[str, object] = field(default_factory=dict)
    apply: Callable[[np.ndarray, Optional[Size]], np.ndarray] = field(default=None, repr=False)  # type: ignore[assignment]


def _check(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image, np.float32)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise RTKError(f"expected an (H, W, C) image, got shape {arr.shape}")
    return arr


def resample(
    image: np.ndarray, size: Optional[Size] = None, *, filter: str = "lanczos"
) -> np.ndarray:
    """Resample (H, W, C) to ``size`` = (width, height) with ``filter`` ``"lanczos"``
    (Lanczos-4) or ``"bicubic"``; ``size`` None or equal keeps the raster (a copy)."""
    import cv2

    arr = _check(image)
    if filter not in ("lanczos", "bicubic"):
        raise RTKError(f"unknown resampling filter {filter!r} (lanczos or bicubic)")
    if size is None or (int(size[0]), int(size[1])) == (arr.shape[1], arr.shape[0]):
        return arr.copy()
    w, h = int(size[0]), int(size[1])
    if w <= 0 or h <= 0:
        raise RTKError(f"target size {w}x{h} is empty")
    interp = cv2.INTER_LANCZOS4 if filter == "lanczos" else cv2.INTER_CUBIC
    channels = [
        cv2.resize(np.ascontiguousarray(arr[:, :, c]), (w, h), interpolation=interp)
        for c in range(arr.shape[2])
    ]
    return np.stack(channels, axis=2).astype(np.float32)


def unsharp(image: np.ndarray, *, radius: float = 1.5, amount: float = 0.8) -> np.ndarray:
    """Unsharp mask through ``skimage.filters.unsharp_mask`` (values kept as they are: no
    clipping, so scene-linear values above 1 survive)."""
    from skimage.filters import unsharp_mask

    arr = _check(image)
    out = unsharp_mask(arr, radius=radius, amount=amount, preserve_range=True, channel_axis=2)
    return np.asarray(out, np.float32)


def grain_rms(image: np.ndarray, *, patch: int = 32) -> float:
    """Grain RMS of the scan's luminance, from the NPS of its flattest patches (see
    :mod:`restoration_toolkit.core.validation.metrics.grain`). 0 when the image is too small."""
    from .metrics.grain import noise_power_spectrum

    arr = _check(image)
    p = patch if min(arr.shape[:2]) >= patch else 0
    if p == 0:
        return 0.0
    return noise_power_spectrum(arr, patch=p).rms


def regrain(image: np.ndarray, rms: float, *, size: float = 0.6, seed: int = 0) -> np.ndarray:
    """Add monochrome Gaussian grain of luminance RMS ``rms``, spatially shaped by a Gaussian
    of σ = ``size`` px, reproducible by ``seed``."""
    from scipy.ndimage import gaussian_filter

    arr = _check(image)
    if rms <= 0:
        return arr.copy()
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(arr.shape[:2])
    if size > 0:
        noise = gaussian_filter(noise, size)
    std = float(noise.std())
    noise = noise * (rms / std if std > 0 else 0.0)
    return (arr + noise[:, :, None].astype(np.float32)).astype(np.float32)


def denoise_sharpen_grain(
    image: np.ndarray,
    *,
    sharpen_radius: float = 1.5,
    sharpen_amount: float = 0.6,
    grain_size: float = 0.6,
    grain: Optional[float] = None,
    seed: int = 0,
) -> np.ndarray:
    """Non-local-means denoise (h = 0.8·σ, σ = grain RMS, 5×5 patches, search distance 6)
    → unsharp mask → regrain to the grain RMS measured on the input (or ``grain``)."""
    from skimage.restoration import denoise_nl_means

    arr = _check(image)
    rms = grain_rms(arr) if grain is None else float(grain)
    if rms > 0:
        clean = denoise_nl_means(
            arr,
            h=0.8 * rms,
            sigma=rms,
            patch_size=5,
            patch_distance=6,
            fast_mode=True,
            channel_axis=2,
            preserve_range=True,
        )
    else:
        clean = arr
    sharp = unsharp(np.asarray(clean, np.float32), radius=sharpen_radius, amount=sharpen_amount)
    return regrain(sharp, rms, size=grain_size, seed=seed)


def _lanczos(scan: np.ndarray, size: Optional[Size]) -> np.ndarray:
    return resample(scan, size, filter="lanczos")


def _bicubic(scan: np.ndarray, size: Optional[Size]) -> np.ndarray:
    return resample(scan, size, filter="bicubic")


def _unsharp(scan: np.ndarray, size: Optional[Size]) -> np.ndarray:
    return unsharp(resample(scan, size, filter="lanczos"), radius=1.5, amount=0.8)


def _dsg(scan: np.ndarray, size: Optional[Size]) -> np.ndarray:
    rms = grain_rms(scan)  # measured on the scan at its own raster
    return denoise_sharpen_grain(resample(scan, size, filter="lanczos"), grain=rms)


BASELINES: Dict[str, Baseline] = {
    "lanczos": Baseline(
        "lanczos", "Lanczos-4 resample to the target raster", {"filter": "Lanczos4"}, _lanczos
    ),
    "bicubic": Baseline(
        "bicubic",
        "bicubic (Keys a=-0.75) resample to the target raster",
        {"filter": "Cubic"},
        _bicubic,
    ),
    "unsharp": Baseline(
        "unsharp",
        "Lanczos-4 resample + unsharp mask (radius 1.5 px, amount 0.8)",
        {"filter": "Lanczos4", "radius": 1.5, "amount": 0.8},
        _unsharp,
    ),
    "denoise_sharpen_grain": Baseline(
        "denoise_sharpen_grain",
        "Lanczos-4 resample + non-local-means denoise (h=0.8 sigma, 5x5 patches, distance 6) + unsharp (radius 1.5, amount 0.6) "
        "+ regrain to the scan's measured grain RMS (grain size 0.6 px, seed 0)",
        {
            "filter": "Lanczos4",
            "denoise": "nl-means h=0.8*sigma patch 5 distance 6",
            "radius": 1.5,
            "amount": 0.6,
            "grain_size": 0.6,
            "seed": 0,
        },
        _dsg,
    ),
}


def apply_baseline(name: str, scan: np.ndarray, size: Optional[Size] = None) -> np.ndarray:
    """Run the baseline ``name`` (a key of :data:`BASELINES`) on ``scan`` to raster ``size``."""
    if name not in BASELINES:
        raise RTKError(f"unknown baseline {name!r} (one of {', '.join(BASELINES)})")
    return BASELINES[name].apply(scan, size)
