"""Ridge-regularised, robust polynomial fits (Finlayson, Mackiewicz & Hurlbert 2015 terms).

The model is ``y ≈ [expand(x), 1] @ M`` in a fit encoding. The ridge pulls ``M`` toward the
identity mapping (not toward zero, which would be "everything black"):

    Σ wᵢ |yᵢ − fᵢ M|² / Σ w  +  λ ‖M − M_id‖²

solved in closed form. Choosing λ by cross-validation is cheap because the normal equations
add up: each unit (shot, frame or spatial block) contributes its own Gram matrix, and a fold's
training system is a sum of them (:func:`choose_ridge`). The final fit is robust (IRLS:
Huber, then Tukey's bisquare, scale from the MAD).
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from .folds import FoldPlan
from .lut_fit import robust_weights

#: (held-out boolean mask, several predictions (n_held, 3) in the fit encoding) → mean error
#: of each
LossFn = Callable[[np.ndarray, Sequence[np.ndarray]], List[float]]


def expand(x: np.ndarray, degree: int, root: bool, constant: bool = True) -> np.ndarray:
    """(N, 3) encoded values → (N, terms [+ 1]) Finlayson 2015 expansion (colour-science)."""
    from colour.characterisation import polynomial_expansion_Finlayson2015

    v = np.asarray(x, np.float64)
    if root:  # roots of negative products are undefined: work on the clipped part
        v = np.clip(v, 0.0, None)
    f = np.asarray(polynomial_expansion_Finlayson2015(v, int(degree), bool(root)), np.float64)
    if constant:
        f = np.hstack([f, np.ones((f.shape[0], 1))])
    return f


def identity_coefficients(terms: int) -> np.ndarray:
    """(terms, 3) coefficients of the identity mapping (the expansion starts R, G, B)."""
    m = np.zeros((terms, 3))
    m[:3] = np.eye(3)
    return m


def ridge_solve(gram: np.ndarray, rhs: np.ndarray, lam: float, m0: np.ndarray) -> np.ndarray:
    """argmin of the normalised quadratic: (G + λI) M = b + λ M₀."""
    t = gram.shape[0]
    a = gram + (lam + 1e-12) * np.eye(t)
    return np.linalg.solve(a, rhs + lam * m0)


def irls_ridge(
    features: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    lam: float,
    robust: str = "tukey",
) -> np.ndarray:
    """Robust ridge fit: (terms, 3) coefficients."""
    m0 = identity_coefficients(features.shape[1])
    schedule = {"none": [], "huber": ["huber"] * 3, "tukey": ["huber", "tukey", "tukey"]}[robust]
    ww = np.asarray(w, np.float64)
    m = m0
    for step, kind in enumerate(["none"] + schedule):
        if step:
            ww = w * robust_weights(np.linalg.norm(y - features @ m, axis=1), kind)
        total = max(float(ww.sum()), 1e-12)
        fw = features * (ww / total)[:, None]
        m = ridge_solve(features.T @ fw, fw.T @ y, lam, m0)
    return m


def unit_normal_equations(
    features: np.ndarray, y: np.ndarray, w: np.ndarray, unit: np.ndarray
) -> Dict[int, Tuple[np.ndarray, np.ndarray, float]]:
    """Per unit label: (FᵀWF, FᵀWy, Σw), unnormalised, so folds can add them up."""
    out = {}
    for u in np.unique(unit):
        sel = unit == u
        f, ww = features[sel], w[sel]
        fw = f * ww[:, None]
        out[int(u)] = (f.T @ fw, fw.T @ y[sel], float(ww.sum()))
    return out


def choose_ridge(
    features: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    plan: FoldPlan,
    loss: LossFn,
    lambdas: Sequence[float],
) -> Tuple[float, List[float]]:
    """λ with the lowest mean held-out ``loss`` over ``plan``'s folds (plain least squares
    per fold, closed form). Returns (λ, mean loss per λ)."""
    parts = unit_normal_equations(features, y, w, plan.unit)
    m0 = identity_coefficients(features.shape[1])
    scores = np.zeros(len(lambdas))
    for fold in plan.folds:
        train = [parts[u] for u in parts if u not in fold]
        if not train:
            continue
        total = max(sum(p[2] for p in train), 1e-12)
        gram = sum(p[0] for p in train) / total
        rhs = sum(p[1] for p in train) / total
        held = np.isin(plan.unit, fold)
        f_held = features[held]
        scores += loss(held, [f_held @ ridge_solve(gram, rhs, lam, m0) for lam in lambdas])
    scores /= max(len(plan.folds), 1)
    best = int(np.argmin(scores))
    return float(lambdas[best]), [round(float(s), 5) for s in scores]
