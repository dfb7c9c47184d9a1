"""Damage in the training data: a damaged pair's ground truth comes from evidence, and what
no source shows is masked out of the loss, never filled (train/data.py)."""

from __future__ import annotations

import numpy as np

from restoration_toolkit.core.curation.pairs import load_pairs
from restoration_toolkit.core.io.images import ImageMetadata, read_image, write_image
from restoration_toolkit.core.project import Shot, load_project
from restoration_toolkit.train.data import compose_ground_truth, load_example
from tests.train.conftest import make_project

SPECK = (slice(30, 40), slice(40, 52))
FAULT = (slice(5, 15), slice(70, 90))


def _damaged_project(tmp_path, aligned: bool = True):
    project = make_project(tmp_path / "p", frames=4, size=(72, 96))
    meta = ImageMetadata(colorspace="ACEScg")
    scan_path = project.root / "media" / "scan.0002.exr"
    clean = read_image(scan_path).pixels
    damaged = clean.copy()
    damaged[SPECK] = 0.02  # an opaque dark speck
    write_image(scan_path, damaged, meta, data_format="float")
    mask = np.zeros(clean.shape[:2] + (4,), np.float32)
    mask[30:40, 40:52] = 1.0
    write_image(project.alignment_dir / "damage" / "mask.0002.exr", mask, data_format="half")
    faults = np.zeros_like(mask)
    faults[FAULT] = 1.0
    write_image(
        project.alignment_dir / "damage" / "reference_faults.0002.exr", faults, data_format="half"
    )
    if aligned:
        for f in range(1, 5):
            ref = read_image(project.root / "media" / f"ref.{f:04d}.exr").pixels
            write_image(
                project.alignment_dir / f"aligned.{f:04d}.exr", ref, meta, data_format="float"
            )
    return load_project(project.root), clean


def _pair(project, frame):
    return next(p for p in load_pairs(project.pairs_file).pairs if p.scan_frame == frame)


def test_damaged_pixels_take_their_ground_truth_from_the_reference(tmp_path):
    project, clean = _damaged_project(tmp_path)
    scan_path = project.root / "media" / "scan.0002.exr"
    ex = load_example(project, "color-reference", _pair(project, 2), scan_path)
    ref = read_image(project.alignment_dir / "aligned.0002.exr").pixels
    want = compose_ground_truth("color-reference", clean, ref)
    naive = compose_ground_truth("color-reference", ex.input, ref)
    err = np.abs(ex.target[SPECK] - want[SPECK]).mean()
    assert np.abs(naive[SPECK] - want[SPECK]).mean() > 0.2  # what a damaged target would teach
    assert err < 0.05  # measured 0.038: new grain and a soft fit, against 0.2+ for the damage
    assert np.array_equal(ex.input[SPECK], np.full_like(ex.input[SPECK], 0.02))  # input stays
    assert ex.mask[SPECK].min() > 0  # recovered: it teaches
    assert ex.mask[FAULT].max() == 0  # the reference is at fault there: it does not
    assert ex.damaged_px == 120 and ex.repaired_px == 120


def test_damage_no_source_shows_is_masked_out_never_filled(tmp_path):
    project, _ = _damaged_project(tmp_path, aligned=False)
    project.shots = [Shot("a", 1, 1), Shot("b", 2, 2), Shot("c", 3, 4)]  # frame 2 stands alone
    project.save()
    project = load_project(project.root)
    scan_path = project.root / "media" / "scan.0002.exr"
    ex = load_example(project, "color-reference", _pair(project, 2), scan_path)
    assert ex.mask[SPECK].max() == 0
    assert ex.damaged_px == 120 and ex.repaired_px == 0
    outside = np.ones(ex.mask.shape, bool)
    outside[SPECK] = False
    outside[FAULT] = False
    assert ex.mask[outside].min() > 0
