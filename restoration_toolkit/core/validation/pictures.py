"""What the report shows of a frame: square crops of every image around the model's worst
(smoothed) ΔE2000, and whole-frame ΔE2000 maps reduced to at most :data:`MAP_WIDTH` pixels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from .frames import FrameImages

CROP_SIZE = 256
MAP_WIDTH = 1024


@dataclass
class FramePictures:
    """Crops (display sRGB 0–1) and ΔE2000 maps (NaN outside the mask, float16) of one frame."""

    frame: int
    why: str
    box: Tuple[int, int, int]  # (y0, x0, size) of the square crop
    crops: Dict[str, np.ndarray]
    error_maps: Dict[str, np.ndarray]


def crop_box(de_map: np.ndarray, size: int = CROP_SIZE) -> Tuple[int, int, int]:
    """(y0, x0, size) of the size×size window around the largest (Gaussian σ 8) ΔE."""
    from scipy.ndimage import gaussian_filter

    h, w = de_map.shape
    size = min(size, h, w)
    smooth = gaussian_filter(np.nan_to_num(de_map, nan=0.0), 8)
    y, x = np.unravel_index(int(np.argmax(smooth)), smooth.shape)
    y0 = int(min(max(y - size // 2, 0), h - size))
    x0 = int(min(max(x - size // 2, 0), w - size))
    return y0, x0, size


def _small_map(m: np.ndarray) -> np.ndarray:
    """A ΔE map at most MAP_WIDTH wide; area-averaged over valid pixels only."""
    import cv2

    h, w = m.shape
    if w > MAP_WIDTH:
        nh = max(1, round(h * MAP_WIDTH / w))
        valid = cv2.resize(
            np.isfinite(m).astype(np.float32), (MAP_WIDTH, nh), interpolation=cv2.INTER_AREA
        )
        vals = cv2.resize(np.nan_to_num(m, nan=0.0), (MAP_WIDTH, nh), interpolation=cv2.INTER_AREA)
        m = np.where(valid > 0.5, vals / np.maximum(valid, 1e-6), np.nan)
    return m.astype(np.float16)


def capture(frame: int, why: str, fr: FrameImages, maps: Dict[str, np.ndarray]) -> FramePictures:
    """The pictures of ``fr``: crops around the model's worst area and every ΔE map."""
    y0, x0, size = crop_box(maps.get("model", next(iter(maps.values()))))
    images = {"reference": fr.reference, **fr.candidates}
    crops = {n: img[y0 : y0 + size, x0 : x0 + size].copy() for n, img in images.items()}
    small = {n: _small_map(m) for n, m in maps.items()}
    return FramePictures(frame, why, (y0, x0, size), crops, small)
