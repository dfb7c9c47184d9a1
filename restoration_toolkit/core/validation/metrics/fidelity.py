"""Fidelity to a reference: PSNR and SSIM through scikit-image.

Both images are compared in the encoding they are given in (the validation stage passes
display-referred sRGB-like 0–1 values, see ``restoration_toolkit.core.report``); say which
with ``data_range`` — the span of valid values (1.0 for 0–1 images).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .masking import as_image, check_pair, valid_pixels


@dataclass(frozen=True)
class PSNR:
    """Peak signal-to-noise ratio in dB over the valid pixels (``inf`` for identical images)."""

    db: float
    mse: float
    pixels: int


@dataclass(frozen=True)
class SSIM:
    """Mean structural similarity over the valid pixels (1 = identical) and the per-pixel map
    (H, W), channel-averaged, NaN outside the mask."""

    mean: float
    pixels: int
    map: np.ndarray


def psnr(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    mask: Optional[np.ndarray] = None,
    data_range: float = 1.0,
) -> PSNR:
    """PSNR of ``test`` against ``reference`` (ndarray (H, W) or (H, W, C), any encoding,
    values spanning ``data_range``). ``mask`` (H, W) in 0–1: pixels with mask > 0.5 count.

    Without a mask this equals ``skimage.metrics.peak_signal_noise_ratio``; with a mask the
    same formula is applied to the masked pixels only.
    """
    ref, tst = as_image(reference, "reference"), as_image(test, "test")
    check_pair(ref, tst)
    valid = valid_pixels(ref.shape, mask, ref, tst)
    if mask is None and valid.all():
        from skimage.metrics import mean_squared_error

        mse = float(mean_squared_error(ref.astype(np.float64), tst.astype(np.float64)))
    else:
        diff = ref[valid].astype(np.float64) - tst[valid].astype(np.float64)
        mse = float(np.mean(diff * diff))
    db = math.inf if mse == 0 else 10.0 * math.log10(data_range * data_range / mse)
    return PSNR(db=db, mse=mse, pixels=int(valid.sum()))


def ssim(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    mask: Optional[np.ndarray] = None,
    data_range: float = 1.0,
    gaussian_weights: bool = True,
) -> SSIM:
    """SSIM (Wang et al. 2004) through ``skimage.metrics.structural_similarity``.

    reference, test: ndarray (H, W) or (H, W, C), any encoding, values spanning
    ``data_range``. The full SSIM map is computed by scikit-image (Gaussian window σ = 1.5,
    as in the paper, when ``gaussian_weights``), averaged over channels and then over the
    pixels with mask > 0.5. Images smaller than 7×7 are refused.
    """
    from skimage.metrics import structural_similarity

    ref, tst = as_image(reference, "reference"), as_image(test, "test")
    check_pair(ref, tst)
    valid = valid_pixels(ref.shape, mask, ref, tst)
    if min(ref.shape[:2]) < 7:
        from ...errors import RTKError

        raise RTKError(f"image {ref.shape[1]}x{ref.shape[0]} is too small for SSIM (7x7 at least)")
    # non-finite pixels would spread through the window: neutralise them (they are masked out)
    ref_c = np.where(np.isfinite(ref), ref, 0.0)
    tst_c = np.where(np.isfinite(tst), tst, 0.0)
    _, full = structural_similarity(
        ref_c,
        tst_c,
        data_range=data_range,
        channel_axis=2,
        full=True,
        gaussian_weights=gaussian_weights,
        sigma=1.5,
        use_sample_covariance=not gaussian_weights,
    )
    smap = np.asarray(full, np.float32).mean(axis=2)
    out = np.where(valid, smap, np.nan).astype(np.float32)
    return SSIM(mean=float(smap[valid].mean()), pixels=int(valid.sum()), map=out)
