"""What stage 05 compares, on which frames: the candidates, the inputs, and each frame's status.

Pure data and rules; finding the files of a project is :mod:`restoration_toolkit.stages.validation`.

A frame's status says how far it is from what the model saw in training:

- ``training``: the scan frame of a training pair (measured only when asked, never in the
  summary: it flatters the model);
- ``neighbour``: held out, but within :data:`NEIGHBOUR_FRAMES` frames of a training frame of
  the same shot (it shares most of its content with a frame the model was trained on);
- ``held-out``: held out and farther than that from every training frame of its shot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from ..errors import RTKError
from ..io.frames import format_frames
from ..project import DEFAULT_OCIO_CONFIG

DISPLAY_SPACE = "sRGB - Texture"
DEFAULT_OCIO = DEFAULT_OCIO_CONFIG
# What the result is compared with, per the method's ground-truth compositions (core.ycbcr):
GROUND_TRUTHS: Dict[str, str] = {
    "reference": "the aligned reference as it is",
    "chroma": "the scan's luminance + the aligned reference's chroma (the color-recovery ground "
    "truth: the film keeps its own luminance and grain)",
    "luma": "the aligned reference's luminance + the scan's chroma (the spatial-recovery "
    "ground truth)",
}
TRAINING, NEIGHBOUR, HELD_OUT = "training", "neighbour", "held-out"
FRAME_STATUSES: Dict[str, str] = {
    HELD_OUT: "held out, farther than the neighbour distance from every training frame of its shot",
    NEIGHBOUR: "held out, but within the neighbour distance of a training frame of the same shot "
    "(shares most of its content with it)",
    TRAINING: "a training pair's scan frame (shown for comparison, never in the summary)",
}
# 12 frames = half a second at 24 fps: a slow pan still shares most of its picture that far.
NEIGHBOUR_FRAMES = 12
CHROMA_ONLY_SUFFIX = " chroma-only"


@dataclass
class Candidate:
    """One image source compared with the ground truth: the model result, a MatchGrade render,
    the untreated scan, a traditional baseline computed from the scan, or (``chroma_of``) the
    scan's luminance with the chroma of another candidate."""

    name: str
    kind: str  # "model" | "matchgrade" | "scan" | "baseline"
    description: str
    source: str
    paths: Dict[int, Path] = field(default_factory=dict)
    colorspace: Optional[str] = None
    baseline: Optional[str] = None
    parameters: Dict[str, object] = field(default_factory=dict)
    attributes: Dict[str, object] = field(default_factory=dict)
    chroma_of: Optional[str] = None  # name of the candidate whose chroma this one takes


@dataclass
class ValidationInputs:
    """Everything the evaluation reads: the validation frames (never training frames), the
    training frames measured for comparison (``training_measured``), the files per frame and
    their OCIO colour spaces, and what the result is compared with (``ground_truth``)."""

    frames: List[int]
    training_frames: List[int]
    scan: Dict[int, Path]
    scan_space: str
    reference: Dict[int, Path]
    reference_space: str
    candidates: List[Candidate]
    confidence: Dict[int, Path] = field(default_factory=dict)
    ocio_config: str = DEFAULT_OCIO
    live_area: Optional[Tuple[int, int, int, int]] = None
    reference_source: str = ""
    scan_source: str = ""
    notes: List[str] = field(default_factory=list)
    ground_truth: str = "reference"  # "reference" | "chroma" | "luma" (see GROUND_TRUTHS)
    training_measured: List[int] = field(default_factory=list)
    shots: Dict[int, str] = field(default_factory=dict)  # frame → shot name, where known
    neighbour_frames: int = NEIGHBOUR_FRAMES

    @property
    def measured_frames(self) -> List[int]:
        """Every frame read: the validation frames and the training frames shown beside them."""
        return sorted(set(self.frames) | set(self.training_measured))

    def status(self, frame: int) -> str:
        """``training``, ``neighbour`` or ``held-out`` (see the module docstring)."""
        return frame_status(
            frame, self.training_frames, shots=self.shots, distance=self.neighbour_frames
        )


def frame_status(
    frame: int,
    training: Sequence[int],
    *,
    shots: Optional[Mapping[int, str]] = None,
    distance: int = NEIGHBOUR_FRAMES,
) -> str:
    """The status of ``frame`` given the training frames; ``shots`` (frame → shot name) keeps
    a training frame of another shot from making a frame a neighbour."""
    if frame in set(training):
        return TRAINING
    shot = (shots or {}).get(frame)
    for t in training:
        if abs(t - frame) <= distance and (shot is None or (shots or {}).get(t, shot) == shot):
            return NEIGHBOUR
    return HELD_OUT


def check_validation_frames(
    frames: Sequence[int], training: Sequence[int], where: Optional[Path] = None
) -> None:
    """Raise RTKError when a validation frame is a training frame (it would flatter the model)."""
    bad = sorted(set(frames) & set(training))
    if bad:
        raise RTKError(
            f"frames {format_frames(bad)} are training pairs and cannot count as validation "
            "frames (hold frames out in pairs.yaml `holdout`, or choose other --frames)",
            where,
        )
    if not frames:
        raise RTKError("no validation frames", where)


def chroma_only_candidates(candidates: Sequence[Candidate]) -> List[Candidate]:
    """For every MatchGrade candidate, its chroma-only form: the scan's luminance + the graded
    chroma (the same Y'CbCr composition as the color-recovery ground truth), so the model is
    also compared with the baseline that has the model's own target."""
    out = []
    for c in candidates:
        if c.kind == "matchgrade" and c.chroma_of is None:
            out.append(
                Candidate(
                    c.name + CHROMA_ONLY_SUFFIX,
                    "matchgrade",
                    f"the scan's luminance + the chroma of '{c.name}' (Y'CbCr, as the "
                    "color-recovery ground truth is made)",
                    c.source,
                    colorspace=c.colorspace,
                    chroma_of=c.name,
                )
            )
    return out
