"""The steps of one alignment estimate on the working grids: grid choice, tone matching and
polarity, the global affine refinement and the held-out-tested dense residual field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .confidence import local_ncc, smoothstep
from .dense import ResidualField, fit_residual_field, holdout_gain
from .geometry import affine_grid, change_grids
from .global_model import box_for, correlation, inside_box, refine_affine, sample
from .preprocess import ContentBox, downscale, fill_outside, local_mean, structure_image

_EDGE_MARGIN = 10.0  # working pixels
_HOLDOUT_GAIN = 0.012  # relative robust-cost drop on held-out pixels that keeps the field


@dataclass
class Working:
    """The scan and reference at working resolution, their structure images and boxes."""

    scan_w: np.ndarray
    ref_w: np.ndarray
    scan_s: np.ndarray
    ref_s: np.ndarray
    s_scale: Tuple[float, float]
    r_scale: Tuple[float, float]
    wbox: Tuple[float, float, float, float]
    fit_box: Tuple[float, float, float, float]


def working_grids(
    scan_l: np.ndarray, ref_l: np.ndarray, box: ContentBox, matrix: np.ndarray, max_pixels: int
) -> Working:
    """The scan at about the reference's resolution, capped at ``max_pixels`` for speed."""
    hs, ws = scan_l.shape
    hr, wr = ref_l.shape
    det = abs(float(np.linalg.det(matrix[:, :2])))
    f_scan = min(1.0, np.sqrt(det)) if det > 0 else 1.0
    f_ref = min(1.0, 1.0 / np.sqrt(det)) if det > 0 else 1.0
    cap = np.sqrt(max_pixels / float(hs * ws * f_scan * f_scan))
    if cap < 1.0:
        f_scan *= cap
        f_ref *= cap
    scan_w = downscale(scan_l, f_scan)
    ref_w = downscale(fill_outside(ref_l, box), f_ref)
    r_scale = (ref_w.shape[1] / wr, ref_w.shape[0] / hr)
    return Working(
        scan_w=scan_w,
        ref_w=ref_w,
        scan_s=structure_image(scan_w),
        ref_s=structure_image(ref_w),
        s_scale=(scan_w.shape[1] / ws, scan_w.shape[0] / hs),
        r_scale=r_scale,
        wbox=box_for(box, r_scale),
        # the fit keeps clear of the reference's edges, where local statistics see a mirror
        fit_box=box_for(box, r_scale, margin=_EDGE_MARGIN),
    )


def global_step(
    w: Working, start: np.ndarray, polarity: float, levels: Optional[int], warnings: List[str]
) -> Tuple[np.ndarray, float]:
    """The working-grid affine and the polarity; ``levels`` None keeps ``start``.

    Replaces ``w.scan_s`` by the tone-matched scan structure the fit used."""
    m_w = start
    if polarity == 0.0:
        polarity = polarity_of(w.scan_s, w.ref_s, m_w, w.wbox)
    # tone-match before the fine fit as well (the start is within a pixel or two)
    w.scan_s = structure_image(
        match_tones(w.scan_w, w.ref_w, affine_grid(m_w, w.scan_w.shape), w.fit_box, polarity)
    )
    if levels is None:
        return m_w, polarity
    m_w = refine_affine(w.scan_s, w.ref_s, m_w, polarity, w.fit_box, levels=levels).matrix
    # a negative found late: the correlation after the fit tells
    if polarity_of(w.scan_s, w.ref_s, m_w, w.wbox) < 0 and polarity > 0:
        polarity = -1.0
        m_w = refine_affine(w.scan_s, w.ref_s, start, polarity, w.fit_box, levels=levels).matrix
        warnings.append("reference is a negative of the scan (inverted polarity)")
    return m_w, polarity


