"""Where a project keeps its damage files — one place for the stage that writes them, the
training data and the Nuke graphs that read them.

- ``pipeline/02_alignment/damage/mask.NNNN.exr`` — ``rtk damage detect``'s masks;
- ``pipeline/02_alignment/damage/reference_faults.NNNN.exr`` — where the reference is at fault;
- ``pipeline/05_matchgrade_render/damage_repair/repaired.NNNN.<scan's extension>`` — ``rtk
  damage repair``'s result (the traditional baseline, and the ground truth's evidence).

Frame numbers are scan frames, four digits (as stage 02's ``aligned.NNNN.exr``).
"""

from __future__ import annotations

from pathlib import Path

DAMAGE_DIR = "damage"
REPAIR_DIR = "damage_repair"
MASK = "mask.{frame:04d}.exr"
FAULTS = "reference_faults.{frame:04d}.exr"
REPAIRED = "repaired.{frame:04d}.{ext}"


def damage_dir(project) -> Path:
    return project.alignment_dir / DAMAGE_DIR


def repair_dir(project) -> Path:
    return project.stage_dir(5) / REPAIR_DIR


def mask_path(project, frame: int) -> Path:
    return damage_dir(project) / MASK.format(frame=frame)


def faults_path(project, frame: int) -> Path:
    return damage_dir(project) / FAULTS.format(frame=frame)


def repaired_path(project, frame: int, ext: str) -> Path:
    return repair_dir(project) / REPAIRED.format(frame=frame, ext=ext)
