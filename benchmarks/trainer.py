"""Benchmark: the PyTorch engine (``rtk train`` / ``rtk infer``) against the traditional
methods, on shots it never saw.

Synthetic projects (``benchmarks/trainer_data.py``) are written to disk and run through the
real code path (project.yaml, pairs.yaml, aligned references → ``load_training_set`` →
``train_model`` → TorchScript export → ``infer_sequence`` with the stage-04 recombination).
Whole shots are held out: the model trains on the frames of five shots and is measured on
three other shots, whose content overlap with the training frames is measured and printed
(:func:`benchmarks.trainer_data.content_overlap`). Frames half-way between training frames
of the training shots (the old split) are measured too, only to show what overlap does.

Each seed is a whole repetition: new grain and fading noise in the data, a new training
seed, baselines re-tuned. Figures are mean ± standard deviation over the seeds; a method is
called better or worse only when the difference of the means exceeds the larger of the two
standard deviations. A learning curve over training steps (seed 0) says how far the model
is from a target it misses and how many steps a log-linear extrapolation of that curve
would need — an extrapolation, labelled as one.

Color recovery is compared with the toolkit's own MatchGrade fit in its chroma-only form;
spatial recovery with Lanczos + unsharp and denoise + sharpen + regrain, each at the
settings that score best on the training shots (``benchmarks/trainer_methods.py``). The
trainer's own defaults (learning rate, loss weights) are not tuned here; steps, crop, batch
and model size are the budget of this CPU run.

Run: ``python benchmarks/trainer.py [--seeds 3] [--steps 2000] [--curve 250,500,1000]
[--extra-sizes medium:500] [--techniques color|spatial [--work DIR]] [--merge A B] [--quick]
[--no-write] [--render-only DATA]`` from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks import trainer_data as data  # noqa: E402
from benchmarks import trainer_methods as tm  # noqa: E402
from benchmarks.results import (  # noqa: E402
    command_line,
    keep_data,
    log_benchmark,
    machine,
    missing_numbers,
    spread,
    write_results,
)
from benchmarks.trainer_report import render  # noqa: E402
from benchmarks.trainer_targets import TARGETS, headline, verdicts  # noqa: E402

COLOR_METHODS = (
    "model",
    "MatchGrade chroma-only",
    "MatchGrade full grade",
    "faded scan",
    "chroma-only ideal",
)
SPATIAL_METHODS = ("model", "Lanczos + unsharp", "denoise + sharpen + regrain", "Lanczos only")


def _groups(syn: data.Synthetic) -> Dict[str, List[int]]:
    return {"held-out shots": syn.numbers("held-out shots"), "between": syn.numbers("between")}


def overlap(syn: data.Synthetic) -> Dict[str, Any]:
    """Content overlap of each evaluated group with the training frames (scans, as trained)."""
    train = [data.features(syn.frames[f].scan) for f in syn.numbers("train")]
    out = {}
    for group, frames in _groups(syn).items():
        values = [data.content_overlap(syn.frames[f].scan, train) for f in frames]
        out[group] = {
            "mean": float(np.mean(values)),
            "max": float(np.max(values)),
            "per_frame": values,
        }
    out["ratio_test"], out["ransac_px"] = data.OVERLAP_RATIO, data.OVERLAP_RANSAC_PX
    return out


def color_seed(syn: data.Synthetic, run: tm.ModelRun) -> Dict[str, Any]:
    groups = _groups(syn)
    frames = [f for g in groups.values() for f in g]
    mg = tm.matchgrade(syn, frames)
    ideal = tm.ideal_chroma(syn, frames)
    outputs = {
        "model": run.outputs,
        "MatchGrade chroma-only": mg["chroma"],
        "MatchGrade full grade": mg["full"],
        "faded scan": {f: syn.frames[f].scan for f in frames},
        "chroma-only ideal": ideal,
    }
    scores = {
        m: {g: tm.color_scores(syn, outputs[m], ideal, fs) for g, fs in groups.items()}
        for m in COLOR_METHODS
    }
    return {"scores": scores, "matchgrade": {"method": mg["method"], "fit_cpu_s": mg["cpu_s"]}}


def spatial_seed(syn: data.Synthetic, run: tm.ModelRun) -> Dict[str, Any]:
    groups = _groups(syn)
    frames = [f for g in groups.values() for f in g]
    cpu0 = time.process_time()
    tuned = tm.tune_spatial(syn)
    base = tm.spatial_baselines(syn, tuned, frames)
    outputs = {
        "model": run.outputs,
        "Lanczos + unsharp": base["unsharp"],
        "denoise + sharpen + regrain": base["dsg"],
        "Lanczos only": base["lanczos"],
    }
    scores = {
        m: {g: tm.spatial_scores(syn, outputs[m], fs) for g, fs in groups.items()}
        for m in SPATIAL_METHODS
    }
    return {"scores": scores, "baselines": tuned, "baseline_cpu_s": time.process_time() - cpu0}


def curve_point(syn: data.Synthetic, technique: str, run: tm.ModelRun) -> Dict[str, Any]:
    held = syn.numbers("held-out shots")
    if technique == "color-reference":
        ideal = tm.ideal_chroma(syn, held)
        figures = tm.color_scores(syn, run.outputs, ideal, held)
    else:
        figures = tm.spatial_scores(syn, run.outputs, held)
    return {"steps": run.steps, "model_size": run.model_size, "cpu_s": run.cpu_s, **figures}


def run_technique(technique: str, args: argparse.Namespace, work: Path) -> Dict[str, Any]:
    """Every seed of one technique: data, model, methods, scores; the curve on seed 0."""
    seeds: List[Dict[str, Any]] = []
    curve: List[Dict[str, Any]] = []
    content: Optional[Dict[str, Any]] = None
    for seed in range(args.seeds):
        syn = data.build_project(work / f"{technique}_s{seed}", technique, seed)
        frames = [f for g in _groups(syn).values() for f in g]
        train = dict(
            model_size=args.model_size, seed=seed, crop=args.crop_size, batch=args.batch_size
        )
        run = tm.train_and_render(syn, frames, steps=args.steps, **train)
        seed_out = (color_seed if technique == "color-reference" else spatial_seed)(syn, run)
        seed_out.update(
            seed=seed,
            train_cpu_s=run.cpu_s,
            train_wall_s=run.wall_s,
            final_loss=run.final_loss,
            parameters=run.parameters,
        )
        seeds.append(seed_out)
        print(f"{technique} seed {seed}: {_brief(seed_out)}", file=sys.stderr, flush=True)
        if seed == 0:
            content = overlap(syn)
            curve.append(curve_point(syn, technique, run))
            held = syn.numbers("held-out shots")
            for steps in args.curve:
                extra = tm.train_and_render(syn, held, steps=steps, **train)
                curve.append(curve_point(syn, technique, extra))
            for size in args.extra_sizes:
                extra = tm.train_and_render(
                    syn, held, steps=args.steps, **{**train, "model_size": size}
                )
                curve.append(curve_point(syn, technique, extra))
            print(f"{technique} curve: {curve}", file=sys.stderr, flush=True)
        shutil.rmtree(syn.root, ignore_errors=True)
    methods = COLOR_METHODS if technique == "color-reference" else SPATIAL_METHODS
    summary = {
        m: {
            g: {k: spread(s["scores"][m][g][k] for s in seeds) for k in seeds[0]["scores"][m][g]}
            for g in seeds[0]["scores"][m]
        }
        for m in methods
    }
    return {"seeds": seeds, "summary": summary, "curve": curve, "overlap": content}


def _brief(seed_out: Dict[str, Any]) -> str:
    held = {m: g["held-out shots"] for m, g in seed_out["scores"].items()}
    return "; ".join(
        f"{m}: " + ", ".join(f"{k} {v:.3f}" for k, v in s.items()) for m, s in held.items()
    )


def run_part(key: str, technique: str, args: argparse.Namespace, work: Path) -> Dict[str, Any]:
    """One technique, with the run it came from (command, commit, date, its own seconds)."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    out = run_technique(technique, args, work / key)
    m = machine()
    out["run"] = {
        "command": " ".join(command_line("trainer.py", args.argv)),
        "steps": args.steps,
        "seeds": args.seeds,
        "commit": m["commit"],
        "date": m["date"],
        "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0,
    }
    return out


