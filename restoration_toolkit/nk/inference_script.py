"""Stage 04: the inference & render script of a project — scan → live-area Crop → Inference →
recombination → back on the scan raster → EXR Write with provenance, for the whole sequence,
a shot or a frame list.

``inference_script(project, model=…)`` returns a :class:`~.stage_inputs.StageScript`; ``rtk
nk inference`` writes it (and chunks it for a farm), the Nuke menu pastes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..core.curation.pairs import PairSet, load_pairs
from ..core.errors import RTKError
from ..core.io.frames import format_frames, parse_frames
from ..core.io.sequence import ImageSequence
from ..core.project import COLOR_TECHNIQUES, TECHNIQUES, Project
from .layout import layout
from .provenance import provenance_metadata
from .root_color import DEFAULT_NUKE_VERSION, HEADER_VERSION, root_color
from .stage_inputs import (
    StageScript,
    fit_box,
    input_transform,
    nuke_box,
    nuke_format,
    require_model,
    scan_sequence,
    scan_size,
    shot_frames,
    target_raster,
)
from .templates import fill, load_template

COMPRESSIONS = {
    "zip": "Zip (1 scanline)",  # H: public .nk writers
    "dwaa": "DWAA",  # H: public tools set Write compression "DWAA" in Nuke
}
DWAA_LEVEL = 45  # the method's level, also the EXR library's default (NDK exrWriter)


@dataclass(frozen=True)
class WritePreset:
    """The Write's channels, EXR compression and frame padding."""

    channels: str
    compression: str
    padding: str


WRITE_PRESETS = {
    "default": WritePreset("rgb", "zip", "%04d"),
    # the method's Write: channels rgba, DWAA level 45, ###### padding
    "method": WritePreset("rgba", "dwaa", "######"),
}


def _render_frames(
    project: Project,
    seq: ImageSequence,
    frames: Optional[str],
    shot: Optional[str],
    test_render: Optional[int],
) -> List[int]:
    """The scan frames to render: ``frames``, else the shot's, else every frame on disk."""
    available = [f for f in seq.frames if f not in set(seq.missing)]
    rng = shot_frames(project, shot)  # an unknown shot is refused, with --frames too
    if frames:
        wanted = parse_frames(frames)
        outside = [f for f in wanted if f not in set(available)]
        if outside:
            raise RTKError(
                f"frames {format_frames(outside)} are outside the scan sequence "
                f"{format_frames(available)}",
                seq.hash_pattern,
            )
    else:
        wanted = [f for f in available if rng is None or rng[0] <= f <= rng[1]]
        if not wanted:
            raise RTKError(f"shot {shot} has no scan frames", project.root / "project.yaml")
    if test_render is not None:
        if test_render < 1:
            raise RTKError(f"--test-render must be at least 1 frame, got {test_render}")
        wanted = wanted[:test_render]
    return wanted


def _write_values(write: str, compression: Optional[str], out: Path) -> Dict[str, Any]:
    if write not in WRITE_PRESETS:
        raise RTKError(f"--write must be one of {', '.join(WRITE_PRESETS)}, got {write!r}")
    preset = WRITE_PRESETS[write]
    chosen = compression or preset.compression
    if chosen not in COMPRESSIONS:
        raise RTKError(f"--compression must be one of {', '.join(COMPRESSIONS)}, got {chosen!r}")
    return {
        "write_channels": preset.channels,
        "compression": COMPRESSIONS[chosen],
        "dw_compression_level": DWAA_LEVEL if chosen == "dwaa" else None,
        "output_file": out.as_posix(),
    }


def _scan_values(
    project: Project, seq: ImageSequence, raster: Tuple[int, int], wanted: List[int]
) -> Dict[str, Any]:
    """The Root and the scan Read: the (target) raster, the frames to render, the file."""
    pixel_aspect = project.source.pixel_aspect
    return {
        "format": nuke_format(*raster, pixel_aspect, f"{project.name}_scan"),
        "target_format": nuke_format(*raster, pixel_aspect, f"{project.name}_target"),
        "first_frame": wanted[0],
        "last_frame": wanted[-1],
        "fps": project.source.fps,
        "scan_file": seq.printf_pattern,
        "scan_first": seq.first,
        "scan_last": seq.last,
        "scan_colorspace": input_transform(project, "source.colorspace", project.source.colorspace),
    }


def inference_script(
    project: Project,
    *,
    model: Path,
    shot: Optional[str] = None,
    frames: Optional[str] = None,
    test_render: Optional[int] = None,
    edition: str = "nk",
    template_path: Optional[Path] = None,
    write: str = "default",
    compression: Optional[str] = None,
    technique: Optional[str] = None,
    target_size: Optional[Tuple[int, int]] = None,
    resize_filter: str = "Lanczos4",
    output: Optional[Path] = None,
    scan_raster: Optional[Tuple[int, int]] = None,
    nuke_version: int = DEFAULT_NUKE_VERSION,
    nuke_config: Optional[str] = None,
) -> StageScript:
    """Full scan → live-area Crop → Inference → recombination → back on the raster → EXR.

    ``write``: a :data:`WRITE_PRESETS` name (``method``: rgba, DWAA 45, ``######``);
    ``compression`` overrides its compression."""
    technique = technique or project.technique
    if technique not in TECHNIQUES:
        raise RTKError(f"unknown technique {technique!r} (one of {', '.join(TECHNIQUES)})")
    model_file, warnings = require_model(model, edition)
    seq = scan_sequence(project)
    wanted = _render_frames(project, seq, frames, shot, test_render)
    size = scan_raster or scan_size(seq)
    raster = target_raster(technique, size, target_size)
    shot_name = shot or project.name
    padding = WRITE_PRESETS[write].padding if write in WRITE_PRESETS else "%04d"
    out = Path(output or project.stage_dir(4) / f"{shot_name}_ml_{padding}.exr")
    pairs: Optional[PairSet] = (
        load_pairs(project.pairs_file) if project.pairs_file.is_file() else None
    )
    box = fit_box(nuke_box(project, *size), size, raster)
    color = root_color(project, nuke_version, nuke_config)
    script = load_template("inference", edition, template_path)
    script.nuke_version = HEADER_VERSION[nuke_version]
    values: Dict[str, Any] = {
        **color.values(),
        **_write_values(write, compression, out),
        **_scan_values(project, seq, raster, wanted),
        "resize_filter": resize_filter,
        "reformat_disable": not (technique == "gauge" and target_size is not None),
        "live_area_box": box,
        "live_area_origin": [box[0], box[1]],
        "model_file": model_file.as_posix(),
        "recombine_which": 0 if technique in COLOR_TECHNIQUES else 1,
        "delivery_space": project.color.delivery_space,
        "provenance_metadata": provenance_metadata(project, model_file, pairs, shot, technique),
        "render_first": wanted[0],
        "render_last": wanted[-1],
    }
    fill(script, values, source=template_path)
    layout(script)
    return StageScript(
        script=script,
        template="inference",
        edition=edition,
        technique=technique,
        shot=shot_name,
        frames=wanted,
        executable_node="WriteML",
        inputs=[model_file],
        model_file=model_file,
        output_pattern=out,
        ocio_config=color.config,
        warnings=warnings,
    )
