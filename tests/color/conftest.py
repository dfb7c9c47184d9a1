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


def make_color_project(root: Path, technique: str = "color-reference", frames: int = 6,
                       size=(40, 56)):
    """A tiny restoration project: scan = faded truth, aligned references already in
    pipeline/02_alignment, pairs in two shots (frames 1–3: A, 4–6: B), frame 6 held out."""
    from restoration_toolkit.core.curation.pairs import Pair, PairSet
    from restoration_toolkit.core.io.images import ImageMetadata
    from restoration_toolkit.core.project import (
        ColorPipeline,
        Element,
        Footage,
        Project,
        Provenance,
        create_project_folders,
        load_project,
    )

    rng = np.random.default_rng(5)
    meta = ImageMetadata(colorspace="ACEScg")
    project = Project(
        name="TINY",
        technique=technique,
        root=root,
        source=Footage(path="media/scan.####.exr", frames=f"1-{frames}", colorspace="ACEScg",
                       element=Element("35mm", "print", "synthetic")),
        reference=Footage(path="media/ref.####.exr", frames=f"1-{frames}", colorspace="ACEScg",
                          element=Element("video", "DVD", "synthetic"),
                          provenance=Provenance("synthetic", "tests", "made by the test")),
        color=ColorPipeline(working_space="ACEScg"),
    )
    create_project_folders(root)
    project.save()
    for f in range(1, frames + 1):
        truth = smooth_image(rng, *size)
        write_image(root / f"media/scan.{f:04d}.exr", faded(truth, rng, 0.005), meta,
                    data_format="float")
        write_image(root / f"media/ref.{f:04d}.exr", truth, meta, data_format="float")
        write_image(project.alignment_dir / f"aligned.{f:04d}.exr", truth, meta,
                    data_format="float")
    pairs = [Pair(scan_frame=f, reference_frame=f, shot="A" if f <= 3 else "B", reason="test")
             for f in range(1, frames + 1)]
    PairSet(technique, pairs=pairs, holdout=[frames]).save(project.pairs_file)
    return load_project(root)


@pytest.fixture
def color_project(tmp_path: Path):
    return make_color_project(tmp_path / "proj")
