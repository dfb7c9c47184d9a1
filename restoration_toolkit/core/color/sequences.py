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
from ..io.images import read_image, write_image
from ..io.raster import common_size
from ..io.sequence import ImageSequence
from ..progress import ProgressFn
from .chroma_only import ChromaOnly, keep_scan_luminance
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

    def from_working(self, rgb: np.ndarray, space: Optional[str]) -> np.ndarray:
        if self.config is None or not space or space == self.working:
            return np.asarray(rgb[..., :3], np.float32)
        t = ocio().ColorSpaceTransform(src=self.working, dst=space)
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
    method: Optional[str] = None,
    size: int = 33,
    encoding: Optional[str] = None,
    prior: Optional[str] = None,
    degree: Optional[int] = None,
    chroma_only: bool = False,
    shots: Optional[Dict[int, str]] = None,
    progress: Optional[ProgressFn] = None,
    extra: Optional[Dict[str, Any]] = None,
) -> FitResult:
    """Fit on ``frames`` (the model chosen by cross-validation, :func:`.fit.fit_color_transform`;
    ``shots``: scan frame → shot), measure on ``holdout``, write ``out`` (.cube) + .clf + .json
    (+ .cc). The sidecar holds the candidate table under ``model_selection``."""
    colors = colors or ColorSetup()
    train = [f for f in frames if f not in set(holdout)]
    if not train:
        raise RTKError("no training frames left (every frame is held out)")
    total = len(train) + len(holdout) + 3
    done = 0
    pairs = []
    for f in train:
        pairs.append(_load_pair(f, source, target, mask, colors))
        done += 1
        if progress:
            progress(done, total, f"read pair {f}")

    def fit_progress(step: int, steps: int, message: str = "") -> None:
        if progress:  # the cross-validation's own count, then back to the frames
            progress(step, steps, message)

    transform = fit_color_transform(
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        mask=[p[2] for p in pairs] if mask is not None else None,
        method=method,
        encoding=encoding,
        prior=prior,
        degree=degree,
        chroma_only=chroma_only,
        shots=[(shots or {}).get(f, "") for f in train] if shots else None,
        frames=train,
        size=size,
        measure_encoding=colors.measure_encoding,
        progress=fit_progress,
    )
    del pairs
    done += 1
    selection = transform.figures.pop("model_selection", None)
    figures: Dict[str, Any] = {
        k: transform.figures[k]
        for k in ("train_de2000_mean", "train_de2000_p95")
        if k in transform.figures
    }
    if holdout:
        figures.update(_holdout_figures(transform, holdout, source, target, mask, colors,
                                        chroma_only, progress, done, total))
        done += len(holdout)
    transform.figures.update(figures)
    info = _sidecar_info(train, holdout, chroma_only, source, target, mask, colors)
    if selection:
        info["model_selection"] = selection
    info.update(extra or {})
    files = save_grade(transform, out, size=size, extra=info)
    if progress:
        progress(total, total, f"wrote {out.name}")
    if selection:
        figures["model_selection"] = selection
    return FitResult(transform, files, list(train), list(holdout), figures)


def _sidecar_info(train, holdout, chroma_only, source, target, mask, colors) -> Dict[str, Any]:
    return {
        "training_frames": list(train),
        "holdout_frames": list(holdout),
        "chroma_only": bool(chroma_only),
        "source": source.hash_pattern,
        "target": target.hash_pattern,
        "mask": mask.hash_pattern if mask is not None else None,
        "colour": {
            "ocio_config": colors.config,
            "working_space": colors.working,
            "source_space": colors.source,
            "target_space": colors.target,
        },
    }


def _holdout_figures(transform, holdout, source, target, mask, colors, chroma_only,
                     progress, done, total) -> Dict[str, Any]:
    """ΔE2000 on the held-out frames (chroma-only: against the scan's luminance with the
    reference's chroma, the ground truth such a grade aims at)."""
    from ..validation.metrics.color import delta_e2000

    means, p95s = [], []
    for f in holdout:
        src, tgt, m = _load_pair(f, source, target, mask, colors)
        if chroma_only:
            tgt = keep_scan_luminance(src, tgt)
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
    return {
        "holdout_de2000_mean": round(float(np.mean(means)), 4),
        "holdout_de2000_p95": round(float(np.mean(p95s)), 4),
        "holdout_de2000_per_frame": {str(f): round(float(v), 4) for f, v in zip(holdout, means)},
    }


def grade_processor(
    grade_path: Path, *, colors: ColorSetup, space: Optional[str], inverse: bool = False
) -> Any:
    """One OCIO CPU processor: input space → working → grade (or its inverse) → working →
    input space."""
    return _grade_processor(load_grade(grade_path), colors=colors, space=space,
                            inverse=inverse)


def _grade_processor(
    transform: ColorTransform, *, colors: ColorSetup, space: Optional[str], inverse: bool
) -> Any:
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
    chroma_only: Optional[bool] = None,
    progress: Optional[ProgressFn] = None,
) -> List[Path]:
    """Apply a grade (.cube / .clf / .cc / .json) to every frame of ``source``, writing
    ``out`` in the input's colour space, format and metadata. ``chroma_only``: keep each
    frame's own luminance (Y'CbCr in the working space, :mod:`.chroma_only`); None = as the
    grade was fitted (its JSON says), else full."""
    colors = colors or ColorSetup()
    transform = load_grade(grade_path)
    fitted_chroma = isinstance(transform, ChromaOnly)
    chroma = fitted_chroma if chroma_only is None else bool(chroma_only)
    if chroma and inverse:
        raise RTKError("a chroma-only grade has no inverse (it keeps the input's luminance)",
                       grade_path)
    inputs = [source.path(f) for f in source.frames]
    common_size(inputs, min_channels=3)  # all readable, one size, before anything is written
    if chroma:
        exact = transform if fitted_chroma else ChromaOnly(inner=transform)
    else:
        exact = None
        if fitted_chroma:  # the full grade it was composed from
            transform = transform.inner  # type: ignore[attr-defined]
        processor = _grade_processor(transform, colors=colors, space=colors.source,
                                     inverse=inverse)
    written = []
    for i, frame in enumerate(source.frames):
        img = read_image(inputs[i])
        if exact is not None:
            pixels = np.array(img.pixels, np.float32, copy=True)
            working = colors.to_working(pixels, colors.source)
            pixels[..., :3] = colors.from_working(exact.apply(working), colors.source)
        else:
            pixels = apply_processor(img.pixels, processor)
        target = out.path(frame)
        written.append(write_image(target, pixels, img.metadata, protect=inputs + [grade_path]))
        if progress:
            progress(i + 1, len(source.frames), f"frame {frame}")
    return written
