"""Fit one candidate model (:mod:`.candidates`) on a set of samples.

Every candidate is a *procedure*: it chooses its own ridge / smoothness weights by
cross-validation inside the samples it is given (:func:`choose_weights`, on the folds of
:func:`.folds.inner_plan`), then fits with them (:func:`fit_with`). Cross-validating the
procedure (:mod:`.crossval`) therefore never lets a held-out fold choose a weight.

A :class:`Workspace` holds one training set and caches what several candidates share: the
samples in each encoding, the dye-density fit (a model and a LUT prior), the scorer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .candidates import LUT_WEIGHTS, POLY_RIDGE, Candidate
from .encodings import get_encoding
from .folds import FoldPlan
from .lut_fit import LutFitOptions, choose_lut_weights, fit_lut, is_monotone, robust_affine
from .parametric import fit_cdl, fit_dye_density
from .polyfit import choose_ridge, expand, irls_ridge
from .samples import FitSamples
from .scoring import Scorer
from .transforms import (
    ColorTransform,
    DyeDensity,
    Lut3D,
    PlainPolynomial,
    Polynomial,
    lattice,
)

Hyper = Dict[str, float]
PriorFn = Callable[[np.ndarray], np.ndarray]
#: the LUT's weights are chosen on a lattice this fine (they are scale-free, see lut_fit)
CHOICE_LATTICE = 17
#: choosing a weight scores at most this many held-out samples (evenly spread) per fold
CHOICE_SAMPLES = 3000


class Workspace:
    """One training set: ``samples`` (scene-linear), the robust loss and the scorer."""

    def __init__(self, samples: FitSamples, robust: str, scorer: Scorer) -> None:
        self.samples = samples
        self.robust = robust
        self.scorer = scorer
        self._encoded: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        self._dye: Optional[DyeDensity] = None

    def encoded(self, name: str) -> Tuple[np.ndarray, np.ndarray]:
        if name not in self._encoded:
            enc = get_encoding(name)
            self._encoded[name] = (
                enc.encode(self.samples.source).astype(np.float64),
                enc.encode(self.samples.target).astype(np.float64),
            )
        return self._encoded[name]

    def dye(self) -> DyeDensity:
        if self._dye is None:
            self._dye = fit_dye_density(self.samples, self.robust)
        return self._dye

    def loss(self, encoding: str, base: Optional[np.ndarray] = None) -> Callable[..., list]:
        """``loss(held_mask, predictions)``: the mean ΔE2000 on the held-out samples of each
        of several encoded predictions (each plus ``base[held]`` when given), scored in one
        call (the per-call cost of the ΔE formula is what a weight search pays most)."""
        enc = get_encoding(encoding)
        s = self.samples

        def loss(held: np.ndarray, preds: Sequence[np.ndarray]) -> list:
            index = np.flatnonzero(held)
            pick = slice(None)
            if index.size > CHOICE_SAMPLES:
                pick = np.linspace(0, index.size - 1, CHOICE_SAMPLES).astype(int)
                index = index[pick]
            stack = np.concatenate([
                (p if base is None else base[held] + p)[pick] for p in preds])
            linear = enc.decode(np.asarray(stack, np.float32))
            n = index.size
            de = self.scorer.errors(np.tile(s.source[index], (len(preds), 1)),
                                    np.tile(s.target[index], (len(preds), 1)), linear)
            w = np.maximum(s.weight[index], 1e-12)
            return [float(np.average(de[i * n:(i + 1) * n], weights=w)) for i in range(len(preds))]

        return loss


def data_range(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Per channel, the range (0.1 / 99.9 percentiles) of encoded inputs: where a polynomial
    is evaluated; beyond it, continued (see transforms.Polynomial)."""
    lo, hi = np.percentile(x, [0.1, 99.9], axis=0)
    return lo, np.maximum(hi, lo + 1e-6)


def _poly_parts(c: Candidate) -> Tuple[int, bool]:
    return int(c.degree or 1), c.method == "root-polynomial"


def _prior(ws: Workspace, kind: str, enc_name: str, prior_ridge: float) -> PriorFn:
    """The global model (encoded → encoded) the LUT lattice corrects."""
    x, y = ws.encoded(enc_name)
    w = ws.samples.weight
    if kind == "identity":
        return lambda v: np.asarray(v, np.float64)
    if kind == "affine":
        affine = robust_affine(x, y, w, shrink=LutFitOptions.prior_shrink)
        return lambda v: np.hstack([np.clip(v, 0, 1), np.ones((v.shape[0], 1))]) @ affine
    if kind == "polynomial":
        m = irls_ridge(expand(x, 2, True), y, w, prior_ridge, ws.robust)
        lower, upper = data_range(x)

        def continued(v: np.ndarray) -> np.ndarray:  # as transforms.Polynomial: no extrapolation
            inside = np.clip(v, lower, upper)
            return expand(inside, 2, True) @ m + (v - inside)

        return continued
    dye = ws.dye()
    encoding = get_encoding(enc_name)

    def physical(v: np.ndarray) -> np.ndarray:
        linear = encoding.decode(np.asarray(v, np.float32))
        return encoding.encode(dye.apply(linear[None])[0]).astype(np.float64)

    return physical


