"""A telecine / video transfer as a degradation (benchmark family (c)).

What a video transfer of a film does to its colors, on display-encoded (sRGB-like) code
values, in the order a telecine colorist's controls and the video chain apply them:

1. per-channel lift / gamma / gain (``out = (gain·(v + lift·(1 − v)))^(1/gamma)``);
2. a hue twist and a saturation loss: the Cb/Cr plane (Rec.709 weights, on code values)
   rotated by ``hue_degrees`` and scaled by ``saturation``;
3. legal-range encoding (16–235 in 8 bits) that is then read as full range, the most common
   video-range mistake: blacks lifted to 16/255, whites dimmed to 235/255, 8-bit steps.

Written independently of every fitting method (no ``core.color`` import).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

Triple = Tuple[float, float, float]
_KR, _KB = 0.2126, 0.0722


@dataclass(frozen=True)
class VideoTransfer:
    lift: Triple
    gamma: Triple
    gain: Triple
    hue_degrees: float
    saturation: float


def random_video_transfer(rng: np.random.Generator) -> VideoTransfer:
    def three(lo: float, hi: float) -> Triple:
        return tuple(float(v) for v in rng.uniform(lo, hi, 3))  # type: ignore[return-value]

    return VideoTransfer(
        lift=three(-0.03, 0.06),
        gamma=three(0.85, 1.2),
        gain=three(0.85, 1.08),
        hue_degrees=float(rng.uniform(-12.0, 12.0)),
        saturation=float(rng.uniform(0.6, 0.9)),
    )


def _srgb_encode(linear: np.ndarray) -> np.ndarray:
    x = np.clip(linear, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def _srgb_decode(code: np.ndarray) -> np.ndarray:
    v = np.clip(code, 0.0, 1.0)
    return np.where(v <= 0.04045, v / 12.92, np.power((v + 0.055) / 1.055, 2.4))


def video_transfer(linear: np.ndarray, t: VideoTransfer) -> np.ndarray:
    """Linear RGB (H, W, 3) → what the video transfer shows, decoded back to linear RGB."""
    v = _srgb_encode(np.asarray(linear[..., :3], np.float64))
    v = np.clip(np.asarray(t.gain) * (v + np.asarray(t.lift) * (1.0 - v)), 0.0, 1.0)
    v = np.power(v, 1.0 / np.asarray(t.gamma))
    y = _KR * v[..., 0] + (1 - _KR - _KB) * v[..., 1] + _KB * v[..., 2]
    cb = (v[..., 2] - y) / (2 * (1 - _KB))
    cr = (v[..., 0] - y) / (2 * (1 - _KR))
    a = np.deg2rad(t.hue_degrees)
    cb, cr = (t.saturation * (np.cos(a) * cb - np.sin(a) * cr),
              t.saturation * (np.sin(a) * cb + np.cos(a) * cr))
    r = y + 2 * (1 - _KR) * cr
    b = y + 2 * (1 - _KB) * cb
    g = (y - _KR * r - _KB * b) / (1 - _KR - _KB)
    v = np.clip(np.stack([r, g, b], -1), 0.0, 1.0)
    legal = np.round(16.0 + 219.0 * v) / 255.0  # legal range, 8 bits, read as full range
    return _srgb_decode(legal).astype(np.float32)
