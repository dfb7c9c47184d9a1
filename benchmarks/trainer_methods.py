"""The methods and scores of ``benchmarks/trainer.py``: the trained model (``rtk train`` →
TorchScript → ``rtk infer``), the toolkit's MatchGrade fit in its chroma-only form, the
traditional spatial baselines at their best settings on the training shots, and the
per-frame figures (ΔE2000, luminance PSNR / SSIM, noise-power ratio).

MatchGrade: the toolkit's own color fit (``restoration_toolkit.core.color``, the default
method of ``rtk matchgrade fit``) fitted scan → aligned reference on the training pairs in
the working space; *chroma-only* = the scan's luminance + the graded chroma
(``core.ycbcr.combine``), the same composition as the model's ground truth and output.

Spatial baselines (``core.validation.baselines`` building blocks), each with its settings
chosen by the highest mean luminance PSNR on the *training* frames of the same run:
Lanczos-4 + unsharp mask (radius × amount), and Lanczos-4 + non-local-means denoise +
unsharp + regrain (denoise strength × sharpen radius × amount × regrain level).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np

from benchmarks.trainer_data import FRAME, WORK, Synthetic, to_display, to_work
from restoration_toolkit.core.ycbcr import combine, luminance

Output = Dict[int, np.ndarray]  # frame → display-referred RGB, 0–1


# -- the model ---------------------------------------------------------------------------------


@dataclass
class ModelRun:
    steps: int
    model_size: str
    seed: int
    cpu_s: float
    wall_s: float
    final_loss: float
    parameters: int
    outputs: Output


def train_and_render(
    syn: Synthetic,
    frames: Sequence[int],
    *,
    steps: int,
    model_size: str,
    seed: int,
    crop: int,
    batch: int,
) -> ModelRun:
    """``rtk train``'s engine on the project's pairs, exported, rendered on ``frames``."""
    from restoration_toolkit.core.io.frames import format_frames
    from restoration_toolkit.core.io.images import read_image
    from restoration_toolkit.core.project import load_project
    from restoration_toolkit.train.data import load_training_set
    from restoration_toolkit.train.export import export_model
    from restoration_toolkit.train.infer import infer_sequence
    from restoration_toolkit.train.trainer import TrainConfig, train_model

    project = load_project(syn.root)
    out = syn.root / f"pipeline/03_copycat_training/torch_{model_size}_{steps}_s{seed}"
    config = TrainConfig(
        technique=project.technique, steps=steps, crop_size=crop, batch_size=batch,
        model_size=model_size, checkpoint_interval=steps, seed=seed, device="cpu",
    )  # fmt: skip
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = train_model(load_training_set(project), config, out)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    exported = export_model(
        result.model,
        out,
        model_id="bench",
        info={"technique": project.technique, "working_space": WORK},
    )
    render = syn.root / f"pipeline/04_inference_render/{out.name}"
    infer_sequence(
        exported.model_pt, project.source_spec(), str(render / "ml.####.exr"),
        frames=format_frames(list(frames)), tile=512, overlap=64,
    )  # fmt: skip
    outputs = {
        f: _clip(to_display(read_image(render / f"ml.{f:04d}.exr", channels=3).pixels))
        for f in frames
    }
    return ModelRun(
        steps, model_size, seed, cpu, wall, result.final_loss, result.parameters, outputs
    )


def _clip(img: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(img, nan=0.0), 0.0, 1.0).astype(np.float32)


# -- color: MatchGrade, chroma-only ------------------------------------------------------------


def matchgrade(syn: Synthetic, frames: Sequence[int]) -> Dict[str, Any]:
    """Fit the toolkit's grade on the training pairs; outputs of its chroma-only and full forms."""
    from restoration_toolkit.core.color import fit_color_transform

    train = syn.numbers("train")
    sources = [to_work(syn.frames[f].scan) for f in train]
    targets = [to_work(syn.frames[f].extra) for f in train]
    cpu0 = time.process_time()
    transform = fit_color_transform(sources, targets)
    cpu = time.process_time() - cpu0
    chroma, full = {}, {}
    for f in frames:
        scan_w = to_work(syn.frames[f].scan)
        graded = transform.apply(scan_w)
        chroma[f] = _clip(to_display(combine(scan_w, graded)))
        full[f] = _clip(to_display(graded))
    return {"chroma": chroma, "full": full, "cpu_s": cpu, "method": _describe(transform)}


