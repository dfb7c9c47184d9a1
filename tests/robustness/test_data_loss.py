"""Issue 18, defects 1, 2, 6, 7, 8: writing over the scan, `rtk demo` on a real project,
resumed inference trusting bad frames, unsafe checkpoints, unquoted printed commands."""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from restoration_toolkit.core.io.images import read_image, write_image

from .conftest import (
    FAULTS,
    ROOT,
    assert_ok,
    assert_refused,
    checksums,
    inputs_of,
    leftovers,
    model_of,
    rtk,
)

SOURCE = "media/SCAN.####.exr"
REFERENCE = "media/REF.####.png"


def _other_sequence(project):
    """An input that is not the project's footage: a copy of four scan frames elsewhere."""
    import shutil

    folder = project / "elsewhere"
    folder.mkdir()
    for f in range(1001, 1005):
        shutil.copy(project / f"media/SCAN.{f}.exr", folder / f"OTHER.{f}.exr")
    return folder / "OTHER.####.exr"


@pytest.mark.robustness(defect=1)
def test_matchgrade_apply_never_writes_the_source(project):
    before, listing = inputs_of(project), sorted(os.listdir(project / "media"))
    grade = project / "pipeline/05_matchgrade_render/grade.cube"
    run = rtk("matchgrade", "apply", grade, _other_sequence(project), "--out",
              project / SOURCE, "--project", project)
    assert_refused(run, "source", "SCAN.")
    assert inputs_of(project) == before and sorted(os.listdir(project / "media")) == listing
    assert not leftovers(project)


@pytest.mark.robustness(defect=1)
def test_matchgrade_apply_adds_no_frame_to_the_reference(project):
    before, listing = inputs_of(project), sorted(os.listdir(project / "media"))
    grade = project / "pipeline/05_matchgrade_render/grade.cube"
    # 18 scan frames numbered 1001-1018: the reference (1-23) has none of them yet
    run = rtk("matchgrade", "apply", grade, "--out", project / REFERENCE, "--project", project)
    assert_refused(run, "reference", "REF.")
    assert inputs_of(project) == before and sorted(os.listdir(project / "media")) == listing


@pytest.mark.robustness(defect=1)
def test_balance_never_writes_the_source_nor_into_media(project):
    before, listing = inputs_of(project), sorted(os.listdir(project / "media"))
    run = rtk("balance", _other_sequence(project), "--out", project / SOURCE, "--project",
              project, "--samples", "2")
    assert_refused(run, "source")
    assert inputs_of(project) == before and sorted(os.listdir(project / "media")) == listing


@pytest.mark.robustness(defect=1)
def test_infer_overwrite_never_writes_the_source(model_project):
    project = model_project
    before = inputs_of(project)
    run = rtk("infer", _other_sequence(project), "--model", model_of(project), "--out",
              project / SOURCE, "--overwrite", "--project", project, "--threads", "1")
    assert_refused(run, "source")
    assert inputs_of(project) == before


@pytest.mark.robustness(defect=2)
def test_demo_refuses_a_project_it_did_not_make(project):
    before = checksums(project)
    for extra in ((), ("--force",)):
        run = rtk("demo", project, *extra)
        assert_refused(run, "not a demo project")
        assert checksums(project) == before


@pytest.mark.robustness(defect=2)
def test_demo_still_reuses_a_folder_it_made(project):
    (project / ".rtk-demo").write_text("made by `rtk demo`\n")  # what `rtk demo` leaves
    before = checksums(project)
    run = rtk("demo", project, "--only-project")
    assert_ok(run)
    assert "using the existing demo project" in run.stdout
    assert checksums(project) == before


def _render(project, *extra):
    out = project / "pipeline/04_inference_render/ML.####.exr"
    return out, rtk("infer", project / SOURCE, "--model", model_of(project), "--out", out,
                    "--frames", "1001-1004", "--project", project, "--threads", "1",
                    "--no-log", *extra)


