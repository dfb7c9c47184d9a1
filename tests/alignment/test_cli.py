"""`rtk align`: sequences with gaps, bad frames, single frames, projects; outputs and alignment.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from restoration_toolkit.cli import main
from restoration_toolkit.core.alignment import stmap_to_map
from restoration_toolkit.core.io.images import read_image, write_image
from restoration_toolkit.testing.alignment_pairs import end_point_error
from tests.alignment.helpers import write_project, write_sequence


def _load(out: Path) -> dict:
    return json.loads((out / "alignment.json").read_text())


def test_sequence_with_gap_blank_frame_and_short_reference(tmp_path, capsys):
    media = tmp_path / "in"
    media.mkdir()
    pairs = write_sequence(media, [1001, 1002, 1003, 1004, 1005], [1, 2, 3, 4])
    (media / "ref.0003.png").unlink()  # a gap in the reference
    write_image(media / "ref.0002.png", np.zeros((169, 300, 3), np.float32))  # a black frame
    out = tmp_path / "out"
    code = main(
        [
            "align",
            str(media / "scan.####.exr"),
            str(media / "ref.####.png"),
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 1
    captured = capsys.readouterr()
    summary = json.loads(captured.out)["summary"]
    assert summary["failed"] == [1002, 1003, 1005]
    err_lines = [ln for ln in captured.err.splitlines() if ln.startswith("rtk: error: frame")]
    assert len(err_lines) == 3
    doc = _load(out)
    frames = doc["frames"]
    assert "blank" in frames["1002"]["error"]
    assert "missing" in frames["1003"]["error"]
    assert "no reference frame" in frames["1005"]["error"]
    for f in (1002, 1003, 1005):
        assert not (out / f"aligned.{f:04d}.exr").exists()
    for f in (1001, 1004):
        rec = frames[str(f)]
        assert rec["status"] == "ok" and len(rec["live_area"]) == 4
        assert set(rec["figures"]) >= {"confident_fraction", "correlation", "residual"}
        st = read_image(out / f"stmap.{f:04d}.exr")
        assert st.metadata.data_format == "float"
        conf = read_image(out / f"confidence.{f:04d}.exr")
        assert conf.pixels.shape[2] == 1
        # the STMap written to disk is the map: sub-pixel against the truth
        pair = pairs[f]
        epe = end_point_error(pair, stmap_to_map(st.pixels, (169, 300)))
        assert float(epe[pair.true_valid].mean()) < 0.35
    assert (out / "alignment.nk").is_file()
    assert "STMapRead" in (out / "alignment.nk").read_text()


def test_single_pair_and_unreadable_reference(tmp_path, capsys):
    media = tmp_path / "in"
    media.mkdir()
    write_sequence(media, [1], [1])
    out = tmp_path / "out"
    code = main(
        [
            "align",
            str(media / "scan.0001.exr"),
            str(media / "ref.0001.png"),
            "--out",
            str(out),
            "--no-dense",
            "--filter",
            "linear",
        ]
    )
    assert code == 0
    assert {p.name for p in out.iterdir()} >= {
        "aligned.exr",
        "stmap.exr",
        "confidence.exr",
        "alignment.json",
    }
    assert _load(out)["frames"]["1"]["model"] == "affine"
    bad = media / "broken.png"
    bad.write_bytes(b"not a png at all")
    out2 = tmp_path / "out2"
    code = main(["align", str(media / "scan.0001.exr"), str(bad), "--out", str(out2)])
    assert code == 1
    err = capsys.readouterr().err
    assert "broken.png" in err and err.count("\n") >= 1
    assert _load(out2)["frames"]["1"]["status"] == "failed"
    assert not (out2 / "aligned.exr").exists()


def test_usage_errors(tmp_path, capsys):
    assert main(["align", str(tmp_path / "a.exr")]) == 1
    assert "both SOURCE and REFERENCE" in capsys.readouterr().err
    assert (
        main(
            [
                "align",
                str(tmp_path / "a.####.exr"),
                str(tmp_path / "b.####.png"),
                "--out",
                str(tmp_path),
            ]
        )
        == 1
    )
    assert "rtk: error:" in capsys.readouterr().err


def test_project_default_smooth_and_jobs(tmp_path, capsys, monkeypatch):
    root = tmp_path / "proj"
    project, pairs = write_project(root, [101, 102, 103], [1, 2, 3])
    monkeypatch.chdir(root)
    code = main(["align", "--smooth", "1.5", "--jobs", "2", "--frames", "101-103", "--json"])
    assert code == 0, capsys.readouterr().err
    out = root / "pipeline" / "02_alignment"
    doc = _load(out)
    assert doc["settings"]["working_space"] == "ACEScg"
    assert all(doc["frames"][str(f)]["smoothed"] for f in (101, 102, 103))
    aligned = read_image(out / "aligned.0102.exr")
    assert aligned.metadata.colorspace == "ACEScg"
    # the reference was converted from sRGB to ACEScg before resampling: not the PNG's values
    from restoration_toolkit.core.io.ocio import convert_colorspace

    ref = read_image(root / "media" / "ref.0002.png", channels=3).pixels
    conv = convert_colorspace(ref, "sRGB - Texture", "ACEScg", config=project.color.ocio_config)
    st = read_image(out / "stmap.0102.exr").pixels
    m = stmap_to_map(st, ref.shape[:2])
    import cv2

    expect = cv2.remap(conv, m[..., 0], m[..., 1], cv2.INTER_CUBIC)
    inside = pairs[102].true_valid
    assert float(np.abs(aligned.pixels[inside] - expect[inside]).mean()) < 0.01
    assert float(np.abs(aligned.pixels[inside].mean() - ref.mean())) > 0.02
    log = (root / "notes" / "experiments.md").read_text()
    assert "alignment" in log


def test_project_mode_aligns_pairs_and_held_out_frames(tmp_path, capsys):
    from restoration_toolkit.core.curation.pairs import Pair, PairSet

    root = tmp_path / "proj"
    project, _ = write_project(root, [101, 102, 103], [11, 12, 13])
    PairSet(project.technique, [Pair(101, 11), Pair(103, 13)], holdout=[102],
            holdout_references={102: 12}).save(project.pairs_file)
    assert main(["align", "--project", str(root), "--json"]) == 0, capsys.readouterr().err
    doc = _load(root / "pipeline" / "02_alignment")
    assert sorted(doc["frames"]) == ["101", "102", "103"]
    assert doc["frames"]["102"]["reference_frame"] == 12
    assert (root / "pipeline" / "02_alignment" / "aligned.0102.exr").is_file()
