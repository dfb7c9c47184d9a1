"""The Experiment Log panel under pytest-qt (offscreen), through the binding shim only.

Runs on PySide6 and on PySide2 (CI's Python 3.9 / 3.10 leg): only API both share.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
qt = pytest.importorskip("restoration_toolkit.ui.qt", exc_type=ImportError)

from restoration_toolkit.core.errors import RTKError  # noqa: E402
from restoration_toolkit.core.experiment_log import ExperimentLog, log_run  # noqa: E402
from restoration_toolkit.ui.log_model import ID_ROLE  # noqa: E402
from restoration_toolkit.ui.log_panel import LogPanel  # noqa: E402

Qt = qt.QtCore.Qt


def _seed(root: Path) -> None:
    log_run(
        root,
        stage="training",
        shot="sh010",
        parameters={"epochs": 10000},
        figures={"loss": 0.004},
        outputs=[Path("pipeline/03_copycat_training/sh010/model.cat")],
        model_route="copycat",
    )
    log_run(root, stage="alignment", figures={"loss": 0.5}, observations="luma drift on frame 40")
    log_run(
        root,
        stage="training",
        shot="sh020",
        parameters={"epochs": 20000},
        figures={"loss": 0.0007},
        verdict="reject",
        approved_by="lead",
    )


def _visible_ids(panel: LogPanel) -> List[str]:
    proxy = panel.proxy
    return [proxy.data(proxy.index(r, 0), ID_ROLE) for r in range(proxy.rowCount())]


@pytest.fixture
def panel(qtbot: Any, project_dir: Path) -> LogPanel:
    _seed(project_dir)
    widget = LogPanel(project_dir)
    qtbot.addWidget(widget)
    return widget


def test_binding_is_reported(panel: LogPanel) -> None:
    assert qt.BINDING in ("PySide6", "PySide2")
    assert qt.BINDING.replace("PySide", "") == qt.QT_VERSION[0] if qt.BINDING == "PySide6" else True


def test_filter_by_stage_verdict_and_text(panel: LogPanel) -> None:
    assert _visible_ids(panel) == ["E0001", "E0002", "E0003"]
    view = panel.view
    view.stage_filter.setCurrentIndex(view.stage_filter.findData("training"))
    assert _visible_ids(panel) == ["E0001", "E0003"]
    view.verdict_filter.setCurrentIndex(view.verdict_filter.findData("reject"))
    assert _visible_ids(panel) == ["E0003"]
    view.stage_filter.setCurrentIndex(0)
    view.verdict_filter.setCurrentIndex(0)
    view.text_filter.setText("LUMA DRIFT")
    assert _visible_ids(panel) == ["E0002"]
    view.text_filter.setText("")
    assert len(_visible_ids(panel)) == 3


def test_sort_by_figure_numerically_and_by_id(panel: LogPanel) -> None:
    header = [
        panel.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(panel.model.columnCount())
    ]
    loss = header.index("loss")
    panel.view.table.sortByColumn(loss, Qt.SortOrder.AscendingOrder)
    assert _visible_ids(panel) == ["E0003", "E0001", "E0002"]  # 0.0007 < 0.004 < 0.5
    panel.view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert _visible_ids(panel) == ["E0003", "E0002", "E0001"]


def test_edit_verdict_and_notes_is_saved(panel: LogPanel, project_dir: Path) -> None:
    panel.select("E0001")
    view = panel.view
    assert view.title.text().startswith("E0001")
    assert view.save_button.isEnabled()
    view.verdict.setCurrentIndex(view.verdict.findData("keep"))
    view.approver.setText("supervisor")
    view.notes.setPlainText("Best so far; grain kept.\n")
    assert panel.save_current()
    entry = ExperimentLog.for_project(project_dir).get("E0001")
    assert (entry.verdict, entry.approved_by) == ("keep", "supervisor")
    assert entry.notes == "Best so far; grain kept."
    assert entry.verdict_date
    # the table shows the new verdict after the save's reload
    row = panel.model.row_of("E0001")
    assert panel.model.data(panel.model.index(row, 4)) == "keep"


def test_save_refuses_when_notes_changed_on_disk(panel: LogPanel, project_dir: Path) -> None:
    panel.select("E0002")
    ExperimentLog.for_project(project_dir).set_prose("E0002", notes="typed in another session")
    panel.view.notes.setPlainText("typed here")
    assert not panel.save_current()
    assert "changed on disk" in panel.view.status.text()
    assert ExperimentLog.for_project(project_dir).get("E0002").notes == "typed in another session"


def test_reloads_when_the_file_changes_on_disk(
    qtbot: Any, panel: LogPanel, project_dir: Path
) -> None:
    with qtbot.waitSignal(panel.reloaded, timeout=5000):
        log_run(project_dir, stage="inference", parameters={"chunk": 10})
    assert _visible_ids(panel)[-1] == "E0004"


def test_two_selected_entries_are_compared(panel: LogPanel) -> None:
    panel._select(["E0001", "E0003"])
    view = panel.view
    assert not view.compare.isHidden() and view.detail_tabs.isHidden()
    names = [view.compare.item(r, 1).text() for r in range(view.compare.rowCount())]
    assert "epochs" in names and "shot" in names and "verdict" in names


def test_damaged_file_is_shown_read_only(qtbot: Any, project_dir: Path) -> None:
    _seed(project_dir)
    path = project_dir / "notes" / "experiments.md"
    text = path.read_text(encoding="utf-8").replace('"id": "E0002",', '"id": "E0002"')
    path.write_text(text, encoding="utf-8")
    widget = LogPanel(project_dir)
    qtbot.addWidget(widget)
    assert _visible_ids(widget) == ["E0001", "E0003"]
    assert not widget.view.problems.isHidden()
    assert (
        "not valid JSON" in widget.view.problems.text() and "line " in widget.view.problems.text()
    )
    widget.select("E0001")
    assert not widget.view.save_button.isEnabled()
    assert widget.view.notes.isReadOnly()
    assert path.read_text(encoding="utf-8") == text


def test_new_entry_from_node_and_open_output(qtbot: Any, project_dir: Path) -> None:
    opened: List[Path] = []
    calls: Dict[str, int] = {"n": 0}

    def reader() -> Dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RTKError("Select a CopyCat node first.")
        return {
            "stage": "training",
            "model_route": "copycat",
            "parameters": {"epochs": 5000},
            "outputs": [Path("pipeline/03_copycat_training/sh030")],
        }

    widget = LogPanel(project_dir, node_reader=reader, open_output=opened.append)
    qtbot.addWidget(widget)
    assert widget.new_entry_from_node() is None
    assert widget.view.status.text() == "Select a CopyCat node first."
    entry_id = widget.new_entry_from_node()
    assert entry_id == "E0001" and widget.selected_ids() == ["E0001"]
    assert widget.open_selected_output() == project_dir / "pipeline/03_copycat_training/sh030"
    assert opened == [project_dir / "pipeline/03_copycat_training/sh030"]


def test_no_project_shows_a_hint(qtbot: Any) -> None:
    widget = LogPanel(root_provider=lambda: None)
    qtbot.addWidget(widget)
    assert "No restoration project" in widget.view.location.text()
    assert widget.proxy.rowCount() == 0


def test_binding_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    monkeypatch.setenv("RTK_QT_BINDING", "PySide2")
    assert qt.binding_order() == ("PySide2",)
    monkeypatch.setenv("RTK_QT_BINDING", "PyQt5")
    with pytest.raises(ImportError, match="RTK_QT_BINDING='PyQt5' is not one of PySide6, PySide2"):
        qt.binding_order()
    monkeypatch.delenv("RTK_QT_BINDING")
    assert qt.binding_order() == (qt.BINDING,)  # the binding already loaded wins
    for name in ("PySide6.QtCore", "PySide2.QtCore"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "nuke", types.SimpleNamespace(NUKE_VERSION_MAJOR=16))
    assert qt.binding_order() == ("PySide6", "PySide2")
    monkeypatch.setitem(sys.modules, "nuke", types.SimpleNamespace(NUKE_VERSION_MAJOR=15))
    assert qt.binding_order() == ("PySide2", "PySide6")


def test_unsaved_edits_survive_a_reload_from_disk(
    qtbot: Any, panel: LogPanel, project_dir: Path
) -> None:
    panel.select("E0001")
    panel.view.notes.setPlainText("half-typed thought")
    with qtbot.waitSignal(panel.reloaded, timeout=5000):
        log_run(project_dir, stage="inference")
    assert panel.view.notes.toPlainText() == "half-typed thought"
    assert "unsaved edits to E0001 are kept" in panel.view.status.text()
    assert panel.save_current()
    assert ExperimentLog.for_project(project_dir).get("E0001").notes == "half-typed thought"
    assert [e.id for e in ExperimentLog.for_project(project_dir).entries()][-1] == "E0004"


def test_a_log_created_after_the_panel_opened_appears(qtbot: Any, tmp_path: Path) -> None:
    root = tmp_path / "bare"
    root.mkdir()
    widget = LogPanel(root)
    qtbot.addWidget(widget)
    assert widget.proxy.rowCount() == 0
    with qtbot.waitSignal(widget.reloaded, timeout=5000):
        log_run(root, stage="alignment")
    qtbot.waitUntil(lambda: widget.proxy.rowCount() == 1, timeout=5000)
