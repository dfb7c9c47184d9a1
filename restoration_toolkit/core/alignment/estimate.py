"""Estimate an alignment: global affine, then a dense residual field, then confidence.

Estimation is separate from application (:mod:`.apply`): the result holds the map, and any
image — the reference in the working space, a matte, a different grade — can be resampled
with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np

from ..errors import RTKError
from ..progress import ProgressFn
from .confidence import confidence_terms, largest_inner_box, trim_one_sided_rows
from .dense import ResidualField
from .fit_steps import Working, dense_step, global_step, start_on_working, working_grids
from .geometry import affine_grid, change_grids
from .global_model import correlation, initialise, inside_box, robust_weights, sample
from .preprocess import ContentBox, detect_bars, gradient_energy, to_luma
from .result import AlignmentResult, Figures, LiveArea


@dataclass(frozen=True)
class AlignmentOptions:
    """Knobs of :func:`estimate_alignment` (defaults suit DVD / HD references against 2K–4K scans).

    reference_pixel_aspect: PAR of the reference pixels when known (e.g. 1.4587 for 16:9 NTSC
        DVD); used to start the feature search. The fit estimates the real aspect anyway.
    initial_matrix: a 2×3 scan→reference affine to start from instead of features (e.g. the
        previous frame's, or a temporally smoothed one).
    refine_global: refine the affine (False keeps ``initial_matrix`` as the global model).
    dense: fit the dense residual field on top of the affine.
    knot_spacing: dense-field knot spacing in working pixels (smaller follows finer distortion;
        default: 1/15 of the working frame's shorter side, 16–48 px).
    smoothness: dense-field bending penalty (larger is stiffer).
    max_working_pixels: cap on the working scan grid (speed).
    """

    reference_pixel_aspect: float = 1.0
    initial_matrix: Optional[np.ndarray] = None
    refine_global: bool = True
    dense: bool = True
    knot_spacing: Optional[float] = None
    smoothness: float = 0.3
    dense_iterations: int = 3
    max_working_pixels: int = 750_000
    pyramid_levels: int = 5


def _check_frame(luma: np.ndarray, what: str) -> None:
    if luma.size == 0 or min(luma.shape) < 16:
        raise RTKError(f"{what} is too small to align ({luma.shape[1]}×{luma.shape[0]})")
    lo, hi = np.percentile(luma[::4, ::4], (1, 99))
    if hi - lo < 1e-3:
        raise RTKError(f"{what} is blank (no picture to align: all pixels ≈ {float(hi):.3g})")


def estimate_alignment(
    scan: np.ndarray,
    reference: np.ndarray,
    options: Optional[AlignmentOptions] = None,
    *,
    progress: Optional[ProgressFn] = None,
) -> AlignmentResult:
    """Register ``reference`` onto ``scan``.

    scan: float32 (H, W, C) film scan, any RGB encoding (log, linear or display; faded is fine).
    reference: float32 (H_r, W_r, C) reference (DVD, telecine, other gauge / generation), any
        encoding, any size, pixel aspect and framing. Only luminance structure is used, so
        color differences, inversion, grain and compression do not bias the fit.
    Returns an :class:`AlignmentResult` (map on the scan grid, confidence in [0, 1], figures,
    proposed live area, warnings). Raises RTKError for a blank frame or no usable overlap.
    """
    opts = options or AlignmentOptions()
    say = progress or (lambda done, total, message="": None)
    scan_l = to_luma(scan)
    ref_l = to_luma(reference)
    _check_frame(scan_l, "scan frame")
    _check_frame(ref_l, "reference frame")
    warnings: List[str] = []
    box = detect_bars(ref_l)
    if box.bars:
        warnings.append(f"reference has bars ({', '.join(box.bars)}); they are excluded")
    say(1, 5, "initialising")
    matrix, polarity, how = _initial_matrix(scan_l, ref_l, box, opts, warnings)
    w = working_grids(scan_l, ref_l, box, matrix, opts.max_working_pixels)
    say(2, 5, "global model")
    levels: Optional[int] = None
    if opts.refine_global:
        # features start within a pixel or two: a short pyramid; a guess needs the full one
        levels = 3 if how.startswith("features") or how == "given" else opts.pyramid_levels
    m_w, polarity = global_step(w, start_on_working(matrix, w), polarity, levels, warnings)
    say(3, 5, "dense field")
    field: Optional[ResidualField] = None
    support: Optional[np.ndarray] = None
    if opts.dense:
        field, support = dense_step(
            w, m_w, polarity, opts.knot_spacing, opts.smoothness, opts.dense_iterations
        )
    maps = _maps(w, m_w, polarity, field, support, box, scan_l.shape)
    say(4, 5, "full-resolution map")
    figures = _figures(w, m_w, polarity, maps, warnings)
    say(5, 5, "done")
    return AlignmentResult(
        matrix=maps.matrix,
        map_xy=maps.map_xy,
        confidence=maps.confidence,
        scan_shape=scan_l.shape,
        reference_shape=ref_l.shape,
        reference_box=box,
        figures=figures,
        live_area=maps.live,
        polarity=polarity,
        field=field,
        initialisation=how,
        warnings=warnings,
        working_scale=(float(w.s_scale[0]), float(w.r_scale[0])),
    )


def _initial_matrix(
    scan_l: np.ndarray, ref_l: np.ndarray, box: ContentBox, opts: AlignmentOptions, warnings
) -> Tuple[np.ndarray, float, str]:
    """The starting scan→reference affine, its polarity (0: not known yet) and how it was found."""
    if opts.initial_matrix is not None:
        return np.asarray(opts.initial_matrix, np.float64).reshape(2, 3), 0.0, "given"
    init = initialise(scan_l, ref_l, box, reference_pixel_aspect=opts.reference_pixel_aspect)
    if init.method == "fit-width":
        warnings.append("features did not match; started from the fit-width framing")
    return init.matrix, init.polarity, init.method


@dataclass
class _Maps:
    """The map and confidence on both grids, and what the figures are computed from."""

    matrix: np.ndarray
    map_xy: np.ndarray
    confidence: np.ndarray
    conf_w: np.ndarray
    coverage: np.ndarray
    warped_s: np.ndarray
    inside_full: np.ndarray
    live: LiveArea
    field_rms: float
    field_max: float


def _maps(w: Working, m_w, polarity, field, support, box: ContentBox, scan_shape) -> _Maps:
    """Working-grid map, warped structure and confidence, then the full-resolution map."""
    hs, ws = scan_shape
    hw, ww = w.scan_s.shape
    map_w = affine_grid(m_w, (hw, ww))
    if field is not None:
        map_w += field.evaluate(np.arange(ww), np.arange(hw))
    coverage = inside_box(map_w[:, :, 0], map_w[:, :, 1], w.wbox).astype(np.float32)
    if coverage.mean() < 0.02:
        raise RTKError(
            f"no usable overlap between scan and reference ({100 * coverage.mean():.1f}% of the scan covered)"
        )
    warped_s = sample(w.ref_s, map_w[:, :, 0], map_w[:, :, 1]) * polarity
    energy = gradient_energy(w.ref_w)
    warped_e = sample(energy, map_w[:, :, 0], map_w[:, :, 1])
    terms = confidence_terms(w.scan_s, warped_s, warped_e, coverage)
    conf_w = terms.confidence if support is None else terms.confidence * support
    # full-resolution map: affine on the scan grid + the field resampled
    s_scale, r_scale = w.s_scale, w.r_scale
    m_full = change_grids(m_w, (1 / s_scale[0], 1 / s_scale[1]), (1 / r_scale[0], 1 / r_scale[1]))
    map_xy = affine_grid(m_full, (hs, ws))
    field_rms = field_max = 0.0
    if field is not None:
        xs = (np.arange(ws) + 0.5) * s_scale[0] - 0.5
        ys = (np.arange(hs) + 0.5) * s_scale[1] - 0.5
        disp = field.evaluate(xs, ys)
        disp[:, :, 0] /= r_scale[0]
        disp[:, :, 1] /= r_scale[1]
        map_xy += disp
        rms, mx = field.magnitude()
        px_per_ref = 1.0 / np.sqrt(abs(np.linalg.det(m_full[:, :2])))
        field_rms, field_max = rms / r_scale[0] * px_per_ref, mx / r_scale[0] * px_per_ref
    confidence = cv2.resize(conf_w, (ws, hs), interpolation=cv2.INTER_LINEAR)
    inside_full = inside_box(
        map_xy[:, :, 0], map_xy[:, :, 1], (box.x0 - 0.5, box.y0 - 0.5, box.x1 - 0.5, box.y1 - 0.5)
    )
    confidence = np.where(inside_full, np.clip(confidence, 0, 1), 0).astype(np.float32)
    inner = largest_inner_box(coverage > 0.5)
    inner = trim_one_sided_rows(inner, terms.content, terms.agreement)
    live = LiveArea(*_box_to_full(inner, s_scale, (ws, hs)))
    return _Maps(
        m_full, map_xy, confidence, conf_w, coverage, warped_s, inside_full, live,
        float(field_rms), float(field_max),
    )  # fmt: skip


def _figures(w: Working, m_w, polarity: float, maps: _Maps, warnings: List[str]) -> Figures:
    """The estimate's figures; warnings for what an artist should check by eye."""
    confident = maps.conf_w > 0.5
    resid = maps.warped_s - w.scan_s
    _, sigma = robust_weights(resid, confident if confident.any() else maps.coverage > 0.5)
    corr = correlation(w.scan_s, maps.warped_s, confident) if confident.sum() > 16 else 0.0
    predicted = _predicted_error(w.scan_s, w.ref_s, m_w, polarity, confident, sigma) / max(
        w.s_scale[0], 1e-6
    )
    figures = Figures(
        confident_fraction=float((maps.confidence > 0.5).mean()),
        coverage_fraction=float(maps.inside_full.mean()),
        correlation=corr,
        residual=float(sigma),
        field_rms_px=maps.field_rms,
        field_max_px=maps.field_max,
        predicted_error_px=float(predicted),
    )
    if figures.confident_fraction < 0.2:
        warnings.append(
            f"only {100 * figures.confident_fraction:.0f}% of the scan is confidently aligned"
        )
    if corr < 0.3:
        warnings.append(
            f"low structure correlation after alignment ({corr:.2f}): check this frame by eye"
        )
    if maps.field_max > 8.0:
        warnings.append(
            f"large local distortion ({maps.field_max:.1f} px): check this frame by eye"
        )
    return figures


def _predicted_error(scan_s, ref_s, m_w, polarity, mask, sigma) -> float:
    """Mean position standard error (working pixels) of the affine from the GN covariance."""
    from .global_model import gradients

    grid = affine_grid(m_w, scan_s.shape)
    if mask.sum() < 16:
        return float("nan")
    gx, gy = gradients(ref_s)
    # every other pixel in each direction, counted four times: the same information, a
    # quarter of the work
    thin = np.zeros_like(mask)
    thin[::2, ::2] = mask[::2, ::2]
    sx = sample(gx, grid[:, :, 0], grid[:, :, 1])[thin] * polarity
    sy = sample(gy, grid[:, :, 0], grid[:, :, 1])[thin] * polarity
    ys, xs = np.nonzero(thin)
    xs = xs.astype(np.float64)
    ys = ys.astype(np.float64)
    jac = np.stack([sx * xs, sx * ys, sx, sy * xs, sy * ys, sy], axis=1).astype(np.float64)
    try:
        cov = np.linalg.inv(4.0 * (jac.T @ jac)) * sigma * sigma
    except np.linalg.LinAlgError:
        return float("nan")
    # position variance at each confident pixel: p = [x y 1]
    pts = np.stack([xs, ys, np.ones_like(xs)], axis=1)[:: max(1, len(xs) // 2000)]
    var_x = np.einsum("ni,ij,nj->n", pts, cov[:3, :3], pts)
    var_y = np.einsum("ni,ij,nj->n", pts, cov[3:, 3:], pts)
    return float(np.mean(np.sqrt(np.maximum(var_x + var_y, 0))))


def _box_to_full(box: Tuple[int, int, int, int], scale: Tuple[float, float], size: Tuple[int, int]):
    x0, y0, x1, y1 = box
    fx, fy = scale
    w, h = size
    return (
        int(np.clip(np.ceil(x0 / fx), 0, w)),
        int(np.clip(np.ceil(y0 / fy), 0, h)),
        int(np.clip(np.floor(x1 / fx), 0, w)),
        int(np.clip(np.floor(y1 / fy), 0, h)),
    )


__all__ = ["AlignmentOptions", "estimate_alignment", "ContentBox"]
