"""Luminance structure for alignment: what both elements share once color is ignored.

A faded scan and a graded reference differ in color, contrast, grain and sharpness, not in
where edges are. Alignment therefore works on *structure images*: Rec.709-weighted
luminance, lightly blurred (grain and compression blocking are above the frequencies we
use), then local-contrast normalised (zero local mean, unit local standard deviation), so a
local change of gain or offset — fading, a different grade, vignetting — does not bias the fit.
Polarity (a negative against a positive) is handled by the caller with the sign of the
correlation.

Also here: letterbox / pillarbox detection (black or flat bars at the edges of the
reference) and the small pixel-grid helpers (area downscale with pixel-centre coordinates).

All images are float32 (H, W, C) or (H, W) arrays in any RGB encoding (display-referred
0–1 or scene-linear); only relative luminance structure is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import cv2
import numpy as np

from ..ycbcr import luminance

_FLOOR = 1.0  # × median local std: weak texture stays weak (grain, blocking in flat areas)


def to_luma(image: np.ndarray) -> np.ndarray:
    """(H, W) float32 luminance of an (H, W, C) or (H, W) image; non-finite values become 0.

    Scene-linear input (values above ~2) is compressed with log2 so highlights do not dominate
    the structure; display-referred input (0–1) is used as is.
    """
    arr = np.asarray(image, dtype=np.float32)
    if arr.ndim == 3:
        y = luminance(arr) if arr.shape[2] >= 3 else arr[:, :, 0].astype(np.float32)
    elif arr.ndim == 2:
        y = arr.astype(np.float32, copy=True)
    else:
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {arr.shape}")
    y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    if float(np.percentile(y[::4, ::4], 99.5)) > 2.0:
        y = np.log2(np.maximum(y, 1e-4) + 1.0).astype(np.float32)
    return y


def downscale(image: np.ndarray, factor: float) -> np.ndarray:
    """Area-average an image by ``factor`` (≤ 1). Pixel centres map as x' = (x+0.5)·f − 0.5."""
    if factor >= 0.999:
        return np.ascontiguousarray(image, dtype=np.float32)
    h, w = image.shape[:2]
    size = (max(1, int(round(w * factor))), max(1, int(round(h * factor))))
    return cv2.resize(
        np.ascontiguousarray(image, dtype=np.float32), size, interpolation=cv2.INTER_AREA
    )


def local_mean(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-like local mean: a true Gaussian for small sigma, OpenCV's stack blur (same
    shape, constant cost per pixel) for large ones."""
    if sigma < 3.0:
        return cv2.GaussianBlur(image, (0, 0), sigma)
    k = 2 * int(round(1.7 * sigma)) + 1
    return cv2.stackBlur(image, (k, k))


def structure_image(luma: np.ndarray, *, blur: float = 1.0, window: float = 8.0) -> np.ndarray:
    """Local-contrast-normalised luminance: (Y − local mean) / (local std + floor).

    ``blur``: Gaussian sigma in pixels applied first (suppresses grain and blocking).
    ``window``: sigma of the local statistics. The floor (a fraction of the median local
    std) keeps flat, noisy areas from being amplified into false structure.
    Output: float32 (H, W), roughly zero-mean, unit variance where there is content.
    """
    y = cv2.GaussianBlur(luma, (0, 0), blur) if blur > 0 else luma
    mean = local_mean(y, window)
    d = y - mean
    var = local_mean(d * d, window)
    std = np.sqrt(np.maximum(var, 0.0))
    floor = _FLOOR * float(np.median(std[::3, ::3])) + 1e-4
    return (d / (std + floor)).astype(np.float32)


def gradient_energy(luma: np.ndarray, *, blur: float = 1.0, window: float = 4.0) -> np.ndarray:
    """Local gradient energy sqrt(G_window * |∇ G_blur * Y|²): how much texture a place has.

    Same units as the luminance per pixel; used for confidence (flat sky, bars → ~0).
    """
    y = cv2.GaussianBlur(luma, (0, 0), blur) if blur > 0 else luma
    gx = cv2.Sobel(y, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(y, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    return np.sqrt(np.maximum(local_mean(gx * gx + gy * gy, window), 0.0)).astype(np.float32)


@dataclass(frozen=True)
class ContentBox:
    """Picture area of an image once letterbox / pillarbox bars are removed.

    Pixels, top-left origin, x1 / y1 exclusive. ``bars`` names the sides that had bars.
    """

    x0: int
    y0: int
    x1: int
    y1: int
    bars: Tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def as_list(self) -> list:
        return [self.x0, self.y0, self.x1, self.y1]


def detect_bars(
    luma: np.ndarray, *, flat_std: float = 0.02, max_fraction: float = 0.35
) -> ContentBox:
    """Find letterbox (top/bottom) and pillarbox (left/right) bars.

    A bar is a run of rows (columns) from the edge whose luminance is flat (standard deviation
    along the row below ``flat_std``, in the image's 0–1 range, or relative to its spread for
    other ranges) and dark or uniform, and that ends at a clear step into picture. At most
    ``max_fraction`` of the height (width) per side is taken. Returns the content box.
    """
    y = np.asarray(luma, np.float32)
    h, w = y.shape
    lo, hi = np.percentile(y[::2, ::2], (1, 99))
    spread = float(hi - lo) or 1.0
    tol = flat_std * max(spread, 1e-3) if spread > 1.5 else flat_std
    row_std = y.std(axis=1)
    col_std = y.std(axis=0)
    row_mean = y.mean(axis=1)
    col_mean = y.mean(axis=0)
    dark = float(lo) + 0.15 * spread

    def run(std: np.ndarray, mean: np.ndarray, limit: int) -> int:
        n = 0
        ref_mean = mean[0]
        while n < limit and std[n] < tol and (mean[n] < dark or abs(mean[n] - ref_mean) < tol):
            n += 1
        # a 1–2 pixel flat edge is scanner/encoder edge junk, still excluded
        return n

    top = run(row_std, row_mean, int(h * max_fraction))
    bottom = run(row_std[::-1], row_mean[::-1], int(h * max_fraction))
    left = run(col_std, col_mean, int(w * max_fraction))
    right = run(col_std[::-1], col_mean[::-1], int(w * max_fraction))
    bars = tuple(
        name
        for name, n in (("top", top), ("bottom", bottom), ("left", left), ("right", right))
        if n >= 3
    )
    # step back one pixel into the picture: the transition row is usually a blend
    pad = lambda n: n + 1 if n >= 3 else n  # noqa: E731
    box = ContentBox(pad(left), pad(top), w - pad(right), h - pad(bottom), bars)
    if box.width < 8 or box.height < 8:
        return ContentBox(0, 0, w, h, ())
    return box


def fill_outside(luma: np.ndarray, box: ContentBox) -> np.ndarray:
    """Replace what lies outside ``box`` (the bars) by a mirror of the picture, so filters that
    look across the border (blur, local contrast) see no artificial black-to-picture edge."""
    h, w = luma.shape
    if (box.x0, box.y0, box.x1, box.y1) == (0, 0, w, h):
        return luma
    inner = np.ascontiguousarray(luma[box.y0 : box.y1, box.x0 : box.x1])
    return cv2.copyMakeBorder(inner, box.y0, h - box.y1, box.x0, w - box.x1, cv2.BORDER_REFLECT_101)