def dense_step(
    w: Working,
    m_w: np.ndarray,
    polarity: float,
    knot_spacing: Optional[float],
    smoothness: float,
    iterations: int,
) -> Tuple[Optional[ResidualField], Optional[np.ndarray]]:
    """The residual field (None when it does not predict held-out pixels) and its support.

    Replaces ``w.scan_s`` by the scan structure tone-matched through the fitted affine."""
    scan_s, ref_s = w.scan_s, w.ref_s
    spacing = knot_spacing or float(np.clip(min(scan_s.shape) / 15.0, 16.0, 48.0))
    # one-sided content (subtitles, logos, damage) disagrees locally even after the affine:
    # keep it out of the dense fit, which is local enough to be pulled by it
    grid = affine_grid(m_w, scan_s.shape)
    # tone-match the scan to the reference (quantiles over the overlap): a different transfer
    # curve (linear scan, display-encoded DVD; fading) bends edge profiles, and a local field
    # would follow that bend as if it were a displacement
    scan_s = w.scan_s = structure_image(match_tones(w.scan_w, w.ref_w, grid, w.fit_box, polarity))
    agree = local_ncc(scan_s, sample(ref_s, grid[:, :, 0], grid[:, :, 1]) * polarity, 6.0)
    fit_weight = cv2.erode(smoothstep(agree, 0.1, 0.4), np.ones((9, 9), np.uint8))
    # where the field had nothing to hold on to nearby it is extrapolated: not confident
    inside_fit = inside_box(grid[:, :, 0], grid[:, :, 1], w.fit_box).astype(np.float32)
    near = local_mean(fit_weight * inside_fit, spacing)
    support = smoothstep(near / (local_mean(inside_fit, spacing) + 1e-3), 0.3, 0.6)
    # fit on half the frame (a checkerboard of blocks), test on the other half: the field is
    # kept only if it predicts pixels it was not fitted to (else it fitted noise)
    hh, ww_ = scan_s.shape
    block = int(max(8, spacing // 2))
    half = (np.arange(hh)[:, None] // block + np.arange(ww_)[None, :] // block) % 2 == 0
    half = half.astype(np.float32)
    trial = fit_residual_field(
        scan_s, ref_s, m_w, polarity, w.fit_box, spacing=spacing, scan_weight=fit_weight * half,
        smoothness=smoothness, iterations=iterations,
    )  # fmt: skip
    held_out = fit_weight * inside_fit * (1.0 - half)
    if holdout_gain(scan_s, ref_s, m_w, polarity, trial, held_out) <= _HOLDOUT_GAIN:
        return None, None  # the affine alone: its confidence needs no field support
    field = fit_residual_field(
        scan_s, ref_s, m_w, polarity, w.fit_box, spacing=spacing, scan_weight=fit_weight,
        smoothness=smoothness, iterations=1, initial=trial,
    )  # fmt: skip
    return field, support


def start_on_working(matrix: np.ndarray, w: Working) -> np.ndarray:
    """The full-resolution scan→reference affine expressed on the working grids."""
    return change_grids(matrix, w.s_scale, w.r_scale)


def match_tones(
    scan_w: np.ndarray, ref_w: np.ndarray, grid: np.ndarray, box, polarity: float
) -> np.ndarray:
    """The scan luminance put through the monotone curve that gives it the reference's
    distribution over the overlap (quantile matching); inverted for a negative."""
    inside = inside_box(grid[:, :, 0], grid[:, :, 1], box)
    if inside.sum() < 1000:
        return scan_w
    ref_on_scan = sample(ref_w, grid[:, :, 0], grid[:, :, 1]) * polarity
    # the middle 90 % only: one-sided extremes (white subtitles, black bars) stay out of it
    q = np.linspace(0.05, 0.95, 181)
    src = np.quantile(scan_w[inside][::3], q)
    dst = np.quantile(ref_on_scan[inside][::3], q)
    src = np.maximum.accumulate(src + np.arange(q.size) * 1e-9)  # strictly increasing for interp
    out = np.interp(scan_w, src, dst)
    # beyond the middle, continue with the end slopes instead of clamping
    lo_slope = (dst[5] - dst[0]) / max(src[5] - src[0], 1e-9)
    hi_slope = (dst[-1] - dst[-6]) / max(src[-1] - src[-6], 1e-9)
    out = np.where(scan_w < src[0], dst[0] + (scan_w - src[0]) * lo_slope, out)
    out = np.where(scan_w > src[-1], dst[-1] + (scan_w - src[-1]) * hi_slope, out)
    return out.astype(np.float32)


def polarity_of(scan_s: np.ndarray, ref_s: np.ndarray, m_w: np.ndarray, wbox) -> float:
    """-1 when the warped reference anti-correlates with the scan (a negative), else 1."""
    grid = affine_grid(m_w, scan_s.shape)
    valid = inside_box(grid[:, :, 0], grid[:, :, 1], wbox)
    warped = sample(ref_s, grid[:, :, 0], grid[:, :, 1])
    return -1.0 if correlation(scan_s, warped, valid) < -0.05 else 1.0
