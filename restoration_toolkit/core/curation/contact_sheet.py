"""The curation contact sheet: every pair side by side (scan | reference), labelled.

Input tiles are display-referred RGB 0–1 (convert scene-linear scans before, e.g. with
``core.ocio.convert_colorspace(..., "sRGB - Texture")``); the sheet is an sRGB float32
(H, W, 3) image in 0–1, ready for ``write_image(… .png)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import cv2
import numpy as np

TILE_W, TILE_H = 240, 180
LABEL_H = 34
GAP = 6


@dataclass(frozen=True)
class SheetEntry:
    """One row cell: the scan frame, its reference (None: missing) and a two-line label."""

    scan: np.ndarray
    reference: Optional[np.ndarray]
    title: str
    subtitle: str = ""


def display_normalise(pixels: np.ndarray) -> np.ndarray:
    """A viewable 0–1 RGB version of any image: values outside 0–1 (scene-linear) are mapped
    by their 0.5 / 99.5 percentiles and a 1/2.2 gamma; 0–1 images are only clipped."""
    arr = np.nan_to_num(np.asarray(pixels, np.float32))
    if arr.ndim == 2:
        arr = arr[:, :, None]
    rgb = arr[:, :, :3] if arr.shape[2] >= 3 else np.repeat(arr[:, :, :1], 3, axis=2)
    lo, hi = float(np.percentile(rgb, 0.5)), float(np.percentile(rgb, 99.5))
    if lo >= -0.01 and hi <= 1.01:
        return np.clip(rgb, 0.0, 1.0)
    scaled = np.clip((rgb - min(lo, 0.0)) / max(hi - min(lo, 0.0), 1e-6), 0.0, 1.0)
    return scaled ** (1.0 / 2.2)


def _text(img: np.ndarray, text: str, org, scale: float, color) -> None:
    """Draw on a uint8 image (OpenCV draws text on 8-bit images only); color in 0–1."""
    cv2.putText(
        img,
        text,
        org,
        cv2.FONT_HERSHEY_SIMPLEX,
        scale,
        tuple(int(255 * c) for c in color),
        1,
        cv2.LINE_AA,
    )


def _tile(img: Optional[np.ndarray]) -> np.ndarray:
    if img is None:
        return np.full((TILE_H, TILE_W, 3), 0.12, np.float32)
    h, w = img.shape[:2]
    s = min(TILE_W / w, TILE_H / h)
    nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    small = cv2.resize(
        np.ascontiguousarray(img[:, :, :3], np.float32), (nw, nh), interpolation=cv2.INTER_AREA
    )
    tile = np.zeros((TILE_H, TILE_W, 3), np.float32)
    y, x = (TILE_H - nh) // 2, (TILE_W - nw) // 2
    tile[y : y + nh, x : x + nw] = small
    return tile


def contact_sheet(
    entries: Sequence[SheetEntry], *, columns: int = 2, heading: str = ""
) -> np.ndarray:
    """Lay the pairs out ``columns`` pairs wide; each cell is scan | reference over a label."""
    if not entries:
        raise ValueError("no pairs for a contact sheet")
    cell_w = 2 * TILE_W + GAP
    cell_h = TILE_H + LABEL_H
    rows = (len(entries) + columns - 1) // columns
    head = 30 if heading else 0
    sheet = np.full(
        (head + rows * (cell_h + GAP) + GAP, columns * (cell_w + GAP) + GAP, 3), 0.05, np.float32
    )
    labels = []
    for k, e in enumerate(entries):
        r, c = divmod(k, columns)
        y0 = head + GAP + r * (cell_h + GAP)
        x0 = GAP + c * (cell_w + GAP)
        sheet[y0 : y0 + TILE_H, x0 : x0 + TILE_W] = _tile(display_normalise(e.scan))
        ref = display_normalise(e.reference) if e.reference is not None else None
        sheet[y0 : y0 + TILE_H, x0 + TILE_W + GAP : x0 + cell_w] = _tile(ref)
        labels.append((e.title[:64], (x0 + 2, y0 + TILE_H + 14), 0.45, (1.0, 0.85, 0.4)))
        if e.subtitle:
            labels.append((e.subtitle[:80], (x0 + 2, y0 + TILE_H + 29), 0.38, (0.8, 0.8, 0.8)))
        if e.reference is None:
            labels.append(
                ("no reference", (x0 + TILE_W + GAP + 60, y0 + TILE_H // 2), 0.6, (0.8, 0.3, 0.3))
            )
    if heading:
        labels.append((heading[:120], (GAP, 21), 0.55, (0.95, 0.95, 0.95)))
    canvas = np.round(np.clip(sheet, 0, 1) * 255).astype(np.uint8)
    for text, org, scale, color in labels:
        _text(canvas, text, org, scale, color)
    return canvas.astype(np.float32) / 255.0


def label_lines(scan_frame: int, reference: Optional[str], shot: str, reason: str) -> List[str]:
    """Title and subtitle of a cell: ``scan 1012 <-> ref 15  sh010`` / the reason, shortened."""
    title = f"scan {scan_frame} <-> {reference if reference is not None else '-'}  {shot}"
    return [title, reason.split(";")[0]]
