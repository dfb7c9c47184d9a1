"""Tiny synthetic restoration projects for the PyTorch engine's tests (seconds on a CPU)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch is imported (busy CI boxes)

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from restoration_toolkit.core.curation.pairs import Pair, PairSet
from restoration_toolkit.core.io.images import ImageMetadata, write_image
from restoration_toolkit.core.project import (
    ColorPipeline,
    Element,
    Footage,
    Project,
    Provenance,
    create_project_folders,
    load_project,
)

GAIN = np.array([1.0, 0.8, 0.55], np.float32)  # the known "fade": cyan/blue dye loss…
OFFSET = np.array([0.06, 0.04, 0.02], np.float32)  # …and a lifted base


def picture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A colourful, textured frame in 0.05–0.95 (smooth colour fields plus some detail)."""
    coarse = gaussian_filter(rng.random((h, w, 3)), (6, 6, 0))
    fine = gaussian_filter(rng.random((h, w, 3)), (1.5, 1.5, 0))
    img = 0.5 + 3.5 * (coarse - coarse.mean()) + 1.5 * (fine - fine.mean())
    return np.clip(img, 0.05, 0.95).astype(np.float32)


def fade(img: np.ndarray) -> np.ndarray:
    return (img * GAIN + OFFSET).astype(np.float32)


def make_project(
    root: Path,
    *,
    technique: str = "color-reference",
    frames: int = 6,
    size=(72, 96),
    holdout: Optional[List[int]] = None,
    seed: int = 0,
    reference_size=None,
    confidence: bool = False,
) -> Project:
    """Scan = fade(truth) + a little grain, reference = truth; frames 1..N; ACEScg."""
    rng = np.random.default_rng(seed)
    h, w = size
    media = root / "media"
    meta = ImageMetadata(colorspace="ACEScg")
    for f in range(1, frames + 1):
        truth = picture(rng, h, w)
        grain = rng.normal(0, 0.01, (h, w, 1)).astype(np.float32)
        write_image(media / f"scan.{f:04d}.exr", fade(truth) + grain, meta, data_format="float")
        ref = truth if reference_size is None else truth[: reference_size[0], : reference_size[1]]
        write_image(media / f"ref.{f:04d}.exr", ref, meta, data_format="float")
    project = Project(
        name="TINY",
        technique=technique,
        root=root,
        source=Footage(
            path="media/scan.####.exr",
            frames=f"1-{frames}",
            colorspace="ACEScg",
            element=Element("35mm", "print", "synthetic"),
        ),
        reference=Footage(
            path="media/ref.####.exr",
            frames=f"1-{frames}",
            colorspace="ACEScg",
            element=Element("video", "DVD", "synthetic"),
            provenance=Provenance("synthetic", "tests", "made by the test"),
        ),
        color=ColorPipeline(working_space="ACEScg"),
    )
    create_project_folders(root)
    project.save()
    holdout = list(holdout if holdout is not None else [frames])
    pairs = [Pair(scan_frame=f, reference_frame=f, reason="test") for f in range(1, frames + 1)]
    PairSet(technique, pairs=pairs, holdout=holdout).save(project.pairs_file)
    if confidence:
        for f in range(1, frames + 1):
            conf = np.ones((h, w, 1), np.float32)
            conf[:, : w // 4] = 0.0
            write_image(project.alignment_dir / f"confidence.{f:04d}.exr", conf, data_format="half")
    return load_project(root)


@pytest.fixture
def tiny_project(tmp_path):
    pytest.importorskip("torch")
    return make_project(tmp_path / "proj")


@pytest.fixture(autouse=True)
def _one_thread():
    """One torch thread: fastest and steady on small tensors and shared CI machines."""
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
