"""Walk the menu table (menu_data) into Nuke's menu bar and Nodes toolbar."""

from __future__ import annotations

import functools
import importlib
import traceback
from typing import Any

import nuke

from ..core.errors import RTKError
from .menu_data import MENU_ENTRIES, MENU_NAME, STAGE_MENUS, TOOLBAR_GIZMOS, MenuEntry


def invoke(function: str, *args: Any) -> Any:
    """Run ``"module:function"`` of this package; every failure ends in a clear message."""
    module_name, _, func_name = function.partition(":")
    try:
        module = importlib.import_module(f"{__package__}.{module_name}")
        func = getattr(module, func_name)
    except (ImportError, AttributeError):
        nuke.message(f"Film Restoration: '{function}' is not installed in this version of the toolkit.")
        return None
    try:
        return func(*args)
    except RTKError as exc:
        nuke.message(f"Film Restoration: {exc}")
    except Exception as exc:  # a bug: say so plainly instead of a traceback dialog
        traceback.print_exc()
        nuke.message(f"Film Restoration: {function} failed: {type(exc).__name__}: {exc}")
    return None


def _add(menu: Any, entry: MenuEntry) -> None:
    menu.addCommand(entry.path, functools.partial(invoke, entry.function, *entry.args),
                    entry.shortcut, icon=entry.icon, tooltip=entry.tooltip)


def build_menus() -> None:
    """The "Film Restoration" menu in the menu bar and a toolbar in the Nodes pane."""
    bar = nuke.menu("Nuke").addMenu(MENU_NAME)
    for stage in STAGE_MENUS:
        bar.addMenu(stage)
    for entry in MENU_ENTRIES:
        _add(bar, entry)
    tools = nuke.toolbar("Nodes").addMenu(MENU_NAME, icon="RT_toolbar.png")
    for stage, gizmo in TOOLBAR_GIZMOS:
        tools.addCommand(f"{stage}/{gizmo}", functools.partial(invoke, "gizmos:insert_gizmo", gizmo),
                         icon=f"{gizmo}.png")
    for entry in MENU_ENTRIES:
        if entry.function != "gizmos:insert_gizmo":
            _add(tools, entry)
