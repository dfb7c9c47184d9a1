"""Does a candidate pair show the same image? A quick alignment, then a difference.

Color is ignored on purpose (the reference is there to teach color): both images become
rank-normalised luminance (every tone curve maps to the same picture), the reference is
aligned to the scan with OpenCV's ECC (affine: the two transfers are rarely framed alike),
and the normalised cross-correlation of the aligned pictures decides. A wrong frame, a
different shot, a frame of a dissolve or one smeared by fast motion scores low.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import cv2
import numpy as np

CHECK_W, CHECK_H = 192, 144


@dataclass(frozen=True)
class ContentCheck:
    """correlation: NCC of the aligned, rank-normalised luminance (−1…1); shift: (dx, dy) of
    the reference in check pixels (192×144); scale: mean scale of the affine fit."""

    ok: bool
    correlation: float
    shift: Tuple[float, float]
    scale: float
    reason: str


def _prepare(pixels: np.ndarray) -> np.ndarray:
    arr = np.asarray(pixels, np.float32)
    if arr.ndim == 3:
        arr = (
            arr[:, :, :3] @ np.array([0.2126, 0.7152, 0.0722], np.float32)
            if arr.shape[2] >= 3
            else arr[:, :, 0]
        )
    arr = np.nan_to_num(arr)
    small = cv2.resize(arr, (CHECK_W, CHECK_H), interpolation=cv2.INTER_AREA)
    flat = small.ravel()
    ranks = np.empty(flat.size, np.float32)
    ranks[np.argsort(flat)] = np.arange(flat.size, dtype=np.float32) / flat.size
    return cv2.GaussianBlur(ranks.reshape(small.shape), (0, 0), 1.0)


def _ncc(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    x, y = a[mask], b[mask]
    x = x - x.mean()
    y = y - y.mean()
    den = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / den) if den > 1e-12 else 0.0


def check_content(
    scan: np.ndarray, reference: np.ndarray, *, threshold: float = 0.8
) -> ContentCheck:
    """Compare a scan frame and a reference frame (float32 (H, W, C), any encoding, any
    sizes) after a quick affine alignment; ``ok`` when the correlation reaches ``threshold``.
    The inputs are not modified."""
    a = _prepare(scan)
    b = _prepare(reference)
    warp = np.eye(2, 3, dtype=np.float32)
    try:
        _, warp = cv2.findTransformECC(
            a,
            b,
            warp,
            cv2.MOTION_AFFINE,
            (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-4),
            None,
            1,
        )
    except cv2.error:
        (dx, dy), _ = cv2.phaseCorrelate(a.astype(np.float64), b.astype(np.float64))
        warp = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    aligned = cv2.warpAffine(
        b,
        warp,
        (CHECK_W, CHECK_H),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=-1,
    )
    mask = aligned >= 0
    mx, my = int(0.05 * CHECK_W), int(0.05 * CHECK_H)
    mask[:my], mask[-my:], mask[:, :mx], mask[:, -mx:] = False, False, False, False
    corr = _ncc(a, aligned, mask) if mask.sum() > 100 else 0.0
    scale = float(np.sqrt(abs(np.linalg.det(warp[:, :2]))))
    ok = corr >= threshold
    reason = (
        "" if ok else f"content differs after alignment (correlation {corr:.2f} < {threshold:.2f})"
    )
    return ContentCheck(ok, corr, (float(warp[0, 2]), float(warp[1, 2])), scale, reason)
