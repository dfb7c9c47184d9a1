"""Issue 18, defects 12, 13, 14, 19: a damaged experiment log found after the work, a grey
reference, a model of another technique, an unknown shot."""

from __future__ import annotations

import json

import numpy as np
import pytest

from restoration_toolkit.core.io.images import read_image, write_image

from .conftest import assert_ok, assert_refused, checksums, model_of, rtk


@pytest.mark.robustness(defect=12)
def test_a_damaged_experiment_log_stops_a_stage_before_it_works(project):
    log = project / "notes" / "experiments.md"
    log.write_text(log.read_text() + "\n## E9999 broken\n```rtk-entry\n{not json\n```\n")
    align_before = checksums(project / "pipeline/02_alignment")
    grade_before = checksums(project / "pipeline/05_matchgrade_render")
    for argv in (["align", "--project", project, "--no-dense"],
                 ["matchgrade", "fit", "--project", project, "--size", "9"]):
        assert_refused(rtk(*argv), "experiments.md", "damaged")
    assert checksums(project / "pipeline/02_alignment") == align_before
    assert checksums(project / "pipeline/05_matchgrade_render") == grade_before
    # --no-log is the way to run anyway
    assert_ok(rtk("matchgrade", "fit", "--project", project, "--size", "9", "--no-log"))


@pytest.mark.robustness(defect=13)
@pytest.mark.parametrize("channels", [1, 3])
def test_a_grey_reference_still_syncs_and_aligns(project, channels):
    """A black-and-white telecine of a color film: one grey channel, or grey RGB."""
    for path in sorted((project / "media").glob("REF.*.png")):
        img = read_image(path)
        grey = img.pixels[:, :, :3] @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        write_image(path, np.repeat(grey[:, :, None], channels, axis=2))
    (project / "pipeline/01_dataset_curation/pairs.yaml").unlink()
    assert_ok(rtk("curate", "--project", project, "--no-log"))
    assert_ok(rtk("align", "--project", project, "--no-dense", "--no-log"))
    report = json.loads((project / "pipeline/02_alignment/alignment.json").read_text())
    assert report["summary"]["failed"] == []


@pytest.mark.robustness(defect=14)
def test_a_model_of_another_technique_is_refused(model_project):
    project = model_project
    sidecar = model_of(project).with_name("model.json")
    data = json.loads(sidecar.read_text())
    data["technique"] = "gauge"
    sidecar.write_text(json.dumps(data))
    out = project / "pipeline/04_inference_render/X.####.exr"
    run = rtk("infer", project / "media/SCAN.####.exr", "--model", model_of(project), "--out",
              out, "--frames", "1001", "--project", project, "--threads", "1")
    assert_refused(run, "gauge", "color-reference")
    assert not out.parent.joinpath("X.1001.exr").exists()


@pytest.mark.robustness(defect=14)
def test_resuming_a_checkpoint_as_another_technique_is_refused(model_project):
    run = rtk("train", "--project", model_project, "--resume", "--technique", "gauge",
              "--steps", "4", "--threads", "1", "--no-log")
    assert_refused(run, "gauge", "color-reference")


@pytest.mark.robustness(defect=19)
def test_nk_inference_refuses_an_unknown_shot(project):
    (project / "m.cat").write_bytes(b"stands in for a .cat")
    run = rtk("nk", "inference", "--project", project, "--model", project / "m.cat", "--shot",
              "sh999", "--no-log")
    assert_refused(run, "sh999")
    assert not list((project / "pipeline/04_inference_render").glob("*.nk"))
