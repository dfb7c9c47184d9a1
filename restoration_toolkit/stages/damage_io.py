"""Files for the damage stage: frame sources with a small cache and color conversion, the
neighbours of a frame, the aligned-reference check, and a staging folder so a run either
writes all its outputs or none.

Masks are written as half-float EXR with the mask in R, G, B and A (it shows in a Viewer
and is the alpha a Keymix or a Merge's mask input reads); ``reference_faults.####.exr``
the same way.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from ..core.errors import RTKError
from ..core.io.images import ImageMetadata, read_image, write_image
from ..core.io.sequence import ImageSequence, open_sequence, output_sequence

MASK_NAME = "mask.####.exr"
REPORT_NAME = "damage.json"


@dataclass
class FrameSource:
    """Frames of one sequence, read on demand (the last few kept), converted by ``convert``
    when given. ``what`` names the sequence in errors (``scan``, ``reference``, ``mask``)."""

    sequence: ImageSequence
    what: str
    convert: Optional[Callable[[np.ndarray], np.ndarray]] = None
    keep: int = 6
    _cache: OrderedDict[int, np.ndarray] = field(default_factory=OrderedDict)
    metadata: Dict[int, ImageMetadata] = field(default_factory=dict)

    @classmethod
    def open(cls, spec: str, what: str, frames: Optional[str] = None, **kw) -> FrameSource:
        return cls(open_sequence(spec, frames, allow_missing=True), what, **kw)

    @property
    def available(self) -> List[int]:
        missing = set(self.sequence.missing)
        return [f for f in self.sequence.frames if f not in missing]

    def has(self, frame: int) -> bool:
        if self.sequence.is_single:
            return True
        return frame in self.sequence.found or self.sequence.path(frame).is_file()

    def path(self, frame: int) -> Path:
        return self.sequence.path(frame)

    def read(self, frame: int, channels: int = 3) -> np.ndarray:
        if frame in self._cache:
            self._cache.move_to_end(frame)
            return self._cache[frame]
        image = read_image(self.path(frame), channels=channels)
        self.metadata[frame] = image.metadata
        pixels = image.pixels if self.convert is None else self.convert(image.pixels)
        self._cache[frame] = pixels
        while len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return pixels


def extension(seq: ImageSequence) -> str:
    """The sequence's file extension without the dot (``ImageSequence.extension`` reads a
    bare ``.dpx`` suffix as a hidden name and answers '')."""
    name = seq.single_file.name if seq.single_file else "frame" + seq.suffix
    return Path(name).suffix.lower().lstrip(".")


def neighbour_frames(
    frame: int,
    available: Sequence[int],
    reach: int,
    shot_of: Optional[Callable[[int], object]] = None,
) -> List[int]:
    """Frames within ``reach`` of ``frame`` that exist and (``shot_of``) share its shot."""
    have = set(available)
    out = [frame + o for o in range(-reach, reach + 1) if o and frame + o in have]
    if shot_of is not None:
        out = [f for f in out if shot_of(f) == shot_of(frame)]
    return out


def check_reference(scan: np.ndarray, reference: np.ndarray, path: Path) -> None:
    """RTKError naming ``path`` when the reference does not line up with the scan."""
    from ..core.damage.checks import check_aligned

    result = check_aligned(scan, reference)
    if result.problem:
        raise RTKError(f"the reference {result.problem}", path)


def check_mask(mask: np.ndarray, scan: np.ndarray, path: Path) -> None:
    if mask.shape[:2] != scan.shape[:2]:
        raise RTKError(
            f"mask is {mask.shape[1]}×{mask.shape[0]} but the scan is "
            f"{scan.shape[1]}×{scan.shape[0]}: not this scan's damage mask",
            path,
        )


def mask_sequence(
    out: Path, frames: Sequence[int], single: bool, name: str = MASK_NAME
) -> ImageSequence:
    """Where masks go: ``out`` itself when it is a pattern (or one file for a single frame),
    else ``out/<name>``."""
    text = str(out)
    if "#" in Path(text).name or "%" in Path(text).name or (single and Path(text).suffix):
        return output_sequence(text, frames)
    pattern = str(Path(text) / name)
    return output_sequence(pattern if not single else pattern.replace(".####", ""), frames)


def faults_sequence(masks: ImageSequence) -> ImageSequence:
    """Where the reference faults of ``masks`` go: beside them, ``reference_faults`` with the
    masks' frame numbering (``reference_faults.exr`` beside a single mask)."""
    if masks.is_single:
        return output_sequence(str(masks.directory / "reference_faults.exr"), masks.frames)
    pattern = masks.directory / f"reference_faults.{'#' * max(masks.padding, 1)}.exr"
    return output_sequence(str(pattern), masks.frames)


