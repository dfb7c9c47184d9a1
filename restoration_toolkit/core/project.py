"""The restoration project: ``project.yaml`` and the five stage folders.

A project is one film (or reel) restored with one technique. ``project.yaml`` is
schema-versioned and validated on load: every wrong field gets its own line naming the field.
Paths inside it are relative to the project folder unless absolute.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from .errors import PathLike, RTKError
from .io.atomic import atomic_write_text
from .io.protect import protect_sequence
from .io.yaml_file import load_yaml

SCHEMA_VERSION = 1
PROJECT_FILE = "project.yaml"
TECHNIQUES = ("color-reference", "color-nonreference", "gauge", "generation", "analog-video")
COLOR_TECHNIQUES = ("color-reference", "color-nonreference")
SPATIAL_TECHNIQUES = ("gauge", "generation", "analog-video")
FIELD_ORDERS = ("progressive", "upper", "lower")
STAGE_DIRS = (
    "01_dataset_curation",
    "02_alignment",
    "03_copycat_training",
    "04_inference_render",
    "05_matchgrade_render",
)
# OCIO's built-in ACES 1.3 CG config (OCIO ≥ 2.2, i.e. Nuke 14.1+ / 15 / 16).
DEFAULT_OCIO_CONFIG = "ocio://cg-config-v1.0.0_aces-v1.3_ocio-v2.1"


@dataclass
class MediaRecord:
    """What a video file is, recorded when the project was made so it can be checked later:
    checksum, codec, time base and frame rate, frames, raster, scan, cadence, color tags."""

    file: str = ""
    sha256: str = ""
    codec: str = ""
    time_base: str = ""
    rate: str = ""
    frames: int = 0
    size: str = ""
    pixel_format: str = ""
    field_order: str = ""
    cadence: str = ""
    color: str = ""


@dataclass
class Provenance:
    """Where a reference came from: the ethical-provenance record of the method; for a video
    file also ``media``, what the file is (checksum, codec, time base …)."""

    source: str = ""
    holder: str = ""
    permission: str = ""
    date: str = ""
    notes: str = ""
    media: Optional[MediaRecord] = None

    def is_empty(self) -> bool:
        return not (self.source.strip() and self.holder.strip() and self.permission.strip())

    def missing_fields(self) -> List[str]:
        return [k for k in ("source", "holder", "permission") if not getattr(self, k).strip()]


@dataclass
class Element:
    """A physical or video element: ``gauge`` (35mm, 16mm, video), ``generation`` (negative,
    interpositive, print, telecine, DVD …) and a free description."""

    gauge: str = ""
    generation: str = ""
    description: str = ""


@dataclass
class Footage:
    """A sequence of the project: the scan or the reference."""

    path: str
    frames: Optional[str] = None
    fps: float = 24.0
    pixel_aspect: float = 1.0
    field_order: str = "progressive"
    colorspace: str = "ACES2065-1"
    element: Element = field(default_factory=Element)
    provenance: Optional[Provenance] = None


@dataclass
class KeyframeReference:
    """Non-reference color recovery: a constructed reference (hand-graded keyframe, painting,
    photograph) that stands in for one scan frame."""

    scan_frame: int
    path: str
    colorspace: str = "sRGB - Texture"
    provenance: Provenance = field(default_factory=Provenance)


@dataclass
class ColorPipeline:
    """``ocio_config``: the config in use — the one project.yaml names, else ``$OCIO``, else
    OCIO's built-in ACES CG config; ``ocio_config_origin`` says which (only a named config is
    written back to project.yaml)."""

    ocio_config: str = DEFAULT_OCIO_CONFIG
    working_space: str = "ACEScg"
    delivery_space: str = "ACES2065-1"
    ocio_config_origin: str = field(default="project", compare=False)


def unnamed_ocio_config() -> ColorPipeline:
    """Color settings of a project that names no OCIO config: ``$OCIO`` when set (as Nuke
    and every OCIO application read it), else the built-in default."""
    env = os.environ.get("OCIO", "").strip()
    if env:
        return ColorPipeline(ocio_config=env, ocio_config_origin="$OCIO")
    return ColorPipeline(ocio_config_origin="built-in default")


@dataclass
class PictureAreaRecord:
    """The scan's picture area (scan pixels, top-left origin, x1/y1 exclusive) of a
    ``width`` × ``height`` frame, as detected (or set by hand), and what lies outside it."""

    x0: int
    y0: int
    x1: int
    y1: int
    width: int = 0
    height: int = 0
    found: List[str] = field(default_factory=list)

    @property
    def box(self) -> tuple:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass
class LiveArea:
    """Box both scan and reference share, in scan pixels, top-left origin, x1/y1 exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    def nuke_box(self, height: int) -> List[int]:
        """Nuke Crop ``box`` (x, y, r, t) — bottom-left origin."""
        return [self.x0, height - self.y1, self.x1, height - self.y0]


