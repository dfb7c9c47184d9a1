"""Issue 18, defects 9, 15, 16: read-only folders, full disks, a file where a folder should be,
undecodable YAML, tiny frames; file permissions; what a failed write leaves."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys

import pytest

from restoration_toolkit.core.io.images import read_image, write_image

from .conftest import (
    ROOT,
    assert_ok,
    assert_refused,
    frame,
    inputs_of,
    leftovers,
    model_of,
    rtk,
    rtk_env,
    small_image,
    with_fault,
)

GRADE = "pipeline/05_matchgrade_render/grade.cube"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _read_only(folder):
    """Environment making ``folder`` read-only: chmod for a normal user; for root, whom
    permissions do not stop, the same EROFS injected at the OS boundary."""
    folder.mkdir(parents=True, exist_ok=True)
    if IS_ROOT or not hasattr(os, "geteuid"):
        return with_fault(folder, errno.EROFS)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return {}


def _writers(project, ro):
    """The commands that write an output the user names, each aimed at ``ro``."""
    return {
        "align": ["align", "--project", project, "--out", ro, "--no-dense", "--no-log"],
        "matchgrade fit": ["matchgrade", "fit", "--project", project, "--out",
                           ro / "grade.cube", "--size", "9", "--no-log"],
        "matchgrade apply": ["matchgrade", "apply", project / GRADE, "--project", project,
                             "--out", ro / "mg.####.exr", "--frames", "1001-1002", "--no-log"],
        "balance": ["balance", "--project", project, "--out", ro / "bal.####.exr", "--frames",
                    "1001-1002", "--samples", "2", "--no-log"],
        "farm bundle": ["farm", "bundle", "--stage", "matchgrade-apply", "--project", project,
                        "--out", ro / "bundle"],
        "project init": ["project", "init", ro / "new", "--technique", "color-reference",
                         "--source", project / "media/SCAN.####.exr", "--reference",
                         project / "media/REF.####.png"],
    }


@pytest.mark.robustness(defect=9)
@pytest.mark.parametrize("command", ["align", "matchgrade fit", "matchgrade apply", "balance",
                                     "farm bundle", "project init"])
def test_read_only_output_folder_is_one_line(project, tmp_path, command):
    ro = tmp_path / "read-only"
    env = _read_only(ro)
    before = inputs_of(project)
    try:
        run = rtk(*_writers(project, ro)[command], **env)
    finally:
        ro.chmod(0o755)
    assert_refused(run, "read-only" if env else "permission")
    assert inputs_of(project) == before
    assert not leftovers(ro, project) and not [p for p in ro.rglob("*") if p.is_file()]


@pytest.mark.robustness(defect=9)
def test_read_only_training_folder(model_project, tmp_path):
    ro = tmp_path / "ro"
    env = _read_only(ro)
    run = rtk("train", "--project", model_project, "--out", ro, "--steps", "1", "--crop-size",
              "32", "--batch-size", "1", "--model-size", "small", "--threads", "1",
              "--no-log", **env)
    ro.chmod(0o755)
    assert_refused(run)
    assert not leftovers(ro)


@pytest.mark.robustness(defect=9)
def test_disk_full_while_training_or_logging(model_project):
    project = model_project
    out = project / "pipeline/03_copycat_training/torch2"
    out.mkdir()
    run = rtk("train", "--project", project, "--out", out, "--steps", "1", "--crop-size", "32",
              "--batch-size", "1", "--model-size", "small", "--threads", "1", "--no-log",
              **with_fault(out, errno.ENOSPC))
    assert_refused(run, "disk is full")
    assert not leftovers(out)
    notes = project / "notes"
    log_before = (notes / "experiments.md").read_bytes()
    run = rtk("log", "add", "--project", project, "--stage", "training", "--note", "x",
              **with_fault(notes, errno.ENOSPC))
    assert_refused(run, "disk is full")
    assert (notes / "experiments.md").read_bytes() == log_before and not leftovers(notes)


@pytest.mark.robustness(defect=9)
def test_output_path_under_an_existing_file(project):
    under = frame(project, 1001) / "x" / "mg.####.exr"
    before = inputs_of(project)
    run = rtk("matchgrade", "apply", project / GRADE, "--project", project, "--out", under,
              "--frames", "1001")
    assert_refused(run, "is a file")
    run = rtk("align", "--project", project, "--out", frame(project, 1001) / "al", "--no-log")
    assert_refused(run, "is a file")
    assert inputs_of(project) == before


@pytest.mark.robustness(defect=9)
@pytest.mark.parametrize("name", ["project.yaml", "pipeline/01_dataset_curation/pairs.yaml"])
def test_non_utf8_yaml_is_one_line(project, name):
    path = project / name
    path.write_bytes(path.read_bytes() + b"# caf\xe9 \xff\n")  # Latin-1 bytes in a comment
    assert_refused(rtk("matchgrade", "fit", "--project", project), path.name, "UTF-8")


@pytest.mark.robustness(defect=9)
def test_a_one_pixel_frame_in_infer(model_project, tmp_path):
    write_image(tmp_path / "tiny.0001.exr", small_image(0.3, size=(1, 1)))
    run = rtk("infer", tmp_path / "tiny.####.exr", "--model", model_of(model_project),
              "--out", tmp_path / "out" / "t.####.exr", "--threads", "1", "--no-log",
              cwd=tmp_path)
    assert_ok(run)  # rendered (edges repeated for the network, cropped back), not a traceback
    assert read_image(tmp_path / "out" / "t.0001.exr").pixels.shape == (1, 1, 3)


@pytest.mark.robustness(defect=15)
def test_files_honour_the_umask(tmp_path, template):
    script = """
