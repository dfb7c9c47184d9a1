"""Stage 05 with the damage baselines: `rtk validate` measures `rtk damage repair`'s and `rtk
deflicker`'s output beside the scan and the model (flicker included), and validation.nk shows
damage before and after."""

from __future__ import annotations

import json
import shutil

import numpy as np

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.images import write_image
from tests.validation.conftest import FRAMES, HOLDOUT, H, W, make_project


def _baselines(root, frames) -> None:
    for f in frames:
        scan = root / f"media/scan.{f:04d}.exr"
        stage5 = root / "pipeline/05_matchgrade_render"
        shutil.copy(scan, stage5 / f"damage_repair/repaired.{f:04d}.exr")
        shutil.copy(scan, stage5 / f"deflicker/deflickered.{f:04d}.exr")
        mask = np.zeros((H, W, 4), np.float32)
        mask[40:50, 60:70] = 1.0
        write_image(root / f"pipeline/02_alignment/damage/mask.{f:04d}.exr", mask)


def _project(tmp_path, frames):
    root = make_project(tmp_path / "proj")
    for sub in ("damage_repair", "deflicker"):
        (root / "pipeline/05_matchgrade_render" / sub).mkdir(parents=True)
    _baselines(root, frames)
    return root


def test_damage_baselines_are_measured_and_shown(tmp_path):
    root = _project(tmp_path, FRAMES)
    assert main(["validate", "--project", str(root), "--no-log"]) == 0
    report = root / "pipeline/05_matchgrade_render/report"
    data = json.loads((report / "report.json").read_text())
    names = {c["name"] for c in data["candidates"]}
    assert {"damage repair", "deflicker"} <= names
    assert {"damage repair", "deflicker"} <= set(data["flicker"])  # flicker beside the model
    nk = (report / "validation.nk").read_text()
    assert "RT_Damage_before" in nk and "RT_DamageRepairRead" in nk


def test_damage_baselines_short_of_frames_are_left_out_with_a_warning(tmp_path, capsys):
    root = _project(tmp_path, [f for f in FRAMES if f != HOLDOUT[0]])
    assert main(["validate", "--project", str(root), "--no-log"]) == 0
    data = json.loads((root / "pipeline/05_matchgrade_render/report/report.json").read_text())
    assert "damage repair" not in {c["name"] for c in data["candidates"]}
    assert "left out" in capsys.readouterr().err
