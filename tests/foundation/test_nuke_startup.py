"""init.py / menu.py against the strict fake nuke, and every menu command once."""

import runpy
from pathlib import Path

import pytest

from restoration_toolkit.nuke.menu_data import MENU_ENTRIES, MENU_NAME, STAGE_MENUS, TOOLBAR_GIZMOS

ROOT = Path(__file__).resolve().parents[2]


def test_init_only_adds_plugin_paths(fake_nuke):
    runpy.run_path(str(ROOT / "init.py"))
    assert fake_nuke._plugin_paths[:2] == [str(ROOT / "nuke_base"), str(ROOT / "gizmos")]
    assert fake_nuke._menus == {} and fake_nuke._messages == []


@pytest.mark.parametrize("gui", [True, False])
def test_init_runs_in_terminal_and_gui_mode(fake_nuke, gui):
    fake_nuke._reset(gui=gui)
    runpy.run_path(str(ROOT / "init.py"))
    assert str(ROOT / "gizmos") in fake_nuke._plugin_paths


def test_menu_py_builds_nothing_without_gui(fake_nuke):
    fake_nuke._reset(gui=False)
    runpy.run_path(str(ROOT / "menu.py"))
    assert fake_nuke._menus == {}


def test_menu_py_builds_menu_and_toolbar(fake_nuke):
    runpy.run_path(str(ROOT / "init.py"))
    runpy.run_path(str(ROOT / "menu.py"))
    bar = fake_nuke.menu("Nuke").findItem(MENU_NAME)
    top_level = [e.path for e in MENU_ENTRIES if "/" not in e.path]  # Check Installation
    assert [item.name() for item in bar.items()] == list(STAGE_MENUS) + top_level
    for entry in MENU_ENTRIES:
        item = bar.findItem(entry.path)
        assert item is not None, entry.path
        assert callable(item.script()), "menu commands are callables, never code strings"
    tools = fake_nuke.toolbar("Nodes").findItem(MENU_NAME)
    for stage, gizmo in TOOLBAR_GIZMOS:
        assert tools.findItem(f"{stage}/{gizmo}") is not None


@pytest.mark.parametrize("entry", MENU_ENTRIES, ids=lambda e: e.path)
def test_every_menu_command_with_nothing_selected_ends_in_a_message(fake_nuke, fake_nukescripts, qtbot, entry,
                                                                    monkeypatch, tmp_path):
    monkeypatch.delenv("RTK_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))  # Check Installation writes its report there
    runpy.run_path(str(ROOT / "menu.py"))
    item = fake_nuke.menu("Nuke").findItem(MENU_NAME).findItem(entry.path)
    item.invoke()  # must not raise
    if entry.function == "experiment_log:open_panel":
        # the one entry whose result is a window: the panel is docked (it shows the state itself)
        assert fake_nukescripts.panels._docked, "the Experiment Log panel did not open"
        for widget in fake_nukescripts.panels._docked:
            qtbot.addWidget(widget)  # closed and deleted before the QApplication goes
        return
    assert fake_nuke._messages, f"{entry.path} ended silently"
    assert all(msg.strip() for msg in fake_nuke._messages)
    assert not any("not installed in this version" in msg for msg in fake_nuke._messages), \
        f"{entry.function} does not exist"
    assert not any(" failed: " in msg for msg in fake_nuke._messages), fake_nuke._messages
