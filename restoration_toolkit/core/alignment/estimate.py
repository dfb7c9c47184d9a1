"""Estimate an alignment: global affine, then a dense residual field, then confidence.

Estimation is separate from application (:mod:`.apply`): the result holds the map, and any
image — the reference in the working space, a matte, a different grade — can be resampled
with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np

from ..errors import RTKError
from ..progress import ProgressFn
from .confidence import (
    confidence_terms,
    largest_inner_box,
    local_ncc,
    smoothstep,
    trim_one_sided_rows,
)
from .dense import ResidualField, fit_residual_field, holdout_gain
from .geometry import affine_grid, change_grids
from .global_model import (
    box_for,
    correlation,
    initialise,
    inside_box,
    refine_affine,
    robust_weights,
    sample,
)
from .preprocess import (
    ContentBox,
    detect_bars,
    downscale,
    fill_outside,
    gradient_energy,
    local_mean,
    structure_image,
    to_luma,
)
from .result import AlignmentResult, Figures, LiveArea

_EDGE_MARGIN = 10.0  # working pixels
_HOLDOUT_GAIN = 0.012  # relative robust-cost drop on held-out pixels that keeps the field


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
    hs, ws = scan_l.shape
    hr, wr = ref_l.shape
    warnings = []
    box = detect_bars(ref_l)
    if box.bars:
        warnings.append(f"reference has bars ({', '.join(box.bars)}); they are excluded")
    say(1, 5, "initialising")
    if opts.initial_matrix is not None:
        matrix = np.asarray(opts.initial_matrix, np.float64).reshape(2, 3)
        polarity, how = 0.0, "given"
    else:
        init = initialise(scan_l, ref_l, box, reference_pixel_aspect=opts.reference_pixel_aspect)
        matrix, polarity, how = init.matrix, init.polarity, init.method
        if how == "fit-width":
            warnings.append("features did not match; started from the fit-width framing")

    # working grids: the scan at about the reference's resolution, capped for speed
    det = abs(float(np.linalg.det(matrix[:, :2])))
    f_scan = min(1.0, np.sqrt(det)) if det > 0 else 1.0
    f_ref = min(1.0, 1.0 / np.sqrt(det)) if det > 0 else 1.0
    cap = np.sqrt(opts.max_working_pixels / float(hs * ws * f_scan * f_scan))
    if cap < 1.0:
        f_scan *= cap
        f_ref *= cap
    scan_w = downscale(scan_l, f_scan)
    ref_w = downscale(fill_outside(ref_l, box), f_ref)
    s_scale = (scan_w.shape[1] / ws, scan_w.shape[0] / hs)
    r_scale = (ref_w.shape[1] / wr, ref_w.shape[0] / hr)
    scan_s = structure_image(scan_w)
    ref_s = structure_image(ref_w)
    wbox = box_for(box, r_scale)
    # the fit keeps clear of the reference's edges, where local statistics see a mirror
    fit_box = box_for(box, r_scale, margin=_EDGE_MARGIN)
    m_w = change_grids(matrix, s_scale, r_scale)

    if polarity == 0.0:
        polarity = _polarity(scan_s, ref_s, m_w, wbox)
    say(2, 5, "global model")
    sigma = 1.0
    # tone-match before the fine fit as well (the start is within a pixel or two)
    scan_s = structure_image(
        _match_tones(scan_w, ref_w, affine_grid(m_w, scan_w.shape), fit_box, polarity)
    )
    if opts.refine_global:
        # features start within a pixel or two: a short pyramid; a guess needs the full one
        levels = 3 if how.startswith("features") or how == "given" else opts.pyramid_levels
        ref_fit = refine_affine(scan_s, ref_s, m_w, polarity, fit_box, levels=levels)
        m_w = ref_fit.matrix
        # a negative found late: the correlation after the fit tells
        if _polarity(scan_s, ref_s, m_w, wbox) < 0 and polarity > 0:
            polarity = -1.0
            m_w = refine_affine(
                scan_s,
                ref_s,
                change_grids(matrix, s_scale, r_scale),
                polarity,
                fit_box,
                levels=levels,
            ).matrix
            warnings.append("reference is a negative of the scan (inverted polarity)")
    say(3, 5, "dense field")
    field: Optional[ResidualField] = None
    support: Optional[np.ndarray] = None
    if opts.dense:
        spacing = opts.knot_spacing or float(np.clip(min(scan_s.shape) / 15.0, 16.0, 48.0))
        # one-sided content (subtitles, logos, damage) disagrees locally even after the affine:
        # keep it out of the dense fit, which is local enough to be pulled by it
        grid = affine_grid(m_w, scan_s.shape)
        # tone-match the scan to the reference (quantiles over the overlap): a different
        # transfer curve (linear scan, display-encoded DVD; fading) bends edge profiles, and
        # a local field would follow that bend as if it were a displacement
        scan_s = structure_image(_match_tones(scan_w, ref_w, grid, fit_box, polarity))
        agree = local_ncc(scan_s, sample(ref_s, grid[:, :, 0], grid[:, :, 1]) * polarity, 6.0)
        fit_weight = cv2.erode(smoothstep(agree, 0.1, 0.4), np.ones((9, 9), np.uint8))

        # where the field had nothing to hold on to nearby it is extrapolated: not confident
        inside_fit = inside_box(grid[:, :, 0], grid[:, :, 1], fit_box).astype(np.float32)
        near = local_mean(fit_weight * inside_fit, spacing)
        support = smoothstep(near / (local_mean(inside_fit, spacing) + 1e-3), 0.3, 0.6)
        # fit on half the frame (a checkerboard of blocks), test on the other half: the field
        # is kept only if it predicts pixels it was not fitted to (else it fitted noise)
        hh, ww_ = scan_s.shape
        block = int(max(8, spacing // 2))
        half = (np.arange(hh)[:, None] // block + np.arange(ww_)[None, :] // block) % 2 == 0
        half = half.astype(np.float32)
        trial = fit_residual_field(
            scan_s, ref_s, m_w, polarity, fit_box, spacing=spacing, scan_weight=fit_weight * half,
            smoothness=opts.smoothness, iterations=opts.dense_iterations,
        )  # fmt: skip
        held_out = fit_weight * inside_fit * (1.0 - half)
        gain = holdout_gain(scan_s, ref_s, m_w, polarity, trial, held_out)
        if gain > _HOLDOUT_GAIN:
            field = fit_residual_field(
                scan_s, ref_s, m_w, polarity, fit_box, spacing=spacing, scan_weight=fit_weight,
                smoothness=opts.smoothness, iterations=1, initial=trial,
            )  # fmt: skip
        else:
            support = None  # the affine alone: its confidence needs no field support

    # working-grid map, warped structure, confidence
    hw, ww = scan_s.shape
    map_w = affine_grid(m_w, (hw, ww))
    if field is not None:
        map_w += field.evaluate(np.arange(ww), np.arange(hw))
    coverage = inside_box(map_w[:, :, 0], map_w[:, :, 1], wbox).astype(np.float32)
    if coverage.mean() < 0.02:
        raise RTKError(
            f"no usable overlap between scan and reference ({100 * coverage.mean():.1f}% of the scan covered)"
        )
    warped_s = sample(ref_s, map_w[:, :, 0], map_w[:, :, 1]) * polarity
    energy = gradient_energy(ref_w)
    warped_e = sample(energy, map_w[:, :, 0], map_w[:, :, 1])
    terms = confidence_terms(scan_s, warped_s, warped_e, coverage)
    conf_w = terms.confidence if support is None else terms.confidence * support
    say(4, 5, "full-resolution map")

    # full-resolution map: affine on the scan grid + the field resampled
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

    # live area
    inner = largest_inner_box(coverage > 0.5)
    inner = trim_one_sided_rows(inner, terms.content, terms.agreement)
    live = LiveArea(*_box_to_full(inner, s_scale, (ws, hs)))

    # figures
    confident = conf_w > 0.5
    resid = warped_s - scan_s
    _, sigma = robust_weights(resid, confident if confident.any() else coverage > 0.5)
    corr = correlation(scan_s, warped_s, confident) if confident.sum() > 16 else 0.0
    predicted = _predicted_error(scan_s, ref_s, m_w, polarity, confident, sigma) / max(
        s_scale[0], 1e-6
    )
    figures = Figures(
        confident_fraction=float((confidence > 0.5).mean()),
        coverage_fraction=float(inside_full.mean()),
        correlation=corr,
        residual=float(sigma),
        field_rms_px=float(field_rms),
        field_max_px=float(field_max),
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
    if field_max > 8.0:
        warnings.append(f"large local distortion ({field_max:.1f} px): check this frame by eye")
    say(5, 5, "done")
    return AlignmentResult(
        matrix=m_full,
        map_xy=map_xy,
        confidence=confidence,
        scan_shape=(hs, ws),
        reference_shape=(hr, wr),
        reference_box=box,
        figures=figures,
        live_area=live,
        polarity=polarity,
        field=field,
        initialisation=how,
        warnings=warnings,
        working_scale=(float(s_scale[0]), float(r_scale[0])),
    )


def _match_tones(scan_w: np.ndarray, ref_w: np.ndarray, grid: np.ndarray, box, polarity: float) -> np.ndarray:
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


def _polarity(scan_s: np.ndarray, ref_s: np.ndarray, m_w: np.ndarray, wbox) -> float:
    grid = affine_grid(m_w, scan_s.shape)
    valid = inside_box(grid[:, :, 0], grid[:, :, 1], wbox)
    warped = sample(ref_s, grid[:, :, 0], grid[:, :, 1])
    return -1.0 if correlation(scan_s, warped, valid) < -0.05 else 1.0


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
