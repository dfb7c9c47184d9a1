"""Benchmark of the PyTorch engine (`rtk train` / `rtk infer`) against traditional baselines.

Two synthetic restoration projects are built on disk from scikit-image's data images (no
download) and run through the real code path (project.yaml, pairs.yaml, aligned references
and confidences in pipeline/02_alignment, ``load_training_set`` → ``train_model`` →
TorchScript export → ``infer_sequence``). Figures are measured on **held-out frames only**
(frames of the same shots that were not training pairs, plus one shot never trained on).

Colour recovery (technique ``color-reference``): truth = the image as the print looked when
new (sRGB); scan = ``core.color.fading.simulate_dye_fade`` (chromogenic dye fading, grain
σ 0.015); reference = a "DVD" of the truth (half resolution, soft, JPEG q 70) resized to the
scan grid — a perfect alignment, confidence 1 (the alignment stage is benchmarked
elsewhere). Stored as ACEScg EXR; figures in sRGB. Figure: ΔE2000 (mean, p95) against the
truth, for
  * the trained model (chroma recombined with the scan's luminance, as stage 04 does),
  * ``poly2-LSQ``: a second-order polynomial colour transform (10 terms per channel) fitted by
    least squares on the same training pairs — a stand-in for MatchGrade (the colour
    engineer's core fit was not on main when this was written),
  * the faded scan itself, and the direct composite scan-Y + DVD-CbCr (needs the reference
    on every frame, which the method does not assume).

Spatial recovery (technique ``gauge``, 16 mm → 35 mm): truth = the 35 mm original (image +
fine grain σ 0.02); scan = a simulated 16 mm copy (half resolution, optical softness σ 0.7 px,
coarser grain σ 0.03 at 16 mm resolution), Lanczos-4-resampled to the 35 mm raster (the
Reformat of the method); reference = the 35 mm original (aligned). Figures: PSNR and SSIM of
luminance against the 35 mm original, and the grain level ratio (NPS over 0.1–0.5
cycles/pixel, output / 35 mm original, 1 = the original's grain energy; core.metrics.grain),
for the trained model, ``Lanczos + unsharp`` and ``denoise + sharpen + regrain`` (both from
``core.baselines``, the validation stage's baselines, applied to the 16 mm frame).

Timing: training seconds per 1 000 steps (from the runs above) and inference seconds per 2K
frame (2048×1556, tiles of 512 with 64 px overlap), CPU; the machine's load average is
printed with them because the benchmark machine is shared.

Run: ``python benchmarks/trainer.py [--steps N] [--quick]`` from the repository root.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from restoration_toolkit.core.curation.pairs import Pair, PairSet  # noqa: E402
from restoration_toolkit.core.io.images import ImageMetadata, read_image, write_image  # noqa: E402
from restoration_toolkit.core.io.ocio import convert_colorspace  # noqa: E402
from restoration_toolkit.core.project import (  # noqa: E402
    ColorPipeline,
    Element,
    Footage,
    Project,
    Provenance,
    create_project_folders,
    load_project,
)
from restoration_toolkit.core.ycbcr import luminance  # noqa: E402

FRAME = 256  # frames are FRAME × FRAME
FRAMES_PER_SHOT = 5  # frames 1, 3, 5 of each shot train; 2 and 4 are held out
TRAIN_SHOTS = ("astronaut", "coffee", "chelsea", "rocket")
UNSEEN_SHOT = "motorcycle"  # never trained on: all its frames are held out
WORK = "ACEScg"
DISPLAY = "sRGB - Texture"


def _image(name: str) -> np.ndarray:
    from skimage import data

    img = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    return img[:, :, :3].astype(np.float32) / 255.0


def _shot_frames(name: str, size: int = FRAME, n: int = FRAMES_PER_SHOT) -> List[np.ndarray]:
    """A slow diagonal pan across the image (resized so its short side is 1.4 × size)."""
    img = _image(name)
    scale = 1.4 * size / min(img.shape[:2])
    img = cv2.resize(
        img,
        (round(img.shape[1] * scale), round(img.shape[0] * scale)),
        interpolation=cv2.INTER_AREA,
    )
    h, w = img.shape[:2]
    out = []
    for i in range(n):
        t = i / max(n - 1, 1)
        y, x = int(t * (h - size)), int(t * (w - size))
        out.append(np.clip(img[y : y + size, x : x + size], 0, 1).copy())
    return out


def _grain(
    rng: np.random.Generator, shape: Tuple[int, int], sigma: float, size: float
) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    noise = gaussian_filter(rng.standard_normal(shape), size)
    return (sigma * noise / noise.std()).astype(np.float32)[..., None]


def _dvd(truth: np.ndarray) -> np.ndarray:
    h, w = truth.shape[:2]
    small = cv2.resize(truth, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 0.5)
    ok, buf = cv2.imencode(
        ".jpg",
        (np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)[:, :, ::-1],
        [cv2.IMWRITE_JPEG_QUALITY, 70],
    )
    small = cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1].astype(np.float32) / 255.0
    return small


def _to_work(srgb: np.ndarray) -> np.ndarray:
    return convert_colorspace(srgb, DISPLAY, WORK)


def _to_display(work: np.ndarray) -> np.ndarray:
    return convert_colorspace(work, WORK, DISPLAY)


@dataclass
class Synthetic:
    project: Project
    truth: Dict[int, np.ndarray]  # frame → truth (sRGB)
    extra: Dict[int, np.ndarray]  # colour: DVD at scan size (sRGB); spatial: 16 mm frame
    train: List[int]
    held_out: List[int]
    unseen: List[int]


def build_project(root: Path, technique: str, seed: int = 11) -> Synthetic:
    """Write the synthetic colour or spatial project under ``root`` (see module doc)."""
    from restoration_toolkit.testing.fades import simulate_dye_fade

    rng = np.random.default_rng(seed)
    media = root / "media"
    create_project_folders(root)
    truth, extra, train, held, unseen = {}, {}, [], [], []
    frame = 0
    for name in TRAIN_SHOTS + (UNSEEN_SHOT,):
        for i, picture in enumerate(_shot_frames(name)):
            frame += 1
            if technique == "color-reference":
                t = picture
                scan = simulate_dye_fade(t, rng=rng, grain_sigma=0.015, grain_size=0.8)
                small = _dvd(t)
                ref_full = cv2.resize(small, (FRAME, FRAME), interpolation=cv2.INTER_LANCZOS4)
                write_image(
                    media / f"ref.{frame:04d}.png", small, ImageMetadata(colorspace=DISPLAY)
                )
                extra[frame] = np.clip(ref_full, 0, 1)
                aligned = _to_work(np.clip(ref_full, 0, 1))
            else:
                t = np.clip(picture + _grain(rng, (FRAME, FRAME), 0.02, 0.5), 0, 1)
                low = cv2.resize(picture, (FRAME // 2, FRAME // 2), interpolation=cv2.INTER_AREA)
                low = cv2.GaussianBlur(low, (0, 0), 0.7)
                low = np.clip(low + _grain(rng, low.shape[:2], 0.03, 0.8), 0, 1)
                scan = np.clip(
                    cv2.resize(low, (FRAME, FRAME), interpolation=cv2.INTER_LANCZOS4), 0, 1
                )
                extra[frame] = low
                write_image(
                    media / f"ref.{frame:04d}.exr", _to_work(t), ImageMetadata(colorspace=WORK)
                )
                aligned = _to_work(t)
            truth[frame] = t.astype(np.float32)
            write_image(
                media / f"scan.{frame:04d}.exr",
                _to_work(scan),
                ImageMetadata(colorspace=WORK),
                data_format="float",
            )
            write_image(
                root / "pipeline/02_alignment" / f"aligned.{frame:04d}.exr",
                aligned,
                ImageMetadata(colorspace=WORK),
                data_format="float",
            )
            write_image(
                root / "pipeline/02_alignment" / f"confidence.{frame:04d}.exr",
                np.ones((FRAME, FRAME, 1), np.float32),
            )
            if name == UNSEEN_SHOT:
                unseen.append(frame)
            elif i % 2 == 0:
                train.append(frame)
            else:
                held.append(frame)
    ref_ext = "png" if technique == "color-reference" else "exr"
    prov = Provenance(
        "scikit-image data images", "scikit-image contributors", "bundled sample data"
    )
    project = Project(
        name=f"BENCH_{'COLOR' if technique == 'color-reference' else 'GAUGE'}",
        technique=technique,
        root=root,
        source=Footage(
            path="media/scan.####.exr",
            frames=f"1-{frame}",
            colorspace=WORK,
            element=Element("16mm" if technique == "gauge" else "35mm", "print", "synthetic"),
        ),
        reference=Footage(
            path=f"media/ref.####.{ref_ext}",
            frames=f"1-{frame}",
            colorspace=DISPLAY if ref_ext == "png" else WORK,
            element=Element("video" if ref_ext == "png" else "35mm", "reference", "synthetic"),
            provenance=prov,
        ),
        color=ColorPipeline(working_space=WORK),
    )
    project.save()
    pairs = [Pair(scan_frame=f, reference_frame=f, reason="benchmark") for f in train]
    PairSet(technique, pairs=pairs, holdout=held + unseen).save(
        root / "pipeline/01_dataset_curation/pairs.yaml"
    )
    return Synthetic(load_project(root), truth, extra, train, held, unseen)


# -- baselines ------------------------------------------------------------------------------


def _poly_terms(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., i].reshape(-1).astype(np.float64) for i in range(3))
    return np.stack([np.ones_like(r), r, g, b, r * r, g * g, b * b, r * g, r * b, g * b], axis=1)


def fit_poly2(scans: List[np.ndarray], targets: List[np.ndarray]) -> np.ndarray:
    """Least-squares 2nd-order polynomial colour transform (10×3 coefficients), sRGB values."""
    a = np.concatenate([_poly_terms(s) for s in scans])
    b = np.concatenate([t.reshape(-1, 3).astype(np.float64) for t in targets])
    coef, *_ = np.linalg.lstsq(a, b, rcond=None)
    return coef


def apply_poly2(coef: np.ndarray, scan: np.ndarray) -> np.ndarray:
    return np.clip((_poly_terms(scan) @ coef).reshape(scan.shape), 0, 1).astype(np.float32)


# -- runs ------------------------------------------------------------------------------------


def _train(syn: Synthetic, out: Path, steps: int, crop: int, batch: int, size: str):
    from restoration_toolkit.train.data import load_training_set
    from restoration_toolkit.train.export import export_model
    from restoration_toolkit.train.trainer import TrainConfig, train_model

    data = load_training_set(syn.project)
    cfg = TrainConfig(
        technique=syn.project.technique,
        steps=steps,
        crop_size=crop,
        batch_size=batch,
        model_size=size,
        checkpoint_interval=steps,
        seed=0,
        device="cpu",
    )
    cpu0 = time.process_time()
    result = train_model(data, cfg, out)
    cpu = time.process_time() - cpu0
    exported = export_model(
        result.model,
        out,
        model_id="bench",
        info={"technique": syn.project.technique, "working_space": WORK},
    )
    return result, exported, cpu


def _render(syn: Synthetic, model_pt: Path, frames: List[int], out: Path) -> Dict[int, np.ndarray]:
    from restoration_toolkit.core.io.frames import format_frames
    from restoration_toolkit.train.infer import infer_sequence

    infer_sequence(
        model_pt,
        syn.project.source_spec(),
        str(out / "ml.####.exr"),
        frames=format_frames(frames),
        tile=512,
        overlap=64,
    )
    return {f: _to_display(read_image(out / f"ml.{f:04d}.exr", channels=3).pixels) for f in frames}


def color_benchmark(root: Path, steps: int, crop: int, batch: int, size: str) -> Dict:
    from restoration_toolkit.core.validation.metrics.color import delta_e2000
    from restoration_toolkit.core.ycbcr import chroma_ground_truth

    syn = build_project(root / "color", "color-reference")
    scans = {
        f: _to_display(read_image(syn.project.root / f"media/scan.{f:04d}.exr").pixels)
        for f in syn.truth
    }
    result, exported, cpu = _train(
        syn, root / "color/pipeline/03_copycat_training/torch", steps, crop, batch, size
    )
    eval_frames = syn.held_out + syn.unseen
    ml = _render(syn, exported.model_pt, eval_frames, root / "color/pipeline/04_inference_render")
    def composite(scan_srgb: np.ndarray, chroma_srgb: np.ndarray) -> np.ndarray:
        """scan Y + other CbCr, composed in the working space like the pipeline, shown in sRGB."""
        work = chroma_ground_truth(_to_work(scan_srgb), _to_work(chroma_srgb))
        return np.clip(_to_display(work), 0, 1)

    coef = fit_poly2(
        [scans[f] for f in syn.train],
        [composite(scans[f], syn.extra[f]) for f in syn.train],
    )
    methods = {
        "trained model (rtk train, small)": lambda f: ml[f],
        "poly2-LSQ color fit (MatchGrade stand-in)": lambda f: apply_poly2(coef, scans[f]),
        "faded scan (no correction)": lambda f: scans[f],
        "scan Y + DVD CbCr on every frame (not a method: needs the reference everywhere)": lambda f: (
            composite(scans[f], syn.extra[f])
        ),
    }
    # the method keeps the scan's luminance by design: also measure against the best any
    # chroma-only recovery can do, scan Y + the original's CbCr
    ideal = {f: composite(scans[f], syn.truth[f]) for f in eval_frames}
    rows = []
    for name, fn in methods.items():
        row = [name]
        for group in (syn.held_out, syn.unseen):
            vs_truth = [delta_e2000(syn.truth[f], fn(f)) for f in group]
            vs_ideal = [delta_e2000(ideal[f], fn(f)) for f in group]
            row += [
                float(np.mean([d.mean for d in vs_truth])),
                float(np.mean([d.p95 for d in vs_truth])),
                float(np.mean([d.mean for d in vs_ideal])),
            ]
        rows.append(tuple(row))
    return {"rows": rows, "result": result, "cpu": cpu, "syn": syn}


def spatial_benchmark(root: Path, steps: int, crop: int, batch: int, size: str) -> Dict:
    from restoration_toolkit.core.validation.baselines import apply_baseline
    from restoration_toolkit.core.validation.metrics.fidelity import psnr, ssim
    from restoration_toolkit.core.validation.metrics.grain import grain_comparison

    syn = build_project(root / "gauge", "gauge")
    result, exported, cpu = _train(
        syn, root / "gauge/pipeline/03_copycat_training/torch", steps, crop, batch, size
    )
    eval_frames = syn.held_out + syn.unseen
    ml = _render(syn, exported.model_pt, eval_frames, root / "gauge/pipeline/04_inference_render")
    scans = {
        f: _to_display(read_image(syn.project.root / f"media/scan.{f:04d}.exr").pixels)
        for f in eval_frames
    }
    size2 = (FRAME, FRAME)
    methods = {
        "trained model (rtk train, small)": lambda f: ml[f],
        "Lanczos + unsharp (core.baselines)": lambda f: apply_baseline(
            "unsharp", syn.extra[f], size2
        ),
        "denoise + sharpen + regrain (core.baselines)": lambda f: apply_baseline(
            "denoise_sharpen_grain", syn.extra[f], size2
        ),
        "Lanczos only (the 16 mm scan as resampled)": lambda f: scans[f],
    }
    rows = []
    for name, fn in methods.items():
        figs = []
        for group in (syn.held_out, syn.unseen):
            p, s, g = [], [], []
            for f in group:
                out = np.clip(fn(f), 0, 1)
                y_t, y_o = luminance(syn.truth[f]), luminance(out)
                p.append(psnr(y_t, y_o).db)
                s.append(ssim(y_t, y_o).mean)
                g.append(grain_comparison(syn.truth[f], out, patch=32).level_ratio)
            figs += [float(np.mean(p)), float(np.mean(s)), float(np.mean(g))]
        rows.append((name, *figs))
    return {"rows": rows, "result": result, "cpu": cpu, "syn": syn}


def inference_timing(size: str, tile: int = 512, overlap: int = 64) -> float:
    import torch

    from restoration_toolkit.train.infer import run_tiled
    from restoration_toolkit.train.model import build_model

    model = build_model(size).eval()
    img = np.random.default_rng(0).random((1556, 2048, 3)).astype(np.float32)
    t0 = time.perf_counter()
    with torch.no_grad():
        run_tiled(model, img, tile=tile, overlap=overlap)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--crop-size", type=int, default=96)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--model-size", default="small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/rtk-bench-trainer")
    ap.add_argument("--quick", action="store_true", help="smoke run: 30 steps, no 2K timing")
    ap.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[1] / "docs/benchmarks/trainer.md")
    )
    args = ap.parse_args(argv)
    import shutil

    import torch

    torch.set_num_threads(args.threads)
    steps = 30 if args.quick else args.steps
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    color = color_benchmark(work, steps, args.crop_size, args.batch_size, args.model_size)
    spatial = spatial_benchmark(work, steps, args.crop_size, args.batch_size, args.model_size)
    t2k = {} if args.quick else {s: inference_timing(s) for s in ("small", "medium")}
    load = os.getloadavg()
    lines = [
        "# Benchmark: PyTorch trainer (`rtk train` / `rtk infer`) vs traditional baselines",
        "",
        f"Generated by `python benchmarks/trainer.py --steps {steps} --crop-size {args.crop_size} "
        f"--batch-size {args.batch_size} --model-size {args.model_size} --threads {args.threads}` "
        f"on {platform.machine()} CPU ({os.cpu_count()} cores, torch {torch.__version__}, "
        f"{args.threads} torch threads), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        f"Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} — the machine "
        "was shared with other jobs, so wall-clock times below are pessimistic; CPU times are "
        "given too.",
        "",
        f"Synthetic projects from scikit-image data images, {FRAME}×{FRAME} frames; "
        f"{len(color['syn'].train)} training pairs (frames 1, 3, 5 of shots "
        f"{', '.join(TRAIN_SHOTS)}); figures on **held-out frames only**: frames 2 and 4 of "
        f'each of those shots ("held-out"), and all {FRAMES_PER_SHOT} frames of a shot never '
        f'trained on ({UNSEEN_SHOT}, "unseen shot"). See the docstring of '
        "`benchmarks/trainer.py` for how scans and references are made.",
        "",
        "## Color recovery (faded print + DVD reference → original): ΔE2000 (lower is better)",
        "",
        "Main figure: ΔE2000 against the original. The method keeps the scan's own luminance "
        "(grain, detail — and whatever luminance the fading changed), so a second column "
        "measures against the best any chroma-only recovery can reach: scan Y + the "
        "original's CbCr (composed in the working space, ACEScg, as the pipeline does; the "
        "poly2 baseline is fitted to the same composition of the training pairs).",
        "",
        "| method | held-out ΔE mean | held-out ΔE p95 | held-out ΔE vs scan-Y+original-CbCr | "
        "unseen ΔE mean | unseen ΔE p95 | unseen ΔE vs scan-Y+original-CbCr |",
        "|---|---|---|---|---|---|---|",
    ]
    base = color["rows"][0]
    for name, a, b, c, d, e, f in color["rows"]:
        lines.append(f"| {name} | {a:.2f} | {b:.2f} | {c:.2f} | {d:.2f} | {e:.2f} | {f:.2f} |")
    peer = color["rows"][1]
    lines += [
        "",
        f"Trained model / poly2-LSQ, held-out mean ΔE: {base[1] / peer[1]:.2f}× "
        f"({'better' if base[1] < peer[1] else 'WORSE'}); unseen shot: {base[4] / peer[4]:.2f}× "
        f"({'better' if base[4] < peer[4] else 'WORSE'}).",
        "",
        "## Spatial recovery (simulated 16 mm copy → 35 mm original)",
        "",
        "Luminance PSNR (dB) and SSIM against the 35 mm original (higher is better); grain: "
        "NPS level over 0.1–0.5 cycles/px, output / 35 mm original (1.00 = the original's "
        "grain energy; < 1 grain lost, > 1 noise added).",
        "",
        "| method | held-out PSNR | held-out SSIM | held-out grain | unseen PSNR | unseen SSIM | unseen grain |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, a, b, c, d, e, f in spatial["rows"]:
        lines.append(f"| {name} | {a:.2f} | {b:.3f} | {c:.2f} | {d:.2f} | {e:.3f} | {f:.2f} |")
    m = spatial["rows"][0]
    beaten = [r[0] for r in spatial["rows"][1:3] if m[1] > r[1]]
    lines += [
        "",
        f"Trained model beats on held-out PSNR: {', '.join(beaten) if beaten else 'none'} "
        f"(of the two traditional baselines).",
        "",
        "## Cost (CPU)",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    for label, run in (("colour", color), ("spatial", spatial)):
        r = run["result"]
        lines.append(
            f"| training, {label}: wall s / 1000 steps ({args.model_size}, crop {r.crop_size}, "
            f"batch {args.batch_size}) | {1000 * r.seconds / steps:.1f} |"
        )
        lines.append(
            f"| training, {label}: CPU s / 1000 steps (all threads) | {1000 * run['cpu'] / steps:.1f} |"
        )
    for s, t in t2k.items():
        lines.append(
            f"| inference, {s}: wall s per 2K frame (2048×1556, tile 512, overlap 64) | {t:.1f} |"
        )
    lines += ["", f"Total benchmark wall time: {time.perf_counter() - started:.0f} s.", ""]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