@pytest.mark.robustness(defect=6)
def test_resumed_infer_renders_bad_frames_again(model_project):
    project = model_project
    out, run = _render(project)
    assert_ok(run)
    good = read_image(project / "pipeline/04_inference_render/ML.1004.exr")
    digest = good.metadata.attributes["rtk:model_sha256"]
    folder = project / "pipeline/04_inference_render"
    (folder / "ML.1001.exr").write_bytes(b"")  # empty
    data = (folder / "ML.1002.exr").read_bytes()
    (folder / "ML.1002.exr").write_bytes(data[: len(data) // 2])  # truncated
    write_image(folder / "ML.1003.exr", good.pixels,  # another model's frame
                good.metadata.with_attributes(**{"rtk:model_sha256": "0" * 64}))
    _, run = _render(project)
    assert_ok(run)
    assert "1001-1003" in run.stdout and "skipped: 1004" in run.stdout, run.stdout
    for f in (1001, 1002, 1003):
        img = read_image(folder / f"ML.{f}.exr")
        assert img.metadata.attributes["rtk:model_sha256"] == digest
        assert img.pixels.shape == good.pixels.shape


@pytest.mark.robustness(defect=7)
@pytest.mark.parametrize("torch_build", ["current", "1.12 (no weights_only)"])
def test_a_crafted_checkpoint_runs_nothing(model_project, tmp_path, torch_build):
    torch = pytest.importorskip("torch")
    project = model_project
    marker = tmp_path / "PWNED"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {shlex.quote(str(marker))}",))

    folder = project / "pipeline/03_copycat_training/torch/checkpoints"
    torch.save({"step": 99, "model": Payload(), "config": {"model_size": "small"}},
               folder / "step_0000099.pt")
    env = {"PYTHONPATH": f"{FAULTS}{os.pathsep}{ROOT}", "RTK_FAULT_OLD_TORCH": "1"}
    env = env if torch_build.startswith("1.12") else {}
    run = rtk("train", "--project", project, "--threads", "1", "--no-log", "--resume",
              "--steps", "200", "--model-size", "small", **env)
    assert_refused(run, "checkpoint")
    assert not marker.exists(), "the checkpoint ran code"
    run = rtk("train", "--project", project, "--threads", "1", "--no-log", "--export-only",
              **env)
    if env:  # an old torch re-exports from weights.npz, never from a pickle
        assert_ok(run)
    else:
        assert_refused(run, "checkpoint")
    assert not marker.exists(), "the checkpoint ran code"


@pytest.mark.robustness(defect=8)
def test_printed_commands_are_shell_quoted(tmp_path, template):
    import shutil

    marker = tmp_path / "PWNED"
    weird = tmp_path / "x;touch$IFS..PWNED" / "$(touch$IFS..PWNED2)"  # no blank: see case 3
    project = shutil.copytree(template, weird / "project")
    bundle = weird / "bundle 'x'"
    run = rtk("farm", "bundle", "--stage", "matchgrade-apply", "--project", project, "--grade",
              project / "pipeline/05_matchgrade_render/grade.cube", "--out", bundle)
    assert_ok(run)
    printed = [line.split(":", 1)[1].strip() for line in run.stdout.splitlines()
               if line.strip().startswith(("run here:", "AWS Deadline Cloud:"))]
    nk = rtk("nk", "train", "--project", project, "--no-log")
    assert_ok(nk)
    printed += [line.split(":", 1)[1].strip() for line in nk.stdout.splitlines()
                if line.startswith("train:")]
    assert len(printed) == 3, run.stdout + nk.stdout
    for command in printed:  # what a paste into a shell does: words, nothing run
        words = subprocess.run(["sh", "-c", f"printf '%s\\n' {command}"], cwd=tmp_path,
                               capture_output=True, text=True).stdout.splitlines()
        assert words == shlex.split(command)
        assert any(str(weird) in w for w in words), words
    assert not marker.exists() and not list(tmp_path.rglob("*PWNED2"))

