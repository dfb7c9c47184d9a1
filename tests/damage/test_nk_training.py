"""The CopyCat training graph with the damage keyed into the ground truth: wiring read back
from the written script and the ground truth computed numerically."""

from __future__ import annotations

import numpy as np
import pytest

from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.ycbcr import chroma_ground_truth, luma_ground_truth
from restoration_toolkit.nk import parse_script, write_script
from restoration_toolkit.nk.training_script import training_script
from tests.nk.conftest import H, W, make_project
from tests.nk.evaluate import evaluate

MASKED = (1002, 1009)


def _damage_files(project, repaired: bool = True) -> None:
    for f in MASKED:
        mask = np.zeros((H, W, 4), np.float32)
        mask[10:20, 10:30] = 1.0
        write_image(project.alignment_dir / "damage" / f"mask.{f:04d}.exr", mask)
        if repaired:
            write_image(
                project.stage_dir(5) / "damage_repair" / f"repaired.{f:04d}.exr",
                np.full((H, W, 3), 0.5, np.float32),
            )


@pytest.mark.parametrize("technique,mode", [("color-reference", "chroma"), ("gauge", "luma")])
def test_the_ground_truth_takes_the_repaired_scan_where_the_mask_is(tmp_path, technique, mode):
    project = make_project(tmp_path / "p", technique, aligned=True)
    _damage_files(project)
    built = training_script(project)
    parsed = parse_script(write_script(built.script))
    keymix = parsed.find("GT_DamageKeymix")
    assert parsed.find("GT_Clamp").input(0) is keymix
    assert [n.name for n in keymix.inputs] == [
        "GT_ToWorking",
        "GTRepaired_ToWorking",
        "DamageScanLiveArea",
    ]
    read = parsed.find("DamageMaskRead")
    assert str(read.knobs["on_error"]) == "black" and str(read.knobs["raw"]) == "true"
    holds = [parsed.find(f"Repaired_Hold{i}").knobs["firstFrame"] for i in range(1, 6)]
    assert [int(str(h)) for h in holds] == built.frames  # in step with the scan stream
    rng = np.random.default_rng(0)
    scan, ref, fixed = (rng.uniform(0.1, 0.9, (8, 10, 4)).astype(np.float32) for _ in range(3))
    mask = np.zeros((8, 10, 4), np.float32)
    mask[2:5, 3:7] = 1.0
    images = {
        "ScanLiveArea": scan,
        "ReferenceLiveArea": ref,
        "RepairedScanLiveArea": fixed,
        "DamageScanLiveArea": mask,
    }
    if mode == "chroma":
        images["GT_RefMedian"] = ref  # the reference side as the Median leaves it
        compose = chroma_ground_truth
    else:
        compose = luma_ground_truth
    got = evaluate(parsed.find("CopyCat1").input(1), images)
    m = mask[..., 3:4]
    want = np.clip(
        compose(fixed[..., :3], ref[..., :3]) * m + compose(scan[..., :3], ref[..., :3]) * (1 - m),
        0,
        1,
    )
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_masks_without_repaired_frames_warn_and_leave_the_graph_alone(tmp_path):
    project = make_project(tmp_path / "p", "color-reference", aligned=True)
    _damage_files(project, repaired=False)
    built = training_script(project)
    assert built.script.find("GT_DamageKeymix") is None
    assert any("rtk damage repair" in w for w in built.warnings)
