"""Stage 05 validation: what to compare, on which frames, and the figures.

Inputs come from a project (``pairs.yaml`` for the training and held-out frames, the aligned
references of stage 02, the model result of stage 04, a MatchGrade render of stage 05 when
present) or are given explicitly. Every image is converted with OpenColorIO from its colour
space to display-referred sRGB (``sRGB - Texture``) and clipped to 0–1 before it is measured:
the figures describe what a viewer of the restoration sees, and ΔE2000 is defined there.
The traditional spatial baselines (:mod:`restoration_toolkit.core.validation.baselines`) are computed from
the scan in that same encoding.

Validation frames must be held out of training: a frame that is the scan frame of a training
pair is refused (:func:`check_validation_frames`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import RTKError
from ..io.frames import format_frames
from ..io.images import read_image
from ..io.sequence import open_sequence
from ..progress import ProgressFn
from ..project import DEFAULT_OCIO_CONFIG, Project
from ..ycbcr import chroma_ground_truth, luma_ground_truth
from .baselines import BASELINES, apply_baseline, resample
from .metrics import (
    delta_e2000,
    detail_ratio,
    flicker_from_means,
    frame_means,
    grain_comparison,
    psnr,
    ssim,
)
from .metrics.temporal import split_runs
from .outliers import FrameMeasures, Outlier, find_outliers, measure_frame

DISPLAY_SPACE = "sRGB - Texture"
# What the result is compared with, per the method's ground-truth compositions (core.ycbcr):
GROUND_TRUTHS: Dict[str, str] = {
    "reference": "the aligned reference as it is",
    "chroma": "the scan's luminance + the aligned reference's chroma (the color-recovery ground "
    "truth: the film keeps its own luminance and grain)",
    "luma": "the aligned reference's luminance + the scan's chroma (the spatial-recovery ground truth)",
}
DEFAULT_OCIO = DEFAULT_OCIO_CONFIG
_NUMBERED = re.compile(
    r"^(?P<prefix>.+?)(?P<frame>-?\d+)\.(?P<ext>exr|dpx|tif|tiff|png|jpg)$", re.I
)

# metric key → (label, better: "lower" | "higher" | "one")
METRICS: Dict[str, Tuple[str, str]] = {
    "delta_e_mean": ("ΔE2000 mean", "lower"),
    "delta_e_p95": ("ΔE2000 p95", "lower"),
    "psnr": ("PSNR (dB, pooled MSE)", "higher"),
    "ssim": ("SSIM", "higher"),
    "detail_ratio": ("HF detail ratio (1 = reference)", "one"),
    "detail_correlation": ("HF detail correlation", "higher"),
    "grain_ratio": ("grain noise power / scan (1 = kept)", "one"),
    "flicker_luma_percent": ("flicker: brightness RMS step (%)", "lower"),
    "flicker_chroma": ("flicker: chroma RMS step", "lower"),
}


@dataclass
class Candidate:
    """One image source compared with the reference: the model result, a MatchGrade render,
    the untreated scan or a traditional baseline computed from the scan."""

    name: str
    kind: str  # "model" | "matchgrade" | "scan" | "baseline"
    description: str
    source: str
    paths: Dict[int, Path] = field(default_factory=dict)
    colorspace: Optional[str] = None
    baseline: Optional[str] = None
    parameters: Dict[str, object] = field(default_factory=dict)
    attributes: Dict[str, object] = field(default_factory=dict)


@dataclass
class ValidationInputs:
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


@dataclass
class FramePictures:
    """What the report shows of one frame: crops of every image around the model's worst
    (smoothed) ΔE, and whole-frame ΔE2000 maps (NaN outside the mask, at most 1024 px wide)."""

    frame: int
    why: str
    box: Tuple[int, int, int]  # (y0, x0, size) of the square crop
    crops: Dict[str, np.ndarray]
    error_maps: Dict[str, np.ndarray]


CROP_SIZE = 256
MAP_WIDTH = 1024


def crop_box(de_map: np.ndarray, size: int = CROP_SIZE) -> Tuple[int, int, int]:
    """(y0, x0, size) of the size×size window around the largest (Gaussian σ 8) ΔE."""
    from scipy.ndimage import gaussian_filter

    h, w = de_map.shape
    size = min(size, h, w)
    smooth = gaussian_filter(np.nan_to_num(de_map, nan=0.0), 8)
    y, x = np.unravel_index(int(np.argmax(smooth)), smooth.shape)
    y0 = int(min(max(y - size // 2, 0), h - size))
    x0 = int(min(max(x - size // 2, 0), w - size))
    return y0, x0, size


def _capture(frame: int, why: str, fr: "FrameImages", maps: Dict[str, np.ndarray]) -> FramePictures:
    import cv2

    y0, x0, size = crop_box(maps.get("model", next(iter(maps.values()))))
    images = {"reference": fr.reference, **fr.candidates}
    crops = {n: img[y0 : y0 + size, x0 : x0 + size].copy() for n, img in images.items()}
    small: Dict[str, np.ndarray] = {}
    for n, m in maps.items():
        h, w = m.shape
        if w > MAP_WIDTH:
            nh = max(1, round(h * MAP_WIDTH / w))
            valid = cv2.resize(
                np.isfinite(m).astype(np.float32), (MAP_WIDTH, nh), interpolation=cv2.INTER_AREA
            )
            vals = cv2.resize(
                np.nan_to_num(m, nan=0.0), (MAP_WIDTH, nh), interpolation=cv2.INTER_AREA
            )
            m = np.where(valid > 0.5, vals / np.maximum(valid, 1e-6), np.nan)
        small[n] = m.astype(np.float16)
    return FramePictures(frame, why, (y0, x0, size), crops, small)


@dataclass
class ValidationResult:
    inputs: ValidationInputs
    size: Tuple[int, int]
    per_frame: Dict[str, Dict[int, Dict[str, float]]]
    summary: Dict[str, Dict[str, float]]
    nps: Dict[str, Dict[str, list]]
    flicker: Dict[str, Dict[str, object]]
    measures: List[FrameMeasures]
    outliers: List[Outlier]
    pictures: List[FramePictures] = field(default_factory=list)


# -- frames ---------------------------------------------------------------------------------


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


def numbered_files(
    directory: Path, pattern: Optional[re.Pattern] = None
) -> Dict[str, Dict[int, Path]]:
    """Numbered image files in ``directory`` grouped by prefix: prefix → {frame: path}."""
    groups: Dict[str, Dict[int, Path]] = {}
    if not directory.is_dir():
        return groups
    for p in sorted(directory.iterdir()):
        if not p.is_file() or p.name.startswith("."):
            continue
        m = (pattern or _NUMBERED).match(p.name)
        if m:
            groups.setdefault(m.group("prefix"), {})[int(m.group("frame"))] = p
    return groups


def sequence_paths(spec: str, frames: Sequence[int], what: str) -> Dict[int, Path]:
    """{frame: path} of ``spec`` for ``frames``; RTKError names what is missing."""
    seq = open_sequence(spec, allow_missing=True)
    if seq.is_single:
        return {f: seq.path(f) for f in frames}
    have = set(seq.frames) - set(seq.missing)
    missing = [f for f in frames if f not in have]
    if missing:
        raise RTKError(
            f"{what} has no frames {format_frames(missing)} (validation frames "
            f"{format_frames(frames)})",
            spec,
        )
    return {f: seq.path(f) for f in frames}


def _require(
    paths: Dict[int, Path], frames: Sequence[int], what: str, where: Path
) -> Dict[int, Path]:
    missing = [f for f in frames if f not in paths]
    if missing:
        raise RTKError(f"{what} is missing frames {format_frames(missing)}", where)
    return {f: paths[f] for f in frames}


def _known_space(name: Optional[str], config: str) -> bool:
    if not name:
        return False
    try:
        return _ocio_config(config).getColorSpace(name) is not None
    except RTKError:
        return False


def _header_space(path: Path, default: str, config: str) -> Tuple[str, Dict[str, object]]:
    from ..io.images import read_image_header

    meta = read_image_header(path)
    space = meta.colorspace if _known_space(meta.colorspace, config) else default
    attrs = {k: v for k, v in meta.attributes.items() if str(k).startswith("rtk:")}
    return space, attrs


def _given_kind(name: str) -> str:
    """``--baseline matchgrade=SEQ`` is the MatchGrade result; any other name a baseline."""
    return "matchgrade" if name.lower() in ("matchgrade", "mg") else "baseline"


def baseline_candidates(names: Optional[Sequence[str]] = None) -> List[Candidate]:
    out = [
        Candidate(
            "scan",
            "scan",
            "the untreated scan (resampled to the reference raster if needed)",
            "scan",
            baseline="lanczos",
            parameters={"filter": "Lanczos4"},
        )
    ]
    for name in names if names is not None else list(BASELINES):
        if name not in BASELINES:
            raise RTKError(f"unknown baseline {name!r} (one of {', '.join(BASELINES)})")
        if name == "lanczos":
            continue  # identical to "scan" on the same raster; on another raster "scan" is it
        b = BASELINES[name]
        out.append(
            Candidate(
                name,
                "baseline",
                b.description,
                "computed from the scan",
                baseline=name,
                parameters=dict(b.parameters),
            )
        )
    return out


def project_inputs(
    project: Project,
    *,
    frames: Optional[Sequence[int]] = None,
    result: Optional[str] = None,
    baselines: Optional[Sequence[str]] = None,
    extra: Optional[Dict[str, str]] = None,
) -> ValidationInputs:
    """Resolve what ``rtk validate --project DIR`` compares (see module docstring)."""
    from ..curation.pairs import load_pairs

    pairs = load_pairs(project.pairs_file)
    training = sorted(set(pairs.scan_frames))
    chosen = sorted(set(frames)) if frames else sorted(set(pairs.holdout))
    if not chosen:
        raise RTKError(
            "pairs.yaml holds no held-out frames (`holdout`): list frames kept out of "
            "training there, or pass --frames",
            project.pairs_file,
        )
    check_validation_frames(chosen, training, project.pairs_file)
    config = project.color.ocio_config or DEFAULT_OCIO

    aligned = numbered_files(project.alignment_dir).get("aligned.", {})
    found: Dict[int, Path] = {}
    if result:
        seq = open_sequence(result, allow_missing=True)
        found = {f: seq.path(f) for f in seq.frames if f not in set(seq.missing)}
        source = result
    else:
        for prefix, paths in numbered_files(project.stage_dir(4)).items():
            if prefix.endswith("_ml_"):
                found.update(paths)
        if not found:
            raise RTKError(
                "no model result (<shot>_ml_####.exr) in pipeline/04_inference_render: "
                "render the inference first or pass --result",
                project.stage_dir(4),
            )
        source = (project.stage_dir(4) / "<shot>_ml_####.exr").as_posix()
    notes: List[str] = []
    if not frames:
        # held-out frames by default: measure those that have both an aligned reference and a
        # model result, and say which were left out (an explicit --frames must be complete)
        usable = [f for f in chosen if f in aligned and f in found]
        left = [f for f in chosen if f not in usable]
        if not usable:
            raise RTKError(
                f"none of the held-out frames {format_frames(chosen)} has both an aligned reference "
                "(pipeline/02_alignment/aligned.####.exr: run `rtk align` on them) and a model "
                "result (pipeline/04_inference_render)",
                project.pairs_file,
            )
        if left:
            notes.append(
                f"held-out frames {format_frames(left)} were not measured: they lack an aligned "
                "reference or a model result"
            )
        chosen = usable
    reference = _require(
        aligned,
        chosen,
        "the aligned references (pipeline/02_alignment/aligned.####.exr; "
        "run `rtk align` on the held-out frames)",
        project.alignment_dir,
    )
    confidence = numbered_files(project.alignment_dir).get("confidence.", {})
    scan = sequence_paths(project.source_spec(), chosen, "the scan")

    candidates: List[Candidate] = []
    if result:
        res_paths = sequence_paths(result, chosen, "the result")
    else:
        res_paths = _require(
            found, chosen, "the model result (<shot>_ml_####.exr)", project.stage_dir(4)
        )
    space, attrs = _header_space(res_paths[chosen[0]], project.color.delivery_space, config)
    candidates.append(
        Candidate(
            "model",
            "model",
            "the trained per-film model's result",
            source,
            res_paths,
            space,
            attributes=attrs,
        )
    )

    mg_dir = project.stage_dir(5)
    mg_groups = {k: v for k, v in numbered_files(mg_dir).items() if all(f in v for f in chosen)}
    given_mg = any(_given_kind(n) == "matchgrade" for n in (extra or {}))
    if mg_groups and not given_mg:
        prefix = sorted(mg_groups, key=lambda k: (not re.search(r"mg|match", k, re.I), k))[0]
        paths = {f: mg_groups[prefix][f] for f in chosen}
        space, _ = _header_space(paths[chosen[0]], project.source.colorspace, config)
        candidates.append(
            Candidate(
                "matchgrade",
                "matchgrade",
                "MatchGrade result (global color transform)",
                (mg_dir / f"{prefix}####").as_posix(),
                paths,
                space,
            )
        )
    elif not given_mg and (mg_dir / "grade.cube").is_file():
        notes.append(
            "grade.cube exists but no MatchGrade render of the validation frames was found in "
            "pipeline/05_matchgrade_render: run `rtk matchgrade apply` on the scan to compare it"
        )
    for name, spec in (extra or {}).items():
        paths = sequence_paths(spec, chosen, f"baseline {name}")
        space, _ = _header_space(paths[chosen[0]], project.source.colorspace, config)
        candidates.append(
            Candidate(name, _given_kind(name), f"given sequence {spec}", spec, paths, space)
        )
    candidates += baseline_candidates(baselines)
    live = project.live_area
    return ValidationInputs(
        ground_truth="chroma" if project.is_color else "luma",
        frames=chosen,
        training_frames=training,
        scan=scan,
        scan_space=project.source.colorspace,
        reference=reference,
        reference_space=project.color.working_space,
        candidates=candidates,
        confidence={f: confidence[f] for f in chosen if f in confidence},
        ocio_config=config,
        live_area=(live.x0, live.y0, live.x1, live.y1) if live else None,
        reference_source=(project.alignment_dir / "aligned.####.exr").as_posix()
        + (f" (aligned from {project.reference.path})" if project.reference else ""),
        scan_source=project.source.path,
        notes=notes,
    )


def explicit_inputs(
    *,
    scan: str,
    reference: str,
    result: str,
    frames: Sequence[int],
    training: Sequence[int] = (),
    colorspace: str = DISPLAY_SPACE,
    ocio_config: str = DEFAULT_OCIO,
    baselines: Optional[Sequence[str]] = None,
    extra: Optional[Dict[str, str]] = None,
    ground_truth: str = "reference",
) -> ValidationInputs:
    """``rtk validate --scan --reference --result``: every sequence in ``colorspace``."""
    if ground_truth not in GROUND_TRUTHS:
        raise RTKError(
            f"ground truth must be one of {', '.join(GROUND_TRUTHS)}, got {ground_truth!r}"
        )
    chosen = sorted(set(frames))
    check_validation_frames(chosen, training)
    cands = [
        Candidate(
            "model",
            "model",
            "the trained per-film model's result",
            result,
            sequence_paths(result, chosen, "the result"),
            colorspace,
        )
    ]
    for name, spec in (extra or {}).items():
        cands.append(
            Candidate(
                name,
                _given_kind(name),
                f"given sequence {spec}",
                spec,
                sequence_paths(spec, chosen, f"baseline {name}"),
                colorspace,
            )
        )
    cands += baseline_candidates(baselines)
    return ValidationInputs(
        frames=chosen,
        training_frames=sorted(set(training)),
        scan=sequence_paths(scan, chosen, "the scan"),
        scan_space=colorspace,
        reference=sequence_paths(reference, chosen, "the reference"),
        reference_space=colorspace,
        candidates=cands,
        ocio_config=ocio_config,
        reference_source=reference,
        scan_source=scan,
        ground_truth=ground_truth,
    )


# -- colour --------------------------------------------------------------------------------------


def _ocio_config(config: str):
    from ..io.ocio import load_config

    return load_config(config)


def to_display(pixels: np.ndarray, space: str, config: str = DEFAULT_OCIO) -> np.ndarray:
    """(H, W, 3) in OCIO colour space ``space`` → display-referred sRGB 0–1 (clipped), float32."""
    from ..io.ocio import convert_colorspace

    arr = convert_colorspace(
        np.asarray(pixels, np.float32)[:, :, :3], space, DISPLAY_SPACE, config=config
    )
    return np.clip(np.nan_to_num(arr, nan=0.0), 0.0, 1.0).astype(np.float32)


# -- evaluation ----------------------------------------------------------------------------------


@dataclass
class FrameImages:
    """One validation frame, display-referred sRGB 0–1, cropped to the live area."""

    frame: int
    reference: np.ndarray
    scan: np.ndarray
    mask: np.ndarray  # (H, W) float32 0/1
    candidates: Dict[str, np.ndarray]
    scan_same_raster: bool = False  # the scan already had the reference's raster


def load_frame(inputs: ValidationInputs, frame: int) -> FrameImages:
    """Read, convert and crop everything for ``frame``; baselines are computed here."""
    cfg = inputs.ocio_config

    def crop(a: np.ndarray) -> np.ndarray:
        if inputs.live_area is None:
            return a
        x0, y0, x1, y1 = inputs.live_area
        return a[y0:y1, x0:x1]

    ref_raw = read_image(inputs.reference[frame], channels=3).pixels
    ref = crop(to_display(ref_raw, inputs.reference_space, cfg))
    h, w = ref.shape[:2]
    if h == 0 or w == 0:
        raise RTKError(
            f"the live area is outside the reference image ({ref_raw.shape[1]}x{ref_raw.shape[0]})",
            inputs.reference[frame],
        )
    mask = np.ones((h, w), np.float32)
    if frame in inputs.confidence:
        conf = read_image(inputs.confidence[frame]).pixels[:, :, 0]
        if conf.shape != ref_raw.shape[:2]:
            raise RTKError(
                f"confidence map is {conf.shape[1]}x{conf.shape[0]}, reference is "
                f"{ref_raw.shape[1]}x{ref_raw.shape[0]}",
                inputs.confidence[frame],
            )
        mask = (crop(conf) > 0.5).astype(np.float32)
    if mask.sum() < 1:
        raise RTKError(
            f"frame {frame}: the confidence mask excludes every pixel, nothing to measure",
            inputs.confidence.get(frame),
        )
    scan_disp = to_display(
        read_image(inputs.scan[frame], channels=3).pixels, inputs.scan_space, cfg
    )
    if inputs.live_area is not None and scan_disp.shape[:2] == ref_raw.shape[:2]:
        scan_disp = crop(scan_disp)
    same_raster = scan_disp.shape[:2] == (h, w)
    scan = resample(scan_disp, (w, h), filter="lanczos")
    if inputs.ground_truth == "chroma":
        ref = np.clip(chroma_ground_truth(scan, ref), 0.0, 1.0)
    elif inputs.ground_truth == "luma":
        ref = np.clip(luma_ground_truth(scan, ref), 0.0, 1.0)
    out: Dict[str, np.ndarray] = {}
    for c in inputs.candidates:
        if c.paths:
            raw = read_image(c.paths[frame], channels=3).pixels
            if raw.shape[:2] != ref_raw.shape[:2]:
                raise RTKError(
                    f"{c.name} frame {frame} is {raw.shape[1]}x{raw.shape[0]} but the reference "
                    f"is {ref_raw.shape[1]}x{ref_raw.shape[0]}",
                    c.paths[frame],
                )
            out[c.name] = crop(to_display(raw, c.colorspace or DISPLAY_SPACE, cfg))
        elif c.kind == "scan":
            out[c.name] = scan
        else:
            out[c.name] = np.clip(apply_baseline(c.baseline or "", scan_disp, (w, h)), 0.0, 1.0)
    return FrameImages(frame, ref, scan, mask, out, same_raster)


def _grain_patches(scan: np.ndarray, mask: np.ndarray) -> Tuple[int, Optional[list]]:
    """NPS patch size for this raster and the scan's flattest patches (None if none fit)."""
    from .metrics.grain import flat_patches

    patch = 64 if min(scan.shape[:2]) >= 256 else 32
    try:
        return patch, flat_patches(scan, mask=mask, patch=patch)
    except RTKError:
        return patch, None


