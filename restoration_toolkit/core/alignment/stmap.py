"""STMaps in Nuke's convention.

For scan pixel (row y, column x), red = u = (x_ref + 0.5) / W_ref and green =
v = 1 − (y_ref + 0.5) / H_ref, where (x_ref, y_ref) is the reference pixel centre it takes
its value from, in *reference* normalised coordinates. A Nuke STMap node with the reference
as its source input and ``uv rgb`` reading this map reproduces the aligned reference. Blue is
0; alpha is 1 where the map lands inside the reference. Written as 32-bit float EXR: half
floats keep 11 bits of mantissa, about half a pixel at HD.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional, Tuple

import numpy as np

from ..errors import PathLike
from ..io.images import ImageMetadata, write_image


def map_to_stmap(map_xy: np.ndarray, reference_shape: Tuple[int, int]) -> np.ndarray:
    """(H, W, 2) reference pixel coordinates → (H, W, 4) float32 u, v, 0, inside."""
    hr, wr = reference_shape
    x = map_xy[:, :, 0].astype(np.float64)
    y = map_xy[:, :, 1].astype(np.float64)
    out = np.zeros(map_xy.shape[:2] + (4,), np.float32)
    out[:, :, 0] = (x + 0.5) / wr
    out[:, :, 1] = 1.0 - (y + 0.5) / hr
    out[:, :, 3] = ((x >= -0.5) & (x <= wr - 0.5) & (y >= -0.5) & (y <= hr - 0.5)).astype(
        np.float32
    )
    return out


def stmap_to_map(stmap: np.ndarray, reference_shape: Tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`map_to_stmap`: (H, W, ≥2) u, v → (H, W, 2) reference pixel coordinates."""
    hr, wr = reference_shape
    out = np.empty(stmap.shape[:2] + (2,), np.float32)
    out[:, :, 0] = (stmap[:, :, 0].astype(np.float64) * wr - 0.5).astype(np.float32)
    out[:, :, 1] = ((1.0 - stmap[:, :, 1].astype(np.float64)) * hr - 0.5).astype(np.float32)
    return out


def write_stmap(
    path: PathLike,
    map_xy: np.ndarray,
    reference_shape: Tuple[int, int],
    *,
    metadata: Optional[ImageMetadata] = None,
    protect: Iterable[PathLike] = (),
) -> Path:
    """Write the STMap as a 32-bit float RGBA EXR (atomic)."""
    meta = metadata or ImageMetadata()
    meta = meta.with_attributes(
        **{
            "rtk:stmap": "u=(x+0.5)/W v=1-(y+0.5)/H reference-normalised",
            "rtk:reference_size": f"{reference_shape[1]}x{reference_shape[0]}",
        }
    )
    return write_image(
        path,
        map_to_stmap(map_xy, reference_shape),
        meta,
        data_format="float",
        protect=protect,
        channel_names=("R", "G", "B", "A"),
    )
