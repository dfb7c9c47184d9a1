"""05 Validation in Nuke, against the strict fake `nuke`."""

from __future__ import annotations

import sys

from restoration_toolkit.nk import parse_script
from restoration_toolkit.nk.validation_graph import ClipSpec, comparison_text


def _reads(nuke, *files):
    made = []
    for f in files:
        n = nuke.nodes.Read(file=f, first=2, last=7)
        n.setSelected(True)
        made.append(n)
    return made


def test_comparison_text_wires_baselines_difference_and_sheet():
    text = comparison_text(
        scan=ClipSpec("/p/media/scan.%04d.exr", 1, 8, "ACES2065-1"),
        result=ClipSpec("/p/pipeline/04_inference_render/A_ml_%04d.exr", 1, 8),
        reference=ClipSpec("/p/pipeline/02_alignment/aligned.%04d.exr", 1, 8),
        size=(128, 96),
    )
    script = parse_script(text)
    by = {n.name: n for n in script.nodes}
    assert (
        by["RT_Lanczos"].knobs["filter"] == "Lanczos4"
        and by["RT_Bicubic"].knobs["filter"] == "Cubic"
    )
    assert by["RT_Lanczos"].inputs[0] is by["RT_ScanRead"]
    assert (
        by["RT_Regrain"].inputs[0] is by["RT_DSGSharpen"]
        and by["RT_DSGSharpen"].inputs[0] is by["RT_Denoise"]
    )
    diff = by["RT_Difference"]
    assert diff.knobs["operation"] == "difference"
    assert (
        diff.inputs[0] is by["RT_ReferenceRead"] and diff.inputs[1] is by["RT_ResultRead"]
    )  # B, A
    sheet = by["RT_ValidationSheet"]
    assert sheet.inputs[0] is by["RT_ResultRead"] and sheet.inputs[-1] is by["RT_DifferenceGain"]
    assert len(sheet.inputs) == 7


def test_build_comparison_pastes_inside_a_backdrop(fake_nuke):
    from restoration_toolkit.nuke import validation

    _reads(fake_nuke, "/p/media/scan.%04d.exr", "/p/pipeline/04_inference_render/A_ml_%04d.exr")
    pasted = validation.build_validation_comparison()
    assert pasted, fake_nuke._messages
    classes = {n.Class() for n in pasted}
    assert {
        "Read",
        "Reformat",
        "Sharpen",
        "Denoise2",
        "Grain2",
        "Merge2",
        "ContactSheet",
        "BackdropNode",
    } <= classes
    backdrop = pasted[-1]
    assert backdrop.Class() == "BackdropNode" and "Validation" in backdrop["label"].value()
    result_read = next(n for n in pasted if n.name() == "RT_ResultRead")
    assert "_ml_" in result_read["file"].value()
    diff = next(n for n in pasted if n.name() == "RT_Difference")
    assert diff.input(1) is result_read
    assert fake_nuke._undo_log  # one undo step


def test_build_comparison_with_nothing_selected_explains(fake_nuke):
    from restoration_toolkit.nuke import validation

    assert validation.build_validation_comparison() is None
    assert "Select the model result Read" in fake_nuke._messages[-1]
    _reads(fake_nuke, "/p/a.%04d.exr", "/p/b.%04d.exr")
    assert validation.build_validation_comparison() is None
    assert "model result" in fake_nuke._messages[-1]


def test_open_report(fake_nuke, monkeypatch, tmp_path):
    from restoration_toolkit.nuke import validation

    from .conftest import make_project

    monkeypatch.delenv("RTK_PROJECT", raising=False)
    assert validation.open_report() is None
    assert "No restoration project" in fake_nuke._messages[-1]
    root = make_project(tmp_path / "proj")
    monkeypatch.setenv("RTK_PROJECT", str(root))
    opened = []
    monkeypatch.setattr(validation.webbrowser, "open", lambda url: opened.append(url) or True)
    # no report yet: the fake's nuke.ask answers yes, so `rtk validate` runs in the background
    monkeypatch.setenv("RTK_PYTHON", sys.executable)
    assert validation.open_report() is None
    assert "rtk validate" in fake_nuke._messages[-1]
    job = validation._jobs[-1]
    job.join(120)
    assert job.error is None, job.error
    report = root / "pipeline/05_matchgrade_render/report/index.html"
    assert report.is_file()
    assert opened == [report.as_uri()]
    assert validation.open_report() == report
    assert opened[-1] == report.as_uri()