def choose_weights(ws: Workspace, c: Candidate, inner: FoldPlan, size: int = 33) -> Hyper:
    """The candidate's ridge / smoothness weights by cross-validation on ``inner``'s folds
    (units of ``ws.samples`` only). Parametric models have none."""
    w = ws.samples.weight
    if c.method in ("polynomial", "root-polynomial"):
        x, y = ws.encoded(c.encoding)
        degree, root = _poly_parts(c)
        lam, _ = choose_ridge(expand(x, degree, root), y, w, inner,
                              ws.loss(c.encoding), POLY_RIDGE)
        return {"ridge": lam}
    if c.method != "lut3d":
        return {}
    x, y = ws.encoded(c.encoding)
    hyper: Hyper = {}
    if c.prior == "polynomial":
        hyper["prior_ridge"], _ = choose_ridge(expand(x, 2, True), y, w, inner,
                                               ws.loss(c.encoding), POLY_RIDGE)
    prior = _prior(ws, str(c.prior), c.encoding, hyper.get("prior_ridge", 0.0))
    base = np.asarray(prior(np.clip(x, 0, 1)), np.float64)
    n = min(CHOICE_LATTICE, int(size))
    (smooth, ridge), _ = choose_lut_weights(
        x, y - base, w, inner.unit, inner.folds, LUT_WEIGHTS,
        ws.loss(c.encoding, base), size=n,
        prior_nodes=np.asarray(prior(lattice(n).reshape(-1, 3)), np.float64),
    )
    hyper.update(smoothness=smooth, ridge=ridge)
    return hyper


def fit_with(ws: Workspace, c: Candidate, hyper: Hyper, size: int = 33) -> ColorTransform:
    """Fit candidate ``c`` on all of ``ws.samples`` with the given weights."""
    if c.method == "dye-density":
        return replace(ws.dye())  # a copy: the cached fit is also the LUT's prior
    if c.method == "cdl":
        return fit_cdl(ws.samples, c.encoding, ws.robust)
    x, y = ws.encoded(c.encoding)
    w = ws.samples.weight
    if c.method in ("polynomial", "root-polynomial"):
        degree, root = _poly_parts(c)
        m = irls_ridge(expand(x, degree, root), y, w, float(hyper.get("ridge", 0.0)), ws.robust)
        cls = Polynomial if root else PlainPolynomial
        lower, upper = data_range(x)
        model = cls(encoding=c.encoding, matrix=m.T.copy(), degree=degree, root=root,
                    constant=True, lower=lower, upper=upper)
        model.figures = {"degree": degree, "terms": int(m.shape[0]), "robust": ws.robust}
        return model
    prior = _prior(ws, str(c.prior), c.encoding, float(hyper.get("prior_ridge", 0.0)))
    weights = (float(hyper.get("smoothness", 1e-4)), float(hyper.get("ridge", 1e-2)))
    stiffer = sorted(g for g in LUT_WEIGHTS if g > weights)
    while True:  # a lattice that folds at full size is refit with the next stiffer weights
        options = LutFitOptions(size=int(size), smoothness=weights[0], ridge=weights[1],
                                robust=ws.robust)
        table, figures = fit_lut(x, y, w, options, prior=prior)
        if is_monotone(table) or not stiffer:
            break
        weights = stiffer.pop(0)
    figures["monotone"] = is_monotone(table)
    figures["prior"] = str(c.prior)
    if c.prior == "dye-density":
        figures.update({"prior_" + k: v for k, v in ws.dye().figures.items() if k != "robust"})
    figures["outside_lattice_fraction"] = float(np.mean(np.any((x < 0) | (x > 1), axis=1)))
    return Lut3D(encoding=c.encoding, figures=figures, table=table)


def fit_candidate(ws: Workspace, c: Candidate, inner: FoldPlan, size: int = 33,
                  hyper: Optional[Hyper] = None) -> ColorTransform:
    """Choose the weights on ``inner`` (unless given), then fit. The chosen weights are in
    ``figures["weights"]``."""
    chosen = dict(hyper) if hyper is not None else choose_weights(ws, c, inner, size)
    model = fit_with(ws, c, chosen, size)
    model.figures = {**model.figures, "weights": _rounded(chosen)}
    return model


def _rounded(values: Dict[str, Any]) -> Dict[str, Any]:
    return {k: float(f"{v:.3g}") if isinstance(v, float) else v for k, v in values.items()}