import os, sys
os.umask(0o022)
sys.argv = ["rtk"] + sys.argv[1:]
from restoration_toolkit.cli import main
sys.exit(main(sys.argv[1:]))
"""

    def run(*argv):
        out = subprocess.run([sys.executable, "-c", script, *[str(a) for a in argv]],
                             capture_output=True, text=True, env=rtk_env(), cwd=ROOT)
        assert out.returncode == 0, out.stderr[-2000:]

    import shutil

    project = shutil.copytree(template, tmp_path / "p")
    for name in ("pairs.yaml",):
        (project / "pipeline/01_dataset_curation" / name).unlink()
    run("curate", "--project", project, "--no-content-check")
    run("align", "--project", project, "--no-dense", "--frames", "1001")
    run("matchgrade", "fit", "--project", project, "--size", "9")
    run("project", "init", tmp_path / "new", "--technique", "color-reference", "--source",
        project / "media/SCAN.####.exr", "--reference", project / "media/REF.####.png")
    for path in (project / "pipeline/01_dataset_curation/pairs.yaml",
                 project / "pipeline/02_alignment/alignment.json",
                 project / GRADE, project / "notes/experiments.md",
                 tmp_path / "new/project.yaml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, (path, oct(path.stat().st_mode))


@pytest.mark.robustness(defect=16)
def test_a_frame_that_fails_leaves_no_aligned_frame(project):
    out = project / "al"
    out.mkdir()
    # every write in `al` fails with a full disk: every frame fails, none may be left
    run = rtk("align", "--project", project, "--out", out, "--no-dense", "--no-log",
              "--frames", "1001-1002", **with_fault(out, errno.ENOSPC))
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert not list(out.glob("aligned.*")) and not leftovers(out)


@pytest.mark.robustness(defect=16)
def test_a_frame_failing_on_a_rerun_loses_its_stale_aligned_frame(project, tmp_path):
    import shutil

    media = shutil.copytree(project / "media", tmp_path / "media")
    out = tmp_path / "al"
    argv = ("align", media / "SCAN.####.exr", media / "REF.####.png", "--frames", "1001-1002",
            "--reference-frames", "4-5", "--out", out, "--no-dense", "--no-log")
    assert_ok(rtk(*argv, cwd=tmp_path))
    assert (out / "aligned.1001.exr").is_file()
    (media / "REF.0004.png").write_bytes(b"not a png any more")
    run = rtk(*argv, cwd=tmp_path)
    assert run.returncode == 1 and "frame 1001" in run.stderr, run.stderr
    record = json.loads((out / "alignment.json").read_text())["frames"]["1001"]
    assert record["status"] == "failed"
    for kind in ("aligned", "stmap", "confidence"):
        assert not (out / f"{kind}.1001.exr").exists()
        assert (out / f"{kind}.1002.exr").is_file()
