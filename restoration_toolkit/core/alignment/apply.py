"""Apply an alignment: resample the reference onto the scan grid with a chosen filter."""

from __future__ import annotations

from typing import Union

import cv2
import numpy as np

from .result import AlignmentResult

FILTERS = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "lanczos": cv2.INTER_LANCZOS4,
}


def apply_alignment(
    reference: np.ndarray, alignment: Union[AlignmentResult, np.ndarray], *, filter: str = "cubic"
) -> np.ndarray:
    """The reference resampled onto the scan grid.

    reference: float32 (H_r, W_r, C) in any color space (values are interpolated as stored;
        keep it in the working space). alignment: an :class:`AlignmentResult` or a (H, W, 2)
        map of reference pixel-centre coordinates. filter: nearest, linear, cubic (default,
        Keys a = −0.75 as OpenCV implements it) or lanczos (Lanczos-4).
    Returns float32 (H, W, C); outside the reference is 0. The input is not modified.
    """
    if filter not in FILTERS:
        raise ValueError(f"unknown filter {filter!r} (one of {', '.join(FILTERS)})")
    map_xy = (
        alignment.map_xy
        if isinstance(alignment, AlignmentResult)
        else np.asarray(alignment, np.float32)
    )
    ref = np.asarray(reference, np.float32)
    squeeze = ref.ndim == 2
    if squeeze:
        ref = ref[:, :, None]
    chans = [
        cv2.remap(
            np.ascontiguousarray(ref[:, :, c]),
            map_xy[:, :, 0],
            map_xy[:, :, 1],
            FILTERS[filter],
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0.0,
        )
        for c in range(ref.shape[2])
    ]
    out = np.stack(chans, axis=2).astype(np.float32)
    return out[:, :, 0] if squeeze else out
