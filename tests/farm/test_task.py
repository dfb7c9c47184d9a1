"""`rtk farm task`: runs only the frames whose outputs are not complete on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from restoration_toolkit.core.io.images import read_image, write_image

OUT = "pipeline/05_matchgrade_render/TINY_MG_####.exr"


def out_path(project: Path, frame: int) -> Path:
    return project / OUT.replace("####", f"{frame:04d}")


def task(project, standin, env, frames, *extra, stage="matchgrade-apply", runner=None):
    args = [
        str(runner or standin),
        "-m",
        "restoration_toolkit",
        "farm",
        "task",
        "--stage",
        stage,
        "--project",
        str(project),
        "--frames",
        frames,
    ]
    if stage == "matchgrade-apply":
        args += ["--grade", str(project / "pipeline/05_matchgrade_render/grade.cube")]
    if stage in ("matchgrade-apply", "balance"):
        args += ["--source", str(project / "media/scan.####.exr"), "--output", str(project / OUT)]
    return subprocess.run(args + list(extra), capture_output=True, text=True, env=env, timeout=120)


def ledger_frames(path: Path) -> list:
    return [int(line.split()[0]) for line in path.read_text().splitlines()] if path.exists() else []


def test_runs_missing_frames_only_and_a_finished_chunk_does_no_work(
    project, standin_python, subprocess_env, tmp_path
):
    ledger = tmp_path / "ledger.txt"
    env = dict(subprocess_env, STANDIN_LEDGER=str(ledger))
    first = task(project, standin_python, env, "1-3")
    assert first.returncode == 0, first.stderr + first.stdout
    assert ledger_frames(ledger) == [1, 2, 3]
    second = task(project, standin_python, env, "1-6")
    assert second.returncode == 0, second.stderr
    assert "3 to do, 3 already complete" in second.stdout
    assert ledger_frames(ledger) == [1, 2, 3, 4, 5, 6]
    third = task(project, standin_python, env, "1-6")
    assert "0 to do, 6 already complete" in third.stdout
    assert ledger_frames(ledger) == [1, 2, 3, 4, 5, 6]
    got = read_image(out_path(project, 4)).pixels
    src = read_image(project / "media/scan.0004.exr").pixels
    np.testing.assert_allclose(got, src * 0.5, rtol=1e-3)


def test_incomplete_outputs_are_redone(project, standin_python, subprocess_env, tmp_path):
    ledger = tmp_path / "ledger.txt"
    env = dict(subprocess_env, STANDIN_LEDGER=str(ledger))
    assert task(project, standin_python, env, "1-6").returncode == 0
    # frame 2: wrong size; frame 3: empty file; frame 4: not an image; 5: a stale temporary;
    # frame 6: cut short (header intact, last rows missing)
    data = out_path(project, 6).read_bytes()
    out_path(project, 6).write_bytes(data[: len(data) - 20])
    write_image(out_path(project, 2), np.zeros((4, 4, 3), np.float32))
    out_path(project, 3).write_bytes(b"")
    out_path(project, 4).write_bytes(b"this is not an EXR")
    stale = out_path(project, 5).with_name(".TINY_MG_0005.rtk-tmp-99999.exr")
    stale.write_bytes(b"half a frame")
    ledger.unlink()
    result = task(project, standin_python, env, "1-6")
    assert result.returncode == 0, result.stderr
    assert sorted(ledger_frames(ledger)) == [2, 3, 4, 6]
    assert not stale.exists()
    assert read_image(out_path(project, 2)).pixels.shape == (6, 8, 3)


def test_a_failing_frame_exits_non_zero_with_the_stage_error_line(
    project, standin_python, subprocess_env, tmp_path
):
    env = dict(subprocess_env, STANDIN_FAIL_FRAME="4", STANDIN_LEDGER=str(tmp_path / "l.txt"))
    result = task(project, standin_python, env, "1-6")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert (
        last == f"rtk: error: {project / 'media/scan.0004.exr'}: stand-in stage refuses this frame"
    )
    # frames before the failure are kept; the retry only does the rest
    assert ledger_frames(tmp_path / "l.txt") == [1, 2, 3]
    env.pop("STANDIN_FAIL_FRAME")
    retry = task(project, standin_python, env, "1-6")
    assert retry.returncode == 0 and "3 to do, 3 already complete" in retry.stdout


def test_a_missing_nuke_is_reported(project, subprocess_env, tmp_path):
    import sys

    script = tmp_path / "render.nk"
    script.write_text("Root {\n}\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "restoration_toolkit", "farm", "task", "--stage", "nuke-render",
         "--project", str(project), "--frames", "1-2", "--script", str(script),
         "--output", str(project / OUT), "--nuke", str(tmp_path / "no-such-nuke")],
        capture_output=True, text=True, env=subprocess_env, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "cannot start" in result.stderr.strip().splitlines()[-1]


def test_a_toolkit_stage_runs_in_the_task_process(project, subprocess_env):
    """The real balance stage, called by the task (no second interpreter), on two frames."""
    import sys

    result = task(project, None, subprocess_env, "1-2", stage="balance", runner=sys.executable)
    assert result.returncode == 0, result.stderr
    assert "2 to do, 0 already complete" in result.stdout
    assert [f for f in (1, 2, 3) if out_path(project, f).is_file()] == [1, 2]


def test_stage_without_frame_outputs_records_markers(
    project, standin_python, subprocess_env, tmp_path
):
    ledger = tmp_path / "ledger.txt"
    env = dict(subprocess_env, STANDIN_LEDGER=str(ledger))
    assert task(project, standin_python, env, "1-4", stage="validate").returncode == 0
    again = task(project, standin_python, env, "1-6", stage="validate")
    assert again.returncode == 0, again.stderr
    assert ledger_frames(ledger) == [1, 2, 3, 4, 5, 6]
