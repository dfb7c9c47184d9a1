"""Temporal flicker: frame-to-frame brightness and color changes over a sequence.

For each frame the mean luminance Y and mean chroma (Cb, Cr) of the valid pixels are taken
(Rec.709 Y'CbCr of the values as given; the validation stage passes display-referred 0–1).
The frame-to-frame steps ΔY, ΔCb, ΔCr of the test are compared with the reference's steps
over the same frames (changes the scene really has: a cut, a pan into shadow), so what is
left is change the reference does not have — flicker. Without a reference the raw steps are
used (then a real change of lighting also counts).

- ``luma_rms``: RMS over transitions of (ΔY_test − ΔY_ref), in value units;
- ``luma_percent``: the same as a percentage of the test's mean Y;
- ``chroma_rms``: RMS over transitions of the chroma step difference √(ΔCb² + ΔCr²);
- ``steps``: per transition, |ΔY_test − ΔY_ref| (plotted as flicker over time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

import numpy as np

from ...errors import RTKError
from ...ycbcr import to_ycbcr
from .masking import as_image, valid_pixels

Frames = Union[np.ndarray, Sequence[np.ndarray]]


@dataclass(frozen=True)
class Flicker:
    """Flicker figures (see module docstring); per-frame means of the test (and reference)
    as arrays of shape (T, 3) holding Y, Cb, Cr; ``steps`` shape (T − 1,)."""

    luma_rms: float
    luma_percent: float
    chroma_rms: float
    steps: np.ndarray
    chroma_steps: np.ndarray
    test_means: np.ndarray
    reference_means: Optional[np.ndarray]
    frames: int


def frame_means(
    frames: Frames, *, mask: Optional[Union[np.ndarray, Sequence[np.ndarray]]] = None
) -> np.ndarray:
    """(T, 3) mean Y, Cb, Cr of each (H, W, 3) frame over its valid pixels. ``mask``: one
    (H, W) mask for all frames or one per frame."""
    out = []
    for i, frame in enumerate(frames):
        img = as_image(frame, f"frame {i}")
        if img.shape[2] < 3:
            img = np.repeat(img[:, :, :1], 3, axis=2)
        m = mask[i] if isinstance(mask, (list, tuple)) else mask
        valid = valid_pixels(img.shape, m, img)
        ycc = to_ycbcr(img[:, :, :3])
        out.append(ycc[valid].astype(np.float64).mean(axis=0))
    return np.array(out, np.float64).reshape(-1, 3)


def flicker(
    reference: Optional[Frames],
    test: Frames,
    *,
    mask: Optional[Union[np.ndarray, Sequence[np.ndarray]]] = None,
) -> Flicker:
    """Flicker of the ``test`` sequence (a list of (H, W, 3) frames, or (T, H, W, 3)) relative
    to the ``reference`` sequence of the same frames (or ``None``). Needs at least 2 frames."""
    tm = frame_means(test, mask=mask)
    rm = frame_means(reference, mask=mask) if reference is not None else None
    return flicker_from_means(rm, tm)


def flicker_from_means(reference_means: Optional[np.ndarray], test_means: np.ndarray) -> Flicker:
    """:func:`flicker` from per-frame (T, 3) Y, Cb, Cr means already taken (consecutive
    frames; ``reference_means`` None for no reference)."""
    tm = np.asarray(test_means, np.float64).reshape(-1, 3)
    if len(tm) < 2:
        raise RTKError("flicker needs at least 2 frames")
    rm = None if reference_means is None else np.asarray(reference_means, np.float64).reshape(-1, 3)
    if rm is not None and len(rm) != len(tm):
        raise RTKError(f"reference has {len(rm)} frames, test has {len(tm)}")
    dt = np.diff(tm, axis=0)
    d = dt - np.diff(rm, axis=0) if rm is not None else dt
    steps = np.abs(d[:, 0])
    chroma_steps = np.sqrt(d[:, 1] ** 2 + d[:, 2] ** 2)
    luma_rms = float(np.sqrt(np.mean(d[:, 0] ** 2)))
    level = float(np.mean(np.abs(tm[:, 0])))
    return Flicker(
        luma_rms=luma_rms,
        luma_percent=100.0 * luma_rms / level if level > 0 else float("inf"),
        chroma_rms=float(np.sqrt(np.mean(chroma_steps**2))),
        steps=steps,
        chroma_steps=chroma_steps,
        test_means=tm,
        reference_means=rm,
        frames=len(tm),
    )


def split_runs(frames: Sequence[int]) -> List[List[int]]:
    """Consecutive runs of frame numbers (flicker is measured within a run, never across a
    gap)."""
    runs: List[List[int]] = []
    for f in sorted(frames):
        if runs and f == runs[-1][-1] + 1:
            runs[-1].append(f)
        else:
            runs.append([f])
    return runs
