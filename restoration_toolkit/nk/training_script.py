"""Stage 03: the CopyCat training script of a project — its technique's template filled from
project.yaml and pairs.yaml, with the pair streams expanded.

``training_script(project, …)`` returns a :class:`~.stage_inputs.StageScript`; ``rtk nk
train`` writes it to disk, the Nuke menu pastes it. Nothing here imports nuke.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..core.curation.pairs import Pair, PairSet, load_project_pairs
from ..core.errors import RTKError
from ..core.io.frames import format_frames
from ..core.io.sequence import ImageSequence
from ..core.project import Project
from . import graphs
from .damage_graph import damage_in_training
from .layout import layout
from .model import Node
from .root_color import DEFAULT_NUKE_VERSION, HEADER_VERSION, root_color
from .stage_inputs import (
    DEFAULT_SHOT,
    StageScript,
    fit_box,
    input_transform,
    next_session_dir,
    nuke_box,
    nuke_format,
    require_model,
    scan_sequence,
    scan_size,
    shot_frames,
    target_raster,
    template_name,
)
from .template_source import REFERENCE_PAIRS, SCAN_PAIRS
from .templates import expand, fill, load_template
from .training_settings import MODEL_SIZES, default_training_settings

STEP2 = "analog_video_step2_apply"


def _chosen_pairs(project: Project, pairs: PairSet, shot: str) -> List[Pair]:
    """The pairs tagged with ``shot`` (or in its frame range in project.yaml); all for the
    sequence model."""
    chosen = pairs.pairs_for_shot(None if shot == DEFAULT_SHOT else shot)
    if shot != DEFAULT_SHOT and not chosen:
        if not any(s.name == shot for s in project.shots):
            raise RTKError(
                f"no shot {shot!r} in project.yaml and no pairs tagged with it", project.pairs_file
            )
        first, last = shot_frames(project, shot)  # type: ignore[misc]
        chosen = [p for p in pairs.pairs if first <= p.scan_frame <= last]
    if not chosen:
        raise RTKError(
            "no training pairs"
            + (f" for shot {shot}" if shot != DEFAULT_SHOT else "")
            + " (run `rtk curate` or mark pairs first)",
            project.pairs_file,
        )
    return chosen


def _alignment_boxes(project: Project) -> Dict[int, List[int]]:
    """Per scan frame, the live area stage 02 proposed (scan px, top-left origin)."""
    path = project.alignment_dir / "alignment.json"
    if not path.is_file():
        return {}
    try:
        frames = json.loads(path.read_text(encoding="utf-8")).get("frames") or {}
    except (OSError, ValueError, AttributeError):
        raise RTKError("not a readable alignment.json", path) from None
    return {
        int(f): [int(v) for v in r["live_area"]]
        for f, r in frames.items()
        if isinstance(r, dict) and r.get("status") == "ok" and r.get("live_area")
    }


def _intersect(a: Sequence[int], b: Optional[Sequence[int]]) -> List[int]:
    if b is None:
        return list(a)
    return [max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])]


def _crop_boxes(
    project: Project,
    frames: List[int],
    preview_frame: int,
    size: Tuple[int, int],
    raster: Tuple[int, int],
    overlap_box: Optional[Sequence[int]],
) -> Tuple[Any, List[float], float]:
    """(Crop box of the pair stream — keyed per pair when the live area moves —, the
    Preview's box, the shortest live-area side in pixels on the training raster)."""
    width, height = size
    if overlap_box is not None:  # analog video step 1: the overlap, one box for every pair
        static = fit_box(nuke_box(project, width, height, overlap_box), size, raster)
        return static, static, min(static[2] - static[0], static[3] - static[1])
    la = project.live_area
    base = [la.x0, la.y0, la.x1, la.y1] if la is not None else [0, 0, width, height]
    proposed = _alignment_boxes(project)
    boxes = [
        fit_box(nuke_box(project, width, height, _intersect(base, proposed.get(f))), size, raster)
        for f in frames
    ]
    preview = fit_box(
        nuke_box(project, width, height, _intersect(base, proposed.get(preview_frame))),
        size,
        raster,
    )
    short = min(min(b[2] - b[0], b[3] - b[1]) for b in boxes)
    return graphs.keyed_box(boxes), preview, short


def _preview_frame(pairs: PairSet, frames: List[int], seq: ImageSequence) -> int:
    """The held-out frame for CopyCat's Preview: the first holdout frame in the scan, else
    the scan frame nearest the middle of the pairs that is not itself a pair."""
    available = set(seq.frames) - set(seq.missing)
    for f in pairs.holdout:
        if f in available:
            return f
    middle = (min(frames) + max(frames)) / 2
    candidates = sorted(available - set(frames), key=lambda f: (abs(f - middle), f))
    return candidates[0] if candidates else frames[0]


def _reference_stream(
    project: Project, technique: str, chosen: List[Pair]
) -> Tuple[Dict[str, Any], List[int], str, Path]:
    """(Reference Read values, its frame per pair, where it comes from, the input to log):
    the aligned references (scan-frame numbered, working space) when stage 02 made them for
    every pair, else the raw reference at each pair's reference frame."""
    scan_frames = [p.scan_frame for p in chosen]
    if all((project.alignment_dir / f"aligned.{f:04d}.exr").is_file() for f in scan_frames):
        aligned = project.alignment_dir / "aligned.%04d.exr"
        values = {
            "reference_file": aligned.as_posix(),
            "reference_first": min(scan_frames),
            "reference_last": max(scan_frames),
            "reference_colorspace": project.color.working_space,  # stage 02 writes it so
        }
        return values, scan_frames, "aligned", aligned
    if project.reference is None:
        raise RTKError(
            f"technique {technique} needs a reference in project.yaml",
            project.root / "project.yaml",
        )
    missing = [p.scan_frame for p in chosen if p.reference_frame is None]
    if missing:
        raise RTKError(
            f"pairs of scan frames {format_frames(missing)} have no reference_frame "
            "and there are no aligned references",
            project.pairs_file,
        )
    from ..core.io.footage import open_footage  # a video too: frames 1…N, as Nuke reads it

    ref = open_footage(
        project.reference_spec() or "", project.reference.frames, allow_missing=True
    )
    ref_frames = [int(p.reference_frame) for p in chosen]  # type: ignore[arg-type]
    outside = [f for f in ref_frames if f not in set(ref.frames)]
    if outside:
        raise RTKError(
            f"reference frames {format_frames(outside)} are outside the reference "
            f"sequence {format_frames(ref.frames)}",
            project.pairs_file,
        )
    values = {
        "reference_file": ref.printf_pattern,
        "reference_first": ref.first,
        "reference_last": ref.last,
        "reference_colorspace": input_transform(
            project, "reference.colorspace", project.reference.colorspace
        ),
    }
    return values, ref_frames, "reference", Path(ref.hash_pattern)


def _keyframe_files(project: Project, chosen: List[Pair]) -> List[Tuple[str, str]]:
    """Non-reference color: (file, input transform) of each pair's constructed reference,
    which must be listed in keyframe_references with its provenance."""
    known = {project.resolve(k.path): (i, k) for i, k in enumerate(project.keyframe_references)}
    files = []
    for p in chosen:
        if not p.reference_file:
            raise RTKError(
                f"pair of scan frame {p.scan_frame} has no reference_file (non-reference "
                "color trains on constructed references)",
                project.pairs_file,
            )
        path = project.resolve(p.reference_file)
        if path not in known:
            raise RTKError(
                f"reference {p.reference_file} of scan frame {p.scan_frame} is not listed "
                "in keyframe_references with its provenance",
                project.root / "project.yaml",
            )
        i, key = known[path]
        space = input_transform(project, f"keyframe_references[{i}].colorspace", key.colorspace)
        files.append((path.as_posix(), space))
    return files


def _expand_streams(script: Any, template: str, frames: List[int], reference: Any) -> None:
    """Replace the pair-stream NoOps by the streams (scan; reference or keyframes)."""

    def need(src: Optional[Node]) -> Node:
        if src is None:
            raise RTKError("template pair stream has no input to read from")
        return src

    expand(script, SCAN_PAIRS, lambda src: graphs.pair_stream(need(src), frames, "Scan"))
    if template == STEP2:
        return
    if reference[0] == "keyframes":
        expand(
            script, REFERENCE_PAIRS, lambda src: graphs.keyframe_stream(reference[1], "Reference")
        )
    else:
        ref_frames = reference[1]
        expand(
            script,
            REFERENCE_PAIRS,
            lambda src: graphs.pair_stream(need(src), ref_frames, "Reference"),
        )


def _values(
    project: Project,
    seq: ImageSequence,
    raster: Tuple[int, int],
    n_pairs: int,
    settings: Any,
    session: Path,
) -> Dict[str, Any]:
    """The placeholders every training template has (the Root, the scan Read, CopyCat)."""
    return {
        "format": nuke_format(*raster, project.source.pixel_aspect, f"{project.name}_scan"),
        "first_frame": 1,
        "last_frame": n_pairs,
        "fps": project.source.fps,
        "scan_file": seq.printf_pattern,
        "scan_first": seq.first,
        "scan_last": seq.last,
        "scan_colorspace": input_transform(project, "source.colorspace", project.source.colorspace),
        "median_size": settings.median_size,
        "data_directory": session.as_posix(),
        "epochs": settings.epochs,
        "model_size": MODEL_SIZES[settings.model_size],
        "crop_size": settings.crop_size,
        "batch_size_type": "Manual",  # a fixed batch size (Foundry: Auto / Manual)
        "batch_size": settings.batch_size,
        "checkpoint_interval": settings.checkpoint_interval,
        "contact_sheet_interval": settings.contact_sheet_interval,
        "multi_resolution": settings.multi_resolution,
        "target_format": nuke_format(
            *raster, project.source.pixel_aspect, f"{project.name}_target"
        ),
    }


def _reference_side(
    project: Project,
    technique: str,
    template: str,
    chosen: List[Pair],
    edition: str,
    step1_model: Optional[Path],
    values: Dict[str, Any],
) -> Tuple[Tuple[str, Any], str, List[Path], List[str]]:
    """What the ground truth is made from — the step-1 model, the keyframes or the reference
    stream — as (stream, its source name, inputs to log, warnings); fills ``values``."""
    if template == STEP2:
        if step1_model is None:
            raise RTKError("analog-video step 2 needs --model (the step-1 .cat or .catnc)")
        model, told = require_model(step1_model, edition)
        values["step1_model"] = model.as_posix()
        return ("step1-model", None), "step1-model", [model], told
    if technique == "color-nonreference":
        return ("keyframes", _keyframe_files(project, chosen)), "keyframes", [], []
    ref_values, ref_frames, source, ref_input = _reference_stream(project, technique, chosen)
    values.update(ref_values)
    warnings = []
    if source == "reference":
        warnings.append(
            "the reference is not aligned (stage 02 wrote no aligned.####.exr for these "
            "pairs): the graph reads the raw reference, so scan and reference may not line "
            "up — run the alignment first"
        )
    return ("frames", ref_frames), source, [ref_input], warnings


def training_script(
    project: Project,
    *,
    technique: Optional[str] = None,
    shot: Optional[str] = None,
    step: int = 1,
    pairs: Optional[PairSet] = None,
    edition: str = "nk",
    template_path: Optional[Path] = None,
    settings: Optional[Dict[str, Any]] = None,
    step1_model: Optional[Path] = None,
    overlap_box: Optional[Sequence[int]] = None,
    target_size: Optional[Tuple[int, int]] = None,
    resize_filter: str = "Lanczos4",
    data_directory: Optional[Path] = None,
    scan_raster: Optional[Tuple[int, int]] = None,
    nuke_version: int = DEFAULT_NUKE_VERSION,
    nuke_config: Optional[str] = None,
) -> StageScript:
    """The CopyCat training graph for ``project`` (and ``shot``; none = the sequence model).

    ``scan_raster`` (width, height) skips reading a scan frame's header (the Nuke side knows
    it from the Read node); ``nuke_version`` picks Nuke's built-in OCIO config and the header."""
    technique = technique or project.technique
    template = template_name(technique, step)
    if overlap_box is not None and template != "analog_video_step1_train":
        raise RTKError("--overlap-box is for analog-video step 1")
    pairs = pairs if pairs is not None else load_project_pairs(project)  # checksums verified
    shot_name = shot or DEFAULT_SHOT
    chosen = _chosen_pairs(project, pairs, shot_name)
    if technique == "color-nonreference":
        project.require_provenance()
    seq = scan_sequence(project)
    frames = [p.scan_frame for p in chosen]
    outside = [f for f in frames if f not in set(seq.frames)]
    if outside:
        raise RTKError(
            f"pair scan frames {format_frames(outside)} are outside the scan sequence "
            f"{format_frames(seq.frames)}",
            project.pairs_file,
        )
    size = scan_raster or scan_size(seq)
    raster = target_raster(technique, size, target_size)
    preview = _preview_frame(pairs, frames, seq)
    box, preview_box, short = _crop_boxes(project, frames, preview, size, raster, overlap_box)
    chosen_settings = default_training_settings(technique, short, len(chosen), **(settings or {}))
    session = data_directory or next_session_dir(project, shot_name)
    color = root_color(project, nuke_version, nuke_config)
    values = _values(project, seq, raster, len(chosen), chosen_settings.settings, session)
    values.update(color.values(), live_area_box=box, preview_box=preview_box)
    values.update(preview_frame=preview, resize_filter=resize_filter)
    reference, source, inputs, warnings = _reference_side(
        project, technique, template, chosen, edition, step1_model, values
    )
    inputs.insert(0, project.pairs_file)
    script = load_template(template, edition, template_path)
    script.nuke_version = HEADER_VERSION[nuke_version]
    fill(script, values, source=template_path)
    _expand_streams(script, template, frames, reference)
    damage_inputs, damage_warnings = damage_in_training(script, project, technique, frames, seq)
    inputs += damage_inputs
    warnings += damage_warnings
    layout(script)
    return StageScript(
        script=script,
        template=template,
        edition=edition,
        technique=technique,
        shot=shot_name,
        frames=frames,
        data_directory=session,
        settings=chosen_settings.settings,
        executable_node="CopyCat2" if template == STEP2 else "CopyCat1",
        inputs=inputs,
        reference_source=source,
        ocio_config=color.config,
        warnings=chosen_settings.warnings + warnings,
    )
