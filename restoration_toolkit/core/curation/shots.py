"""Shot detection (cuts and dissolves) and per-frame / per-shot statistics on thumbnails.

Cheap enough for a full reel: everything works on the (48, 64) luminance and (12, 16, 3)
color thumbnails of :mod:`thumbnails`. Values are in the scan file's own encoding (0–1 for
integer files, scene values for float files); brightness and color are therefore relative
measures, good for comparing frames of one reel, not absolute exposures.

- cut: the frame-to-frame dissimilarity (1 − Spearman correlation of 32×24 thumbnails) is a
  local peak, above ``cut_threshold`` and several times the median of its neighbourhood;
- dissolve: frames ``w`` apart differ like two shots, no cut between them, every frame
  between is close to a linear mix ``(1 − α)·A + α·B`` of the frames before and after with α
  rising from 0 to 1, and contrast dips below the straight line between the two shots'
  (mixing two different pictures lowers it — the variance test of Alattar 1993; a pan or a
  zoom does neither);
- damage: what appears in one frame only — the 99th percentile of the difference to the
  median of the frame and its two neighbours, over the frame's contrast;
- sharpness: Laplacian energy over luminance variance (blur lowers it);
- black: nearly no signal; title: a dark frame with a few bright, sharp shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..io.thumbnails import Thumbnails
from ..ycbcr import to_ycbcr
from .sync import pool, rank_features


@dataclass(frozen=True)
class Transition:
    """A cut (``first == last``: the first frame of the new shot) or a dissolve (every
    frame from ``first`` to ``last`` mixes the two shots). Frame numbers of the scan."""

    kind: str
    first: int
    last: int
    strength: float


@dataclass(frozen=True)
class FrameStats:
    """Per-frame measures, arrays aligned with ``frames`` (all float32 unless said)."""

    frames: np.ndarray  # int
    brightness: np.ndarray  # mean luminance
    chroma: np.ndarray  # (N, 2) mean Cb, Cr
    motion: np.ndarray  # 1 − correlation with the previous frame (0 at a shot start)
    damage: np.ndarray  # one-frame defects, relative to contrast
    sharpness: np.ndarray
    black: np.ndarray  # bool
    title: np.ndarray  # bool

    def features(self) -> np.ndarray:
        """(N, 4) standardised brightness, Cb, Cr, motion: the space coverage picks span."""
        f = np.column_stack([self.brightness, self.chroma[:, 0], self.chroma[:, 1], self.motion])
        scale = np.std(f, axis=0)
        return ((f - f.mean(axis=0)) / np.where(scale > 1e-9, scale, 1.0)).astype(np.float32)


@dataclass(frozen=True)
class ShotInfo:
    """One shot with its statistics (means over its frames)."""

    name: str
    first: int
    last: int
    brightness: float
    color: Tuple[float, float, float]
    motion: float
    damage: float
    sharpness: float

    @property
    def length(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class ShotDetection:
    shots: Tuple[ShotInfo, ...]
    transitions: Tuple[Transition, ...]
    stats: FrameStats

    def shot_of(self, frame: int) -> Optional[ShotInfo]:
        for s in self.shots:
            if s.first <= frame <= s.last:
                return s
        return None

    def near_transition(self, frame: int, margin: int = 0) -> Optional[Transition]:
        """The transition ``frame`` lies in or within ``margin`` frames of (a cut at c
        covers c − margin … c + margin − 1), or None."""
        for t in self.transitions:
            if t.kind == "cut" and t.first - margin <= frame < t.first + margin:
                return t
            if t.kind != "cut" and t.first - margin <= frame <= t.last + margin:
                return t
        return None


def frame_stats(thumbs: Thumbnails) -> FrameStats:
    """Per-frame brightness, chroma, motion, damage, sharpness, black and title flags."""
    luma = thumbs.luma.astype(np.float32)
    n = len(thumbs)
    brightness = luma.mean(axis=(1, 2))
    mean_rgb = thumbs.color.mean(axis=(1, 2))
    chroma = to_ycbcr(mean_rgb[None].astype(np.float32))[0][:, 1:]
    z = rank_features(pool(luma, 32, 24))
    motion = np.zeros(n, np.float32)
    if n > 1:
        motion[1:] = 1.0 - np.einsum("ij,ij->i", z[1:], z[:-1])
    contrast = luma.reshape(n, -1).std(axis=1) + 1e-6
    damage = np.zeros(n, np.float32)
    if n > 2:
        a, b, c = luma[:-2], luma[1:-1], luma[2:]
        med = np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))  # median of 3
        resid = np.abs(b - med).reshape(n - 2, -1)
        k = int(0.99 * (resid.shape[1] - 1))
        damage[1:-1] = np.partition(resid, k, axis=1)[:, k] / contrast[1:-1]
    lap = np.array([cv2.Laplacian(f, cv2.CV_32F).var() for f in luma], np.float32)
    flat = contrast < 1e-3 * max(float(np.median(contrast)), 1e-6)
    damage[flat] = 0.0  # a blank frame has no picture to be damaged
    sharpness = lap / (contrast**2)
    p99 = np.percentile(luma.reshape(n, -1), 99, axis=1)
    ref_level = float(np.median(p99)) if n else 1.0
    black = (p99 < 0.08 * max(ref_level, 1e-6)) | (contrast < 1e-3 * max(ref_level, 1e-6))
    dark_fraction = (luma.reshape(n, -1) < 0.15 * max(ref_level, 1e-6)).mean(axis=1)
    bright_fraction = (luma.reshape(n, -1) > 0.5 * max(ref_level, 1e-6)).mean(axis=1)
    bright = luma > 0.5 * max(ref_level, 1e-6)
    rows_lit = bright.any(axis=2).mean(axis=1)  # text sits in a few lines …
    cols_lit = bright.any(axis=1).mean(axis=1)  # … that run across the frame
    title = (
        (~black)
        & (dark_fraction > 0.7)
        & (bright_fraction > 0.005)
        & (bright_fraction < 0.25)
        & (rows_lit < 0.5)
        & (cols_lit > 0.3)
    )
    return FrameStats(
        thumbs.frames.copy(),
        brightness.astype(np.float32),
        chroma.astype(np.float32),
        motion,
        damage,
        sharpness.astype(np.float32),
        black,
        title,
    )


def detect_transitions(
    thumbs: Thumbnails, *, cut_threshold: float = 0.3, dissolve_widths: Sequence[int] = (6, 10, 16)
) -> List[Transition]:
    """Cuts and dissolves of a sequence (see the module docstring)."""
    n = len(thumbs)
    if n < 3:
        return []
    z = rank_features(pool(thumbs.luma, 32, 24))
    d = np.zeros(n, np.float32)
    d[1:] = 1.0 - np.einsum("ij,ij->i", z[1:], z[:-1])
    cuts: List[int] = []
    for i in range(1, n):
        lo, hi = max(1, i - 8), min(n, i + 9)
        neigh = np.concatenate([d[lo:i], d[i + 1 : hi]])
        local = float(np.median(neigh)) if len(neigh) else 0.0
        if d[i] > cut_threshold and d[i] > 4.0 * local and d[i] >= d[max(1, i - 2) : i + 3].max():
            cuts.append(i)
    out = [
        Transition("cut", int(thumbs.frames[i]), int(thumbs.frames[i]), float(d[i])) for i in cuts
    ]
    # dissolves on contrast-normalised luminance (mixing is linear in the file's values)
    x = pool(thumbs.luma, 32, 24).reshape(n, -1).astype(np.float64)
    x = x - x.mean(axis=1, keepdims=True)
    spread = thumbs.luma.reshape(n, -1).std(axis=1)
    found: List[Tuple[float, int, int, float]] = []  # (residual, first idx, last idx, strength)
    for w in sorted(dissolve_widths):
        if n <= 2 * w + 2:
            continue
        far = np.zeros(n, np.float32)
        far[w : n - w] = 1.0 - np.einsum("ij,ij->i", z[: n - 2 * w], z[2 * w :])
        peaks = [
            c
            for c in np.flatnonzero(far >= cut_threshold)
            if far[c] >= far[max(0, c - 2) : c + 3].max()
        ]
        for c in peaks:
            a, b = c - w, c + w
            if a < 1 or b >= n - 1 or d[a + 1 : b + 1].max() > max(0.5, cut_threshold):
                continue  # a hard cut in the window: not a dissolve
            fit = _blend_fit(x[a - 1], x[b + 1], x[a : b + 1])
            if fit is None:
                continue
            alpha, resid = fit
            al = np.clip(alpha, 0.0, 1.0)
            ratio = spread[a : b + 1] / ((1 - al) * spread[a - 1] + al * spread[b + 1] + 1e-12)
            dip = float(ratio.min())
            inside = np.flatnonzero((alpha > 0.05) & (alpha < 0.95) & (ratio < 0.97))
            if (
                resid > 0.3
                or dip > 0.85
                or len(inside) < 3
                or np.any(np.diff(alpha) < -0.12)
                or alpha[0] > 0.35
                or alpha[-1] < 0.65
            ):
                continue  # not a monotonic mix with the contrast dip of two pictures
            found.append((resid, a + int(inside[0]), a + int(inside[-1]), float(far[c])))
    dissolves: List[Transition] = []
    taken = np.zeros(n, bool)
    for _resid, f0, f1, strength in sorted(found):
        if taken[f0 : f1 + 1].any():
            continue
        taken[f0 : f1 + 1] = True
        dissolves.append(
            Transition("dissolve", int(thumbs.frames[f0]), int(thumbs.frames[f1]), strength)
        )
    # a soft "cut" inside a dissolve is the dissolve's own start
    out = [t for t in out if not any(x.first - 1 <= t.first <= x.last + 1 for x in dissolves)]
    return sorted(out + dissolves, key=lambda t: t.first)


def _blend_fit(
    xa: np.ndarray, xb: np.ndarray, xs: np.ndarray
) -> Optional[Tuple[np.ndarray, float]]:
    """Least-squares α per frame for x ≈ (1−α)·xa + α·xb; returns (α, mean residual ratio)."""
    diff = xb - xa
    dd = float(diff @ diff)
    if dd <= 1e-12:
        return None
    alpha = ((xs - xa) @ diff) / dd
    fitted = xa[None, :] + alpha[:, None] * diff[None, :]
    resid = np.linalg.norm(xs - fitted, axis=1) / (np.sqrt(dd) + 1e-12)
    return alpha, float(np.mean(resid))


def detect_shots(
    thumbs: Thumbnails,
    *,
    shots: Optional[Sequence[Tuple[str, int, int]]] = None,
    cut_threshold: float = 0.3,
) -> ShotDetection:
    """Shots and their statistics. ``shots`` (name, first, last) — e.g. from project.yaml —
    replaces the detected boundaries (transitions are still detected and reported)."""
    stats = frame_stats(thumbs)
    transitions = detect_transitions(thumbs, cut_threshold=cut_threshold)
    frames = thumbs.frames
    if shots:
        bounds = [(str(nm), int(a), int(b)) for nm, a, b in shots]
    else:
        starts = [int(frames[0])]
        for t in transitions:
            starts.append(t.first if t.kind == "cut" else (t.first + t.last + 1) // 2)
        starts = sorted(set(starts))
        ends = [s - 1 for s in starts[1:]] + [int(frames[-1])]
        bounds = [(f"sh{(k + 1) * 10:03d}", s, e) for k, (s, e) in enumerate(zip(starts, ends))]
    infos = []
    for name, first, last in bounds:
        sel = (frames >= first) & (frames <= last)
        if not sel.any():
            continue
        motion = stats.motion[sel][1:] if sel.sum() > 1 else stats.motion[sel]
        color = thumbs.color[sel].mean(axis=(0, 1, 2))
        infos.append(
            ShotInfo(
                name,
                first,
                last,
                float(stats.brightness[sel].mean()),
                (float(color[0]), float(color[1]), float(color[2])),
                float(motion.mean()),
                float(stats.damage[sel].mean()),
                float(stats.sharpness[sel].mean()),
            )
        )
    # a frame starting a shot has no meaningful motion to the previous one
    for s in infos:
        idx = np.flatnonzero(frames == s.first)
        if idx.size:
            stats.motion[idx[0]] = stats.motion[min(idx[0] + 1, len(frames) - 1)]
    return ShotDetection(tuple(infos), tuple(transitions), stats)
