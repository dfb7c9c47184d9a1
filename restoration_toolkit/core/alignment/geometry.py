"""Pixel-grid geometry shared by the alignment modules.

Coordinates are pixel centres, top-left origin: pixel (row y, column x) is the point (x, y),
as cv2.remap samples it. A 2×3 affine ``matrix`` maps a scan point to a reference point.
Resampling a grid by a factor f moves a point x to (x + 0.5)·f − 0.5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Tuple

import numpy as np


def to3(matrix: np.ndarray) -> np.ndarray:
    m = np.eye(3, dtype=np.float64)
    m[:2] = np.asarray(matrix, np.float64).reshape(2, 3)
    return m


def rescale_matrix(fx: float, fy: float) -> np.ndarray:
    """3×3 matrix moving a point of a grid into the same grid resampled by (fx, fy)."""
    return np.array([[fx, 0.0, 0.5 * fx - 0.5], [0.0, fy, 0.5 * fy - 0.5], [0.0, 0.0, 1.0]])


def change_grids(
    matrix: np.ndarray, src_scale: Tuple[float, float], dst_scale: Tuple[float, float]
) -> np.ndarray:
    """Express a scan→reference affine between resampled grids.

    ``src_scale`` is (fx, fy) from the original scan grid to the new scan grid; ``dst_scale``
    the same for the reference. Returns the 2×3 matrix on the new grids.
    """
    s = rescale_matrix(*src_scale)
    d = rescale_matrix(*dst_scale)
    return (d @ to3(matrix) @ np.linalg.inv(s))[:2]


def apply_affine(
    matrix: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> Tuple[np.ndarray, np.ndarray]:
    m = np.asarray(matrix, np.float64)
    return m[0, 0] * xs + m[0, 1] * ys + m[0, 2], m[1, 0] * xs + m[1, 1] * ys + m[1, 2]


def affine_grid(matrix: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """(H, W, 2) float32 reference coordinates of every pixel of a grid of ``shape``."""
    h, w = shape
    m = np.asarray(matrix, np.float64)
    xs = np.arange(w, dtype=np.float64)
    ys = np.arange(h, dtype=np.float64)
    out = np.empty((h, w, 2), np.float32)
    out[:, :, 0] = (m[0, 0] * xs[None, :] + (m[0, 1] * ys + m[0, 2])[:, None]).astype(np.float32)
    out[:, :, 1] = (m[1, 0] * xs[None, :] + (m[1, 1] * ys + m[1, 2])[:, None]).astype(np.float32)
    return out


@dataclass(frozen=True)
class TransformParameters:
    """The reference-to-scan transform in an artist's terms (what a Transform node on the
    reference would need): uniform scale, pixel-aspect ratio (x scale / y scale), rotation in
    degrees (counter-clockwise on screen), shear, and where the reference centre lands on the scan.
    """

    scale: float
    pixel_aspect: float
    rotation_deg: float
    shear: float
    center_x: float
    center_y: float

    def as_dict(self) -> dict:
        return {k: round(float(v), 6) for k, v in self.__dict__.items()}


def describe(matrix: np.ndarray, reference_shape: Tuple[int, int]) -> TransformParameters:
    """Decompose a scan→reference affine into reference→scan scale / PAR / rotation / shear."""
    inv = np.linalg.inv(to3(matrix))[:2]
    a = inv[:, :2]
    # a = R(θ) · [[sx, k], [0, sy]]  (QR with positive diagonal)
    sx = math.hypot(a[0, 0], a[1, 0])
    theta = math.atan2(a[1, 0], a[0, 0])
    c, s = math.cos(theta), math.sin(theta)
    upper = np.array([[c, s], [-s, c]]) @ a
    k, sy = upper[0, 1], upper[1, 1]
    h, w = reference_shape
    cx, cy = apply_affine(inv, np.array((w - 1) / 2.0), np.array((h - 1) / 2.0))
    return TransformParameters(
        scale=float(math.sqrt(abs(sx * sy))),
        pixel_aspect=float(sx / sy) if sy else float("nan"),
        rotation_deg=float(-math.degrees(theta)),  # image rows go down: flip to screen sense
        shear=float(k / sy) if sy else 0.0,
        center_x=float(cx),
        center_y=float(cy),
    )
