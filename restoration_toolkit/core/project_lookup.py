"""Which project a tool works on — the one named, else the nearest project.yaml, else none —
and what the Nuke side and the panel say when none is open."""

from __future__ import annotations

from typing import Optional

from .errors import PathLike, RTKError
from .project import Project, find_project, load_project

NO_PROJECT_OPEN = (
    "no restoration project is open: use Film Restoration ▸ Project ▸ Open Restoration "
    "Project… (or save the script inside a project folder)"
)


def no_project_message(what: str = "") -> str:
    """What the Nuke side and the panel say when no project is open: ``what`` names the tool
    (``"Render on Farm"``); without it the message is a sentence of its own."""
    if what:
        return f"{what}: {NO_PROJECT_OPEN}."
    return NO_PROJECT_OPEN[0].upper() + NO_PROJECT_OPEN[1:] + "."


def open_optional_project(project: Optional[PathLike] = None) -> Optional[Project]:
    """``--project DIR`` when given (its errors are raised), else the nearest project.yaml
    above the cwd, else None: for commands that also work without a project."""
    if project is not None:
        return load_project(project)
    try:
        return load_project(find_project())
    except RTKError:
        return None
