"""Reading ``project.yaml``: the checks that turn a parsed mapping into a :class:`Project`,
one line per wrong field (every problem is reported, not only the first)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Dict, List, Optional

from .errors import RTKError
from .names import name_problem
from .project import (
    FIELD_ORDERS,
    SCHEMA_VERSION,
    TECHNIQUES,
    ColorPipeline,
    Element,
    Footage,
    KeyframeReference,
    LiveArea,
    MediaRecord,
    PictureAreaRecord,
    Project,
    Provenance,
    Shot,
    unnamed_ocio_config,
)


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

    def text(
        self, data: Dict[str, Any], key: str, where: str, required: bool = False, default: str = ""
    ) -> str:
        value = data.get(key, default)
        if value is None:
            value = default
        if required and (value == "" or value is None):
            self.fail(f"{where}.{key}" if where else key, "is required")
        if not isinstance(value, (str, int, float)):
            self.fail(f"{where}.{key}" if where else key, "must be text")
            return default
        return str(value)

    def number(
        self, data: Dict[str, Any], key: str, where: str, default: float, positive: bool = True
    ) -> float:
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
    c.unknown(d, ("source", "holder", "permission", "date", "notes", "media"), where)
    media = None
    if d.get("media") is not None:
        m = c.mapping(d.get("media"), f"{where}.media")
        names = [f.name for f in fields(MediaRecord)]
        c.unknown(m, tuple(names), f"{where}.media")
        frames = m.get("frames", 0)
        if not isinstance(frames, int) or isinstance(frames, bool):
            c.fail(f"{where}.media.frames", "must be a whole number")
            frames = 0
        media = MediaRecord(
            **{k: c.text(m, k, f"{where}.media") for k in names if k != "frames"}, frames=frames
        )
    return Provenance(
        **{k: c.text(d, k, where) for k in ("source", "holder", "permission", "date", "notes")},
        media=media,
    )


def _footage(c: _Checker, data: Any, where: str) -> Optional[Footage]:
    d = c.mapping(data, where)
    if not d:
        return None
    c.unknown(
        d,
        (
            "path",
            "frames",
            "fps",
            "pixel_aspect",
            "field_order",
            "colorspace",
            "element",
            "provenance",
        ),
        where,
    )
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
        element=Element(
            **{k: c.text(e, k, f"{where}.element") for k in ("gauge", "generation", "description")}
        ),
        provenance=_provenance(c, d.get("provenance"), f"{where}.provenance"),
    )


def _picture_area(c: _Checker, data: Any) -> Optional[PictureAreaRecord]:
    if data is None:
        return None
    d = c.mapping(data, "picture_area")
    c.unknown(d, ("x0", "y0", "x1", "y1", "width", "height", "found"), "picture_area")
    vals = [d.get(k) for k in ("x0", "y0", "x1", "y1", "width", "height")]
    vals[4:] = [v if v is not None else 0 for v in vals[4:]]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        c.fail("picture_area", "needs integer x0, y0, x1, y1 (and width, height)")
        return None
    if not (0 <= vals[0] < vals[2] and 0 <= vals[1] < vals[3]):
        c.fail("picture_area", f"box {vals[:4]} is empty or negative")
        return None
    found = d.get("found") or []
    if not isinstance(found, list):
        c.fail("picture_area.found", "must be a list")
        found = []
    return PictureAreaRecord(*vals, found=[str(x) for x in found])


def project_from_dict(data: Any, path: Path) -> Project:
    """Validate a parsed project.yaml; RTKError lists every wrong field."""
    c = _Checker(path)
    d = c.mapping(data, "project.yaml")
    if not d:
        raise RTKError("empty or not a mapping", path)
    version = d.get("schema_version")
    if version != SCHEMA_VERSION:
        raise RTKError(
            f"schema_version {version!r} is not supported (this toolkit reads {SCHEMA_VERSION})",
            path,
        )
    c.unknown(
        d,
        (
            "schema_version",
            "name",
            "technique",
            "film",
            "source",
            "reference",
            "keyframe_references",
            "color",
            "live_area",
            "shots",
            "picture_area",
        ),
        "",
    )
    name = c.text(d, "name", "", required=True)
    if name and name_problem(name):
        c.fail("name", str(name_problem(name)))
    technique = c.text(d, "technique", "", required=True)
    if technique and technique not in TECHNIQUES:
        c.fail("technique", f"must be one of {', '.join(TECHNIQUES)}, got {technique!r}")
    film = {str(k): str(v) for k, v in c.mapping(d.get("film"), "film").items() if v is not None}
    source = _footage(c, d.get("source"), "source")
    if source is None:
        c.fail("source", "is required")
    reference = _footage(c, d.get("reference"), "reference")
    if (
        technique in ("color-reference", "gauge", "generation", "analog-video")
        and reference is None
    ):
        c.fail("reference", f"is required for technique {technique}")
    keyframes = _keyframes(c, d.get("keyframe_references"))
    color = _color(c, d.get("color"))
    live = _live_area(c, d.get("live_area"))
    picture = _picture_area(c, d.get("picture_area"))
    shots = _shots(c, d.get("shots"))
    if c.problems:
        raise RTKError("; ".join(c.problems), path)
    assert source is not None
    return Project(
        name=name,
        technique=technique,
        source=source,
        root=path.parent,
        film=film,
        reference=reference,
        keyframe_references=keyframes,
        color=color,
        live_area=live,
        shots=shots,
        picture_area=picture,
        unstated=c.unstated,
    )


def _keyframes(c: _Checker, raw: Any) -> List[KeyframeReference]:
    """``keyframe_references``: graded frames, paintings, photos with their provenance."""
    keyframes = []
    raw_keys = raw or []
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
        keyframes.append(
            KeyframeReference(
                frame,
                c.text(k, "path", w, required=True),
                c.text(k, "colorspace", w, default="sRGB - Texture"),
                _provenance(c, k.get("provenance"), f"{w}.provenance") or Provenance(),
            )
        )
    return keyframes


def _color(c: _Checker, raw: Any) -> ColorPipeline:
    """``color``: the OCIO config (unnamed: $OCIO or the built-in default) and spaces."""
    col = c.mapping(raw, "color")
    c.unknown(col, ("ocio_config", "working_space", "delivery_space"), "color")
    color = unnamed_ocio_config()
    if col.get("ocio_config"):
        color = ColorPipeline(c.text(col, "ocio_config", "color"))
    color.working_space = c.text(col, "working_space", "color", default="ACEScg")
    color.delivery_space = c.text(col, "delivery_space", "color", default="ACES2065-1")
    return color


def _live_area(c: _Checker, raw: Any) -> Optional[LiveArea]:
    """``live_area``: an integer box x0, y0, x1, y1 (None when absent)."""
    live = None
    if raw is not None:
        la = c.mapping(raw, "live_area")
        vals = [la.get(k) for k in ("x0", "y0", "x1", "y1")]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            c.fail("live_area", "needs integer x0, y0, x1, y1")
        elif not (vals[0] < vals[2] and vals[1] < vals[3] and vals[0] >= 0 and vals[1] >= 0):
            c.fail("live_area", f"box {vals} is empty or negative")
        else:
            live = LiveArea(*vals)
    return live


def _shots(c: _Checker, raw: Any) -> List[Shot]:
    """``shots``: name, first, last of each."""
    shots = []
    raw_shots = raw or []
    if not isinstance(raw_shots, list):
        c.fail("shots", "must be a list")
        raw_shots = []
    for i, s in enumerate(raw_shots):
        sd = c.mapping(s, f"shots[{i}]")
        first, last = sd.get("first"), sd.get("last")
        if not (isinstance(first, int) and isinstance(last, int) and first <= last):
            c.fail(f"shots[{i}]", "needs integer first <= last")
            continue
        shot_name = c.text(sd, "name", f"shots[{i}]", required=True)
        if shot_name and name_problem(shot_name):  # it becomes part of file names
            c.fail(f"shots[{i}].name", str(name_problem(shot_name)))
        elif shot_name in {known.name for known in shots}:
            c.fail(f"shots[{i}].name", f"{shot_name!r} is given twice")
        shots.append(Shot(shot_name, first, last))
    return shots