def size_info(args: argparse.Namespace) -> Dict[str, Any]:
    import torch

    return {
        "frame": data.FRAME,
        "train_shots": list(data.TRAIN_SHOTS),
        "test_shots": list(data.TEST_SHOTS),
        "train_frames_per_shot": data.TRAIN_FRAMES,
        "test_frames_per_shot": data.TEST_FRAMES,
        "train_pairs": len(data.TRAIN_SHOTS) * data.TRAIN_FRAMES,
        "held_out_frames": len(data.TEST_SHOTS) * data.TEST_FRAMES,
        "between_frames": len(data.TRAIN_SHOTS),
        "seeds": args.seeds,
        "steps": args.steps,
        "curve_steps": args.curve,
        "extra_sizes": [{"model_size": m, "steps": n} for m, n in args.extra_sizes],
        "crop": args.crop_size,
        "batch": args.batch_size,
        "model_size": args.model_size,
        "torch_threads": args.threads,
        "torch": torch.__version__,
    }


def assemble(
    parts: Dict[str, Any], size: Dict[str, Any], command: str, quick: bool
) -> Dict[str, Any]:
    """The whole result from the color and spatial parts (run together or apart)."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    color, spatial = parts["color"], parts["spatial"]
    cpu_per_step = {
        k: float(np.mean([s["train_cpu_s"] for s in parts[k]["seeds"]])) / parts[k]["run"]["steps"]
        for k in ("color", "spatial")
    }
    infer_2k: Dict[str, Any] = {}
    if not quick:
        models = {s: tm.inference_2k(s) for s in ("small", "medium")}
        infer_2k = {"frame": [2048, 1556], "tile": 512, "overlap": 64, "models": models}
    result = {
        "command": command,
        "size": {**size, "gauges": data.GAUGES},
        "targets": TARGETS,
        "color": color,
        "spatial": spatial,
        "cpu_s_per_1000_steps": {k: 1000 * v for k, v in cpu_per_step.items()},
        "inference_2k_frame": infer_2k,
        "seconds": {
            # the parts may have run side by side: wall is the longest part, CPU their sum
            "wall": max(p["run"]["wall_s"] for p in parts.values()) + time.perf_counter() - wall0,
            "cpu": sum(p["run"]["cpu_s"] for p in parts.values()) + time.process_time() - cpu0,
        },
        "machine": machine(),
    }
    result["verdicts"] = verdicts(color, spatial, cpu_per_step)
    result["headline"] = headline(result)
    return result


def arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument(
        "--curve", default="250,500,1000", help="extra step counts for the learning curve (seed 0)"
    )
    ap.add_argument(
        "--extra-sizes",
        default="medium:500",
        help="SIZE:STEPS runs also trained on seed 0, for the curve ('' for none)",
    )
    ap.add_argument("--crop-size", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--model-size", default="small")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--work", default="/tmp/rtk-bench-trainer")
    ap.add_argument(
        "--quick", action="store_true", help="smoke run: 2 seeds, 20 steps, no curve, no 2K timing"
    )
    ap.add_argument("--no-write", action="store_true", help="print only (no docs, no log)")
    ap.add_argument(
        "--techniques",
        default="color,spatial",
        help="color, spatial or both (one: kept for --merge)",
    )
    ap.add_argument(
        "--merge", nargs=2, metavar="PART", help="publish two kept parts (color, spatial) as one"
    )
    ap.add_argument("--render-only", default=None, help="publish the data a run kept (no new run)")
    args = ap.parse_args(argv)
    args.argv = argv
    args.techniques = [t.strip() for t in args.techniques.split(",") if t.strip()]
    if args.quick:
        args.seeds, args.steps, args.curve = 2, 20, "10"
    args.curve = [int(s) for s in args.curve.split(",") if s.strip()]
    args.extra_sizes = [
        (s.split(":")[0], int(s.split(":")[1]) if ":" in s else args.steps)
        for s in args.extra_sizes.split(",")
        if s.strip() and not args.quick
    ]
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = arguments(argv)
    if args.render_only:
        return publish(json.loads(Path(args.render_only).read_text(encoding="utf-8")), args, False)
    if args.merge:
        kept = [json.loads(Path(p).read_text(encoding="utf-8")) for p in args.merge]
        parts = {k: v for k_ in kept for k, v in k_["parts"].items()}
        command = " && ".join(p["run"]["command"] for p in parts.values())
        result = assemble(parts, kept[0]["size"], command, quick=False)
        print(f"data kept in {keep_data('trainer', result)}", file=sys.stderr)
        return publish(result, args)
    import torch

    torch.set_num_threads(args.threads)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    techniques = (("color", "color-reference"), ("spatial", "gauge"))
    parts = {k: run_part(k, t, args, work) for k, t in techniques if k in args.techniques}
    if len(parts) < 2:  # one technique alone: keep it for --merge with the other
        path = keep_data(f"trainer-{'-'.join(parts)}", {"parts": parts, "size": size_info(args)})
        print(f"part kept in {path}; publish with --merge", file=sys.stderr)
        return 0
    result = assemble(
        parts, size_info(args), " ".join(command_line("trainer.py", argv)), args.quick
    )
    print(f"data kept in {keep_data('trainer', result)}", file=sys.stderr)
    return publish(result, args)


def publish(result: Dict[str, Any], args: argparse.Namespace, log: bool = True) -> int:
    """Render the table from ``result``, write both files and (unless ``log`` is False, as for
    ``--render-only``) log the run."""
    result.pop("benchmark", None)
    result["headline"] = headline(result)  # derived: recomputed, so a re-render adds new figures
    text = render(result)
    print(text)
    if args.no_write or args.quick:
        print("numbers not in the data:", missing_numbers(text, result), file=sys.stderr)
        return 0
    write_results("trainer", result, text)
    if not log:
        return 0
    v = result["verdicts"]
    log_benchmark(
        "trainer",
        stage="training",
        command=result["command"].split(),
        parameters={
            k: result["size"][k]
            for k in ("seeds", "steps", "crop", "batch", "model_size", "train_pairs")
        },
        figures={
            "color_model_de_vs_chroma_ideal": round(v["color"]["model_de_ideal"], 3),
            "color_matchgrade_chroma_de_vs_chroma_ideal": round(
                v["color"]["matchgrade_de_ideal"], 3
            ),
            "color_reduction": round(v["color"]["reduction"], 3),
            "spatial_psnr_gain_db": round(v["spatial"]["psnr_gain"], 3),
            "spatial_ssim_gain": round(v["spatial"]["ssim_gain"], 4),
            "cpu_s": round(result["seconds"]["cpu"], 1),
        },
        observations=(
            f"held-out shots, {result['size']['seeds']} seeds: color target "
            f"{'met' if v['color']['met'] else 'missed'}; "
            f"spatial target {'met' if v['spatial']['met'] else 'missed'}."
        ),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
