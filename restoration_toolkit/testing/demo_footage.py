"""The demo film: a short faded "scan" and a lower-resolution, re-framed "DVD" reference.

Made from images that ship inside scikit-image (no download). Three shots with camera moves
(pan, push-in, tilt); the truth is the image as the film looked when new. The scan is that
truth faded the way chromogenic prints fade (``core.color.fading``: per-dye density loss,
crossover, base fog, desaturation) with grain, stored scene-linear ACES2065-1 with a black
gate edge on the left (as a full-aperture scan shows). The reference is the same content with
the good colour, smaller (4:3 at 480×360), cropped a little tighter, rotated 0.4°, slightly
soft and JPEG-compressed, sRGB, with three frames of black leader before the picture and a
burned-in subtitle across one shot — the things the real workflow meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

import cv2
import numpy as np

from .fades import FadeParameters, simulate_dye_fade

SHOTS = (("astronaut", "pan"), ("coffee", "push"), ("chelsea", "tilt"))
REFERENCE_LEADER = 3
SUBTITLE_SHOT = 1


@dataclass(frozen=True)
class DemoFootage:
    """Frames as float32 (H, W, 3). ``scan``: faded sRGB-encoded code values (convert to
    ACES2065-1 for the EXR scan); ``reference``: sRGB code values; ``truth``: sRGB at scan
    size. ``shot_of_frame[i]`` is the shot index of scan frame i."""

    scan: List[np.ndarray]
    reference: List[np.ndarray]
    truth: List[np.ndarray]
    shot_of_frame: List[int]
    reference_offset: int = REFERENCE_LEADER
    fade: FadeParameters = field(default_factory=FadeParameters)


def _source(name: str) -> np.ndarray:
    from skimage import data

    return getattr(data, name)().astype(np.float32) / 255.0


def _camera(image: np.ndarray, move: str, t: float, size: Tuple[int, int]) -> np.ndarray:
    """Crop window moving over ``image`` (t in 0–1), resampled to size (w, h)."""
    w, h = size
    ih, iw = image.shape[:2]
    base = min(iw / w, ih / h) * 0.82
    zoom = 1.0 - 0.12 * t if move == "push" else 1.0
    cw, ch = w * base * zoom, h * base * zoom
    cx, cy = iw / 2, ih / 2
    if move == "pan":
        cx += (t - 0.5) * (iw - cw) * 0.8
    if move == "tilt":
        cy += (t - 0.5) * (ih - ch) * 0.8
    scale = cw / w
    m = np.array([[scale, 0, cx - cw / 2], [0, scale, cy - ch / 2]], np.float64)
    return cv2.warpAffine(
        image,
        m,
        (w, h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REFLECT,
    )


def _reference_of(
    truth: np.ndarray, size: Tuple[int, int], subtitle: str, rng: np.random.Generator
) -> np.ndarray:
    h, w = truth.shape[:2]
    rw, rh = size
    # Tighter framing (4 % each side), 0.4° rotation, then down to the reference raster.
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0.4, 1.0 / 0.92)
    framed = cv2.warpAffine(truth, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    small = cv2.resize(framed, (rw, rh), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 0.6)
    code = np.ascontiguousarray((np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8))
    if subtitle:
        font = cv2.FONT_HERSHEY_SIMPLEX
        (tw, th), _ = cv2.getTextSize(subtitle, font, 0.6, 2)
        org = ((rw - tw) // 2, rh - 18)
        cv2.putText(code, subtitle, org, font, 0.6, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(code, subtitle, org, font, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    ok, jpeg = cv2.imencode(".jpg", code[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 82])
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1]
    return decoded.astype(np.float32) / 255.0


def make_demo_footage(
    *,
    size: Tuple[int, int] = (640, 480),
    reference_size: Tuple[int, int] = (480, 360),
    frames_per_shot: int = 8,
    seed: int = 7,
    gate_edge: int = 12,
) -> DemoFootage:
    """Build the demo film in memory (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    scan, reference, truth, shots = [], [], [], []
    for s, (name, move) in enumerate(SHOTS):
        image = _source(name)
        for i in range(frames_per_shot):
            t = i / max(frames_per_shot - 1, 1)
            good = np.clip(_camera(image, move, t, size), 0, 1)
            faded = simulate_dye_fade(good, rng=rng, grain_sigma=0.015, grain_size=0.8)
            if gate_edge:
                faded[:, :gate_edge] = 0.0
            subtitle = (
                "I never saw the sea so blue."
                if s == SUBTITLE_SHOT and i < frames_per_shot - 2
                else ""
            )
            truth.append(good.astype(np.float32))
            scan.append(faded)
            reference.append(_reference_of(good, reference_size, subtitle, rng))
            shots.append(s)
    leader = [np.zeros((reference_size[1], reference_size[0], 3), np.float32)] * REFERENCE_LEADER
    return DemoFootage(scan, leader + reference + leader[:2], truth, shots)
