"""Stage 05 evaluation: every metric for every candidate on every validation frame.

The inputs (:mod:`.inputs`) are resolved by :mod:`restoration_toolkit.stages.validation`;
frames are read and composed by :mod:`.frames`. The summary is over the validation frames
only (held-out and neighbours); training frames shown for comparison are measured per frame
and summarised apart (``summary_by_status``), never in ``summary``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import RTKError
from ..progress import ProgressFn
from .frames import FrameImages, load_frame
from .inputs import ValidationInputs
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
from .pictures import FramePictures, capture

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
_MEANS = (
    "delta_e_mean",
    "delta_e_p95",
    "ssim",
    "detail_ratio",
    "detail_correlation",
    "grain_ratio",
)
GRAIN_REFERENCE = "scan (grain reference)"


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
    status: Dict[int, str] = field(default_factory=dict)  # frame → training/neighbour/held-out
    summary_by_status: Dict[str, Dict[str, Dict[str, float]]] = field(default_factory=dict)


@dataclass
class _Accumulator:
    """What the frame loop gathers for the summary, flicker and grain curves."""

    per_frame: Dict[str, Dict[int, Dict[str, float]]]
    means: Dict[str, Dict[int, np.ndarray]]
    nps: Dict[str, List[np.ndarray]]
    measures: List[FrameMeasures] = field(default_factory=list)
    freqs: Optional[np.ndarray] = None
    size: Tuple[int, int] = (0, 0)
    first: Optional[FramePictures] = None
    worst: Optional[Tuple[float, FramePictures]] = None

    @classmethod
    def for_names(cls, names: Sequence[str]) -> "_Accumulator":
        return cls(
            per_frame={n: {} for n in names},
            means={n: {} for n in [*names, "reference"]},
            nps={n: [] for n in [*names, GRAIN_REFERENCE]},
        )

    def drop(self, name: str) -> None:
        for table in (self.per_frame, self.means, self.nps):
            table.pop(name, None)


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


def _drop_bicubic_on_same_raster(inputs: ValidationInputs, acc: _Accumulator, fr: FrameImages):
    """On the reference's raster a Lanczos or bicubic resample is the identity: no bicubic row."""
    inputs.candidates = [c for c in inputs.candidates if c.name != "bicubic"]
    acc.drop("bicubic")
    fr.candidates.pop("bicubic", None)
    inputs.notes.append(
        f"the scan has the reference's raster ({acc.size[0]}x{acc.size[1]}): a Lanczos or "
        "bicubic resample leaves it unchanged, so those baselines are the row 'scan'"
    )


def _measure(inputs: ValidationInputs, acc: _Accumulator, fr: FrameImages, validation: bool):
    """Figures of every candidate on one frame; pictures and outlier measures for validation
    frames only."""
    f = fr.frame
    names = list(fr.candidates)
    acc.means["reference"][f] = frame_means([fr.reference], mask=fr.mask)[0]
    grain_patches = _grain_patches(fr.scan, fr.mask)
    maps: Dict[str, np.ndarray] = {}
    for name, img in fr.candidates.items():
        fig, grain, de_map = _frame_figures(fr.reference, img, fr.scan, fr.mask, grain_patches)
        maps[name] = de_map
        acc.per_frame[name][f] = fig
        acc.means[name][f] = frame_means([img], mask=fr.mask)[0]
        if grain is not None and validation:
            acc.freqs = grain.test.frequencies
            acc.nps[name].append(grain.test.power)
            if name == names[0]:
                acc.nps[GRAIN_REFERENCE].append(grain.reference.power)
        if name == "model" and validation:
            acc.measures.append(measure_frame(f, fr.reference, img, de_map, fr.mask > 0.5))
    if not validation:
        return
    lead = names[0]
    score = acc.per_frame[lead][f]["delta_e_mean"]
    if acc.first is None:
        acc.first = capture(f, "first held-out frame", fr, maps)
    if acc.worst is None or score > acc.worst[0]:
        acc.worst = (score, capture(f, f"largest mean ΔE of the {lead}", fr, maps))


