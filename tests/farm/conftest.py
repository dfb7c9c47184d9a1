"""Fixtures for the farm tests: a tiny project and a stand-in interpreter.

Both come from :mod:`restoration_toolkit.testing.farm_standins` (shared with
benchmarks/farm.py): the stand-in interpreter runs ``rtk`` with cheap, observable stand-ins
registered as the matchgrade-apply and validate runners; OpenJD's local runner, the task
runner and its on-disk checks are the real ones.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from restoration_toolkit.testing.farm_standins import make_project, make_standin_python

ROOT = Path(__file__).resolve().parents[2]


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
