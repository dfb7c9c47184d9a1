"""Dense residual field: a smooth, regularised cubic B-spline displacement on top of the
global affine (free-form deformation, Rueckert et al. 1999), fitted by robust Gauss–Newton
on the structure images.

It absorbs what an affine cannot: film weave within the frame, gate breathing, telecine lens
distortion, shrinkage of the element. The field is a tensor-product cubic B-spline on a
coarse knot grid (default every 48 working pixels), so it is smooth by construction; a
bending-energy penalty plus a small pull towards zero keep it flat where the content does not
support it (flat sky, bars, areas the robust weights reject). The normal equations are built
with separable products, so a 1 MP working image costs a few matrix products per iteration.

Displacements are in working-reference pixels, defined on the working-scan grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Tuple

import cv2
import numpy as np
import scipy.linalg

from .global_model import gradients, inside_box, robust_weights, sample

RIDGE = 1e-3  # pull towards the affine, relative to the mean data curvature
SUPPORT = 0.25  # data curvature (× mean) from which a knot counts as supported
UNSUPPORTED = 0.0  # extra ridge (× mean curvature) on knots without support


def cubic_bspline(t: np.ndarray) -> np.ndarray:
    a = np.abs(t)
    out = np.zeros_like(a)
    inner = a < 1
    outer = (a >= 1) & (a < 2)
    out[inner] = 2.0 / 3.0 - a[inner] ** 2 + 0.5 * a[inner] ** 3
    out[outer] = (2.0 - a[outer]) ** 3 / 6.0
    return out


def knot_count(length: int, spacing: float) -> int:
    return int(np.ceil(max(length - 1, 1) / spacing)) + 3


def basis(coords: np.ndarray, spacing: float, count: int) -> np.ndarray:
    """(n, count) cubic B-spline basis; knot i sits at (i − 1)·spacing."""
    u = np.asarray(coords, np.float64)[:, None] / spacing + 1.0
    return cubic_bspline(u - np.arange(count)[None, :]).astype(np.float64)


@dataclass
class ResidualField:
    """Cubic B-spline displacement field.

    ``coefficients``: (Ky, Kx, 2) displacements (x, y) in working-reference pixels;
    ``spacing``: knot spacing in working-scan pixels; ``shape``: working-scan (H, W).
    """

    coefficients: np.ndarray
    spacing: float
    shape: Tuple[int, int]

    def evaluate(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Field on the grid of working-scan coordinates ``xs`` (W',) × ``ys`` (H',) → (H', W', 2)."""
        ky, kx, _ = self.coefficients.shape
        bx = basis(xs, self.spacing, kx)
        by = basis(ys, self.spacing, ky)
        out = np.empty((len(ys), len(xs), 2), np.float32)
        for c in range(2):
            out[:, :, c] = (by @ self.coefficients[:, :, c] @ bx.T).astype(np.float32)
        return out

    def magnitude(self) -> Tuple[float, float]:
        """(RMS, max) displacement over the working grid, working-reference pixels."""
        h, w = self.shape
        f = self.evaluate(np.linspace(0, w - 1, 64), np.linspace(0, h - 1, 48))
        mag = np.hypot(f[..., 0], f[..., 1])
        return float(np.sqrt((mag**2).mean())), float(mag.max())


def _band_pairs(k: int) -> Tuple[np.ndarray, np.ndarray]:
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    keep = np.abs(i - j) <= 3
    return i[keep], j[keep]


def _second_difference(n: int) -> np.ndarray:
    if n < 3:
        return np.zeros((0, n))
    d = np.zeros((n - 2, n))
    for i in range(n - 2):
        d[i, i : i + 3] = (1.0, -2.0, 1.0)
    return d


@lru_cache(maxsize=8)
def _bending(ky: int, kx: int) -> np.ndarray:
    """Discrete bending energy (∂xx² + 2∂xy² + ∂yy²) on the (Ky, Kx) coefficient grid."""
    dxx = np.kron(np.eye(ky), _second_difference(kx))
    dyy = np.kron(_second_difference(ky), np.eye(kx))
    d1x = np.kron(np.eye(ky), np.diff(np.eye(kx), axis=0))
    dxy = np.kron(np.diff(np.eye(ky), axis=0), np.eye(kx - 1)) @ d1x
    return dxx.T @ dxx + dyy.T @ dyy + 2.0 * dxy.T @ dxy


def fit_residual_field(
    scan_s: np.ndarray,
    ref_s: np.ndarray,
    matrix: np.ndarray,
    polarity: float,
    box: Tuple[float, float, float, float],
    *,
    spacing: float = 48.0,
    smoothness: float = 0.3,
    iterations: int = 4,
    levels: int = 2,
    scan_weight: Optional[np.ndarray] = None,
    initial: Optional[ResidualField] = None,
) -> ResidualField:
    """Fit the B-spline residual field on top of ``matrix`` (working grids, see module doc).

    ``initial``: continue from this field (full resolution only).
    Coarse to fine over ``levels`` pyramid levels (cv2.pyrDown), ``iterations`` Gauss–Newton
    steps per level at most. ``smoothness``: weight of the bending penalty relative to the mean
    data curvature; larger is stiffer. Returns a zero field when too few pixels support a fit.
    """
    h, w = scan_s.shape
    kx, ky = knot_count(w, spacing), knot_count(h, spacing)
    coef = np.zeros((ky, kx, 2))
    if initial is not None and initial.coefficients.shape == coef.shape:
        coef = initial.coefficients.copy()
        levels = 1  # continue at full resolution only
    pyr = [(scan_s, ref_s, scan_weight)]
    for _ in range(levels - 1):
        s_, r_, w_ = pyr[-1]
        if min(s_.shape) < 128 or min(r_.shape) < 128:
            break
        small = cv2.pyrDown(s_)
        pyr.append((small, cv2.pyrDown(r_), None if w_ is None else cv2.pyrDown(w_)))
    for level in range(len(pyr) - 1, -1, -1):
        f = 0.5**level
        s_img, r_img, w_img = pyr[level]
        m_l = matrix.copy()
        m_l[:, 2] *= f  # pyrDown: level point = point · f
        lbox = tuple(v * f for v in box)
        coef_l, ok = _fit_level(
            s_img,
            r_img,
            m_l,
            polarity,
            lbox,
            spacing * f,
            (ky, kx),
            coef * f,
            smoothness,
            iterations + (2 if level else 0),
            w_img,
        )
        if not ok:
            return ResidualField(np.zeros((ky, kx, 2)), spacing, (h, w))
        coef = coef_l / f
    return ResidualField(coef, spacing, (h, w))


