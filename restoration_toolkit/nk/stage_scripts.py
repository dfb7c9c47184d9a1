"""Stage 03 and 04 scripts from a project: the CopyCat training graph and the inference graph.

``training_script(project, …)`` and ``inference_script(project, …)`` return a
:class:`StageScript` (the filled :class:`Script` plus what it was built from); ``rtk nk`` writes
it to disk, the Nuke menu pastes it. Everything reads ``project.yaml`` (core.project) and
``pairs.yaml`` (core.pairs); nothing imports nuke.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import __version__
from ..core.curation.pairs import Pair, PairSet, load_pairs
from ..core.errors import RTKError
from ..core.io.frames import format_frames, frame_runs, parse_frames
from ..core.io.sequence import ImageSequence, open_sequence
from ..core.project import COLOR_TECHNIQUES, TECHNIQUES, Project
from . import graphs
from .layout import layout
from .model import Node, Raw, Script
from .template_source import REFERENCE_PAIRS, SCAN_PAIRS
from .templates import expand, fill, load_template

MODEL_SIZES = {"small": "Small", "medium": "Medium", "large": "Large"}  # unverified: values
COMPRESSIONS = {
    "zip": "Zip (1 scanline)",  # H: public .nk writers
    "dwaa": "DWAA",  # unverified: exact menu text of Write's DWAA entry
}
SMALL_LIVE_AREA = 1024  # px: a live area shorter than this trains with 256-px crops
DEFAULT_SHOT = "sequence"

TRAIN_TEMPLATE = {
    "color-reference": "color_reference_train",
    "color-nonreference": "color_nonreference_train",
    "gauge": "gauge_train",
    "generation": "generation_train",
    "analog-video": "analog_video_step1_train",
}


@dataclass
class TrainingSettings:
    """CopyCat's knobs for one training run (defaults: :func:`default_training_settings`)."""

    epochs: int
    steps: int
    batch_size: int = 3
    crop_size: int = 512
    model_size: str = "medium"
    checkpoint_interval: int = 10_000
    contact_sheet_interval: int = 100
    median_size: float = 5.0

    def validate(self) -> None:
        for key in (
            "epochs",
            "batch_size",
            "crop_size",
            "checkpoint_interval",
            "contact_sheet_interval",
        ):
            if int(getattr(self, key)) < 1:
                raise RTKError(
                    f"--{key.replace('_', '-')} must be at least 1, got {getattr(self, key)}"
                )
        if self.model_size not in MODEL_SIZES:
            raise RTKError(
                f"--model-size must be one of {', '.join(MODEL_SIZES)}, got {self.model_size!r}"
            )
        if self.crop_size % 2 or self.crop_size < 64:
            raise RTKError(
                f"--crop-size must be an even number of pixels ≥ 64, got {self.crop_size}"
            )
        if not 0 <= self.median_size <= 20:
            raise RTKError(f"--median-size must be between 0 and 20, got {self.median_size}")


def steps_per_epoch(pairs: int, batch_size: int) -> int:
    """One epoch is one pass over the pairs: ceil(pairs / batch) steps (# unverified: CopyCat's
    step count is assumed to follow this definition)."""
    return max(1, math.ceil(pairs / batch_size))


def default_training_settings(
    technique: str, live_area_short_side: int, pairs: int, **overrides: Any
) -> TrainingSettings:
    """The method's starting values: Medium model, batch 3 (fixed, repeatable across machines),
    crop 512 (256 with twice the steps when the live area is under 1024 px), checkpoints every
    10 000 steps, contact sheet every 100, 40 000 steps (80 000 with small crops). The Median
    on a reference is 5 px for DVD/telecine references, 3 for constructed keyframes."""
    given = {k: v for k, v in overrides.items() if v is not None}
    crop = int(given.get("crop_size", 256 if live_area_short_side < SMALL_LIVE_AREA else 512))
    steps = int(given.get("steps", 80_000 if crop <= 256 else 40_000))
    batch = int(given.get("batch_size", 3))
    if batch < 1:
        raise RTKError(f"--batch-size must be at least 1, got {batch}")
    if steps < 1:
        raise RTKError(f"--steps must be at least 1, got {steps}")
    epochs = int(given.get("epochs", math.ceil(steps / steps_per_epoch(pairs, batch))))
    settings = TrainingSettings(
        epochs=epochs,
        steps=epochs * steps_per_epoch(pairs, batch),
        batch_size=batch,
        crop_size=crop,
        model_size=str(given.get("model_size", "medium")),
        checkpoint_interval=int(given.get("checkpoint_interval", 10_000)),
        contact_sheet_interval=int(given.get("contact_sheet_interval", 100)),
        median_size=float(
            given.get("median_size", 3.0 if technique == "color-nonreference" else 5.0)
        ),
    )
    settings.validate()
    return settings


