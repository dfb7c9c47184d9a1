"""The alignment peers of ``benchmarks/alignment.py``: what a pipeline TD writes by hand with
OpenCV, each given the same reference mask and, where it needs one, the same start.

- ``SIFT + RANSAC affine`` / ``SIFT + RANSAC homography``: SIFT features (Lowe 2004) on the
  scan at the working resolution and on the reference inside the mask, Lowe's ratio test,
  then ``cv2.estimateAffine2D`` / ``cv2.findHomography`` with a robust estimator (RANSAC or
  MAGSAC++), refined on the inliers;
- ``ECC affine``: OpenCV's enhanced-correlation-coefficient maximisation (Evangelidis &
  Psarakis 2008) at the working resolution, started from the SIFT affine, with the
  reference mask as its ``inputMask``;
- ``ECC + DIS``: the ECC affine plus OpenCV's DIS optical flow (Kroeger et al. 2016) on the
  scan and the ECC-warped reference, the flow kept only inside the mask and smoothed, for the
  non-rigid residual.

Every map returned is (H, W, 2) float32: for each scan pixel centre, the reference pixel
centre it shows (the convention of ``restoration_toolkit.core.alignment``). The settings are
dataclasses so that the benchmark can pick each peer's best on a tuning seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np

from restoration_toolkit.core.alignment.geometry import affine_grid, change_grids
from restoration_toolkit.core.ycbcr import luminance

Scale = Tuple[float, float]


@dataclass(frozen=True)
class SiftSettings:
    """scan_zoom: working scan width as a multiple of the reference width; ratio: Lowe's
    ratio test; method: ``ransac`` or ``magsac``; threshold: inlier distance (reference px)."""

    scan_zoom: float = 1.0
    ratio: float = 0.75
    method: str = "magsac"
    threshold: float = 1.5
    features: int = 4000

    def label(self) -> str:
        return (
            f"scan at {self.scan_zoom:g}× the reference width, ratio {self.ratio:g}, "
            f"{self.method.upper()} {self.threshold:g} px"
        )


@dataclass(frozen=True)
class EccSettings:
    gauss_size: int = 5
    iterations: int = 200

    def label(self) -> str:
        return f"Gaussian {self.gauss_size} px, {self.iterations} iterations"


@dataclass(frozen=True)
class DisSettings:
    preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM
    smooth_px: float = 8.0  # Gaussian σ on the flow, working pixels (the residual is smooth)
    variational_alpha: float = 20.0

    def label(self) -> str:
        names = {0: "ULTRAFAST", 1: "FAST", 2: "MEDIUM"}
        preset = names.get(self.preset, str(self.preset))
        return (
            f"preset {preset}, variational α {self.variational_alpha:g}, "
            f"flow smoothed σ {self.smooth_px:g} px inside the mask"
        )


@dataclass
class Prepared:
    """The inputs every peer shares: luminance, working scan grid, reference mask."""

    scan: np.ndarray  # full-resolution scan luminance
    reference: np.ndarray  # reference luminance
    mask: np.ndarray  # uint8 (Hr, Wr): 255 where the reference shows picture
    scan_small: np.ndarray
    scale: Scale  # working grid / full scan grid, (x, y)


def prepare(scan: np.ndarray, reference: np.ndarray, mask: np.ndarray, zoom: float) -> Prepared:
    scan_l = luminance(scan).astype(np.float32)
    ref_l = luminance(reference).astype(np.float32)
    hs, ws = scan_l.shape
    f = zoom * ref_l.shape[1] / ws
    size = (int(round(ws * f)), int(round(hs * f)))
    small = cv2.resize(scan_l, size, interpolation=cv2.INTER_AREA)
    return Prepared(scan_l, ref_l, mask, small, (size[0] / ws, size[1] / hs))


def _to8(luma: np.ndarray, span: Optional[np.ndarray] = None) -> np.ndarray:
    """8-bit for OpenCV's detectors: ``span`` (low, high) of the luminance, default its own
    0.5 / 99.5 percentiles."""
    lo, hi = np.percentile(luma, (0.5, 99.5)) if span is None else span
    return np.clip((luma - lo) / max(float(hi - lo), 1e-6) * 255 + 0.5, 0, 255).astype(np.uint8)


@dataclass
class Candidates:
    """SIFT keypoints of scan (working px) and reference (px) with each scan descriptor's two
    nearest reference descriptors: (scan index, reference index, d1, d2) rows."""

    scan_pts: np.ndarray
    ref_pts: np.ndarray
    knn: np.ndarray


def sift_candidates(p: Prepared, features: int = 4000) -> Candidates:
    sift = cv2.SIFT_create(nfeatures=features)
    kp_a, des_a = sift.detectAndCompute(_to8(p.scan_small), None)
    kp_b, des_b = sift.detectAndCompute(_to8(p.reference), p.mask)
    pa = np.float32([k.pt for k in kp_a]).reshape(-1, 2)
    pb = np.float32([k.pt for k in kp_b]).reshape(-1, 2)
    if des_a is None or des_b is None or len(kp_a) < 4 or len(kp_b) < 4:
        return Candidates(pa, pb, np.zeros((0, 4)))
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(des_a, des_b, k=2)
    rows = [
        (m[0].queryIdx, m[0].trainIdx, m[0].distance, m[1].distance) for m in pairs if len(m) == 2
    ]
    return Candidates(pa, pb, np.asarray(rows, np.float64).reshape(-1, 4))


def sift_matches(c: Candidates, ratio: float) -> Tuple[np.ndarray, np.ndarray]:
    """Matched points (scan working px, reference px) passing Lowe's ratio test."""
    good = c.knn[c.knn[:, 2] < ratio * c.knn[:, 3]] if len(c.knn) else c.knn
    src = c.scan_pts[good[:, 0].astype(int)] if len(good) else np.zeros((0, 2), np.float32)
    dst = c.ref_pts[good[:, 1].astype(int)] if len(good) else np.zeros((0, 2), np.float32)
    return src, dst


