"""`rtk validate` compares like with like: MatchGrade in full and chroma-only, and every
frame marked training, neighbour or held-out (issue 19 item 4, issue 15 item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.validation.inputs import (
    HELD_OUT,
    NEIGHBOUR,
    TRAINING,
    frame_status,
)

from .conftest import FRAMES, HOLDOUT, _from_srgb, _picture, make_project
from .conftest import TRAINING as TRAINING_FRAMES


@pytest.fixture(scope="module")
def with_matchgrade(tmp_path_factory) -> Path:
    """The synthetic project plus a MatchGrade render that is the aligned reference itself:
    perfect chroma, but the reference's luminance instead of the scan's."""
    root = make_project(tmp_path_factory.mktemp("mg") / "proj")
    for f in FRAMES:  # in the scan's colour space, as `rtk matchgrade apply` writes it
        write_image(
            root / f"pipeline/05_matchgrade_render/SYNTH_MG_{f:04d}.exr",
            _from_srgb(_picture(f), "ACES2065-1"),
            data_format="float",
        )
    return root


def _report(root: Path) -> dict:
    path = root / "pipeline/05_matchgrade_render/report/report.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_matchgrade_is_scored_in_full_and_chroma_only(with_matchgrade, capsys):
    root = with_matchgrade
    assert main(["validate", "--project", str(root), "--no-log", "--with-training"]) == 0
    data = _report(root)
    names = [c["name"] for c in data["candidates"]]
    assert data["matchgrade"] == {"full": "matchgrade", "chroma_only": "matchgrade chroma-only"}
    assert names.index("matchgrade") < names.index("matchgrade chroma-only")
    s = data["summary"]
    # the chroma-only form keeps the scan's luminance: with the reference's own chroma it is
    # the color-recovery ground truth itself; the full render carries the reference's tone
    assert s["matchgrade chroma-only"]["delta_e_mean"] < 0.05
    assert s["matchgrade"]["delta_e_mean"] > 20 * s["matchgrade chroma-only"]["delta_e_mean"]
    html = (root / "pipeline/05_matchgrade_render/report/index.html").read_text(encoding="utf-8")
    assert "matchgrade chroma-only" in html and "MatchGrade is scored twice" in html
    printed = capsys.readouterr().out
    assert "matchgrade chroma-only" in printed


def test_per_frame_table_marks_training_and_neighbours(with_matchgrade):
    data = _report(with_matchgrade)  # written by the test above (--with-training)
    status = data["frame_status"]
    assert sorted(int(f) for f in status) == sorted(HOLDOUT + TRAINING_FRAMES)
    for f in TRAINING_FRAMES:
        assert status[str(f)] == TRAINING
    # every held-out frame of this slow pan sits within 12 frames of a training frame
    assert {status[str(f)] for f in HOLDOUT} == {NEIGHBOUR}
    # training frames are measured per frame but never enter the summary
    assert set(data["per_frame"]["model"]) == {str(f) for f in HOLDOUT + TRAINING_FRAMES}
    assert data["frames"] == HOLDOUT
    model = data["per_frame"]["model"]
    held_mean = np.mean([model[str(f)]["delta_e_mean"] for f in HOLDOUT])
    assert data["summary"]["model"]["delta_e_mean"] == pytest.approx(held_mean, rel=1e-9)
    by_status = data["summary_by_status"]
    assert set(by_status) == {TRAINING, NEIGHBOUR}
    training_mean = np.mean([model[str(f)]["delta_e_mean"] for f in TRAINING_FRAMES])
    assert by_status[TRAINING]["model"]["delta_e_mean"] == pytest.approx(training_mean)
    html = (
        with_matchgrade / "pipeline/05_matchgrade_render/report/index.html"
    ).read_text(encoding="utf-8")
    assert '<tr class="training"><td>4</td><td class="label">training</td>' in html


def test_frame_status_distance_and_shots():
    training = [100, 200]
    assert frame_status(100, training) == TRAINING
    assert frame_status(105, training, distance=5) == NEIGHBOUR
    assert frame_status(106, training, distance=5) == HELD_OUT
    # a training frame of another shot does not make a frame a neighbour
    shots = {f: ("a" if f < 103 else "b") for f in range(90, 120)}
    assert frame_status(104, training, shots=shots, distance=5) == HELD_OUT
    assert frame_status(102, training, shots=shots, distance=5) == NEIGHBOUR


def test_result_over_two_sequences_warns_that_no_nk_is_written(tmp_path, capsys):
    root = make_project(tmp_path / "p")
    stage4 = root / "pipeline/04_inference_render"
    for f in (5, 6, 7):  # frames 5-7 rendered as another shot
        (stage4 / f"shotA_ml_{f:04d}.exr").rename(stage4 / f"shotB_ml_{f:04d}.exr")
    assert main(["validate", "--project", str(root), "--no-log"]) == 0
    err = capsys.readouterr().err
    assert "rtk: warning: no validation.nk" in err and "several sequences" in err
    report = root / "pipeline/05_matchgrade_render/report"
    assert not (report / "validation.nk").exists()
    assert any("no validation.nk" in n for n in _report(root)["notes"])