SETTINGS_FILE = "settings.yaml"  # pipeline/03_copycat_training/settings.yaml
SETTING_KEYS = (
    "epochs",
    "steps",
    "batch_size",
    "crop_size",
    "model_size",
    "checkpoint_interval",
    "contact_sheet_interval",
    "median_size",
)


def project_training_settings(project: Project) -> Dict[str, Any]:
    """The project's own starting values: ``pipeline/03_copycat_training/settings.yaml``
    (optional; keys as the ``rtk nk train`` flags). Read by the command line and by the
    Nuke menu alike; flags given on the command line win."""
    import yaml

    path = project.stage_dir(3) / SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise RTKError("not valid YAML", path) from None
    if not isinstance(data, dict):
        raise RTKError("must be a mapping of setting: value", path)
    unknown = sorted(set(data) - set(SETTING_KEYS))
    if unknown:
        raise RTKError(
            f"unknown settings {', '.join(unknown)} (allowed: {', '.join(SETTING_KEYS)})", path
        )
    return dict(data)


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
            "warnings": list(self.warnings),
        }


# -- shared pieces --------------------------------------------------------------------------


def scan_sequence(project: Project) -> ImageSequence:
    return open_sequence(project.source_spec(), project.source.frames, allow_missing=True)


def scan_size(project: Project, seq: ImageSequence) -> Tuple[int, int]:
    """(width, height) of the scan, read from the first frame that exists."""
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
    pa = f"{pixel_aspect:g}"
    return f"{width} {height} 0 0 {width} {height} {pa} {clean}"


def _box(
    project: Project, width: int, height: int, box: Optional[Sequence[int]] = None
) -> List[int]:
    """Nuke Crop box (x, y, r, t) of a scan-pixel box (x0, y0, x1, y1, top-left origin)."""
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


def _raster(
    technique: str, size: Tuple[int, int], target: Optional[Tuple[int, int]]
) -> Tuple[int, int]:
    if target is not None and technique != "gauge":
        raise RTKError(f"--target-size is for the gauge technique, not {technique}")
    return target or size


def _root_values(
    project: Project, width: int, height: int, first: int, last: int
) -> Dict[str, Any]:
    config = project.color.ocio_config
    return {
        "format": nuke_format(width, height, project.source.pixel_aspect, f"{project.name}_scan"),
        "first_frame": first,
        "last_frame": last,
        "fps": project.source.fps,
        "ocio_config_name": "custom",  # unverified: Nuke's value for a custom config path
        "ocio_config_path": config
        if config.startswith("ocio://")
        else str(project.resolve(config)),
        "working_space": project.color.working_space,
    }


def _template_name(technique: str, step: int) -> str:
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


def _shot_frames(project: Project, shot: Optional[str]) -> Optional[Tuple[int, int]]:
    if not shot or shot == DEFAULT_SHOT:
        return None
    for s in project.shots:
        if s.name == shot:
            return s.first, s.last
    return None


