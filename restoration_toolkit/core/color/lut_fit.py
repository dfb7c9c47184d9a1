"""A smooth 3D LUT by regularised least squares on the lattice.

Unknowns: the N³ lattice values (per output channel) of a correction ``r`` added to a
robust affine *prior* ``p`` (both in the fit encoding), so the LUT is ``p + r``. The energy

    Σᵢ wᵢ |A r − (yᵢ − p(xᵢ))|²  /  Σ w
    + λ (N−1)⁻¹ Σ_axes ‖D r‖²                 (Laplacian smoothness: first differences)
    + μ (N−1)⁻³ ‖r‖²                          (ridge: r → 0 far from any data)

is quadratic: ``A`` splats each sample trilinearly onto its cell's 8 lattice points (the
same interpolation that reads the LUT back), ``D`` is the 1-D difference along each axis
(``order=2``: second differences, a curvature penalty — better extrapolation but a far
worse-conditioned system). The scalings make λ and μ independent of N (they approximate
∫|∇r|² and ∫r²). The normal equations are a sparse symmetric positive-definite system,
solved by a block Jacobi-preconditioned conjugate gradient (all three channels at once),
warm-started across the robust iterations.

Where there is no data the smoothness term spreads the nearby correction a short way and
the ridge pulls the LUT back to the affine prior, so the LUT stays smooth and, as long as
the prior is, monotone: it never extrapolates wildly outside the sampled gamut.

Robustness (outliers: damage, burned-in subtitles, a mismatched cut): iteratively
reweighted least squares, Huber weights first, then Tukey's bisquare (redescending, so
gross outliers get zero weight), with the scale from the median absolute deviation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp

from ..progress import ProgressFn


@dataclass(frozen=True)
class LutFitOptions:
    size: int = 33
    smoothness: float = 1e-4  # a plain fit's value; fit_color_transform chooses it by CV
    ridge: float = 1e-2
    robust: str = "tukey"  # "tukey" (Huber then bisquare), "huber", "none"
    iterations: int = 3
    order: int = 1  # 1: Laplacian (membrane) smoothness; 2: curvature (slower to solve)
    tolerance: float = 1e-4  # relative residual: fit error below 1e-3 stop (measured)
    max_cg: int = 1500
    prior_shrink: float = 2e-3  # ridge of the affine prior's slopes toward identity


def splat_matrix(x: np.ndarray, size: int) -> sp.csr_matrix:
    """(n, size³) trilinear interpolation weights of points ``x`` (n, 3) in 0–1."""
    n = x.shape[0]
    s = np.clip(np.asarray(x, np.float64), 0.0, 1.0) * (size - 1)
    i0 = np.minimum(np.floor(s).astype(np.int64), size - 2)
    f = s - i0
    rows = np.repeat(np.arange(n), 8)
    cols = np.empty((n, 8), np.int64)
    vals = np.empty((n, 8), np.float64)
    k = 0
    for dr in (0, 1):
        wr = f[:, 0] if dr else 1 - f[:, 0]
        for dg in (0, 1):
            wg = f[:, 1] if dg else 1 - f[:, 1]
            for db in (0, 1):
                wb = f[:, 2] if db else 1 - f[:, 2]
                cols[:, k] = ((i0[:, 0] + dr) * size + (i0[:, 1] + dg)) * size + (i0[:, 2] + db)
                vals[:, k] = wr * wg * wb
                k += 1
    return sp.csr_matrix((vals.reshape(-1), (rows, cols.reshape(-1))), shape=(n, size**3))


@lru_cache(maxsize=8)
def difference_matrix(size: int, order: int = 1) -> sp.csr_matrix:
    """Σ_axes DᵀD on a size³ lattice (indexed [r, g, b], b fastest); D = first differences
    (order 1: the graph Laplacian) or second differences (order 2: curvature)."""
    if order == 1:
        d1 = sp.diags([-np.ones(size - 1), np.ones(size - 1)], [0, 1], shape=(size - 1, size))
    else:
        d1 = sp.diags(
            [np.ones(size - 2), -2 * np.ones(size - 2), np.ones(size - 2)],
            [0, 1, 2],
            shape=(size - 2, size),
        )
    eye = sp.identity(size, format="csr")
    total = None
    for axis in range(3):
        parts = [eye, eye, eye]
        parts[axis] = d1
        d = sp.kron(sp.kron(parts[0], parts[1]), parts[2], format="csr")
        term = (d.T @ d).tocsr()
        total = term if total is None else total + term
    return total


def robust_affine(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, iterations: int = 4, shrink: float = 0.0
) -> np.ndarray:
    """(4, 3) affine ``[x, 1] @ M`` fitted with Huber IRLS. ``shrink`` > 0 adds a ridge
    pulling the 3×3 part toward the identity (weight ``shrink`` per unit of Σw), so data
    from a narrow range of colors cannot produce a steep, wildly extrapolating prior."""
    xa = np.hstack([x, np.ones((x.shape[0], 1))])
    ww = w.copy()
    m = np.zeros((4, 3))
    prior = np.vstack([np.eye(3), np.zeros((1, 3))])
    for _ in range(iterations):
        sw = np.sqrt(ww)[:, None]
        total = max(float(ww.sum()), 1e-12)
        lhs = (xa * sw).T @ (xa * sw) / total
        rhs = (xa * sw).T @ (y * sw) / total
        ridge = np.diag([shrink] * 3 + [0.0])
        m = np.linalg.solve(lhs + ridge + 1e-12 * np.eye(4), rhs + ridge @ prior)
        res = np.linalg.norm(y - xa @ m, axis=1)
        ww = w * robust_weights(res, "huber")
    return m


def robust_weights(residual: np.ndarray, kind: str) -> np.ndarray:
    """IRLS weights from residual norms; scale = 1.4826 · MAD (floored)."""
    if kind == "none":
        return np.ones_like(residual)
    scale = max(1.4826 * float(np.median(np.abs(residual))), 1e-4)
    u = residual / scale
    if kind == "huber":
        c = 1.345
        return np.where(u <= c, 1.0, c / np.maximum(u, 1e-12))
    c = 4.685
    return np.where(u < c, (1 - (u / c) ** 2) ** 2, 0.0)


def prolong(r: np.ndarray, size: int) -> np.ndarray:
    """A lattice correction (size³, C) → ((2·size − 1)³, C) by linear interpolation (exact
    for the trilinear model): the coarse solution as the fine solve's starting point."""
    v = r.reshape(size, size, size, -1)
    for axis in range(3):
        shape = list(v.shape)
        shape[axis] = 2 * size - 1
        out = np.empty(shape)
        even = [slice(None)] * 4
        even[axis] = slice(0, None, 2)
        odd = [slice(None)] * 4
        odd[axis] = slice(1, None, 2)
        out[tuple(even)] = v
        lo = [slice(None)] * 4
        lo[axis] = slice(0, -1)
        hi = [slice(None)] * 4
        hi[axis] = slice(1, None)
        out[tuple(odd)] = 0.5 * (v[tuple(lo)] + v[tuple(hi)])
        v = out
    return v.reshape(-1, r.shape[-1])


