"""The one Qt import site of the toolkit: write to the PySide6 API, run on PySide6 or PySide2.

Which binding (first that imports wins):

1. ``RTK_QT_BINDING`` (``PySide6`` or ``PySide2``), when set — and then only that one;
2. a binding this process has already imported (Nuke's own, or the one pytest-qt loaded):
   two Qt bindings in one process do not mix;
3. inside Nuke (``nuke`` already imported): PySide6 on Nuke 16+, PySide2 on Nuke 14/15;
4. otherwise by Python: PySide6 on Python ≥ 3.11, else PySide2 first.

This module exposes ``QtCore``, ``QtGui``, ``QtWidgets``, ``Signal``, ``Slot``, ``Property``,
``QAction`` (QtGui in Qt 6, QtWidgets in Qt 5), ``BINDING`` (the name) and ``QT_VERSION``, plus
``qt_exec`` for the ``exec`` / ``exec_`` spelling. It patches nothing and creates no
application: importing it only imports the binding. (Pattern: Qt.py by Marcus Ottosson,
without its monkeypatching.)
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, Tuple

BINDINGS = ("PySide6", "PySide2")
ENV_VAR = "RTK_QT_BINDING"


def binding_order() -> Tuple[str, ...]:
    """The bindings to try, best first (see the module docstring)."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        if override not in BINDINGS:
            raise ImportError(f"{ENV_VAR}={override!r} is not one of {', '.join(BINDINGS)}")
        return (override,)
    loaded = [name for name in BINDINGS if f"{name}.QtCore" in sys.modules]
    if loaded:
        return (loaded[0],)
    nuke = sys.modules.get("nuke")
    major = getattr(nuke, "NUKE_VERSION_MAJOR", None) if nuke is not None else None
    if isinstance(major, int):
        return ("PySide6", "PySide2") if major >= 16 else ("PySide2", "PySide6")
    return ("PySide6", "PySide2") if sys.version_info >= (3, 11) else ("PySide2", "PySide6")


def _load() -> Tuple[str, Any, Any, Any]:
    errors = []
    for name in binding_order():
        try:
            core = importlib.import_module(f"{name}.QtCore")
            gui = importlib.import_module(f"{name}.QtGui")
            widgets = importlib.import_module(f"{name}.QtWidgets")
        except ImportError as exc:
            errors.append(f"{name}: {exc}")
            continue
        return name, core, gui, widgets
    raise ImportError(
        "no Qt binding for the Experiment Log panel (install PySide6, or PySide2 on "
        "Python < 3.11): " + "; ".join(errors)
    )


BINDING, QtCore, QtGui, QtWidgets = _load()
Signal = QtCore.Signal
Slot = QtCore.Slot
Property = QtCore.Property
QAction = getattr(QtGui, "QAction", None) or QtWidgets.QAction
QT_VERSION: str = QtCore.qVersion()


def qt_exec(obj: Any) -> Any:
    """``obj.exec()`` on PySide6, ``obj.exec_()`` on PySide2 (an application, dialog or menu)."""
    method = getattr(obj, "exec", None) or obj.exec_
    return method()


__all__ = [
    "BINDING",
    "BINDINGS",
    "ENV_VAR",
    "QAction",
    "QT_VERSION",
    "QtCore",
    "QtGui",
    "QtWidgets",
    "Signal",
    "Slot",
    "Property",
    "binding_order",
    "qt_exec",
]
