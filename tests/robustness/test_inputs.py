"""Issue 18, defects 3, 4, 10, 11, 17, 18: odd paths, absurd frame ranges, damaged or foreign
images, damaged pairs.yaml and project.yaml, shot names that are paths."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml

from restoration_toolkit.core.io.images import read_image, write_image

from .conftest import (
    assert_ok,
    assert_refused,
    frame,
    inputs_of,
    leftovers,
    rtk,
    small_image,
)

PAIRS = "pipeline/01_dataset_curation/pairs.yaml"
GRADE = "pipeline/05_matchgrade_render/grade.cube"


# -- 3: spaces, unicode and shell characters in paths ---------------------------------------


@pytest.mark.robustness(defect=3)
def test_paths_with_spaces_unicode_and_shell_characters(tmp_path, template):
    root = tmp_path / "Film Scans" / "Rolle ü ä $(touch PWNED); `x` & 'q'"
    project = shutil.copytree(template, root / "project")
    before = inputs_of(project)
    assert_ok(rtk("project", "check", "--project", project))
    seq = f"{project}/media/SCAN.####.exr 1001-1003"  # Nuke's display form, after a space
    out = project / "out dir" / "graded ####.exr"
    assert_ok(rtk("matchgrade", "apply", project / GRADE, seq, "--out", out, "--project",
                  project, "--no-log"))
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "graded 1001.exr", "graded 1002.exr", "graded 1003.exr"]
    assert_ok(rtk("align", f"{project}/media/SCAN.%04d.exr 1001-1002",
                  f"{project}/media/REF.####.png 4-5", "--out", project / "al ign",
                  "--no-dense", "--no-log"))
    assert (project / "al ign" / "aligned.1002.exr").is_file()
    assert inputs_of(project) == before
    assert not (tmp_path / "PWNED").exists() and not leftovers(project)


# -- 4: absurd frame ranges --------------------------------------------------------------------


@pytest.mark.robustness(defect=4)
def test_absurd_frame_range_in_project_yaml(project):
    data = yaml.safe_load((project / "project.yaml").read_text())
    data["source"]["frames"] = "1001-99999999999"
    (project / "project.yaml").write_text(yaml.safe_dump(data))
    run = rtk("project", "check", "--project", project, timeout=60)
    assert_refused(run, "project.yaml", "1001-99999999999", "frames")


@pytest.mark.robustness(defect=4)
def test_absurd_frames_option(project):
    run = rtk("matchgrade", "apply", project / GRADE, "--frames", "1-99999999999",
              "--project", project, timeout=60)
    assert_refused(run, "1-99999999999")
    run = rtk("farm", "bundle", "--stage", "matchgrade-apply", "--project", project,
              "--frames", "1-99999999999", "--out", project / "bundle", timeout=60)
    assert_refused(run, "1-99999999999")
    assert not (project / "bundle").exists()


# -- 10: images of another size, RGBA, NaN, one channel ----------------------------------------


@pytest.mark.robustness(defect=10)
def test_a_frame_of_another_size_is_named(project):
    write_image(frame(project, 1005), small_image(size=(96, 72)))
    before = inputs_of(project)
    run = rtk("matchgrade", "apply", project / GRADE, "--project", project)
    assert_refused(run, "SCAN.1005.exr", "96×72")
    assert not (project / "pipeline/05_matchgrade_render/ROBUST_MG_1001.exr").exists()
    check = rtk("project", "check", "--project", project)
    assert check.returncode == 1 and "SCAN.1005.exr" in check.stdout
    assert_refused(rtk("curate", "--project", project, "--no-log"), "SCAN.1005.exr")
    assert inputs_of(project) == before


@pytest.mark.robustness(defect=10)
def test_rgba_is_read_as_stored_not_premultiplied(tmp_path):
    pixels = small_image(0.6, size=(16, 8), channels=4)
    pixels[:, :8, 3] = 0.0  # transparent half: its color must survive
    write_image(tmp_path / "in" / "rgba.0001.png", pixels)
    grade = tmp_path / "identity.cube"
    grade.write_text("LUT_3D_SIZE 2\n" + "".join(
        f"{r} {g} {b}\n" for b in (0, 1) for g in (0, 1) for r in (0, 1)))
    assert_ok(rtk("matchgrade", "apply", grade, tmp_path / "in" / "rgba.####.png", "--out",
                  tmp_path / "out" / "rgba.####.png", "--no-log", cwd=tmp_path))
    out = read_image(tmp_path / "out" / "rgba.0001.png").pixels
    assert np.allclose(out[:, :, :3], 0.6, atol=2 / 255), out[0, :, 0]
    assert np.allclose(out[:, :8, 3], 0.0) and np.allclose(out[:, 8:, 3], 0.6, atol=2 / 255)


@pytest.mark.robustness(defect=10)
def test_nan_and_inf_are_refused_naming_the_frame(project):
    bad = small_image(0.4)
    bad[10, 20] = np.nan
    bad[11, 21] = np.inf
    write_image(frame(project, 1002), bad, data_format="float")
    before = inputs_of(project)
    for argv in (["matchgrade", "apply", project / GRADE, "--project", project],
                 ["balance", "--project", project, "--samples", "3"],
                 ["curate", "--project", project, "--no-log"]):
        assert_refused(rtk(*argv), "SCAN.1002.exr", "NaN")
    assert inputs_of(project) == before
    written = sorted((project / "pipeline/05_matchgrade_render").glob("*_MG_*"))
    assert [p.name for p in written] in ([], ["ROBUST_MG_1001.exr"])  # whole frames before it


@pytest.mark.robustness(defect=10)
def test_one_channel_frame_is_named(project):
    write_image(frame(project, 1003), small_image(0.4, channels=1))
    run = rtk("matchgrade", "apply", project / GRADE, "--project", project)
    assert_refused(run, "SCAN.1003.exr", "channel")


# -- 11: pairs.yaml damaged, inconsistent or stale --------------------------------------------


def _pairs(project):
    return yaml.safe_load((project / PAIRS).read_text())


def _write_pairs(project, data):
    (project / PAIRS).write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.robustness(defect=11)
def test_pairs_cut_in_half_or_random_bytes(project):
    text = (project / PAIRS).read_text()
    cut = text[: text.index("rejected:")]  # still valid YAML: pairs, no holdout
    (project / PAIRS).write_text(cut)
    assert_refused(rtk("matchgrade", "fit", "--project", project), "pairs.yaml", "holdout")
    (project / PAIRS).write_bytes(bytes(range(256)) * 4)
    assert_refused(rtk("align", "--project", project, "--no-dense"), "pairs.yaml")


@pytest.mark.robustness(defect=11)
def test_pair_outside_the_sequence_or_paired_twice(project):
    data = _pairs(project)
    data["pairs"][0]["scan_frame"] = 5000
    _write_pairs(project, data)
    assert_refused(rtk("align", "--project", project, "--no-dense"), "5000")
    data["pairs"][0]["scan_frame"] = data["pairs"][1]["scan_frame"]
    _write_pairs(project, data)
    assert_refused(rtk("align", "--project", project, "--no-dense"), "twice")


@pytest.mark.robustness(defect=11)
def test_a_replaced_scan_frame_is_caught_and_refresh_accepts_it(project):
    paired = _pairs(project)["pairs"][0]["scan_frame"]
    img = read_image(frame(project, paired))
    write_image(frame(project, paired), img.pixels * 0.9, img.metadata)
    aligned = project / "pipeline/02_alignment/alignment.json"
    stamp = aligned.stat().st_mtime_ns
    run = rtk("align", "--project", project, "--no-dense")
    assert_refused(run, f"SCAN.{paired}.exr", "changed", "--refresh")
    assert aligned.stat().st_mtime_ns == stamp  # nothing was aligned on stale pairs
    assert_refused(rtk("matchgrade", "fit", "--project", project, "--size", "9"), "changed")
    assert_ok(rtk("curate", "--project", project, "--refresh"))
    assert_ok(rtk("matchgrade", "fit", "--project", project, "--size", "9", "--no-log"))


# -- 17: inputs silently ignored or accepted ---------------------------------------------------


@pytest.mark.robustness(defect=17)
def test_duplicate_keys_in_project_yaml(project):
    text = (project / "project.yaml").read_text()
    (project / "project.yaml").write_text(text + "technique: gauge\n")
    assert_refused(rtk("project", "check", "--project", project), "technique", "twice")


@pytest.mark.robustness(defect=17)
def test_project_check_wants_an_image_sequence(project):
    notes = project / "media" / "notes.txt"
    notes.write_text("not an image")
    data = yaml.safe_load((project / "project.yaml").read_text())
    data["source"]["path"] = "media/notes.txt"
    (project / "project.yaml").write_text(yaml.safe_dump(data))
    run = rtk("project", "check", "--project", project)
    assert run.returncode == 1 and "notes.txt" in run.stdout and "complete" not in run.stdout


@pytest.mark.robustness(defect=17)
def test_farm_bundle_empty_frames_is_an_error(project):
    run = rtk("farm", "bundle", "--stage", "matchgrade-apply", "--project", project,
              "--frames", "", "--out", project / "bundle")
    assert_refused(run, "frame")
    assert not (project / "bundle").exists()


@pytest.mark.robustness(defect=17)
def test_validate_out_is_not_ignored_in_a_project(project):
    elsewhere = project.parent / "my report"
    run = rtk("validate", "--project", project, "--out", elsewhere, "--baselines", "none",
              "--result", project / "pipeline/02_alignment/aligned.####.exr", "--no-log")
    if run.returncode == 0:  # honoured: the report went where it was asked
        assert (elsewhere / "index.html").is_file()
    else:  # or refused in one line that says why
        assert_refused(run, "--out")
    assert not (project / "pipeline/05_matchgrade_render/report").exists() or run.returncode


# -- 18: shot names that are paths -------------------------------------------------------------


@pytest.mark.robustness(defect=18)
def test_shot_names_are_names_not_paths(project):
    outside = project.parent / "x"
    data = yaml.safe_load((project / "project.yaml").read_text())
    good = dict(data)
    data["shots"] = [{"name": "../../x", "first": 1001, "last": 1018}]
    (project / "project.yaml").write_text(yaml.safe_dump(data))
    assert_refused(rtk("project", "check", "--project", project), "shots[0].name")
    (project / "project.yaml").write_text(yaml.safe_dump(good))
    pairs = _pairs(project)
    pairs["pairs"][0]["shot"] = "../x"
    _write_pairs(project, pairs)
    assert_refused(rtk("matchgrade", "fit", "--project", project), "pairs[0].shot")
    for argv in (["nk", "inference", "--shot", "../../x", "--model", "m.cat"],
                 ["nk", "train", "--shot", "../x"], ["train", "--shot", "../../x"]):
        assert_refused(rtk(*argv, "--project", project), "shot")
    assert not outside.exists() and not list(project.parent.glob("*.nk"))