def regulariser(size: int, options: LutFitOptions) -> sp.csr_matrix:
    """λ·(N−1)^(2·order−3)·Σ DᵀD + μ·(N−1)⁻³·I: scaled so λ and μ mean the same at any N."""
    scale = (size - 1) ** (2 * options.order - 3)
    return (difference_matrix(size, options.order) * (options.smoothness * scale)
            + sp.identity(size**3, format="csr") * (options.ridge / (size - 1) ** 3)).tocsr()


def solve_lattice(
    x: np.ndarray,
    target: np.ndarray,
    w: np.ndarray,
    options: LutFitOptions,
    r0: Optional[np.ndarray] = None,
    progress: Optional[ProgressFn] = None,
) -> Tuple[np.ndarray, np.ndarray, int]:
    """The lattice correction r (N³, 3) fitting ``target`` (n, 3) at encoded ``x`` (n, 3),
    robust per ``options``. Returns (r, final sample weights, CG iterations)."""
    n = options.size
    a = splat_matrix(x, n)
    reg = regulariser(n, options)
    r = np.zeros((n**3, target.shape[1])) if r0 is None else r0.copy()
    weights = w.copy()
    kinds = {"none": ["none"], "huber": ["huber"] * 3, "tukey": ["huber", "tukey", "tukey"]}
    schedule = kinds.get(options.robust, ["huber"])[: max(1, options.iterations)]
    steps = ["none"] + schedule if options.robust != "none" else ["none"]
    cg_iters = 0
    for step, kind in enumerate(steps):
        if step > 0:
            res = np.linalg.norm(target - a @ r, axis=1)
            weights = w * robust_weights(res, kind)
        total = max(float(weights.sum()), 1e-12)
        aw = a.multiply((weights / total)[:, None]).tocsr()
        k = (a.T @ aw + reg).tocsr()
        rhs = aw.T @ target
        r, iters = block_pcg(k, np.asarray(rhs), r, tol=options.tolerance, maxiter=options.max_cg)
        cg_iters += iters
        if progress:
            progress(step + 1, len(steps), f"LUT fit pass {step + 1}/{len(steps)}")
    return r, weights, cg_iters


