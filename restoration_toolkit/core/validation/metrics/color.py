"""ΔE2000 color difference through colour-science (CIE 2000, Sharma et al. 2005)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...errors import RTKError

_ENCODINGS = ("srgb", "linear-srgb", "acescg", "aces2065-1")


@dataclass(frozen=True)
class DeltaE:
    """ΔE2000 summary (over the mask) and the per-pixel map (H, W), NaN outside the mask."""

    mean: float
    median: float
    p95: float
    max: float
    pixels: int
    map: np.ndarray


def _to_lab(rgb: np.ndarray, encoding: str) -> np.ndarray:
    import colour

    rgb = np.asarray(rgb[..., :3], np.float64)
    if encoding == "srgb":
        xyz = colour.RGB_to_XYZ(rgb, "sRGB", apply_cctf_decoding=True)
    elif encoding == "linear-srgb":
        xyz = colour.RGB_to_XYZ(rgb, "sRGB")
    elif encoding == "acescg":
        xyz = colour.RGB_to_XYZ(rgb, "ACEScg")
    elif encoding == "aces2065-1":
        xyz = colour.RGB_to_XYZ(rgb, "ACES2065-1")
    else:
        raise RTKError(f"unknown encoding {encoding!r} (one of {', '.join(_ENCODINGS)})")
    # D65 white for sRGB, ACES white (~D60) for ACES spaces: Lab relative to that white.
    white = colour.RGB_COLOURSPACES["sRGB" if "srgb" in encoding else "ACEScg"].whitepoint
    return colour.XYZ_to_Lab(xyz, white)


def delta_e2000(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    mask: Optional[np.ndarray] = None,
    encoding: str = "srgb",
) -> DeltaE:
    """ΔE2000 between two RGB images.

    reference, test: ndarray (H, W, 3). ``encoding`` says what the RGB values are:
    ``"srgb"`` (display-referred sRGB, 0–1, the default), ``"linear-srgb"`` (scene-linear
    Rec.709 primaries), ``"acescg"`` or ``"aces2065-1"`` (scene-linear ACES). ``mask``
    (H, W) in [0, 1]: pixels with mask > 0.5 count. Returns :class:`DeltaE`.
    """
    if reference.shape[:2] != test.shape[:2]:
        raise RTKError(f"image sizes differ: {reference.shape[:2]} vs {test.shape[:2]}")
    import colour

    de = colour.delta_E(_to_lab(reference, encoding), _to_lab(test, encoding), method="CIE 2000")
    de = np.asarray(de, np.float32)
    valid = np.isfinite(de)
    if mask is not None:
        if mask.shape[:2] != de.shape:
            raise RTKError(f"mask size {mask.shape[:2]} differs from image size {de.shape}")
        valid &= np.asarray(mask, np.float32).reshape(de.shape) > 0.5
    if not valid.any():
        raise RTKError("the mask excludes every pixel: nothing to measure")
    values = de[valid]
    out = np.where(valid, de, np.nan).astype(np.float32)
    return DeltaE(
        mean=float(values.mean()),
        median=float(np.median(values)),
        p95=float(np.percentile(values, 95)),
        max=float(values.max()),
        pixels=int(values.size),
        map=out,
    )
