"""Training samples for a color fit, from aligned (source, target[, mask]) image pairs.

Errors in variables: film grain is noise on the *input* (the scan), not only on the target.
Ordinary least squares of target on a noisy input is biased toward a flatter mapping
("regression dilution"): the fitted grade comes out with too little contrast and
saturation. The color transform is a per-pixel mapping, but image content is spatially
smooth while grain is not, so a small Gaussian pre-filter of *both* images (same kernel,
for the fit only; the applied transform never blurs) cuts grain variance by ≈ 4πσ² (σ = 1.5
px: about 28×, i.e. grain σ 0.015 → 0.003) while barely changing colors in flat areas.
Where the image has edges the blur mixes colors and a non-linear mapping no longer
commutes with the blur, so pixels are weighted down by the local contrast of the
pre-filtered target (a soft edge mask). The benchmark measures the gain.

Every sample remembers its pair (``pair``) and its spatial block (``block``, a
:data:`BLOCKS` × :data:`BLOCKS` grid over its frame), which is what cross-validation folds on
(:mod:`.folds`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..errors import RTKError

MIN_SAMPLES = 200
BLOCKS = 4  # spatial blocks per side (single-frame cross-validation)
PairInput = Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]


@dataclass
class FitSamples:
    """Scene-linear samples: ``source`` / ``target`` (N, 3) float32, ``weight`` (N,) ≥ 0;
    ``pair`` (N,) the index of the pair each came from, ``block`` (N,) its spatial block
    (row-major in a BLOCKS × BLOCKS grid of its frame)."""

    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    figures: dict = field(default_factory=dict)
    pair: Optional[np.ndarray] = None
    block: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        n = self.source.shape[0]
        if self.pair is None:
            self.pair = np.zeros(n, np.int32)
        if self.block is None:
            self.block = np.zeros(n, np.int32)

    def __len__(self) -> int:
        return int(self.source.shape[0])

    def subset(self, index: np.ndarray) -> FitSamples:
        """The samples at ``index`` (an index or boolean array), figures shared."""
        return FitSamples(
            self.source[index],
            self.target[index],
            self.weight[index],
            self.figures,
            self.pair[index],
            self.block[index],
        )

    def with_target(self, target: np.ndarray) -> FitSamples:
        """The same samples with another target (e.g. the chroma-only composite)."""
        return FitSamples(
            self.source, np.asarray(target, np.float32), self.weight, self.figures,
            self.pair, self.block,
        )


def _check_image(arr: np.ndarray, what: str, label: Optional[str]) -> np.ndarray:
    a = np.asarray(arr)
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[2] < 3:
        raise RTKError(f"{what} must be an (H, W, 3) RGB image, got shape {a.shape}", label)
    a = a[..., :3].astype(np.float32, copy=False)
    if not np.all(np.isfinite(a)):
        bad = int(np.count_nonzero(~np.isfinite(a).all(axis=2)))
        raise RTKError(f"{what} has {bad} NaN or infinite pixels", label)
    return a


def _edge_weight(target: np.ndarray, scale: float) -> np.ndarray:
    """1 in flat areas, → 0 across edges (gradient of the target's mean, in code units)."""
    if min(target.shape[:2]) < 3:  # no neighbourhood to speak of
        return np.ones(target.shape[:2], np.float32)
    lum = np.log2(np.clip(target.mean(axis=2), 1e-4, None))  # stops: contrast, not level
    gy, gx = np.gradient(lum)
    g = np.hypot(gx, gy)
    return (1.0 / (1.0 + (g / scale) ** 2)).astype(np.float32)


def _block_of(flat_index: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Spatial block (row-major, BLOCKS × BLOCKS) of flat pixel indices of an (H, W) frame."""
    h, w = shape
    rows, cols = np.divmod(flat_index, w)
    return (np.minimum(rows * BLOCKS // h, BLOCKS - 1) * BLOCKS
            + np.minimum(cols * BLOCKS // w, BLOCKS - 1)).astype(np.int32)


def _checked_pair(s: np.ndarray, t: np.ndarray, m: Optional[np.ndarray],
                  label: Optional[str]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source, target (float32 (H, W, 3)) and weight (the mask, or ones) of one pair, or a
    one-line RTKError naming what is wrong."""
    src = _check_image(s, "source", label)
    tgt = _check_image(t, "target", label)
    if src.shape[:2] != tgt.shape[:2]:
        raise RTKError(
            f"source {src.shape[1]}×{src.shape[0]} and target {tgt.shape[1]}×{tgt.shape[0]} "
            "differ in size: align the pair first (rtk align)",
            label,
        )
    if m is None:
        return src, tgt, np.ones(src.shape[:2], np.float32)
    mask = np.asarray(m, np.float32)
    if mask.ndim == 3:
        mask = mask[..., 0]
    if mask.shape != src.shape[:2]:
        raise RTKError(
            f"mask size {mask.shape[::-1]} differs from the image size {src.shape[1::-1]}",
            label,
        )
    if not np.all(np.isfinite(mask)):
        raise RTKError("mask has NaN or infinite pixels", label)
    return src, tgt, np.clip(mask, 0.0, 1.0)


def collect_samples(
    pairs: Sequence[PairInput],
    *,
    prefilter: float = 1.5,
    edge_stops: float = 0.25,
    max_samples: int = 300_000,
    seed: int = 0,
    labels: Optional[Sequence[str]] = None,
) -> FitSamples:
    """Samples from pairs of scene-linear float32 (H, W, 3) images (source = scan, target =
    aligned reference, optional mask (H, W) 0–1 = confidence).

    prefilter: Gaussian sigma in pixels applied to source and target for the fit (0 = off).
    edge_stops: pixels whose target changes by more than about this many stops per pixel
        (after the pre-filter) are weighted down (0 = no edge weighting).
    max_samples: at most this many pixels in all, drawn evenly over the pairs (seeded).
    """
    if not pairs:
        raise RTKError("no training pairs given")
    import cv2

    rng = np.random.default_rng(seed)
    per_pair = max(1, int(max_samples) // len(pairs))
    srcs: List[np.ndarray] = []
    tgts: List[np.ndarray] = []
    wts: List[np.ndarray] = []
    pair_ids: List[np.ndarray] = []
    blocks: List[np.ndarray] = []
    total = masked = 0
    for i, (s, t, m) in enumerate(pairs):
        label = labels[i] if labels else None
        src, tgt, weight = _checked_pair(s, t, m, label)
        total += weight.size
        if prefilter > 0:
            src = cv2.GaussianBlur(src, (0, 0), prefilter)
            tgt = cv2.GaussianBlur(tgt, (0, 0), prefilter)
            if m is not None:  # a masked-out pixel spreads into its neighbours' blur: erode
                k = 2 * int(np.ceil(2 * prefilter)) + 1
                weight = cv2.erode(weight, np.ones((k, k), np.uint8))
        if edge_stops > 0:
            weight = weight * _edge_weight(tgt, edge_stops)
        valid = weight > 0.01
        masked += int(np.count_nonzero(~valid))
        idx = np.flatnonzero(valid.reshape(-1))
        if idx.size > per_pair:
            idx = np.sort(rng.choice(idx, per_pair, replace=False))
        srcs.append(src.reshape(-1, 3)[idx])
        tgts.append(tgt.reshape(-1, 3)[idx])
        wts.append(weight.reshape(-1)[idx])
        pair_ids.append(np.full(idx.size, i, np.int32))
        blocks.append(_block_of(idx, src.shape[:2]))
    source = np.concatenate(srcs)
    if source.shape[0] == 0:
        raise RTKError("the mask excludes every pixel: nothing to fit")
    if source.shape[0] < MIN_SAMPLES:
        raise RTKError(
            f"too few valid pixels to fit ({source.shape[0]}; need at least {MIN_SAMPLES})"
        )
    target = np.concatenate(tgts)
    for what, values in (("scan", source), ("reference", target)):
        if float(np.ptp(values, axis=0).max()) < 1e-5:
            raise RTKError(
                f"every valid {what} pixel has the same color: a color transform needs "
                "pairs that show more than one color"
            )
    return FitSamples(
        source,
        target,
        np.concatenate(wts).astype(np.float64),
        pair=np.concatenate(pair_ids),
        block=np.concatenate(blocks),
        figures={
            "pixels": int(total),
            "pixels_excluded": int(masked),
            "samples": int(source.shape[0]),
            "prefilter_px": float(prefilter),
            "edge_stops": float(edge_stops),
        },
    )
