"""`rtk train`: train the per-film network with PyTorch and export it for Nuke's CatFileCreator."""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import Any, Dict

from ..cli_support import (
    add_json_argument,
    add_no_log_argument,
    add_project_argument,
    print_json,
    progress_bar,
    project_from_args,
)
from ..core.errors import RTKError
from ..core.project import TECHNIQUES

COMMAND = "train"
HELP = (
    "train the per-film model with PyTorch (CopyCat's method outside Nuke) and export it for Nuke"
)
ORDER = 35

from ..core.experiment_log import log_run


def register(parser: argparse.ArgumentParser) -> None:
    add_project_argument(parser)
    parser.add_argument(
        "--technique",
        choices=TECHNIQUES,
        default=None,
        help="recovery technique (default: the project's)",
    )
    parser.add_argument("--shot", default=None, help="train on this shot's pairs only")
    length = parser.add_mutually_exclusive_group()
    length.add_argument(
        "--steps", type=int, default=None, help="optimiser steps in total (default 5000)"
    )
    length.add_argument(
        "--epochs",
        type=float,
        default=None,
        help="CopyCat-style epochs: steps = ceil(epochs × pairs / batch size)",
    )
    parser.add_argument(
        "--crop-size", type=int, default=256, help="training crop in pixels (default 256)"
    )
    parser.add_argument("--batch-size", type=int, default=4, help="crops per step (default 4)")
    parser.add_argument(
        "--model-size",
        choices=("small", "medium", "large"),
        default=None,
        help="network size (default medium, or the checkpoint's with --resume; "
        "see docs/training-engine.md)",
    )
    parser.add_argument(
        "--learning-rate", type=float, default=1e-3, help="Adam learning rate (default 1e-3)"
    )
    parser.add_argument(
        "--grain-weight",
        type=float,
        default=0.5,
        help="weight of the grain-keeping loss term (default 0.5; 0 = plain masked L1)",
    )
    parser.add_argument(
        "--checkpoint-interval",
        type=int,
        default=1000,
        help="steps between checkpoints (default 1000)",
    )
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where to train (default auto: CUDA, then Apple MPS, then CPU)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue from the newest checkpoint in --out"
    )
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="only export model.pt / catfile_creator.nk from the newest checkpoint "
        "(e.g. with torch 1.12 for older Nuke)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (default 0): same seed, same model"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output folder (default <project>/pipeline/03_copycat_training/torch)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="CPU threads for torch (default 0 = one per core; 1 is often fastest "
        "on a busy shared machine)",
    )
    add_json_argument(parser)
    add_no_log_argument(parser)


