"""`rtk curate` and `rtk sync` on small projects on disk: outputs, overrides, bad input."""

import json

import numpy as np
import pytest
import yaml

from restoration_toolkit.cli import main
from restoration_toolkit.core.curation.pairs import load_pairs

from .conftest import write_project, write_sequence


def test_sync_json_maps_every_scan_frame(pal_project, capsys):
    rc = main(
        [
            "sync",
            str(pal_project / "media" / "SCAN.####.png"),
            str(pal_project / "media" / "REF.####.png"),
            "--reference-fps",
            "25",
            "--json",
        ]
    )
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cadence"] == "1:1" and data["offset"] == 15 - 1001
    assert data["speed"] == pytest.approx(25 / 24, rel=1e-4)
    assert [m["scan"] for m in data["mapping"]] == list(range(1001, 1091))
    assert all(m["reference"] == m["scan"] - 1001 + 15 for m in data["mapping"])
    assert all(0 <= m["confidence"] <= 1 for m in data["mapping"])
    assert not list((pal_project / "media").glob("*.npz")), "no cache next to the inputs"


def test_curate_writes_pairs_contact_sheet_and_log(pal_project, capsys):
    assert main(["curate", "--project", str(pal_project), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    pairs = load_pairs(pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml")
    assert pairs.pairs and all(p.reference_frame == p.scan_frame - 1001 + 15 for p in pairs.pairs)
    assert all(
        p.reason and p.checksums["scan"].startswith("sha256:") and "reference" in p.checksums
        for p in pairs.pairs
    )
    assert len(pairs.holdout) == 2 and not set(pairs.holdout) & set(pairs.scan_frames)
    assert pairs.holdout_references == {f: f - 1001 + 15 for f in pairs.holdout}
    assert (pal_project / "pipeline" / "01_dataset_curation" / "contact_sheet.png").is_file()
    log = (pal_project / "notes" / "experiments.md").read_text()
    assert "dataset_curation" in log or "Dataset curation" in log
    assert out["experiment"]
    text = (pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml").read_text()
    assert text.startswith("schema: rtk-pairs/1")
    # the shots curation found are recorded in project.yaml (filled by curation)
    from restoration_toolkit.core.project import load_project

    shots = load_project(pal_project).shots
    assert shots and shots[0].first == 1001
    assert {p.shot for p in pairs.pairs} <= {s.name for s in shots}


def test_include_exclude_and_add_are_kept(pal_project, capsys):
    assert main(["curate", "--project", str(pal_project), "--no-log", "--no-content-check"]) == 0
    first = load_pairs(pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml")
    victim = first.pairs[0].scan_frame
    keep = 1050 if 1050 not in first.scan_frames else 1051
    assert (
        main(
            [
                "curate",
                "--project",
                str(pal_project),
                "--no-log",
                "--no-content-check",
                "--include",
                str(keep),
                "--exclude",
                str(victim),
            ]
        )
        == 0
    )
    second = load_pairs(pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml")
    assert keep in second.scan_frames and victim not in second.scan_frames
    # a plain re-run keeps the person's choices
    assert main(["curate", "--project", str(pal_project), "--no-log", "--no-content-check"]) == 0
    third = load_pairs(pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml")
    assert keep in third.scan_frames and victim not in third.scan_frames
    # the outlier loop adds without redoing the selection
    extra = next(
        f for f in range(1010, 1090) if f not in third.scan_frames and f not in third.holdout
    )
    assert main(["curate", "--project", str(pal_project), "--no-log", "--add", str(extra)]) == 0
    fourth = load_pairs(pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml")
    added = next(p for p in fourth.pairs if p.scan_frame == extra)
    assert (
        added.origin == "manual"
        and "outlier" in added.reason
        and added.reference_frame == extra - 1001 + 15
    )
    assert set(third.scan_frames) < set(fourth.scan_frames)


def test_coverage_count(pal_project):
    assert (
        main(
            [
                "curate",
                "--project",
                str(pal_project),
                "--no-log",
                "--no-content-check",
                "--count",
                "5",
            ]
        )
        == 0
    )
    pairs = load_pairs(pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml")
    assert len(pairs.pairs) == 5 and all(p.reason.startswith("coverage") for p in pairs.pairs)


def _error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rtk: error: ")
    return err[0]


def test_a_gap_in_the_scan_is_a_one_line_error_and_nothing_is_written(pal_project, capsys):
    (pal_project / "media" / "SCAN.1040.png").unlink()
    assert main(["curate", "--project", str(pal_project)]) == 1
    assert "missing frames 1040" in _error(capsys)
    assert not (pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml").exists()


def test_an_unrelated_reference_is_refused_and_old_pairs_stay(pal_project, capsys):
    assert main(["curate", "--project", str(pal_project), "--no-log", "--no-content-check"]) == 0
    pairs_file = pal_project / "pipeline" / "01_dataset_curation" / "pairs.yaml"
    before = pairs_file.read_text()
    rng = np.random.default_rng(1)
    noise = [rng.random((96, 128, 3)).astype(np.float32) for _ in range(60)]
    spec = write_sequence(pal_project / "media", "NOISE", noise, 1)
    data = yaml.safe_load((pal_project / "project.yaml").read_text())
    data["reference"]["path"] = "media/NOISE.####.png"
    (pal_project / "project.yaml").write_text(yaml.safe_dump(data))
    assert main(["curate", "--project", str(pal_project)]) == 1
    line = _error(capsys)
    assert "nothing in common" in line or "were found in the reference" in line
    assert spec.endswith("NOISE.####.png") and pairs_file.read_text() == before


def test_a_short_reference_is_refused(tmp_path, small_reel, capsys):
    root = write_project(tmp_path / "short", small_reel.frames, small_reel.frames[:30])
    assert main(["curate", "--project", str(root)]) == 1
    assert "shorter than the scan" in _error(capsys)
    assert not (root / "pipeline" / "01_dataset_curation" / "pairs.yaml").exists()
