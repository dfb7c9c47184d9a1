from pathlib import Path

import numpy as np
import pytest

from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.testing.color_images import faded, smooth_image


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
