"""Flicker: measure the frame-to-frame change of brightness and color that the picture does
not have, and correct it with a smooth, low-frequency gain field.

For every frame the scan and its *target* are reduced to a coarse grid of cell medians
(``cells`` across the shorter side, damaged pixels left out), in log units per channel:
``r_t = log(scan_t) − log(target_t)``.

- With a reference, the target is the aligned reference: ``r_t`` then holds the fade (a
  steady difference, color recovery's business) plus flicker. Only the part of ``r_t`` that
  departs from its own running median over ``window`` frames of the same shot is flicker —
  the fade stays.
- Without one, the target is the scan itself, motion-compensated from its neighbours within
  the shot (the mean of the warped neighbours' cell means), so ``r_t`` is flicker already.

The correction is ``gain_t = exp(−flicker_t)``, blurred over the grid and brought to full
resolution bicubically: a field with no detail at the grain's scale. Applied by
multiplication, it scales grain with the picture (exposure is a gain in linear light) and
never smooths, sharpens or moves it; the high-pass of the result is the high-pass of the
scan times the local gain. Values are taken as given (scene-linear or display-referred);
non-positive values are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

EPS = 1e-4
CELLS = 8
MAX_CORRECTION = 0.5  # never more than a factor e^±0.5 (≈ ±65 %): beyond that it is not flicker


def cell_means(
    image: np.ndarray, exclude: Optional[np.ndarray] = None, cells: int = CELLS
) -> np.ndarray:
    """(gh, gw, 3) log of the median of each cell (``cells`` across the shorter side) over
    the pixels not in ``exclude``; cells with too few such pixels hold NaN. A median: a
    speck or a hair that no mask caught does not move a cell's level."""
    import warnings

    h, w = image.shape[:2]
    gh, gw = (
        (cells, max(1, round(cells * w / h))) if h <= w else (max(1, round(cells * h / w)), cells)
    )
    rgb = np.array(np.asarray(image[..., :3], np.float32), copy=True)
    if exclude is not None:
        rgb[exclude] = np.nan
    ys = np.linspace(0, h, gh + 1).astype(int)
    xs = np.linspace(0, w, gw + 1).astype(int)
    out = np.full((gh, gw, 3), np.nan, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for i in range(gh):
            for j in range(gw):
                block = rgb[ys[i] : ys[i + 1], xs[j] : xs[j + 1]].reshape(-1, 3)
                if np.isfinite(block[:, 0]).mean() >= 0.05:
                    out[i, j] = np.log(np.maximum(np.nanmedian(block, axis=0), EPS))
    return out


def _fill(grid: np.ndarray) -> np.ndarray:
    """NaN cells take the mean of the finite ones (per channel)."""
    out = grid.copy()
    for c in range(out.shape[2]):
        ch = out[..., c]
        finite = np.isfinite(ch)
        ch[~finite] = float(ch[finite].mean()) if finite.any() else 0.0
    return out


@dataclass(frozen=True)
class FlickerEstimate:
    """Per frame (in input order): the log-gain grid that removes its flicker
    (``corrections[i]``, (gh, gw, 3)) and its mean per channel (``mean_log_gain``, (T, 3))."""

    corrections: List[np.ndarray]
    mean_log_gain: np.ndarray

    def percent(self) -> np.ndarray:
        """(T,) the luminance change each frame's correction makes, in percent."""
        y = self.mean_log_gain @ np.array([0.2126, 0.7152, 0.0722])
        return (np.exp(y) - 1.0) * 100.0


def _running_median(values: np.ndarray, shots: Sequence[int], window: int) -> np.ndarray:
    out = np.empty_like(values)
    shots = np.asarray(shots)
    for i in range(len(values)):
        same = np.flatnonzero(shots == shots[i])
        near = same[np.abs(same - i) <= window // 2]
        out[i] = np.nanmedian(values[near], axis=0)
    return out


def estimate_flicker(
    log_scan: Sequence[np.ndarray],
    log_target: Sequence[np.ndarray],
    *,
    shots: Optional[Sequence[int]] = None,
    window: int = 9,
    relative: bool = True,
) -> FlickerEstimate:
    """Flicker corrections from cell-mean grids (:func:`cell_means`) of the scan and its
    target. ``relative`` (a reference): flicker is the departure of scan − target from its
    running median over ``window`` frames of the same shot (``shots``: a shot id per frame);
    else (the motion-compensated scan as target) scan − target is flicker."""
    diff = np.stack([s - t for s, t in zip(log_scan, log_target)])
    if relative:
        diff = diff - _running_median(diff, shots if shots is not None else [0] * len(diff), window)
    corrections = []
    for d in diff:
        g = cv2.GaussianBlur(_fill(-d), (0, 0), 0.75, borderType=cv2.BORDER_REPLICATE)
        corrections.append(np.clip(g, -MAX_CORRECTION, MAX_CORRECTION).astype(np.float32))
    mean = np.array([c.reshape(-1, 3).mean(0) for c in corrections]).reshape(-1, 3)
    return FlickerEstimate(corrections, mean)


def gain_field(correction: np.ndarray, shape) -> np.ndarray:
    """(H, W, 3) multiplicative gain from a log-gain grid: bicubic to full resolution, then a
    Gaussian of half a cell, so not even the interpolation's knots leave a ripple."""
    h, w = shape[:2]
    grid = np.ascontiguousarray(correction, np.float32)
    up = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC).reshape(h, w, 3)
    cell = min(h / grid.shape[0], w / grid.shape[1])
    up = cv2.GaussianBlur(up, (0, 0), 0.5 * cell, borderType=cv2.BORDER_REPLICATE)
    return np.exp(up.reshape(h, w, 3)).astype(np.float32)


def deflicker_frame(frame: np.ndarray, correction: np.ndarray) -> np.ndarray:
    """``frame`` × the gain field of ``correction`` (positive values only; others kept)."""
    gain = gain_field(correction, frame.shape)
    rgb = np.asarray(frame[..., :3], np.float32)
    out = np.asarray(frame, np.float32).copy()
    out[..., :3] = np.where(rgb > 0, rgb * gain, rgb)
    return out


def measure_flicker(
    frames: Sequence[np.ndarray], reference: Optional[Sequence[np.ndarray]] = None
) -> Dict[str, float]:
    """The validation stage's flicker figures (:func:`core.validation.metrics.flicker`) of
    ``frames``, against ``reference`` when given: ``luma_percent``, ``luma_rms``, ``chroma_rms``."""
    from ..validation.metrics.temporal import flicker

    fl = flicker(list(reference) if reference is not None else None, list(frames))
    return {"luma_percent": fl.luma_percent, "luma_rms": fl.luma_rms, "chroma_rms": fl.chroma_rms}
