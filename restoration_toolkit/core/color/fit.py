"""``fit_color_transform``: the color fit, with the model chosen by cross-validation.

Given aligned pairs (scan → reference), the fit collects grain-aware samples
(:mod:`.samples`), cross-validates every candidate model that matches what the caller forced
(:mod:`.candidates`, :mod:`.crossval`: leave one shot out, leave one frame out, or spatial
blocks of a single frame), refits the winner on all pairs — choosing its weights by the same
inner cross-validation it was judged with — and returns it. Methods:

- ``lut3d`` — smooth 3D LUT by regularised least squares on the lattice (:mod:`.lut_fit`)
  around a prior (none, affine, root-polynomial or the dye-density model);
- ``root-polynomial`` / ``polynomial`` — Finlayson, Mackiewicz & Hurlbert (2015);
- ``dye-density`` — inverse chromogenic fading in density (Chatterjee, Trumpy & Ruedel 2023);
- ``cdl`` — ASC CDL (slope, offset, power, saturation), the editable grade.

All are robust (IRLS / soft-L1) and take a confidence mask. ``chroma_only``: the target is
the scan's luminance with the reference's chroma and the result is applied the same way
(:mod:`.chroma_only`). Estimation and application are separate: the result has ``.apply``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from ..errors import RTKError
from ..progress import ProgressFn
from .candidates import Candidate, select_candidates
from .chroma_only import ChromaOnly, keep_scan_luminance
from .crossval import CV_LATTICE, CV_SAMPLES, Selection, cross_validate, subsample
from .estimators import Workspace, choose_weights, fit_with
from .folds import FoldPlan, inner_plan, plan_folds
from .samples import FitSamples, collect_samples
from .scoring import Scorer
from .transforms import ColorTransform

ImageOrList = Union[np.ndarray, Sequence[np.ndarray]]
ROBUST = ("tukey", "huber", "none")


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
    method: Optional[str] = None,
    encoding: Optional[str] = None,
    prior: Optional[str] = None,
    degree: Optional[int] = None,
    mask: Optional[ImageOrList] = None,
    shots: Optional[Sequence[str]] = None,
    frames: Optional[Sequence[object]] = None,
    chroma_only: bool = False,
    size: int = 33,
    prefilter: float = 1.5,
    edge_stops: float = 0.25,
    robust: str = "tukey",
    smoothness: Optional[float] = None,
    ridge: Optional[float] = None,
    max_samples: int = 300_000,
    cv_samples: int = CV_SAMPLES,
    cv_lattice: int = CV_LATTICE,
    cross_validate_models: bool = True,
    seed: int = 0,
    measure_encoding: str = "linear-srgb",
    progress: Optional[ProgressFn] = None,
) -> ColorTransform:
    """Fit a color transform taking ``source`` (the faded scan) to ``target`` (the aligned
    reference), the model chosen by cross-validation.

    source, target: scene-linear float32 ndarray (H, W, 3) in the working space, or lists of
        them (one per training pair; each pair the same size — align first).
    method, encoding, prior, degree: force part of the model (None = let cross-validation
        choose among every candidate that matches; see :mod:`.candidates`).
    mask: confidence (H, W) 0–1 per pair (0 = ignore: damage, subtitles, letterbox), or None.
    shots: the shot of each pair (leave-one-shot-out when there are several); frames: a name
        per pair (fold names in the report).
    chroma_only: fit and apply keeping the scan's luminance (:mod:`.chroma_only`).
    size: LUT lattice size of the result. prefilter, edge_stops: grain-aware sampling.
    robust: ``tukey`` (Huber then bisquare), ``huber`` or ``none``.
    smoothness, ridge: fix the LUT's weights (or, with one polynomial candidate, its ridge)
        instead of choosing them by cross-validation.
    cv_samples: pixels the cross-validation runs on; cv_lattice: LUT size during it.
    cross_validate_models: False with a single candidate skips the outer cross-validation
        (its weights are still chosen by the inner one).
    measure_encoding: how ΔE2000 reads the working space (``linear-srgb``, ``acescg`` …).

    The result's ``figures`` hold the training ΔE2000 and, under ``model_selection``, the
    whole candidate table. Raises RTKError for bad input (sizes differ, NaN/inf, a mask that
    excludes everything, too few pixels, one flat color, unknown method / encoding).
    """
    if robust not in ROBUST:
        raise RTKError(f"unknown robust loss {robust!r} (tukey, huber or none)")
    if not 2 <= int(size) <= 129:
        raise RTKError(f"LUT size must be between 2 and 129, got {size}")
    candidates = select_candidates(method, encoding, prior, degree)
    sources, targets, masks = _as_list(source), _as_list(target), _as_list(mask)
    assert sources is not None and targets is not None
    if len(sources) != len(targets):
        raise RTKError(f"{len(sources)} source images but {len(targets)} targets")
    if masks is not None and len(masks) != len(sources):
        raise RTKError(f"{len(masks)} masks for {len(sources)} pairs")
    if shots is not None and len(shots) != len(sources):
        raise RTKError(f"{len(shots)} shot names for {len(sources)} pairs")
    pairs = [(s, t, masks[i] if masks is not None else None)
             for i, (s, t) in enumerate(zip(sources, targets))]
    samples = collect_samples(
        pairs, prefilter=prefilter, edge_stops=edge_stops, max_samples=max_samples, seed=seed
    )
    if chroma_only:
        samples = samples.with_target(keep_scan_luminance(samples.source, samples.target))
    fixed: Optional[Dict[str, float]] = None
    if smoothness is not None or ridge is not None:
        fixed = {k: float(v) for k, v in (("smoothness", smoothness), ("ridge", ridge))
                 if v is not None}
    return fit_samples(
        samples, candidates, shots=shots, frames=frames, chroma_only=chroma_only, size=size,
        robust=robust, weights=fixed, cv_samples=cv_samples, cv_lattice=cv_lattice,
        cross_validate_models=cross_validate_models, seed=seed,
        measure_encoding=measure_encoding, progress=progress,
    )


def fit_samples(
    samples: FitSamples,
    candidates: Sequence[Candidate],
    *,
    shots: Optional[Sequence[str]] = None,
    frames: Optional[Sequence[object]] = None,
    chroma_only: bool = False,
    size: int = 33,
    robust: str = "tukey",
    weights: Optional[Dict[str, float]] = None,
    cv_samples: int = CV_SAMPLES,
    cv_lattice: int = CV_LATTICE,
    cross_validate_models: bool = True,
    seed: int = 0,
    measure_encoding: str = "linear-srgb",
    progress: Optional[ProgressFn] = None,
) -> ColorTransform:
    """Choose among ``candidates`` by cross-validation on ``samples`` (already collected;
    for chroma-only their target is already the composite) and fit the winner on all of
    them (see :func:`fit_color_transform`)."""
    scorer = Scorer(measure_encoding, chroma_only)
    plan = plan_folds(samples, shots, frames)
    small = subsample(samples, plan.unit, cv_samples, seed)
    plan = plan_folds(small, shots, frames)
    selection: Optional[Selection] = None
    winner = candidates[0]
    if cross_validate_models and (len(candidates) > 1 or weights is None):
        selection = cross_validate(small, candidates, plan, scorer, robust=robust,
                                   lattice=min(int(size), cv_lattice), progress=progress)
        winner = selection.winner.candidate
    elif len(candidates) > 1:
        raise RTKError("several candidate models and no cross-validation to choose among them")
    model = refit(samples, small, plan, winner, scorer, size=size, robust=robust,
                  weights=weights)
    if chroma_only:
        model = ChromaOnly(inner=model, figures=dict(model.figures))
    model.figures.update(samples.figures)
    model.figures.update(training_figures(model, samples, scorer))
    if selection is not None:
        model.figures["model_selection"] = selection.to_dict()
    return model


def refit(
    samples: FitSamples,
    small: FitSamples,
    plan: FoldPlan,
    candidate: Candidate,
    scorer: Scorer,
    *,
    size: int = 33,
    robust: str = "tukey",
    weights: Optional[Dict[str, float]] = None,
) -> ColorTransform:
    """Fit ``candidate`` on all ``samples``; its weights (unless given) chosen by the inner
    cross-validation on the subsample ``small`` (folds of ``plan``), as in every fold."""
    if weights is None:
        inner = inner_plan(plan, np.ones(len(small), bool), small.block)
        weights = choose_weights(Workspace(small, robust, scorer), candidate, inner, size)
    model = fit_with(Workspace(samples, robust, scorer), candidate, weights, size)
    model.figures = {**model.figures, "candidate": candidate.name,
                     "weights": {k: float(f"{v:.3g}") for k, v in weights.items()}}
    return model


def training_figures(
    transform: ColorTransform, samples: FitSamples, scorer: Scorer
) -> Dict[str, float]:
    """ΔE2000 of the fitted transform on (a subset of) its own training samples."""
    n = min(samples.source.shape[0], 100_000)
    idx = np.linspace(0, samples.source.shape[0] - 1, n).astype(int)
    pred = transform.apply(samples.source[idx][None])[0]
    # the transform composes chroma-only itself: score it as a full prediction
    de = Scorer(scorer.measure_encoding, False).errors(
        samples.source[idx], samples.target[idx], pred)
    return {"train_de2000_mean": round(float(de.mean()), 4),
            "train_de2000_p95": round(float(np.percentile(de, 95)), 4)}
