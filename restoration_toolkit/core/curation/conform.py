"""The conform as editors know it: the sync result as an OpenTimelineIO timeline (written as
.otio, CMX 3600 .edl or Final Cut Pro X .fcpxml through OTIO's adapters), and an editor's
conform or shot list read back as shots.

The timeline runs at the scan's rate, one record frame per scan frame. Each continuous
segment of the mapping is one clip of the reference: ``source_range`` starts at the
reference frame of the segment's first scan frame and lasts as many record frames as the
segment has scan frames; the reference frames it consumes per record frame (1 for a 1:1
transfer, 1.25 for 3:2 pulldown, the speed change of PAL) are a ``LinearTimeWarp``
(``time_scalar`` = reference seconds per record second), and the cadence, field order and
exact reference range ride in the clip's ``metadata["rtk"]``. A CMX 3600 EDL has one rate
for source and record, so there source in-points count reference frames at the record rate
and the speed is left out (the .otio and .fcpxml keep it). Scan frames the reference
does not have are gaps; a cut inside the reference is a new clip; markers sit where the
reference repeats a frame (red) or drops one (orange).

OpenTimelineIO (and its CMX 3600 / FCP X adapters) is imported when first used; it has no
wheels for Python 3.9, so there an export or import raises RTKError saying so.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..errors import RTKError
from .sync import FrameMatch, SyncResult

ADAPTERS = {".otio": "otio_json", ".edl": "cmx_3600", ".fcpxml": "fcpx_xml"}
SCHEMA = "rtk.conform/1"


def _otio() -> Any:
    """The opentimelineio module, or RTKError naming what to install."""
    try:
        return importlib.import_module("opentimelineio")
    except ImportError:
        raise RTKError(
            "the conform needs OpenTimelineIO (pip install opentimelineio "
            "otio-cmx3600-adapter otio-fcpx-xml-adapter; Python 3.10 or newer)"
        ) from None


@dataclass(frozen=True)
class Media:
    """Where the reference is: ``url`` (a file or an image-sequence pattern), its frame
    rate, and for an image sequence the parts OTIO's ImageSequenceReference needs."""

    name: str
    url: str
    rate: float
    directory: Optional[str] = None
    prefix: str = ""
    suffix: str = ""
    padding: int = 0
    first: int = 1
    last: int = 1


@dataclass(frozen=True)
class ConformClip:
    """One continuous segment: scan frames → reference frames, and the reference frames
    consumed per scan frame."""

    scan_first: int
    scan_last: int
    reference_first: int
    reference_last: int
    per_frame: float
    repeated: Tuple[int, ...] = ()

    @property
    def length(self) -> int:
        return self.scan_last - self.scan_first + 1


def conform_clips(result: SyncResult) -> List[ConformClip]:
    """The clips of a sync result (its segments), with the scan frames each repeats."""
    by_scan: Dict[int, FrameMatch] = {m.scan: m for m in result.mapping}
    out = []
    for s in result.segments:
        n = s.scan_last - s.scan_first + 1
        span = s.reference_last - s.reference_first + 1
        repeated = tuple(
            f for f in range(s.scan_first, s.scan_last + 1) if len(by_scan[f].fields) >= 4
        )
        out.append(
            ConformClip(
                s.scan_first, s.scan_last, s.reference_first, s.reference_last, span / n, repeated
            )
        )
    return out


def _media_reference(otio: Any, media: Media) -> Any:
    available = otio.opentime.TimeRange(
        otio.opentime.RationalTime(media.first, media.rate),
        otio.opentime.RationalTime(media.last - media.first + 1, media.rate),
    )
    if media.directory is not None:
        return otio.schema.ImageSequenceReference(
            target_url_base=Path(media.directory).as_uri() + "/",
            name_prefix=media.prefix,
            name_suffix=media.suffix,
            start_frame=media.first,
            frame_step=1,
            rate=media.rate,
            frame_zero_padding=media.padding,
            available_range=available,
        )
    return otio.schema.ExternalReference(target_url=media.url, available_range=available)


