"""Nuke host adapter: the only package that imports ``nuke``.

``menu.py`` calls :func:`install` once; it builds the "Film Restoration" menu and toolbar only
when Nuke runs with a GUI. Everything a menu entry does is a plain function in a stage module
of this package.
"""

from __future__ import annotations


def install() -> bool:
    """Build the menus when ``nuke.GUI``; return whether anything was installed."""
    import nuke

    if not nuke.GUI:
        return False
    from .menus import build_menus

    build_menus()
    _register_panels()
    return True


def _register_panels() -> None:
    """Dockable panels, registered at start-up so saved workspaces can restore them."""
    try:
        import nukescripts  # noqa: F401  (Nuke's own package; absent outside Nuke)
    except ImportError:
        return
    from .experiment_log import register_panel

    register_panel()
