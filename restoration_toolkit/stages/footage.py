"""What a project's footage is, found from the files: frame rate, pixel aspect, field order,
color space and (for a video) its media record; the scan's picture area; and the checks
`rtk project check` runs on them later (a video changed since init, a DPX whose transfer the
toolkit cannot read, a picture area that does not fit the frame).

Used by `rtk project init|show|check` and the demo.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..core.curation.picture_area import PictureArea, combine_areas, detect_picture_area
from ..core.errors import RTKError
from ..core.io.footage import Footage, open_footage
from ..core.io.frames import format_frames
from ..core.io.images import read_image_header, read_image_size
from ..core.io.raster import common_size
from ..core.project import (
    MediaRecord,
    PictureAreaRecord,
    Project,
)


@dataclass(frozen=True)
class FootageReport:
    """One input as found on disk. ``colorspace`` is what the file says (None: it does not);
    ``problem`` is why it cannot be used as it is (e.g. a DPX with an unknown transfer)."""

    spec: str
    kind: str  # video | sequence | image
    frames: str
    size: Tuple[int, int]
    fps: Optional[float]
    pixel_aspect: float
    field_order: str
    colorspace: Optional[str]
    note: str
    media: Optional[MediaRecord]
    description: str
    problem: str = ""

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["size"] = list(self.size)
        return data


def media_record(footage: Footage) -> Optional[MediaRecord]:
    """The media record of a video file (None for image sequences)."""
    if not footage.is_video:
        return None
    info = footage.info  # type: ignore[union-attr]
    return MediaRecord(
        file=footage.file.name,
        sha256=info.sha256,
        codec=info.codec,
        time_base=info.time_base,  # type: ignore[union-attr]
        rate=info.rate,
        frames=info.frame_count,
        size=f"{info.width}x{info.height}",
        pixel_format=info.pixel_format,
        field_order=info.field_order,
        cadence=info.cadence,
        color=info.color.describe(),
    )


def inspect_footage(footage: Footage) -> FootageReport:
    """Describe ``footage`` (an opened image sequence or video)."""
    if footage.is_video:
        info = footage.info  # type: ignore[union-attr]
        return FootageReport(
            footage.hash_pattern,
            "video",
            format_frames(footage.frames),
            (info.width, info.height),
            info.fps,
            info.pixel_aspect,
            info.field_order,
            info.colorspace,
            info.color_note,
            media_record(footage),
            info.describe(),
        )
    first = footage.path(footage.first)
    meta = read_image_header(first)
    w, h = read_image_size(first)
    problem = ""
    note = ""
    if meta.file_format == "dpx":
        transfer = meta.attributes.get("dpx:Transfer", "not stated")
        note = f"DPX transfer: {transfer}"
        if meta.colorspace is None:
            problem = (
                f"DPX transfer {transfer!r} is not one the toolkit can read "
                "(printing density, logarithmic, video or linear)"
            )
    kind = "image" if footage.is_single else "sequence"
    frames = "1" if footage.is_single else format_frames(footage.frames)
    text = f"{kind} of {frames} ({meta.file_format} {w}x{h} {meta.data_format})"
    return FootageReport(
        footage.hash_pattern,
        kind,
        frames,
        (w, h),
        None,
        meta.pixel_aspect,
        "progressive",
        meta.colorspace,
        note,
        None,
        text,
        problem,
    )


def detect_scan_picture_area(footage: Footage, samples: int = 5) -> PictureArea:
    """The picture area of the scan, from ``samples`` frames spread over it (what stays put —
    perforations, soundtrack, frame lines — is found on most of them)."""
    frames = list(footage.frames)
    picks = sorted(
        {frames[int(i)] for i in np.linspace(0, len(frames) - 1, min(samples, len(frames)))}
    )
    areas = [detect_picture_area(footage.read(f).pixels) for f in picks]
    return combine_areas(areas)


def cached_picture_box(
    footage: Footage, cache_dir: Optional[Path] = None
) -> Optional[Tuple[int, int, int, int]]:
    """The picture box of ``footage`` (None: all of it is picture), kept in ``cache_dir``
    beside the thumbnails and keyed like them, so a second sync reads no frame for it."""
    import hashlib
    import json

    from ..core.io.atomic import atomic_write_text
    from ..core.io.thumbnails import _cache_key

    file = None
    key = _cache_key(footage, False, None)
    if cache_dir is not None:
        tag = hashlib.sha1(footage.hash_pattern.encode()).hexdigest()[:12]
        file = Path(cache_dir) / f"picture_area_{tag}.json"
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
            if doc.get("key") == key:
                return tuple(doc["box"]) if doc["box"] else None  # type: ignore[return-value]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    area = detect_scan_picture_area(footage)
    box = None if area.full_frame else area.box
    if file is not None:
        atomic_write_text(
            file,
            json.dumps(
                {
                    "key": key,
                    "box": list(box) if box else None,
                    "found": [f.describe() for f in area.features],
                }
            ),
        )
    return box


def picture_area_record(area: PictureArea) -> Optional[PictureAreaRecord]:
    """What project.yaml keeps (None when the whole frame is picture)."""
    if area.full_frame:
        return None
    x0, y0, x1, y1 = area.box
    return PictureAreaRecord(
        x0, y0, x1, y1, area.width, area.height, [f.describe() for f in area.features]
    )


def check_footage(project: Project) -> List[str]:
    """Problems with the project's footage as it is on disk now (empty: all is well)."""
    problems: List[str] = []
    for label, footage in (("source", project.source), ("reference", project.reference)):
        if footage is None:
            continue
        try:
            opened = open_footage(str(project.resolve(footage.path)), footage.frames)
            if not opened.is_video:  # every frame an image, all of one size (headers only)
                common_size(opened.path(f) for f in opened.frames if f not in opened.missing)
        except RTKError as exc:
            problems.append(f"{label}: {exc}")
            continue
        report = inspect_footage(opened)
        record = footage.provenance.media if footage.provenance else None
        if (
            record is not None
            and record.sha256
            and report.media is not None
            and report.media.sha256 != record.sha256
        ):
            problems.append(
                f"{label}: {opened.hash_pattern} has changed since the project was "
                f"made (checksum {report.media.sha256[:19]}…, recorded {record.sha256[:19]}…)"
            )
        if label == "source" and project.picture_area is not None:
            pa = project.picture_area
            w, h = report.size
            if pa.x1 > w or pa.y1 > h:
                problems.append(f"picture_area {list(pa.box)} does not fit the {w}x{h} scan")
    return problems