# -- training -------------------------------------------------------------------------------


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
) -> StageScript:
    """The CopyCat training graph for ``project`` (and ``shot``; none = the sequence model).

    ``scan_raster`` (width, height) skips reading a scan frame's header (the Nuke side knows
    it from the Read node)."""
    technique = technique or project.technique
    template = _template_name(technique, step)
    pairs = pairs if pairs is not None else load_pairs(project.pairs_file)
    shot_name = shot or DEFAULT_SHOT
    chosen: List[Pair] = pairs.pairs_for_shot(None if shot_name == DEFAULT_SHOT else shot_name)
    if shot and shot != DEFAULT_SHOT and not chosen:
        rng = _shot_frames(project, shot)
        if rng is None:
            raise RTKError(
                f"no shot {shot!r} in project.yaml and no pairs tagged with it", project.pairs_file
            )
        chosen = [p for p in pairs.pairs if rng[0] <= p.scan_frame <= rng[1]]
    if not chosen:
        raise RTKError(
            "no training pairs"
            + (f" for shot {shot}" if shot else "")
            + " (run `rtk curate` or mark pairs first)",
            project.pairs_file,
        )
    if technique == "color-nonreference":
        project.require_provenance()
        _require_keyframe_provenance(project, chosen)
    seq = scan_sequence(project)
    frames = [p.scan_frame for p in chosen]
    outside = [f for f in frames if f not in set(seq.frames)]
    if outside:
        raise RTKError(
            f"pair scan frames {format_frames(outside)} are outside the scan sequence "
            f"{format_frames(seq.frames)}",
            project.pairs_file,
        )
    width, height = scan_raster or scan_size(project, seq)
    raster = _raster(technique, (width, height), target_size)
    box = fit_box(_box(project, width, height), (width, height), raster)
    short_side = min(box[2] - box[0], box[3] - box[1])
    chosen_settings = default_training_settings(
        technique, short_side, len(chosen), **(settings or {})
    )
    session = data_directory or next_session_dir(project, shot_name)

    script = load_template(template, edition, template_path)
    values: Dict[str, Any] = {
        **_root_values(project, raster[0], raster[1], 1, len(chosen)),
        "scan_file": seq.printf_pattern,
        "scan_first": seq.first,
        "scan_last": seq.last,
        "scan_colorspace": project.source.colorspace,
        "live_area_box": box,
        "overlap_box": (
            fit_box(_box(project, width, height, overlap_box), (width, height), raster)
            if overlap_box
            else box
        ),
        "median_size": chosen_settings.median_size,
        "data_directory": session.as_posix(),
        "epochs": chosen_settings.epochs,
        "model_size": MODEL_SIZES[chosen_settings.model_size],
        "crop_size": chosen_settings.crop_size,
        "batch_size_type": "Manual",  # unverified: CopyCat batchSizeType value for a fixed size
        "batch_size": chosen_settings.batch_size,
        "checkpoint_interval": chosen_settings.checkpoint_interval,
        "contact_sheet_interval": chosen_settings.contact_sheet_interval,
        "preview_frame": _preview_frame(pairs, frames, seq),
        "target_format": nuke_format(
            *raster, project.source.pixel_aspect, f"{project.name}_target"
        ),
        "resize_filter": resize_filter,
    }
    inputs: List[Path] = [project.pairs_file]
    if template == "analog_video_step2_apply":
        if step1_model is None:
            raise RTKError("analog-video step 2 needs --model (the step-1 .cat)")
        values["step1_model"] = _require_model(step1_model).as_posix()
        inputs.append(step1_model)
    else:
        _reference_values(project, technique, chosen, values, inputs)
    fill(script, values, source=template_path)
    expand(script, SCAN_PAIRS, lambda src: graphs.pair_stream(_need(src), frames, "Scan"))
    if template != "analog_video_step2_apply":
        if technique == "color-nonreference":
            files = [project.resolve(p.reference_file or "").as_posix() for p in chosen]
            colorspace = _keyframe_colorspace(project, chosen)
            expand(
                script,
                REFERENCE_PAIRS,
                lambda src: graphs.keyframe_stream(files, colorspace, "Reference"),
            )
        else:
            ref_frames = values.pop("_reference_pair_frames")
            expand(
                script,
                REFERENCE_PAIRS,
                lambda src: graphs.pair_stream(_need(src), ref_frames, "Reference"),
            )
    layout(script)
    node = "CopyCat2" if template == "analog_video_step2_apply" else "CopyCat1"
    warnings = []
    if values.get("_reference_source") == "reference":
        warnings.append(
            "the reference is not aligned (stage 02 wrote no aligned.####.exr for these pairs): "
            "the graph reads the raw reference, so scan and reference may not line up — run "
            "the alignment first"
        )
    return StageScript(
        script=script,
        template=template,
        edition=edition,
        technique=technique,
        shot=shot_name,
        frames=frames,
        data_directory=session,
        settings=chosen_settings,
        executable_node=node,
        inputs=inputs,
        reference_source=(
            "step1-model"
            if template == "analog_video_step2_apply"
            else "keyframes"
            if technique == "color-nonreference"
            else values.get("_reference_source", "")
        ),
        warnings=warnings,
    )


def _need(src: Optional[Node]) -> Node:
    if src is None:
        raise RTKError("template pair stream has no input to read from")
    return src


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


