"""Training data: the project's pairs, composed into (input, ground truth, mask) like CopyCat.

For each pair of ``pipeline/01_dataset_curation/pairs.yaml`` (held-out frames excluded):

- input: the scan frame, from ``project.yaml`` ``source``, converted from its colour space to
  the project's working space (OCIO, as the Read nodes of the CopyCat graph do);
- reference: ``pipeline/02_alignment/aligned.####.exr`` (the reference resampled onto the scan
  grid by stage 02, indexed by scan frame) when it exists; otherwise the reference frame itself
  (``reference.path`` at ``reference_frame``) or the pair's keyframe file (non-reference
  colour), which must then already be the scan's size; converted to the working space too
  (aligned references are in the working space already, per the stage-02 contract);
- ground truth, composed exactly like the CopyCat graphs of stage 03 (``core.ycbcr``):
  colour techniques → :func:`chroma_ground_truth` (scan Y + reference Cb/Cr), spatial
  techniques → :func:`luma_ground_truth` (reference Y + scan Cb/Cr);
- mask: ``pipeline/02_alignment/confidence.####.exr`` (1 channel, 0–1) when it exists, else 1,
  times the project's live area, times 0 wherever a pixel is not finite;
- damage (``rtk damage detect``: ``pipeline/02_alignment/damage/mask.####.exr``): a damaged
  frame is never a clean target. Inside its damage mask the ground truth is composed from
  the scan *as repaired from evidence* (``core.damage.repair``: the aligned reference in the
  scan's tones with the scan's own grain re-synthesised, or the motion-compensated
  neighbours), blended by the float mask the way a Keymix does; the input stays the
  damaged scan, so the model learns to recover damage where a source shows what it
  covered. Pixels no source shows, and pixels where the reference itself is at fault
  (``reference_faults.####.exr``: its own dirt, subtitles, compression), are masked out of
  the loss — never filled.

Crops are drawn at random (seeded), preferring crops that are mostly unmasked.
Augmentation: horizontal flips only, and not for the analog-video technique. A left–right
mirror keeps everything the model must learn — dye fading, grain, the reference's colour and
the gauge's softness are the same mirrored. Vertical flips are never used: light comes from
above, skies sit at the top, and fading and vignetting follow the frame, so an upside-down
crop teaches colour relations the film never has. 90° rotations would turn horizontal
structures (scan lines, interlace combs, the horizontal smear of a telecine) vertical. For
analog video even the mirror is off: video ringing and smear trail to the right of edges
and a mirror would teach the opposite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..core.curation.pairs import Pair, load_project_pairs
from ..core.errors import RTKError
from ..core.io.images import read_image
from ..core.io.sequence import open_sequence
from ..core.progress import ProgressFn, report
from ..core.project import COLOR_TECHNIQUES, TECHNIQUES, Project
from ..core.ycbcr import chroma_ground_truth, luma_ground_truth

ALIGNED_NAME = "aligned.{frame:04d}.exr"
CONFIDENCE_NAME = "confidence.{frame:04d}.exr"
NEIGHBOUR_REACH = 2
MIN_VALID_FRACTION = 0.25  # a crop this much unmasked is good enough


@dataclass
class TrainingExample:
    """One composed pair. Arrays are float32; image (H, W, 3), mask (H, W) in [0, 1]."""

    scan_frame: int
    input: np.ndarray
    target: np.ndarray
    mask: np.ndarray
    reference_path: Path
    aligned: bool
    damaged_px: int = 0  # pixels of the scan's damage mask
    repaired_px: int = 0  # of those, recovered from a source (the rest is masked out)


@dataclass
class TrainingSet:
    technique: str
    examples: List[TrainingExample]
    holdout: List[int] = field(default_factory=list)
    inputs: List[Path] = field(default_factory=list)  # every file read

    @property
    def frames(self) -> List[int]:
        return [e.scan_frame for e in self.examples]

    @property
    def flips(self) -> bool:
        return flips_allowed(self.technique)

    def damage(self) -> dict:
        """Damaged pixels of the pairs and how many of them a source recovered (the rest are
        masked out of the loss)."""
        return {
            "damaged_px": sum(e.damaged_px for e in self.examples),
            "recovered_px": sum(e.repaired_px for e in self.examples),
            "damaged_pairs": sum(1 for e in self.examples if e.damaged_px),
        }


def flips_allowed(technique: str) -> bool:
    """Horizontal flips keep the film's meaning except for analog video (see module doc)."""
    return technique != "analog-video"