def build_timeline(
    result: SyncResult,
    media: Media,
    *,
    scan_fps: float,
    name: str = "rtk conform",
    scan_first: Optional[int] = None,
) -> Any:
    """The OTIO Timeline of ``result`` (see the module docstring). ``scan_first``: the scan
    frame at record time 0 (default: the first scan frame)."""
    otio = _otio()
    rt = otio.opentime.RationalTime
    first = int(result.mapping[0].scan if scan_first is None else scan_first)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    cursor = first
    dropped = _dropped(result)
    for clip in conform_clips(result):
        if clip.scan_first > cursor:
            track.append(_gap(otio, cursor, clip.scan_first - 1, scan_fps, dropped))
        track.append(_clip(otio, clip, result, media, scan_fps))
        cursor = clip.scan_last + 1
    last = int(result.mapping[-1].scan)
    if cursor <= last:
        track.append(_gap(otio, cursor, last, scan_fps, dropped))
    timeline = otio.schema.Timeline(name=name, global_start_time=rt(first, scan_fps))
    timeline.tracks.append(track)
    timeline.metadata["rtk"] = {
        "schema": SCHEMA,
        "cadence": result.cadence,
        "field_order": result.field_order,
        "scan_first": first,
        "scan_fps": scan_fps,
        "reference": media.url,
        "reference_fps": media.rate,
    }
    return timeline


def _dropped(result: SyncResult) -> set:
    kinds = [m.kind for m in result.mapping]
    return {
        result.mapping[i].scan
        for i in range(1, len(kinds) - 1)
        if kinds[i] == "missing" and kinds[i - 1] != "missing" and kinds[i + 1] != "missing"
    }


def _gap(otio: Any, a: int, b: int, fps: float, dropped: set) -> Any:
    rt = otio.opentime.RationalTime
    gap = otio.schema.Gap(source_range=otio.opentime.TimeRange(rt(0, fps), rt(b - a + 1, fps)))
    gap.metadata["rtk"] = {"scan_first": a, "scan_last": b, "missing": True}
    for f in range(a, b + 1):
        if f in dropped:
            gap.markers.append(_marker(otio, f"dropped: scan {f}", f - a, fps, "ORANGE"))
    return gap


def _marker(otio: Any, name: str, at: float, fps: float, color: str) -> Any:
    rt = otio.opentime.RationalTime
    return otio.schema.Marker(
        name=name,
        marked_range=otio.opentime.TimeRange(rt(at, fps), rt(1, fps)),
        color=getattr(otio.schema.MarkerColor, color),
    )


def _clip(otio: Any, c: ConformClip, result: SyncResult, media: Media, fps: float) -> Any:
    rt = otio.opentime.RationalTime
    start = rt(c.reference_first, media.rate)
    # record duration in the reference's rate, so the clip lasts c.length record frames
    duration = rt(c.length, fps).rescaled_to(media.rate)
    clip = otio.schema.Clip(
        name=f"{media.name} {c.reference_first}-{c.reference_last}",
        media_reference=_media_reference(otio, media),
        source_range=otio.opentime.TimeRange(start, duration),
    )
    scalar = c.per_frame * fps / media.rate  # reference seconds per record second
    if abs(scalar - 1.0) > 1e-6:
        clip.effects.append(otio.schema.LinearTimeWarp(name="rtk speed", time_scalar=scalar))
    clip.metadata["rtk"] = {
        "scan_first": c.scan_first,
        "scan_last": c.scan_last,
        "reference_first": c.reference_first,
        "reference_last": c.reference_last,
        "reference_frames_per_scan_frame": round(c.per_frame, 6),
        "cadence": result.cadence,
        "field_order": result.field_order,
    }
    for f in c.repeated:
        # marked_range is in the clip's source space
        at = start + rt(f - c.scan_first, fps).rescaled_to(media.rate)
        clip.markers.append(
            otio.schema.Marker(
                name=f"repeated: scan {f}",
                marked_range=otio.opentime.TimeRange(at, rt(1, fps).rescaled_to(media.rate)),
                color=otio.schema.MarkerColor.RED,
            )
        )
    return clip


