"""A real stage command through the farm: `rtk infer` (on main) with a tiny TorchScript model."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from restoration_toolkit.farm.completeness import frame_problem  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.slow]


def test_infer_bundle_runs_end_to_end_and_a_rerun_redoes_only_a_broken_frame(
    project, subprocess_env, tmp_path
):
    from restoration_toolkit.train.export import export_model
    from restoration_toolkit.train.model import build_model

    torch.manual_seed(0)
    model_pt = export_model(
        build_model("small").eval(),
        project / "pipeline/03_copycat_training/torch",
        model_id="farm_test",
    ).model_pt
    bundle = tmp_path / "bundle"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "restoration_toolkit",
            "farm",
            "bundle",
            "--stage",
            "infer",
            "--project",
            str(project),
            "--model",
            str(model_pt),
            "--frames",
            "1-6",
            "--chunk",
            "6",
            "--out",
            str(bundle),
        ],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    env = dict(subprocess_env, OMP_NUM_THREADS="1")
    run = subprocess.run(
        [sys.executable, "-m", "restoration_toolkit", "farm", "run", str(bundle), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    assert json.loads(run.stdout)["ok"]
    outputs = [project / f"pipeline/04_inference_render/TINY_ml_{f:04d}.exr" for f in range(1, 7)]
    assert [frame_problem(p, (8, 6)) for p in outputs] == [None] * 6
    stamps = [os.stat(p).st_mtime_ns for p in outputs]
    outputs[2].write_bytes(outputs[2].read_bytes()[:100])  # frame 3 truncated by a crash
    again = subprocess.run(
        [sys.executable, "-m", "restoration_toolkit", "farm", "run", str(bundle)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    # only the broken frame is rendered again (rtk infer itself skips existing files)
    after = [os.stat(p).st_mtime_ns for p in outputs]
    assert [a == b for a, b in zip(after, stamps)] == [True, True, False, True, True, True]
    assert frame_problem(outputs[2], (8, 6)) is None
