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
class Provenance:
    """Where a reference came from: the ethical-provenance record of the method."""

    source: str = ""
    holder: str = ""
    permission: str = ""
    date: str = ""
    notes: str = ""

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
    ocio_config: str = DEFAULT_OCIO_CONFIG
    working_space: str = "ACEScg"
    delivery_space: str = "ACES2065-1"


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
        return {"schema_version": data.pop("schema_version"), **data}

    def save(self) -> Path:
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        return atomic_write_text(self.root / PROJECT_FILE, text)


# -- loading and validation ---------------------------------------------------------------

class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: List[str] = []
        self.unstated: List[str] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def mapping(self, data: Any, where: str) -> Dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.fail(where, f"must be a mapping, got {type(data).__name__}")
            return {}
        return data

    def text(self, data: Dict[str, Any], key: str, where: str, required: bool = False, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            value = default
        if required and (value == "" or value is None):
            self.fail(f"{where}.{key}" if where else key, "is required")
        if not isinstance(value, (str, int, float)):
            self.fail(f"{where}.{key}" if where else key, "must be text")
            return default
        return str(value)

    def number(self, data: Dict[str, Any], key: str, where: str, default: float, positive: bool = True) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{where}.{key}", f"must be a number, got {value!r}")
            return default
        if positive and value <= 0:
            self.fail(f"{where}.{key}", f"must be positive, got {value!r}")
        return float(value)

    def unknown(self, data: Dict[str, Any], allowed: tuple, where: str) -> None:
        for key in data:
            if key not in allowed:
                self.fail(f"{where}.{key}" if where else key, "unknown field")


def _provenance(c: _Checker, data: Any, where: str) -> Optional[Provenance]:
    if data is None:
        return None
    d = c.mapping(data, where)
    c.unknown(d, ("source", "holder", "permission", "date", "notes"), where)
    return Provenance(**{k: c.text(d, k, where) for k in ("source", "holder", "permission", "date", "notes")})


def _footage(c: _Checker, data: Any, where: str) -> Optional[Footage]:
    d = c.mapping(data, where)
    if not d:
        return None
    c.unknown(d, ("path", "frames", "fps", "pixel_aspect", "field_order", "colorspace", "element", "provenance"), where)
    order = c.text(d, "field_order", where, default="progressive")
    if order not in FIELD_ORDERS:
        c.fail(f"{where}.field_order", f"must be one of {', '.join(FIELD_ORDERS)}, got {order!r}")
    e = c.mapping(d.get("element"), f"{where}.element")
    c.unknown(e, ("gauge", "generation", "description"), f"{where}.element")
    if d.get("colorspace") is None:
        c.unstated.append(f"{where}.colorspace")
    frames = d.get("frames")
    if frames is not None:
        from .io.frames import parse_frames

        try:
            parse_frames(str(frames))
        except RTKError as exc:
            c.fail(f"{where}.frames", str(exc))
    return Footage(
        path=c.text(d, "path", where, required=True),
        frames=str(frames) if frames is not None else None,
        fps=c.number(d, "fps", where, 24.0),
        pixel_aspect=c.number(d, "pixel_aspect", where, 1.0),
        field_order=order,
        colorspace=c.text(d, "colorspace", where, default="ACES2065-1"),
        element=Element(**{k: c.text(e, k, f"{where}.element") for k in ("gauge", "generation", "description")}),
        provenance=_provenance(c, d.get("provenance"), f"{where}.provenance"),
    )


def project_from_dict(data: Any, path: Path) -> Project:
    """Validate a parsed project.yaml; RTKError lists every wrong field."""
    c = _Checker(path)
    d = c.mapping(data, "project.yaml")
    if not d:
        raise RTKError("empty or not a mapping", path)
    version = d.get("schema_version")
    if version != SCHEMA_VERSION:
        raise RTKError(f"schema_version {version!r} is not supported (this toolkit reads {SCHEMA_VERSION})", path)
    c.unknown(d, ("schema_version", "name", "technique", "film", "source", "reference",
                  "keyframe_references", "color", "live_area", "shots"), "")
    name = c.text(d, "name", "", required=True)
    if name and not all(ch.isalnum() or ch in "_-" for ch in name):
        c.fail("name", f"must be letters, digits, _ or - (used in file names), got {name!r}")
    technique = c.text(d, "technique", "", required=True)
    if technique and technique not in TECHNIQUES:
        c.fail("technique", f"must be one of {', '.join(TECHNIQUES)}, got {technique!r}")
    film = {str(k): str(v) for k, v in c.mapping(d.get("film"), "film").items() if v is not None}
    source = _footage(c, d.get("source"), "source")
    if source is None:
        c.fail("source", "is required")
    reference = _footage(c, d.get("reference"), "reference")
    if technique in ("color-reference", "gauge", "generation", "analog-video") and reference is None:
        c.fail("reference", f"is required for technique {technique}")
    keyframes = []
    raw_keys = d.get("keyframe_references") or []
    if not isinstance(raw_keys, list):
        c.fail("keyframe_references", "must be a list")
        raw_keys = []
    for i, item in enumerate(raw_keys):
        w = f"keyframe_references[{i}]"
        k = c.mapping(item, w)
        c.unknown(k, ("scan_frame", "path", "colorspace", "provenance"), w)
        if k.get("colorspace") is None:
            c.unstated.append(f"{w}.colorspace")
        frame = k.get("scan_frame")
        if not isinstance(frame, int) or isinstance(frame, bool):
            c.fail(f"{w}.scan_frame", "must be a frame number")
            frame = 0
        keyframes.append(KeyframeReference(frame, c.text(k, "path", w, required=True),
                                           c.text(k, "colorspace", w, default="sRGB - Texture"),
                                           _provenance(c, k.get("provenance"), f"{w}.provenance") or Provenance()))
    col = c.mapping(d.get("color"), "color")
    c.unknown(col, ("ocio_config", "working_space", "delivery_space"), "color")
    color = ColorPipeline(
        c.text(col, "ocio_config", "color", default=DEFAULT_OCIO_CONFIG),
        c.text(col, "working_space", "color", default="ACEScg"),
        c.text(col, "delivery_space", "color", default="ACES2065-1"),
    )
    live = None
    if d.get("live_area") is not None:
        la = c.mapping(d.get("live_area"), "live_area")
        vals = [la.get(k) for k in ("x0", "y0", "x1", "y1")]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            c.fail("live_area", "needs integer x0, y0, x1, y1")
        elif not (vals[0] < vals[2] and vals[1] < vals[3] and vals[0] >= 0 and vals[1] >= 0):
            c.fail("live_area", f"box {vals} is empty or negative")
        else:
            live = LiveArea(*vals)
    shots = []
    raw_shots = d.get("shots") or []
    if not isinstance(raw_shots, list):
        c.fail("shots", "must be a list")
        raw_shots = []
    for i, s in enumerate(raw_shots):
        sd = c.mapping(s, f"shots[{i}]")
        first, last = sd.get("first"), sd.get("last")
        if not (isinstance(first, int) and isinstance(last, int) and first <= last):
            c.fail(f"shots[{i}]", "needs integer first <= last")
            continue
        shots.append(Shot(c.text(sd, "name", f"shots[{i}]", required=True), first, last))
    if c.problems:
        raise RTKError("; ".join(c.problems), path)
    assert source is not None
    return Project(name=name, technique=technique, source=source, root=path.parent, film=film,
                   reference=reference, keyframe_references=keyframes, color=color,
                   live_area=live, shots=shots, unstated=c.unstated)


def load_project(path: PathLike) -> Project:
    """Load ``project.yaml`` (or the project folder that holds it)."""
    p = Path(path)
    if p.is_dir():
        p = p / PROJECT_FILE
    if not p.is_file():
        raise RTKError("no project.yaml here (run `rtk project init` first)", p)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RTKError(f"not valid YAML{where}", p) from None
    return project_from_dict(data, p.resolve())


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
