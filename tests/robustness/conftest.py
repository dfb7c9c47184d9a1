"""The robustness suite: each defect of issue 18 tried the way a user meets it.

Every case runs the real ``rtk`` in a subprocess (``python -m restoration_toolkit``) and
checks what a person sees and what is left on disk: the exit status, one ``rtk: error:``
line (never a traceback), the checksums of the inputs (unchanged), and no partial or hidden
file (``.rtk-tmp``, temporary folders) left behind.

Faults the machine cannot make on demand (a full disk; a read-only folder when the tests run
as root, whom permissions do not stop) are injected at the operating-system boundary by
``faults/sitecustomize.py``: with ``RTK_FAULT_UNDER=DIR`` and ``RTK_FAULT_ERRNO=N`` every
file created, renamed or made under DIR fails with that errno, as the kernel would fail it.
The product code is not touched.

Each case carries ``@pytest.mark.robustness(defect=N)``; ``benchmarks/robustness.py`` runs
the suite and counts cases and defects from these marks into docs/benchmarks/robustness.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FAULTS = Path(__file__).resolve().parent / "faults"
SCAN_FIRST = 1001
RESULTS_ENV = "RTK_ROBUSTNESS_RESULTS"  # benchmarks/robustness.py: where to record outcomes
# names that only a half-finished write leaves
PARTIAL_MARKS = (".rtk-tmp", ".tmp-", ".rtk-old", "rtk-farm-run-", ".old-")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """With ``RTK_ROBUSTNESS_RESULTS`` set, append each case's outcome as a JSON line."""
    outcome = yield
    report = outcome.get_result()
    target = os.environ.get(RESULTS_ENV)
    mark = item.get_closest_marker("robustness")
    if not target or mark is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        record = {
            "case": item.nodeid.split("::", 1)[-1],
            "defect": int(mark.kwargs["defect"]),
            "outcome": report.outcome,
            "seconds": round(report.duration, 2),
        }
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


# -- running rtk as a user does ------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> List[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("rtk: error:")]


