"""The Nuke side of the Experiment Log, against the strict fake ``nuke`` and ``nukescripts``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from restoration_toolkit.core.experiment_log import ExperimentLog  # noqa: E402


@pytest.fixture
def in_project(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RTK_PROJECT", str(project_dir))
    return project_dir


def _copycat_graph(nuke: Any) -> Any:
    scan = nuke.nodes.Read(file="/media/scan.####.exr", first=1001, last=1010)
    ref = nuke.nodes.Read(file="/media/ref.####.exr", first=1001, last=1010)
    crop = nuke.nodes.Crop(inputs=[ref])
    copycat = nuke.nodes.CopyCat(
        inputs=[scan, crop],
        epochs=10000,
        modelSize="Medium",
        cropSize=256,
        dataDirectory="pipeline/03_copycat_training/sh010/session_1",
    )
    copycat.setSelected(True)
    return copycat


def test_new_entry_from_selected_copycat(fake_nuke: Any, in_project: Path) -> None:
    from restoration_toolkit.nuke.experiment_log import new_entry_from_selected

    _copycat_graph(fake_nuke)
    entry_id = new_entry_from_selected()
    assert entry_id == "E0001"
    assert fake_nuke._messages[-1].startswith("Experiment Log: recorded E0001")
    entry = ExperimentLog.for_project(in_project).get("E0001")
    assert entry.stage == "training" and entry.model_route == "copycat"
    assert entry.parameters["epochs"] == 10000 and entry.parameters["modelSize"] == "Medium"
    assert entry.parameters["cropSize"] == 256 and entry.parameters["node"] == "CopyCat1"
    assert entry.frames == list(range(1001, 1011))
    assert [r.path for r in entry.inputs] == ["/media/scan.####.exr", "/media/ref.####.exr"]
    assert [r.path for r in entry.outputs] == ["pipeline/03_copycat_training/sh010/session_1"]


def test_new_entry_with_nothing_selected_ends_in_a_message(
    fake_nuke: Any, in_project: Path
) -> None:
    from restoration_toolkit.nuke.experiment_log import new_entry_from_selected

    fake_nuke.nodes.Read(file="/media/scan.####.exr").setSelected(True)
    assert new_entry_from_selected() is None
    assert fake_nuke._messages[-1].startswith("Experiment Log: Select a CopyCat node")
    assert not (in_project / "notes" / "experiments.md").exists()


def test_new_entry_without_a_project_ends_in_a_message(
    fake_nuke: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from restoration_toolkit.nuke.experiment_log import new_entry_from_selected

    monkeypatch.delenv("RTK_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    _copycat_graph(fake_nuke)
    assert new_entry_from_selected() is None
    assert "no restoration project is open" in fake_nuke._messages[-1]


def test_panel_is_registered_docked_and_restored(
    qtbot: Any, fake_nuke: Any, fake_nukescripts: Any, in_project: Path
) -> None:
    from restoration_toolkit.core.experiment_log import log_run
    from restoration_toolkit.nuke import experiment_log as nuke_log

    log_run(
        in_project, stage="training", outputs=[Path("renders/sh010_ml.####.exr"), Path("model.cat")]
    )
    nuke_log.register_panel()
    panels = fake_nukescripts.panels
    assert panels._registered[nuke_log.PANEL_ID] == (nuke_log.WIDGET_EXPRESSION, "Experiment Log")
    assert fake_nuke.menu("Pane").findItem("Experiment Log") is not None

    docked = nuke_log.open_panel()
    widget = docked.widget_instance
    qtbot.addWidget(widget)
    assert widget.log is not None and widget.log.path == in_project / "notes" / "experiments.md"
    assert widget.proxy.rowCount() == 1

    restored = panels.restorePanel(nuke_log.PANEL_ID)  # what loading a saved workspace does
    qtbot.addWidget(restored.widget_instance)
    assert type(restored.widget_instance).__name__ == "ExperimentLogWidget"

    # Open output: a render comes in as a Read, a .cat as an Inference node
    widget.select("E0001")
    assert widget.open_selected_output() == in_project / "renders/sh010_ml.####.exr"
    widget.view.files.setCurrentCell(1, 0)
    widget.open_selected_output()
    classes = [n.Class() for n in fake_nuke.allNodes()]
    assert classes.count("Read") == 1 and classes.count("Inference") == 1
    read = [n for n in fake_nuke.allNodes() if n.Class() == "Read"][0]
    assert read["file"].value() == (in_project / "renders/sh010_ml.####.exr").as_posix()


def test_imports_stay_light() -> None:
    """core.experiment_log imports no Qt and no nuke; the Nuke module imports no Qt until the
    panel is made; the shim imports only the binding and makes no application."""
    import subprocess
    import sys

    code = (
        "import sys; from tests.fakes import nuke; sys.modules['nuke'] = nuke\n"
        "LIGHT = ('PySide', 'restoration_toolkit.ui')\n"
        "import restoration_toolkit.core.experiment_log\n"
        "assert not [m for m in sys.modules if m.startswith(LIGHT)]\n"
        "del sys.modules['nuke']\n"
        "import restoration_toolkit.commands.log\n"
        "assert 'nuke' not in sys.modules\n"
        "sys.modules['nuke'] = nuke\n"
        "import restoration_toolkit.nuke.experiment_log\n"
        "assert not [m for m in sys.modules if m.startswith(LIGHT)]\n"
        "from restoration_toolkit.ui import qt\n"
        "assert qt.QtWidgets.QApplication.instance() is None\n"
        "print(qt.BINDING)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in ("PySide6", "PySide2")


def test_install_registers_the_panel_for_workspaces(fake_nuke: Any, fake_nukescripts: Any) -> None:
    import restoration_toolkit.nuke
    from restoration_toolkit.nuke.experiment_log import PANEL_ID

    assert restoration_toolkit.nuke.install()
    assert PANEL_ID in fake_nukescripts.panels._registered
    assert fake_nuke.menu("Pane").findItem("Experiment Log") is not None
    item = fake_nuke.menu("Nuke").findItem("Film Restoration/Experiment Log/Open Experiment Log")
    assert item is not None
