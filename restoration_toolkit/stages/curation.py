"""Stage 01 of a project, end to end: thumbnails → sync → shots → selection → pairs.yaml.

What ``rtk curate`` runs (:func:`run_curation`). Reads the project's scan and reference
sequences (never writes next to them), caches thumbnails in
``pipeline/01_dataset_curation/cache/``, and writes ``pairs.yaml`` and ``contact_sheet.png``
there — each whole or not at all, and only after everything was computed, so a failure
leaves the previous pairs.yaml as it was. Non-reference color (keyframe references) is
:mod:`restoration_toolkit.stages.keyframes`; the sync itself :mod:`restoration_toolkit.stages.sync`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..core.curation.contact_sheet import SheetEntry, contact_sheet, label_lines
from ..core.curation.content_check import check_content
from ..core.curation.pairs import Pair, PairSet, Rejection, load_pairs
from ..core.curation.selection import select_pairs
from ..core.curation.shots import detect_shots
from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.footage import Footage
from ..core.io.images import ImageMetadata, write_image
from ..core.progress import ProgressFn
from ..core.project import KeyframeReference, Project, Provenance, Shot, load_project
from .curation_common import (
    CONTACT_SHEET,
    CurateOptions,
    CurationResult,
    display,
    previous,
)
from .footage import cached_picture_box
from .keyframes import curate_keyframes, register_keyframes
from .sync import project_sync


class _Images:
    """Full frames read once per run (content check, contact sheet)."""

    def __init__(self) -> None:
        self.cache: Dict[Tuple[str, int], np.ndarray] = {}

    def __call__(self, seq: Footage, frame: int) -> np.ndarray:
        key = (seq.hash_pattern, frame)
        if key not in self.cache:
            self.cache[key] = seq.read(frame).pixels
        return self.cache[key]


def curate_project(
    project: Project, options: Optional[CurateOptions] = None, progress: Optional[ProgressFn] = None
) -> CurationResult:
    """Run stage 01 and write pairs.yaml (+ contact sheet). See the module docstring."""
    options = options or CurateOptions()
    if project.technique == "color-nonreference":
        return curate_keyframes(project, options)
    sync, scan, _ref, scan_seq, ref_seq = project_sync(project, progress)
    named = [(s.name, s.first, s.last) for s in project.shots] or None
    shots = detect_shots(scan, shots=named)
    manual, old_excluded = previous(project)
    include = (set(options.include) | {p.scan_frame for p in manual}) - set(options.exclude)
    exclude = (set(options.exclude) | set(old_excluded)) - set(options.include)
    scan_frames = set(int(x) for x in scan.frames)
    for f in sorted(include | exclude):
        if f not in scan_frames:
            raise RTKError(
                f"frame {f} is not a frame of the scan ({scan_seq.first}-{scan_seq.last})",
                scan_seq.hash_pattern,
            )
    image = _Images()

    cache_dir = project.stage_dir(1) / "cache"
    box = project.picture_area.box if project.picture_area is not None else None
    box = box or cached_picture_box(scan_seq, cache_dir)
    ref_box = cached_picture_box(ref_seq, cache_dir)

    def check(scan_frame: int, ref_frame: int):
        # the pictures only: perforations, soundtrack and letterbox bars are not content
        scan_pixels, ref_pixels = image(scan_seq, scan_frame), image(ref_seq, ref_frame)
        if box is not None:
            scan_pixels = scan_pixels[box[1] : box[3], box[0] : box[2]]
        if ref_box is not None:
            ref_pixels = ref_pixels[ref_box[1] : ref_box[3], ref_box[0] : ref_box[2]]
        return check_content(scan_pixels, ref_pixels)

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
        top = sorted(selection.unusable.items(), key=lambda kv: -kv[1])[:4]
        reasons = ", ".join(f"{k}: {v}" for k, v in top)
        raise RTKError(f"no usable pair found ({reasons or 'no frames'})", project.source_spec())
    pairs = _pairs(selection, {p.scan_frame: p for p in manual}, scan_seq, ref_seq)
    pairset = _pairset(project, pairs, selection, sync)
    sheet_path = None
    if options.contact_sheet:
        heading = f"{project.name}: {len(pairs)} pairs ({selection.mode}); {sync.cadence}"
        sheet_path = _sheet(project, pairs, image, scan_seq, ref_seq, heading)
    pairset.save(project.pairs_file)
    if not project.shots:
        # project.yaml's shot list is filled by curation (artists may rename or edit it;
        # an existing list is theirs and is kept)
        fresh = load_project(project.root)
        fresh.shots = [Shot(s.name, s.first, s.last) for s in shots.shots]
        fresh.save()
    warnings = tuple(
        f"pair at scan frame {p.scan_frame} has no reference frame (only fields or missing)"
        for p in pairs
        if p.reference_frame is None
    )
    summary = f"{selection.summary}; sync {sync.explanation}"
    return CurationResult(
        project.pairs_file, sheet_path, pairset, selection, sync, shots, summary, warnings
    )


def _pairs(selection, old_manual: Dict[int, Pair], scan_seq, ref_seq) -> List[Pair]:
    """The picks as pairs.yaml entries (a manual pair keeps its reason and reference)."""
    pairs = []
    for p in selection.picks:
        ref_frame, reason = p.reference_frame, p.reason
        if p.origin == "manual" and p.scan_frame in old_manual:
            prev = old_manual[p.scan_frame]
            reason = prev.reason or reason
            ref_frame = prev.reference_frame if prev.reference_frame is not None else ref_frame
        sums = {"scan": scan_seq.checksum(p.scan_frame)}
        if ref_frame is not None:
            sums["reference"] = ref_seq.checksum(ref_frame)
        confidence = round(float(p.confidence), 4)
        pairs.append(
            Pair(p.scan_frame, ref_frame, None, p.shot, reason, confidence, p.origin, sums)
        )
    return pairs


def _pairset(project: Project, pairs: List[Pair], selection, sync) -> PairSet:
    by_scan = {m.scan: m for m in sync.mapping}
    holdout_refs = {
        f: int(by_scan[f].reference)
        for f in selection.holdout
        if f in by_scan and by_scan[f].reference is not None
    }
    return PairSet(
        project.technique,
        pairs,
        [Rejection(r.scan_frame, r.reason, r.reference_frame) for r in selection.rejected],
        holdout=list(selection.holdout),
        holdout_references=holdout_refs,
        notes=f"{selection.summary}. Sync: {sync.explanation}.",
    )


def _sheet(project: Project, pairs: List[Pair], image, scan_seq, ref_seq, heading: str) -> Path:
    entries = []
    for p in pairs:
        has_ref = p.reference_frame is not None
        ref_img = image(ref_seq, p.reference_frame) if has_ref else None
        t, s = label_lines(
            p.scan_frame, f"ref {p.reference_frame}" if has_ref else None, p.shot, p.reason
        )
        scan_img = display(image(scan_seq, p.scan_frame), project.source.colorspace, project)
        ref_disp = display(ref_img, project.reference.colorspace, project) if has_ref else None
        entries.append(SheetEntry(scan_img, ref_disp, t, s))
    path = project.stage_dir(1) / CONTACT_SHEET
    write_image(
        path, contact_sheet(entries, heading=heading), ImageMetadata(colorspace="sRGB - Texture")
    )
    return path


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
                    "scan": scan_seq.checksum(f),
                    "reference": ref_seq.checksum(int(m.reference)),
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
    added = ", ".join(map(str, new_frames)) or "none new"
    summary = f"added {len(new_frames)} pair(s) ({added}); {len(pairs)} pairs now"
    return CurationResult(project.pairs_file, None, out, None, sync, shots, summary)


@dataclass(frozen=True)
class CurateRequest:
    """What ``rtk curate`` asks for: the options of a curation run, or ``add`` frames to an
    existing pairs.yaml (with ``reason``), after mapping a ``keyframes`` folder (with its
    ``provenance`` and ``colorspace``) when given; ``log``: record it in the experiment log."""

    options: CurateOptions = field(default_factory=CurateOptions)
    add: Tuple[int, ...] = ()
    reason: str = "validation outlier (added with --add)"
    keyframes: Optional[Path] = None
    provenance: Provenance = field(default_factory=Provenance)
    colorspace: str = "sRGB - Texture"
    log: bool = True


@dataclass(frozen=True)
class CurateOutcome:
    result: CurationResult
    keyframes: Tuple[Tuple[KeyframeReference, str], ...]
    experiment: Optional[str]


def run_curation(
    project: Project, request: CurateRequest, progress: Optional[ProgressFn] = None
) -> CurateOutcome:
    """Stage 01 on ``project`` as asked, then the experiment-log entry."""
    mapped: List[Tuple[KeyframeReference, str]] = []
    if request.keyframes is not None:
        if project.technique != "color-nonreference":
            raise RTKError(
                "--keyframes is for technique color-nonreference; "
                f"this project is {project.technique}",
                project.root / "project.yaml",
            )
        mapped = register_keyframes(
            project, request.keyframes, request.provenance, colorspace=request.colorspace
        )
    if request.add:
        result = add_pairs(project, request.add, request.reason, progress=progress)
    else:
        result = curate_project(project, request.options, progress)
    entry = _log(project, request, result) if request.log else None
    return CurateOutcome(result, tuple(mapped), entry)


def _log(project: Project, request: CurateRequest, result: CurationResult) -> Optional[str]:
    sync = result.sync
    figures: Dict[str, object] = {
        "pairs": len(result.pairs.pairs),
        "rejected": len(result.pairs.rejected),
    }
    if sync is not None:
        figures.update(
            {
                "sync_matched_fraction": round(sync.matched_fraction, 4),
                "cadence": sync.cadence,
                "offset": sync.offset,
            }
        )
    if result.shots is not None:
        figures["shots"] = len(result.shots.shots)
    o = request.options
    return log_run(
        project.root,
        stage="dataset_curation",
        technique=project.technique,
        frames=[p.scan_frame for p in result.pairs.pairs],
        parameters={
            "mode": "add" if request.add else o.mode,
            "count": o.count,
            "per_shot": o.per_shot,
            "include": list(o.include),
            "exclude": list(o.exclude),
            "add": list(request.add),
            "holdout": o.holdout,
        },
        figures=figures,
        inputs=[project.root / "project.yaml"],
        outputs=[p for p in (result.pairs_file, result.contact_sheet) if p is not None],
        observations=result.summary,
    )


def refresh_pairs(project: Project) -> Dict[str, Any]:
    """``rtk curate --refresh``: record the current checksums of every pair's frames in
    pairs.yaml (after a frame was replaced on purpose; nothing else changes). Returns the
    pairs file and the frames that had changed."""
    from ..core.curation.pairs import refresh_checksums

    changed = refresh_checksums(project)
    return {
        "pairs_file": project.pairs_file,
        "changed": [
            {"scan_frame": c.pair.scan_frame, "role": c.role, "path": c.path, "problem": c.problem}
            for c in changed
        ],
    }
