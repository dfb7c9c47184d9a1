"""Reference-free technical pre-balance of a faded scan (stage 01, before training).

Three estimators, each returning an ASC CDL (:class:`~.transforms.Cdl`) so the balance is a
small, editable, repeatable and exactly invertible grade (OpenColorIO inverts a CDL):

- ``levels`` (default) — in ACEScct (log, where a per-channel offset is a printer-light
  exposure change and a slope a contrast change): per-channel robust black and white points
  (0.5 / 99.5 percentiles) are mapped onto their neutral (channel-mean) values, then a
  per-channel power brings each channel's median onto the neutral median. Removes a global
  cast; assumes the scene's darkest, brightest and median tones are roughly neutral.
- ``density`` — the neutral-black estimate of chromogenic fading (Chatterjee, Trumpy &
  Ruedel 2023): in print density, base + fog is the minimum density and the deepest blacks
  are assumed neutral in the unfaded print, so each dye layer's remaining fraction is its
  black density above fog relative to the densest layer; each channel's density above fog
  is scaled back. Linear in density = a CDL slope/offset in the density encoding.
- ``ace`` — automatic color equalization in the spirit of Rizzi, Gatta & Marini (2003):
  ACE's spatial, local "gray world / white patch" equalization is computed on a small
  thumbnail of each sample frame (ACEScct codes), and a CDL is fitted from the scan to that
  result, so the applied balance stays global, repeatable and invertible (true ACE is
  local and not invertible).

Inputs are scene-linear float32 (H, W, 3) frames in the working space.
"""

from __future__ import annotations

from typing import List, Sequence

import numpy as np

from ..errors import RTKError
from .encodings import get_encoding
from .transforms import Cdl

BALANCE_METHODS = ("levels", "density", "ace")


