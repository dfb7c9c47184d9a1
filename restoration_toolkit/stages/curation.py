"""Stage 01 of a project, end to end: thumbnails → sync → shots → selection → pairs.yaml.

What ``rtk curate`` runs. Reads the project's scan and reference sequences (never writes
next to them), caches thumbnails in ``pipeline/01_dataset_curation/cache/``, and writes
``pairs.yaml`` and ``contact_sheet.png`` there — each whole or not at all, and only after
everything was computed, so a failure leaves the previous pairs.yaml as it was.

Non-reference color recovery (``color-nonreference``): the pairs come from keyframe
references (graded frames, paintings, photographs) listed in project.yaml with their
provenance; :func:`register_keyframes` maps a folder of them to scan frames.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

from ..core.curation.contact_sheet import SheetEntry, contact_sheet, label_lines
from ..core.curation.content_check import check_content
from ..core.curation.pairs import Pair, PairSet, Rejection, load_pairs
from ..core.curation.selection import Selection, SelectionSettings, select_pairs
from ..core.curation.shots import ShotDetection, detect_shots
from ..core.curation.sync import SyncResult, SyncSettings, pool, rank_features, sync_sequences
from ..core.errors import RTKError
from ..core.io.images import ImageMetadata, read_image, write_image
from ..core.io.sequence import ImageSequence, open_sequence
from ..core.io.thumbnails import Thumbnails, frame_thumbnail, sequence_thumbnails
from ..core.progress import ProgressFn
from ..core.project import KeyframeReference, Project, Provenance

IMAGE_EXTENSIONS = (".exr", ".dpx", ".tif", ".tiff", ".png", ".jpg", ".jpeg")
CONTACT_SHEET = "contact_sheet.png"


@dataclass(frozen=True)
class CurateOptions:
    """``mode``: method (``per_shot`` 4/7/11) or coverage (``count``); manual ``include`` /
    ``exclude`` frames; ``holdout`` frames for validation; ``content_check`` of each pick."""

    mode: str = "method"
    per_shot: int = 4
    count: Optional[int] = None
    include: Tuple[int, ...] = ()
    exclude: Tuple[int, ...] = ()
    holdout: int = 2
    content_check: bool = True
    contact_sheet: bool = True
    settings: SelectionSettings = field(default_factory=SelectionSettings)


@dataclass(frozen=True)
class CurationResult:
    pairs_file: Path
    contact_sheet: Optional[Path]
    pairs: PairSet
    selection: Optional[Selection]
    sync: Optional[SyncResult]
    shots: Optional[ShotDetection]
    summary: str
    warnings: Tuple[str, ...] = ()


# -- sync of two sequences ------------------------------------------------------------------


def open_input(spec: str, frames: Optional[str] = None) -> ImageSequence:
    """A sequence that must be complete (a gap is an error naming the missing frames)."""
    return open_sequence(spec, frames)


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
    settings: Optional[SyncSettings] = None,
) -> Tuple[SyncResult, Thumbnails, Thumbnails, ImageSequence, ImageSequence]:
    """Sync two sequences on disk; returns (result, scan thumbs, reference thumbs, scan seq,
    reference seq). RTKError for gaps, unreadable frames, a too-short or unrelated reference."""
    scan_seq = open_input(scan_spec, scan_frames)
    ref_seq = open_input(reference_spec, reference_frames)
    if scan_seq.is_single or ref_seq.is_single:
        raise RTKError(
            "sync needs two image sequences, not single images",
            scan_spec if scan_seq.is_single else reference_spec,
        )
    scan = sequence_thumbnails(scan_seq, cache_dir=cache_dir, progress=progress)
    ref = sequence_thumbnails(ref_seq, fields=True, cache_dir=cache_dir, progress=progress)
    try:
        result = sync_sequences(
            scan,
            ref,
            scan_fps=scan_fps,
            reference_fps=reference_fps,
            field_order=field_order,
            settings=settings or SyncSettings(),
        )
    except RTKError as exc:
        raise RTKError(exc.problem, reference_spec) from None
    return result, scan, ref, scan_seq, ref_seq


def project_sync(project: Project, progress: Optional[ProgressFn] = None):
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
    )


# -- curation -------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    from ..core.experiment_log.record import file_sha256

    return "sha256:" + file_sha256(path)


def _previous(project: Project) -> Tuple[List[Pair], List[int]]:
    """Manual pairs and manual exclusions of an existing pairs.yaml (they are kept)."""
    if not project.pairs_file.is_file():
        return [], []
    try:
        old = load_pairs(project.pairs_file)
    except RTKError:
        return [], []
    manual = [p for p in old.pairs if p.origin == "manual"]
    excluded = [r.scan_frame for r in old.rejected if r.reason.startswith("excluded by hand")]
    return manual, excluded


def _display(pixels: np.ndarray, colorspace: str, project: Project) -> np.ndarray:
    """The contact sheet's sRGB view; an unknown colour space is an RTKError naming the OCIO
    config, not a sheet silently shown in the wrong encoding."""
    from ..core.io.ocio import convert_colorspace

    return convert_colorspace(
        pixels[:, :, :3], colorspace, "sRGB - Texture", config=project.color.ocio_config
    )


def curate_project(
    project: Project, options: Optional[CurateOptions] = None, progress: Optional[ProgressFn] = None
) -> CurationResult:
    """Run stage 01 and write pairs.yaml (+ contact sheet). See the module docstring."""
    options = options or CurateOptions()
    if project.technique == "color-nonreference":
        return curate_keyframes(project, options)
    sync, scan, ref, scan_seq, ref_seq = project_sync(project, progress)
    named = [(s.name, s.first, s.last) for s in project.shots] or None
    shots = detect_shots(scan, shots=named)
    manual, old_excluded = _previous(project)
    include = (set(options.include) | {p.scan_frame for p in manual}) - set(options.exclude)
    exclude = (set(options.exclude) | set(old_excluded)) - set(options.include)
    for f in sorted(include | exclude):
        if f not in set(int(x) for x in scan.frames):
            raise RTKError(
                f"frame {f} is not a frame of the scan ({scan_seq.first}-{scan_seq.last})",
                scan_seq.hash_pattern,
            )
    cache: Dict[Tuple[str, int], np.ndarray] = {}

    def image(seq: ImageSequence, frame: int) -> np.ndarray:
        key = (seq.hash_pattern, frame)
        if key not in cache:
            cache[key] = read_image(seq.path(frame)).pixels
        return cache[key]

    def check(scan_frame: int, ref_frame: int):
        return check_content(image(scan_seq, scan_frame), image(ref_seq, ref_frame))

    selection = select_pairs(
        scan,
        shots,
        sync,
        mode=options.mode,
        per_shot=options.per_shot,
        count=options.count,
        include=sorted(include),
        exclude=sorted(exclude),
        holdout=options.holdout,
        check=check if options.content_check else None,
        settings=options.settings,
    )
    if not selection.picks:
        reasons = ", ".join(
            f"{k}: {v}" for k, v in sorted(selection.unusable.items(), key=lambda kv: -kv[1])[:4]
        )
        raise RTKError(f"no usable pair found ({reasons or 'no frames'})", project.source_spec())
    old_manual = {p.scan_frame: p for p in manual}
    pairs = []
    for p in selection.picks:
        ref_frame = p.reference_frame
        reason = p.reason
        if p.origin == "manual" and p.scan_frame in old_manual:
            prev = old_manual[p.scan_frame]
            reason = prev.reason or reason
            ref_frame = prev.reference_frame if prev.reference_frame is not None else ref_frame
        sums = {"scan": _sha256(scan_seq.path(p.scan_frame))}
        if ref_frame is not None:
            sums["reference"] = _sha256(ref_seq.path(ref_frame))
        pairs.append(
            Pair(
                p.scan_frame,
                ref_frame,
                None,
                p.shot,
                reason,
                round(float(p.confidence), 4),
                p.origin,
                sums,
            )
        )
    warnings = [
        f"pair at scan frame {p.scan_frame} has no reference frame (only fields or missing)"
        for p in pairs
        if p.reference_frame is None
    ]
    rejected = [Rejection(r.scan_frame, r.reason, r.reference_frame) for r in selection.rejected]
    notes = f"{selection.summary}. Sync: {sync.explanation}."
    by_scan = {m.scan: m for m in sync.mapping}
    holdout_refs = {
        f: int(by_scan[f].reference)
        for f in selection.holdout
        if f in by_scan and by_scan[f].reference is not None
    }
    pairset = PairSet(
        project.technique,
        pairs,
        rejected,
        holdout=list(selection.holdout),
        holdout_references=holdout_refs,
        notes=notes,
    )
    sheet_path = None
    if options.contact_sheet:
        entries = []
        for p in pairs:
            ref_img = image(ref_seq, p.reference_frame) if p.reference_frame is not None else None
            t, s = label_lines(
                p.scan_frame,
                f"ref {p.reference_frame}" if p.reference_frame is not None else None,
                p.shot,
                p.reason,
            )
            entries.append(
                SheetEntry(
                    _display(image(scan_seq, p.scan_frame), project.source.colorspace, project),
                    _display(ref_img, project.reference.colorspace, project)
                    if ref_img is not None
                    else None,
                    t,
                    s,
                )
            )
        sheet = contact_sheet(
            entries,
            heading=f"{project.name}: {len(pairs)} pairs ({selection.mode}); {sync.cadence}",
        )
        sheet_path = project.stage_dir(1) / CONTACT_SHEET
        write_image(sheet_path, sheet, ImageMetadata(colorspace="sRGB - Texture"))
    pairset.save(project.pairs_file)
    if not project.shots:
        # project.yaml's shot list is filled by curation (artists may rename or edit it;
        # an existing list is theirs and is kept)
        from ..core.project import Shot, load_project

        fresh = load_project(project.root)
        fresh.shots = [Shot(s.name, s.first, s.last) for s in shots.shots]
        fresh.save()
    summary = f"{selection.summary}; sync {sync.explanation}"
    return CurationResult(
        project.pairs_file, sheet_path, pairset, selection, sync, shots, summary, tuple(warnings)
    )


def add_pairs(
    project: Project,
    frames: Sequence[int],
    reason: str = "validation outlier (added with --add)",
    progress: Optional[ProgressFn] = None,
) -> CurationResult:
    """The outlier loop: add scan frames (e.g. where validation found the model worst) to the
    existing pairs.yaml as manual pairs, with their synced reference frames."""
    if not project.pairs_file.is_file():
        raise RTKError("no pairs.yaml yet (run `rtk curate` first)", project.pairs_file)
    pairset = load_pairs(project.pairs_file)
    have = {p.scan_frame for p in pairset.pairs}
    new_frames = [f for f in dict.fromkeys(int(x) for x in frames) if f not in have]
    if project.technique == "color-nonreference":
        raise RTKError(
            "--add needs a reference sequence; for keyframe references use --keyframes",
            project.root / "project.yaml",
        )
    sync, scan, _ref, scan_seq, ref_seq = project_sync(project, progress)
    by_scan = {m.scan: m for m in sync.mapping}
    bad = [f for f in new_frames if f not in by_scan or by_scan[f].reference is None]
    if bad:
        raise RTKError(
            "no clean reference frame for scan frame(s) "
            + ", ".join(map(str, bad))
            + " (missing from the reference or only as mixed fields)",
            project.reference_spec(),
        )
    shots = detect_shots(scan, shots=[(s.name, s.first, s.last) for s in project.shots] or None)
    pairs = list(pairset.pairs)
    for f in new_frames:
        m = by_scan[f]
        sh = shots.shot_of(f)
        pairs.append(
            Pair(
                f,
                m.reference,
                None,
                sh.name if sh else "",
                reason,
                round(m.confidence, 4),
                "manual",
                {
                    "scan": _sha256(scan_seq.path(f)),
                    "reference": _sha256(ref_seq.path(int(m.reference))),
                },
            )
        )
    pairs.sort(key=lambda p: p.scan_frame)
    holdout = [h for h in pairset.holdout if h not in new_frames]
    out = PairSet(
        pairset.technique,
        pairs,
        pairset.rejected,
        holdout=holdout,
        holdout_references={k: v for k, v in pairset.holdout_references.items() if k in holdout},
        notes=pairset.notes,
    )
    out.save(project.pairs_file)
    summary = f"added {len(new_frames)} pair(s) ({', '.join(map(str, new_frames)) or 'none new'}); {len(pairs)} pairs now"
    return CurationResult(project.pairs_file, None, out, None, sync, shots, summary)


# -- non-reference color: keyframes ----------------------------------------------------------


def _frame_number(name: str) -> Optional[int]:
    digits = re.findall(r"(\d+)", Path(name).stem)
    return int(digits[-1]) if digits else None


def register_keyframes(
    project: Project, folder: Path, provenance: Provenance, *, colorspace: str = "sRGB - Texture"
) -> List[Tuple[KeyframeReference, str]]:
    """Map every image in ``folder`` to a scan frame and record it, with its provenance, in
    project.yaml (an entry for the same file is replaced).

    The scan frame is the last number in the file name when it is a frame of the scan,
    else the most similar scan frame by content (luminance layout; a painting or photo of
    the same scene). A ``provenance.yaml`` in the folder (``default:`` and per-file entries
    with source / holder / permission / date / notes / scan_frame) overrides ``provenance``.
    Returns (reference, how it was mapped) per file. Saves project.yaml."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RTKError("no such folder of keyframe references", folder)
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
    )
    if not files:
        raise RTKError("no images in the keyframe folder (exr, dpx, tif, png, jpg)", folder)
    sidecar: Dict = {}
    side = folder / "provenance.yaml"
    if side.is_file():
        try:
            sidecar = yaml.safe_load(side.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            raise RTKError("not valid YAML", side) from None
        if not isinstance(sidecar, dict):
            raise RTKError("must be a mapping with 'default' and per-file entries", side)
    default = dict(sidecar.get("default") or {})
    scan_seq = open_input(project.source_spec(), project.source.frames)
    scan = sequence_thumbnails(scan_seq, cache_dir=project.stage_dir(1) / "cache")
    zs = rank_features(pool(scan.luma, 32, 24))
    frames = [int(f) for f in scan.frames]
    out: List[Tuple[KeyframeReference, str]] = []
    for path in files:
        own = dict((sidecar.get("files") or {}).get(path.name) or {})
        info = {k: str(v) for k, v in {**default, **own}.items() if v is not None}
        prov = Provenance(
            **{
                k: info.get(k, getattr(provenance, k))
                for k in ("source", "holder", "permission", "date", "notes")
            }
        )
        number = own.get("scan_frame")
        if number is None:
            number = _frame_number(path.name)
        if number is not None and int(number) in frames:
            frame, how = int(number), "by file name"
        else:
            luma, _c, _f = frame_thumbnail(read_image(path).pixels)
            z = rank_features(pool(luma[None], 32, 24))[0]
            sims = zs @ z
            k = int(np.argmax(sims))
            frame, how = frames[k], f"by content (correlation {float(sims[k]):.2f})"
        rel = _relative(path, project.root)
        out.append((KeyframeReference(frame, rel, colorspace, prov), how))
    keep = [k for k in project.keyframe_references if k.path not in {r.path for r, _ in out}]
    project.keyframe_references = sorted(
        keep + [r for r, _ in out], key=lambda k: (k.scan_frame, k.path)
    )
    project.save()
    return out


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def curate_keyframes(project: Project, options: Optional[CurateOptions] = None) -> CurationResult:
    """pairs.yaml for non-reference color: one manual pair per keyframe reference."""
    options = options or CurateOptions()
    if not project.keyframe_references:
        raise RTKError(
            "no keyframe references in project.yaml (add a folder with `rtk curate --keyframes DIR`)",
            project.root / "project.yaml",
        )
    scan_seq = open_input(project.source_spec(), project.source.frames)
    excluded = set(options.exclude)
    pairs, rejected, warnings = [], [], []
    for k in project.keyframe_references:
        path = project.resolve(k.path)
        if not path.is_file():
            raise RTKError("keyframe reference file is missing", path)
        if k.scan_frame not in scan_seq.frames:
            raise RTKError(f"keyframe maps to frame {k.scan_frame}, not a frame of the scan", path)
        if k.scan_frame in excluded:
            rejected.append(Rejection(k.scan_frame, "excluded by hand"))
            continue
        p = k.provenance
        credit = f"{p.source or 'unknown source'}, {p.holder or 'unknown holder'}, {p.permission or 'no permission recorded'}"
        if p.is_empty():
            warnings.append(
                f"{k.path}: provenance incomplete (missing {', '.join(p.missing_fields())}) — "
                "training and export will refuse it"
            )
        pairs.append(
            Pair(
                k.scan_frame,
                None,
                k.path,
                "",
                f"keyframe reference ({credit})",
                1.0,
                "manual",
                {"scan": _sha256(scan_seq.path(k.scan_frame)), "reference": _sha256(path)},
            )
        )
    if not pairs:
        raise RTKError("every keyframe reference was excluded", project.root / "project.yaml")
    pairset = PairSet(
        project.technique,
        sorted(pairs, key=lambda p: p.scan_frame),
        rejected,
        notes=f"{len(pairs)} keyframe pairs (non-reference color)",
    )
    sheet_path = None
    if options.contact_sheet:
        entries = []
        for p in pairset.pairs:
            entries.append(
                SheetEntry(
                    _display(
                        read_image(scan_seq.path(p.scan_frame)).pixels,
                        project.source.colorspace,
                        project,
                    ),
                    read_image(project.resolve(str(p.reference_file))).pixels,
                    f"scan {p.scan_frame} <-> {Path(str(p.reference_file)).name}",
                    p.reason[:80],
                )
            )
        sheet_path = project.stage_dir(1) / CONTACT_SHEET
        write_image(
            sheet_path,
            contact_sheet(entries, heading=f"{project.name}: keyframe references"),
            ImageMetadata(colorspace="sRGB - Texture"),
        )
    pairset.save(project.pairs_file)
    return CurationResult(
        project.pairs_file, sheet_path, pairset, None, None, None, pairset.notes, tuple(warnings)
    )
