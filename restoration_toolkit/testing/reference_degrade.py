"""A reference that is itself soft, compressed and differently toned (benchmark family (e)).

What a DVD or an old video master does to the reference a restorer aligns to the scan:
a different tone curve (encoded with a plain power law of its own and read back as sRGB),
softness (Gaussian blur), and lossy compression — JPEG through OpenCV, which also halves the
chroma resolution (4:2:0), the way MPEG-2 video does. Independent of every fitting method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ReferenceDegrade:
    gamma: float      # the video's own encoding exponent (read back as sRGB)
    blur_px: float    # Gaussian sigma
    quality: int      # JPEG quality 0–100


def random_reference_degrade(rng: np.random.Generator) -> ReferenceDegrade:
    return ReferenceDegrade(
        gamma=float(rng.uniform(1.8, 2.7)),
        blur_px=float(rng.uniform(0.8, 1.8)),
        quality=int(rng.integers(30, 71)),
    )


def degrade_reference(linear: np.ndarray, d: ReferenceDegrade) -> np.ndarray:
    """Linear RGB (H, W, 3) → the degraded reference, decoded as sRGB to linear float32."""
    import cv2

    code = np.power(np.clip(np.asarray(linear[..., :3], np.float64), 0.0, 1.0), 1.0 / d.gamma)
    code = cv2.GaussianBlur(code.astype(np.float32), (0, 0), d.blur_px)
    bgr = np.round(np.clip(code[..., ::-1], 0, 1) * 255.0).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(d.quality)])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    back = cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float64) / 255.0
    linear_out = np.where(back <= 0.04045, back / 12.92, ((back + 0.055) / 1.055) ** 2.4)
    return linear_out.astype(np.float32)
