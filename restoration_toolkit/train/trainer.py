"""The training loop: seeded, checkpointed atomically, resumable.

One step = one batch of random crops (see :mod:`.data`), Adam, learning rate on a cosine
from ``learning_rate`` down to 5 % of it over the run. Everything random comes from the seed
(the network's initial weights from ``torch.manual_seed``, the crops and flips from a numpy
generator), and the generator's state is stored in each checkpoint, so ``--resume`` after an
interruption produces the same weights as a run that was never interrupted (on the same
device and torch build).

Checkpoints: ``<out>/checkpoints/step_0001000.pt`` every ``checkpoint_interval`` steps and at
the end, each written to a temporary name and renamed; the newest ``keep_checkpoints`` are
kept. They hold the weights, the optimiser state, the sampler state, the settings and the
loss curve.
"""

from __future__ import annotations

import io
import json
import math
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch

from ..core.errors import RTKError
from ..core.io.atomic import atomic_write_bytes, atomic_write_text
from ..core.progress import ProgressFn, report
from . import DEVICES
from .data import CropSampler, TrainingSet
from .loss import restoration_loss
from .model import MODEL_SIZES, build_model, encode, parameter_count

CHECKPOINT_DIR = "checkpoints"
_CKPT = re.compile(r"^step_(\d+)\.pt$")


@dataclass
class TrainConfig:
    """Settings of one training run (all of them go to the experiment log)."""

    technique: str
    steps: int = 5000
    crop_size: int = 256
    batch_size: int = 4
    model_size: str = "medium"
    learning_rate: float = 1e-3
    grain_weight: float = 0.5
    checkpoint_interval: int = 1000
    keep_checkpoints: int = 3
    seed: int = 0
    device: str = "auto"

    def validate(self) -> None:
        for name in ("steps", "crop_size", "batch_size", "checkpoint_interval", "keep_checkpoints"):
            if int(getattr(self, name)) < 1:
                raise RTKError(f"--{name.replace('_', '-')} must be at least 1")
        if self.crop_size < 16:
            raise RTKError("--crop-size must be at least 16 pixels")
        if self.model_size not in MODEL_SIZES:
            raise RTKError(
                f"unknown model size {self.model_size!r} (one of {', '.join(MODEL_SIZES)})"
            )
        if self.device not in DEVICES:
            raise RTKError(f"unknown device {self.device!r} (one of {', '.join(DEVICES)})")
        if self.learning_rate <= 0:
            raise RTKError("--learning-rate must be positive")


@dataclass
class TrainResult:
    model: torch.nn.Module
    config: TrainConfig
    device: str
    steps_done: int
    start_step: int
    losses: List[float]
    seconds: float
    checkpoint: Path
    parameters: int
    crop_size: int
    history: Dict[str, List[float]] = field(default_factory=dict)

    @property
    def final_loss(self) -> float:
        tail = self.losses[-max(1, min(50, len(self.losses))) :]
        return float(sum(tail) / len(tail)) if tail else float("nan")


def resolve_device(name: str) -> torch.device:
    """``auto`` → CUDA, then Apple MPS, then CPU. RTKError if a named device is not there."""
    mps = getattr(torch.backends, "mps", None)
    mps_ok = bool(mps is not None and mps.is_available())
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if mps_ok else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RTKError(
            f"device cuda is not available (torch {torch.__version__}, no CUDA GPU "
            "found) — use --device cpu or auto"
        )
    if name == "mps" and not mps_ok:
        raise RTKError(
            "device mps is not available (Apple GPU not found) — use --device cpu or auto"
        )
    if name not in DEVICES:
        raise RTKError(f"unknown device {name!r} (one of {', '.join(DEVICES)})")
    return torch.device(name)


def checkpoints(out_dir: Path) -> List[Path]:
    """Checkpoints in ``out_dir/checkpoints``, oldest first."""
    folder = Path(out_dir) / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _CKPT.match(p.name))]
    return [p for _, p in sorted(found)]


