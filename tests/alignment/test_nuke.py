"""Nuke side with the strict fake: messages, the pasted graph, agreement with RT_Align, and the
whole menu command running `rtk align` in a subprocess."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from restoration_toolkit.nk import parse_script, write_script
from restoration_toolkit.nk.alignment_graph import alignment_graph


def _alignment_json(out: Path, *, failed=(), offset=1000) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    frames = {}
    for f in (1001, 1002, 1003):
        if f in failed:
            frames[str(f)] = {
                "scan_frame": f,
                "reference_frame": f - offset,
                "status": "failed",
                "error": "x: blank",
            }
            continue
        frames[str(f)] = {
            "scan_frame": f,
            "reference_frame": f - offset,
            "status": "ok",
            "model": "affine+bspline",
            "figures": {"confident_fraction": 0.6, "correlation": 0.9, "field_max_px": 0.4},
            "live_area": [10, 20, 600, 400],
            "scan_size": [640, 486],
            "warnings": [],
            "outputs": {"stmap": str(out / f"stmap.{f:04d}.exr")},
        }
    doc = {
        "schema": "rtk.alignment/1",
        "source": "/m/scan.####.exr",
        "reference": "/m/ref.####.png",
        "summary": {
            "confident_fraction_min": 0.6,
            "correlation_min": 0.9,
            "field_max_px": 0.4,
            "look_at": [],
            "failed": sorted(failed),
        },
        "frames": frames,
    }
    (out / "alignment.json").write_text(json.dumps(doc))
    return out / "alignment.json"


def test_graph_wiring_and_knobs_match_rt_align(tmp_path):
    from restoration_toolkit.nk.gizmo_groups import align_gizmo

    graph = alignment_graph(_alignment_json(tmp_path, failed=(1002,)))
    script = parse_script(write_script(graph.script))
    stmap = script.find("STMap1")
    read = script.find("STMapRead")
    assert stmap.cls == "STMap" and stmap.knobs["uv"] == "rgb"
    assert stmap.inputs[1] is read
    assert stmap.inputs[0].name == "ReferenceToScanFrames"
    assert stmap.inputs[0].knobs["time_offset"] == "1000"
    assert stmap.inputs[0].inputs[0].name == "ReferenceRead"
    assert read.knobs["raw"] == "true" and read.knobs["file"].endswith("stmap.%04d.exr")
    crop = script.find("LiveAreaCrop")
    assert crop.knobs["box"] == "{10 86 600 466}"  # Nuke box: bottom-left origin
    # the RT_Align gizmo holds the same two nodes, wired the same way, with the same knobs
    gizmo = parse_script(write_script(type(graph.script)(nodes=[align_gizmo()])))
    inner = {n.name: n for n in gizmo.nodes[0].children}
    g_stmap, g_read = inner["STMap1"], inner["STMapRead"]
    assert g_stmap.cls == stmap.cls and g_stmap.knobs == stmap.knobs
    assert g_stmap.inputs[1] is g_read and g_stmap.inputs[0].cls == "Input"
    assert set(g_read.knobs) <= set(read.knobs) and g_read.knobs["raw"] == read.knobs["raw"]
    assert "FAILED: 1002" in graph.label and "02 Alignment" in graph.label


def test_graph_refuses_when_nothing_aligned(tmp_path):
    from restoration_toolkit.core.errors import RTKError

    with pytest.raises(RTKError, match="no frame"):
        alignment_graph(_alignment_json(tmp_path, failed=(1001, 1002, 1003)))


def test_nothing_selected_ends_in_a_message(fake_nuke):
    from restoration_toolkit.nuke.alignment import align_selected

    assert align_selected() is None
    assert fake_nuke._messages[-1].startswith("Select two Read nodes")


def test_no_project_ends_in_a_message(fake_nuke, monkeypatch):
    from restoration_toolkit.nuke.alignment import align_selected

    monkeypatch.delenv("RTK_PROJECT", raising=False)
    for name in ("scan", "ref"):
        fake_nuke.nodes.Read(file=f"/m/{name}.####.exr", first=1, last=3).setSelected(True)
    assert align_selected() is None
    assert "No restoration project" in fake_nuke._messages[-1]


def test_build_graph_pastes_into_nuke(fake_nuke, tmp_path):
    from restoration_toolkit.nuke.alignment import build_graph

    _alignment_json(tmp_path)
    pasted = build_graph(tmp_path)
    classes = sorted(n.Class() for n in pasted)
    assert classes == sorted(
        ["Read", "Read", "Read", "TimeOffset", "STMap", "Crop", "BackdropNode"]
    )
    stmap = fake_nuke.toNode("STMap1")
    assert stmap.input(1).name() == "STMapRead" and stmap.input(0).name() == "ReferenceToScanFrames"
    backdrop = [n for n in pasted if n.Class() == "BackdropNode"][0]
    assert "confident" in backdrop["label"].value()


def test_align_selected_runs_rtk_and_builds_the_graph(fake_nuke, tmp_path, monkeypatch):
    from restoration_toolkit.nuke.alignment import align_selected
    from tests.alignment.helpers import write_project

    root = tmp_path / "proj"
    write_project(root, [101, 102], [1, 2])
    monkeypatch.setenv("RTK_PROJECT", str(root))
    monkeypatch.setenv("RTK_PYTHON", sys.executable)
    scan = fake_nuke.nodes.Read(file=str(root / "media" / "scan.####.exr"), first=101, last=102)
    ref = fake_nuke.nodes.Read(file=str(root / "media" / "ref.####.png"), first=1, last=2)
    scan.setSelected(True)
    ref.setSelected(True)
    job = align_selected()
    job.join(300)
    assert job.error is None, job.log[-5:]
    out = root / "pipeline" / "02_alignment"
    assert (out / "stmap.0101.exr").is_file() and (out / "stmap.0102.exr").is_file()
    stmap = fake_nuke.toNode("STMap1")
    assert stmap is not None and stmap.input(1)["file"].value().endswith("stmap.%04d.exr")
    assert fake_nuke._progress_tasks and fake_nuke._progress_tasks[-1].progress
