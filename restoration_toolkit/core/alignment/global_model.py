"""Global model: the affine (scale, pixel aspect, crop / reframe, rotation, translation,
shear) that maps the scan onto the reference.

Two steps:

1. **Initialisation at unknown scale** — SIFT features (Lowe 2004, OpenCV) on
   contrast-equalised luminance, ratio-tested matches and a RANSAC affine
   (``cv2.estimateAffine2D``). SIFT is scale and rotation invariant, so a 720×576 DVD
   against a 4K scan needs no hint; a known reference pixel aspect is applied first. A
   negative against a positive is handled by also matching the inverted reference.
2. **Refinement** — robust Gauss–Newton (iteratively reweighted least squares with
   Geman–McClure weights) on local-contrast-normalised structure images over a Gaussian
   pyramid, forward-additive in the six affine parameters. Every valid pixel votes, so the
   result is sub-pixel even where features are few; one-sided content (subtitles, logos,
   sprocket holes, dirt) gets small weights instead of pulling the fit.

Inputs are float32 luminance / structure arrays (H, W); matrices are 2×3 float64, pixel
centres (see :mod:`.geometry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .geometry import change_grids, to3
from .preprocess import ContentBox, downscale


@dataclass(frozen=True)
class Initialisation:
    matrix: np.ndarray  # 2×3 scan → reference, full-resolution pixel centres
    polarity: float  # +1, or −1 when the reference is the negative of the scan
    inliers: int
    method: str  # "features", "features-inverted", "given", "fit-width"


def _to_uint8(luma: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(luma, (0.5, 99.5))
    scaled = (luma - lo) / max(float(hi - lo), 1e-6)
    img = np.clip(scaled * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(img)


def _features(img: np.ndarray, count: int):
    sift = cv2.SIFT_create(nfeatures=count)
    return sift.detectAndCompute(img, None)


def _match(kp_a, des_a, kp_b, des_b) -> Tuple[Optional[np.ndarray], int]:
    if des_a is None or des_b is None or len(kp_a) < 6 or len(kp_b) < 6:
        return None, 0
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    pairs = matcher.knnMatch(des_a, des_b, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < 6:
        return None, 0
    src = np.float32([kp_a[m.queryIdx].pt for m in good])
    dst = np.float32([kp_b[m.trainIdx].pt for m in good])
    matrix, inl = cv2.estimateAffine2D(
        src,
        dst,
        method=cv2.RANSAC,
        ransacReprojThreshold=2.5,
        maxIters=4000,
        confidence=0.999,
        refineIters=10,
    )
    if matrix is None:
        return None, 0
    return matrix.astype(np.float64), int(inl.sum())


def fit_width_matrix(scan_shape: Tuple[int, int], ref_box: ContentBox) -> np.ndarray:
    """The framing a Reformat 'fit width, centred' gives: the reference picture spans the
    scan's width and is centred vertically."""
    hs, ws = scan_shape
    s = ref_box.width / ws
    cx_s, cy_s = (ws - 1) / 2.0, (hs - 1) / 2.0
    cx_r = ref_box.x0 + (ref_box.width - 1) / 2.0
    cy_r = ref_box.y0 + (ref_box.height - 1) / 2.0
    return np.array([[s, 0.0, cx_r - s * cx_s], [0.0, s, cy_r - s * cy_s]])


def initialise(
    scan_luma: np.ndarray,
    ref_luma: np.ndarray,
    ref_box: ContentBox,
    *,
    reference_pixel_aspect: float = 1.0,
    max_size: int = 600,
    features: int = 2000,
) -> Initialisation:
    """Feature-based scan→reference affine at unknown scale (see module doc).

    ``reference_pixel_aspect``: PAR of the reference pixels (e.g. 1.1852 for 16:9 PAL DVD);
    the reference is stretched to square pixels for matching only. Falls back to the
    fit-width framing when features do not agree (``method == "fit-width"``).
    """
    hs, ws = scan_luma.shape
    hr, wr = ref_luma.shape
    fs = min(1.0, max_size / max(hs, ws))
    par = float(reference_pixel_aspect or 1.0)
    base = min(1.0, max_size / max(hr, wr * par))
    frx, fry = base * par, base
    scan_small = downscale(scan_luma, fs)
    ref_small = cv2.resize(
        ref_luma,
        (max(8, int(round(wr * frx))), max(8, int(round(hr * fry)))),
        interpolation=cv2.INTER_AREA if base * max(par, 1) <= 1 else cv2.INTER_LINEAR,
    )
    s_scale = (scan_small.shape[1] / ws, scan_small.shape[0] / hs)
    r_scale = (ref_small.shape[1] / wr, ref_small.shape[0] / hr)
    a8 = _to_uint8(scan_small)
    kp_a, des_a = _features(a8, features)
    best = (None, 0, 1.0)
    for polarity in (1.0, -1.0):
        b = ref_small if polarity > 0 else -ref_small
        kp_b, des_b = _features(_to_uint8(b), features)
        matrix, inliers = _match(kp_a, des_a, kp_b, des_b)
        if matrix is not None and inliers > best[1]:
            best = (matrix, inliers, polarity)
        if best[1] >= 40:
            break
    matrix, inliers, polarity = best
    if matrix is None or inliers < 10 or not _plausible(matrix):
        return Initialisation(fit_width_matrix((hs, ws), ref_box), 1.0, inliers, "fit-width")
    full = change_grids(matrix, (1 / s_scale[0], 1 / s_scale[1]), (1 / r_scale[0], 1 / r_scale[1]))
    return Initialisation(
        full, polarity, inliers, "features" if polarity > 0 else "features-inverted"
    )


