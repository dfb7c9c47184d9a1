"""Chroma-only grading: the scan keeps its own luminance and takes the graded image's chroma.

The same Y'CbCr composition (:func:`restoration_toolkit.core.ycbcr.chroma_ground_truth`) that
makes the color-recovery ground truth, so a chroma-only MatchGrade has the model's own target.
"""

from __future__ import annotations

import numpy as np

from ..ycbcr import chroma_ground_truth


def chroma_only(scan: np.ndarray, graded: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32: the luminance of ``scan`` with the chroma of ``graded`` (both in the
    same RGB encoding, same shape). Neither input is modified."""
    return chroma_ground_truth(scan, graded)
