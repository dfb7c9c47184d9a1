"""``log_run``: the one call every stage makes to record (or update) an experiment."""

from __future__ import annotations

import hashlib
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from ..errors import PathLike, RTKError
from .entry import (
    ALIGNMENT_PATHS,
    Entry,
    FileRef,
    clean_prose,
    entry_number,
    normalize_stage,
    normalize_verdict,
    plain_value,
)
from .store import ExperimentLog, default_author

_PATTERN = re.compile(r"#+|%0?\d*d|@+")
_HASH_CHUNK = 1 << 20


def file_sha256(path: PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_HASH_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def file_ref(path: PathLike, project_root: PathLike, *, hash_file: bool = True) -> FileRef:
    """A FileRef for ``path`` (relative paths are taken from the project folder).

    Files that exist are hashed (SHA-256) when ``hash_file``; folders, frame patterns
    (``####``, ``%04d``) and missing files are recorded by name only.
    """
    root = Path(project_root)
    p = Path(os.fspath(path))
    full = p if p.is_absolute() else root / p
    shown = _display_path(full, root)
    if _PATTERN.search(p.name) or not full.is_file():
        return FileRef(shown)
    size = full.stat().st_size
    return FileRef(shown, file_sha256(full) if hash_file else None, size)


def _merge_refs(old: List[FileRef], new: List[FileRef]) -> List[FileRef]:
    by_path = {r.path: r for r in old}
    for ref in new:
        by_path[ref.path] = ref
    return list(by_path.values())


def _project_facts(project_root: Path) -> Dict[str, Any]:
    """Name, technique, live area and color spaces from project.yaml when it loads."""
    from ..project import PROJECT_FILE, load_project

    if not (project_root / PROJECT_FILE).is_file():
        return {"project": project_root.resolve().name}
    try:
        project = load_project(project_root)
    except RTKError:
        return {"project": project_root.resolve().name}
    chain = [project.source.colorspace, project.color.working_space, project.color.delivery_space]
    facts: Dict[str, Any] = {
        "project": project.name,
        "technique": project.technique,
        "color_chain": [c for i, c in enumerate(chain) if c and (i == 0 or c != chain[i - 1])],
    }
    if project.live_area is not None:
        la = project.live_area
        facts["live_area"] = [la.x0, la.y0, la.x1, la.y1]
    return facts


def log_run(
    project_root: Path,
    *,
    stage: str,
    technique: Optional[str] = None,
    shot: Optional[str] = None,
    frames: Optional[List[int]] = None,
    parameters: Optional[dict] = None,
    figures: Optional[dict] = None,
    inputs: Optional[List[Path]] = None,
    outputs: Optional[List[Path]] = None,
    observations: str = "",
    model_route: Optional[str] = None,
    entry_id: Optional[str] = None,
    next_actions: str = "",
    notes: str = "",
    verdict: Optional[str] = None,
    approved_by: Optional[str] = None,
    alignment_path: Optional[str] = None,
    live_area: Optional[Sequence[int]] = None,
    color_chain: Optional[Sequence[str]] = None,
    author: Optional[str] = None,
    hash_inputs: bool = True,
) -> str:
    """Add an entry to ``<project_root>/notes/experiments.md`` (or update ``entry_id``).

    Returns the entry id (``E0001`` …).

    ``stage``: ``dataset_curation``, ``alignment``, ``training``, ``inference``, ``matchgrade``
    or ``validation`` (``"01"``…``"05"`` also accepted). ``inputs`` are hashed (SHA-256) unless
    they are folders or frame patterns; ``outputs`` are recorded by name. Paths inside the
    project are stored relative to it. Project name, technique, live area and color-space
    chain default to what ``project.yaml`` says.

    On update, given fields replace the old ones, ``parameters`` / ``figures`` are merged
    into the old maps, inputs / outputs are merged by path, and ``observations`` /
    ``next_actions`` / ``notes`` are appended as new paragraphs (a person's text is kept).

    Raises RTKError for an unknown stage / verdict / id, a value that cannot be recorded, or a
    damaged log file (which is then left untouched).
    """
    root = Path(project_root)
    if entry_id is not None:
        entry_number(entry_id)  # RTKError for anything that is not an id, before any work
    if alignment_path is not None and alignment_path not in ALIGNMENT_PATHS:
        raise RTKError(
            f"alignment path {alignment_path!r} is not one of {', '.join(ALIGNMENT_PATHS)}"
        )
    box = [int(v) for v in live_area] if live_area is not None else None
    if box is not None and len(box) != 4:
        raise RTKError(f"live area must be [x0, y0, x1, y1], got {list(live_area or [])}")
    given = _Given(
        stage=normalize_stage(stage),
        verdict=normalize_verdict(verdict) if verdict is not None else None,
        technique=technique,
        shot=shot,
        frames=frames,
        parameters=plain_value(dict(parameters or {}), "parameters"),
        figures=plain_value(dict(figures or {}), "figures"),
        inputs=[file_ref(p, root, hash_file=hash_inputs) for p in (inputs or [])],
        outputs=[file_ref(p, root, hash_file=False) for p in (outputs or [])],
        live_area=box,
        alignment_path=alignment_path,
        color_chain=list(color_chain) if color_chain is not None else None,
        model_route=model_route,
        observations=observations,
        next_actions=next_actions,
        notes=notes,
        approved_by=approved_by,
        author=author,
    )
    facts = _project_facts(root)
    log = ExperimentLog.for_project(root, facts.get("project", ""))
    if entry_id is None:
        return log.add(_new_entry(given, facts)).id
    return log.update(entry_id.strip(), given.apply).id


@dataclass
class _Given:
    """What one ``log_run`` call says, checked: a new entry's fields or an update's changes."""

    stage: str
    verdict: Optional[str]
    technique: Optional[str]
    shot: Optional[str]
    frames: Optional[List[int]]
    parameters: Dict[str, Any]
    figures: Dict[str, Any]
    inputs: List[FileRef]
    outputs: List[FileRef]
    live_area: Optional[List[int]]
    alignment_path: Optional[str]
    color_chain: Optional[List[str]]
    model_route: Optional[str]
    observations: str
    next_actions: str
    notes: str
    approved_by: Optional[str]
    author: Optional[str]

    def apply(self, entry: Entry) -> None:
        """Update ``entry``: given fields replace, maps and file lists merge, prose appends."""
        entry.stage = self.stage
        for name in ("technique", "shot", "model_route", "alignment_path"):
            if getattr(self, name) is not None:
                setattr(entry, name, getattr(self, name))
        if self.frames is not None:
            entry.frames = sorted(set(int(f) for f in self.frames))
        if self.live_area is not None:
            entry.live_area = self.live_area
        if self.color_chain is not None:
            entry.color_chain = self.color_chain
        entry.parameters.update(self.parameters)
        entry.figures.update(self.figures)
        entry.inputs = _merge_refs(entry.inputs, self.inputs)
        entry.outputs = _merge_refs(entry.outputs, self.outputs)
        for name in ("observations", "next_actions", "notes"):
            text = clean_prose(getattr(self, name))
            if text and text not in getattr(entry, name):
                old = getattr(entry, name)
                setattr(entry, name, f"{old}\n\n{text}" if old else text)
        if self.verdict is not None:
            entry.verdict = self.verdict
            entry.approved_by = (
                (self.approved_by or self.author or default_author())
                if self.verdict != "open"
                else None
            )


def _new_entry(given: _Given, facts: Dict[str, Any]) -> Entry:
    """A new entry from what was given, defaults from project.yaml (``facts``)."""
    who = given.author or default_author()
    signed = given.verdict not in (None, "open")
    entry = Entry(
        id="E0000",
        stage=given.stage,
        author=who,
        host=socket.gethostname(),
        project=facts.get("project", ""),
        shot=given.shot,
        technique=given.technique or facts.get("technique"),
        frames=list(given.frames or []),
        live_area=given.live_area if given.live_area is not None else facts.get("live_area"),
        alignment_path=given.alignment_path,
        color_chain=given.color_chain
        if given.color_chain is not None
        else facts.get("color_chain", []),
        model_route=given.model_route,
        parameters=given.parameters,
        figures=given.figures,
        inputs=given.inputs,
        outputs=given.outputs,
        verdict=given.verdict or "open",
        approved_by=(given.approved_by or who) if signed else None,
        observations=given.observations,
        next_actions=given.next_actions,
        notes=given.notes,
    )
    if signed:
        entry.verdict_date = entry.created
    return entry
