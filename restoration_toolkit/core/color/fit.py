"""``fit_color_transform``: one dispatcher over the color-fit methods (``method=``).

Methods (all fit scan → reference on scene-linear working-space pixels, in an encoding):

- ``lut3d`` — smooth 3D LUT by regularised least squares on the lattice (:mod:`.lut_fit`);
- ``root-polynomial`` — Finlayson, Mackiewicz & Hurlbert (2015) root-polynomial regression;
- ``polynomial`` — the plain polynomial of the same paper;
- ``dye-density`` — inverse chromogenic fading in the density domain (Chatterjee, Trumpy &
  Ruedel 2023): scanner flare, 3×3 density matrix (per-layer loss + crossover), fog;
- ``cdl`` — ASC CDL (slope, offset, power, saturation), the editable grade.

All are robust to outliers (IRLS / soft-L1 losses), take a confidence mask, and sample the
pairs through :func:`.samples.collect_samples` (grain-aware pre-filter, see there).
Estimation and application are separate: the result is a transform with ``.apply(rgb)``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from ..errors import RTKError
from ..progress import ProgressFn
from .encodings import get_encoding
from .lut_fit import LutFitOptions, fit_lut, robust_affine, robust_weights
from .samples import FitSamples, collect_samples
from .transforms import Cdl, ColorTransform, DyeDensity, Lut3D, PlainPolynomial, Polynomial

ImageOrList = Union[np.ndarray, Sequence[np.ndarray]]

DEFAULT_ENCODING: Dict[str, str] = {
    "lut3d": "log2",
    "root-polynomial": "srgb",
    "polynomial": "srgb",
    "dye-density": "density",
    "cdl": "acescct",
}
METHODS = tuple(DEFAULT_ENCODING)
#: lut3d smoothness λ per prior. Chosen on benchmarks/color.py (see docs/benchmarks/color.md:
#: the physical prior needs a stiffer lattice, the affine prior a looser one).
DEFAULT_SMOOTHNESS = {"affine": 1e-4, "dye-density": 3e-3}
LUMA_709 = np.array([0.2126, 0.7152, 0.0722])


def _as_list(value: Optional[ImageOrList]) -> Optional[List[Any]]:
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.ndim in (2, 3):
        return [value]
    return list(value)


def fit_color_transform(
    source: ImageOrList,
    target: ImageOrList,
    *,
    method: str = "lut3d",
    mask: Optional[ImageOrList] = None,
    encoding: Optional[str] = None,
    size: int = 33,
    degree: Optional[int] = None,
    prefilter: float = 1.5,
    edge_stops: float = 0.25,
    robust: str = "tukey",
    smoothness: Optional[float] = None,
    ridge: float = LutFitOptions.ridge,
    max_samples: int = 300_000,
    seed: int = 0,
    measure_encoding: str = "linear-srgb",
    prior: str = "dye-density",
    progress: Optional[ProgressFn] = None,
) -> ColorTransform:
    """Fit a color transform taking ``source`` (the faded scan) to ``target`` (the aligned
    reference).

    source, target: scene-linear float32 ndarray (H, W, 3) in the working space, or lists of
        them (one per training pair; each pair the same size — align first).
    method: one of ``lut3d``, ``root-polynomial``, ``polynomial``, ``dye-density``, ``cdl``.
    mask: confidence (H, W) 0–1 per pair (0 = ignore: damage, subtitles, letterbox), or None.
    encoding: fit encoding (``linear``, ``srgb``, ``log2``, ``acescct``, ``density``); default
        per method (see :data:`DEFAULT_ENCODING`; ``dye-density`` always uses density).
    size: LUT lattice size (lut3d). degree: polynomial degree (default 2 / root 3).
    prefilter, edge_stops: grain-aware sampling (:func:`.samples.collect_samples`).
    robust: ``tukey`` (Huber then bisquare), ``huber`` or ``none``.
    prior: lut3d only — the global model the lattice corrects: ``dye-density`` (default: the
        physical fading model; the LUT then fixes only what the physics misses, and returns to
        the physics away from the data) or ``affine`` (robust, slopes shrunk toward identity).
    smoothness: lut3d lattice smoothness λ (default per prior, :data:`DEFAULT_SMOOTHNESS`).
    measure_encoding: how ΔE2000 reads the working space (``linear-srgb``, ``acescg`` …) for
        the training figures stored in ``transform.figures``.

    Raises RTKError for bad input (sizes differ, NaN/inf, a mask that excludes everything,
    too few pixels, unknown method / encoding).
    """
    if method not in METHODS:
        raise RTKError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    if robust not in ("tukey", "huber", "none"):
        raise RTKError(f"unknown robust loss {robust!r} (tukey, huber or none)")
    if not 2 <= int(size) <= 129:
        raise RTKError(f"LUT size must be between 2 and 129, got {size}")
    sources, targets = _as_list(source), _as_list(target)
    masks = _as_list(mask)
    assert sources is not None and targets is not None
    if len(sources) != len(targets):
        raise RTKError(f"{len(sources)} source images but {len(targets)} targets")
    if masks is not None and len(masks) != len(sources):
        raise RTKError(f"{len(masks)} masks for {len(sources)} pairs")
    pairs = [
        (s, t, masks[i] if masks is not None else None)
        for i, (s, t) in enumerate(zip(sources, targets))
    ]
    samples = collect_samples(
        pairs, prefilter=prefilter, edge_stops=edge_stops, max_samples=max_samples, seed=seed
    )
    return fit_samples(
        samples,
        method=method,
        encoding=encoding,
        size=size,
        degree=degree,
        robust=robust,
        smoothness=smoothness,
        ridge=ridge,
        measure_encoding=measure_encoding,
        prior=prior,
        progress=progress,
    )


def fit_samples(
    samples: FitSamples,
    *,
    method: str = "lut3d",
    encoding: Optional[str] = None,
    size: int = 33,
    degree: Optional[int] = None,
    robust: str = "tukey",
    smoothness: Optional[float] = None,
    ridge: float = LutFitOptions.ridge,
    measure_encoding: str = "linear-srgb",
    prior: str = "dye-density",
    progress: Optional[ProgressFn] = None,
) -> ColorTransform:
    """Fit from already collected samples (see :func:`fit_color_transform`)."""
    if method not in METHODS:
        raise RTKError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    enc_name = "density" if method == "dye-density" else (encoding or DEFAULT_ENCODING[method])
    enc = get_encoding(enc_name)
    fitter = _FITTERS[method]
    transform = fitter(
        samples,
        enc_name,
        size=size,
        degree=degree,
        robust=robust,
        smoothness=smoothness,
        ridge=ridge,
        progress=progress,
        prior=prior,
    )
    transform.figures.update(samples.figures)
    transform.figures.update(training_figures(transform, samples, measure_encoding))
    del enc
    return transform


def training_figures(
    transform: ColorTransform, samples: FitSamples, measure_encoding: str
) -> Dict[str, float]:
    """ΔE2000 of the fitted transform on (a subset of) its own training samples."""
    from ..validation.metrics.color import delta_e2000

    n = min(samples.source.shape[0], 100_000)
    idx = np.linspace(0, samples.source.shape[0] - 1, n).astype(int)
    pred = transform.apply(samples.source[idx][None])[0]
    target = samples.target[idx]
    encoding = measure_encoding
    if encoding == "srgb":  # samples are linear; ΔE's "srgb" means display code values
        encoding = "linear-srgb"
    de = delta_e2000(
        np.clip(target, 0, None)[None], np.clip(pred, 0, None)[None], encoding=encoding
    )
    return {"train_de2000_mean": round(de.mean, 4), "train_de2000_p95": round(de.p95, 4)}


# -- the fitters ---------------------------------------------------------------------------


def _encoded(samples: FitSamples, enc_name: str):
    enc = get_encoding(enc_name)
    return enc.encode(samples.source).astype(np.float64), enc.encode(samples.target).astype(
        np.float64
    )


def _fit_lut3d(
    samples: FitSamples,
    enc: str,
    *,
    size: int,
    robust: str,
    smoothness: float,
    ridge: float,
    progress: Optional[ProgressFn],
    prior: str = "affine",
    **_: Any,
) -> ColorTransform:
    x, y = _encoded(samples, enc)
    prior_fn = None
    prior_figures: Dict[str, Any] = {}
    if smoothness is None:
        smoothness = (
            DEFAULT_SMOOTHNESS[prior] if prior in DEFAULT_SMOOTHNESS else LutFitOptions.smoothness
        )
    if prior == "dye-density":
        dye = _fit_dye_density(samples, "density", robust=robust)
        encoding = get_encoding(enc)

        def prior_fn(v: np.ndarray) -> np.ndarray:
            return encoding.encode(dye.apply(encoding.decode(v.astype(np.float32)))).astype(
                np.float64
            )

        prior_figures = {"prior_" + k: v for k, v in dye.figures.items() if k != "robust"}
    elif prior != "affine":
        raise RTKError(f"unknown LUT prior {prior!r} (affine or dye-density)")
    table, figures = fit_lut(
        x,
        y,
        samples.weight,
        LutFitOptions(size=int(size), smoothness=smoothness, ridge=ridge, robust=robust),
        progress,
        prior=prior_fn,
    )
    figures["prior"] = prior
    figures.update(prior_figures)
    figures["outside_lattice_fraction"] = float(np.mean(np.any((x < 0) | (x > 1), axis=1)))
    return Lut3D(encoding=enc, figures=figures, table=table)


def _irls_matrix(
    features: np.ndarray, y: np.ndarray, w: np.ndarray, robust: str, iterations: int = 5
) -> np.ndarray:
    ww = w.copy()
    m = np.zeros((features.shape[1], 3))
    schedule = {
        "none": ["none"],
        "huber": ["huber"] * iterations,
        "tukey": ["huber"] * 2 + ["tukey"] * max(1, iterations - 2),
    }[robust]
    for step, kind in enumerate(["none"] + schedule):
        if step:
            ww = w * robust_weights(np.linalg.norm(y - features @ m, axis=1), kind)
        sw = np.sqrt(ww)[:, None]
        m = np.linalg.lstsq(features * sw, y * sw, rcond=None)[0]
        if robust == "none":
            break
    return m


def _fit_polynomial(root: bool) -> Callable[..., ColorTransform]:
    def fitter(
        samples: FitSamples, enc: str, *, degree: Optional[int], robust: str, **_: Any
    ) -> ColorTransform:
        deg = int(degree or (3 if root else 2))
        if not 1 <= deg <= 4:
            raise RTKError(f"polynomial degree must be 1–4, got {deg}")
        cls = Polynomial if root else PlainPolynomial
        model = cls(encoding=enc, degree=deg, root=root)
        x, y = _encoded(samples, enc)
        m = _irls_matrix(model.expand(x), y, samples.weight, robust)
        model.matrix = m.T
        model.figures = {"degree": deg, "terms": int(m.shape[0]), "robust": robust}
        return model

    return fitter


def _fit_dye_density(samples: FitSamples, enc: str, *, robust: str, **_: Any) -> ColorTransform:
    """Variable projection: for a given scanner flare (3 numbers, optimised by scipy's
    least_squares) the density matrix and fog are a weighted linear least-squares problem
    in density, solved in closed form. Weights ∝ T^(1/2.4) make density errors count as
    they look (a density error in a deep shadow is invisible)."""
    from scipy.optimize import least_squares

    n = samples.source.shape[0]
    idx = np.linspace(0, n - 1, min(n, 20_000)).astype(int)
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

    flare = np.zeros(3)
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
        result = least_squares(residual, flare, bounds=(np.zeros(3), np.full(3, 0.1)), max_nfev=40)
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


def _fit_cdl(samples: FitSamples, enc: str, *, robust: str, **_: Any) -> ColorTransform:
    from scipy.optimize import least_squares

    x, y = _encoded(samples, enc)
    n = x.shape[0]
    idx = np.linspace(0, n - 1, min(n, 20_000)).astype(int)
    x, y = x[idx], y[idx]
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


_FITTERS: Dict[str, Callable[..., ColorTransform]] = {
    "lut3d": _fit_lut3d,
    "root-polynomial": _fit_polynomial(True),
    "polynomial": _fit_polynomial(False),
    "dye-density": _fit_dye_density,
    "cdl": _fit_cdl,
}