class Staging:
    """A hidden folder beside the outputs: everything is written there, then moved into
    place by :meth:`commit`; on an error nothing of the run is left behind."""

    def __init__(self, folder: Path, protect: Sequence[Path] = ()) -> None:
        self.folder = Path(folder)
        self.protect = list(protect)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.tmp = self.folder / f".rtk-staging-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.tmp.mkdir()
        self.moves: Dict[Path, Path] = {}

    def target(self, final: Path) -> Path:
        from ..core.io.protect import check_not_input

        check_not_input(final, self.protect)
        staged = self.tmp / f"{len(self.moves):06d}{Path(final).suffix}"
        self.moves[staged] = Path(final)
        return staged

    def write_mask(self, final: Path, mask: np.ndarray) -> None:
        rgba = np.repeat(np.asarray(mask, np.float32)[..., None], 4, axis=2)
        write_image(
            self.target(final),
            rgba,
            ImageMetadata(attributes={"rtk:stage": "damage"}),
            data_format="half",
            channel_names=("R", "G", "B", "A"),
        )

    def write_frame(self, final: Path, pixels: np.ndarray, metadata: ImageMetadata) -> None:
        """An image in ``final``'s format, keeping the input's depth when it suits it."""
        write_image(self.target(final), pixels, metadata)

    def write_text(self, final: Path, text: str) -> None:
        self.target(final).write_text(text, encoding="utf-8")

    def commit(self) -> None:
        for staged, final in self.moves.items():
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def shot_lookup(project) -> Optional[Callable[[int], Optional[str]]]:
    if project is None or not project.shots:
        return None
    shots = list(project.shots)
    return lambda f: next((s.name for s in shots if s.first <= f <= s.last), None)


def converter(project, src: Optional[str], dst: Optional[str]):
    if project is None or not src or not dst or src == dst:
        return None
    from ..core.io.ocio import convert_colorspace

    config = project.color.ocio_config
    return lambda pixels: convert_colorspace(pixels, src, dst, config=config)


def display_converter(space: Optional[str], config: Optional[str]):
    """Detection looks at the picture as a restorer sees it: display-referred values (grain
    and specks about as large in the shadows as in the highlights). Repair never does this:
    it works on the scan's own values."""
    if not space:
        return None
    from ..core.io.ocio import convert_colorspace
    from ..core.project import DEFAULT_OCIO_CONFIG
    from ..core.validation.inputs import DISPLAY_SPACE

    if space == DISPLAY_SPACE:
        return None
    cfg = config or DEFAULT_OCIO_CONFIG
    return lambda pixels: convert_colorspace(pixels, space, DISPLAY_SPACE, config=cfg)


def aligned_reference(project, convert=None) -> Optional[FrameSource]:
    """The project's reference as stage 02 aligned it (written in the working space), or None
    before alignment has run. ``convert`` as for :meth:`FrameSource.open`."""
    if not any(project.alignment_dir.glob("aligned.*.exr")):
        return None
    aligned = str(project.alignment_dir / "aligned.####.exr")
    return FrameSource.open(aligned, "reference", convert=convert)


def mask_source(spec: str) -> FrameSource:
    path = Path(spec)
    if path.is_dir():
        spec = str(path / "mask.####.exr")
    return FrameSource.open(spec, "mask")
