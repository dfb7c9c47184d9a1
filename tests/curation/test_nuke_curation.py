"""The 01 Dataset Curation menu commands against the strict fake nuke."""

import pytest

from restoration_toolkit.core.curation.pairs import Pair, PairSet
from restoration_toolkit.nk import parse_script

from .conftest import write_project


@pytest.fixture
def project_with_pairs(tmp_path, small_reel, monkeypatch):
    root = write_project(tmp_path / "p", small_reel.frames[:20], small_reel.frames[:24])
    pairs = PairSet(
        "color-reference",
        [
            Pair(1003, 5, None, "sh010", "sh010 begin", 0.99, "auto"),
            Pair(1010, 12, None, "sh010", "sh010 middle 1", 0.98, "auto"),
            Pair(1016, 18, None, "sh010", "included by hand", 0.97, "manual"),
        ],
    )
    pairs.save(root / "pipeline" / "01_dataset_curation" / "pairs.yaml")
    monkeypatch.setenv("RTK_PROJECT", str(root))
    return root


def test_streams_text_holds_each_pair_in_order():
    from restoration_toolkit.nk.pair_streams import StreamPair, pair_streams_script

    script = pair_streams_script(
        [StreamPair(1003, 5, None, "a"), StreamPair(1010, 12, None, "b")],
        scan_file="s.%04d.exr",
        reference_file="r.%04d.png",
        scan_colorspace="ACES2065-1",
        reference_colorspace="sRGB - Texture",
        scan_range=(1001, 1020),
        reference_range=(1, 24),
    )
    append = script.find("RT_PairScan")
    holds = [n.inputs[0] for n in append.inputs]
    assert [h.knobs["firstFrame"] for h in holds] == [1003, 1010]
    assert [r.knobs["first_frame"] for r in append.inputs] == [1003, 1010]
    ref_holds = [n.inputs[0] for n in script.find("RT_PairReference").inputs]
    assert [h.knobs["firstFrame"] for h in ref_holds] == [5, 12]
    viewer = script.find("RT_PairViewer")
    assert viewer.inputs == [append, script.find("RT_PairReference")]


def test_build_pair_streams_pastes_two_streams_in_a_backdrop(fake_nuke, project_with_pairs):
    from restoration_toolkit.nuke.curation import build_pair_streams

    created = build_pair_streams()
    assert fake_nuke._messages == []
    by_class = {}
    for n in created:
        by_class.setdefault(n.Class(), []).append(n)
    assert len(by_class["Read"]) == 2 and len(by_class["AppendClip"]) == 2
    assert len(by_class["FrameHold"]) == 6 and len(by_class["FrameRange"]) == 6
    assert by_class["BackdropNode"][0]["label"].value().startswith("01 Dataset Curation")
    scan = next(n for n in created if n.name() == "RT_PairScan")
    ref = next(n for n in created if n.name() == "RT_PairReference")
    scan_frames = [int(scan.input(i).input(0)["firstFrame"].value()) for i in range(scan.inputs())]
    ref_frames = [int(ref.input(i).input(0)["firstFrame"].value()) for i in range(ref.inputs())]
    assert scan_frames == [1003, 1010, 1016] and ref_frames == [5, 12, 18]
    scan_read = scan.input(0).input(0).input(0)
    assert scan_read.Class() == "Read" and scan_read["file"].value().endswith("SCAN.%04d.png")
    viewer = next(n for n in created if n.Class() == "Viewer")
    assert viewer.input(0) is scan and viewer.input(1) is ref
    assert fake_nuke._undo_log[-1].startswith("end:")


def test_build_pair_streams_without_a_project_says_what_to_do(fake_nuke, monkeypatch, tmp_path):
    from restoration_toolkit.nuke.curation import build_pair_streams

    monkeypatch.delenv("RTK_PROJECT", raising=False)
    assert build_pair_streams() == []
    assert "Open a restoration project" in fake_nuke._messages[-1]


def test_build_pair_streams_without_pairs_says_run_curation(fake_nuke, project_with_pairs):
    from restoration_toolkit.nuke.curation import build_pair_streams

    (project_with_pairs / "pipeline" / "01_dataset_curation" / "pairs.yaml").unlink()
    assert build_pair_streams() == []
    assert "Run Curation" in fake_nuke._messages[-1]


def test_mark_pair_and_run_curate_call_rtk(fake_nuke, project_with_pairs, monkeypatch):
    from restoration_toolkit.nuke import curation

    calls = []
    monkeypatch.setattr(
        curation, "run_rtk_async", lambda args, title, on_done: calls.append((args, title, on_done))
    )
    fake_nuke.frame(1012)
    curation.mark_pair()
    args, title, on_done = calls[-1]
    assert args[:3] == ["curate", "--project", str(project_with_pairs)]
    assert "--add" in args and args[args.index("--add") + 1] == "1012"
    on_done({"summary": "added 1 pair(s)"}, None)
    assert "1012" in fake_nuke._messages[-1]
    curation.run_curate()
    args, title, on_done = calls[-1]
    assert args == ["curate", "--project", str(project_with_pairs), "--json"]
    on_done(None, "rtk: error: x: missing frames 1040")
    assert "missing frames 1040" in fake_nuke._messages[-1]


def test_mark_pair_with_a_selected_pair_hold_marks_its_frame(
    fake_nuke, project_with_pairs, monkeypatch
):
    from restoration_toolkit.nuke import curation

    calls = []
    monkeypatch.setattr(curation, "run_rtk_async", lambda args, title, on_done: calls.append(args))
    hold = fake_nuke.nodes.FrameHold(firstFrame=1007)
    hold.setSelected(True)
    curation.mark_pair()
    assert calls[-1][calls[-1].index("--add") + 1] == "1007"


def test_the_pasted_snippet_parses_back(fake_nuke, project_with_pairs):
    from restoration_toolkit.core.curation.pairs import load_pairs
    from restoration_toolkit.core.project import load_project
    from restoration_toolkit.nuke.curation import streams_text

    project = load_project(project_with_pairs)
    script = parse_script(streams_text(project, load_pairs(project.pairs_file)))
    assert len(script.of_class("FrameHold")) == 6 and len(script.of_class("AppendClip")) == 2