def loads_weights_only() -> bool:
    """Whether this torch's ``torch.load`` has ``weights_only`` (1.13 and later)."""
    import inspect

    return "weights_only" in inspect.signature(torch.load).parameters


def load_checkpoint(path: Path) -> Dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` — tensors and plain values, never code.

    There is no fallback to full unpickling (a crafted checkpoint could run anything): a
    torch without ``weights_only`` is refused, and so is any file it will not load.
    """
    if not loads_weights_only():
        raise RTKError(
            f"torch {torch.__version__} cannot read checkpoints safely (weights_only needs "
            "torch 1.13 or later); use a newer torch (an old one can re-export from "
            "weights.npz with `rtk train --export-only`)",
            path,
        )
    try:
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - anything but plain tensors is refused
        raise RTKError(
            f"cannot read checkpoint: not a plain-tensor checkpoint ({type(exc).__name__})", path
        ) from None


def _save_checkpoint(out_dir: Path, state: Dict[str, Any], keep: int) -> Path:
    folder = Path(out_dir) / CHECKPOINT_DIR
    path = folder / f"step_{state['step']:07d}.pt"
    buf = io.BytesIO()
    torch.save(state, buf)
    atomic_write_bytes(path, buf.getvalue())
    for old in checkpoints(out_dir)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def _lr(config: TrainConfig, step: int) -> float:
    t = min(step / max(config.steps, 1), 1.0)
    low = 0.05 * config.learning_rate
    return low + 0.5 * (config.learning_rate - low) * (1.0 + math.cos(math.pi * t))


def _set_determinism(seed: int) -> None:
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    if hasattr(torch.backends, "cudnn"):
        torch.backends.cudnn.benchmark = False


def train_model(
    data: TrainingSet,
    config: TrainConfig,
    out_dir: Path,
    *,
    resume: bool = False,
    progress: Optional[ProgressFn] = None,
) -> TrainResult:
    """Train on ``data`` and return the model (on CPU, eval mode) and its figures."""
    config.validate()
    out_dir = Path(out_dir)
    device = resolve_device(config.device)
    _set_determinism(config.seed)
    model = build_model(config.model_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    sampler = CropSampler(data.examples, config.crop_size, flips=data.flips, seed=config.seed)
    history: Dict[str, List[float]] = {"loss": [], "l1": [], "grain": []}
    start = 0
    if resume:
        start = _resume(out_dir, config, model, optimizer, sampler, history)
    model.to(device)
    # optimiser state follows the parameters' device
    for st in optimizer.state.values():
        for k, v in st.items():
            if isinstance(v, torch.Tensor) and k != "step":
                st[k] = v.to(device)
    model.train()
    t0 = time.perf_counter()
    last_ckpt: Optional[Path] = None
    ema: Optional[float] = None
    for step in range(start, config.steps):
        value = _step(model, optimizer, sampler, config, step, device, history)
        ema = value if ema is None else 0.95 * ema + 0.05 * value
        done = step + 1
        report(
            progress,
            done - start,
            config.steps - start,
            f"step {done}/{config.steps} loss {ema:.4f}",
        )
        if done % config.checkpoint_interval == 0 or done == config.steps:
            last_ckpt = _checkpoint(out_dir, done, model, optimizer, sampler, config, history)
    seconds = time.perf_counter() - t0
    write_loss_curve(out_dir, history)
    model.to("cpu").eval()
    assert last_ckpt is not None
    return TrainResult(
        model=model,
        config=config,
        device=str(device),
        steps_done=config.steps,
        start_step=start,
        losses=history["loss"],
        seconds=seconds,
        checkpoint=last_ckpt,
        parameters=parameter_count(model),
        crop_size=sampler.crop,
        history=history,
    )


def _resume(out_dir, config, model, optimizer, sampler, history) -> int:
    """Load the newest checkpoint into the model, optimiser, sampler and history; returns its
    step. RTKError when there is none, it is another model size, or it is already done."""
    found = checkpoints(out_dir)
    if not found:
        raise RTKError("nothing to resume: no checkpoint in this folder", out_dir / CHECKPOINT_DIR)
    state = load_checkpoint(found[-1])
    saved = state.get("config", {})
    if saved.get("technique") and saved.get("technique") != config.technique:
        raise RTKError(
            f"checkpoint was trained for technique {saved.get('technique')}, not "
            f"{config.technique}; a model never changes technique (train a new one in "
            "another --out)",
            found[-1],
        )
    if saved.get("model_size") != config.model_size:
        raise RTKError(
            f"checkpoint is a {saved.get('model_size')} model, not "
            f"{config.model_size} (use --model-size {saved.get('model_size')})",
            found[-1],
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    sampler.set_state(json.loads(state["sampler"]))
    history.clear()
    history.update({k: list(v) for k, v in state["history"].items()})
    start = int(state["step"])
    if start >= config.steps:
        raise RTKError(
            f"checkpoint is already at step {start}; ask for more --steps to go on", found[-1]
        )
    return start


def _step(model, optimizer, sampler, config: TrainConfig, step: int, device, history) -> float:
    """One optimiser step on a fresh batch; returns the loss (RTKError when it diverges)."""
    for group in optimizer.param_groups:
        group["lr"] = _lr(config, step)
    inp, tgt, msk = sampler.batch(config.batch_size)
    x = torch.from_numpy(inp).to(device)
    y = torch.from_numpy(tgt).to(device)
    m = torch.from_numpy(msk).to(device)
    parts = restoration_loss(encode(model(x)), encode(y), m, grain_weight=config.grain_weight)
    optimizer.zero_grad(set_to_none=True)
    parts.total.backward()
    optimizer.step()
    value = float(parts.total.detach())
    if not math.isfinite(value):
        raise RTKError(
            f"training diverged at step {step + 1} (loss {value}); lower "
            "--learning-rate or check the pairs for extreme values"
        )
    history["loss"].append(value)
    history["l1"].append(float(parts.l1.detach()))
    history["grain"].append(float(parts.grain.detach()))
    return value


def _checkpoint(out_dir, done: int, model, optimizer, sampler, config, history) -> Path:
    return _save_checkpoint(
        out_dir,
        {
            "step": done,
            "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "optimizer": _cpu_state(optimizer.state_dict()),
            "sampler": json.dumps(sampler.get_state()),
            "config": asdict(config),
            "history": history,
            "torch_version": str(torch.__version__),
        },
        config.keep_checkpoints,
    )


def _cpu_state(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _cpu_state(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cpu_state(v) for v in obj]
    return obj


def write_loss_curve(out_dir: Path, history: Dict[str, List[float]]) -> Path:
    """``loss.csv`` (step, loss, l1, grain) and, when matplotlib is there, ``loss.png``."""
    rows = ["step,loss,l1,grain"]
    for i, (a, b, c) in enumerate(zip(history["loss"], history["l1"], history["grain"])):
        rows.append(f"{i + 1},{a:.6g},{b:.6g},{c:.6g}")
    csv_path = atomic_write_text(Path(out_dir) / "loss.csv", "\n".join(rows) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except Exception:  # noqa: BLE001 - the picture is a nicety
        return csv_path
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.plot(history["loss"], lw=0.6, label="total")
    ax.plot(history["l1"], lw=0.6, label="masked L1")
    ax.plot(history["grain"], lw=0.6, label="grain energy")
    ax.set_xlabel("step")
    ax.set_yscale("log")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write_bytes(Path(out_dir) / "loss.png", buf.getvalue())
    return csv_path


def downsample_curve(values: List[float], points: int = 50) -> List[List[float]]:
    """[[step, mean loss], …] with at most ``points`` entries (for the experiment log)."""
    if not values:
        return []
    n = len(values)
    size = max(1, math.ceil(n / points))
    out = []
    for i in range(0, n, size):
        chunk = values[i : i + size]
        out.append([i + len(chunk), round(sum(chunk) / len(chunk), 6)])
    return out
