"""Host helpers against the strict fake: pasting graphs and running rtk in the background."""

import sys

import pytest

from restoration_toolkit.nk import Node, Script, write_script


def _snippet():
    read = Node("Read", name="ScanRead", knobs={"file": "scan.####.exr"})
    grade = Node("Grade", name="Lift", knobs={"white": 1.1}, inputs=[read])
    return write_script(Script(nodes=[read, grade]), snippet=True)


def test_paste_graph_wraps_in_undo_and_backdrop(fake_nuke):
    from restoration_toolkit.nuke.host import paste_graph

    anchor = fake_nuke.nodes.Read(file="other.exr", xpos=500, ypos=100)
    anchor.setSelected(True)
    created = paste_graph(_snippet(), "02 Alignment — test")
    classes = [n.Class() for n in created]
    assert classes == ["Read", "Grade", "BackdropNode"]
    read, grade, backdrop = created
    assert grade.input(0) is read
    assert grade["white"].value() == "1.1"
    assert fake_nuke._undo_log == ["begin:02 Alignment — test", "end:02 Alignment — test"]
    assert read.xpos() >= 700, "placed to the right of the selection"
    assert backdrop["label"].value() == "02 Alignment — test"
    assert backdrop.xpos() < read.xpos() and backdrop["bdwidth"].value() > 0
    assert set(fake_nuke.selectedNodes()) == {read, grade}


def test_paste_graph_with_a_wrong_knob_fails_and_cancels_the_undo(fake_nuke):
    from restoration_toolkit.nuke.host import paste_graph

    bad = write_script(Script(nodes=[Node("Grade", knobs={"whitepoint_typo": 1})]), snippet=True)
    with pytest.raises(NameError):
        paste_graph(bad, "bad")
    assert fake_nuke._undo_log[-1] == "cancel:bad"


def test_current_project_from_env(fake_nuke, tmp_path, monkeypatch):
    from restoration_toolkit.core.errors import RTKError
    from restoration_toolkit.nuke.host import current_project, require_project

    monkeypatch.delenv("RTK_PROJECT", raising=False)
    assert current_project() is None
    with pytest.raises(RTKError, match="no restoration project is open"):
        require_project()
    (tmp_path / "project.yaml").write_text(
        "schema_version: 1\nname: P\ntechnique: color-nonreference\nsource: {path: s.####.exr}\n")
    monkeypatch.setenv("RTK_PROJECT", str(tmp_path))
    assert current_project().name == "P"


def test_rtk_subprocess_reports_json_result_and_progress(fake_nuke, tmp_path, monkeypatch):
    from restoration_toolkit.nuke.rtk_process import run_rtk_async

    monkeypatch.setenv("RTK_PYTHON", sys.executable)
    results = []
    job = run_rtk_async(["demo", str(tmp_path / "demo"), "--only-project"], "demo",
                        lambda result, error: results.append((result, error)))
    job.join(120)
    assert results and results[0][1] is None
    task = fake_nuke._progress_tasks[0]
    assert task.title == "demo" and task.progress and task.progress[-1] == 100


def test_rtk_subprocess_passes_the_one_line_error(fake_nuke, tmp_path, monkeypatch):
    from restoration_toolkit.nuke.rtk_process import run_rtk_async

    monkeypatch.setenv("RTK_PYTHON", sys.executable)
    results = []
    job = run_rtk_async(["project", "show", "--project", str(tmp_path), "--json"], "show",
                        lambda result, error: results.append((result, error)))
    job.join(60)
    result, error = results[0]
    assert result is None and error.startswith("rtk: error: ") and "project.yaml" in error


def test_rtk_subprocess_cancel(fake_nuke, tmp_path, monkeypatch):
    from restoration_toolkit.nuke.rtk_process import run_rtk_async

    monkeypatch.setenv("RTK_PYTHON", sys.executable)
    fake_nuke._cancel_progress_after[0] = 1
    results = []
    job = run_rtk_async(["demo", str(tmp_path / "demo"), "--only-project"], "demo",
                        lambda result, error: results.append((result, error)))
    job.join(120)
    assert results == [(None, "cancelled")]
