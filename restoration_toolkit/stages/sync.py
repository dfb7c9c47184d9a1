"""Temporal sync of two sequences on disk (or a project's scan and reference): thumbnails
(cached), the mapping, and optionally the conform written for an editor (.otio, .edl,
.fcpxml through OpenTimelineIO).

Used by ``rtk sync``, ``rtk curate`` (through :func:`project_sync`) and the Nuke side. The
sequences are read through the sequence/thumbnails interface, so image sequences and video
files alike; nothing is ever written next to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..core.curation.conform import Media, build_timeline, write_conform
from ..core.curation.sync import SyncResult, SyncSettings, sync_sequences
from ..core.errors import RTKError
from ..core.io.footage import Footage, open_footage
from ..core.io.sequence import ImageSequence
from ..core.io.thumbnails import Thumbnails, sequence_thumbnails
from ..core.progress import ProgressFn
from ..core.project import Project
from .footage import cached_picture_box

CONFORM_FORMATS = ("otio", "edl", "fcpxml")


@dataclass(frozen=True)
class SyncRequest:
    """What a front end asks for: two sequences (pattern, optional frame range), frame
    rates, field order (None: detect), a thumbnail cache folder, and conform files to write
    (``conform``: paths ending .otio / .edl / .fcpxml)."""

    scan: str
    reference: str
    scan_frames: Optional[str] = None
    reference_frames: Optional[str] = None
    scan_fps: float = 24.0
    reference_fps: Optional[float] = None
    field_order: Optional[str] = None
    cache_dir: Optional[Path] = None
    conform: Tuple[Path, ...] = ()
    scan_crop: Optional[Tuple[int, int, int, int]] = None
    reference_crop: Optional[Tuple[int, int, int, int]] = None


@dataclass(frozen=True)
class SyncOutcome:
    result: SyncResult
    scan: Thumbnails
    reference: Thumbnails
    scan_sequence: Footage
    reference_sequence: Footage
    conform_files: Tuple[Path, ...] = ()


def open_input(spec: str, frames: Optional[str] = None) -> Footage:
    """A sequence that must be complete (a gap is an error naming the missing frames), or a
    video file (frames 1…N in presentation order; its index is kept in the user cache)."""
    return open_footage(spec, frames)


def run_sync(request: SyncRequest, progress: Optional[ProgressFn] = None) -> SyncOutcome:
    """Thumbnails, sync, and the conform files asked for (each written whole or not at all,
    after the sync succeeded). RTKError for gaps, unreadable frames, a too-short or unrelated
    reference, an unknown conform format."""
    for path in request.conform:
        if Path(path).suffix.lower().lstrip(".") not in CONFORM_FORMATS:
            raise RTKError(f"unknown conform format (use {', '.join(CONFORM_FORMATS)})", path)
    scan_seq = open_input(request.scan, request.scan_frames)
    ref_seq = open_input(request.reference, request.reference_frames)
    if scan_seq.is_single or ref_seq.is_single:
        raise RTKError(
            "sync needs two image sequences or video files, not single images",
            request.scan if scan_seq.is_single else request.reference,
        )
    # only the picture areas: perforations, soundtrack, frame lines and letterbox bars are not
    # the film's content (found on a few frames when not given; see core.curation.picture_area)
    scan_crop = request.scan_crop or cached_picture_box(scan_seq, request.cache_dir)
    ref_crop = request.reference_crop or cached_picture_box(ref_seq, request.cache_dir)
    scan = sequence_thumbnails(
        scan_seq, cache_dir=request.cache_dir, progress=progress, crop=scan_crop
    )
    ref = sequence_thumbnails(
        ref_seq, fields=True, cache_dir=request.cache_dir, progress=progress, crop=ref_crop
    )
    try:
        result = sync_sequences(
            scan,
            ref,
            scan_fps=request.scan_fps,
            reference_fps=request.reference_fps,
            field_order=request.field_order,
            settings=SyncSettings(),
            progress=progress,
        )
    except RTKError as exc:
        raise RTKError(exc.problem, request.reference) from None
    written = tuple(
        write_conform(
            build_timeline(
                result,
                media_of(ref_seq, request.reference_fps or request.scan_fps),
                scan_fps=request.scan_fps,
                name=f"{scan_seq.prefix.strip('._') or 'scan'} conform",
            ),
            Path(path),
        )
        for path in request.conform
    )
    return SyncOutcome(result, scan, ref, scan_seq, ref_seq, written)


def media_of(seq: Any, rate: float) -> Media:
    """The reference as OTIO media: an image sequence by its parts, anything else (a video
    file) by its path."""
    first, last = int(seq.first), int(seq.last)
    if isinstance(seq, ImageSequence) and not seq.is_single:
        return Media(
            seq.prefix.strip("._") or "reference",
            seq.hash_pattern,
            rate,
            str(Path(seq.directory).resolve()),
            seq.prefix,
            seq.suffix,
            seq.padding,
            first,
            last,
        )
    path = Path(seq.hash_pattern)  # a video file: the file itself
    return Media(path.stem, path.resolve().as_uri(), rate, first=first, last=last)


def sync_files(
    scan_spec: str,
    reference_spec: str,
    *,
    scan_frames: Optional[str] = None,
    reference_frames: Optional[str] = None,
    scan_fps: Optional[float] = None,
    reference_fps: Optional[float] = None,
    field_order: Optional[str] = None,
    cache_dir: Optional[Path] = None,
    progress: Optional[ProgressFn] = None,
    scan_crop: Optional[Tuple[int, int, int, int]] = None,
    reference_crop: Optional[Tuple[int, int, int, int]] = None,
) -> Tuple[SyncResult, Thumbnails, Thumbnails, Footage, Footage]:
    """Sync two sequences (or video files) on disk; returns (result, scan thumbs, reference
    thumbs, scan footage, reference footage). See :func:`run_sync`."""
    out = run_sync(
        SyncRequest(
            scan_spec,
            reference_spec,
            scan_frames,
            reference_frames,
            scan_fps or 24.0,
            reference_fps,
            field_order,
            cache_dir,
            scan_crop=scan_crop,
            reference_crop=reference_crop,
        ),
        progress,
    )
    return out.result, out.scan, out.reference, out.scan_sequence, out.reference_sequence


def project_sync(project: Project, progress: Optional[ProgressFn] = None):
    """:func:`sync_files` on the project's scan and reference, cached in stage 01."""
    if project.reference is None:
        raise RTKError(
            "the project has no reference sequence to sync with", project.root / "project.yaml"
        )
    order = (
        project.reference.field_order
        if project.reference.field_order in ("upper", "lower")
        else None
    )
    return sync_files(
        project.source_spec(),
        str(project.reference_spec()),
        scan_frames=project.source.frames,
        reference_frames=project.reference.frames,
        scan_fps=project.source.fps,
        reference_fps=project.reference.fps,
        field_order=order,
        cache_dir=project.stage_dir(1) / "cache",
        progress=progress,
        scan_crop=project.picture_area.box if project.picture_area is not None else None,
    )


def sync_summary(outcome: SyncOutcome) -> Dict[str, Any]:
    """What ``rtk sync --json`` prints."""
    result = outcome.result
    data = result.as_dict()
    return {
        "mapping": data["mapping"],
        "cadence": result.cadence,
        "offset": result.offset,
        "speed": result.speed,
        "slope": result.slope,
        "field_order": result.field_order,
        "segments": data["segments"],
        "mixed_reference_frames": list(result.mixed_reference_frames),
        "repeated": result.repeated,
        "dropped": result.dropped,
        "matched_fraction": result.matched_fraction,
        "explanation": result.explanation,
        "conform": [p.as_posix() for p in outcome.conform_files],
    }


def missing_and_fields(result: SyncResult) -> Tuple[List[int], List[int]]:
    """Scan frames not in the reference, and scan frames only as fields of mixed frames."""
    missing = [m.scan for m in result.mapping if m.kind == "missing"]
    fields = [m.scan for m in result.mapping if m.kind == "fields"]
    return missing, fields