def _fit_level(
    scan_s, ref_s, matrix, polarity, box, spacing, knots, coef0, smoothness, iterations, scan_weight
):
    h, w = scan_s.shape
    ky, kx = knots
    n = kx * ky
    bx = basis(np.arange(w), spacing, kx)  # (W, Kx)
    by = basis(np.arange(h), spacing, ky)  # (H, Ky)
    # B-spline supports overlap only for knots less than 4 apart: keep those pairs (banded)
    px_i, px_k = _band_pairs(kx)
    py_j, py_l = _band_pairs(ky)
    bxx = (bx[:, px_i] * bx[:, px_k]).astype(np.float32)  # (W, Px)
    byy = (by[:, py_j] * by[:, py_l]).astype(np.float32)  # (H, Py)
    rows = (py_j[:, None] * kx + px_i[None, :]).ravel()
    cols = (py_l[:, None] * kx + px_k[None, :]).ravel()
    bend = _bending(ky, kx)
    coef = np.stack([coef0[:, :, 0].ravel(), coef0[:, :, 1].ravel()])
    gx, gy = gradients(ref_s)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    base_x = (matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2]).astype(np.float32)
    base_y = (matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2]).astype(np.float32)
    bxf = bx.astype(np.float32)
    byf = by.astype(np.float32)

    def block(a: np.ndarray) -> np.ndarray:
        banded = (byy.T @ (a.astype(np.float32) @ bxx)).astype(np.float64)  # (Py, Px)
        full = np.zeros((n, n))
        full[rows, cols] = banded.ravel()
        return full

    for _ in range(iterations):
        map_x = base_x + byf @ coef[0].reshape(ky, kx).astype(np.float32) @ bxf.T
        map_y = base_y + byf @ coef[1].reshape(ky, kx).astype(np.float32) @ bxf.T
        valid = inside_box(map_x, map_y, box)
        if valid.mean() < 0.02:
            return coef0, False
        residual = sample(ref_s, map_x, map_y) * polarity - scan_s
        wts, _ = robust_weights(residual, valid)
        if scan_weight is not None:
            wts = wts * scan_weight
        sx = sample(gx, map_x, map_y) * polarity
        sy = sample(gy, map_x, map_y) * polarity
        wr = wts * residual
        hxx = block(wts * sx * sx)
        hxy = block(wts * sx * sy)
        hyy = block(wts * sy * sy)
        gvec = np.concatenate(
            [(byf.T @ (wr * sx) @ bxf).ravel(), (byf.T @ (wr * sy) @ bxf).ravel()]
        ).astype(np.float64)
        hess = np.block([[hxx, hxy], [hxy, hyy]])
        scale = float(np.mean(np.diag(hess))) + 1e-12
        # knots the content does not support are pulled back to the affine (local ridge)
        support = np.clip(np.diag(hess) / (SUPPORT * scale), 0.0, 1.0)
        ridge = RIDGE + UNSUPPORTED * (1.0 - support)
        reg = smoothness * scale * np.kron(np.eye(2), bend) + scale * np.diag(ridge)
        c = coef.ravel()
        try:
            delta = -scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess + reg), gvec + reg @ c)
        except (np.linalg.LinAlgError, ValueError):
            break
        coef = (c + delta).reshape(2, n)
        if np.abs(delta).max() < 5e-3:
            break
    return np.stack([coef[0].reshape(ky, kx), coef[1].reshape(ky, kx)], axis=2), True


def holdout_gain(
    scan_s: np.ndarray,
    ref_s: np.ndarray,
    matrix: np.ndarray,
    polarity: float,
    field: ResidualField,
    weight: np.ndarray,
) -> float:
    """Relative drop of the robust (Geman–McClure) cost on held-out pixels (``weight``) when
    the field is added to the affine: > 0 means the field predicts pixels it was not fitted
    to, i.e. the content supports it; ≤ 0 means it fitted noise."""
    h, w = scan_s.shape
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    base_x = (matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2]).astype(np.float32)
    base_y = (matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2]).astype(np.float32)
    r0 = sample(ref_s, base_x, base_y) * polarity - scan_s
    disp = field.evaluate(np.arange(w), np.arange(h))
    r1 = sample(ref_s, base_x + disp[..., 0], base_y + disp[..., 1]) * polarity - scan_s
    sel = weight > 1e-3
    if sel.sum() < 100:
        return 0.0
    _, sigma = robust_weights(r0, sel)
    c2 = (2.0 * sigma) ** 2

    def cost(r: np.ndarray) -> float:
        rr = r[sel] ** 2
        return float(np.sum(weight[sel] * rr / (rr + c2)))

    before = cost(r0)
    return (before - cost(r1)) / max(before, 1e-12)
