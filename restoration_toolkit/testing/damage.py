"""Synthetic film damage over grainy moving content, with a clean reference and the truth.

For the damage benchmark and tests only. A clip is a picture seen through a moving camera
(pan with a slight zoom) with an object crossing it fast, faded a little and given fresh
film grain every frame — the *clean* scan. Damage is then laid on top the way it forms on
film, each kind with its own alpha map (the truth):

- ``dust``: opaque irregular specks 2–40 px (a few overlapping ellipses, soft edge), dark
  (dust on a print) or bright (dust on the negative, printed through), one frame each;
- ``dirt``: larger, semi-transparent clumps with a mottled inside, one frame each;
- ``hair``: thin dark curves 40–160 px long, 1–2.5 px wide, one frame each;
- ``scratch``: vertical lines over the whole clip, 1–3 px wide, bright or dark, wandering
  slowly sideways from frame to frame and a little along their length;
- ``stain``: a large soft yellow-brown tint, in one frame.

A pixel is in the truth of a kind where that damage covers at least 30 % of it *and*
changes one of its channels by at least 0.03 (dark dust on a black coat is no damage a
restorer could see, or would need to repair).

The *reference* is the clean picture before the fade and the grain, softer (half-resolution
and back, then a slight blur), JPEG-compressed, already on the scan grid (an aligned
reference as stage 02 writes it), and optionally with a burned-in subtitle — a defect of the
reference that a detector must not blame on the scan.

Nothing here is shared with ``core.damage``: the simulation draws shapes and alphas, it does
not know how the detector looks for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

KINDS = ("dust", "dirt", "hair", "scratch", "stain")
TRUTH_ALPHA = 0.3  # a pixel is damaged where the damage covers this much of it …
VISIBLE = 0.03  # … and changes a channel by this much (dark dust on black is no damage)

# Scoring clips use these pictures; training clips (threshold choice) use the others.
SCORING_PICTURES = ("astronaut", "coffee", "chelsea")
TRAINING_PICTURES = ("rocket", "immunohistochemistry", "camera")


@dataclass(frozen=True)
class DamageSpec:
    """How to make one clip. ``size`` is (width, height)."""

    picture: str = "astronaut"
    size: Tuple[int, int] = (384, 288)
    frames: int = 7
    grain: float = 0.018
    dust_per_frame: int = 6
    dust_size: Tuple[float, float] = (2.0, 40.0)  # diameters, px (log-uniform)
    polarity: str = "both"  # "dark" (print), "bright" (negative) or "both"
    dirt_per_frame: float = 0.5
    hairs_per_frame: float = 0.4
    scratches: int = 1
    stain_frame: Optional[int] = 3
    moving_object: bool = True
    subtitle_frames: Tuple[int, ...] = (2, 3)
    reference: bool = True
    seed: int = 0


@dataclass
class DamagedClip:
    """Frames float32 (H, W, 3), display-referred 0–1. ``truth[i][kind]`` boolean (H, W)."""

    scan: List[np.ndarray]
    clean: List[np.ndarray]
    reference: Optional[List[np.ndarray]]
    truth: List[Dict[str, np.ndarray]]
    spec: DamageSpec
    subtitle_masks: List[np.ndarray] = field(default_factory=list)

    def damaged(self, index: int) -> np.ndarray:
        """All kinds together for frame ``index``."""
        out = np.zeros(self.scan[index].shape[:2], bool)
        for m in self.truth[index].values():
            out |= m
        return out


def _picture(name: str) -> np.ndarray:
    from skimage import data

    img = getattr(data, name)()
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img[:, :, :3].astype(np.float32) / 255.0


def _camera(image: np.ndarray, t: float, size: Tuple[int, int]) -> np.ndarray:
    w, h = size
    ih, iw = image.shape[:2]
    scale = min(iw / w, ih / h) * 0.7 * (1.0 - 0.04 * t)
    cx = iw / 2 + (t - 0.5) * iw * 0.12
    cy = ih / 2 + (t - 0.5) * ih * 0.04
    m = np.array([[scale, 0, cx - w * scale / 2], [0, scale, cy - h * scale / 2]])
    return cv2.warpAffine(
        image,
        m,
        (w, h),
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REFLECT,
    )


def _object(frame: np.ndarray, i: int, rng_seed: int) -> np.ndarray:
    """A textured ellipse crossing the frame at ~9 px/frame."""
    h, w = frame.shape[:2]
    rng = np.random.default_rng(rng_seed)
    texture = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 2.0)
    texture = (texture - texture.mean()) / (texture.std() + 1e-6)
    cx, cy = w * 0.15 + 9.0 * i, h * 0.62
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    inside = ((xx - cx) / (w * 0.09)) ** 2 + ((yy - cy) / (h * 0.07)) ** 2
    alpha = np.clip((1.0 - inside) * 6.0, 0, 1)[..., None]
    colour = np.array([0.75, 0.35, 0.2], np.float32) + 0.08 * texture[..., None]
    return frame * (1 - alpha) + colour * alpha


def _fade(img: np.ndarray) -> np.ndarray:
    """A mild dye fade: lifted blacks, a magenta cast, lower contrast in blue."""
    lift = np.array([0.04, 0.02, 0.05], np.float32)
    gain = np.array([0.95, 0.86, 0.8], np.float32)
    return np.clip(lift + gain * img, 0, 1)


def _grain(shape: Tuple[int, int], sigma: float, rng: np.random.Generator) -> np.ndarray:
    h, w = shape
    common = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.7)
    own = [
        cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.7)
        for _ in range(3)
    ]
    g = np.stack([0.7 * common + 0.7 * o for o in own], axis=2)
    return g / g.std() * sigma


def _blob(rng: np.random.Generator, shape: Tuple[int, int], centre, radius: float) -> np.ndarray:
    """Irregular soft alpha: a few overlapping rotated ellipses."""
    alpha = np.zeros(shape, np.float32)
    for _ in range(int(rng.integers(1, 4))):
        off = rng.normal(0, radius * 0.35, 2)
        axes = (
            max(1, int(radius * rng.uniform(0.4, 1.0))),
            max(1, int(radius * rng.uniform(0.3, 1.0))),
        )
        c = (int(round(centre[0] + off[0])), int(round(centre[1] + off[1])))
        cv2.ellipse(alpha, c, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA)
    return cv2.GaussianBlur(alpha, (0, 0), 0.6)


def _paint(img: np.ndarray, alpha: np.ndarray, colour) -> np.ndarray:
    a = np.clip(alpha, 0, 1)[..., None]
    return img * (1 - a) + np.asarray(colour, np.float32) * a


def _visible(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.abs(after - before).max(axis=2) >= VISIBLE


def _dust(img, rng, truth, n, polarity, size):
    h, w = img.shape[:2]
    for _ in range(n):
        radius = float(np.exp(rng.uniform(np.log(size[0] / 2), np.log(size[1] / 2))))
        centre = (rng.uniform(0, w), rng.uniform(0, h))
        alpha = _blob(rng, (h, w), centre, radius) * rng.uniform(0.75, 1.0)
        dark = polarity == "dark" or (polarity == "both" and rng.random() < 0.5)
        colour = rng.uniform(0.0, 0.08, 3) if dark else rng.uniform(0.9, 1.0, 3)
        out = _paint(img, alpha, colour)
        truth["dust"] |= (alpha >= TRUTH_ALPHA) & _visible(img, out)
        img = out
    return img


def _dirt(img, rng, truth):
    h, w = img.shape[:2]
    radius = rng.uniform(12, 30)
    centre = (rng.uniform(0, w), rng.uniform(0, h))
    shape = _blob(rng, (h, w), centre, radius)
    mottle = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 3.0)
    mottle = (mottle - mottle.min()) / (np.ptp(mottle) + 1e-6)
    alpha = shape * (0.45 + 0.45 * mottle)
    out = _paint(img, alpha, (0.16, 0.12, 0.08))
    truth["dirt"] |= (alpha >= TRUTH_ALPHA) & _visible(img, out)
    return out


def _hair(img, rng, truth):
    h, w = img.shape[:2]
    length = rng.uniform(40, 160)
    n = max(8, int(length / 3))
    angle = rng.uniform(0, 2 * np.pi)
    turn = rng.normal(0, 0.08, n).cumsum()
    steps = np.stack([np.cos(angle + turn), np.sin(angle + turn)], 1) * (length / n)
    pts = np.array([rng.uniform(0, w), rng.uniform(0, h)]) + steps.cumsum(0)
    layer = np.zeros((h * 4, w * 4), np.float32)  # drawn 4× larger: sub-pixel widths
    width = int(round(rng.uniform(1.0, 2.5) * 4))
    cv2.polylines(layer, [np.round(pts * 4).astype(np.int32)], False, 1.0, width, cv2.LINE_AA)
    alpha = cv2.resize(layer, (w, h), interpolation=cv2.INTER_AREA) * rng.uniform(0.8, 1.0)
    out = _paint(img, alpha, (0.05, 0.04, 0.03))
    truth["hair"] |= (alpha >= TRUTH_ALPHA) & _visible(img, out)
    return out


def _scratch_alpha(shape, x0: float, width: float, phase: float, strength) -> np.ndarray:
    h, w = shape
    yy = np.arange(h, dtype=np.float32)[:, None]
    xx = np.arange(w, dtype=np.float32)[None, :]
    x = x0 + 0.8 * np.sin(2 * np.pi * yy / h * 1.3 + phase)
    d = np.abs(xx - x)
    return np.clip(width / 2 + 0.5 - d, 0, 1) * strength[:, None]


def _stain(img, rng, truth):
    h, w = img.shape[:2]
    centre = (rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h)
    shape = _blob(rng, (h, w), centre, rng.uniform(0.12, 0.2) * min(h, w))
    alpha = cv2.GaussianBlur(shape, (0, 0), 6.0)
    alpha = alpha / max(float(alpha.max()), 1e-6) * rng.uniform(0.35, 0.5)
    tinted = img * np.array([0.95, 0.78, 0.5], np.float32) + np.array([0.05, 0.03, 0.0], np.float32)
    out = img * (1 - alpha[..., None]) + tinted * alpha[..., None]
    truth["stain"] |= (alpha >= 0.4 * float(alpha.max())) & _visible(img, out)
    return out


def _reference(picture: np.ndarray, subtitle: bool, rng: np.random.Generator):
    h, w = picture.shape[:2]
    small = cv2.resize(picture, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    soft = cv2.GaussianBlur(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), (0, 0), 0.5)
    code = np.ascontiguousarray((np.clip(soft, 0, 1) * 255 + 0.5).astype(np.uint8))
    text_mask = np.zeros((h, w), bool)
    if subtitle:
        before = code.copy()
        font = cv2.FONT_HERSHEY_SIMPLEX
        org = (int(w * 0.12), int(h * 0.9))
        cv2.putText(
            code, "The sea was never so blue", org, font, w / 900, (0, 0, 0), 3, cv2.LINE_AA
        )
        cv2.putText(
            code, "The sea was never so blue", org, font, w / 900, (255, 255, 255), 1, cv2.LINE_AA
        )
        text_mask = np.any(code != before, axis=2)
    ok, jpeg = cv2.imencode(".jpg", code[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 88])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255.0, text_mask


def make_damaged_clip(spec: DamageSpec = DamageSpec()) -> DamagedClip:
    """Build one clip (deterministic for ``spec.seed``)."""
    rng = np.random.default_rng(spec.seed)
    source = _picture(spec.picture)
    w, h = spec.size
    scratches = [
        (
            rng.uniform(0.1, 0.9) * w,
            rng.uniform(1.0, 3.0),
            rng.uniform(0, 6.3),
            rng.random() < 0.5,
            rng.uniform(-0.6, 0.6),
        )
        for _ in range(spec.scratches)
    ]
    scan, clean, refs, truth, subs = [], [], [], [], []
    for i in range(spec.frames):
        picture = np.clip(_camera(source, i / max(spec.frames - 1, 1), spec.size), 0, 1)
        if spec.moving_object:
            picture = np.clip(_object(picture, i, spec.seed + 99), 0, 1)
        grainy = np.clip(_fade(picture) + _grain((h, w), spec.grain, rng), 0, 1).astype(np.float32)
        masks = {k: np.zeros((h, w), bool) for k in KINDS}
        img = grainy.copy()
        if spec.stain_frame == i:
            img = _stain(img, rng, masks)
        img = _dust(img, rng, masks, spec.dust_per_frame, spec.polarity, spec.dust_size)
        for _ in range(rng.poisson(spec.dirt_per_frame)):
            img = _dirt(img, rng, masks)
        for _ in range(rng.poisson(spec.hairs_per_frame)):
            img = _hair(img, rng, masks)
        for x0, width, phase, bright, drift in scratches:
            along = np.clip(0.75 + 0.25 * np.sin(np.arange(h) / h * 9 + phase), 0.4, 1.0)
            alpha = _scratch_alpha((h, w), x0 + drift * i, width, phase + 0.1 * i, along)
            out = _paint(img, alpha * 0.8, (0.95, 0.95, 0.9) if bright else (0.05, 0.05, 0.05))
            masks["scratch"] |= (alpha * 0.8 >= TRUTH_ALPHA) & _visible(img, out)
            img = out
        scan.append(np.clip(img, 0, 1).astype(np.float32))
        clean.append(grainy)
        truth.append(masks)
        if spec.reference:
            ref, text = _reference(picture, i in spec.subtitle_frames, rng)
            refs.append(ref)
            subs.append(text)
    return DamagedClip(scan, clean, refs if spec.reference else None, truth, spec, subs)