def compose_ground_truth(technique: str, scan: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The CopyCat ground truth of ``technique`` (RGB (H, W, 3), working space)."""
    if technique in COLOR_TECHNIQUES:
        return chroma_ground_truth(scan, reference)
    return luma_ground_truth(scan, reference)


def _reference_path(project: Project, pair: Pair) -> Tuple[Path, bool, Optional[str]]:
    """(file, is_aligned, its colour space) of the pair's reference."""
    aligned = project.alignment_dir / ALIGNED_NAME.format(frame=pair.scan_frame)
    if aligned.is_file():
        return aligned, True, project.color.working_space
    if pair.reference_file:
        space = next(
            (k.colorspace for k in project.keyframe_references if k.scan_frame == pair.scan_frame),
            "sRGB - Texture",
        )
        return project.resolve(pair.reference_file), False, space
    spec = project.reference_spec()
    if spec is None or pair.reference_frame is None:
        raise RTKError(
            f"pair for scan frame {pair.scan_frame} has no aligned reference and the project "
            "names no reference sequence",
            project.pairs_file,
        )
    from ..core.io.footage import is_video_spec

    if is_video_spec(spec):
        raise RTKError(
            f"the reference is a video file and scan frame {pair.scan_frame} has no aligned "
            "reference: run `rtk align` first (training reads aligned EXR frames)",
            spec,
        )
    seq = open_sequence(spec, must_exist=True, allow_missing=True)
    assert project.reference is not None
    return seq.path(pair.reference_frame), False, project.reference.colorspace


def _known_space(name: Optional[str], project: Project) -> bool:
    if not name:
        return False
    from ..core.io.ocio import colorspace_names

    return name in colorspace_names(project.color.ocio_config)


def to_working_space(pixels: np.ndarray, space: Optional[str], project: Project) -> np.ndarray:
    """Convert RGB from ``space`` to the project's working space through its OCIO config
    (what the Read nodes of the CopyCat graph do). ``None`` or equal names: unchanged."""
    working = project.color.working_space
    if not space or not working or space == working:
        return pixels
    from ..core.io.ocio import convert_colorspace

    return convert_colorspace(pixels, space, working, config=project.color.ocio_config)


def load_example(project: Project, technique: str, pair: Pair, scan_path: Path) -> TrainingExample:
    """Read and compose one pair (see module doc). RTKError names the offending file."""
    scan_image = read_image(scan_path, channels=3)
    scan = to_working_space(scan_image.pixels, project.source.colorspace, project)
    ref_path, aligned, ref_space = _reference_path(project, pair)
    ref_image = read_image(ref_path, channels=3)
    if aligned and _known_space(ref_image.metadata.colorspace, project):
        ref_space = ref_image.metadata.colorspace  # a named OCIO space in the file wins
    ref = to_working_space(ref_image.pixels, ref_space, project)
    if ref.shape[:2] != scan.shape[:2]:
        raise RTKError(
            f"reference is {ref.shape[1]}×{ref.shape[0]} but the scan is "
            f"{scan.shape[1]}×{scan.shape[0]} and there is no aligned reference "
            f"{ALIGNED_NAME.format(frame=pair.scan_frame)} (run `rtk align` first)",
            ref_path,
        )
    mask = np.ones(scan.shape[:2], np.float32)
    conf_path = project.alignment_dir / CONFIDENCE_NAME.format(frame=pair.scan_frame)
    if conf_path.is_file():
        conf = read_image(conf_path).pixels[:, :, 0]
        if conf.shape != mask.shape:
            raise RTKError(
                f"confidence is {conf.shape[1]}×{conf.shape[0]}, the scan "
                f"{mask.shape[1]}×{mask.shape[0]}",
                conf_path,
            )
        mask = np.clip(np.nan_to_num(conf, nan=0.0), 0.0, 1.0).astype(np.float32)
    if project.live_area is not None:
        la = project.live_area
        live = np.zeros_like(mask)
        live[max(la.y0, 0) : la.y1, max(la.x0, 0) : la.x1] = 1.0
        mask = mask * live
    finite = np.all(np.isfinite(scan), axis=2) & np.all(np.isfinite(ref), axis=2)
    scan = np.where(finite[..., None], scan, 0.0).astype(np.float32)
    ref = np.where(finite[..., None], ref, 0.0).astype(np.float32)
    mask = (mask * finite).astype(np.float32)
    truth_scan, mask, damaged, repaired = _without_damage(project, pair, scan, ref, aligned, mask)
    target = compose_ground_truth(technique, truth_scan, ref)
    return TrainingExample(
        pair.scan_frame, scan, target, mask, ref_path, aligned, damaged, repaired
    )


def _read_mask(path: Path, shape: Tuple[int, int]) -> np.ndarray:
    m = read_image(path).pixels[..., 0]
    if m.shape != shape:
        raise RTKError(
            f"mask is {m.shape[1]}×{m.shape[0]}, the scan {shape[1]}×{shape[0]}: not this "
            "scan's damage mask", path)
    return np.clip(np.nan_to_num(m, nan=1.0), 0.0, 1.0).astype(np.float32)


def _neighbours(project: Project, frame: int, scan: np.ndarray) -> dict:
    """The scan frames within ``NEIGHBOUR_REACH`` of ``frame`` (same shot), working space."""
    seq = open_sequence(project.source_spec(), must_exist=True, allow_missing=True)
    shot = next((s for s in project.shots if s.first <= frame <= s.last), None)
    out = {}
    for offset in range(-NEIGHBOUR_REACH, NEIGHBOUR_REACH + 1):
        f = frame + offset
        if not offset or (shot is not None and not shot.first <= f <= shot.last):
            continue
        path = seq.path(f)
        if path.is_file():
            pixels = read_image(path, channels=3).pixels
            if pixels.shape == scan.shape:
                out[offset] = to_working_space(pixels, project.source.colorspace, project)
    return out


def _without_damage(project, pair, scan, ref, aligned, mask):
    """(scan to compose the ground truth from, loss mask, damaged px, repaired px): the scan
    repaired from evidence inside its damage mask (module doc); unchanged without one."""
    from ..core.damage.files import faults_path as _faults_path
    from ..core.damage.files import mask_path

    damage_path = mask_path(project, pair.scan_frame)
    if not damage_path.is_file():
        return scan, mask, 0, 0
    from ..core.damage.repair import repair_frame

    damage = _read_mask(damage_path, scan.shape[:2])
    faults_file = _faults_path(project, pair.scan_frame)
    faults = _read_mask(faults_file, scan.shape[:2]) > 0.5 if faults_file.is_file() else None
    hole = damage > 0
    if faults is not None:
        mask = np.where(faults & ~hole, 0.0, mask).astype(np.float32)
    if not hole.any():
        return scan, mask, 0, 0
    neighbours = _neighbours(project, pair.scan_frame, scan)
    if not aligned and not neighbours:
        mask = np.where(hole, 0.0, mask).astype(np.float32)
        return scan, mask, int(hole.sum()), 0
    result = repair_frame(
        scan, damage, reference=ref if aligned else None, reference_faults=faults,
        neighbours=neighbours, seed=pair.scan_frame,
    )
    mask = np.where(result.unrecovered, 0.0, mask).astype(np.float32)
    recovered = int(hole.sum() - result.unrecovered.sum())
    return result.image, mask, int(hole.sum()), recovered


def load_training_set(
    project: Project,
    technique: Optional[str] = None,
    *,
    shot: Optional[str] = None,
    progress: Optional[ProgressFn] = None,
) -> TrainingSet:
    """All training pairs of the project, composed. Raises RTKError on bad input."""
    technique = technique or project.technique
    if technique not in TECHNIQUES:
        raise RTKError(f"unknown technique {technique!r} (one of {', '.join(TECHNIQUES)})")
    pair_set = load_project_pairs(project)  # checked against the sequences, checksums verified
    holdout = set(pair_set.holdout)
    pairs = [p for p in pair_set.pairs_for_shot(shot) if p.scan_frame not in holdout]
    if not pairs:
        raise RTKError(
            "no training pairs (all held out, or none for this shot) — add pairs with `rtk curate`",
            project.pairs_file,
        )
    project.require_provenance()
    scans = open_sequence(project.source_spec(), must_exist=True, allow_missing=True)
    examples: List[TrainingExample] = []
    inputs: List[Path] = [project.pairs_file]
    for i, pair in enumerate(pairs):
        report(progress, i, len(pairs), f"reading pair {pair.scan_frame}")
        ex = load_example(project, technique, pair, scans.path(pair.scan_frame))
        if ex.mask.max() <= 0:
            raise RTKError(
                f"scan frame {pair.scan_frame}: every pixel is masked (confidence 0 "
                "or outside the live area)",
                ex.reference_path,
            )
        examples.append(ex)
        inputs += [scans.path(pair.scan_frame), ex.reference_path]
    report(progress, len(pairs), len(pairs), "pairs read")
    return TrainingSet(technique, examples, sorted(holdout), inputs)


class CropSampler:
    """Draws batches of random crops (N, 3, c, c) / masks (N, 1, c, c) as float32 arrays.

    All randomness comes from one ``numpy.random.Generator`` whose state is saved in the
    checkpoints, so a resumed run draws exactly the crops an uninterrupted run would.
    """

    def __init__(
        self, examples: Sequence[TrainingExample], crop_size: int, *, flips: bool, seed: int
    ) -> None:
        if not examples:
            raise ValueError("no examples")
        smallest = min(min(e.input.shape[:2]) for e in examples)
        self.crop = int(min(crop_size, smallest))
        self.examples = list(examples)
        self.flips = flips
        self.rng = np.random.default_rng(seed)

    def get_state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state

    def _one(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        ex = self.examples[int(self.rng.integers(len(self.examples)))]
        h, w = ex.mask.shape
        c = self.crop
        best = None
        for _ in range(8):
            y = int(self.rng.integers(h - c + 1))
            x = int(self.rng.integers(w - c + 1))
            valid = float(ex.mask[y : y + c, x : x + c].mean())
            if best is None or valid > best[0]:
                best = (valid, y, x)
            if valid >= MIN_VALID_FRACTION:
                break
        _, y, x = best
        inp = ex.input[y : y + c, x : x + c]
        tgt = ex.target[y : y + c, x : x + c]
        msk = ex.mask[y : y + c, x : x + c]
        flip = bool(self.rng.integers(2)) if self.flips else False
        if flip:
            inp, tgt, msk = inp[:, ::-1], tgt[:, ::-1], msk[:, ::-1]
        return inp, tgt, msk

    def batch(self, size: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        items = [self._one() for _ in range(size)]
        inp = np.stack([i[0] for i in items]).transpose(0, 3, 1, 2)
        tgt = np.stack([i[1] for i in items]).transpose(0, 3, 1, 2)
        msk = np.stack([i[2] for i in items])[:, None]
        return (
            np.ascontiguousarray(inp, np.float32),
            np.ascontiguousarray(tgt, np.float32),
            np.ascontiguousarray(msk, np.float32),
        )
