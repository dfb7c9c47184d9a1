"""Synthetic scan / reference pairs with a known map, for benchmarks, tests and for checking
the stage on a new machine.

From any clean picture (float32 (h, w, 3), display-referred 0–1) this makes:

- a *scan* on a large grid (default 2048×1556): the picture, slightly softened, optionally
  faded (per-channel lift / gain / gamma, like dye fading) and with film grain;
- a *reference* on a small grid (default 960×540) seen through a known reference→scan
  mapping G (scale, pixel aspect, rotation, reframe offset, a smooth sinusoidal warp),
  optionally letterboxed, JPEG-compressed, inverted, or with burned-in subtitles;
- the true map T = G⁻¹ on the scan grid (reference pixel centres), the mask of scan pixels the
  reference picture really covers, and the Jacobian of G to express errors in scan pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np


@dataclass(frozen=True)
class PairSpec:
    """How to make one pair. Sizes are (width, height) in pixels.

    scale: scan pixels per reference pixel (None: the reference spans ``coverage`` of the
        scan width). par: extra horizontal stretch of the reference pixels. rotation_deg:
        counter-clockwise on screen. offset: reframing, in scan pixels from the scan centre.
    warp: amplitude (scan pixels) of a smooth sinusoidal residual warp.
    letterbox: bar height (reference rows, top and bottom); pillarbox: bar width.
    jpeg_quality: JPEG-compress the reference. grain: film-grain std on the scan (0–1 units).
    fade: dye-fade the scan. invert: make the reference a negative. subtitles: burn two lines
    of text into the reference.
    """

    scan_size: Tuple[int, int] = (2048, 1556)
    ref_size: Tuple[int, int] = (960, 540)
    scale: Optional[float] = None
    coverage: float = 0.94
    par: float = 1.0
    rotation_deg: float = 0.0
    offset: Tuple[float, float] = (0.0, 0.0)
    warp: float = 0.0
    letterbox: int = 0
    pillarbox: int = 0
    jpeg_quality: Optional[int] = 92
    grain: float = 0.01
    fade: bool = False
    invert: bool = False
    subtitles: bool = False
    seed: int = 0


@dataclass
class SyntheticPair:
    scan: np.ndarray  # (H, W, 3) float32 0–1
    reference: np.ndarray  # (Hr, Wr, 3) float32 0–1
    true_map: np.ndarray  # (H, W, 2) float32 reference pixel centres
    true_valid: np.ndarray  # (H, W) bool: the reference picture (not bars) covers this scan pixel
    ref_to_scan: np.ndarray  # 2×2 linear part of G (reference px → scan px)
    spec: PairSpec
    #: (x0, y0, x1, y1) reference pixels around the burned-in subtitles (exclusive), or None:
    #: the box an artist would draw to keep them out of a fit
    subtitle_box: Optional[Tuple[int, int, int, int]] = None


def _fit_picture(picture: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    w, h = size
    ph, pw = picture.shape[:2]
    aspect = w / h
    if pw / ph > aspect:
        cw = int(round(ph * aspect))
        x0 = (pw - cw) // 2
        crop = picture[:, x0 : x0 + cw]
    else:
        ch = int(round(pw / aspect))
        y0 = (ph - ch) // 2
        crop = picture[y0 : y0 + ch]
    out = cv2.resize(np.ascontiguousarray(crop, np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(out, 0, 1)


class _Mapping:
    """G: reference pixel centre → scan pixel centre."""

    def __init__(self, spec: PairSpec):
        sw, sh = spec.scan_size
        rw, rh = spec.ref_size
        s = spec.scale or (spec.coverage * sw / rw)
        th = np.deg2rad(spec.rotation_deg)
        rot = np.array(
            [[np.cos(th), np.sin(th)], [-np.sin(th), np.cos(th)]]
        )  # screen CCW, rows down
        self.lin = rot @ np.diag([s * spec.par, s])
        self.c_ref = np.array([(rw - 1) / 2.0, (rh - 1) / 2.0])
        self.c_scan = np.array([(sw - 1) / 2.0 + spec.offset[0], (sh - 1) / 2.0 + spec.offset[1]])
        self.warp = spec.warp
        self.rw, self.rh = rw, rh
        rng = np.random.default_rng(spec.seed + 17)
        self.phase = rng.uniform(0, 2 * np.pi, 4)

    def residual(self, qx: np.ndarray, qy: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        if not self.warp:
            return np.zeros_like(qx), np.zeros_like(qy)
        u, v = qx / self.rw, qy / self.rh
        p = self.phase
        dx = self.warp * np.sin(2 * np.pi * (0.9 * u) + p[0]) * np.cos(2 * np.pi * (0.6 * v) + p[1])
        dy = self.warp * np.cos(2 * np.pi * (0.7 * u) + p[2]) * np.sin(2 * np.pi * (0.8 * v) + p[3])
        return dx, dy

    def forward(self, qx: np.ndarray, qy: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        ax = qx - self.c_ref[0]
        ay = qy - self.c_ref[1]
        dx, dy = self.residual(qx, qy)
        px = self.c_scan[0] + self.lin[0, 0] * ax + self.lin[0, 1] * ay + dx
        py = self.c_scan[1] + self.lin[1, 0] * ax + self.lin[1, 1] * ay + dy
        return px, py

    def inverse(self, px: np.ndarray, py: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        inv = np.linalg.inv(self.lin)
        qx = np.zeros_like(px)
        qy = np.zeros_like(py)
        for _ in range(12):
            dx, dy = self.residual(qx, qy)
            bx = px - self.c_scan[0] - dx
            by = py - self.c_scan[1] - dy
            qx = self.c_ref[0] + inv[0, 0] * bx + inv[0, 1] * by
            qy = self.c_ref[1] + inv[1, 0] * bx + inv[1, 1] * by
        return qx, qy


def _fade(img: np.ndarray) -> np.ndarray:
    lift = np.array([0.10, 0.06, 0.16], np.float32)
    gain = np.array([0.85, 0.62, 0.48], np.float32)
    gamma = np.array([0.8, 1.25, 1.1], np.float32)
    return np.clip(lift + gain * np.power(np.clip(img, 0, 1), gamma), 0, 1)


def _subtitles(
    ref: np.ndarray, box: Tuple[int, int, int, int]
) -> Tuple[np.ndarray, Tuple[int, int, int, int]]:
    """The reference with two lines of text burned in, and the box around the text."""
    x0, y0, x1, y1 = box
    out = (np.clip(ref, 0, 1) * 255).astype(np.uint8)
    drawn = np.zeros(out.shape[:2], np.uint8)
    h = y1 - y0
    scale = max(0.4, h / 300.0)
    thick = max(1, int(round(2 * scale)))
    lines = ["- Where were you last night?", "- Out by the old mill, with the others."]
    for i, text in enumerate(lines):
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
        org = (x0 + (x1 - x0 - tw) // 2, y1 - int(h * 0.04) - int((1 - i) * th * 1.6))
        cv2.putText(
            out, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, (0, 0, 0), thick + 3, cv2.LINE_AA
        )
        cv2.putText(
            out, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, (255, 255, 235), thick, cv2.LINE_AA
        )
        cv2.putText(drawn, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, 255, thick + 3, cv2.LINE_AA)
    ys, xs = np.nonzero(drawn)
    pad = 2
    text_box = (
        max(int(xs.min()) - pad, 0),
        max(int(ys.min()) - pad, 0),
        min(int(xs.max()) + 1 + pad, out.shape[1]),
        min(int(ys.max()) + 1 + pad, out.shape[0]),
    )
    return out.astype(np.float32) / 255.0, text_box


def make_pair(picture: np.ndarray, spec: PairSpec = PairSpec()) -> SyntheticPair:
    """Build a pair from a clean picture (float32 (h, w, 3) or (h, w), 0–1). Deterministic per
    seed."""
    pic = np.asarray(picture, np.float32)
    if pic.ndim == 2:
        pic = np.repeat(pic[:, :, None], 3, axis=2)
    pic = pic[:, :, :3]
    rng = np.random.default_rng(spec.seed)
    sw, sh = spec.scan_size
    rw, rh = spec.ref_size
    world = _fit_picture(pic, (sw, sh))
    g = _Mapping(spec)

    # reference: the world seen through G, prefiltered against aliasing
    s = float(np.sqrt(abs(np.linalg.det(g.lin))))
    pre = cv2.GaussianBlur(world, (0, 0), max(0.5, 0.45 * s))
    qy, qx = np.mgrid[0:rh, 0:rw].astype(np.float64)
    px, py = g.forward(qx, qy)
    ref = cv2.remap(
        pre,
        px.astype(np.float32),
        py.astype(np.float32),
        cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REFLECT,
    )
    ref = np.clip(ref, 0, 1)
    box = (spec.pillarbox, spec.letterbox, rw - spec.pillarbox, rh - spec.letterbox)
    subtitle_box = None
    if spec.subtitles:
        ref, subtitle_box = _subtitles(ref, box)
    if spec.invert:
        ref = 1.0 - ref
    if spec.letterbox:
        ref[: spec.letterbox] = 0.0
        ref[rh - spec.letterbox :] = 0.0
    if spec.pillarbox:
        ref[:, : spec.pillarbox] = 0.0
        ref[:, rw - spec.pillarbox :] = 0.0
    if spec.jpeg_quality:
        ok, buf = cv2.imencode(
            ".jpg",
            (np.clip(ref, 0, 1) * 255 + 0.5).astype(np.uint8),
            [cv2.IMWRITE_JPEG_QUALITY, int(spec.jpeg_quality)],
        )
        ref = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).astype(np.float32) / 255.0

    # scan: softened, faded, grainy
    scan = cv2.GaussianBlur(world, (0, 0), 0.7)
    if spec.fade:
        scan = _fade(scan)
    if spec.grain:
        noise = rng.normal(0.0, 1.0, (sh, sw, 1)).astype(np.float32)
        noise = cv2.GaussianBlur(noise, (0, 0), 0.8)[:, :, None] * 2.2
        chroma = rng.normal(0.0, 0.35, (sh, sw, 3)).astype(np.float32)
        scan = scan + spec.grain * (noise + chroma)
    scan = np.clip(scan, 0, 1).astype(np.float32)

    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float64)
    tx, ty = g.inverse(xs, ys)
    true_map = np.stack([tx, ty], axis=2).astype(np.float32)
    x0, y0, x1, y1 = box
    valid = (tx >= x0 + 1) & (tx <= x1 - 2) & (ty >= y0 + 1) & (ty <= y1 - 2)
    return SyntheticPair(
        scan, ref.astype(np.float32), true_map, valid, g.lin.copy(), spec, subtitle_box
    )


def end_point_error(pair: SyntheticPair, map_xy: np.ndarray) -> np.ndarray:
    """(H, W) end-point error in scan pixels of an estimated scan→reference map."""
    e = map_xy.astype(np.float64) - pair.true_map
    lin = pair.ref_to_scan
    ex = lin[0, 0] * e[..., 0] + lin[0, 1] * e[..., 1]
    ey = lin[1, 0] * e[..., 0] + lin[1, 1] * e[..., 1]
    return np.hypot(ex, ey).astype(np.float32)
