"""A synthetic full-aperture 35mm scan frame around a picture: perforations, an optical
soundtrack, frame lines, film base and (optionally) burned-in text — what a real archive scan
shows and the picture-area detection must find. Used by tests and the demo.

Layout (fractions of the frame width, as on 35mm film, left to right): scanner border, film
base, perforations (4 per frame, bright where the light passes), base, a variable-area
soundtrack (a bright bilateral waveform on a dark track), the picture, base, perforations,
base. At the top and bottom the neighbouring frames show through, separated from the picture
by dark frame lines. Values are display-referred code values 0–1 (sRGB-like).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np

PERF_X = (0.035, 0.085)
TRACK_X = (0.115, 0.185)
PICTURE_X = (0.20, 0.915)
RIGHT_PERF_X = (0.93, 0.98)
FRAME_LINE = (0.035, 0.07)  # rows (fraction of height) of the top frame line; bottom mirrored
BASE = 0.22
BORDER = 0.0


@dataclass(frozen=True)
class FullApertureFrame:
    """``pixels``: float32 (H, W, 3); ``picture_box``: where the picture is (x0, y0, x1, y1)."""

    pixels: np.ndarray
    picture_box: Tuple[int, int, int, int]


def _track(h: int, w: int, phase: float, rng: np.random.Generator) -> np.ndarray:
    """Variable-area bilateral track: clear (bright) where |x − centre| < envelope(y)."""
    rows = np.arange(h, dtype=np.float64)
    t = rows / h * 2 * np.pi
    audio = (
        0.5 * np.sin(48 * t + phase)
        + 0.3 * np.sin(131 * t + 2 * phase)
        + 0.1 * rng.standard_normal(h)
    )
    half = (0.45 + 0.35 * np.clip(audio, -1, 1)) * (w / 2)
    x = np.abs(np.arange(w) - (w - 1) / 2)[None, :]
    return np.where(x < half[:, None], 0.92, 0.06).astype(np.float32)


def full_aperture_frame(
    picture: np.ndarray,
    *,
    size: Tuple[int, int] = (896, 560),
    neighbours: Optional[Tuple[np.ndarray, np.ndarray]] = None,
    both_perfs: bool = True,
    soundtrack: bool = True,
    frame_lines: bool = True,
    text: str = "",
    seed: int = 0,
) -> FullApertureFrame:
    """Place ``picture`` (float (h, w, 3), 0–1) in a full-aperture frame of ``size`` (W, H).

    ``neighbours``: pictures of the previous and next frames (their edges show above and
    below the frame lines; default: ``picture`` itself). ``text`` is burned in over the
    picture (white with a black outline, like a timecode or subtitle)."""
    W, H = size
    rng = np.random.default_rng(seed)
    frame = np.full((H, W, 3), BASE, np.float32)
    frame[:, : int(0.012 * W)] = BORDER
    frame[:, int(0.99 * W) :] = BORDER
    px0, px1 = int(PICTURE_X[0] * W), int(PICTURE_X[1] * W)
    fl0, fl1 = int(FRAME_LINE[0] * H), int(FRAME_LINE[1] * H)
    top, bottom = (fl1, H - fl1) if frame_lines else (0, H)
    pic = cv2.resize(
        np.asarray(picture, np.float32), (px1 - px0, bottom - top), interpolation=cv2.INTER_AREA
    )
    frame[top:bottom, px0:px1] = pic
    if frame_lines:
        before, after = neighbours or (picture, picture)
        above = cv2.resize(
            np.asarray(before, np.float32), (px1 - px0, bottom - top), interpolation=cv2.INTER_AREA
        )
        below = cv2.resize(
            np.asarray(after, np.float32), (px1 - px0, bottom - top), interpolation=cv2.INTER_AREA
        )
        frame[:fl0, px0:px1] = above[-fl0:]
        frame[fl0:fl1, px0:px1] = 0.03
        frame[H - fl1 : H - fl0, px0:px1] = 0.03
        frame[H - fl0 :, px0:px1] = below[:fl0]
    perf_h, pitch = int(0.105 * H), H / 4.0
    offset = rng.uniform(0, pitch - perf_h)
    columns = [PERF_X] + ([RIGHT_PERF_X] if both_perfs else [])
    for a, b in columns:
        x0, x1 = int(a * W), int(b * W)
        for k in range(-1, 5):
            y0 = int(offset + k * pitch)
            frame[max(y0, 0) : max(y0 + perf_h, 0), x0:x1] = 1.0
    if soundtrack:
        tx0, tx1 = int(TRACK_X[0] * W), int(TRACK_X[1] * W)
        frame[:, tx0:tx1] = _track(H, tx1 - tx0, rng.uniform(0, 6.28), rng)[..., None]
    frame += rng.normal(0, 0.01, frame.shape).astype(np.float32)  # grain
    if text:
        code = np.ascontiguousarray((np.clip(frame, 0, 1) * 255).astype(np.uint8))
        scale = H / 500.0
        org = (px0 + int(0.05 * (px1 - px0)), bottom - int(0.08 * (bottom - top)))
        # a black outline, then the white letters over it, as burned-in titles are
        outline, letters = ((0, 0, 0), max(3, int(5 * scale))), ((255,) * 3, max(1, int(2 * scale)))
        for color, width in (outline, letters):
            cv2.putText(code, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, width, cv2.LINE_AA)
        frame = code.astype(np.float32) / 255.0
    return FullApertureFrame(np.clip(frame, 0, 1).astype(np.float32), (px0, top, px1, bottom))