def _flicker(
    frames: Sequence[int], names: Sequence[str], means: Dict[str, Dict[int, np.ndarray]]
) -> Dict[str, Dict[str, object]]:
    """Brightness / chroma steps the reference does not have, over runs of consecutive frames."""
    runs = [r for r in split_runs(frames) if len(r) >= 2]
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
    return flick


def summarise(
    rows: Sequence[Dict[str, float]], flicker: Optional[Dict[str, object]] = None
) -> Dict[str, float]:
    """One candidate's summary over per-frame figures: means, PSNR of the pooled MSE."""
    s: Dict[str, float] = {}
    dbs = np.array([r["psnr"] for r in rows], np.float64)
    if dbs.size:  # PSNR of the pooled MSE (identical frames count as MSE 0, not as inf dB)
        mse = float(np.mean(np.where(np.isinf(dbs), 0.0, 10.0 ** (-dbs / 10.0))))
        s["psnr"] = float("inf") if mse == 0 else float(10.0 * np.log10(1.0 / mse))
    for key in _MEANS:
        vals = np.array([r[key] for r in rows], np.float64)
        vals = vals[np.isfinite(vals)]
        s[key] = float(vals.mean()) if vals.size else float("nan")
    s["flicker_luma_percent"] = float(flicker["luma_percent"]) if flicker else float("nan")
    s["flicker_chroma"] = float(flicker["chroma"]) if flicker else float("nan")
    return s


def _by_status(
    acc: _Accumulator, status: Dict[int, str]
) -> Dict[str, Dict[str, Dict[str, float]]]:
    out: Dict[str, Dict[str, Dict[str, float]]] = {}
    for kind in sorted(set(status.values())):
        frames = [f for f, s in status.items() if s == kind]
        out[kind] = {
            name: summarise([rows[f] for f in frames if f in rows])
            for name, rows in acc.per_frame.items()
        }
    return out


def evaluate(inputs: ValidationInputs, progress: Optional[ProgressFn] = None) -> ValidationResult:
    """Every metric for every candidate on every measured frame (see :data:`METRICS`)."""
    names = [c.name for c in inputs.candidates]
    acc = _Accumulator.for_names(names)
    frames = inputs.measured_frames
    validation = set(inputs.frames)
    total = len(frames)
    for i, f in enumerate(frames):
        if progress:
            progress(i, total, f"frame {f}")
        fr = load_frame(inputs, f)
        acc.size = (fr.reference.shape[1], fr.reference.shape[0])
        if i == 0 and "bicubic" in fr.candidates and fr.scan_same_raster:
            _drop_bicubic_on_same_raster(inputs, acc, fr)
        _measure(inputs, acc, fr, f in validation)
        del fr
    if progress:
        progress(total, total, "done")
    names = list(acc.per_frame)
    if not [r for r in split_runs(inputs.frames) if len(r) >= 2]:
        inputs.notes.append(
            "flicker was not measured: it needs consecutive validation frames (hold out a run of "
            "frames, e.g. ten in a row, in pairs.yaml)"
        )
    flick = _flicker(inputs.frames, names, acc.means)
    summary = {
        n: summarise([acc.per_frame[n][f] for f in inputs.frames], flick.get(n)) for n in names
    }
    nps = {
        n: {
            "frequencies": [float(x) for x in (acc.freqs if acc.freqs is not None else [])],
            "power": [float(x) for x in np.mean(v, axis=0)],
        }
        for n, v in acc.nps.items()
        if v
    }
    status = {f: inputs.status(f) for f in frames}
    return ValidationResult(
        inputs=inputs,
        size=acc.size,
        per_frame=acc.per_frame,
        summary=summary,
        nps=nps,
        flicker=flick,
        measures=acc.measures,
        outliers=find_outliers(acc.measures),
        pictures=_picked(acc.worst, acc.first),
        status=status,
        summary_by_status=_by_status(acc, status),
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
