"""Creating and checking a restoration project: project.yaml and the five stage folders,
with the shot list taken from an editor's conform (EDL, OTIO, FCP X XML) when one is given.

Used by ``rtk project`` and the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

from ..core.curation.conform import read_conform
from ..core.errors import RTKError
from ..core.io.frames import format_frames
from ..core.io.sequence import open_sequence
from ..core.project import (
    PROJECT_FILE,
    Element,
    Footage,
    Project,
    Provenance,
    Shot,
    create_project_folders,
    load_project,
)


@dataclass(frozen=True)
class ProjectInit:
    """What ``rtk project init`` asks for (see its help). ``conform``: an editor's conform
    or shot list whose clips become the project's shots (curation then uses them instead of
    finding shots itself)."""

    dir: Path
    technique: str
    source: str
    reference: Optional[str] = None
    name: Optional[str] = None
    title: str = ""
    reel: str = ""
    fps: float = 24.0
    reference_fps: Optional[float] = None
    source_colorspace: str = "ACES2065-1"
    reference_colorspace: str = "Gamma 2.4 Rec.709 - Texture"
    force: bool = False
    conform: Optional[Path] = None


@dataclass(frozen=True)
class InitOutcome:
    path: Path
    project: Project
    warnings: Tuple[str, ...] = ()
    shots: Tuple[Shot, ...] = field(default_factory=tuple)


def init_project(request: ProjectInit) -> InitOutcome:
    """Write ``dir/project.yaml`` (and the stage folders); RTKError when one exists (unless
    ``force``), a needed reference is missing, or the conform cannot be read or lies
    outside the scan."""
    root = Path(request.dir).resolve()
    if (root / PROJECT_FILE).exists() and not request.force:
        raise RTKError(
            "a project already exists here (use --force to replace project.yaml)",
            root / PROJECT_FILE,
        )
    if request.technique != "color-nonreference" and not request.reference:
        raise RTKError(f"technique {request.technique} needs --reference SEQ")
    source_seq = open_sequence(request.source, allow_missing=True)
    ref_seq = open_sequence(request.reference, allow_missing=True) if request.reference else None
    shots = _conform_shots(request, source_seq) if request.conform else []
    safe = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in root.name)
    name = request.name or safe.upper()
    project = Project(
        name=name,
        technique=request.technique,
        root=root,
        film={"title": request.title, "reel": request.reel},
        source=Footage(
            path=_relative(request.source, root),
            frames=_frames(source_seq),
            fps=request.fps,
            colorspace=request.source_colorspace,
            element=Element(),
        ),
        reference=None
        if ref_seq is None
        else Footage(
            path=_relative(str(request.reference), root),
            frames=_frames(ref_seq),
            fps=request.reference_fps or request.fps,
            colorspace=request.reference_colorspace,
            element=Element(),
            provenance=Provenance(),
        ),
        shots=shots,
    )
    create_project_folders(root)
    path = project.save()
    load_project(path)  # what we wrote must load
    warnings = [
        f"{label} is missing frames {format_frames(seq.missing)}"
        for label, seq in (("source", source_seq), ("reference", ref_seq))
        if seq is not None and seq.missing
    ]
    return InitOutcome(path, project, tuple(warnings), tuple(shots))


def _conform_shots(request: ProjectInit, source_seq) -> List[Shot]:
    """The conform's clips as shots in scan frame numbers (the conform's first record frame
    is the scan's first frame unless its clips carry rtk's own scan frames)."""
    conform = Path(str(request.conform))
    clips = read_conform(conform, int(source_seq.first), request.fps)
    first, last = int(source_seq.first), int(source_seq.last)
    names = [c.name for c in clips]
    unique = len(set(names)) == len(names)
    shots = []
    for k, c in enumerate(clips):
        if c.first < first or c.last > last:
            raise RTKError(
                f"clip {c.name!r} covers scan frames {c.first}-{c.last}, "
                f"outside the scan ({first}-{last})",
                conform,
            )
        shots.append(Shot(c.name if unique and c.name else f"shot{k + 1:03d}", c.first, c.last))
    return shots


def check_project(project: Project) -> List[str]:
    """Problems of a project: sequences that do not open, references without provenance."""
    problems = []
    for label, footage in (("source", project.source), ("reference", project.reference)):
        if footage is None:
            continue
        try:
            open_sequence(str(project.resolve(footage.path)), footage.frames)
        except RTKError as exc:
            problems.append(f"{label}: {exc}")
    for name in project.references_without_provenance():
        problems.append(f"provenance missing for reference {name}")
    return problems


def _frames(seq) -> str:
    return format_frames(seq.frames) if not seq.is_single else "1"


def _relative(spec: str, root: Path) -> str:
    path = Path(spec).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