def fit_lut(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    options: LutFitOptions = LutFitOptions(),
    progress: Optional[ProgressFn] = None,
    prior: Optional[Callable[[np.ndarray], np.ndarray]] = None,
) -> Tuple[np.ndarray, Dict[str, float]]:
    """Fit the LUT table (N, N, N, 3) mapping encoded ``x`` (n, 3) to encoded ``y`` (n, 3)
    with sample weights ``w`` (n,). ``prior``: a global model, encoded (m, 3) → encoded
    (m, 3), that the lattice corrects (default: a robust affine fit, slopes shrunk toward
    identity); far from the data the LUT returns to it. A lattice of odd size ≥ 17 starts
    from the solution on the lattice half as fine (coarse to fine: far fewer CG iterations
    for the same answer). Returns the table and fit figures."""
    n = options.size
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    w = np.asarray(w, np.float64)
    if prior is None:
        affine = robust_affine(x, y, w, shrink=options.prior_shrink)

        def prior(v: np.ndarray) -> np.ndarray:
            return np.hstack([np.clip(v, 0, 1), np.ones((v.shape[0], 1))]) @ affine

    nodes = np.stack(np.meshgrid(*([np.linspace(0, 1, n)] * 3), indexing="ij"), -1).reshape(-1, 3)
    prior_nodes = np.asarray(prior(nodes), np.float64)
    target = y - np.asarray(prior(np.clip(x, 0, 1)), np.float64)
    r0 = None
    coarse_iters = 0
    if n >= 17 and n % 2 == 1:
        coarse = (n + 1) // 2
        rc, _, coarse_iters = solve_lattice(
            x, target, w, replace(options, size=coarse, robust="none"))
        r0 = prolong(rc, coarse)
    r, weights, cg_iters = solve_lattice(x, target, w, options, r0, progress)
    final_res = np.linalg.norm(target - splat_matrix(x, n) @ r, axis=1)
    table = (prior_nodes + r).reshape(n, n, n, 3).astype(np.float32)
    figures = {
        "lut_size": n,
        "smoothness": options.smoothness,
        "ridge": options.ridge,
        "robust": options.robust,
        "outlier_fraction": float(np.mean(weights < 0.05 * w)) if options.robust != "none" else 0.0,
        "fit_rms_encoded": float(
            np.sqrt(np.average(final_res**2, weights=np.maximum(weights, 1e-12)))
        ),
        "cg_iterations": int(cg_iters + coarse_iters),
    }
    return table, figures


