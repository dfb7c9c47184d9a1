"""`rtk demo`: the main job builds the demo film and runs every stage on it."""

import json
import subprocess
import sys

import pytest

from restoration_toolkit.core.curation.pairs import load_pairs
from restoration_toolkit.core.io.footage import open_footage
from restoration_toolkit.core.io.sequence import open_sequence
from restoration_toolkit.core.project import load_project


def test_demo_project_only(tmp_path):
    from restoration_toolkit.cli import main

    assert main(["demo", str(tmp_path / "d"), "--only-project"]) == 0
    project = load_project(tmp_path / "d")
    assert project.technique == "color-reference"
    scan = open_sequence(project.source_spec())
    ref = open_footage(project.reference_spec())
    assert scan.frames == tuple(range(1001, 1025)) and scan.path(1001).name == "DEMO_SOURCE_1001.exr"
    # the DVD: 29 film-rate frames (3 leader, 24 picture, 2 after) telecined 3:2 → 36 video frames
    assert ref.is_video and ref.frames == tuple(range(1, 37))
    assert (ref.info.codec, ref.info.field_order, ref.info.rate) == ("mpeg2video", "upper", "30000/1001")
    r = project.reference
    assert r.field_order == "upper" and abs(r.pixel_aspect - 8 / 9) < 1e-3 and abs(r.fps - 29.97) < 0.01
    assert r.provenance.media.sha256.startswith("sha256:")
    # the full-aperture scan's picture area was found: perforations and soundtrack outside it
    found = " ".join(project.picture_area.found)
    assert "perforations" in found and "soundtrack" in found
    project.require_provenance()  # the demo's reference has its provenance recorded


@pytest.mark.slow
def test_demo_runs_every_stage(tmp_path):
    pytest.importorskip("torch")  # the demo trains with the optional PyTorch engine
    out = subprocess.run([sys.executable, "-m", "restoration_toolkit", "demo", str(tmp_path / "demo")],
                         capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "is not part of this build" not in out.stdout, "a stage of the workflow is missing"
    root = tmp_path / "demo"
    pairs = load_pairs(root / "pipeline/01_dataset_curation/pairs.yaml")
    assert len(pairs.pairs) >= 4 and pairs.holdout
    for frame in pairs.scan_frames + pairs.holdout:
        assert (root / f"pipeline/02_alignment/aligned.{frame:04d}.exr").is_file()
    assert (root / "pipeline/05_matchgrade_render/grade.cube").is_file()
    assert (root / "pipeline/03_copycat_training/torch/model.pt").is_file()
    assert len(list((root / "pipeline/04_inference_render").glob("DEMO_ml_*.exr"))) == 24
    assert (root / "pipeline/05_matchgrade_render/report/index.html").is_file()
    assert "where the results are:" in out.stdout
    timings = json.loads((root / "demo_timings.json").read_text())
    assert timings["failed"] == [] and timings["total_seconds"] > 0
