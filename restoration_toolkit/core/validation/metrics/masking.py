"""Shared argument checks of the image metrics: sizes and the confidence mask."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ...errors import RTKError


def as_image(array: np.ndarray, name: str) -> np.ndarray:
    """``array`` as float32 (H, W, C); (H, W) becomes (H, W, 1). Never the caller's buffer."""
    arr = np.array(array, dtype=np.float32, copy=True)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise RTKError(f"{name} must be an (H, W) or (H, W, C) image, got shape {arr.shape}")
    return arr


def check_pair(reference: np.ndarray, test: np.ndarray) -> None:
    """Raise RTKError unless both images have the same height, width and channels."""
    if reference.shape[:2] != test.shape[:2]:
        raise RTKError(
            f"image sizes differ: reference {reference.shape[1]}x{reference.shape[0]}, "
            f"test {test.shape[1]}x{test.shape[0]}"
        )
    if reference.ndim == 3 and test.ndim == 3 and reference.shape[2] != test.shape[2]:
        raise RTKError(f"channel counts differ: {reference.shape[2]} vs {test.shape[2]}")


def valid_pixels(
    shape: tuple,
    mask: Optional[np.ndarray],
    *images: np.ndarray,
    min_pixels: int = 1,
) -> np.ndarray:
    """Boolean (H, W): mask > 0.5 (all pixels without a mask) and finite in every image.

    Raises RTKError when fewer than ``min_pixels`` pixels remain (e.g. an all-masked frame).
    """
    h, w = shape[:2]
    valid = np.ones((h, w), bool)
    if mask is not None:
        m = np.asarray(mask, np.float32)
        if m.ndim == 3:
            m = m[:, :, 0]
        if m.shape != (h, w):
            raise RTKError(f"mask size {m.shape[1]}x{m.shape[0]} differs from image size {w}x{h}")
        valid &= m > 0.5
    for img in images:
        a = np.asarray(img)
        finite = np.isfinite(a)
        valid &= finite.all(axis=2) if finite.ndim == 3 else finite
    if int(valid.sum()) < min_pixels:
        raise RTKError(
            "the mask excludes every pixel: nothing to measure"
            if min_pixels <= 1
            else f"only {int(valid.sum())} valid pixels under the mask (need {min_pixels})"
        )
    return valid
