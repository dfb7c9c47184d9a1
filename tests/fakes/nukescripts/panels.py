"""Fake ``nukescripts.panels``: ``registerWidgetAsPanel`` and ``restorePanel``.

Modelled on Nuke's own nukescripts/panels.py and Foundry's Python developer guide ("Custom
Panels": ``panels.registerWidgetAsPanel('NukeTestWindow', 'Test table panel',
'uk.co.thefoundry.NukeTestWindow', True).addToPane(pane)``), as NUKE_FACTS.md records (V):

- ``widget`` is a *string*; Nuke evaluates it later, inside a PyCustom_Knob
  (``"__import__('nukescripts').panels.WidgetKnob(" + widget + ")"``), and calls the result
  with no arguments to make the widget. The fake evaluates it the same way, in a namespace
  with nothing imported, so an expression that relies on a name being imported fails here.
- it adds ``name`` to the Pane menu and registers ``id`` so a saved workspace restores the
  panel (Nuke calls ``restorePanel(id)`` when it loads the workspace);
- with ``create=True`` it returns the panel, which ``addToPane(pane)`` docks.

Recorded for assertions: ``_registered`` (id → (widget, name)), ``_docked`` (widget instances).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

_registered: Dict[str, Tuple[str, str]] = {}
_restorers: Dict[str, Callable[[], Any]] = {}
_docked: List[Any] = []


def _reset() -> None:
    _registered.clear()
    _restorers.clear()
    _docked.clear()


def _make_widget(widget: str) -> Any:
    factory = eval(widget, {"__builtins__": __builtins__})  # what WidgetKnob(<widget>) evaluates
    if not callable(factory):
        raise TypeError(f"panel widget expression {widget!r} does not give a class or function")
    return factory()  # WidgetKnob.makeUI() calls it with no arguments


class _Panel:
    """What ``registerWidgetAsPanel(..., create=True)`` returns (a PythonPanel in Nuke)."""

    def __init__(self, widget: str, name: str, panel_id: str) -> None:
        self._widget, self._name, self._id = widget, name, panel_id
        self.widget_instance: Optional[Any] = None

    def addToPane(self, pane: Any = None) -> _Panel:  # noqa: N802 — Nuke's spelling
        self.widget_instance = _make_widget(self._widget)
        _docked.append(self.widget_instance)
        return self


def registerWidgetAsPanel(
    widget: str, name: str, id: str, create: bool = False
) -> Optional[_Panel]:  # noqa: N802,A002
    if not isinstance(widget, str):
        raise TypeError(
            "registerWidgetAsPanel() needs the widget as a string expression, not the class"
        )
    import nuke

    def add_panel() -> _Panel:
        return _Panel(widget, name, id).addToPane()

    nuke.menu("Pane").addCommand(name, add_panel)
    _registered[id] = (widget, name)
    _restorers[id] = add_panel
    return _Panel(widget, name, id) if create else None


def restorePanel(id: str) -> Any:  # noqa: N802,A002
    """What Nuke calls for each panel id a saved workspace holds."""
    if id not in _restorers:
        print("Can't restore panel '", id, "' because it hasn't been registered.")
        return None
    return _restorers[id]()
