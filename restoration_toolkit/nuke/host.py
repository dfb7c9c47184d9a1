"""Small helpers every stage's Nuke commands share: selection, project, pasting graphs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, List, Optional

import nuke

from ..core.errors import RTKError
from ..core.project import Project, find_project, load_project
from ..core.project_lookup import NO_PROJECT_OPEN

PROJECT_ENV = "RTK_PROJECT"
BACKDROP_MARGIN = 60


def message(text: str) -> None:
    nuke.message(text)


def non_commercial() -> bool:
    """Whether this is Nuke Non-Commercial (``nuke.env["nc"]``, as Foundry's own render
    launcher and public tools read it)."""
    try:
        return bool(nuke.env["nc"])
    except (KeyError, TypeError):
        return False


def selected_reads() -> List[Any]:
    """Selected Read nodes in the order they were selected (Nuke lists the newest last)."""
    return [n for n in nuke.selectedNodes() if n.Class() == "Read"]


def read_path(node: Any) -> str:
    """A Read's file knob as a sequence spec the core understands (``####`` or ``%04d``)."""
    return str(node["file"].value() or "")


def current_project() -> Optional[Project]:
    """The project this session works on: RTK_PROJECT (set by Open Project), else the
    nearest project.yaml above the saved script. None when there is none."""
    candidates = []
    if os.environ.get(PROJECT_ENV):
        candidates.append(Path(os.environ[PROJECT_ENV]))
    try:
        candidates.append(Path(nuke.scriptName()).parent)
    except RuntimeError:
        pass  # an untitled script has no folder
    for start in candidates:
        try:
            return load_project(start if start.is_file() else find_project(start))
        except RTKError:
            continue
    return None


def require_project() -> Project:
    project = current_project()
    if project is None:
        raise RTKError(NO_PROJECT_OPEN)
    return project


def paste_graph(nk_text: str, label: str, color: int = 0x4B5F6FFF) -> List[Any]:
    """Paste .nk snippet text next to the selection, inside one undo step and a Backdrop.

    Returns the pasted top-level nodes (the Backdrop last)."""
    anchor = nuke.selectedNodes()
    x0 = max((n.xpos() for n in anchor), default=0) + 200
    y0 = min((n.ypos() for n in anchor), default=0)
    handle, path = tempfile.mkstemp(suffix=".nk", prefix="rtk_paste_")
    undo = nuke.Undo()
    undo.begin(label)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(nk_text)
        before = set(id(n) for n in nuke.allNodes())
        nuke.nodePaste(path)
        pasted = [n for n in nuke.allNodes() if id(n) not in before]
        if not pasted:
            raise RTKError("the graph to paste was empty", path)
        _place(pasted, x0, y0)
        backdrop = _backdrop(pasted, label, color)
        for n in nuke.allNodes():
            n.setSelected(False)
        for n in pasted:
            n.setSelected(True)
        undo.end()
    except Exception:
        undo.cancel()
        raise
    finally:
        os.unlink(path)
    return pasted + [backdrop]


def _place(nodes: List[Any], x0: int, y0: int) -> None:
    """Keep the pasted layout, shifted so its top-left sits at (x0, y0)."""
    min_x = min(n.xpos() for n in nodes)
    min_y = min(n.ypos() for n in nodes)
    for n in nodes:
        n.setXYpos(n.xpos() - min_x + x0, n.ypos() - min_y + y0)


def _backdrop(nodes: List[Any], label: str, color: int) -> Any:
    left = min(n.xpos() for n in nodes) - BACKDROP_MARGIN
    top = min(n.ypos() for n in nodes) - BACKDROP_MARGIN * 2
    right = max(n.xpos() + n.screenWidth() for n in nodes) + BACKDROP_MARGIN
    bottom = max(n.ypos() + n.screenHeight() for n in nodes) + BACKDROP_MARGIN
    return nuke.nodes.BackdropNode(
        xpos=left, ypos=top, bdwidth=right - left, bdheight=bottom - top,
        label=label, note_font_size=24, tile_color=color,
    )