def _model_id(name: str, technique: str, size: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", f"rtk_{name}_{technique}_{size}").strip("_")


def run(args: argparse.Namespace) -> int:
    from ..train import require_torch, set_threads

    require_torch()
    set_threads(args.threads)
    from ..train.data import load_training_set
    from ..train.export import export_model, model_from_checkpoint
    from ..train.trainer import (
        TrainConfig,
        checkpoints,
        downsample_curve,
        load_checkpoint,
        resolve_device,
    )

    project = project_from_args(args)
    technique = args.technique or project.technique
    out_dir = Path(args.out) if args.out else project.stage_dir(3) / "torch"
    quiet = bool(args.json)

    if args.export_only:
        found = checkpoints(out_dir)
        if not found:
            raise RTKError("no checkpoint to export (train first)", out_dir / "checkpoints")
        state = load_checkpoint(found[-1])
        cfg = state.get("config", {})
        model = model_from_checkpoint(state)
        info = {
            "technique": cfg.get("technique", technique),
            "model_size": cfg.get("model_size"),
            "steps": int(state.get("step", 0)),
            "checkpoint": found[-1].as_posix(),
            "project": project.name,
            "settings": cfg,
            "working_space": project.color.working_space,
            "ocio_config": project.color.ocio_config,
            "source_colorspace": project.source.colorspace,
        }
        exported = export_model(
            model,
            out_dir,
            model_id=_model_id(project.name, info["technique"], str(cfg.get("model_size"))),
            info=info,
        )
        summary = {
            "model": exported.model_pt,
            "sidecar": exported.sidecar,
            "catfile_creator": exported.catfile_nk,
            "checkpoint": found[-1],
        }
        _print(summary, args.json)
        return 0

    model_size = args.model_size
    if args.resume and model_size is None and checkpoints(out_dir):
        model_size = load_checkpoint(checkpoints(out_dir)[-1]).get("config", {}).get("model_size")
    config = TrainConfig(
        technique=technique,
        steps=args.steps or 5000,
        crop_size=args.crop_size,
        batch_size=args.batch_size,
        model_size=model_size or "medium",
        learning_rate=args.learning_rate,
        grain_weight=args.grain_weight,
        checkpoint_interval=args.checkpoint_interval,
        seed=args.seed,
        device=args.device,
    )
    config.validate()
    resolve_device(config.device)  # a missing device fails before any file is read or written
    if args.resume and not checkpoints(out_dir):
        raise RTKError("nothing to resume: no checkpoint in this folder", out_dir / "checkpoints")

    with progress_bar("reading pairs", 1, quiet=quiet) as bar:
        data = load_training_set(project, technique, shot=args.shot, progress=bar)
    if args.epochs is not None:
        if args.epochs <= 0:
            raise RTKError("--epochs must be positive")
        config.steps = max(1, math.ceil(args.epochs * len(data.examples) / config.batch_size))
    config.checkpoint_interval = min(config.checkpoint_interval, config.steps)

    from ..train.trainer import train_model

    with progress_bar("training", config.steps, quiet=quiet) as bar:
        result = train_model(data, config, out_dir, resume=args.resume, progress=bar)

    info: Dict[str, Any] = {
        "project": project.name,
        "technique": technique,
        "model_size": config.model_size,
        "parameters": result.parameters,
        "steps": result.steps_done,
        "crop_size": result.crop_size,
        "batch_size": config.batch_size,
        "seed": config.seed,
        "device": result.device,
        "learning_rate": config.learning_rate,
        "grain_weight": config.grain_weight,
        "horizontal_flips": data.flips,
        "training_frames": data.frames,
        "holdout_frames": data.holdout,
        "final_loss": round(result.final_loss, 6),
        "train_seconds": round(result.seconds, 2),
        "checkpoint": result.checkpoint.as_posix(),
        "working_space": project.color.working_space,
        "ocio_config": project.color.ocio_config,
        "source_colorspace": project.source.colorspace,
    }
    exported = export_model(
        result.model,
        out_dir,
        model_id=_model_id(project.name, technique, config.model_size),
        info=info,
    )
    summary = {
        "model": exported.model_pt,
        "sidecar": exported.sidecar,
        "catfile_creator": exported.catfile_nk,
        "cat_file_to_create": exported.cat_file,
        "checkpoint": result.checkpoint,
        "steps": result.steps_done,
        "resumed_from": result.start_step,
        "final_loss": result.final_loss,
        "seconds": round(result.seconds, 2),
        "seconds_per_1000_steps": round(
            1000 * result.seconds / max(result.steps_done - result.start_step, 1), 2
        ),
        "parameters": result.parameters,
        "device": result.device,
        "pairs": len(data.examples),
        "loss_curve": out_dir / "loss.csv",
    }
    if not args.no_log:
        summary["log_entry"] = log_run(
            project.root,
            stage="training",
            technique=technique,
            shot=args.shot,
            frames=data.frames,
            parameters={
                k: v
                for k, v in info.items()
                if k not in ("final_loss", "train_seconds", "training_frames", "checkpoint")
            },
            figures={
                "final_loss": round(result.final_loss, 6),
                "train_seconds": round(result.seconds, 2),
                "loss_curve": downsample_curve(result.losses),
            },
            inputs=list(dict.fromkeys(data.inputs)),
            outputs=[
                exported.model_pt,
                exported.sidecar,
                exported.catfile_nk,
                out_dir / "loss.csv",
            ],
            observations=f"rtk train ({config.model_size}, {result.steps_done} steps on "
            f"{result.device}); open {exported.catfile_nk.name} in NukeX to make the .cat",
            model_route="rtk train (PyTorch) → TorchScript → CatFileCreator",
        )
    _print(summary, args.json)
    return 0


def _print(summary: Dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(summary)
        return
    for key, value in summary.items():
        if isinstance(value, float):
            value = f"{value:.5g}"
        elif isinstance(value, Path):
            value = value.as_posix()
        print(f"{key}: {value}", file=sys.stdout)
