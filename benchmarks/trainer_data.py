"""Synthetic restoration projects for ``benchmarks/trainer.py``, split by whole shots, and the
content-overlap measure that shows the held-out shots share no content with training.

A *shot* is a slow diagonal pan across one scikit-image picture (no download). Training
shots and held-out shots come from different pictures; a third group, *between* frames,
sits half-way between two training frames of a training shot — the old split, kept only as
a contrast: it shares most of its content with training.

Color recovery (technique ``color-reference``): truth = the picture as the print looked when
new (sRGB); scan = :func:`restoration_toolkit.testing.fades.simulate_dye_fade` (chromogenic
dye fading, grain σ 0.015); reference = a "DVD" of the truth (half resolution, soft, JPEG
q 70) resized onto the scan grid — aligned, confidence 1 (alignment is benchmarked
elsewhere).

Spatial recovery (technique ``gauge``, 16 mm → 35 mm): truth = the 35 mm original (picture +
fine grain σ 0.02); scan = a 16 mm copy (half resolution, optical softness σ 0.7 px, coarser
grain σ 0.03), Lanczos-4-resampled to the 35 mm raster; reference = the 35 mm original.

Everything is written as a real project (project.yaml, pairs.yaml with the held-out frames,
aligned references and confidences in stage 02; ACEScg EXR) and read back by the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from restoration_toolkit.core.io.images import ImageMetadata, write_image
from restoration_toolkit.core.io.ocio import convert_colorspace
from restoration_toolkit.testing.overlap import (  # noqa: F401  (the measure the benchmark uses)
    OVERLAP_RANSAC_PX,
    OVERLAP_RATIO,
    content_overlap,
    features,
)

FRAME = 256  # frames are FRAME × FRAME
TRAIN_SHOTS = ("astronaut", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field")
TEST_SHOTS = ("chelsea", "motorcycle", "retina")
TRAIN_FRAMES = 4  # per training shot
TEST_FRAMES = 3  # per held-out shot
GAUGES = {"scan": "16 mm", "original": "35 mm"}  # the spatial project's elements
WORK = "ACEScg"
DISPLAY = "sRGB - Texture"
GROUPS = ("train", "held-out shots", "between")


def picture(name: str) -> np.ndarray:
    """A scikit-image sample picture as float32 sRGB (H, W, 3), 0–1."""
    from skimage import data

    img = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img[:, :, :3].astype(np.float32) / 255.0


def pan(name: str, positions: Sequence[float], size: int = FRAME) -> List[np.ndarray]:
    """Crops of a slow diagonal pan across the picture (resized so its short side is
    1.4 × size) at ``positions`` in 0–1 along the pan."""
    img = picture(name)
    scale = 1.4 * size / min(img.shape[:2])
    img = cv2.resize(
        img,
        (round(img.shape[1] * scale), round(img.shape[0] * scale)),
        interpolation=cv2.INTER_AREA,
    )
    h, w = img.shape[:2]
    out = []
    for t in positions:
        y, x = int(round(t * (h - size))), int(round(t * (w - size)))
        out.append(np.clip(img[y : y + size, x : x + size], 0, 1).copy())
    return out


def shot_plan() -> List[Tuple[str, str, float]]:
    """(group, picture, pan position) of every frame, in frame order."""
    plan = []
    for name in TRAIN_SHOTS:
        ts = np.linspace(0, 1, TRAIN_FRAMES)
        plan += [("train", name, float(t)) for t in ts]
        plan.append(("between", name, float((ts[1] + ts[2]) / 2)))
    for name in TEST_SHOTS:
        plan += [("held-out shots", name, float(t)) for t in np.linspace(0, 1, TEST_FRAMES)]
    return plan


@dataclass
class Frame:
    number: int
    group: str
    shot: str
    truth: np.ndarray  # sRGB (color) / the 35 mm original (spatial), display 0–1
    scan: np.ndarray  # display 0–1, on the truth's raster
    extra: np.ndarray  # color: the DVD on the scan raster; spatial: the 16 mm frame


@dataclass
class Synthetic:
    root: Path
    technique: str
    frames: Dict[int, Frame] = field(default_factory=dict)

    def numbers(self, group: str) -> List[int]:
        return [f.number for f in self.frames.values() if f.group == group]


def _grain(
    rng: np.random.Generator, shape: Tuple[int, int], sigma: float, size: float
) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    noise = gaussian_filter(rng.standard_normal(shape), size)
    return (sigma * noise / noise.std()).astype(np.float32)[..., None]


def _dvd(truth: np.ndarray) -> np.ndarray:
    h, w = truth.shape[:2]
    small = cv2.GaussianBlur(
        cv2.resize(truth, (w // 2, h // 2), interpolation=cv2.INTER_AREA), (0, 0), 0.5
    )
    ok, buf = cv2.imencode(
        ".jpg",
        (np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)[:, :, ::-1],
        [cv2.IMWRITE_JPEG_QUALITY, 70],
    )
    small = cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1].astype(np.float32) / 255.0
    return np.clip(cv2.resize(small, (w, h), interpolation=cv2.INTER_LANCZOS4), 0, 1)


def to_work(srgb: np.ndarray) -> np.ndarray:
    return convert_colorspace(np.ascontiguousarray(srgb, np.float32), DISPLAY, WORK)


def to_display(work: np.ndarray) -> np.ndarray:
    return convert_colorspace(np.ascontiguousarray(work, np.float32), WORK, DISPLAY)


def _make_frame(
    technique: str, clean: np.ndarray, rng: np.random.Generator
) -> Tuple[np.ndarray, ...]:
    """(truth, scan, extra, aligned reference in display values)."""
    if technique == "color-reference":
        from restoration_toolkit.testing.fades import simulate_dye_fade

        scan = simulate_dye_fade(clean, rng=rng, grain_sigma=0.015, grain_size=0.8)
        dvd = _dvd(clean)
        return clean, scan, dvd, dvd
    truth = np.clip(clean + _grain(rng, clean.shape[:2], 0.02, 0.5), 0, 1)
    low = cv2.GaussianBlur(
        cv2.resize(clean, (FRAME // 2, FRAME // 2), interpolation=cv2.INTER_AREA), (0, 0), 0.7
    )
    low = np.clip(low + _grain(rng, low.shape[:2], 0.03, 0.8), 0, 1)
    scan = np.clip(cv2.resize(low, (FRAME, FRAME), interpolation=cv2.INTER_LANCZOS4), 0, 1)
    return truth, scan, low, truth


def build_project(root: Path, technique: str, seed: int) -> Synthetic:
    """Write the synthetic project of ``technique`` under ``root`` for data seed ``seed``."""
    from restoration_toolkit.core.curation.pairs import Pair, PairSet
    from restoration_toolkit.core.project import create_project_folders

    rng = np.random.default_rng(1000 + seed)
    create_project_folders(root)
    syn = Synthetic(root, technique)
    for number, (group, name, t) in enumerate(shot_plan(), start=1):
        clean = pan(name, [t])[0]
        truth, scan, extra, aligned = _make_frame(technique, clean, rng)
        syn.frames[number] = Frame(number, group, name, truth.astype(np.float32), scan, extra)
        meta = ImageMetadata(colorspace=WORK)
        write_image(root / f"media/scan.{number:04d}.exr", to_work(scan), meta, data_format="float")
        write_image(
            root / f"media/ref.{number:04d}.exr", to_work(aligned), meta, data_format="float"
        )
        stage2 = root / "pipeline/02_alignment"
        write_image(
            stage2 / f"aligned.{number:04d}.exr", to_work(aligned), meta, data_format="float"
        )
        write_image(stage2 / f"confidence.{number:04d}.exr", np.ones((FRAME, FRAME, 1), np.float32))
    _write_project_yaml(root, technique, len(syn.frames))
    pairs = [
        Pair(scan_frame=f, reference_frame=f, reason="benchmark") for f in syn.numbers("train")
    ]
    held = syn.numbers("held-out shots") + syn.numbers("between")
    PairSet(technique, pairs=pairs, holdout=sorted(held)).save(
        root / "pipeline/01_dataset_curation/pairs.yaml"
    )
    return syn


def _write_project_yaml(root: Path, technique: str, count: int) -> None:
    from restoration_toolkit.core.project import (
        ColorPipeline,
        Element,
        Footage,
        Project,
        Provenance,
    )

    color = technique == "color-reference"
    Project(
        name="BENCH_COLOR" if color else "BENCH_GAUGE",
        technique=technique,
        root=root,
        source=Footage(
            path="media/scan.####.exr",
            frames=f"1-{count}",
            colorspace=WORK,
            element=Element("35mm" if color else "16mm", "print", "synthetic"),
        ),
        reference=Footage(
            path="media/ref.####.exr",
            frames=f"1-{count}",
            colorspace=WORK,
            element=Element("video" if color else "35mm", "reference", "synthetic"),
            provenance=Provenance(
                "scikit-image data images", "scikit-image contributors", "bundled sample data"
            ),
        ),
        color=ColorPipeline(working_space=WORK),
    ).save()
