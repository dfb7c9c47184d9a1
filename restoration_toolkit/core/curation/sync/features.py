"""Sync features: rank-normalised luminance thumbnails, reference fields in time order, the
field analysis (combing, field order) and the global nearest-neighbour candidate search.

Every feature is a zero-mean unit-norm float32 vector, so a dot product is a correlation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from ...io.thumbnails import Thumbnails

FEATURE_CHUNK = 8192  # frames per block: bounds the temporaries of the feature passes


def rank_features(images: np.ndarray) -> np.ndarray:
    """(N, h, w) luminance → (N, h·w) zero-mean unit-norm rank vectors (float32).

    The dot product of two rows is the Spearman correlation of the two thumbnails: invariant
    to any monotonic change of tone (grade, gamma, log vs video, exposure). Computed in
    blocks of :data:`FEATURE_CHUNK` frames, so the temporaries stay small on a feature."""
    n = len(images)
    d = int(np.prod(np.shape(images)[1:])) if n else 0
    out = np.empty((n, d), np.float32)
    ramp = np.arange(d, dtype=np.float32)[None, :]
    for a in range(0, n, FEATURE_CHUNK):
        x = np.asarray(images[a : a + FEATURE_CHUNK], np.float32).reshape(-1, d)
        order = np.argsort(x, axis=1)
        ranks = out[a : a + len(x)]
        np.put_along_axis(ranks, order, ramp, axis=1)
        ranks -= (d - 1) / 2.0
        ranks /= np.linalg.norm(ranks, axis=1, keepdims=True) + 1e-9
    return out


def pool(images: np.ndarray, w: int, h: int) -> np.ndarray:
    """(N, H, W) → (N, h, w) float32 by block averaging (H, W multiples of h, w)."""
    n, hh, ww = images.shape
    a, b = hh // h, ww // w
    if a == 1 and b == 1:
        return np.asarray(images, np.float32)
    out = np.empty((n, h, w), np.float32)
    # one call per block of frames: with whole-number factors INTER_AREA averages exactly the
    # a×b blocks, which never straddle two frames
    for s in range(0, n, FEATURE_CHUNK):
        block = np.ascontiguousarray(images[s : s + FEATURE_CHUNK], np.float32)
        m = len(block)
        stacked = block.reshape(m * hh, ww)
        out[s : s + m] = cv2.resize(stacked, (w, m * h), interpolation=cv2.INTER_AREA).reshape(
            m, h, w
        )
    return out


def tone_curve(
    images: np.ndarray, w: int, h: int, levels: int = 1024, frames: int = 2000
) -> np.ndarray:
    """The sequence's global luminance distribution: ``levels`` quantiles of the pixels of
    up to ``frames`` evenly spaced thumbnails pooled to h × w (strictly increasing; see
    :func:`global_rank_features`)."""
    n = len(images)
    pick = np.unique(np.linspace(0, n - 1, min(n, frames)).round().astype(np.int64))
    values = pool(np.asarray(images[pick]), w, h).ravel()
    q = np.quantile(values, np.linspace(0.0, 1.0, levels))
    # flat spikes (clipped black or white) give repeated quantiles: keep one, nudged up
    return np.maximum.accumulate(q + np.arange(levels) * 1e-7 * (abs(q[-1] - q[0]) + 1e-6))


def global_rank_features(images: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """(N, h, w) luminance → (N, h·w) zero-mean unit-norm vectors of each pixel's rank in the
    whole sequence (its value through the sequence's own distribution, ``curve`` from
    :func:`tone_curve`), float32.

    Like per-frame ranks (:func:`rank_features`) this undoes any monotonic tone change
    applied to the whole sequence (grade, gamma, log vs video), because scan and reference
    each go through their own distribution. Unlike them it keeps how far apart two values
    are: inside a flat or two-tone area (a silhouette, a page of text, a sky) per-frame
    ranks order the grain, which is noise, and cap the correlation of a true match near
    0.75; global ranks leave those pixels almost equal, so the picture's structure decides.
    The dot product of two rows is their Pearson correlation in that space."""
    x = np.asarray(images, np.float32).reshape(len(images), -1)
    u = np.interp(x, curve, np.linspace(0.0, 1.0, len(curve))).astype(np.float32)
    u -= u.mean(axis=1, keepdims=True)
    u /= np.linalg.norm(u, axis=1, keepdims=True) + 1e-9
    return u


def frame_features(
    images: np.ndarray, w: int, h: int, curve: Optional[np.ndarray] = None
) -> np.ndarray:
    """Features of (N, H, W) luminance pooled to h × w, in blocks (never the whole pooled
    stack at once): global ranks through ``curve``, or per-frame ranks when it is None."""
    n = len(images)
    out = np.empty((n, w * h), np.float32)
    for a in range(0, n, FEATURE_CHUNK):
        pooled = pool(images[a : a + FEATURE_CHUNK], w, h)
        out[a : a + FEATURE_CHUNK] = (
            rank_features(pooled) if curve is None else global_rank_features(pooled, curve)
        )
    return out


@dataclass(frozen=True)
class FieldAnalysis:
    """combing: fraction of moving reference frames whose fields pair across the frame
    boundary better than within the frame (0 progressive, ~0.5 3:2 pulldown, ~1 field-shifted
    video); upper_first: fraction of those where the pairing says upper field first."""

    combing: float
    upper_first: float


def analyse_fields(ref: Thumbnails) -> FieldAnalysis:
    """Combing and field order from the reference's field thumbnails (frames where the
    difference is within the noise are not counted)."""
    if ref.fields is None or len(ref) < 3:
        return FieldAnalysis(0.0, 0.5)
    top = frame_features(ref.fields[:, 0], 16, 12)
    bot = frame_features(ref.fields[:, 1], 16, 12)
    within = np.einsum("ij,ij->i", top[1:], bot[1:])
    upper = np.einsum("ij,ij->i", bot[:-1], top[1:])  # previous bottom with this top
    lower = np.einsum("ij,ij->i", top[:-1], bot[1:])  # previous top with this bottom
    diff = np.maximum(upper, lower) - within
    decided = np.abs(diff) > 0.005
    if decided.sum() < max(3, 0.02 * len(diff)):
        return FieldAnalysis(0.0, 0.5)
    combed = decided & (diff > 0)
    return FieldAnalysis(
        float(np.mean(diff[decided] > 0)),
        float(np.mean(upper[combed] > lower[combed])) if combed.any() else 0.5,
    )


def search_features(z: np.ndarray, h: int, w: int) -> np.ndarray:
    """Coarse (h/2 × w/2) unit vectors from rank features of an h × w thumbnail: the global
    nearest-neighbour search runs on these (4× fewer numbers)."""
    coarse = pool(z.reshape(len(z), h, w), w // 2, h // 2).reshape(len(z), -1)
    coarse = coarse - coarse.mean(axis=1, keepdims=True)
    return (coarse / (np.linalg.norm(coarse, axis=1, keepdims=True) + 1e-9)).astype(np.float32)