def write_conform(timeline: Any, path: Path) -> Path:
    """Write ``timeline`` as .otio, .edl or .fcpxml (by extension), whole or not at all."""
    from ..io.atomic import atomic_write_text

    path = Path(path)
    adapter = ADAPTERS.get(path.suffix.lower())
    if adapter is None:
        raise RTKError(f"unknown conform format (use {', '.join(ADAPTERS)})", path)
    otio = _otio()
    if adapter == "cmx_3600":
        timeline = _frame_count_edl(otio, timeline)
    if adapter == "fcpx_xml":  # FCP X takes files, not image sequences: the first frame
        timeline = timeline.deepcopy()
        for clip in timeline.find_clips():
            ref = clip.media_reference
            if isinstance(ref, otio.schema.ImageSequenceReference):
                clip.media_reference = otio.schema.ExternalReference(
                    target_url=ref.target_url_for_image_number(0),
                    available_range=ref.available_range,
                )
    try:
        text = otio.adapters.write_to_string(timeline, adapter_name=adapter)
    except Exception as exc:  # an adapter's own error: say which file and why
        raise RTKError(f"cannot write {adapter}: {exc}", path) from None
    atomic_write_text(path, text)
    return path


def _frame_count_edl(otio: Any, timeline: Any) -> Any:
    """A copy for CMX 3600, whose one rate serves source and record alike: source in-points
    count reference frames at the record rate (a frame-count conform) and speed changes
    are left to the comments (the .otio and .fcpxml keep the time warps)."""
    timeline = timeline.deepcopy()
    for clip in timeline.find_clips():
        rng = clip.range_in_parent()
        rate = rng.duration.rate
        start = clip.source_range.start_time.to_frames()
        clip.source_range = otio.opentime.TimeRange(
            otio.opentime.RationalTime(start, rate), rng.duration
        )
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ImageSequenceReference):  # the EDL names a file
            clip.media_reference = otio.schema.ExternalReference(
                target_url=ref.target_url_for_image_number(0)
            )
        for marker in clip.markers:  # marked ranges: the same frames, at the record rate
            at = marker.marked_range.start_time.to_frames()
            marker.marked_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(at, rate), otio.opentime.RationalTime(1, rate)
            )
        scalar = [e.time_scalar for e in clip.effects if hasattr(e, "time_scalar")]
        clip.effects[:] = []
        if scalar:
            clip.metadata.setdefault("rtk", {})["speed"] = round(scalar[0], 6)
    return timeline


@dataclass(frozen=True)
class ConformShot:
    """A shot of an editor's conform: its name, scan frames and (when the event names one)
    the reference frame it starts at."""

    name: str
    first: int
    last: int
    reference_first: Optional[int] = None


def read_conform(path: Path, scan_first: int, scan_fps: float) -> List[ConformShot]:
    """The shots of an editor's conform (.otio, .edl, .fcpxml): one per clip of the first
    video track, in record order. A clip that carries ``metadata["rtk"]`` keeps its scan
    frames; any other is placed by record time, the timeline's first frame being
    ``scan_first``. RTKError naming the file when it cannot be read or has no clip."""
    path = Path(path)
    if not path.is_file():
        raise RTKError("no such conform file", path)
    adapter = ADAPTERS.get(path.suffix.lower())
    if adapter is None:
        raise RTKError(f"unknown conform format (use {', '.join(ADAPTERS)})", path)
    otio = _otio()
    try:
        kwargs = {"rate": scan_fps} if adapter == "cmx_3600" else {}
        timeline = otio.adapters.read_from_file(str(path), adapter_name=adapter, **kwargs)
    except Exception as exc:  # the adapter's parse error, named with the file
        raise RTKError(f"cannot read it as {adapter}: {str(exc).splitlines()[0]}", path) from None
    tracks = [t for t in timeline.video_tracks()] if hasattr(timeline, "video_tracks") else []
    if not tracks:
        raise RTKError("the conform has no video track", path)
    shots: List[ConformShot] = []
    for k, item in enumerate(tracks[0]):
        if not isinstance(item, otio.schema.Clip):
            continue
        meta = dict(item.metadata.get("rtk") or {})
        rng = item.range_in_parent()
        a = int(round(rng.start_time.rescaled_to(scan_fps).value)) + scan_first
        n = int(round(rng.duration.rescaled_to(scan_fps).value))
        first, last = int(meta.get("scan_first", a)), int(meta.get("scan_last", a + n - 1))
        ref = meta.get("reference_first")
        if ref is None and item.source_range is not None:
            ref = int(round(item.source_range.start_time.value))
        shots.append(ConformShot(item.name or f"shot{k + 1:03d}", first, last, ref))
    if not shots:
        raise RTKError("the conform has no clip", path)
    return shots
