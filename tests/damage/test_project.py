"""`rtk damage detect / repair` on a project: stage 02's aligned references, the outputs in
the stage folders, the per-pair damage report, the dust sign from the scan's element."""

from __future__ import annotations

import json

import numpy as np

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.images import ImageMetadata, read_image, write_image
from tests.train.conftest import make_project


def test_project_detect_reports_each_pair_and_repair_writes_to_stage_05(tmp_path, capsys):
    project = make_project(tmp_path / "p", frames=4, size=(96, 128))
    meta = ImageMetadata(colorspace="ACEScg")
    for f in range(1, 5):
        ref = read_image(project.root / "media" / f"ref.{f:04d}.exr").pixels
        write_image(project.alignment_dir / f"aligned.{f:04d}.exr", ref, meta, data_format="float")
    scan_path = project.root / "media" / "scan.0002.exr"
    scan = read_image(scan_path).pixels
    scan[40:47, 60:66] = 0.01  # dark dust: the scan is a print (make_project's element)
    write_image(scan_path, scan, meta, data_format="float")

    assert main(["damage", "detect", "--project", str(project.root), "--no-log"]) == 0
    out = capsys.readouterr().out
    damage = project.alignment_dir / "damage"
    report = json.loads((damage / "damage.json").read_text())
    assert report["settings"]["polarity"] == "dark"
    assert sorted(p.name for p in damage.glob("mask.*.exr")) == [
        f"mask.000{f}.exr" for f in range(1, 5)
    ]
    assert report["pairs"]["2"]["counts"].get("dust", 0) >= 1
    assert report["pairs"]["2"]["damaged_fraction"] > report["pairs"]["3"]["damaged_fraction"]
    assert report["pairs"]["4"]["held_out"] is True
    assert "pair 2:" in out
    from restoration_toolkit.stages.damage_report import damage_words, recorded_damage

    known = recorded_damage(project, [2, 3, 9])  # what `rtk curate` reports per pair
    assert sorted(known) == [2, 3]
    assert "dust" in damage_words(known[2]) and damage_words(None) == ""
    mask = read_image(damage / "mask.0002.exr").pixels[..., 0]
    assert mask[40:47, 60:66].min() == 1.0

    assert main(["damage", "repair", "--project", str(project.root), "--no-log"]) == 0
    repaired = project.stage_dir(5) / "damage_repair" / "repaired.0002.exr"
    fixed = read_image(repaired).pixels
    clean_ref = read_image(project.alignment_dir / "aligned.0002.exr").pixels
    assert fixed[40:47, 60:66].mean() > 0.1  # no longer the speck
    assert np.array_equal(fixed[mask <= 0], scan[mask <= 0])
    assert clean_ref.shape == fixed.shape
