"""Luminance / chroma split and the ground-truth compositions of the method.

Color recovery: ground truth = the scan's luminance + the reference's chroma (a soft DVD
teaches color, not softness; the film's grain and detail survive). Spatial recovery: the
inverse — the better element's luminance + the scan's own chroma.

The split is Y'CbCr with Rec.709 luma weights applied to whatever RGB encoding the arrays are
in (Nuke's Colorspace node does the same on its input); it is exactly invertible, so
``from_ycbcr(to_ycbcr(x)) == x`` to float precision.
"""

from __future__ import annotations

import numpy as np

KR, KB = 0.2126, 0.0722
KG = 1.0 - KR - KB
_M = np.array(
    [
        [KR, KG, KB],
        [-KR / (2 * (1 - KB)), -KG / (2 * (1 - KB)), 0.5],
        [0.5, -KG / (2 * (1 - KR)), -KB / (2 * (1 - KR))],
    ],
    dtype=np.float64,
)
_M_INV = np.linalg.inv(_M)


def to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB → (H, W, 3) Y, Cb, Cr (Cb/Cr centred on 0), float32."""
    return np.einsum("...c,dc->...d", np.asarray(rgb[..., :3], np.float64), _M).astype(np.float32)


def from_ycbcr(ycc: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_ycbcr`."""
    return np.einsum("...c,dc->...d", np.asarray(ycc, np.float64), _M_INV).astype(np.float32)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """(H, W) Rec.709-weighted luminance of the RGB channels, float32."""
    rgb = np.asarray(rgb, np.float32)
    return (KR * rgb[..., 0] + KG * rgb[..., 1] + KB * rgb[..., 2]).astype(np.float32)


def combine(luma_from: np.ndarray, chroma_from: np.ndarray) -> np.ndarray:
    """RGB with the Y of ``luma_from`` and the Cb/Cr of ``chroma_from`` (same shape)."""
    if luma_from.shape[:2] != chroma_from.shape[:2]:
        raise ValueError(f"shapes differ: {luma_from.shape} vs {chroma_from.shape}")
    y = to_ycbcr(luma_from)
    c = to_ycbcr(chroma_from)
    y[..., 1:] = c[..., 1:]
    return from_ycbcr(y)


def chroma_ground_truth(scan: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Color recovery ground truth: scan luminance + reference chroma."""
    return combine(scan, reference)


def luma_ground_truth(scan: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Spatial recovery ground truth: reference (better element) luminance + scan chroma."""
    return combine(reference, scan)
