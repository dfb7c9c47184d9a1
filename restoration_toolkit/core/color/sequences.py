"""Stage 05 on image sequences: fit a grade from aligned pairs, apply a grade to a sequence.

Colour handling is explicit: every input is converted from its declared colour space to the
working space (OCIO config of the project), the grade is fitted and applied there, and an
applied sequence is written back in its input's colour space and format (metadata kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..errors import RTKError
from ..io.images import read_image, read_image_header, write_image
from ..io.sequence import ImageSequence
from ..progress import ProgressFn
from .fit import fit_color_transform
from .grade_files import GradeFiles, load_grade, save_grade
from .ocio_apply import apply_processor, cpu_processor, load_config, ocio
from .transforms import ColorTransform

#: how ΔE2000 reads a working space (core.metrics.color encodings)
MEASURE_ENCODING = {
    "ACEScg": "acescg",
    "ACES2065-1": "aces2065-1",
    "Linear Rec.709 (sRGB)": "linear-srgb",
    "lin_rec709": "linear-srgb",
}


@dataclass
class ColorSetup:
    """``config``: OCIO config (path or ocio:// URI, None = no conversions at all);
    ``working``: working space; ``source`` / ``target`` / ``mask``: declared spaces."""

    config: Optional[str] = None
    working: str = "ACEScg"
    source: Optional[str] = None
    target: Optional[str] = None

    def to_working(self, rgb: np.ndarray, space: Optional[str]) -> np.ndarray:
        if self.config is None or not space or space == self.working:
            return np.asarray(rgb[..., :3], np.float32)
        t = ocio().ColorSpaceTransform(src=space, dst=self.working)
        return apply_processor(rgb[..., :3], _processor(self.config, t))

    @property
    def measure_encoding(self) -> str:
        return MEASURE_ENCODING.get(self.working, "acescg")


def _processor(config: str, transform: Any) -> Any:
    cfg = load_config(config)
    try:
        return cfg.getProcessor(transform).getDefaultCPUProcessor()
    except Exception as exc:
        raise RTKError(f"OpenColorIO: {str(exc).splitlines()[0]}", config) from None


@dataclass
class FitResult:
    transform: ColorTransform
    files: GradeFiles
    train_frames: List[int]
    holdout_frames: List[int]
    figures: Dict[str, Any] = field(default_factory=dict)


def _read_rgb(path: Path) -> np.ndarray:
    img = read_image(path)
    if img.pixels.shape[2] < 3:
        raise RTKError(f"expected an RGB image, got {img.pixels.shape[2]} channel(s)", path)
    return img.pixels[..., :3]


def _read_mask(path: Path) -> np.ndarray:
    px = read_image(path).pixels
    return px[..., 0] if px.ndim == 3 else px


def _load_pair(
    frame: int,
    source: ImageSequence,
    target: ImageSequence,
    mask: Optional[ImageSequence],
    colors: ColorSetup,
):
    s_path, t_path = source.path(frame), target.path(frame)
    src = colors.to_working(_read_rgb(s_path), colors.source)
    tgt = colors.to_working(_read_rgb(t_path), colors.target)
    if src.shape[:2] != tgt.shape[:2]:
        raise RTKError(
            f"frame {frame}: scan {src.shape[1]}×{src.shape[0]} and reference "
            f"{tgt.shape[1]}×{tgt.shape[0]} differ in size: align them first (rtk align)",
            t_path,
        )
    m = None
    if mask is not None:
        m_path = mask.path(frame)
        m = _read_mask(m_path)
        if m.shape != src.shape[:2]:
            raise RTKError(
                f"mask {m.shape[1]}×{m.shape[0]} differs from the scan "
                f"{src.shape[1]}×{src.shape[0]}",
                m_path,
            )
        if not np.all(np.isfinite(m)):
            raise RTKError("mask has NaN or infinite pixels", m_path)
    for arr, p in ((src, s_path), (tgt, t_path)):
        if not np.all(np.isfinite(arr)):
            raise RTKError(
                f"{int(np.count_nonzero(~np.isfinite(arr).all(axis=2)))} NaN or infinite pixels", p
            )
    return src, tgt, m


def fit_grade(
    source: ImageSequence,
    target: ImageSequence,
    out: Path,
    *,
    frames: Sequence[int],
    holdout: Sequence[int] = (),
    mask: Optional[ImageSequence] = None,
    colors: Optional[ColorSetup] = None,
    method: str = "lut3d",
    size: int = 33,
    encoding: Optional[str] = None,
    prior: str = "dye-density",
    progress: Optional[ProgressFn] = None,
    extra: Optional[Dict[str, Any]] = None,
) -> FitResult:
    """Fit on ``frames``, measure on ``holdout``, write ``out`` (.cube) + .json (+ .cc)."""
    colors = colors or ColorSetup()
    train = [f for f in frames if f not in set(holdout)]
    if not train:
        raise RTKError("no training frames left (every frame is held out)")
    total = len(train) + len(holdout) + 2
    done = 0
    pairs = []
    for f in train:
        pairs.append(_load_pair(f, source, target, mask, colors))
        done += 1
        if progress:
            progress(done, total, f"read pair {f}")
    if progress:
        progress(done, total, "fitting")
    transform = fit_color_transform(
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        mask=[p[2] for p in pairs] if mask is not None else None,
        method=method,
        size=size,
        encoding=encoding,
        prior=prior,
        measure_encoding=colors.measure_encoding,
    )
    del pairs
    done += 1
    figures: Dict[str, Any] = {
        k: transform.figures[k]
        for k in ("train_de2000_mean", "train_de2000_p95")
        if k in transform.figures
    }
    if holdout:
        from ..validation.metrics.color import delta_e2000

        means, p95s = [], []
        for f in holdout:
            src, tgt, m = _load_pair(f, source, target, mask, colors)
            pred = transform.apply(src)
            step = max(1, int(np.ceil(np.sqrt(src.shape[0] * src.shape[1] / 400_000))))
            mm = None if m is None else (m[::step, ::step] > 0.5).astype(np.float32)
            de = delta_e2000(
                np.clip(tgt[::step, ::step], 0, None),
                np.clip(pred[::step, ::step], 0, None),
                mask=mm,
                encoding=colors.measure_encoding,
            )
            means.append(de.mean)
            p95s.append(de.p95)
            done += 1
            if progress:
                progress(done, total, f"held-out frame {f}: ΔE2000 {de.mean:.2f}")
        figures["holdout_de2000_mean"] = round(float(np.mean(means)), 4)
        figures["holdout_de2000_p95"] = round(float(np.mean(p95s)), 4)
        figures["holdout_de2000_per_frame"] = {
            str(f): round(float(v), 4) for f, v in zip(holdout, means)
        }
    transform.figures.update(figures)
    info = {
        "training_frames": list(train),
        "holdout_frames": list(holdout),
        "source": source.hash_pattern,
        "target": target.hash_pattern,
        "mask": mask.hash_pattern if mask is not None else None,
        "colour": {
            "ocio_config": colors.config,
            "working_space": colors.working,
            "source_space": colors.source,
            "target_space": colors.target,
        },
        **(extra or {}),
    }
    files = save_grade(transform, out, size=size, extra=info)
    if progress:
        progress(total, total, f"wrote {out.name}")
    return FitResult(transform, files, list(train), list(holdout), figures)


def grade_processor(
    grade_path: Path, *, colors: ColorSetup, space: Optional[str], inverse: bool = False
) -> Any:
    """One OCIO CPU processor: input space → working → grade (or its inverse) → working →
    input space."""
    transform = load_grade(grade_path)
    o = ocio()
    grade = transform.ocio_transform()
    if inverse:
        grade = o.GroupTransform([grade], direction=o.TRANSFORM_DIR_INVERSE)
    steps = []
    convert = colors.config is not None and space and space != colors.working
    if convert:
        steps.append(o.ColorSpaceTransform(src=space, dst=colors.working))
    steps.append(grade)
    if convert:
        steps.append(o.ColorSpaceTransform(src=colors.working, dst=space))
    cfg_name = colors.config if convert else None
    return cpu_processor(o.GroupTransform(steps), cfg_name)


def apply_grade(
    grade_path: Path,
    source: ImageSequence,
    out: ImageSequence,
    *,
    colors: Optional[ColorSetup] = None,
    inverse: bool = False,
    progress: Optional[ProgressFn] = None,
) -> List[Path]:
    """Apply a grade (.cube / .cc / .json) to every frame of ``source``, writing ``out``
    in the input's colour space, format and metadata."""
    colors = colors or ColorSetup()
    processor = grade_processor(grade_path, colors=colors, space=colors.source, inverse=inverse)
    inputs = [source.path(f) for f in source.frames]
    for p in inputs:  # check everything before writing anything
        read_image_header(p)
    written = []
    for i, frame in enumerate(source.frames):
        img = read_image(inputs[i])
        pixels = apply_processor(img.pixels, processor)
        target = out.path(frame)
        written.append(write_image(target, pixels, img.metadata, protect=inputs + [grade_path]))
        if progress:
            progress(i + 1, len(source.frames), f"frame {frame}")
    return written
