"""CopyCat's training settings: defaults from the method, the project's settings.yaml, and the
step count CopyCat really trains.

CopyCat counts *epochs*; the method states *steps*. Foundry's CopyCat reference: Total Steps
= Epochs × (number of image pairs) / Batch Size, and the batch size must not exceed the
number of pairs (the method's panel: Epochs 30000, Batch Size 3, 4 pairs → Total Steps
40000). So ``epochs = ceil(steps × batch / pairs)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List

from ..core.errors import RTKError
from ..core.project import COLOR_TECHNIQUES, Project

MODEL_SIZES = {"small": "Small", "medium": "Medium", "large": "Large"}  # Foundry's reference
SMALL_LIVE_AREA = 1024  # px: a live area shorter than this trains with 256-px crops
DEFAULT_MEDIAN = 10.0  # px: the method's Median on the reference before the Y'CbCr split
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
    "multi_resolution",
)


@dataclass
class TrainingSettings:
    """CopyCat's knobs for one training run; ``steps`` is what CopyCat will train
    (:func:`total_steps` of the epochs)."""

    epochs: int
    steps: int
    batch_size: int = 3
    crop_size: int = 512
    model_size: str = "medium"
    checkpoint_interval: int = 10_000
    contact_sheet_interval: int = 100
    median_size: float = DEFAULT_MEDIAN
    multi_resolution: bool = True

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


@dataclass
class ChosenSettings:
    """The settings and what was changed to make them trainable (said to the user)."""

    settings: TrainingSettings
    warnings: List[str] = field(default_factory=list)


def total_steps(epochs: int, pairs: int, batch_size: int) -> int:
    """Steps CopyCat trains: epochs × pairs / batch size (Foundry), rounded up
    (# unverified: the rounding when the division is not exact)."""
    return max(1, math.ceil(epochs * pairs / batch_size))


def epochs_for_steps(steps: int, pairs: int, batch_size: int) -> int:
    """The fewest epochs that train at least ``steps`` steps."""
    return max(1, math.ceil(steps * batch_size / pairs))


def _batch_size(given: Dict[str, Any], pairs: int, warnings: List[str]) -> int:
    """Batch size ≤ pairs (Foundry): an explicit larger value is refused, the default is
    lowered with a warning — never a script that fails in Nuke."""
    if pairs < 1:
        raise RTKError("no training pairs to compute the batch size from")
    batch = int(given.get("batch_size", 3))
    if batch < 1:
        raise RTKError(f"--batch-size must be at least 1, got {batch}")
    if batch <= pairs:
        return batch
    if "batch_size" in given:
        raise RTKError(
            f"--batch-size {batch} is more than the {pairs} training pairs: CopyCat needs a "
            "batch size no larger than the number of pairs"
        )
    warnings.append(f"batch size lowered from {batch} to {pairs}: only {pairs} training pairs")
    return pairs


def default_training_settings(
    technique: str, live_area_short_side: float, pairs: int, **overrides: Any
) -> ChosenSettings:
    """The method's starting values: Medium model, batch 3 (fixed, repeatable across machines;
    at most the number of pairs), crop 512 (256 with twice the steps when the live area is under
    1024 px), checkpoints every 10 000 steps, contact sheet every 100, 40 000 steps (80 000
    with small crops), multi-resolution training on, Median 10 on a color reference."""
    given = {k: v for k, v in overrides.items() if v is not None}
    warnings: List[str] = []
    crop = int(given.get("crop_size", 256 if live_area_short_side < SMALL_LIVE_AREA else 512))
    steps = int(given.get("steps", 80_000 if crop <= 256 else 40_000))
    if steps < 1:
        raise RTKError(f"--steps must be at least 1, got {steps}")
    batch = _batch_size(given, pairs, warnings)
    epochs = int(given.get("epochs", epochs_for_steps(steps, pairs, batch)))
    settings = TrainingSettings(
        epochs=epochs,
        steps=total_steps(epochs, pairs, batch) if epochs >= 1 else 0,
        batch_size=batch,
        crop_size=crop,
        model_size=str(given.get("model_size", "medium")),
        checkpoint_interval=int(given.get("checkpoint_interval", 10_000)),
        contact_sheet_interval=int(given.get("contact_sheet_interval", 100)),
        median_size=float(given.get("median_size", DEFAULT_MEDIAN)),
        multi_resolution=bool(given.get("multi_resolution", True)),
    )
    settings.validate()
    if technique not in COLOR_TECHNIQUES:
        settings.median_size = 0.0  # spatial recovery has no reference Median
    return ChosenSettings(settings, warnings)


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