def _describe(transform: Any) -> str:
    figures = getattr(transform, "figures", {}) or {}
    name = type(transform).__name__
    enc = getattr(transform, "encoding", "")
    prior = figures.get("prior")
    return f"{name} ({enc} encoding{', ' + str(prior) + ' prior' if prior else ''})"


def ideal_chroma(syn: Synthetic, frames: Sequence[int]) -> Output:
    """The best any chroma-only recovery can do: scan Y + the original's CbCr."""
    return {
        f: _clip(to_display(combine(to_work(syn.frames[f].scan), to_work(syn.frames[f].truth))))
        for f in frames
    }


def color_scores(
    syn: Synthetic, out: Output, ideal: Output, frames: Sequence[int]
) -> Dict[str, float]:
    """Means over ``frames``: ΔE2000 vs the original and vs the chroma-only ideal, and the
    noise-power ratio of the output to the scan (grain kept = 1)."""
    from restoration_toolkit.core.validation.metrics import delta_e2000, grain_comparison

    de_t, de_i, grain = [], [], []
    for f in frames:
        de_t.append(delta_e2000(syn.frames[f].truth, out[f]).mean)
        de_i.append(delta_e2000(ideal[f], out[f]).mean)
        grain.append(grain_comparison(syn.frames[f].scan, out[f], patch=32).variance_ratio)
    return {
        "de_truth": float(np.mean(de_t)),
        "de_ideal": float(np.mean(de_i)),
        "grain": float(np.mean(grain)),
    }


# -- spatial: the baselines at their best ------------------------------------------------------

