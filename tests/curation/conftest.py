"""Fixtures for stage 01: a small synthetic reel, its references, and projects on disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.io.thumbnails import thumbnails_from_arrays
from restoration_toolkit.testing.reels import make_reel
from restoration_toolkit.testing.transfers import make_references

SCAN_FIRST = 1001


@pytest.fixture(scope="session")
def reel():
    return make_reel(400, seed=5)


@pytest.fixture(scope="session")
def dissolve_reel():
    return make_reel(300, seed=5, dissolve=12)


@pytest.fixture(scope="session")
def references(reel):
    return {r.name: r for r in make_references(reel, seed=9)}


@pytest.fixture(scope="session")
def scan_thumbs(reel):
    return thumbnails_from_arrays(range(SCAN_FIRST, SCAN_FIRST + len(reel.frames)), reel.frames)


@pytest.fixture(scope="session")
def ref_thumbs(references):
    return {
        name: thumbnails_from_arrays(range(1, 1 + len(r.frames)), r.frames, fields=True)
        for name, r in references.items()
    }


def write_sequence(folder: Path, name: str, frames, first: int, ext: str = "png") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for k, img in enumerate(frames):
        write_image(folder / f"{name}.{first + k:04d}.{ext}", np.ascontiguousarray(img, np.float32))
    return (folder / f"{name}.####.{ext}").as_posix()


def write_project(
    root: Path,
    scan_frames,
    ref_frames,
    *,
    technique: str = "color-reference",
    ref_fps: float = 25.0,
    provenance: bool = True,
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    scan = write_sequence(root / "media", "SCAN", scan_frames, SCAN_FIRST)
    data = {
        "schema_version": 1,
        "name": "T",
        "technique": technique,
        "source": {
            "path": Path(scan).relative_to(root).as_posix(),
            "fps": 24.0,
            "colorspace": "sRGB - Texture",
        },
    }
    if ref_frames is not None:
        ref = write_sequence(root / "media", "REF", ref_frames, 1)
        data["reference"] = {
            "path": Path(ref).relative_to(root).as_posix(),
            "fps": ref_fps,
            "colorspace": "sRGB - Texture",
        }
        if provenance:
            data["reference"]["provenance"] = {
                "source": "synthetic test reel",
                "holder": "tests",
                "permission": "made for the tests",
            }
    (root / "project.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    for d in (
        "01_dataset_curation",
        "02_alignment",
        "03_copycat_training",
        "04_inference_render",
        "05_matchgrade_render",
    ):
        (root / "pipeline" / d).mkdir(parents=True, exist_ok=True)
    (root / "notes").mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="session")
def small_reel():
    return make_reel(90, seed=3)


@pytest.fixture(scope="session")
def pal_template(tmp_path_factory, small_reel):
    (pal,) = make_references(small_reel, seed=2, only="pal")
    return write_project(
        tmp_path_factory.mktemp("template") / "proj", small_reel.frames, pal.frames
    )


@pytest.fixture
def pal_project(tmp_path, pal_template):
    """A fresh copy of a 90-frame project with a PAL reference (14 frames of leader)."""
    return Path(shutil.copytree(pal_template, tmp_path / "proj"))
