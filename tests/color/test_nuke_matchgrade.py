"""05 MatchGrade comparison in Nuke, against the strict fake `nuke`."""

from __future__ import annotations

import json

from restoration_toolkit.nk import parse_script
from restoration_toolkit.nk.matchgrade_graph import ClipSpec, GradeSpec, comparison_text


def test_graph_text_matchgrade_as_artists_set_it_and_toolkit_grade():
    text = comparison_text(
        scan=ClipSpec("/p/media/scan.%04d.exr", 1, 20, "ACES2065-1"),
        reference=ClipSpec("/p/pipeline/02_alignment/aligned.%04d.exr", 1, 20),
        training_frames=[3, 7, 12],
        grade=GradeSpec(clf="/p/pipeline/05_matchgrade_render/grade.clf", encoding="log2"),
        size=(128, 96),
    )
    by = {n.name: n for n in parse_script(text).nodes}
    mg = by["RT_MG_NukeMatchGrade"]
    # linear in (MatchGrade's own Pre LUT Logarithmic does the log): no Lin→Log around it
    assert mg.inputs[0] is by["RT_MG_ScanRead"] and mg.inputs[1] is by["RT_MG_ReferenceRead"]
    assert not any(n.cls == "OCIOColorSpace" for n in by.values())
    assert mg.knobs["matchGradeTask"] == "Match Graded Source"
    assert mg.knobs["analysisType"] == "Analyze Reference Frames"
    assert mg.knobs["sourceRefFrames"] == "{{curve x3 3 x7 7 x12 12}}"
    assert mg.knobs["targetRefFrames"] == mg.knobs["sourceRefFrames"]
    label = mg.knobs["label"]
    for setting in ("Pre LUT Logarithmic", "LUT Resolution 64", "Transform 3D LUT",
                    "Output Matched", "Mask None", "reference frames 3,7,12"):
        assert setting in label, setting
    assert "largest" not in label
    assert by["RT_MG_Nuke"].inputs[0] is mg
    toolkit = by["RT_MG_Toolkit"]
    assert toolkit.cls == "OCIOFileTransform" and toolkit.knobs["file"].endswith("grade.clf")
    assert toolkit.inputs[0] is by["RT_MG_ScanRead"]
    assert by["RT_MG_Flip"].inputs == [by["RT_MG_Nuke"], toolkit]
    assert len(by["RT_MG_SideBySide"].inputs) == 4


def test_chroma_only_grade_compares_with_matchgrade_on_the_scan_luminance():
    text = comparison_text(
        scan=ClipSpec("/p/scan.%04d.exr", 1, 4),
        reference=ClipSpec("/p/aligned.%04d.exr", 1, 4),
        training_frames=[2],
        grade=GradeSpec(clf="/p/grade.clf", encoding="log2", chroma_only=True),
    )
    by = {n.name: n for n in parse_script(text).nodes}
    nuke_out = by["RT_MG_Nuke"]  # Y'CbCr → linear of (scan Y, MatchGrade Cb/Cr)
    assert nuke_out.cls == "Colorspace" and nuke_out.knobs["colorspace_in"] == "YCbCr"
    copy = nuke_out.inputs[0]
    assert copy.cls == "Copy" and copy.knobs["from0"] == "rgba.green"
    luma_side, chroma_side = copy.inputs
    assert luma_side.inputs[0] is by["RT_MG_ScanRead"]
    assert chroma_side.inputs[0] is by["RT_MG_NukeMatchGrade"]
    assert "chroma-only" in by["RT_MG_Toolkit"].knobs["label"]


def test_acescct_cube_is_sandwiched_between_log_conversions():
    text = comparison_text(
        scan=ClipSpec("/p/scan.%04d.exr", 1, 2),
        reference=ClipSpec("/p/aligned.%04d.exr", 1, 2),
        training_frames=[1],
        grade=GradeSpec(cube="/p/grade.cube", encoding="acescct"),
    )
    by = {n.name: n for n in parse_script(text).nodes}
    assert by["RT_MG_ToolkitLUT"].inputs[0] is by["RT_MG_ToolkitToLog"]
    assert by["RT_MG_Toolkit"].knobs["in_colorspace"] == "ACEScct"


def _reads(nuke, *files):
    made = []
    for f in files:
        n = nuke.nodes.Read(file=f, first=1, last=8)
        n.setSelected(True)
        made.append(n)
    return made


def test_build_pastes_inside_backdrop_with_project_grade(fake_nuke, tmp_path, monkeypatch):
    from restoration_toolkit.core.project import create_project_folders
    from restoration_toolkit.nuke import host, matchgrade

    root = tmp_path / "proj"
    create_project_folders(root)
    (root / "project.yaml").write_text(
        "schema_version: 1\nname: DEMO\ntechnique: color-reference\n"
        "source: {path: media/scan.####.exr}\nreference: {path: media/ref.####.exr}\n"
    )
    stage = root / "pipeline" / "05_matchgrade_render"
    (stage / "grade.clf").write_text("<ProcessList/>")
    (stage / "grade.json").write_text(json.dumps({"training_frames": [2, 5], "encoding": "log2"}))
    monkeypatch.setenv(host.PROJECT_ENV, str(root))
    _reads(
        fake_nuke,
        str(root / "media/scan.%04d.exr"),
        str(root / "pipeline/02_alignment/aligned.%04d.exr"),
    )
    pasted = matchgrade.build_matchgrade_comparison()
    assert pasted, fake_nuke._messages
    classes = [n.Class() for n in pasted]
    assert (
        "MatchGrade" in classes and "OCIOFileTransform" in classes and classes[-1] == "BackdropNode"
    )
    mg = next(n for n in pasted if n.Class() == "MatchGrade")
    assert "reference frames 2,5" in mg["label"].value()
    assert mg["sourceRefFrames"].value() == "{{curve x2 2 x5 5}}"


def test_nothing_selected_gives_a_message(fake_nuke):
    from restoration_toolkit.nuke import matchgrade

    assert matchgrade.build_matchgrade_comparison() is None
    assert fake_nuke._messages and "Select two Reads" in fake_nuke._messages[-1]


def test_two_scans_cannot_be_told_apart(fake_nuke):
    from restoration_toolkit.nuke import matchgrade

    _reads(fake_nuke, "/p/a.%04d.exr", "/p/b.%04d.exr")
    assert matchgrade.build_matchgrade_comparison() is None
    assert "reference" in fake_nuke._messages[-1]


def test_rt_matchgrade_gizmo_takes_the_linear_clf(fake_nuke, tmp_path, monkeypatch):
    from pathlib import Path

    from restoration_toolkit.core.project import create_project_folders
    from restoration_toolkit.nuke import gizmo_callbacks, host

    root = tmp_path / "proj"
    create_project_folders(root)
    (root / "project.yaml").write_text(
        "schema_version: 1\nname: DEMO\ntechnique: color-reference\n"
        "source: {path: media/scan.####.exr}\nreference: {path: media/ref.####.exr}\n"
    )
    stage = root / "pipeline" / "05_matchgrade_render"
    (stage / "grade.cube").write_text("LUT_3D_SIZE 2\n")
    (stage / "grade.clf").write_text("<ProcessList/>")
    monkeypatch.setenv(host.PROJECT_ENV, str(root))
    fake_nuke.pluginAddPath(str(Path(__file__).parents[2] / "gizmos"))
    grade = fake_nuke.createNode("RT_MatchGrade")
    gizmo_callbacks.grade_from_project(grade)
    with grade:
        assert fake_nuke.toNode("ApplyGrade")["file"].value().endswith("grade.clf")
