"""A small synthetic restoration project for the validation tests.

8 scan frames of 96×128: a clean textured picture (the reference, "the DVD") faded and given
grain (the scan). Training pairs at 1, 4, 8; held out 2, 3, 5, 6, 7. The "model result" is the
scan's luminance with the reference's chroma (what a good color model delivers), except frame 6
whose hue is rotated (an outlier the report must list). Files are written in the colour spaces
a real project uses: scan and result ACES2065-1, aligned references ACEScg.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.ndimage import gaussian_filter

from restoration_toolkit.core.curation.pairs import Pair, PairSet
from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.ycbcr import from_ycbcr, to_ycbcr

H, W = 96, 128
FRAMES = range(1, 9)
TRAINING = [1, 4, 8]
HOLDOUT = [2, 3, 5, 6, 7]


def _from_srgb(rgb: np.ndarray, space: str) -> np.ndarray:
    import PyOpenColorIO as ocio

    cfg = ocio.Config.CreateFromFile("ocio://cg-config-v1.0.0_aces-v1.3_ocio-v2.1")
    arr = np.ascontiguousarray(rgb.astype(np.float32)).copy()
    cfg.getProcessor("sRGB - Texture", space).getDefaultCPUProcessor().applyRGB(arr)
    return arr


def _picture(frame: int) -> np.ndarray:
    rng = np.random.default_rng(100)
    base = gaussian_filter(rng.random((H, W + 16, 3)), (3, 3, 0))
    base = (base - base.min()) / (base.max() - base.min())
    img = 0.15 + 0.7 * base[:, frame : frame + W]  # a slow pan
    img[20:50, 30:70] = [0.8, 0.55, 0.45]  # a skin-like patch
    img[60:, :40] = np.linspace(0.2, 0.6, 40)[None, :, None]  # a smooth gradient
    return img.astype(np.float32)


def _hue_rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    ycc = to_ycbcr(rgb)
    a = np.radians(degrees)
    cb, cr = ycc[..., 1].copy(), ycc[..., 2].copy()
    ycc[..., 1] = cb * np.cos(a) - cr * np.sin(a)
    ycc[..., 2] = cb * np.sin(a) + cr * np.cos(a)
    return from_ycbcr(ycc)


def make_project(root: Path, *, holdout=HOLDOUT, outlier_frame: int = 6) -> Path:
    rng = np.random.default_rng(5)
    for sub in (
        "media",
        "pipeline/01_dataset_curation",
        "pipeline/02_alignment",
        "pipeline/04_inference_render",
        "pipeline/05_matchgrade_render",
        "notes",
    ):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for f in FRAMES:
        ref = _picture(f)
        faded = 0.1 + 0.75 * ref * np.array([1.0, 0.85, 0.6], np.float32)
        grain = gaussian_filter(rng.normal(0, 0.03, (H, W)), 0.6)[:, :, None].astype(np.float32)
        scan = np.clip(faded + grain, 0, 1)
        model = from_ycbcr(
            np.concatenate([to_ycbcr(scan)[..., :1], to_ycbcr(ref)[..., 1:]], axis=2)
        )
        if f == outlier_frame:
            model = _hue_rotate(model, 25.0)
        model = np.clip(model, 0, 1)
        write_image(
            root / f"media/scan.{f:04d}.exr", _from_srgb(scan, "ACES2065-1"), data_format="float"
        )
        write_image(root / f"media/dvd.{f:04d}.png", ref)
        write_image(
            root / f"pipeline/02_alignment/aligned.{f:04d}.exr",
            _from_srgb(ref, "ACEScg"),
            data_format="float",
        )
        conf = np.ones((H, W, 1), np.float32)
        conf[:4] = 0.0  # a letterbox edge the alignment did not trust
        write_image(root / f"pipeline/02_alignment/confidence.{f:04d}.exr", conf)
        write_image(
            root / f"pipeline/04_inference_render/shotA_ml_{f:04d}.exr",
            _from_srgb(model, "ACES2065-1"),
            data_format="float",
        )
    project = {
        "schema_version": 1,
        "name": "SYNTH",
        "technique": "color-reference",
        "film": {"title": "Synthetic Test Reel"},
        "source": {
            "path": "media/scan.####.exr",
            "colorspace": "ACES2065-1",
            "element": {"gauge": "16mm", "generation": "print"},
        },
        "reference": {
            "path": "media/dvd.####.png",
            "colorspace": "sRGB - Texture",
            "element": {"gauge": "video", "generation": "DVD"},
            "provenance": {
                "source": "DVD release 2004",
                "holder": "Test Archive",
                "permission": "research use, letter of 2026-01-05",
                "date": "2026-01-05",
            },
        },
        "shots": [{"name": "shotA", "first": 1, "last": 8}],
    }
    (root / "project.yaml").write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    PairSet(
        "color-reference",
        pairs=[
            Pair(scan_frame=f, reference_frame=f, shot="shotA", reason="test") for f in TRAINING
        ],
        holdout=list(holdout),
    ).save(root / "pipeline/01_dataset_curation/pairs.yaml")
    return root


@pytest.fixture
def synthetic_project(tmp_path) -> Path:
    return make_project(tmp_path / "proj")
