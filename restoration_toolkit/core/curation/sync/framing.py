"""Framing: a transfer is rarely framed like the scan (cropped, zoomed, shifted), and in a
pan a framing difference looks like a frame offset. Estimate the affine between scan and
reference thumbnails from matched runs, and resample reference thumbnails onto the scan's
framing.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from ...io.thumbnails import Thumbnails
from .result import SyncResult


def estimate_framing(
    scan: Thumbnails,
    reference: Thumbnails,
    result: SyncResult,
    run: int = 24,
    shifts: int = 3,
    max_runs: int = 16,
) -> Optional[np.ndarray]:
    """The affine (2×3, thumbnail pixels) taking scan thumbnail coordinates to reference
    ones, or None when it moves no point by more than a fifth of a thumbnail pixel.

    In a pan or a zoom a framing difference and a mapping a few frames off look alike, so
    the framing is fitted jointly over many runs of ``run`` matched frames: for every run
    and every time shift up to ``shifts`` frames, an ECC fit of the run's averages gives a
    candidate; the candidate that explains all runs best (each at its own best shift) wins.
    The shared framing is what the runs agree on; each run's own motion is not."""
    runs = _runs(scan, reference, result, run, shifts, max_runs)
    if len(runs) < 3:
        return None
    h, w = scan.luma.shape[1:]
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float32)

    def moves(warp: np.ndarray) -> float:
        return float(np.abs(corners @ warp.T - corners[:, :2]).max())

    # quick look first: runs as matched; when they agree the framing is the same, stop
    direct = [x for x in (_ecc_affine(a, refs[0]) for a, refs in runs) if x is not None]
    if direct and moves(np.median(np.stack(direct), axis=0)) <= 0.1:
        return None
    candidates = [np.eye(2, 3, dtype=np.float32)] + direct
    for a, refs in runs:
        for d, b in refs.items():
            warp = _ecc_affine(a, b) if d else None
            if warp is not None:
                candidates.append(warp)
    inner = (slice(3, h - 3), slice(3, w - 3))

    def score(warp: np.ndarray) -> float:
        total = 0.0
        for a, refs in runs:
            best = -1.0
            for b in refs.values():
                wb = cv2.warpAffine(
                    b,
                    warp,
                    (w, h),
                    flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                    borderMode=cv2.BORDER_REPLICATE,
                )
                x, y = a[inner].ravel() - a[inner].mean(), wb[inner].ravel() - wb[inner].mean()
                best = max(best, float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9)))
            total += best
        return total

    scores = [score(c) for c in candidates]
    warp = candidates[int(np.argmax(scores))]
    return warp if moves(warp) > 0.2 else None


def _runs(
    scan: Thumbnails,
    reference: Thumbnails,
    result: SyncResult,
    run: int,
    shifts: int,
    max_runs: int,
) -> List[Tuple[np.ndarray, Dict[int, np.ndarray]]]:
    """Runs of ``run`` confidently matched frames (at most ``max_runs``, spread over the
    reel): the ranked mean scan picture, and the ranked mean reference picture at each time
    shift up to ``shifts`` frames."""
    idx_s, idx_r = [], []
    for i, m in enumerate(result.mapping):
        if m.kind == "clean" and m.confidence > 0.3:
            idx_s.append(i)
            idx_r.append(reference.index_of(int(m.reference)))
    R = len(reference)
    runs = []
    starts = list(range(0, len(idx_s) - run + 1, run))
    if len(starts) > max_runs:  # evenly spread over the reel
        starts = [starts[int(round(t))] for t in np.linspace(0, len(starts) - 1, max_runs)]
    for k in starts:
        a = _ranked(scan.luma[idx_s[k : k + run]].mean(axis=0))
        refs = {}
        for d in range(-shifts, shifts + 1):
            rr = np.clip(np.array(idx_r[k : k + run]) + d, 0, R - 1)
            refs[d] = _ranked(reference.luma[rr].mean(axis=0))
        runs.append((a, refs))
    return runs


def _ecc_affine(a: np.ndarray, b: np.ndarray) -> Optional[np.ndarray]:
    """OpenCV's ECC affine fit of ``b`` onto ``a`` (None when it does not converge)."""
    try:
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 40, 1e-4)
        _, warp = cv2.findTransformECC(
            a, b, np.eye(2, 3, dtype=np.float32), cv2.MOTION_AFFINE, criteria, None, 1
        )
        return warp
    except cv2.error:
        return None


def _ranked(img: np.ndarray) -> np.ndarray:
    flat = img.ravel()
    out = np.empty(flat.size, np.float32)
    out[np.argsort(flat)] = np.arange(flat.size, dtype=np.float32) / flat.size
    return cv2.GaussianBlur(out.reshape(img.shape), (0, 0), 0.7)


def warp_thumbnails(t: Thumbnails, warp: np.ndarray) -> Thumbnails:
    """Reference thumbnails resampled onto the scan's framing (``warp`` from
    :func:`estimate_framing`); borders are filled by replication."""
    h, w = t.luma.shape[1:]

    def one(img: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(
            img,
            warp,
            (w, h),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )

    luma = np.stack([one(x) for x in t.luma])
    fields = None
    if t.fields is not None:
        fields = np.stack([np.stack([one(x[0]), one(x[1])]) for x in t.fields])
    return Thumbnails(t.frames, luma, t.color, fields)


def describe_warp(warp: np.ndarray) -> str:
    scale = float(np.sqrt(abs(np.linalg.det(warp[:, :2]))))
    return f"shift {warp[0, 2]:+.2f}, {warp[1, 2]:+.2f} thumbnail px, scale {scale:.3f}"