def rtk_env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("RTK_PROGRESS", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["OMP_NUM_THREADS"] = "1"
    env.update(extra)
    return env


def rtk(*args: object, cwd: Optional[Path] = None, timeout: float = 300, **env: str) -> Run:
    """Run ``rtk ARGS`` in a subprocess, as from a shell."""
    out = subprocess.run(
        [sys.executable, "-m", "restoration_toolkit", *[str(a) for a in args]],
        capture_output=True, text=True, cwd=cwd, timeout=timeout, env=rtk_env(**env),
    )
    return Run(out.returncode, out.stdout, out.stderr)


def with_fault(directory: Path, errno_number: int) -> Dict[str, str]:
    """Environment that makes every write under ``directory`` fail with ``errno_number``."""
    return {
        "PYTHONPATH": os.pathsep.join((str(FAULTS), str(ROOT))),
        "RTK_FAULT_UNDER": str(directory),
        "RTK_FAULT_ERRNO": str(errno_number),
    }


def assert_refused(run: Run, *words: str) -> str:
    """Non-zero exit, exactly one ``rtk: error:`` line naming ``words``, no traceback."""
    assert run.returncode not in (0,), run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert len(run.error_lines) == 1, run.stderr[-3000:]
    line = run.error_lines[0]
    for word in words:
        assert word.lower() in line.lower(), line
    return line


def assert_ok(run: Run) -> None:
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


# -- what is on disk -------------------------------------------------------------------------


def checksums(root: Path, exclude: Iterable[str] = ()) -> Dict[str, str]:
    """SHA-256 of every file under ``root`` (relative path → digest)."""
    skip = tuple(exclude)
    found = {}
    for path in sorted(Path(root).rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(skip):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def leftovers(*roots: Path) -> List[Path]:
    """Files or folders whose names only a half-finished write leaves."""
    found = []
    for root in roots:
        for path in Path(root).rglob("*"):
            if any(mark in path.name for mark in PARTIAL_MARKS):
                found.append(path)
    return found


def inputs_of(project: Path) -> Dict[str, str]:
    """Checksums of what a user gave: the footage, project.yaml, pairs.yaml."""
    sums = checksums(project / "media")
    for rel in ("project.yaml", "pipeline/01_dataset_curation/pairs.yaml"):
        if (project / rel).is_file():
            sums[rel] = hashlib.sha256((project / rel).read_bytes()).hexdigest()
    return sums


# -- the material ------------------------------------------------------------------------------


def write_small_demo(root: Path) -> Path:
    """A small color-reference project from the demo film's pictures: 18 scan frames 192×144
    (EXR, sRGB-encoded, faded as chromogenic prints fade), a 144×108 PNG reference of the
    same pictures with 3 frames of black leader, provenance recorded."""
    import cv2

    from restoration_toolkit.core.io.images import ImageMetadata, write_image
    from restoration_toolkit.testing.demo_footage import make_demo_footage
    from restoration_toolkit.testing.fades import simulate_dye_fade

    truth = make_demo_footage(size=(192, 144), frames_per_shot=6).truth
    rng = np.random.default_rng(3)
    media = root / "media"
    for i, good in enumerate(truth):
        faded = simulate_dye_fade(good, rng=rng, grain_sigma=0.015, grain_size=0.8)
        write_image(media / f"SCAN.{SCAN_FIRST + i:04d}.exr", np.clip(faded, 0, 1),
                    ImageMetadata(colorspace="sRGB - Texture"))
    leader = [np.zeros((108, 144, 3), np.float32)] * 3
    small = [cv2.resize(good, (144, 108), interpolation=cv2.INTER_AREA) for good in truth]
    for j, frame in enumerate(leader + small + leader[:2]):
        write_image(media / f"REF.{j + 1:04d}.png", frame)
    data = {
        "schema_version": 1,
        "name": "ROBUST",
        "technique": "color-reference",
        "source": {"path": "media/SCAN.####.exr", "fps": 24.0, "colorspace": "sRGB - Texture"},
        "reference": {
            "path": "media/REF.####.png",
            "fps": 24.0,
            "colorspace": "sRGB - Texture",
            "provenance": {"source": "demo film (synthetic)", "holder": "tests",
                           "permission": "made for the tests"},
        },
    }
    (root / "project.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    from restoration_toolkit.core.project import create_project_folders

    create_project_folders(root)
    return root


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    """The small demo project curated, aligned (global model) and with a MatchGrade fit."""
    from restoration_toolkit.cli import main

    root = write_small_demo(tmp_path_factory.mktemp("robust") / "project")
    for argv in (
        ["curate", "--project", root, "--no-content-check"],
        ["align", "--project", root, "--no-dense"],
        ["matchgrade", "fit", "--project", root, "--size", "9"],
    ):
        assert main([str(a) for a in argv]) == 0, argv
    return root


@pytest.fixture
def project(tmp_path, template) -> Path:
    """A fresh copy of the template project."""
    return Path(shutil.copytree(template, tmp_path / "project"))


@pytest.fixture(scope="session")
def model_template(tmp_path_factory, template) -> Path:
    """The template with a tiny trained TorchScript model (needs torch)."""
    pytest.importorskip("torch")
    from restoration_toolkit.cli import main

    root = Path(shutil.copytree(template, tmp_path_factory.mktemp("robust-model") / "project"))
    argv = ["train", "--project", root, "--steps", "2", "--crop-size", "32", "--batch-size",
            "1", "--model-size", "small", "--threads", "1", "--no-log"]
    assert main([str(a) for a in argv]) == 0
    return root


@pytest.fixture
def model_project(tmp_path, model_template) -> Path:
    return Path(shutil.copytree(model_template, tmp_path / "project"))


def model_of(project: Path) -> Path:
    return project / "pipeline" / "03_copycat_training" / "torch" / "model.pt"


def frame(project: Path, f: int) -> Path:
    return project / "media" / f"SCAN.{f:04d}.exr"


def small_image(value: float = 0.5, size=(192, 144), channels: int = 3) -> np.ndarray:
    w, h = size
    return np.full((h, w, channels), value, np.float32)
