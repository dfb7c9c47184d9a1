"""The evidence a restorer uses to call a pixel damaged, as maps in units of σ.

Each function answers one question about the current frame and returns (H, W) float32
maps (NaN where the question has no answer, e.g. no valid neighbour):

- :func:`reference_evidence` — does the scan disagree with the aligned reference by more
  than grain and the reference's softness explain? The reference is first mapped to the
  scan's tones by a local linear fit (a guided filter, He et al. 2013, weighted so that
  suspect pixels do not steer it); the residual is judged against its own local robust σ,
  widened at edges by the spread that the residual shows at that edge strength over the
  frame (the reference's softness and sub-pixel misalignment live at edges).
- :func:`temporal_evidence` — is the pixel darker (brighter) than *every* valid
  motion-compensated neighbour? Dust and dirt sit on one frame only; a moving object or an
  occlusion disagrees with one neighbour at most. The spike index is the smallest
  difference, over the robust σ of frame differences.
- :func:`local_spike` — is the pixel a local dark (bright) spike against its own
  surroundings (morphological black / white top-hat)? Tells a scan defect from a
  reference defect (a subtitle is a spike in the reference, not in the scan).
- :func:`line_evidence` — a thin vertical line that persists down the frame: a scratch.
- :func:`stain_evidence` — a broad, soft departure of color from the reference (global
  color model) and/or the neighbours.

Inputs are float32 (H, W) luminance or (H, W, 3) RGB in any one encoding per call.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import cv2
import numpy as np

from .motion import Warped
from .noise import local_sigma, robust_sigma, smooth


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    return cv2.boxFilter(
        x, -1, (2 * radius + 1, 2 * radius + 1), normalize=True, borderType=cv2.BORDER_REFLECT
    )


def local_fit(
    guide: np.ndarray,
    target: np.ndarray,
    radius: int,
    weight: Optional[np.ndarray] = None,
    eps: float = 1e-4,
) -> np.ndarray:
    """``target`` ≈ a(x)·``guide`` + b(x), fitted over (2r+1)² windows, weighted (guided filter
    with per-pixel weights; He, Sun & Tang 2013). Returns the fitted target (H, W)."""
    g = guide.astype(np.float32)
    t = target.astype(np.float32)
    w = np.ones_like(g) if weight is None else weight.astype(np.float32)
    sw = _box(w, radius) + 1e-6
    mg, mt = _box(w * g, radius) / sw, _box(w * t, radius) / sw
    cov = _box(w * g * t, radius) / sw - mg * mt
    var = _box(w * g * g, radius) / sw - mg * mg
    a = cov / (np.maximum(var, 0) + eps)
    b = mt - a * mg
    if weight is None:
        return (_box(a, radius) * g + _box(b, radius)).astype(np.float32)
    # windows that saw few weighted pixels say little: average a, b by their support
    support = _box(sw, radius) + 1e-6
    return (_box(a * sw, radius) / support * g + _box(b * sw, radius) / support).astype(np.float32)


def _gradient(y: np.ndarray) -> np.ndarray:
    s = cv2.GaussianBlur(y, (0, 0), 1.0)
    gx = cv2.Sobel(s, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(s, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.hypot(gx, gy)


def _edge_spread(residual: np.ndarray, gradient: np.ndarray, keep: np.ndarray) -> float:
    """β in σ² = σ₀² + β·g²: how the residual's spread grows with edge strength, from the
    robust σ of the residual in ten gradient bins (least squares, β ≥ 0)."""
    g, r = gradient[keep], residual[keep]
    if g.size < 1000:
        return 0.0
    step = max(1, g.size // 30000)  # a sample is plenty for ten bins
    g, r = g[::step], r[::step]
    edges = np.quantile(g, np.linspace(0.5, 1.0, 11))
    xs, ys = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (g >= lo) & (g <= hi)
        if sel.sum() >= 50:
            xs.append(float(np.median(g[sel])) ** 2)
            ys.append(robust_sigma(r[sel]) ** 2)
    if len(xs) < 3:
        return 0.0
    A = np.stack([np.ones(len(xs)), xs], 1)
    coef, *_ = np.linalg.lstsq(A, np.array(ys), rcond=None)
    return float(max(coef[1], 0.0))


SOFTNESS_SIGMAS = (0.0, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0)


def reference_softness(scan_y: np.ndarray, ref_y: np.ndarray, *, radius: int = 8) -> float:
    """The Gaussian σ (px) that blurs the scan to the reference's sharpness: the σ whose
    blurred scan, tone-matched to the reference, predicts it best at its edges (the 20 %
    strongest gradients of the reference; a central crop of at most 512 px). Too little blur
    leaves grain and detail the reference lacks, too much loses edges the reference has."""
    h, w = scan_y.shape
    cy, cx, half = h // 2, w // 2, 256
    ys, xs = slice(max(0, cy - half), cy + half), slice(max(0, cx - half), cx + half)
    s, r = scan_y[ys, xs], ref_y[ys, xs]
    edges = _gradient(r)
    strong = edges >= np.quantile(edges, 0.8)
    errors = []
    for sigma in SOFTNESS_SIGMAS:
        blurred = cv2.GaussianBlur(s, (0, 0), sigma) if sigma > 0 else s
        errors.append(float(np.mean(np.abs(r - local_fit(blurred, r, radius))[strong])))
    return float(SOFTNESS_SIGMAS[int(np.argmin(errors))])


def reference_evidence(
    scan_y: np.ndarray,
    ref_y: np.ndarray,
    *,
    radius: int = 16,
    softness: Optional[float] = None,
    exclude: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Signed residual of the scan, blurred to the reference's sharpness (``softness``,
    measured when None), against the tone-matched reference, in σ (negative: the scan is
    darker). Detail finer than the reference resolves is not a disagreement. ``exclude``:
    pixels already known damaged (never steer the fit)."""
    sigma = reference_softness(scan_y, ref_y) if softness is None else softness
    soft = cv2.GaussianBlur(scan_y, (0, 0), sigma) if sigma > 0 else scan_y
    suspect = np.zeros(scan_y.shape, bool) if exclude is None else exclude.copy()
    z = np.zeros_like(scan_y)
    for _ in range(2):  # second pass: the fit without the first pass's outliers
        keep = ~cv2.dilate(suspect.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        fitted = local_fit(ref_y, soft, radius, keep.astype(np.float32))
        residual = soft - fitted
        grad = _gradient(fitted)
        sigma0 = local_sigma(residual, exclude=~keep)
        beta = _edge_spread(residual, grad, keep)
        z = residual / np.sqrt(sigma0**2 + beta * grad**2)
        suspect = suspect | (np.abs(z) > 3.5)
    return z.astype(np.float32)


TEMPORAL_SCALES = (0.0, 1.5)
MIN_VALID = 2  # neighbours that must agree (fewer when fewer are given)


def temporal_evidence(frame_y: np.ndarray, warped: List[Warped]) -> Tuple[np.ndarray, np.ndarray]:
    """(dark, bright) spike index in σ: how much darker (brighter) the pixel is than the
    closest of its valid warped neighbours (``Warped.image`` holds luminance (H, W, 1)),
    σ widened at edges by what the frame's own misregistration shows (as for the reference),
    at full resolution and after a Gaussian of σ 1.5 px (a large faint speck stands out of
    the grain only when the grain is averaged down) — the larger of the two. NaN where fewer
    than two neighbours are valid (one, when only one is given): occluded, or the flow
    failed there."""
    if not warped:
        nan = np.full(frame_y.shape, np.nan, np.float32)
        return nan, nan.copy()
    v = np.stack([w.valid for w in warped])
    enough = v.sum(0) >= min(MIN_VALID, len(warped))
    dark = np.full(frame_y.shape, -np.inf, np.float32)
    bright = dark.copy()
    for scale in TEMPORAL_SCALES:
        here = cv2.GaussianBlur(frame_y, (0, 0), scale) if scale else frame_y
        diffs = []
        for w in warped:
            there = w.image[..., 0]
            there = cv2.GaussianBlur(there, (0, 0), scale) if scale else there
            d = there - here  # > 0: the frame is darker
            grad = _gradient(there)  # misregistration shows at edges: widen σ there
            beta = _edge_spread(d, grad, w.valid)
            sigma0 = local_sigma(d, exclude=~w.valid)
            diffs.append(d / np.sqrt(sigma0**2 + beta * grad**2))
        d = np.stack(diffs)
        dark = np.maximum(dark, np.where(v, d, np.inf).min(0))
        bright = np.maximum(bright, np.where(v, -d, np.inf).min(0))
    return (
        np.where(enough, dark, np.nan).astype(np.float32),
        np.where(enough, bright, np.nan).astype(np.float32),
    )


def top_hats(y: np.ndarray, size: int) -> Tuple[np.ndarray, np.ndarray]:
    """(dark, bright) morphological top-hats of ``y`` with a ``size``-px square, in the
    units of ``y``: how far each pixel sits below (above) its surroundings."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    return (
        cv2.morphologyEx(y, cv2.MORPH_BLACKHAT, kernel),
        cv2.morphologyEx(y, cv2.MORPH_TOPHAT, kernel),
    )


def local_spike(y: np.ndarray, size: int) -> Tuple[np.ndarray, np.ndarray]:
    """(dark, bright) :func:`top_hats` in σ of the image's own fine texture (its high-pass)."""
    dark, bright = top_hats(y, size)
    sigma = local_sigma(y - cv2.GaussianBlur(y, (0, 0), 2.0))
    return (dark / sigma).astype(np.float32), (bright / sigma).astype(np.float32)


def blame_reference(
    scan_y: np.ndarray, ref_y: np.ndarray, size: int
) -> Tuple[np.ndarray, np.ndarray]:
    """(dark, bright) (H, W) bool: where a disagreement of that sign is the reference's
    doing — the reference stands out of its surroundings the other way (a white subtitle
    makes the scan look darker) at least as much as the scan stands out its way."""
    scan_dark, scan_bright = top_hats(scan_y, size)
    ref_dark, ref_bright = top_hats(ref_y, size)
    return ref_bright >= scan_dark, ref_dark >= scan_bright


def across_residual(image: np.ndarray, width: int = 11) -> np.ndarray:
    """``image`` (H, W) minus its horizontal running median over ``width`` px: thin vertical
    lines stay, edges and shading go (a median keeps edges where they are)."""
    from scipy.ndimage import median_filter

    r = np.ascontiguousarray(image, np.float32)
    return r - median_filter(r, size=(1, width), mode="reflect")


def line_evidence(residual: np.ndarray, *, run: int = 31, width: int = 11) -> np.ndarray:
    """Signed evidence (σ) of a thin vertical line: the residual minus its horizontal median
    (``width`` px: keeps lines of up to ~5 px, removes edges and shading), averaged down a
    ``run`` of rows (a line keeps its sign, grain and texture do not), over the robust σ
    of that average."""
    across = across_residual(residual, width)
    down = cv2.blur(across, (1, run), borderType=cv2.BORDER_REFLECT)
    return (down / local_sigma(down, tile=48)).astype(np.float32)


def vertical_edges(ref_y: np.ndarray, *, quantile: float = 0.9, reach: int = 2) -> np.ndarray:
    """(H, W) bool: within ``reach`` px of the reference's strongest horizontal gradients
    (the top 10 %, after a 1 px blur) — where its vertical edges are."""
    gx = np.abs(cv2.Sobel(cv2.GaussianBlur(ref_y, (0, 0), 1.0), cv2.CV_32F, 1, 0, ksize=3))
    strong = (gx >= np.quantile(gx, quantile)).astype(np.uint8)
    return cv2.dilate(strong, np.ones((1, 2 * reach + 1), np.uint8)).astype(bool)


def global_color_fit(scan: np.ndarray, ref: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The reference mapped to the scan's colors by one smooth transform per frame (each
    output channel a quadratic in the three reference channels, robust: refitted once
    without the worst 10 %)."""

    def features(x: np.ndarray) -> np.ndarray:
        f = x.reshape(-1, 3).astype(np.float64)
        return np.concatenate([f, f**2, np.ones((f.shape[0], 1))], 1)

    phi = features(ref)
    target = scan.reshape(-1, 3).astype(np.float64)
    sel = keep.ravel() & np.all(np.isfinite(target), 1) & np.all(np.isfinite(phi), 1)
    idx = np.flatnonzero(sel)[:: max(1, int(sel.sum() // 20000))]
    coef = np.linalg.lstsq(phi[idx], target[idx], rcond=None)[0]
    err = np.abs(phi[idx] @ coef - target[idx]).sum(1)
    good = idx[err <= np.quantile(err, 0.9)]
    coef = np.linalg.lstsq(phi[good], target[good], rcond=None)[0]
    return (phi @ coef).reshape(scan.shape).astype(np.float32)


def stain_evidence(difference: np.ndarray, *, sigma_px: float, keep: np.ndarray) -> np.ndarray:
    """Broad color departure, in σ: the chroma (Cb, Cr) of ``difference`` (H, W, 3, scan
    minus what it should be), with the pixels outside ``keep`` (known spots and lines) left
    out, band-passed (a Gaussian of ``sigma_px`` minus one a quarter of the frame wide,
    which removes flicker and fading gradients), each channel over its robust σ, combined
    as the root of the summed squares less the noise floor of two channels. Chroma only: a
    stain discolours; a lightness misfit of a tone curve does not."""
    from ..ycbcr import to_ycbcr

    h, w = difference.shape[:2]
    wide = max(min(h, w) / 4.0, 4 * sigma_px)
    chroma = to_ycbcr(np.nan_to_num(difference[..., :3]))[..., 1:]
    total = np.zeros((h, w), np.float32)
    weight = keep.astype(np.float32)

    def blur(x: np.ndarray, s: float) -> np.ndarray:  # normalised: known damage left out
        return smooth(x * weight, s) / (smooth(weight, s) + 1e-6)

    for c in range(2):
        d = np.ascontiguousarray(chroma[..., c], np.float32)
        band = blur(d, sigma_px) - blur(d, wide)
        s = robust_sigma(band[keep]) or 1e-6
        total += (band / s) ** 2
    return np.sqrt(np.maximum(total - 2.0, 0.0)).astype(np.float32)