def _plausible(matrix: np.ndarray) -> bool:
    a = matrix[:, :2]
    sv = np.linalg.svd(a, compute_uv=False)
    return bool(np.linalg.det(a) > 0 and sv[1] > 1e-3 and sv[0] / sv[1] < 3.0)


# -- robust Gauss–Newton refinement --------------------------------------------------------


def gradients(image: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Central-difference gradients (per pixel), float32."""
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    return gx, gy


def sample(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    return cv2.remap(
        image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0
    )


def robust_weights(residual: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray, float]:
    """Geman–McClure IRLS weights with a MAD scale; 0 outside ``valid``."""
    r = residual[valid]
    if r.size == 0:
        return np.zeros_like(residual), 1.0
    if r.size > 40000:  # the scale needs no more than a sample
        r = r[:: r.size // 20000]
    sigma = 1.4826 * float(np.median(np.abs(r - np.median(r)))) + 1e-6
    c = 2.0 * sigma
    w = 1.0 / (1.0 + (residual / c) ** 2) ** 2
    w[~valid] = 0.0
    return w.astype(np.float32), sigma


def inside_box(
    map_x: np.ndarray, map_y: np.ndarray, box: Tuple[float, float, float, float]
) -> np.ndarray:
    x0, y0, x1, y1 = box
    return (map_x >= x0) & (map_x <= x1) & (map_y >= y0) & (map_y <= y1)


def box_for(
    ref_box: ContentBox, scale: Tuple[float, float], margin: float = 1.5
) -> Tuple[float, float, float, float]:
    """Content box (in a grid resampled by ``scale``) as pixel-centre limits, shrunk by ``margin``."""
    fx, fy = scale
    return (
        (ref_box.x0) * fx + margin - 0.5,
        (ref_box.y0) * fy + margin - 0.5,
        ref_box.x1 * fx - margin - 0.5,
        ref_box.y1 * fy - margin - 0.5,
    )


@dataclass
class Refinement:
    matrix: np.ndarray  # 2×3 on the working grids
    polarity: float
    sigma: float  # robust residual scale (structure units)
    iterations: int
    valid_fraction: float


def refine_affine(
    scan_s: np.ndarray,
    ref_s: np.ndarray,
    matrix: np.ndarray,
    polarity: float,
    box: Tuple[float, float, float, float],
    *,
    levels: int = 4,
    scan_weight: Optional[np.ndarray] = None,
    max_iterations: int = 40,
    tolerance: float = 2e-3,
) -> Refinement:
    """Robust Gauss–Newton affine refinement over a pyramid.

    ``scan_s`` / ``ref_s``: structure images on the working grids; ``matrix`` 2×3 maps
    working-scan points to working-reference points; ``box`` the reference content limits on
    the working grid. ``tolerance``: stop when the update moves no corner by more than this
    many working pixels.
    """
    pyr_s, pyr_r, pyr_w = _pyramids(scan_s, ref_s, scan_weight, levels)
    m = np.asarray(matrix, np.float64)
    total = 0
    sigma = 1.0
    valid_fraction = 0.0
    for level in range(len(pyr_s) - 1, -1, -1):
        s_img, r_img, s_w = pyr_s[level], pyr_r[level], pyr_w[level]
        fsx = fsy = frx = fry = 0.5**level
        # cv2.pyrDown keeps every other pixel: level point = point · f (no half-pixel shift)
        ml = _pyramid_matrix(m, (fsx, fsy), (frx, fry))
        x0, y0, x1, y1 = box
        lbox = (x0 * frx, y0 * fry, x1 * frx, y1 * fry)
        gx, gy = gradients(r_img)
        h, w = s_img.shape
        xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        corners = np.array(
            [[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], np.float64
        ).T
        iters = max_iterations if level > 0 else max(8, max_iterations // 3)
        stride = 2 if level == 0 and h * w > 250_000 else 1
        thin = ((np.arange(h)[:, None] + np.arange(w)[None, :]) % 2 == 0) if stride > 1 else None
        for _ in range(iters):
            map_x = (ml[0, 0] * xs + ml[0, 1] * ys + ml[0, 2]).astype(np.float32)
            map_y = (ml[1, 0] * xs + ml[1, 1] * ys + ml[1, 2]).astype(np.float32)
            valid = inside_box(map_x, map_y, lbox)
            count = int(valid.sum())
            if count < 64:
                break
            warped = sample(r_img, map_x, map_y) * polarity
            residual = warped - s_img
            wts, sigma = robust_weights(residual, valid)
            if s_w is not None:
                wts *= s_w
            sel = wts > 1e-4
            if stride > 1:  # the finest level has pixels to spare: every other one is plenty
                sel &= thin
            wv = wts[sel]
            gxs = sample(gx, map_x, map_y)[sel] * polarity
            gys = sample(gy, map_x, map_y)[sel] * polarity
            xv, yv = xs[sel], ys[sel]
            jac = np.stack([gxs * xv, gxs * yv, gxs, gys * xv, gys * yv, gys], axis=1)
            hess = (jac.T @ (jac * wv[:, None])).astype(np.float64)
            grad = (jac.T @ (wv * residual[sel])).astype(np.float64)
            hess += np.eye(6) * 1e-9 * np.trace(hess)
            try:
                delta = -np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError:
                break
            ml = ml + delta.reshape(2, 3)
            total += 1
            valid_fraction = count / valid.size
            moved = np.abs(delta.reshape(2, 3) @ corners).max()
            if moved < tolerance * 3.0**level:  # coarse levels only need to hand over
                break
        m = _pyramid_matrix(ml, (1 / fsx, 1 / fsy), (1 / frx, 1 / fry))
    return Refinement(m, polarity, sigma, total, valid_fraction)


def _pyramids(
    scan_s: np.ndarray, ref_s: np.ndarray, scan_weight: Optional[np.ndarray], levels: int
) -> Tuple[List[np.ndarray], List[np.ndarray], List[Optional[np.ndarray]]]:
    """Scan, reference and weight pyramids, finest first, stopping before 192 px."""
    pyr_s = [scan_s]
    pyr_r = [ref_s]
    pyr_w = [scan_weight]
    for _ in range(levels - 1):
        if min(pyr_s[-1].shape) < 192 or min(pyr_r[-1].shape) < 192:
            break
        pyr_s.append(cv2.pyrDown(pyr_s[-1]))
        pyr_r.append(cv2.pyrDown(pyr_r[-1]))
        pyr_w.append(
            None
            if scan_weight is None
            else cv2.resize(pyr_w[-1], pyr_s[-1].shape[::-1], interpolation=cv2.INTER_AREA)
        )
    return pyr_s, pyr_r, pyr_w


def _pyramid_matrix(
    matrix: np.ndarray, src: Tuple[float, float], dst: Tuple[float, float]
) -> np.ndarray:
    d = np.diag([dst[0], dst[1], 1.0])
    s = np.diag([1.0 / src[0], 1.0 / src[1], 1.0])
    return (d @ to3(matrix) @ s)[:2]


def correlation(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """Pearson correlation of two arrays over ``mask`` (0 when undefined)."""
    x = a[mask].astype(np.float64)
    y = b[mask].astype(np.float64)
    if x.size < 16:
        return 0.0
    x -= x.mean()
    y -= y.mean()
    d = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / d) if d > 0 else 0.0


def compose_scale(matrix: np.ndarray, scan_factor: float, ref_factor: float) -> np.ndarray:
    """Full-resolution matrix → working grids (scan downscaled by ``scan_factor``, reference
    by ``ref_factor``)."""
    return change_grids(matrix, (scan_factor, scan_factor), (ref_factor, ref_factor))


__all__ = [
    "Initialisation",
    "initialise",
    "refine_affine",
    "fit_width_matrix",
    "Refinement",
    "correlation",
    "compose_scale",
    "to3",
]
