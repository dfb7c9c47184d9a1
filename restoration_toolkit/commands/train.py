"""`rtk train`: train the per-film network with PyTorch and export it for Nuke's CatFileCreator.

Arguments only; the work is :func:`restoration_toolkit.stages.torch_training.run_training`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict

from ..cli_support import (
    add_json_argument,
    add_no_log_argument,
    add_project_argument,
    add_threads_argument,
    print_json,
    progress_bar,
)
from ..core.project import TECHNIQUES
from ..stages.torch_training import DEFAULT_STEPS, TrainRequest, run_training
from ..train import DEVICES

COMMAND = "train"
HELP = (
    "train the per-film model with PyTorch (CopyCat's method outside Nuke) and export it for Nuke"
)
ORDER = 35


def register(parser: argparse.ArgumentParser) -> None:
    add_project_argument(parser)
    add = parser.add_argument
    add("--technique", choices=TECHNIQUES, help="recovery technique (default: the project's)")
    add("--shot", help="train on this shot's pairs only")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help=f"optimiser steps (default {DEFAULT_STEPS})")
    length.add_argument(
        "--epochs", type=float, help="CopyCat-style epochs: steps = ceil(epochs × pairs / batch)"
    )
    add("--crop-size", type=int, default=256, help="training crop in pixels (default 256)")
    add("--batch-size", type=int, default=4, help="crops per step (default 4)")
    add(
        "--model-size",
        choices=("small", "medium", "large"),
        help="network size (default medium, or the checkpoint's with --resume; "
        "see docs/training-engine.md)",
    )
    add("--learning-rate", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    add(
        "--grain-weight",
        type=float,
        default=0.5,
        help="weight of the grain-keeping loss term (default 0.5; 0 = plain masked L1)",
    )
    add("--checkpoint-interval", type=int, default=1000, help="steps between checkpoints")
    add(
        "--device",
        choices=DEVICES,
        default="auto",
        help="where to train (default auto: CUDA, then Apple MPS, then CPU)",
    )
    add("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    add(
        "--export-only",
        action="store_true",
        help="only export model.pt / catfile_creator.nk from the newest checkpoint "
        "(e.g. with torch 1.12 for older Nuke)",
    )
    add("--seed", type=int, default=0, help="random seed (default 0): same seed, same model")
    add("--out", metavar="DIR", help="output folder (default pipeline/03_copycat_training/torch)")
    add_threads_argument(parser)
    add_json_argument(parser)
    add_no_log_argument(parser)


def run(args: argparse.Namespace) -> int:
    request = TrainRequest(
        project=args.project,
        technique=args.technique,
        shot=args.shot,
        steps=args.steps,
        epochs=args.epochs,
        crop_size=args.crop_size,
        batch_size=args.batch_size,
        model_size=args.model_size,
        learning_rate=args.learning_rate,
        grain_weight=args.grain_weight,
        checkpoint_interval=args.checkpoint_interval,
        device=args.device,
        resume=args.resume,
        export_only=args.export_only,
        seed=args.seed,
        out=Path(args.out) if args.out else None,
        threads=args.threads,
        log=not args.no_log,
    )
    with progress_bar("training", 1, quiet=bool(args.json)) as bar:
        summary = run_training(request, progress=bar)
    print_summary(summary, args.json)
    return 0


def print_summary(summary: Dict[str, Any], as_json: bool) -> None:
    """``key: value`` lines (floats to 5 significant digits), or JSON."""
    if as_json:
        print_json(summary)
        return
    for key, value in summary.items():
        if isinstance(value, float):
            value = f"{value:.5g}"
        elif isinstance(value, Path):
            value = value.as_posix()
        print(f"{key}: {value}")
