"""Temporal smoothing of the global model over a sequence.

Film weave and telecine jitter move the whole frame a little from frame to frame; an
independent fit per frame follows that (as it should). But a reference that is steady while
the scan is steady should not get per-frame noise from the fit itself, and a frame with little
content (a fade, a flash frame) should borrow its framing from its neighbours. ``--smooth``
replaces each frame's affine by a Gaussian-weighted, outlier-robust average of its neighbours'
(in frames), weighted by how much of each frame was confidently aligned.
"""

from __future__ import annotations

from typing import Dict, Mapping, Optional

import numpy as np


def smooth_matrices(
    matrices: Mapping[int, np.ndarray],
    sigma: float,
    *,
    weights: Optional[Mapping[int, float]] = None,
    outlier: float = 3.0,
) -> Dict[int, np.ndarray]:
    """Gaussian smoothing (``sigma`` in frames) of 2×3 affines keyed by frame number.

    Frames are weighted by ``weights`` (e.g. confident fraction, 0–1). A frame whose
    parameters sit more than ``outlier`` robust deviations from the first smoothed estimate
    gets no say in the second pass (but still receives a smoothed matrix). Frames missing from
    ``matrices`` are not produced. ``sigma <= 0`` returns copies.
    """
    frames = sorted(matrices)
    if not frames:
        return {}
    params = np.stack([np.asarray(matrices[f], np.float64).reshape(6) for f in frames])
    if sigma <= 0 or len(frames) == 1:
        return {f: params[i].reshape(2, 3).copy() for i, f in enumerate(frames)}
    t = np.asarray(frames, np.float64)
    base_w = np.array([max(float((weights or {}).get(f, 1.0)), 1e-3) for f in frames])
    kernel = np.exp(-0.5 * ((t[:, None] - t[None, :]) / sigma) ** 2)

    def average(w: np.ndarray) -> np.ndarray:
        k = kernel * w[None, :]
        return (k @ params) / k.sum(axis=1, keepdims=True)

    first = average(base_w)
    # deviations in "pixels at the frame corners" would need sizes; use per-parameter robust z
    dev = params - first
    mad = np.median(np.abs(dev - np.median(dev, axis=0)), axis=0) * 1.4826 + 1e-9
    z = np.max(np.abs(dev) / mad, axis=1)
    keep = np.where(z > outlier, 0.0, 1.0) if len(frames) >= 5 else np.ones(len(frames))
    second = average(base_w * np.maximum(keep, 1e-6))
    return {f: second[i].reshape(2, 3) for i, f in enumerate(frames)}