def _stack_codes(
    frames: Sequence[np.ndarray], encoding: str, max_pixels: int = 400_000
) -> np.ndarray:
    if not frames:
        raise RTKError("no frames to balance")
    per = max(1, max_pixels // len(frames))
    parts: List[np.ndarray] = []
    for f in frames:
        a = np.asarray(f, np.float32)[..., :3]
        if not np.all(np.isfinite(a)):
            raise RTKError("frame has NaN or infinite pixels")
        flat = a.reshape(-1, 3)
        step = max(1, flat.shape[0] // per)
        parts.append(flat[::step])
    return get_encoding(encoding).encode(np.concatenate(parts)).astype(np.float64)


def _levels(codes: np.ndarray) -> Cdl:
    lo = np.percentile(codes, 0.5, axis=0)
    hi = np.percentile(codes, 99.5, axis=0)
    if np.any(hi - lo < 1e-3):
        raise RTKError("a channel is flat (no tonal range): nothing to balance")
    lo_n, hi_n = lo.mean(), hi.mean()
    slope = (hi_n - lo_n) / (hi - lo)
    offset = lo_n - slope * lo
    sop = np.clip(codes * slope + offset, 1e-4, 1.0)
    med = np.median(sop, axis=0)
    target = float(np.exp(np.log(med).mean()))
    power = np.clip(np.log(target) / np.log(np.clip(med, 1e-4, 0.9999)), 0.5, 2.0)
    return Cdl(encoding="acescct", slope=slope, offset=offset, power=power, saturation=1.0)


def _density(codes: np.ndarray) -> Cdl:
    # density encoding: e = 1 − D/4  →  D = 4 (1 − e)
    d = 4.0 * (1.0 - codes)
    fog = np.percentile(d, 0.5, axis=0)  # base + fog: the least dense
    black = np.percentile(d, 99.5, axis=0)  # deepest blacks, assumed neutral
    span = black - fog
    if np.any(span < 0.05):
        raise RTKError("no density range in a channel: cannot estimate fading from neutral blacks")
    gain = span.max() / span  # undo each layer's density loss relative to the densest layer
    fog_n = fog.min()
    # D' = (D − fog)·gain + fog_n ; in e: e' = 1 − D'/4 = gain·e + (1 − gain) + (gain·fog − fog_n)/4
    slope = gain
    offset = (1.0 - gain) + (gain * fog - fog_n) / 4.0
    return Cdl(encoding="density", slope=slope, offset=offset, power=np.ones(3), saturation=1.0)


def ace_equalize(codes: np.ndarray, *, slope: float = 10.0) -> np.ndarray:
    """ACE on a small image (h, w, 3) of 0–1 codes: each pixel's channel value becomes the
    distance-weighted sum of a saturating slope function of its differences to all others
    (Rizzi et al. 2003), then scaled to 0–1 per channel (white-patch / gray-world mix)."""
    h, w, _ = codes.shape
    yy, xx = np.mgrid[0:h, 0:w]
    pos = np.stack([yy.ravel(), xx.ravel()], 1).astype(np.float64)
    vals = codes.reshape(-1, 3).astype(np.float64)
    out = np.zeros_like(vals)
    chunk = 512
    for start in range(0, vals.shape[0], chunk):
        p = pos[start : start + chunk]
        dist = np.sqrt(((p[:, None, :] - pos[None, :, :]) ** 2).sum(-1))
        inv = np.where(dist > 0, 1.0 / np.maximum(dist, 1e-9), 0.0)
        norm = inv.sum(1, keepdims=True)
        for c in range(3):
            diff = np.clip(
                slope * (vals[start : start + chunk, c][:, None] - vals[None, :, c]), -1.0, 1.0
            )
            out[start : start + chunk, c] = (diff * inv).sum(1) / norm[:, 0]
    lo, hi = out.min(0), out.max(0)
    return ((out - lo) / np.maximum(hi - lo, 1e-9)).reshape(h, w, 3)


def _ace(frames: Sequence[np.ndarray], thumb: int = 48) -> Cdl:
    import cv2
    from scipy.optimize import least_squares

    from .parametric import cdl_numpy

    enc = get_encoding("acescct")
    xs, ys = [], []
    for f in frames:
        a = np.asarray(f, np.float32)[..., :3]
        if not np.all(np.isfinite(a)):
            raise RTKError("frame has NaN or infinite pixels")
        scale = thumb / max(a.shape[:2])
        small = cv2.resize(
            a,
            (max(2, round(a.shape[1] * scale)), max(2, round(a.shape[0] * scale))),
            interpolation=cv2.INTER_AREA,
        )
        code = enc.encode(small.reshape(-1, 3)).reshape(small.shape).astype(np.float64)
        lo, hi = np.percentile(code, 0.5), np.percentile(code, 99.5)
        if hi - lo < 1e-3:
            raise RTKError("frame is flat: nothing to equalize")
        norm = np.clip((code - lo) / (hi - lo), 0, 1)
        eq = ace_equalize(norm) * (hi - lo) + lo  # back to the frame's overall code range
        xs.append(code.reshape(-1, 3))
        ys.append(eq.reshape(-1, 3))
    x, y = np.concatenate(xs), np.concatenate(ys)

    def residual(p: np.ndarray) -> np.ndarray:
        return (cdl_numpy(x, p[:3], p[3:6], p[6:9], 1.0) - y).reshape(-1)

    p0 = np.concatenate([np.ones(3), np.zeros(3), np.ones(3)])
    lower = np.array([0.2] * 3 + [-0.5] * 3 + [0.5] * 3)
    upper = np.array([5.0] * 3 + [0.5] * 3 + [2.0] * 3)
    r = least_squares(
        residual, p0, bounds=(lower, upper), loss="soft_l1", f_scale=0.02, max_nfev=100
    ).x
    return Cdl(encoding="acescct", slope=r[:3], offset=r[3:6], power=r[6:9], saturation=1.0)


def estimate_balance(frames: Sequence[np.ndarray], *, method: str = "levels") -> Cdl:
    """Estimate a neutral technical balance (a CDL) from sample frames of the faded scan."""
    if method not in BALANCE_METHODS:
        raise RTKError(f"unknown balance method {method!r} (one of {', '.join(BALANCE_METHODS)})")
    if method == "ace":
        cdl = _ace(frames)
    elif method == "density":
        cdl = _density(_stack_codes(frames, "density"))
    else:
        cdl = _levels(_stack_codes(frames, "acescct"))
    cdl.figures = {"balance_method": method, "sample_frames": len(frames)}
    return cdl