UNSHARP_GRID = [
    {"radius": r, "amount": a}
    for r in (0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
    for a in (0.2, 0.4, 0.8, 1.2, 1.6, 2.4, 3.2)
]
H_FACTORS = (0.2, 0.4, 0.8, 1.2)  # non-local-means h, in units of the 16 mm grain RMS
DSG_GRID = [
    {"h": h, "radius": r, "amount": a, "regrain": g}
    for h, r, a, g in itertools.product(
        H_FACTORS, (0.75, 1.5), (0.3, 0.6, 1.0, 1.6), (0.0, 0.5, 1.0)
    )
]


def _unsharp(low: np.ndarray, s: Dict[str, float]) -> np.ndarray:
    from restoration_toolkit.core.validation.baselines import resample, unsharp

    return unsharp(resample(low, (FRAME, FRAME)), radius=s["radius"], amount=s["amount"])


def _denoised(low: np.ndarray, h: float) -> np.ndarray:
    from skimage.restoration import denoise_nl_means

    from restoration_toolkit.core.validation.baselines import grain_rms, resample

    rms = grain_rms(low)  # measured on the 16 mm frame at its own raster
    up = resample(low, (FRAME, FRAME))
    if rms <= 0:
        return up
    return np.asarray(
        denoise_nl_means(up, h=h * rms, sigma=rms, patch_size=5, patch_distance=6, fast_mode=True,
                         channel_axis=2, preserve_range=True),
        np.float32,
    )  # fmt: skip


def _dsg_finish(clean: np.ndarray, low: np.ndarray, s: Dict[str, float]) -> np.ndarray:
    from restoration_toolkit.core.validation.baselines import grain_rms, regrain, unsharp

    sharp = unsharp(clean, radius=s["radius"], amount=s["amount"])
    return regrain(sharp, s["regrain"] * grain_rms(low), size=0.6, seed=0)


def _luma_psnr(truth: np.ndarray, out: np.ndarray) -> float:
    from restoration_toolkit.core.validation.metrics import psnr

    return psnr(luminance(truth), luminance(_clip(out))).db


def tune_spatial(syn: Synthetic) -> Dict[str, Dict[str, Any]]:
    """Each baseline's settings with the best mean luminance PSNR on the training frames."""
    train = syn.numbers("train")
    scores: Dict[str, List[float]] = {}
    for i, s in enumerate(UNSHARP_GRID):
        scores[f"u{i}"] = [
            _luma_psnr(syn.frames[f].truth, _unsharp(syn.frames[f].extra, s)) for f in train
        ]
    denoised = {(f, h): _denoised(syn.frames[f].extra, h) for f in train for h in H_FACTORS}
    for i, s in enumerate(DSG_GRID):
        scores[f"d{i}"] = [
            _luma_psnr(
                syn.frames[f].truth, _dsg_finish(denoised[f, s["h"]], syn.frames[f].extra, s)
            )
            for f in train
        ]
    best_u = max(range(len(UNSHARP_GRID)), key=lambda i: np.mean(scores[f"u{i}"]))
    best_d = max(range(len(DSG_GRID)), key=lambda i: np.mean(scores[f"d{i}"]))
    return {
        "unsharp": _tuned(UNSHARP_GRID[best_u], scores[f"u{best_u}"], len(UNSHARP_GRID)),
        "dsg": _tuned(DSG_GRID[best_d], scores[f"d{best_d}"], len(DSG_GRID)),
    }


def _tuned(settings: Dict[str, float], psnrs: List[float], tried: int) -> Dict[str, Any]:
    return {"settings": settings, "train_psnr": float(np.mean(psnrs)), "tried": tried}


def spatial_baselines(
    syn: Synthetic, tuned: Dict[str, Dict[str, Any]], frames: Sequence[int]
) -> Dict[str, Output]:
    from restoration_toolkit.core.validation.baselines import resample

    u, d = tuned["unsharp"]["settings"], tuned["dsg"]["settings"]
    low = {f: syn.frames[f].extra for f in frames}
    return {
        "unsharp": {f: _clip(_unsharp(low[f], u)) for f in frames},
        "dsg": {f: _clip(_dsg_finish(_denoised(low[f], d["h"]), low[f], d)) for f in frames},
        "lanczos": {f: _clip(resample(low[f], (FRAME, FRAME))) for f in frames},
    }


def spatial_scores(syn: Synthetic, out: Output, frames: Sequence[int]) -> Dict[str, float]:
    """Means over ``frames``: luminance PSNR and SSIM against the 35 mm original, and the
    noise-power ratio of the output to the original (its grain = 1)."""
    from restoration_toolkit.core.validation.metrics import grain_comparison, psnr, ssim

    p, s, g = [], [], []
    for f in frames:
        y_t, y_o = luminance(syn.frames[f].truth), luminance(out[f])
        p.append(psnr(y_t, y_o).db)
        s.append(ssim(y_t, y_o).mean)
        g.append(grain_comparison(syn.frames[f].truth, out[f], patch=32).variance_ratio)
    return {"psnr": float(np.mean(p)), "ssim": float(np.mean(s)), "grain": float(np.mean(g))}


_INFER_2K = """
import json, resource, sys, time
import numpy as np, torch
from restoration_toolkit.train.infer import run_tiled
from restoration_toolkit.train.model import build_model
torch.set_num_threads(1)
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
model = build_model(sys.argv[1]).eval()
img = np.random.default_rng(0).random((1556, 2048, 3)).astype(np.float32)
before = rss()
c, w = time.process_time(), time.perf_counter()
with torch.no_grad():
    run_tiled(model, img, tile=512, overlap=64)
print(json.dumps({"cpu_s": time.process_time() - c, "wall_s": time.perf_counter() - w,
                  "rss_before_mb": before,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def inference_2k(model_size: str) -> Dict[str, float]:
    """CPU seconds and peak resident memory of one 2048×1556 frame through an untrained
    network of ``model_size`` (tiles 512, overlap 64, one torch thread), in a fresh process
    so that the memory figure is the inference's own (plus Python and torch)."""
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", _INFER_2K, model_size],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