def _frame_figures(
    ref: np.ndarray,
    img: np.ndarray,
    scan: np.ndarray,
    mask: np.ndarray,
    grain_patches: Tuple[int, Optional[list]],
) -> Tuple[Dict[str, float], object, np.ndarray]:
    de = delta_e2000(ref, img, mask=mask)
    fig: Dict[str, float] = {
        "delta_e_mean": de.mean,
        "delta_e_p95": de.p95,
        "psnr": psnr(ref, img, mask=mask).db,
        "ssim": ssim(ref, img, mask=mask).mean if min(ref.shape[:2]) >= 7 else float("nan"),
    }
    d = detail_ratio(ref, img, mask=mask)
    fig["detail_ratio"], fig["detail_correlation"] = d.ratio, d.correlation
    grain = None
    patch, corners = grain_patches
    if corners:
        grain = grain_comparison(scan, img, patch=patch, patches=corners)
        fig["grain_ratio"] = grain.variance_ratio
    else:
        fig["grain_ratio"] = float("nan")
    return fig, grain, de.map


def evaluate(inputs: ValidationInputs, progress: Optional[ProgressFn] = None) -> ValidationResult:
    """Every metric for every candidate on every validation frame (see :data:`METRICS`)."""
    names = [c.name for c in inputs.candidates]
    per_frame: Dict[str, Dict[int, Dict[str, float]]] = {n: {} for n in names}
    means: Dict[str, Dict[int, np.ndarray]] = {n: {} for n in names + ["reference"]}
    nps_acc: Dict[str, List[np.ndarray]] = {n: [] for n in names + ["scan (grain reference)"]}
    freqs: Optional[np.ndarray] = None
    measures: List[FrameMeasures] = []
    size = (0, 0)
    total = len(inputs.frames)
    first: Optional[FramePictures] = None
    worst: Optional[Tuple[float, FramePictures]] = None
    for i, f in enumerate(inputs.frames):
        if progress:
            progress(i, total, f"frame {f}")
        fr = load_frame(inputs, f)
        size = (fr.reference.shape[1], fr.reference.shape[0])
        if i == 0 and "bicubic" in names and fr.scan_same_raster:
            inputs.candidates = [c for c in inputs.candidates if c.name != "bicubic"]
            names.remove("bicubic")
            del per_frame["bicubic"], means["bicubic"], nps_acc["bicubic"]
            inputs.notes.append(
                f"the scan has the reference's raster ({size[0]}x{size[1]}): a Lanczos or "
                "bicubic resample leaves it unchanged, so those baselines are the row 'scan'"
            )
            fr.candidates.pop("bicubic", None)
        means["reference"][f] = frame_means([fr.reference], mask=fr.mask)[0]
        grain_patches = _grain_patches(fr.scan, fr.mask)
        maps: Dict[str, np.ndarray] = {}
        for name, img in fr.candidates.items():
            fig, grain, de_map = _frame_figures(fr.reference, img, fr.scan, fr.mask, grain_patches)
            maps[name] = de_map
            per_frame[name][f] = fig
            means[name][f] = frame_means([img], mask=fr.mask)[0]
            if grain is not None:
                freqs = grain.test.frequencies
                nps_acc[name].append(grain.test.power)
                if name == names[0]:
                    nps_acc["scan (grain reference)"].append(grain.reference.power)
            if name == "model":
                measures.append(measure_frame(f, fr.reference, img, de_map, fr.mask > 0.5))
        lead = names[0]
        score = per_frame[lead][f]["delta_e_mean"]
        if i == 0:
            first = _capture(f, "first held-out frame", fr, maps)
        if worst is None or score > worst[0]:
            worst = (score, _capture(f, f"largest mean ΔE of the {lead}", fr, maps))
        del fr, maps
    if progress:
        progress(total, total, "done")

    runs = [r for r in split_runs(inputs.frames) if len(r) >= 2]
    if not runs:
        inputs.notes.append(
            "flicker was not measured: it needs consecutive validation frames (hold out a run of "
            "frames, e.g. ten in a row, in pairs.yaml)"
        )
    flick: Dict[str, Dict[str, object]] = {}
    for name in names:
        steps: List[float] = []
        chroma: List[float] = []
        series: List[Tuple[int, float]] = []
        level = []
        for run in runs:
            fl = flicker_from_means(
                np.array([means["reference"][f] for f in run]),
                np.array([means[name][f] for f in run]),
            )
            d = fl.steps
            steps += list(d)
            chroma += list(fl.chroma_steps)
            level.append(float(np.mean(np.abs(fl.test_means[:, 0]))))
            series += [
                (run[k + 1], 100.0 * float(d[k]) / max(level[-1], 1e-6)) for k in range(len(d))
            ]
        if steps:
            lvl = float(np.mean(level))
            flick[name] = {
                "luma_percent": 100.0 * float(np.sqrt(np.mean(np.square(steps)))) / max(lvl, 1e-6),
                "chroma": float(np.sqrt(np.mean(np.square(chroma)))),
                "series": series,
            }
    summary: Dict[str, Dict[str, float]] = {}
    for name in names:
        rows = list(per_frame[name].values())
        s: Dict[str, float] = {}
        dbs = np.array([r["psnr"] for r in rows], np.float64)
        if dbs.size:  # PSNR of the pooled MSE (identical frames count as MSE 0, not as inf dB)
            mse = float(np.mean(np.where(np.isinf(dbs), 0.0, 10.0 ** (-dbs / 10.0))))
            s["psnr"] = float("inf") if mse == 0 else float(10.0 * np.log10(1.0 / mse))
        for key in (
            "delta_e_mean",
            "delta_e_p95",
            "ssim",
            "detail_ratio",
            "detail_correlation",
            "grain_ratio",
        ):
            vals = np.array([r[key] for r in rows], np.float64)
            vals = vals[np.isfinite(vals)]
            s[key] = float(vals.mean()) if vals.size else float("nan")
        s["flicker_luma_percent"] = (
            float(flick[name]["luma_percent"]) if name in flick else float("nan")
        )
        s["flicker_chroma"] = float(flick[name]["chroma"]) if name in flick else float("nan")
        summary[name] = s
    nps = {
        n: {
            "frequencies": [float(x) for x in (freqs if freqs is not None else [])],
            "power": [float(x) for x in np.mean(v, axis=0)],
        }
        for n, v in nps_acc.items()
        if v
    }
    return ValidationResult(
        inputs=inputs,
        size=size,
        per_frame=per_frame,
        summary=summary,
        nps=nps,
        flicker=flick,
        measures=measures,
        outliers=find_outliers(measures),
        pictures=_picked(worst, first),
    )


def _picked(
    worst: Optional[Tuple[float, FramePictures]], first: Optional[FramePictures]
) -> List[FramePictures]:
    out = [worst[1]] if worst else []
    if first is not None and (not out or first.frame != out[0].frame):
        out.append(first)
    return out


def best_per_row(summary: Dict[str, Dict[str, float]]) -> Dict[str, Optional[str]]:
    """metric → name of the best candidate (see :data:`METRICS` for the direction)."""
    best: Dict[str, Optional[str]] = {}
    for key, (_, better) in METRICS.items():
        scored = []
        for order, (name, s) in enumerate(summary.items()):
            v = s.get(key, float("nan"))
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            score = (
                -v if better == "higher" else (abs(np.log(v)) if better == "one" and v > 0 else v)
            )
            if better == "one" and v <= 0:
                score = float("inf")
            scored.append((round(float(score), 6), order, name))
        best[key] = min(scored)[2] if scored else None
    return best
