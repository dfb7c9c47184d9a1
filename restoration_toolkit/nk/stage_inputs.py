"""What the stage 03/04 script builders read from a project: the scan sequence and raster, the
live-area box in Nuke's coordinates, input transforms, the shot, the session folder, a model.

Also :class:`StageScript`, what a builder returns. Nothing here imports nuke.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..core.errors import RTKError
from ..core.io.frames import format_frames
from ..core.io.sequence import ImageSequence, open_sequence
from ..core.project import TECHNIQUES, Project
from .model import Script
from .training_settings import TrainingSettings

DEFAULT_SHOT = "sequence"
MODEL_SUFFIXES = (".cat", ".catnc")  # .catnc: what Nuke Non-Commercial's CopyCat writes
TRAIN_TEMPLATE = {
    "color-reference": "color_reference_train",
    "color-nonreference": "color_nonreference_train",
    "gauge": "gauge_train",
    "generation": "generation_train",
    "analog-video": "analog_video_step1_train",
}


@dataclass
class StageScript:
    """A built script and what went into it (for the log, the CLI's JSON and the Nuke side)."""

    script: Script
    template: str
    edition: str
    technique: str
    shot: str
    frames: List[int] = field(default_factory=list)
    data_directory: Optional[Path] = None
    settings: Optional[TrainingSettings] = None
    executable_node: str = ""
    inputs: List[Path] = field(default_factory=list)
    model_file: Optional[Path] = None
    output_pattern: Optional[Path] = None
    reference_source: str = ""  # aligned | reference | keyframes | step1-model
    ocio_config: str = ""
    warnings: List[str] = field(default_factory=list)

    def summary(self) -> Dict[str, Any]:
        return {
            "template": self.template,
            "edition": self.edition,
            "technique": self.technique,
            "shot": self.shot,
            "frames": format_frames(self.frames) if self.frames else "",
            "data_directory": str(self.data_directory) if self.data_directory else None,
            "settings": asdict(self.settings) if self.settings else None,
            "node": self.executable_node,
            "model_file": str(self.model_file) if self.model_file else None,
            "output": str(self.output_pattern) if self.output_pattern else None,
            "reference_source": self.reference_source,
            "ocio_config": self.ocio_config,
            "warnings": list(self.warnings),
        }


def scan_sequence(project: Project) -> ImageSequence:
    return open_sequence(project.source_spec(), project.source.frames, allow_missing=True)


def scan_size(seq: ImageSequence) -> Tuple[int, int]:
    """(width, height) of the scan, read from the header of the first frame that exists."""
    import OpenImageIO as oiio  # the header only: no pixels are read

    present = [f for f in seq.frames if f not in set(seq.missing)]
    if not present:
        raise RTKError("no scan frame exists on disk", seq.hash_pattern)
    path = seq.path(present[0])
    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        raise RTKError("cannot open the scan frame to read its size", path)
    try:
        spec = inp.spec()
        return int(spec.width), int(spec.height)
    finally:
        inp.close()


def nuke_format(width: int, height: int, pixel_aspect: float, name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return f"{width} {height} 0 0 {width} {height} {pixel_aspect:g} {clean}"


def nuke_box(
    project: Project, width: int, height: int, box: Optional[Sequence[int]] = None
) -> List[int]:
    """Nuke Crop box (x, y, r, t) of a scan-pixel box (x0, y0, x1, y1, top-left origin):
    ``box``, else project.yaml's live_area, else the whole frame."""
    if box is not None:
        x0, y0, x1, y1 = box
    elif project.live_area is not None:
        la = project.live_area
        x0, y0, x1, y1 = la.x0, la.y0, la.x1, la.y1
    else:
        x0, y0, x1, y1 = 0, 0, width, height
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise RTKError(
            f"box {x0},{y0},{x1},{y1} is outside the {width}×{height} scan",
            project.root / "project.yaml",
        )
    return [x0, height - y1, x1, height - y0]


def fit_box(box: Sequence[float], size: Tuple[int, int], target: Tuple[int, int]) -> List[float]:
    """A Nuke box on the scan raster, moved onto ``target`` the way Reformat ``resize fit``
    (centred) moves the image: scaled by min(tw/w, th/h), offset by half the spare room."""
    (w, h), (tw, th) = size, target
    scale = min(tw / w, th / h)
    dx, dy = (tw - w * scale) / 2, (th - h * scale) / 2
    x, y, r, t = box
    return [x * scale + dx, y * scale + dy, r * scale + dx, t * scale + dy]


def target_raster(
    technique: str, size: Tuple[int, int], target: Optional[Tuple[int, int]]
) -> Tuple[int, int]:
    if target is not None and technique != "gauge":
        raise RTKError(f"--target-size is for the gauge technique, not {technique}")
    return target or size


def template_name(technique: str, step: int) -> str:
    if technique not in TECHNIQUES:
        raise RTKError(f"unknown technique {technique!r} (one of {', '.join(TECHNIQUES)})")
    if technique == "analog-video" and step == 2:
        return "analog_video_step2_apply"
    if step not in (1, 2) or (step == 2 and technique != "analog-video"):
        raise RTKError(f"--step {step}: only analog-video has a second step")
    return TRAIN_TEMPLATE[technique]


def next_session_dir(project: Project, shot: str) -> Path:
    """``pipeline/03_copycat_training/<shot>/session_<n>/`` with n one past the highest."""
    base = project.stage_dir(3) / shot
    numbers = [
        int(m.group(1))
        for p in (base.iterdir() if base.is_dir() else [])
        if (m := re.fullmatch(r"session_(\d+)", p.name)) and p.is_dir()
    ]
    return base / f"session_{max(numbers, default=0) + 1}"


def shot_frames(project: Project, shot: Optional[str]) -> Optional[Tuple[int, int]]:
    """(first, last) of a shot named in project.yaml; None for the whole sequence.
    RTKError for a shot project.yaml does not list."""
    if not shot or shot == DEFAULT_SHOT:
        return None
    for s in project.shots:
        if s.name == shot:
            return s.first, s.last
    known = ", ".join(s.name for s in project.shots) or "none"
    raise RTKError(
        f"no shot {shot!r} in project.yaml (shots: {known})", project.root / "project.yaml"
    )


def input_transform(project: Project, field_name: str, value: str) -> str:
    """A Read's input transform: the color space project.yaml states for ``field_name``
    (``source.colorspace``, ``reference.colorspace``, ``keyframe_references[i].colorspace``).
    A default nobody stated is refused, so no file is read as ACES2065-1 by accident."""
    if field_name in project.unstated:
        raise RTKError(
            f"{field_name} is not set: name the color space its files are in (the Nuke Read's "
            "input transform), e.g. ACES2065-1, ACEScg or 'sRGB - Texture'",
            project.root / "project.yaml",
        )
    return value


def require_model(path: Path, edition: str = "nk") -> Tuple[Path, List[str]]:
    """A trained model file (``.cat``, or ``.catnc`` from Nuke Non-Commercial) that exists,
    and what to tell the user about its edition."""
    p = Path(path)
    if p.suffix.lower() not in MODEL_SUFFIXES:
        raise RTKError("model must be a .cat or .catnc file (made by CopyCat or CatFileCreator)", p)
    if not p.is_file():
        raise RTKError("no such model file", p)
    warnings = []
    if edition == "nknc" and p.suffix.lower() == ".cat":
        warnings.append(
            f"{p.name}: Nuke Non-Commercial's CopyCat writes .catnc models; whether it loads a "
            ".cat made in commercial Nuke is unverified"
        )
    if edition == "nk" and p.suffix.lower() == ".catnc":
        warnings.append(
            f"{p.name} was trained in Nuke Non-Commercial; commercial Nuke may not load a "
            ".catnc (unverified) — use --nc for the Non-Commercial script"
        )
    return p.resolve(), warnings
