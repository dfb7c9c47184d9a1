"""Farm test material: a tiny project with an EXR scan, and stand-in stages for the farm's
matchgrade-apply and validate runners, shared by tests/farm and benchmarks/farm.py.

A stand-in stage is cheap and observable: matchgrade-apply multiplies each source frame by
the gain written in the grade file (a text file ``gain 0.5``) and writes it atomically;
validate only records its frames. Environment hooks for the tests: ``STANDIN_LEDGER`` (append
"frame pid" per frame done), ``STANDIN_DELAY`` (seconds per frame), ``STANDIN_FAIL_FRAME``
(fail on that frame with the toolkit's own error), ``RTK_RUNNER_LEDGER`` (append one line
``<stage> --frames <list>`` per runner call, real runners included: what each call was asked
to do, so a benchmark can check that no frame is done twice or skipped).

The stand-ins reach a farm task through a stand-in interpreter (:func:`make_standin_python`):
a shell script the bundle names as the toolkit's ``Python``; it runs
``python -m restoration_toolkit.testing.farm_standins …``, which registers the stand-ins with
:func:`restoration_toolkit.farm.runners.register_runner` and then runs ``rtk`` as usual.
OpenJD's local runner, the task runner and its on-disk checks are the real ones.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path
from typing import Iterable, List, Tuple

import numpy as np
import yaml

from ..core.errors import RTKError
from ..core.io.images import read_image, write_image
from ..core.io.sequence import output_sequence
from ..core.progress import ProgressFn, report

STAGE_FOLDERS = (
    "01_dataset_curation",
    "02_alignment",
    "03_copycat_training",
    "04_inference_render",
    "05_matchgrade_render",
)


def make_project(root: Path, frames: Iterable[int] = range(1, 13), size=(8, 6)) -> Path:
    """A color-nonreference project with a tiny EXR scan (``media/scan.####.exr``, frame f
    filled with 0.01·f) and a stand-in ``grade.cube`` (gain 0.5)."""
    root.mkdir(parents=True, exist_ok=True)
    document = {
        "schema_version": 1,
        "name": "TINY",
        "technique": "color-nonreference",
        "source": {"path": "media/scan.####.exr"},
    }
    (root / "project.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    for name in STAGE_FOLDERS:
        (root / "pipeline" / name).mkdir(parents=True, exist_ok=True)
    w, h = size
    for f in frames:
        write_image(root / "media" / f"scan.{f:04d}.exr", np.full((h, w, 3), 0.01 * f, np.float32))
    (root / "pipeline" / "05_matchgrade_render" / "grade.cube").write_text("gain 0.5\n")
    return root


def _ledger(frame: int) -> None:
    ledger = os.environ.get("STANDIN_LEDGER")
    if ledger:
        with open(ledger, "a", encoding="utf-8") as handle:
            handle.write(f"{frame} {os.getpid()}\n")


def standin_matchgrade_apply(task, progress: ProgressFn) -> None:
    """Source × the grade file's gain, frame by frame, written atomically."""
    gain = float(Path(task.values["grade"]).read_text(encoding="utf-8").split()[1])
    src = output_sequence(task.values["source"], task.frames)
    out = output_sequence(task.values["out"], task.frames)
    delay = float(os.environ.get("STANDIN_DELAY", "0"))
    fail = os.environ.get("STANDIN_FAIL_FRAME")
    for i, f in enumerate(task.frames):
        if fail and int(fail) == f:
            raise RTKError("stand-in stage refuses this frame", src.path(f))
        img = read_image(src.path(f))
        if delay:
            time.sleep(delay)
        write_image(out.path(f), img.pixels * gain, img.metadata, protect=[src.path(f)])
        _ledger(f)
        report(progress, i + 1, len(task.frames), f"frame {f}")


def standin_validate(task, progress: ProgressFn) -> None:
    """Records the chunk's frames (validate writes one report, no frames)."""
    for i, f in enumerate(task.frames):
        _ledger(f)
        report(progress, i + 1, len(task.frames), f"frame {f}")


STANDINS: Tuple[Tuple[str, object], ...] = (
    ("matchgrade-apply", standin_matchgrade_apply),
    ("validate", standin_validate),
)


def make_standin_python(folder: Path) -> Path:
    """A shell script to name as the toolkit's interpreter: ``-m restoration_toolkit …`` runs
    with the stand-in stages registered; anything else goes to this interpreter unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "python-standin"
    real = shlex.quote(sys.executable)
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "restoration_toolkit" ]; then\n'
        f'  shift 2; exec {real} -m {__name__} "$@"\nfi\n'
        f'exec {real} "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


RUNNER_LEDGER = "RTK_RUNNER_LEDGER"


def _logged(stage: str, runner, ledger: str):
    def run(task, progress: ProgressFn) -> None:
        with open(ledger, "a", encoding="utf-8") as handle:
            handle.write(f"{stage} --frames {task.frame_list}\n")
        runner(task, progress)

    return run


def main(argv: List[str]) -> int:
    """``rtk`` with the stand-in stages registered (and every runner call logged when
    ``RTK_RUNNER_LEDGER`` names a file)."""
    from ..cli import main as rtk
    from ..farm.runners import TOOLKIT_STAGES, get_runner, register_runner

    standins = dict(STANDINS)
    ledger = os.environ.get(RUNNER_LEDGER)
    for stage in TOOLKIT_STAGES:
        runner = standins.get(stage) or get_runner(stage)
        register_runner(stage, _logged(stage, runner, ledger) if ledger else runner)
    return rtk(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
