"""The parametric color models: inverse dye fading (density domain) and the ASC CDL.

- :func:`fit_dye_density` — inverse chromogenic fading (Chatterjee, Trumpy & Ruedel 2023):
  scanner flare, a 3×3 density matrix (per-layer loss + crossover) and fog, fitted by
  variable projection (flare by scipy's ``least_squares``, the rest in closed form);
- :func:`fit_cdl` — ASC CDL slope / offset / power / saturation by ``least_squares`` with a
  soft-L1 loss, in the fit encoding.

Both subsample evenly spread samples (:data:`MAX_PARAMETRIC_SAMPLES`,
:data:`MAX_CDL_SAMPLES`): 10 or 15 parameters are pinned down long before that, and the
optimiser's cost grows with every sample.
"""

from __future__ import annotations

import numpy as np

from .encodings import get_encoding
from .lut_fit import robust_affine, robust_weights
from .samples import FitSamples
from .transforms import Cdl, DyeDensity

LUMA_709 = np.array([0.2126, 0.7152, 0.0722])
MAX_PARAMETRIC_SAMPLES = 12_000
MAX_CDL_SAMPLES = 3_000  # bounded least squares factors the whole Jacobian every step


def _spread(n: int, most: int = MAX_PARAMETRIC_SAMPLES) -> np.ndarray:
    return np.linspace(0, n - 1, min(n, most)).astype(int)


def fit_dye_density(samples: FitSamples, robust: str = "tukey") -> DyeDensity:
    """Variable projection: for a given scanner flare (3 numbers, optimised by scipy's
    least_squares) the density matrix and fog are a weighted linear least-squares problem
    in density, solved in closed form. Weights ∝ T^(1/2.4) make density errors count as
    they look (a density error in a deep shadow is invisible)."""
    from scipy.optimize import least_squares

    n = samples.source.shape[0]
    idx = _spread(n)
    src = np.asarray(samples.source[idx], np.float64)
    tgt = np.asarray(samples.target[idx], np.float64)
    floor = 1e-4
    d_tgt = -np.log10(np.clip(tgt, floor, None))
    base_w = samples.weight[idx] * np.clip(tgt.mean(axis=1), floor, None) ** (1 / 2.4)
    weights = base_w.copy()

    def design(flare: np.ndarray) -> np.ndarray:
        t = src * (1.0 + flare) - flare
        return np.hstack([-np.log10(np.clip(t, floor, None)), np.ones((src.shape[0], 1))])

    def solve(flare: np.ndarray, w: np.ndarray) -> np.ndarray:
        a = design(flare)
        sw = np.sqrt(w)[:, None]
        return np.linalg.lstsq(a * sw, d_tgt * sw, rcond=None)[0]

    def residual(flare: np.ndarray) -> np.ndarray:
        a = design(flare)
        m = solve(flare, weights)
        return ((d_tgt - a @ m) * np.sqrt(weights)[:, None]).reshape(-1)

    # flare lives below the darkest scan values: start inside that range, on its scale
    dark = np.maximum(np.percentile(src, 0.5, axis=0), 1e-4)
    flare = 0.25 * dark
    schedule = (
        ["none"]
        if robust == "none"
        else ["none", "huber", "tukey" if robust == "tukey" else "huber"]
    )
    evaluations = 0
    for kind in schedule:
        if kind != "none":
            res = np.linalg.norm(d_tgt - design(flare) @ solve(flare, weights), axis=1) * np.sqrt(
                base_w
            )
            weights = base_w * robust_weights(res, kind)
        result = least_squares(residual, flare, bounds=(np.zeros(3), np.full(3, 0.1)),
                               x_scale=dark, max_nfev=60)
        flare = result.x
        evaluations += int(result.nfev)
    m = solve(flare, weights)
    model = DyeDensity(flare=flare, matrix=m[:3].T.copy(), offset=m[3].copy())
    forward = np.linalg.inv(model.matrix)  # scan density ≈ forward @ (reference density − offset)
    model.figures = {
        "robust": robust,
        "retention_rgb_layers": np.round(np.diag(forward), 4).tolist(),
        "crossover_offdiagonal": np.round(forward - np.diag(np.diag(forward)), 4).tolist(),
        "fog_density": np.round(-forward @ model.offset, 4).tolist(),
        "flare": np.round(model.flare, 5).tolist(),
        "optimizer_evaluations": evaluations,
    }
    return model


def cdl_numpy(
    x: np.ndarray, slope: np.ndarray, offset: np.ndarray, power: np.ndarray, sat: float
) -> np.ndarray:
    """ASC CDL v1.2 on encoded values, clamped to 0–1 as OpenColorIO's ASC style does."""
    sop = np.power(np.clip(x * slope + offset, 0.0, 1.0), power)
    luma = sop @ LUMA_709
    return np.clip(luma[:, None] + sat * (sop - luma[:, None]), 0.0, 1.0)


def fit_cdl(samples: FitSamples, enc: str = "acescct", robust: str = "tukey") -> Cdl:
    from scipy.optimize import least_squares

    idx = _spread(samples.source.shape[0], MAX_CDL_SAMPLES)
    encoding = get_encoding(enc)
    x = encoding.encode(samples.source[idx]).astype(np.float64)
    y = encoding.encode(samples.target[idx]).astype(np.float64)
    w = np.sqrt(samples.weight[idx])[:, None]
    aff = robust_affine(x, y, samples.weight[idx])
    slope0 = np.clip(np.diag(aff[:3]), 0.1, 10.0)
    p0 = np.concatenate([slope0, aff[3], np.ones(3), [1.0]])

    def residual(p: np.ndarray) -> np.ndarray:
        return ((cdl_numpy(x, p[:3], p[3:6], p[6:9], p[9]) - y) * w).reshape(-1)

    lower = np.array([0.0] * 3 + [-1.0] * 3 + [0.1] * 3 + [0.0])
    upper = np.array([10.0] * 3 + [1.0] * 3 + [10.0] * 3 + [4.0])
    p0 = np.clip(p0, lower + 1e-6, upper - 1e-6)
    loss = "linear" if robust == "none" else "soft_l1"
    scale = max(1.4826 * float(np.median(np.abs(residual(p0)))), 1e-3)
    result = least_squares(
        residual, p0, bounds=(lower, upper), loss=loss, f_scale=scale, max_nfev=100
    )
    p = result.x
    return Cdl(
        encoding=enc,
        slope=p[:3],
        offset=p[3:6],
        power=p[6:9],
        saturation=float(p[9]),
        figures={"robust": robust, "optimizer_evaluations": int(result.nfev)},
    )
