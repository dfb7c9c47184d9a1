"""The demo film: a short faded full-aperture "scan" and a "DVD" reference, as an archive
receives them.

Made from images that ship inside scikit-image (no download). Three shots with camera moves
(pan, push-in, tilt); the truth is the picture as the film looked when new. The scan is that
truth faded the way chromogenic prints fade (``testing.fades``: per-dye density loss,
crossover, base fog, desaturation) with grain, placed in a full-aperture 35mm frame
(``testing.full_aperture``: perforations on both sides, a variable-area soundtrack, frame
lines with the neighbouring frames beyond them); the demo stores it scene-linear ACES2065-1.
The reference is the same content with the good color as a DVD transfer: matted to 1.66:1
and letterboxed in a 720×480 anamorphic raster (pixel aspect 8:9), framed a little tighter,
rotated 0.4°, slightly soft, with three frames of black leader, two after, and a burned-in
subtitle across one shot; the demo telecines it (3:2 pulldown, fields A A B B B C C D D D) and
encodes it as interlaced MPEG-2 — the things the real workflow meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

import cv2
import numpy as np

from .fades import FadeParameters, simulate_dye_fade
from .full_aperture import full_aperture_frame

SHOTS = (("astronaut", "pan"), ("coffee", "push"), ("chelsea", "tilt"))
REFERENCE_LEADER = 3
SUBTITLE_SHOT = 1
DVD_SIZE = (720, 480)  # stored raster; pixel aspect 8:9 shows it as 640×480 (4:3)
DVD_PIXEL_ASPECT = (8, 9)
MATTE = 1.66  # the DVD shows the film matted to 1.66:1, letterboxed
SCAN_SIZE = (896, 560)  # full aperture around a 640×482 picture


@dataclass(frozen=True)
class DemoFootage:
    """Frames as float32 (H, W, 3). ``scan``: full-aperture frames, faded sRGB-encoded code
    values (convert to ACES2065-1 for the EXR scan), the picture at ``picture_box``;
    ``reference``: film-rate DVD frames (720×480 anamorphic, letterboxed), sRGB code values,
    before telecine; ``truth``: sRGB at picture size. ``shot_of_frame[i]`` is the shot index
    of scan frame i."""

    scan: List[np.ndarray]
    reference: List[np.ndarray]
    truth: List[np.ndarray]
    shot_of_frame: List[int]
    picture_box: Tuple[int, int, int, int] = (0, 0, 0, 0)
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
    """The DVD frame of ``truth``: tighter framing (4 % each side), 0.4° rotation, matted to
    1.66:1, letterboxed into ``size`` (stored anamorphic), slightly soft, subtitle burned in."""
    h, w = truth.shape[:2]
    rw, rh = size
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0.4, 1.0 / 0.92)
    framed = cv2.warpAffine(truth, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    band = int(round(w / MATTE))
    r0 = (h - band) // 2
    pic_h = int(round(rh * (band / h) * (h / w) * (4 / 3)))  # picture rows in the 4:3 raster
    picture = cv2.resize(framed[r0 : r0 + band], (rw, pic_h), interpolation=cv2.INTER_AREA)
    picture = cv2.GaussianBlur(picture, (0, 0), 0.6)
    frame = np.zeros((rh, rw, 3), np.float32)
    top = (rh - pic_h) // 2
    frame[top : top + pic_h] = np.clip(picture, 0, 1)
    code = np.ascontiguousarray((frame * 255 + 0.5).astype(np.uint8))
    if subtitle:
        font = cv2.FONT_HERSHEY_SIMPLEX
        (tw, th), _ = cv2.getTextSize(subtitle, font, 0.8, 2)
        org = ((rw - tw) // 2, top + pic_h - 16)
        cv2.putText(code, subtitle, org, font, 0.8, (0, 0, 0), 5, cv2.LINE_AA)
        cv2.putText(code, subtitle, org, font, 0.8, (255, 255, 255), 2, cv2.LINE_AA)
    return code.astype(np.float32) / 255.0


def make_demo_footage(
    *,
    size: Tuple[int, int] = (640, 480),
    reference_size: Tuple[int, int] = DVD_SIZE,
    frames_per_shot: int = 8,
    seed: int = 7,
    scan_size: Tuple[int, int] = SCAN_SIZE,
) -> DemoFootage:
    """Build the demo film in memory (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    scan, reference, truth, shots = [], [], [], []
    box = (0, 0, 0, 0)
    for s, (name, move) in enumerate(SHOTS):
        image = _source(name)
        for i in range(frames_per_shot):
            t = i / max(frames_per_shot - 1, 1)
            good = np.clip(_camera(image, move, t, size), 0, 1)
            faded = simulate_dye_fade(good, rng=rng, grain_sigma=0.015, grain_size=0.8)
            full = full_aperture_frame(faded, size=scan_size, seed=seed * 1000 + len(scan))
            box = full.picture_box
            subtitle = (
                "I never saw the sea so blue."
                if s == SUBTITLE_SHOT and i < frames_per_shot - 2
                else ""
            )
            truth.append(good.astype(np.float32))
            scan.append(full.pixels)
            reference.append(_reference_of(good, reference_size, subtitle, rng))
            shots.append(s)
    leader = [np.zeros((reference_size[1], reference_size[0], 3), np.float32)] * REFERENCE_LEADER
    return DemoFootage(scan, leader + reference + leader[:2], truth, shots, box)
