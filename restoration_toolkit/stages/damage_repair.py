"""Planning and running ``rtk damage repair`` frame by frame: which scan, masks, aligned
references and neighbours each frame uses, and the repair itself (``core.damage.repair``).

The scan is read with all its channels and written back in its own format and depth, so
every pixel outside the mask is the value that was read (R, G, B; other channels untouched).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..core.errors import RTKError
from ..core.io.sequence import ImageSequence, output_sequence
from .damage_io import (
    FrameSource,
    check_mask,
    check_reference,
    extension,
    faults_sequence,
    neighbour_frames,
)


@dataclass
class RepairPlan:
    scan: FrameSource
    masks: FrameSource
    faults: Optional[FrameSource]
    reference: Optional[FrameSource]
    out_seq: ImageSequence
    frames: List[int]
    shot_of: Any
    protect: List[Path]
    project: Any = None


def _out_sequence(out: Path, scan: FrameSource, frames: List[int]) -> ImageSequence:
    text = str(out)
    name = Path(text).name
    if "#" in name or "%" in name or (scan.sequence.is_single and Path(text).suffix):
        seq = output_sequence(text, frames)
    else:
        ext = extension(scan.sequence) or "exr"
        pattern = f"repaired.####.{ext}" if not scan.sequence.is_single else f"repaired.{ext}"
        seq = output_sequence(str(Path(text) / pattern), frames)
    if extension(seq) != extension(scan.sequence):
        import sys

        print(
            f"rtk: warning: writing .{extension(seq)} from a .{extension(scan.sequence)} scan: "
            "pixels outside the mask are kept as read, but may not survive the format change "
            "bit for bit",
            file=sys.stderr,
        )
    return seq


def plan_repair(request) -> RepairPlan:
    """Resolve the inputs of a repair (sequence form or project form)."""
    from ..core.damage.files import DAMAGE_DIR, REPAIR_DIR
    from .damage_io import aligned_reference, converter, mask_source, shot_lookup

    project = None
    if request.source:
        if not (request.mask and request.out):
            raise RTKError("--mask MASKS and --out DIR are required when SCAN is given")
        scan = FrameSource.open(request.source, "scan", request.frames)
        masks = mask_source(request.mask)
        reference = FrameSource.open(request.reference, "reference") if request.reference else None
        out, shot_of = Path(request.out), None
    else:
        from ..core.project import open_project

        project = open_project(request.project)
        scan = FrameSource.open(
            project.source_spec(), "scan", request.frames or project.source.frames
        )
        damage_dir = project.alignment_dir / DAMAGE_DIR
        masks = mask_source(request.mask or str(damage_dir))
        reference = None
        if request.reference:
            reference = FrameSource.open(request.reference, "reference")
        else:
            reference = aligned_reference(
                project,
                converter(project, project.color.working_space, project.source.colorspace),
            )
        out = Path(request.out) if request.out else project.stage_dir(5) / REPAIR_DIR
        shot_of = shot_lookup(project)
    faults = None
    fault_seq = faults_sequence(masks.sequence)
    if reference is not None and any(fault_seq.path(f).is_file() for f in fault_seq.frames):
        faults = FrameSource.open(fault_seq.hash_pattern, "reference faults")
    frames = [f for f in scan.available if masks.has(f)]
    if not frames:
        raise RTKError(
            "no scan frame has a damage mask (run `rtk damage detect` first)",
            masks.sequence.hash_pattern,
        )
    protect = [scan.path(f) for f in scan.available] + [masks.path(f) for f in frames]
    return RepairPlan(
        scan,
        masks,
        faults,
        reference,
        _out_sequence(out, scan, frames),
        frames,
        shot_of,
        protect,
        project,
    )


def _neighbours(plan: RepairPlan, frame: int, scan: np.ndarray, reach: int):
    near = neighbour_frames(frame, plan.scan.sequence.found or plan.frames, reach, plan.shot_of)
    pixels, masks = {}, {}
    for f in near:
        n = plan.scan.read(f, channels=3)
        check_mask(n, scan, plan.scan.path(f))
        pixels[f - frame] = n
        if plan.masks.has(f):
            masks[f - frame] = plan.masks.read(f, channels=1)[..., 0] > 0
    return pixels, masks


def repair_one(plan: RepairPlan, frame: int, request) -> Tuple[np.ndarray, Any, Dict[str, int]]:
    """(pixels to write, their metadata, figures) for one frame."""
    from ..core.damage.repair import repair_frame
    from ..core.io.images import read_image

    image = read_image(plan.scan.path(frame))  # every channel, as stored
    scan = image.pixels
    if scan.shape[2] < 3:
        raise RTKError("the scan must have at least three channels (RGB)", plan.scan.path(frame))
    mask = plan.masks.read(frame, channels=1)[..., 0]
    check_mask(mask, scan, plan.masks.path(frame))
    reference = faults = None
    if plan.reference is not None and plan.reference.has(frame) and request.method != "temporal":
        reference = plan.reference.read(frame)
        check_reference(scan, reference, plan.reference.path(frame))
        if plan.faults is not None and plan.faults.has(frame):
            faults = plan.faults.read(frame, channels=1)[..., 0] > 0.5
    neighbours, masks = (
        ({}, {})
        if request.method == "reference"
        else _neighbours(plan, frame, scan[..., :3], request.reach)
    )
    if reference is None and not neighbours and mask.max() > 0:
        raise RTKError(
            f"frame {frame} has damage but no aligned reference and no neighbouring "
            "frame to repair it from",
            plan.scan.path(frame),
        )
    if mask.max() <= 0:
        return (
            scan,
            image.metadata,
            {"from_reference_px": 0, "from_neighbours_px": 0, "unrecovered_px": 0},
        )
    try:
        result = repair_frame(
            scan[..., :3],
            mask,
            reference=reference,
            reference_faults=faults,
            neighbours=neighbours,
            neighbour_masks=masks,
            method=request.method,
            grain=request.grain,
            seed=request.seed + frame,
        )
    except ValueError as exc:
        raise RTKError(str(exc), plan.scan.path(frame)) from None
    out = scan.copy()
    out[..., :3] = result.image
    return out, image.metadata, result.figures()