def _reference_values(
    project: Project, technique: str, chosen: List[Pair], values: Dict[str, Any], inputs: List[Path]
) -> None:
    """Reference Read: the aligned references (scan-frame numbered, working space) when stage
    02 made them for every pair, else the raw reference at each pair's reference frame."""
    if technique == "color-nonreference":
        return
    aligned = project.alignment_dir / "aligned.%04d.exr"
    scan_frames = [p.scan_frame for p in chosen]
    if all((project.alignment_dir / f"aligned.{f:04d}.exr").is_file() for f in scan_frames):
        values.update(
            reference_file=aligned.as_posix(),
            reference_first=min(scan_frames),
            reference_last=max(scan_frames),
            reference_colorspace=project.color.working_space,
        )
        values["_reference_pair_frames"] = scan_frames
        values["_reference_source"] = "aligned"
        inputs.append(aligned)
        return
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
    ref = open_sequence(
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
    values.update(
        reference_file=ref.printf_pattern,
        reference_first=ref.first,
        reference_last=ref.last,
        reference_colorspace=project.reference.colorspace,
    )
    values["_reference_pair_frames"] = ref_frames
    values["_reference_source"] = "reference"
    inputs.append(Path(ref.hash_pattern))


def _require_keyframe_provenance(project: Project, chosen: List[Pair]) -> None:
    known = {project.resolve(k.path) for k in project.keyframe_references}
    for p in chosen:
        if not p.reference_file:
            raise RTKError(
                f"pair of scan frame {p.scan_frame} has no reference_file (non-reference "
                "color trains on constructed references)",
                project.pairs_file,
            )
        if project.resolve(p.reference_file) not in known:
            raise RTKError(
                f"reference {p.reference_file} of scan frame {p.scan_frame} is not listed "
                "in keyframe_references with its provenance",
                project.root / "project.yaml",
            )


def _keyframe_colorspace(project: Project, chosen: List[Pair]) -> str:
    spaces = {k.colorspace for k in project.keyframe_references}
    return spaces.pop() if len(spaces) == 1 else "sRGB - Texture"


def _require_model(path: Path) -> Path:
    p = Path(path)
    if p.suffix.lower() != ".cat":
        raise RTKError("model must be a .cat file (made by CopyCat or CatFileCreator)", p)
    if not p.is_file():
        raise RTKError("no such model file", p)
    return p.resolve()


# -- inference ------------------------------------------------------------------------------


def inference_script(
    project: Project,
    *,
    model: Path,
    shot: Optional[str] = None,
    frames: Optional[str] = None,
    test_render: Optional[int] = None,
    edition: str = "nk",
    template_path: Optional[Path] = None,
    compression: str = "zip",
    technique: Optional[str] = None,
    target_size: Optional[Tuple[int, int]] = None,
    resize_filter: str = "Lanczos4",
    output: Optional[Path] = None,
    scan_raster: Optional[Tuple[int, int]] = None,
) -> StageScript:
    """Full scan → live-area Crop → Inference → recombination → delivery space → EXR."""
    technique = technique or project.technique
    if technique not in TECHNIQUES:
        raise RTKError(f"unknown technique {technique!r} (one of {', '.join(TECHNIQUES)})")
    model_file = _require_model(model)
    if compression not in COMPRESSIONS:
        raise RTKError(
            f"--compression must be one of {', '.join(COMPRESSIONS)}, got {compression!r}"
        )
    seq = scan_sequence(project)
    available = [f for f in seq.frames if f not in set(seq.missing)]
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
        rng = _shot_frames(project, shot)
        if rng is None and shot and shot != DEFAULT_SHOT:  # never the whole reel instead
            known = ", ".join(s.name for s in project.shots) or "none"
            raise RTKError(
                f"no shot {shot!r} in project.yaml (shots: {known})", project.root / "project.yaml"
            )
        wanted = [f for f in available if rng is None or rng[0] <= f <= rng[1]]
        if not wanted:
            raise RTKError(f"shot {shot} has no scan frames", project.root / "project.yaml")
    if test_render is not None:
        if test_render < 1:
            raise RTKError(f"--test-render must be at least 1 frame, got {test_render}")
        wanted = wanted[:test_render]
    width, height = scan_raster or scan_size(project, seq)
    raster = _raster(technique, (width, height), target_size)
    shot_name = shot or project.name
    out = output or project.stage_dir(4) / f"{shot_name}_ml_%04d.exr"
    pairs: Optional[PairSet] = None
    if project.pairs_file.is_file():
        pairs = load_pairs(project.pairs_file)
    script = load_template("inference", edition, template_path)
    values: Dict[str, Any] = {
        **_root_values(project, raster[0], raster[1], wanted[0], wanted[-1]),
        "scan_file": seq.printf_pattern,
        "scan_first": seq.first,
        "scan_last": seq.last,
        "scan_colorspace": project.source.colorspace,
        "target_format": nuke_format(
            *raster, project.source.pixel_aspect, f"{project.name}_target"
        ),
        "resize_filter": resize_filter,
        "reformat_disable": not (technique == "gauge" and target_size is not None),
        "live_area_box": fit_box(_box(project, width, height), (width, height), raster),
        "model_file": model_file.as_posix(),
        "recombine_which": 0 if technique in COLOR_TECHNIQUES else 1,
        "working_space": project.color.working_space,
        "delivery_space": project.color.delivery_space,
        "provenance_metadata": provenance_metadata(project, model_file, pairs, shot, technique),
        "output_file": Path(out).as_posix(),
        "compression": COMPRESSIONS[compression],
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
        output_pattern=Path(out),
    )


def provenance_entries(
    project: Project,
    model_file: Path,
    pairs: Optional[PairSet],
    shot: Optional[str],
    technique: str,
) -> List[Tuple[str, str]]:
    """EXR header attributes of a rendered frame: how it was made and from what."""
    entries = [
        ("rtk:made_with_trained_model", "true"),
        ("rtk:toolkit_version", __version__),
        ("rtk:project", project.name),
        ("rtk:technique", technique),
        ("rtk:model_file", model_file.as_posix()),
    ]
    if pairs is not None:
        chosen = pairs.pairs_for_shot(shot)
        entries.append(("rtk:training_pairs", format_frames(p.scan_frame for p in chosen)))
    refs = []
    if project.reference is not None:
        prov = project.reference.provenance
        refs.append(f"{project.reference.path} ({_prov(prov)})")
    refs += [f"{k.path} ({_prov(k.provenance)})" for k in project.keyframe_references]
    if refs:
        entries.append(("rtk:references", "; ".join(refs)))
    return entries


def _prov(prov: Any) -> str:
    if prov is None or prov.is_empty():
        return "provenance not recorded"
    return ", ".join(x for x in (prov.source, prov.holder, prov.permission, prov.date) if x)


def provenance_metadata(
    project: Project,
    model_file: Path,
    pairs: Optional[PairSet],
    shot: Optional[str],
    technique: str,
) -> Raw:
    """ModifyMetaData ``metadata`` value: ``{{set exr/key value} …}`` (the saved form)."""
    from .writer import format_value

    items = " ".join(
        "{set " + format_value(f"exr/{k}") + " " + format_value(v) + "}"
        for k, v in provenance_entries(project, model_file, pairs, shot, technique)
    )
    return Raw("{" + items + "}")


# -- chunks ---------------------------------------------------------------------------------


def chunk_ranges(frames: Sequence[int], size: int) -> List[Tuple[int, int]]:
    """Consecutive (first, last) ranges of at most ``size`` frames covering ``frames`` once."""
    if size < 1:
        raise RTKError(f"--chunk must be at least 1, got {size}")
    ranges: List[Tuple[int, int]] = []
    for a, b in frame_runs(frames):
        start = a
        while start <= b:
            end = min(b, start + size - 1)
            ranges.append((start, end))
            start = end + 1
    return ranges


def chunk_shell_script(
    script_path: Path, node: str, ranges: Sequence[Tuple[int, int]], gpu: bool = False
) -> str:
    """A POSIX shell script rendering each chunk with Nuke in terminal mode."""
    lines = [
        "#!/bin/sh",
        "# Render in chunks with Nuke in terminal mode (written by rtk nk inference --chunk).",
        "# NUKE: the Nuke executable (default: nuke on PATH); a chunk that fails stops the run.",
        "set -e",
        'NUKE="${NUKE:-${RTK_NUKE:-nuke}}"',
    ]
    gpu_flag = " --gpu" if gpu else ""
    quoted = "'" + script_path.as_posix().replace("'", "'\\''") + "'"
    for a, b in ranges:
        lines.append(f'"$NUKE" -F {a}-{b} -X {node}{gpu_flag} {quoted}')
    return "\n".join(lines) + "\n"
