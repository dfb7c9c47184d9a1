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
from ...progress import ProgressFn, report

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


def frame_features(images: np.ndarray, w: int, h: int) -> np.ndarray:
    """Rank features of (N, H, W) luminance pooled to h × w, in blocks (never the whole
    pooled stack at once)."""
    n = len(images)
    out = np.empty((n, w * h), np.float32)
    for a in range(0, n, FEATURE_CHUNK):
        out[a : a + FEATURE_CHUNK] = rank_features(pool(images[a : a + FEATURE_CHUNK], w, h))
    return out


def unit_features(ref: Thumbnails, order: str, w: int, h: int) -> np.ndarray:
    """Features of the reference per field in time order: (2R, h·w). ``order``: progressive
    (both units of a frame are the whole frame), upper or lower (that field first)."""
    if order == "progressive" or ref.fields is None:
        return np.repeat(frame_features(ref.luma, w, h), 2, axis=0)
    f = ref.fields if order == "upper" else ref.fields[:, ::-1]
    both = np.empty((2 * len(f), w * h), np.float32)
    both[0::2] = frame_features(f[:, 0], w, h)
    both[1::2] = frame_features(f[:, 1], w, h)
    return both


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


def top_candidates(
    zs: np.ndarray,
    zu: np.ndarray,
    k: int,
    chunk: int = 1024,
    progress: Optional[ProgressFn] = None,
) -> np.ndarray:
    """Indices (S, k) of the k most similar rows of ``zu`` for each row of ``zs`` (chunked
    matrix products: memory ``chunk`` × len(zu) floats at a time)."""
    k = min(k, zu.shape[0])
    out = np.empty((zs.shape[0], k), np.int64)
    for a in range(0, zs.shape[0], chunk):
        sims = zs[a : a + chunk] @ zu.T
        out[a : a + chunk] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        report(progress, min(a + chunk, zs.shape[0]), zs.shape[0], "candidates")
    return out
