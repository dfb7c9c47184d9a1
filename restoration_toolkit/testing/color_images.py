"""Synthetic scene-linear pictures and fades for the color tests."""

import numpy as np

from restoration_toolkit.testing.fades import simulate_dye_fade


def smooth_image(rng: np.random.Generator, h: int = 48, w: int = 64) -> np.ndarray:
    """Scene-linear test picture: smooth random color fields (0.005–0.9) plus a few patches."""
    import cv2

    base = rng.random((h // 8, w // 8, 3)).astype(np.float32)
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(img, 0.0, 1.0) ** 2.2 * 0.9 + 0.005


def faded(linear: np.ndarray, rng: np.random.Generator, grain: float = 0.0) -> np.ndarray:
    return simulate_dye_fade(linear, rng=rng, grain_sigma=grain, grain_size=0.0, encoding="linear")
