"""Does an "aligned" reference line up with the scan? A cheap check before trusting it.

An aligned reference (stage 02's ``aligned.####.exr``) sits on the scan grid: the same size,
and no shift between the two pictures beyond a fraction of a pixel. Handing the detector
the raw reference instead — another size, or the same size but reframed — would make every
edge look like damage. The check: the same size, then phase correlation
(``cv2.phaseCorrelate``, Hanning window) of the two luminances blurred to the reference's
scale, which measures the shift and how strongly the pictures correlate at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from ..ycbcr import luminance

MAX_SHIFT_PX = 1.5
MIN_RESPONSE = 0.1  # phaseCorrelate's peak response for unrelated pictures is ~0.01–0.05


@dataclass(frozen=True)
class AlignmentCheck:
    """``shift_px``: the global shift found; ``response``: the phase-correlation peak (0–1);
    ``problem``: a sentence when the reference does not line up, else None."""

    shift_px: float
    response: float
    problem: Optional[str]


def check_aligned(scan: np.ndarray, reference: np.ndarray) -> AlignmentCheck:
    """Compare an (H, W, C) scan and reference (any encodings)."""
    if scan.shape[:2] != reference.shape[:2]:
        h, w = scan.shape[:2]
        rh, rw = reference.shape[:2]
        return AlignmentCheck(
            float("nan"),
            0.0,
            f"is {rw}×{rh} but the scan is {w}×{h}: not a reference aligned to the scan "
            "(give stage 02's aligned.####.exr; `rtk align` writes it)",
        )
    a = cv2.GaussianBlur(np.nan_to_num(luminance(scan[..., :3])), (0, 0), 2.0)
    b = cv2.GaussianBlur(np.nan_to_num(luminance(reference[..., :3])), (0, 0), 2.0)
    window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(a.astype(np.float32), b.astype(np.float32), window)
    shift = float(np.hypot(dx, dy))
    problem = None
    if response < MIN_RESPONSE:
        problem = (
            f"does not look like the scan's picture (phase correlation {response:.2f}): "
            "not the reference of this frame, or not aligned (run `rtk align`)"
        )
    elif shift > MAX_SHIFT_PX:
        problem = (
            f"is shifted {shift:.1f} px against the scan: not aligned "
            "(give stage 02's aligned.####.exr; `rtk align` writes it)"
        )
    return AlignmentCheck(shift, float(response), problem)
