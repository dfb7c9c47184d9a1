"""Stage 03 with the toolkit's own PyTorch engine (`rtk train`): read the project's training
pairs, train the per-film network (seeded, checkpointed, resumable), export TorchScript and
the CatFileCreator script that brings it into Nuke, log the run.

The Nuke side of stage 03 (the CopyCat script) is :mod:`restoration_toolkit.stages.training`.
torch is imported when a run starts: the rest of the toolkit never needs it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.progress import ProgressFn
from ..core.project import Project, open_project

MODEL_ROUTE = "rtk train (PyTorch) → TorchScript → CatFileCreator"
DEFAULT_STEPS = 5000


@dataclass(frozen=True)
class TrainRequest:
    """What a front end asks the PyTorch engine for. ``steps`` and ``epochs`` exclude each
    other (epochs: ceil(epochs × pairs / batch size) steps); ``model_size`` None = medium, or
    the checkpoint's on ``resume``; ``out`` None = pipeline/03_copycat_training/torch."""

    project: Optional[str] = None
    technique: Optional[str] = None
    shot: Optional[str] = None
    steps: Optional[int] = None
    epochs: Optional[float] = None
    crop_size: int = 256
    batch_size: int = 4
    model_size: Optional[str] = None
    learning_rate: float = 1e-3
    grain_weight: float = 0.5
    checkpoint_interval: int = 1000
    device: str = "auto"
    resume: bool = False
    export_only: bool = False
    seed: int = 0
    out: Optional[Path] = None
    threads: int = 0
    log: bool = True


def model_id(name: str, technique: str, size: str) -> str:
    """The CatFileCreator model id: letters, digits and underscores only."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", f"rtk_{name}_{technique}_{size}").strip("_")


def _color_info(project: Project) -> Dict[str, Any]:
    return {
        "working_space": project.color.working_space,
        "ocio_config": project.color.ocio_config,
        "source_colorspace": project.source.colorspace,
    }


def _export_only(project: Project, technique: str, out_dir: Path) -> Dict[str, Any]:
    """model.pt / catfile_creator.nk again from the newest checkpoint (e.g. with torch 1.12)."""
    from ..train.export import (
        WEIGHTS_NAME,
        export_model,
        model_from_checkpoint,
        state_from_weights,
    )
    from ..train.trainer import checkpoints, load_checkpoint, loads_weights_only

    found = checkpoints(out_dir)
    weights = out_dir / WEIGHTS_NAME
    if not loads_weights_only() and weights.is_file():
        found, state = [weights], state_from_weights(weights)  # old torch: no pickle at all
    elif not found:
        raise RTKError("no checkpoint to export (train first)", out_dir / "checkpoints")
    else:
        state = load_checkpoint(found[-1])
    cfg = state.get("config", {})
    info = {
        "technique": cfg.get("technique", technique),
        "model_size": cfg.get("model_size"),
        "steps": int(state.get("step", 0)),
        "checkpoint": found[-1].as_posix(),
        "project": project.name,
        "settings": cfg,
        **_color_info(project),
    }
    exported = export_model(
        model_from_checkpoint(state),
        out_dir,
        model_id=model_id(project.name, info["technique"], str(cfg.get("model_size"))),
        info=info,
    )
    return {
        "model": exported.model_pt,
        "sidecar": exported.sidecar,
        "catfile_creator": exported.catfile_nk,
        "checkpoint": found[-1],
    }


def _config(request: TrainRequest, technique: str, out_dir: Path):
    """The checked TrainConfig; a missing device or checkpoint fails before any file is read."""
    from ..train.trainer import TrainConfig, checkpoints, load_checkpoint, resolve_device

    model_size = request.model_size
    if request.resume and checkpoints(out_dir):
        saved = load_checkpoint(checkpoints(out_dir)[-1]).get("config", {})
        model_size = model_size or saved.get("model_size")
        if saved.get("technique") and saved.get("technique") != technique:
            raise RTKError(  # before any pair is read: a model never changes technique
                f"checkpoint was trained for technique {saved.get('technique')}, not "
                f"{technique}; train a new model in another --out",
                checkpoints(out_dir)[-1],
            )
    config = TrainConfig(
        technique=technique,
        steps=request.steps or DEFAULT_STEPS,
        crop_size=request.crop_size,
        batch_size=request.batch_size,
        model_size=model_size or "medium",
        learning_rate=request.learning_rate,
        grain_weight=request.grain_weight,
        checkpoint_interval=request.checkpoint_interval,
        seed=request.seed,
        device=request.device,
    )
    config.validate()
    resolve_device(config.device)
    if request.resume and not checkpoints(out_dir):
        raise RTKError("nothing to resume: no checkpoint in this folder", out_dir / "checkpoints")
    if request.epochs is not None and request.epochs <= 0:
        raise RTKError("--epochs must be positive")
    return config


def _log(project, request, config, result, data, info, exported, out_dir) -> str:
    from ..train.trainer import downsample_curve

    return log_run(
        project.root,
        stage="training",
        technique=config.technique,
        shot=request.shot,
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
        outputs=[exported.model_pt, exported.sidecar, exported.catfile_nk, out_dir / "loss.csv"],
        observations=f"rtk train ({config.model_size}, {result.steps_done} steps on "
        f"{result.device}); open {exported.catfile_nk.name} in NukeX to make the .cat",
        model_route=MODEL_ROUTE,
    )


def _info(project: Project, config, result, data) -> Dict[str, Any]:
    """What the model's sidecar and the experiment log record about the run."""
    return {
        "project": project.name,
        "technique": config.technique,
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
        **_color_info(project),
    }


def run_training(request: TrainRequest, progress: Optional[ProgressFn] = None) -> Dict[str, Any]:
    """Train (or only export), export and log; returns the summary a front end prints
    (paths, steps, loss, seconds, the log entry)."""
    from ..train import require_torch, set_threads

    require_torch()
    set_threads(request.threads)
    from ..train.data import load_training_set
    from ..train.export import export_model
    from ..train.trainer import train_model

    project = open_project(request.project)
    technique = request.technique or project.technique
    out_dir = Path(request.out) if request.out else project.stage_dir(3) / "torch"
    if request.export_only:
        return _export_only(project, technique, out_dir)
    config = _config(request, technique, out_dir)
    data = load_training_set(project, technique, shot=request.shot, progress=progress)
    if request.epochs is not None:
        config.steps = max(1, math.ceil(request.epochs * len(data.examples) / config.batch_size))
    config.checkpoint_interval = min(config.checkpoint_interval, config.steps)
    result = train_model(data, config, out_dir, resume=request.resume, progress=progress)
    info = _info(project, config, result, data)
    exported = export_model(
        result.model,
        out_dir,
        model_id=model_id(project.name, technique, config.model_size),
        info=info,
    )
    summary: Dict[str, Any] = {
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
    if request.log:
        summary["log_entry"] = _log(project, request, config, result, data, info, exported, out_dir)
    return summary