@dataclass
class Shot:
    name: str
    first: int
    last: int


@dataclass
class Project:
    """A loaded ``project.yaml``; ``root`` is the project folder."""

    name: str
    technique: str
    source: Footage
    root: Path = field(default=Path("."), compare=False)
    film: Dict[str, str] = field(default_factory=dict)
    reference: Optional[Footage] = None
    keyframe_references: List[KeyframeReference] = field(default_factory=list)
    color: ColorPipeline = field(default_factory=ColorPipeline)
    live_area: Optional[LiveArea] = None
    shots: List[Shot] = field(default_factory=list)
    picture_area: Optional[PictureAreaRecord] = None
    schema_version: int = SCHEMA_VERSION
    #: Fields project.yaml left out whose value is a default (e.g. ``source.colorspace``):
    #: a Nuke Read must not silently get a default input transform. Not saved.
    unstated: List[str] = field(default_factory=list, compare=False, repr=False)

    # -- paths ---------------------------------------------------------------------------
    def resolve(self, path: str) -> Path:
        p = Path(os.path.expandvars(os.path.expanduser(path)))
        return p if p.is_absolute() else self.root / p

    def stage_dir(self, number: int) -> Path:
        return self.root / "pipeline" / STAGE_DIRS[number - 1]

    @property
    def pairs_file(self) -> Path:
        return self.stage_dir(1) / "pairs.yaml"

    @property
    def alignment_dir(self) -> Path:
        return self.stage_dir(2)

    @property
    def experiments_file(self) -> Path:
        return self.root / "notes" / "experiments.md"

    @property
    def is_color(self) -> bool:
        return self.technique in COLOR_TECHNIQUES

    def source_spec(self) -> str:
        return str(self.resolve(self.source.path))

    def reference_spec(self) -> Optional[str]:
        return str(self.resolve(self.reference.path)) if self.reference else None

    def file_name(self, kind: str, ext: str = "exr") -> str:
        """Workflow naming: ``<PROJECT>_SOURCE_####.exr``, ``_REF_``, ``_BAL_``."""
        return f"{self.name}_{kind.upper()}_####.{ext}"

    def references_without_provenance(self) -> List[str]:
        """Names of references whose provenance is empty (training must refuse them)."""
        bad = []
        if self.reference is not None and (self.reference.provenance is None or self.reference.provenance.is_empty()):
            bad.append(self.reference.path)
        bad += [k.path for k in self.keyframe_references if k.provenance.is_empty()]
        return bad

    def require_provenance(self) -> None:
        bad = self.references_without_provenance()
        if bad:
            raise RTKError(
                "reference has no provenance (source, holder, permission) in project.yaml: "
                + ", ".join(bad) + " — record where it came from before training or export",
                self.root / PROJECT_FILE,
            )

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data.pop("root")
        for name in data.pop("unstated"):  # a default stays a default when saved again
            where, _, key = name.rpartition(".")
            holder: Any = data
            for part in where.replace("]", "").replace("[", ".").split("."):
                holder = holder[int(part)] if isinstance(holder, list) else holder.get(part)
            if isinstance(holder, dict):
                holder.pop(key, None)
        color = data["color"]
        if color.pop("ocio_config_origin") != "project":
            color.pop("ocio_config")  # $OCIO or the default: not the project's to name
        if data.get("picture_area") is None:
            data.pop("picture_area", None)
        for key in ("source", "reference"):
            prov = (data.get(key) or {}).get("provenance")
            if prov is not None and prov.get("media") is None:
                prov.pop("media")
        return {"schema_version": data.pop("schema_version"), **data}

    def save(self) -> Path:
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        return atomic_write_text(self.root / PROJECT_FILE, text)


def load_project(path: PathLike) -> Project:
    """Load ``project.yaml`` (or the project folder that holds it)."""
    p = Path(path)
    if p.is_dir():
        p = p / PROJECT_FILE
    if not p.is_file():
        raise RTKError("no project.yaml here (run `rtk project init` first)", p)
    from .project_schema import project_from_dict

    project = project_from_dict(load_yaml(p), p.resolve())  # duplicate keys, non-UTF-8: refused
    for role, spec in (("source", project.source_spec()), ("reference", project.reference_spec())):
        protect_sequence(spec or "", f"{role} of project {project.name}")  # never written
    return project


def find_project(start: Optional[PathLike] = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding project.yaml."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise RTKError("no project.yaml found here or in any parent folder (use --project DIR)", here)


def open_project(project: Optional[PathLike] = None) -> Project:
    """``--project DIR`` when given, else the nearest project.yaml above the cwd."""
    return load_project(project if project is not None else find_project())


def create_project_folders(root: Path) -> None:
    for name in STAGE_DIRS:
        (root / "pipeline" / name).mkdir(parents=True, exist_ok=True)
    (root / "notes").mkdir(parents=True, exist_ok=True)
