"""Flicker and inter-frame color consistency on a project or on named sequences.

``rtk deflicker``: pass 1 reduces every frame (and its target: the aligned reference when
*every* frame has one, else the motion-compensated neighbours within ``reach`` frames of the
same shot) to a coarse grid of log cell means, damaged pixels left out; the corrections are
estimated over the whole run (``core.damage.flicker``); pass 2 applies each frame's smooth
gain field and writes it in the scan's format. ``flicker.json`` holds each frame's
correction and the flicker figures of the validation stage (brightness and chroma RMS
frame-to-frame steps) before and after. ``--measure`` writes only the figures.

``rtk damage consistency``: neutral and skin tones across cuts (``core.damage.consistency``)
of the sequence before and, when given, after restoration, the pixels chosen once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from ..core.errors import RTKError
from ..core.progress import ProgressFn, report
from .damage_io import FrameSource, Staging, check_reference, extension, neighbour_frames

DEFLICKER_DIR = "deflicker"


@dataclass(frozen=True)
class DeflickerRequest:
    source: Optional[str] = None
    reference: Optional[str] = None
    masks: Optional[str] = None
    out: Optional[Path] = None
    frames: Optional[str] = None
    window: int = 9
    reach: int = 2
    measure_only: bool = False
    project: Optional[str] = None


@dataclass(frozen=True)
class DeflickerOutcome:
    out: Path
    report: Path
    document: Dict[str, Any]


def _inputs(request: DeflickerRequest):
    from .damage_io import aligned_reference, converter, mask_source, shot_lookup

    if request.source:
        if not request.out:
            raise RTKError("--out DIR is required when SCAN is given")
        scan = FrameSource.open(request.source, "scan", request.frames)
        ref = FrameSource.open(request.reference, "reference") if request.reference else None
        masks = mask_source(request.masks) if request.masks else None
        return scan, ref, masks, Path(request.out), None, None
    from ..core.project import open_project

    project = open_project(request.project)
    scan = FrameSource.open(project.source_spec(), "scan", request.frames or project.source.frames)
    ref = None
    if request.reference:
        ref = FrameSource.open(request.reference, "reference")
    else:
        ref = aligned_reference(
            project, converter(project, project.color.working_space, project.source.colorspace)
        )
    damage = project.alignment_dir / "damage"
    masks = (
        mask_source(request.masks or str(damage))
        if (request.masks or any(damage.glob("mask.*.exr")))
        else None
    )
    out = Path(request.out) if request.out else project.stage_dir(5) / DEFLICKER_DIR
    return scan, ref, masks, out, shot_lookup(project), project


def _cells(scan, ref, masks, frames, reach, shot_of, progress):
    """Pass 1: per frame the scan's and the target's log cell means."""
    from ..core.damage.flicker import cell_means
    from ..core.damage.motion import warp_neighbours

    use_ref = ref is not None and all(ref.has(f) for f in frames)
    log_scan, log_target = [], []
    for i, f in enumerate(frames):
        report(progress, i, 2 * len(frames), f"measuring {f}")
        pixels = scan.read(f)
        damaged = (
            masks.read(f, channels=1)[..., 0] > 0 if masks is not None and masks.has(f) else None
        )
        log_scan.append(cell_means(pixels, damaged))
        if use_ref:
            target = ref.read(f)
            check_reference(pixels, target, ref.path(f))
            log_target.append(cell_means(target, damaged))
            continue
        near = neighbour_frames(f, scan.sequence.found or frames, reach, shot_of)
        if not near:
            raise RTKError(
                f"frame {f} has no neighbouring frame and no reference to measure flicker against",
                scan.path(f),
            )
        grids = []
        for w in warp_neighbours(pixels, {n - f: scan.read(n) for n in near}):
            bad = ~w.valid if damaged is None else (~w.valid | damaged)
            grids.append(cell_means(w.image, bad))
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                log_target.append(np.nanmean(np.stack(grids), axis=0))
    return log_scan, log_target, use_ref


def run_deflicker(
    request: DeflickerRequest, progress: Optional[ProgressFn] = None
) -> DeflickerOutcome:
    """Measure flicker and (unless ``measure_only``) write the deflickered frames."""
    from ..core.damage.flicker import deflicker_frame, estimate_flicker
    from ..core.io.images import read_image
    from ..core.io.sequence import output_sequence
    from ..core.validation.metrics.temporal import flicker_from_means, frame_means

    scan, ref, masks, out, shot_of, project = _inputs(request)
    frames = scan.available
    if len(frames) < 2:
        raise RTKError("flicker needs at least two frames", scan.sequence.hash_pattern)
    log_scan, log_target, use_ref = _cells(
        scan, ref, masks, frames, request.reach, shot_of, progress
    )
    shots = [shot_of(f) if shot_of else 0 for f in frames]
    estimate = estimate_flicker(
        log_scan, log_target, shots=shots, window=request.window, relative=use_ref
    )
    ext = extension(scan.sequence) or "exr"
    out_seq = output_sequence(str(out / f"deflickered.####.{ext}"), frames)
    before, after, ref_means = [], [], []
    with Staging(out, [scan.path(f) for f in frames]) as staging:
        for i, f in enumerate(frames):
            report(progress, len(frames) + i, 2 * len(frames), f"correcting {f}")
            image = read_image(scan.path(f))
            fixed = deflicker_frame(image.pixels, estimate.corrections[i])
            before.append(frame_means([image.pixels[..., :3]])[0])
            after.append(frame_means([fixed[..., :3]])[0])
            if use_ref:
                ref_means.append(frame_means([ref.read(f)])[0])
            if not request.measure_only:
                staging.write_frame(out_seq.path(f), fixed, image.metadata)
        rm = np.array(ref_means) if use_ref else None
        figures = {
            name: _figures(flicker_from_means(rm, np.array(m)))
            for name, m in (("scan", before), ("deflickered", after))
        }
        document = {
            "schema": "rtk.flicker/1",
            "target": "reference" if use_ref else "neighbours",
            "window": request.window,
            "figures": figures,
            "frames": {
                str(f): {"correction_percent": round(float(p), 3)}
                for f, p in zip(frames, estimate.percent())
            },
        }
        staging.write_text(out / "flicker.json", json.dumps(document, indent=1) + "\n")
        staging.commit()
    return DeflickerOutcome(out, out / "flicker.json", document)


def _figures(fl) -> Dict[str, float]:
    return {
        "luma_percent": round(fl.luma_percent, 4),
        "luma_rms": round(fl.luma_rms, 6),
        "chroma_rms": round(fl.chroma_rms, 6),
    }


# -- consistency -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsistencyRequest:
    before: Optional[str] = None
    after: Optional[str] = None
    shots: Optional[str] = None
    colorspace: Optional[str] = None
    out: Optional[Path] = None
    project: Optional[str] = None
    per_shot: int = 5


@dataclass(frozen=True)
class ConsistencyOutcome:
    out: Path
    document: Dict[str, Any]


def _shot_groups(frames: List[int], shots: Optional[str], project) -> Dict[str, List[int]]:
    if shots:
        starts = sorted(int(x) for x in shots.split(",") if x.strip())
        groups: Dict[str, List[int]] = {}
        for f in frames:
            first = max([s for s in starts if s <= f], default=frames[0])
            groups.setdefault(f"shot@{first}", []).append(f)
        return groups
    if project is not None and project.shots:
        return {s.name: [f for f in frames if s.first <= f <= s.last] for s in project.shots}
    return {"all": list(frames)}


def _display(source: FrameSource, frames: List[int], space: Optional[str], config: Optional[str]):
    import cv2

    from ..core.validation.frames import to_display

    out = []
    for f in frames:
        pixels = source.read(f)
        scale = min(1.0, 512.0 / max(pixels.shape[1], 1))
        if scale < 1.0:
            pixels = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if space:
            pixels = to_display(pixels, space, config) if config else to_display(pixels, space)
        out.append(np.clip(pixels, 0, 1))
    return out


def run_consistency(request: ConsistencyRequest) -> ConsistencyOutcome:
    """Consistency figures before (and after) — see module doc."""
    from ..core.damage.consistency import shot_consistency

    project = None
    if request.before:
        before = FrameSource.open(request.before, "sequence")
        space, config = request.colorspace, None
        if not request.out:
            raise RTKError(
                "--out FILE is required when a sequence is given (nothing is written "
                "next to the input)"
            )
        out = Path(request.out)
    else:
        from ..core.project import open_project

        project = open_project(request.project)
        before = FrameSource.open(project.source_spec(), "scan")
        space, config = request.colorspace or project.source.colorspace, project.color.ocio_config
        out = Path(request.out) if request.out else project.stage_dir(5) / "consistency.json"
    after = FrameSource.open(request.after, "sequence") if request.after else None
    groups = _shot_groups(before.available, request.shots, project)
    if after is not None:
        missing = [f for fs in groups.values() for f in fs if not after.has(f)]
        if missing:
            raise RTKError(
                f"the sequence after has no frame {missing[0]} of the sequence before",
                after.sequence.hash_pattern,
            )
    picked = {
        n: fs[:: max(1, len(fs) // request.per_shot)][: request.per_shot]
        for n, fs in groups.items()
        if fs
    }
    shots_before = {n: _display(before, fs, space, config) for n, fs in picked.items()}
    shots_after = (
        {n: _display(after, fs, space, config) for n, fs in picked.items()} if after else None
    )
    chooser = shots_after or shots_before
    sequences = {"before": shot_consistency(shots_before, select_from=chooser)}
    if shots_after is not None:
        sequences["after"] = shot_consistency(shots_after, select_from=chooser)
    document = {
        "schema": "rtk.consistency/1",
        "pixels_chosen_on": "after" if after else "before",
        "shots": {n: fs for n, fs in picked.items()},
        "sequences": sequences,
    }
    from ..core.io.atomic import atomic_write_text

    atomic_write_text(out, json.dumps(document, indent=1, default=float) + "\n")
    return ConsistencyOutcome(out, document)
