"""`rtk validate` on a small synthetic project: the report, its files, the refusals."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from restoration_toolkit.cli import main
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.project import open_project
from restoration_toolkit.core.validation.inputs import check_validation_frames
from restoration_toolkit.stages.validation_inputs import project_inputs

from .conftest import HOLDOUT, TRAINING, make_project


class _Collect(HTMLParser):
    """A strict-enough HTML check: balanced non-void tags and every referenced file."""

    VOID = {"meta", "img", "input", "br", "hr", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list = []
        self.refs: list = []
        self.errors: list = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key):
                self.refs.append(a[key])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("v") / "proj")
    code = main(["validate", "--project", str(root)])
    assert code == 0
    return root


def _report(root: Path) -> Path:
    return root / "pipeline/05_matchgrade_render/report"


def test_report_html_parses_and_references_only_existing_files(built):
    folder = _report(built)
    text = (folder / "index.html").read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(text)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert len(parser.refs) > 10
    for ref in parser.refs:
        assert not ref.startswith(("http:", "https:", "/")), ref  # self-contained
        assert (folder / ref).is_file(), ref
    # the JS toggles point at crop files that exist too
    import re

    for src in re.findall(r"pick\('wipe\d+','[ab]','([^']+)'", text):
        assert (folder / src).is_file(), src
    assert "Made with a trained model" in text
    assert "DVD release 2004" in text and "Test Archive" in text  # reference provenance


def test_report_json_matches_and_flags_the_hue_outlier(built):
    data = json.loads((_report(built) / "report.json").read_text(encoding="utf-8"))
    assert data["frames"] == HOLDOUT and data["training_frames"] == TRAINING
    assert not set(data["frames"]) & set(data["training_frames"])
    names = [c["name"] for c in data["candidates"]]
    assert names[0] == "model" and "unsharp" in names and "denoise_sharpen_grain" in names
    # the good frames agree with the ground truth; the hue-rotated frame 6 stands out
    per = data["per_frame"]["model"]
    assert per["6"]["delta_e_mean"] > 3 * per["5"]["delta_e_mean"]
    assert data["outlier_frames"] == [6]
    assert {o["kind"] for o in data["outliers"]} >= {"hue_drift"}
    assert data["curate_command"].startswith("rtk curate --add 6")
    # a color model keeps the scan's grain; the table says which candidate is best per row
    assert data["summary"]["model"]["grain_ratio"] == pytest.approx(1.0, abs=0.05)
    assert data["best"]["delta_e_mean"] == "model"
    # the same numbers as the HTML table
    html = (_report(built) / "index.html").read_text(encoding="utf-8")
    assert f"{data['summary']['model']['delta_e_mean']:.3f}" in html
    assert (_report(built) / "validation.nk").is_file()


def test_signoff_is_recorded_with_the_report(built):
    code = main(
        [
            "validate",
            "signoff",
            "--project",
            str(built),
            "--shot",
            "shotA",
            "--verdict",
            "accept",
            "--by",
            "A. Archivist",
            "--notes",
            "matches the DVD",
        ]
    )
    assert code == 0
    data = json.loads((_report(built) / "report.json").read_text(encoding="utf-8"))
    assert (
        data["signoffs"][-1]["verdict"] == "accept" and data["signoffs"][-1]["by"] == "A. Archivist"
    )
    assert "A. Archivist" in (_report(built) / "index.html").read_text(encoding="utf-8")
    assert (built / "pipeline/05_matchgrade_render/signoffs.json").is_file()
    log = built / "notes/experiments.md"
    if log.exists():  # the experiment log (issue 8) records it when installed
        assert "A. Archivist" in log.read_text(encoding="utf-8")
    assert (
        main(
            [
                "validate",
                "signoff",
                "--project",
                str(built),
                "--shot",
                "nope",
                "--verdict",
                "accept",
                "--by",
                "x",
            ]
        )
        == 1
    )


def test_training_frames_are_refused_as_validation(built, capsys):
    listing = sorted(os.listdir(_report(built)))
    assert main(["validate", "--project", str(built), "--frames", "3-4", "--no-log"]) == 1
    err = capsys.readouterr().err
    assert "rtk: error:" in err and "training" in err and "4" in err and err.count("\n") == 1
    assert sorted(os.listdir(_report(built))) == listing  # old report untouched
    with pytest.raises(RTKError, match="training pairs"):
        check_validation_frames([2, 8], [1, 4, 8])


def test_no_holdout_is_a_clear_error(tmp_path):
    root = make_project(tmp_path / "p", holdout=[])
    with pytest.raises(RTKError, match="held-out"):
        project_inputs(open_project(root))


def test_size_mismatch_leaves_no_half_written_report(tmp_path, capsys):
    root = make_project(tmp_path / "p")
    write_image(
        root / "pipeline/04_inference_render/shotA_ml_0005.exr", np.zeros((50, 60, 3), np.float32)
    )
    assert main(["validate", "--project", str(root), "--no-log"]) == 1
    err = capsys.readouterr().err
    assert "shotA_ml_0005.exr" in err and "60x50" in err
    stage = root / "pipeline/05_matchgrade_render"
    assert list(stage.iterdir()) == []  # no report, no temporary folder


def test_missing_result_frames_and_all_masked_frames(tmp_path, capsys):
    root = make_project(tmp_path / "p")
    (root / "pipeline/04_inference_render/shotA_ml_0007.exr").unlink()
    (root / "pipeline/02_alignment/aligned.0002.exr").unlink()
    # asked for explicitly: every frame must be there
    assert main(["validate", "--project", str(root), "--no-log", "--frames", "5-7"]) == 1
    assert "missing frames 7" in capsys.readouterr().err
    # the default (pairs.yaml holdout) measures what can be measured and says what it left out
    inputs = project_inputs(open_project(root))
    assert inputs.frames == [3, 5, 6]
    assert any("2,7" in n and "not measured" in n for n in inputs.notes)
    write_image(
        root / "pipeline/02_alignment/confidence.0003.exr", np.zeros((96, 128, 1), np.float32)
    )
    assert main(["validate", "--project", str(root), "--no-log", "--frames", "3"]) == 1
    assert "excludes every pixel" in capsys.readouterr().err


def test_explicit_sequences_without_a_project(tmp_path, capsys):
    root = make_project(tmp_path / "p")
    out = tmp_path / "report"
    code = main(
        [
            "validate",
            "--scan",
            str(root / "media/scan.####.exr"),
            "--reference",
            str(root / "pipeline/02_alignment/aligned.####.exr"),
            "--result",
            str(root / "pipeline/04_inference_render/shotA_ml_####.exr"),
            "--colorspace",
            "ACES2065-1",
            "--frames",
            "2-3",
            "--training-frames",
            "1,4",
            "--baselines",
            "unsharp",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    printed = json.loads(capsys.readouterr().out, parse_constant=lambda c: 1 / 0)  # strict JSON
    assert printed["summary"]["model"]["flicker_luma_percent"] is not None
    assert [c["name"] for c in data["candidates"]] == ["model", "scan", "unsharp"]
    assert data["frames"] == [2, 3]


def test_lower_resolution_scan_is_resampled_by_every_baseline(tmp_path):
    """Spatial recovery: the scan is smaller than the reference raster; Lanczos and bicubic
    are then real baselines (and differ from each other)."""
    import cv2

    from restoration_toolkit.core.io.images import read_image

    root = make_project(tmp_path / "p")
    small = tmp_path / "small"
    for f in (2, 3):
        img = read_image(root / f"media/scan.{f:04d}.exr").pixels
        write_image(
            small / f"scan.{f:04d}.exr", cv2.resize(img, (64, 48), interpolation=cv2.INTER_AREA)
        )
    out = tmp_path / "report"
    code = main(
        [
            "validate",
            "--scan",
            str(small / "scan.####.exr"),
            "--reference",
            str(root / "pipeline/02_alignment/aligned.####.exr"),
            "--result",
            str(root / "pipeline/04_inference_render/shotA_ml_####.exr"),
            "--colorspace",
            "ACES2065-1",
            "--frames",
            "2-3",
            "--baselines",
            "bicubic,unsharp",
            "--out",
            str(out),
            "--no-log",
        ]
    )
    assert code == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in data["candidates"]] == ["model", "scan", "bicubic", "unsharp"]
    assert data["size"] == [128, 96]
    s = data["summary"]
    assert s["scan"]["delta_e_mean"] != s["bicubic"]["delta_e_mean"]
    # an upsampled half-resolution scan has less fine detail than the full-resolution reference
    assert s["scan"]["detail_ratio"] < 0.9
