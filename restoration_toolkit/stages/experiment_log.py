"""The experiment log from a front end (`rtk log`): find the project's log, read what a
person typed (NAME=VALUE parameters and figures, a live-area box), add or update entries.

Every stage records its own runs with :func:`restoration_toolkit.core.experiment_log.log_run`;
this module is for the entries a person adds by hand and for reading the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from ..core.errors import RTKError
from ..core.experiment_log import Entry, ExperimentLog, LoadResult, log_run
from ..core.io.frames import parse_frames
from ..core.project import PROJECT_FILE, find_project


def log_root(project: Optional[str]) -> Path:
    """The project folder named (or holding the project.yaml named), else the nearest."""
    if project is None:
        return find_project()
    root = Path(project)
    if root.name == PROJECT_FILE:
        root = root.parent
    if not root.is_dir():
        raise RTKError("no such project folder", root)
    return root


def open_log(project: Optional[str]) -> Tuple[ExperimentLog, LoadResult]:
    """The project's log and what reading it found (entries and damaged lines)."""
    log = ExperimentLog.for_project(log_root(project))
    return log, log.load()


def parse_assignment(text: str, what: str) -> Tuple[str, Any]:
    """``"epochs=10000"`` → ("epochs", 10000). Values that read as JSON (numbers, true, false,
    null, lists) are taken as such; anything else is text."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise RTKError(f"--{what} {text!r} must look like NAME=VALUE")
    try:
        value: Any = json.loads(raw)
        if isinstance(value, dict):
            value = raw
    except ValueError:
        value = raw
    return name.strip(), value


def parse_live_area(text: str) -> List[int]:
    """``"X0,Y0,X1,Y1"`` (scan pixels, top-left origin, x1/y1 exclusive) → the four ints."""
    try:
        box = [int(v) for v in text.replace(" ", ",").split(",") if v]
    except ValueError:
        box = []
    if len(box) != 4 or not (0 <= box[0] < box[2] and 0 <= box[1] < box[3]):
        raise RTKError(f"--live-area {text!r} must be X0,Y0,X1,Y1 with X0 < X1 and Y0 < Y1")
    return box


@dataclass(frozen=True)
class EntryRequest:
    """An entry a person adds (or, with ``entry_id``, updates), as typed: frames as a frame
    list, parameters and figures as NAME=VALUE, the live area as X0,Y0,X1,Y1, colour spaces
    as a comma list."""

    stage: str
    project: Optional[str] = None
    entry_id: Optional[str] = None
    shot: Optional[str] = None
    technique: Optional[str] = None
    frames: Optional[str] = None
    model_route: Optional[str] = None
    alignment_path: Optional[str] = None
    live_area: Optional[str] = None
    color_spaces: Optional[str] = None
    params: Sequence[str] = ()
    figures: Sequence[str] = ()
    inputs: Sequence[str] = ()
    outputs: Sequence[str] = ()
    observation: str = ""
    next_actions: str = ""
    note: str = ""
    verdict: Optional[str] = None
    approved_by: Optional[str] = None
    author: Optional[str] = None


def add_entry(request: EntryRequest) -> Tuple[Entry, Path]:
    """Add (or update) the entry; returns it as stored and the log file."""
    root = log_root(request.project)
    entry_id = log_run(
        root,
        stage=request.stage,
        technique=request.technique,
        shot=request.shot,
        frames=parse_frames(request.frames) if request.frames else None,
        parameters=dict(parse_assignment(p, "param") for p in request.params),
        figures=dict(parse_assignment(f, "figure") for f in request.figures),
        inputs=[Path(p) for p in request.inputs],
        outputs=[Path(p) for p in request.outputs],
        observations=request.observation,
        model_route=request.model_route,
        entry_id=request.entry_id,
        next_actions=request.next_actions,
        notes=request.note,
        verdict=request.verdict,
        approved_by=request.approved_by,
        alignment_path=request.alignment_path,
        live_area=parse_live_area(request.live_area) if request.live_area else None,
        color_chain=[c.strip() for c in request.color_spaces.split(",")]
        if request.color_spaces
        else None,
        author=request.author,
    )
    log = ExperimentLog.for_project(root)
    return log.get(entry_id), log.path
