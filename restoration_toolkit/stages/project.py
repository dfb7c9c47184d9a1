"""Creating and checking a restoration project: project.yaml and the five stage folders, with
the footage's properties found from the files (video rate, pixel aspect, field order, color;
DPX transfer; the scan's picture area) and the shot list taken from an editor's conform (EDL,
OTIO, FCP X XML) when one is given.

Used by ``rtk project`` and the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from ..core.curation.conform import read_conform
from ..core.curation.picture_area import PictureArea
from ..core.errors import RTKError
from ..core.io.footage import Footage, open_footage
from ..core.io.frames import format_frames
from ..core.project import (
    PROJECT_FILE,
    ColorPipeline,
    Element,
    Project,
    Provenance,
    Shot,
    create_project_folders,
    load_project,
    unnamed_ocio_config,
)
from ..core.project import Footage as FootageEntry
from .footage import (
    FootageReport,
    check_footage,
    detect_scan_picture_area,
    inspect_footage,
    picture_area_record,
)


@dataclass(frozen=True)
class InitRequest:
    """What `rtk project init` asks for; None means "from the files" (then a default).
    ``conform``: an editor's conform or shot list whose clips become the project's shots
    (curation then uses them instead of finding shots itself)."""

    root: Path
    technique: str
    source: str
    reference: Optional[str] = None
    name: Optional[str] = None
    title: str = ""
    reel: str = ""
    fps: float = 24.0
    reference_fps: Optional[float] = None
    source_colorspace: Optional[str] = None
    reference_colorspace: Optional[str] = None
    picture_area: bool = True
    force: bool = False
    conform: Optional[Path] = None


@dataclass(frozen=True)
class InitOutcome:
    path: Path
    project: Project
    source: FootageReport
    reference: Optional[FootageReport]
    picture: Optional[PictureArea]
    warnings: Tuple[str, ...]
    shots: Tuple[Shot, ...] = ()


def init_project(request: InitRequest) -> InitOutcome:
    """Write ``root/project.yaml`` and the stage folders. RTKError when a project exists
    (unless ``force``), a needed reference is missing, the footage cannot be read (or is a
    DPX of unknown transfer with no color space given), or the conform cannot be read or
    lies outside the scan — and then nothing is written."""
    root = Path(request.root).resolve()
    if (root / PROJECT_FILE).exists() and not request.force:
        raise RTKError(
            "a project already exists here (use --force to replace project.yaml)",
            root / PROJECT_FILE,
        )
    if request.technique != "color-nonreference" and not request.reference:
        raise RTKError(f"technique {request.technique} needs --reference SEQ")
    source_seq = open_footage(request.source, allow_missing=True)
    ref_seq = open_footage(request.reference, allow_missing=True) if request.reference else None
    src = inspect_footage(source_seq)
    ref = inspect_footage(ref_seq) if ref_seq is not None else None
    if src.problem and not request.source_colorspace:
        raise RTKError(f"{src.problem}; give --source-colorspace", source_seq.hash_pattern)
    shots = _conform_shots(request, source_seq) if request.conform else []
    name = (
        request.name
        or "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in root.name).upper()
    )
    source_space = request.source_colorspace or src.colorspace or "ACES2065-1"
    picture = None
    if request.picture_area and not source_seq.is_single:
        picture = detect_scan_picture_area(source_seq)
    project = Project(
        name=name,
        technique=request.technique,
        root=root,
        film={"title": request.title, "reel": request.reel},
        source=FootageEntry(
            path=_relative(request.source, root),
            frames=_frames(source_seq),
            fps=src.fps or request.fps,
            pixel_aspect=src.pixel_aspect,
            field_order=src.field_order,
            colorspace=source_space,
            element=Element(),
            provenance=Provenance(media=src.media) if src.media else None,
        ),
        reference=_reference_entry(request, ref, ref_seq, root),
        color=_color_for(source_space),
        picture_area=picture_area_record(picture) if picture is not None else None,
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
    warnings += [r.note for r in (src, ref) if r is not None and r.note]
    return InitOutcome(path, project, src, ref, picture, tuple(warnings), tuple(shots))


def check_project(project: Project) -> List[str]:
    """Problems of a project as it is on disk now (empty: all is well): footage that does not
    open or changed since init, a picture area that does not fit, references without
    provenance."""
    problems = check_footage(project)
    for name in project.references_without_provenance():
        problems.append(f"provenance missing for reference {name}")
    return problems


def _reference_entry(
    request: InitRequest,
    ref: Optional[FootageReport],
    ref_seq: Optional[Footage],
    root: Path,
) -> Optional[FootageEntry]:
    if ref is None or ref_seq is None or not request.reference:
        return None
    return FootageEntry(
        path=_relative(request.reference, root),
        frames=_frames(ref_seq),
        fps=request.reference_fps or ref.fps or request.fps,
        pixel_aspect=ref.pixel_aspect,
        field_order=ref.field_order,
        colorspace=request.reference_colorspace or ref.colorspace or "Gamma 2.4 Rec.709 - Texture",
        element=Element(),
        provenance=Provenance(media=ref.media),
    )


def _conform_shots(request: InitRequest, source_seq: Footage) -> List[Shot]:
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


def _color_for(source_space: str) -> ColorPipeline:
    """No config named ($OCIO or the built-in default) unless the scan's color space is only
    in the built-in studio config (ADX10 for printing-density DPX against the CG default)."""
    from ..core.io.ocio import config_for_colorspace

    color = unnamed_ocio_config()
    config = config_for_colorspace(source_space, color.ocio_config)
    return color if config == color.ocio_config else ColorPipeline(ocio_config=config)


def _relative(spec: str, root: Path) -> str:
    path = Path(spec).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _frames(footage: Footage) -> str:
    return "1" if footage.is_single else format_frames(footage.frames)
