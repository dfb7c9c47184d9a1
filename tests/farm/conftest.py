"""Fixtures for the farm tests: a tiny project and a stand-in interpreter.

The stand-in interpreter is a two-line shell script given to the bundle as the toolkit's
``Python`` job parameter: it sends ``-m restoration_toolkit matchgrade apply …`` and
``… validate …`` (the agreed command lines of stage 05, owned by other engineers) to
``standin_stage.py`` and everything else — ``-m restoration_toolkit farm task …``
included — to the real interpreter. OpenJD's local runner, the task runner and its on-disk
checks are all the real ones.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from restoration_toolkit.core.io.images import write_image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def make_project(root: Path, frames=range(1, 13), size=(8, 6)) -> Path:
    """A color-nonreference project with a tiny EXR scan (``media/scan.####.exr``)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "project.yaml").write_text(
        yaml.safe_dump(
            {
                "schema_version": 1,
                "name": "TINY",
                "technique": "color-nonreference",
                "source": {"path": "media/scan.####.exr"},
            }
        ),
        encoding="utf-8",
    )
    for name in (
        "01_dataset_curation",
        "02_alignment",
        "03_copycat_training",
        "04_inference_render",
        "05_matchgrade_render",
    ):
        (root / "pipeline" / name).mkdir(parents=True, exist_ok=True)
    w, h = size
    for f in frames:
        pixels = np.full((h, w, 3), 0.01 * f, np.float32)
        write_image(root / "media" / f"scan.{f:04d}.exr", pixels)
    (root / "pipeline" / "05_matchgrade_render" / "grade.cube").write_text("gain 0.5\n")
    return root


def make_standin_python(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "python-standin"
    real = shlex.quote(sys.executable)
    stage = shlex.quote(str(HERE / "standin_stage.py"))
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "restoration_toolkit" ] && { [ "$3" = "validate" ] || '
        '{ [ "$3" = "matchgrade" ] && [ "$4" = "apply" ]; }; }; then\n'
        f'  shift 2; exec {real} {stage} "$@"\nfi\n'
        f'exec {real} "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")


@pytest.fixture
def standin_python(tmp_path: Path) -> Path:
    return make_standin_python(tmp_path / "bin")


@pytest.fixture
def subprocess_env(monkeypatch) -> dict:
    """Environment for subprocesses: the worktree's toolkit importable, no JSON progress."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("RTK_PROGRESS", None)
    return env
