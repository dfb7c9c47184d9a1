"""How much content a test frame shares with training frames: the check that a held-out set
is really unseen (used by ``benchmarks/trainer.py``, checked by the tests).

The measure: the share of the test frame's SIFT keypoints (Lowe 2004) that are found again,
geometrically consistent, in one training frame — keypoints whose best match passes Lowe's
ratio test and is an inlier of a RANSAC homography — the largest over the training frames.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import cv2
import numpy as np

from ..core.ycbcr import luminance

#: Lowe's ratio test and the RANSAC homography's inlier distance (px)
OVERLAP_RATIO, OVERLAP_RANSAC_PX = 0.75, 3.0


def features(img: np.ndarray):
    """SIFT keypoints and descriptors of a frame's luminance (8-bit, 0.5–99.5 % stretch)."""
    luma = luminance(img)
    lo, hi = np.percentile(luma, (0.5, 99.5))
    img8 = np.clip((luma - lo) / max(float(hi - lo), 1e-6) * 255 + 0.5, 0, 255).astype(np.uint8)
    return cv2.SIFT_create().detectAndCompute(img8, None)


def content_overlap(test: np.ndarray, train: Sequence[Tuple]) -> float:
    """The share of the test frame's SIFT keypoints that are found again, geometrically
    consistent, in one training frame: for each training frame (its :func:`features`), the
    keypoints whose best match passes Lowe's ratio test (:data:`OVERLAP_RATIO`) and is an
    inlier of a RANSAC homography (:data:`OVERLAP_RANSAC_PX`); the largest count over the
    training frames, divided by the test frame's keypoints. 1 = the test frame is (a view
    of) a training frame; a few hundredths = chance matches."""
    kp_t, des_t = features(test)
    if des_t is None or len(kp_t) == 0:
        return 0.0
    best = 0
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    for kp_o, des_o in train:
        if des_o is None or len(kp_o) < 2:
            continue
        pairs = matcher.knnMatch(des_t, des_o, k=2)
        good = [
            m[0] for m in pairs if len(m) == 2 and m[0].distance < OVERLAP_RATIO * m[1].distance
        ]
        if len(good) < 4:
            continue
        src = np.float32([kp_t[m.queryIdx].pt for m in good])
        dst = np.float32([kp_o[m.trainIdx].pt for m in good])
        _, inliers = cv2.findHomography(src, dst, cv2.RANSAC, OVERLAP_RANSAC_PX)
        best = max(best, int(inliers.sum()) if inliers is not None else 0)
    return best / len(kp_t)