def _robust(method: str) -> int:
    return cv2.USAC_MAGSAC if method == "magsac" else cv2.RANSAC


def sift_affine_working(c: Candidates, s: SiftSettings) -> Optional[np.ndarray]:
    """2×3 working-scan → reference affine, or None when too few matches agree."""
    src, dst = sift_matches(c, s.ratio)
    if len(src) < 6:
        return None
    m, inl = cv2.estimateAffine2D(
        src, dst, method=_robust(s.method), ransacReprojThreshold=s.threshold,
        maxIters=10000, confidence=0.9999, refineIters=20,
    )  # fmt: skip
    return None if m is None else m.astype(np.float64)


def full_map_from_affine(p: Prepared, m_w: np.ndarray) -> np.ndarray:
    """The full-resolution scan → reference map of a working-grid affine."""
    m = change_grids(m_w, (1 / p.scale[0], 1 / p.scale[1]), (1, 1))
    return affine_grid(m, p.scan.shape)


def sift_homography(p: Prepared, c: Candidates, s: SiftSettings) -> Optional[np.ndarray]:
    """The full-resolution map of a SIFT + robust homography, or None without a model."""
    src, dst = sift_matches(c, s.ratio)
    if len(src) < 8:
        return None
    h, _ = cv2.findHomography(
        src, dst, _robust(s.method), s.threshold, maxIters=10000, confidence=0.9999
    )
    if h is None:
        return None
    hs, ws = p.scan.shape
    xs = (np.arange(ws, dtype=np.float64) + 0.5) * p.scale[0] - 0.5
    ys = (np.arange(hs, dtype=np.float64) + 0.5) * p.scale[1] - 0.5
    gx, gy = np.meshgrid(xs, ys)
    den = h[2, 0] * gx + h[2, 1] * gy + h[2, 2]
    out = np.empty((hs, ws, 2), np.float32)
    out[..., 0] = (h[0, 0] * gx + h[0, 1] * gy + h[0, 2]) / den
    out[..., 1] = (h[1, 0] * gx + h[1, 1] * gy + h[1, 2]) / den
    return out


def ecc_working(p: Prepared, start: np.ndarray, s: EccSettings) -> np.ndarray:
    """ECC affine from ``start`` (working scan → reference), the mask on the reference."""
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, s.iterations, 1e-6)
    _, warp = cv2.findTransformECC(
        p.scan_small, p.reference, start.astype(np.float32), cv2.MOTION_AFFINE, criteria,
        p.mask, s.gauss_size,
    )  # fmt: skip
    return warp.astype(np.float64)


def ecc_dis(p: Prepared, m_w: np.ndarray, s: DisSettings) -> np.ndarray:
    """The ECC affine ``m_w`` plus DIS flow on the working grid, kept inside the mask,
    smoothed, and resampled to the full grid."""
    hw, ww = p.scan_small.shape
    grid = affine_grid(m_w, (hw, ww))
    warped = cv2.remap(p.reference, grid[..., 0], grid[..., 1], cv2.INTER_LINEAR)
    inside = cv2.remap(p.mask, grid[..., 0], grid[..., 1], cv2.INTER_NEAREST) > 0
    # outside the mask the flow is not wanted: show DIS the scan itself there (tone-matched
    # inside), so the bars' edges cannot drag the coarse levels of its pyramid
    a, b = p.scan_small[inside], warped[inside]
    if a.size > 16:
        warped = (warped - b.mean()) / max(float(b.std()), 1e-6) * a.std() + a.mean()
    warped = np.where(inside, warped, p.scan_small).astype(np.float32)
    span = np.percentile(p.scan_small, (0.5, 99.5))
    dis = cv2.DISOpticalFlow_create(s.preset)
    dis.setVariationalRefinementAlpha(s.variational_alpha)
    flow = dis.calc(_to8(p.scan_small, span), _to8(warped, span), None)
    weight = inside.astype(np.float32)
    if s.smooth_px > 0:  # normalised convolution: the flow outside the mask does not leak in
        num = cv2.GaussianBlur(flow * weight[..., None], (0, 0), s.smooth_px)
        den = cv2.GaussianBlur(weight, (0, 0), s.smooth_px)[..., None]
        flow = np.where(den > 1e-3, num / np.maximum(den, 1e-3), 0.0).astype(np.float32)
    else:
        flow = flow * weight[..., None]
    hs, ws = p.scan.shape
    flow_full = cv2.resize(flow, (ws, hs), interpolation=cv2.INTER_LINEAR)
    xs = (np.arange(ws, dtype=np.float32) + 0.5) * p.scale[0] - 0.5
    ys = (np.arange(hs, dtype=np.float32) + 0.5) * p.scale[1] - 0.5
    px = xs[None, :] + flow_full[..., 0]
    py = ys[:, None] + flow_full[..., 1]
    out = np.empty((hs, ws, 2), np.float32)
    out[..., 0] = m_w[0, 0] * px + m_w[0, 1] * py + m_w[0, 2]
    out[..., 1] = m_w[1, 0] * px + m_w[1, 1] * py + m_w[1, 2]
    return out
