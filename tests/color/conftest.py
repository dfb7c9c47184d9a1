from pathlib import Path

import numpy as np
import pytest

from restoration_toolkit.core.color.fading import simulate_dye_fade
from restoration_toolkit.core.imageio import write_image


def smooth_image(rng: np.random.Generator, h: int = 48, w: int = 64) -> np.ndarray:
    """Scene-linear test picture: smooth random color fields (0.005–0.9) plus a few patches."""
    import cv2

    base = rng.random((h // 8, w // 8, 3)).astype(np.float32)
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(img, 0.0, 1.0) ** 2.2 * 0.9 + 0.005


def faded(linear: np.ndarray, rng: np.random.Generator, grain: float = 0.0) -> np.ndarray:
    return simulate_dye_fade(linear, rng=rng, grain_sigma=grain, grain_size=0.0, encoding="linear")


@pytest.fixture
def pair_sequences(tmp_path: Path):
    """Scan / aligned-reference EXR sequences, frames 1–4, 64×48, scan = faded reference."""
    rng = np.random.default_rng(7)
    scan_dir, ref_dir = tmp_path / "scan", tmp_path / "ref"
    for f in range(1, 5):
        ref = smooth_image(rng)
        write_image(ref_dir / f"ref.{f:04d}.exr", ref, data_format="float")
        write_image(scan_dir / f"scan.{f:04d}.exr", faded(ref, rng, 0.01), data_format="float")
    return scan_dir / "scan.####.exr", ref_dir / "ref.####.exr"