def block_pcg(
    k: sp.csr_matrix, b: np.ndarray, x0: np.ndarray, *, tol: float = 1e-6, maxiter: int = 1000
) -> Tuple[np.ndarray, int]:
    """Jacobi-preconditioned conjugate gradients for SPD ``k`` and several right-hand sides
    at once (columns of ``b``); one sparse product per iteration serves all columns."""
    inv_diag = (1.0 / np.maximum(k.diagonal(), 1e-30))[:, None]
    x = x0.copy()
    r = b - k @ x
    z = inv_diag * r
    p = z.copy()
    rz = np.einsum("ij,ij->j", r, z)
    limit = (tol**2) * np.maximum(np.einsum("ij,ij->j", b, b), 1e-60)
    for it in range(1, maxiter + 1):
        kp = k @ p
        alpha = rz / np.maximum(np.einsum("ij,ij->j", p, kp), 1e-300)
        x += alpha * p
        r -= alpha * kp
        if np.all(np.einsum("ij,ij->j", r, r) <= limit):
            return x, it
        z = inv_diag * r
        rz_new = np.einsum("ij,ij->j", r, z)
        p = z + (rz_new / np.maximum(rz, 1e-300)) * p
        rz = rz_new
    return x, maxiter


MONOTONE_TOLERANCE = 1e-3  # encoded units: a fold smaller than this is not visible


def is_monotone(table: np.ndarray, tolerance: float = MONOTONE_TOLERANCE) -> bool:
    """True when every output channel of a (N, N, N, 3) table rises (or stays) along its own
    input axis: no fold, no solarised band."""
    return all(float(np.diff(table[..., c], axis=c).min()) >= -tolerance for c in range(3))


def choose_lut_weights(
    x: np.ndarray,
    target: np.ndarray,
    w: np.ndarray,
    unit: np.ndarray,
    folds: Sequence[Sequence[int]],
    grid: Sequence[Tuple[float, float]],
    loss: Callable[[np.ndarray, Sequence[np.ndarray]], List[float]],
    size: int = 17,
    prior_nodes: Optional[np.ndarray] = None,
) -> Tuple[Tuple[float, float], List[float]]:
    """(smoothness, ridge) from ``grid`` with the lowest mean held-out ``loss`` over
    ``folds`` (lists of ``unit`` labels to hold out). ``target``: what the lattice must fit
    (the data minus the prior), ``loss(held_mask, lattice_predictions)`` → mean error of
    each. Plain least squares
    on a ``size``³ lattice (the weights are scale-free), warm-started along the grid; the
    held-out samples never enter the solve they are scored on. With ``prior_nodes`` (the
    prior at the lattice nodes, (size³, 3)), weights whose lattice folds in any fold
    (:func:`is_monotone`) are not chosen; if every entry folds, the stiffest is. Returns the
    pair and the mean loss per grid entry."""
    a_all = splat_matrix(x, size)
    scores = np.zeros(len(grid))
    monotone = np.ones(len(grid), bool)
    for fold in folds:
        held = np.isin(unit, list(fold))
        train = ~held
        if not held.any() or not train.any():
            continue
        a_tr = a_all[train]
        wt = w[train] / max(float(w[train].sum()), 1e-12)
        aw = a_tr.multiply(wt[:, None]).tocsr()
        data = (a_tr.T @ aw).tocsr()
        rhs = np.asarray(aw.T @ target[train])
        a_held = a_all[held]
        r = np.zeros((size**3, target.shape[1]))
        preds = []
        for i, (smooth, ridge) in enumerate(grid):
            k = (data + regulariser(size, LutFitOptions(size=size, smoothness=smooth,
                                                        ridge=ridge))).tocsr()
            r, _ = block_pcg(k, rhs, r, tol=1e-3, maxiter=600)
            preds.append(a_held @ r)
            if prior_nodes is not None:
                monotone[i] &= is_monotone((prior_nodes + r).reshape(size, size, size, -1))
        scores += loss(held, preds)
    scores /= max(len(folds), 1)
    if not monotone.any():
        return tuple(max(grid)), [round(float(s), 5) for s in scores]  # type: ignore[return-value]
    best = int(np.argmin(np.where(monotone, scores, np.inf)))
    return tuple(grid[best]), [round(float(s), 5) for s in scores]  # type: ignore[return-value]
