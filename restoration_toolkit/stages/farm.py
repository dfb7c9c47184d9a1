"""The render farm as a front end of the stages: write an OpenJD job bundle for a stage, run
a bundle here through OpenJD's own local runner, run one resumable chunk (what each farm task
runs: :mod:`restoration_toolkit.farm.task`, which calls the stage through its runner).

Used by ``rtk farm`` and the Nuke side's Render on Farm.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from ..core.errors import RTKError
from ..core.progress import ProgressFn
from ..farm.bundle import BundleRequest, plan_bundle
from ..farm.bundle_files import write_bundle


def write_job_bundle(
    request: BundleRequest, out: Path, *, overwrite: bool = False
) -> Dict[str, Any]:
    """Check the request against the project, write the bundle folder atomically and say how
    to run it."""
    plan = plan_bundle(request)
    folder = write_bundle(plan, out, overwrite=overwrite)
    return {
        "bundle": str(folder),
        "stage": plan.stage.name,
        "frames": len(plan.frames),
        "tasks": plan.tasks,
        "gpu": plan.gpu,
        "submit": shlex.join(["deadline", "bundle", "submit", str(folder)]),
        "run_locally": shlex.join(["rtk", "farm", "run", str(folder)]),
    }


def path_mapping_rules(path: Optional[str]) -> Optional[List[Dict[str, Any]]]:
    """OpenJD pathmapping-1.0 rules from a JSON file: a list, or {path_mapping_rules: [...]}."""
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RTKError(f"cannot read path mapping rules ({exc})", path) from None
    rules = data.get("path_mapping_rules") if isinstance(data, dict) else data
    if not isinstance(rules, list):
        raise RTKError("path mapping rules must be a list or {path_mapping_rules: [...]}", path)
    return rules


def bundle_task_count(bundle: Path) -> int:
    """How many tasks the bundle's job has (as a farm would create it)."""
    from ..farm.bundle_files import load_bundle
    from ..farm.templates import create_job, task_count

    template, values = load_bundle(bundle)
    return task_count(create_job(template, values, bundle))


def run_job_bundle(
    bundle: Path,
    *,
    workers: int = 1,
    path_mapping: Optional[str] = None,
    log: Optional[Path] = None,
    progress: Optional[ProgressFn] = None,
) -> Dict[str, Any]:
    """Run every task of ``bundle`` here with ``workers`` OpenJD sessions; RTKError with the
    failing worker's error line when a task fails."""
    from ..farm.local import run_bundle

    result = run_bundle(
        bundle,
        workers=workers,
        path_mapping_rules=path_mapping_rules(path_mapping),
        on_progress=progress,
        log=log,
    )
    if not result.ok:
        failed = next(w for w in result.workers if w.returncode != 0)
        line = failed.error or f"worker {failed.index} failed"
        raise RTKError(f"farm run failed (worker {failed.index}): {line}", bundle)
    return {
        "tasks": result.tasks,
        "seconds": round(result.seconds, 3),
        "ok": result.ok,
        "workers": [
            {
                "worker": w.index,
                "chunks": w.chunks,
                "chunks_done": w.chunks_done,
                "returncode": w.returncode,
                "seconds": round(w.seconds, 3),
                "error": w.error,
            }
            for w in result.workers
        ],
    }


@dataclass(frozen=True)
class ChunkRequest:
    """One farm task: a stage, the project, the chunk's frames (or, INT task style, the job's
    frame list with ``chunk_start`` / ``chunk_size``), the stage's option values."""

    stage: str
    project: str
    frames: Optional[str] = None
    chunk_start: Optional[int] = None
    chunk_size: Optional[int] = None
    options: Mapping[str, Optional[str]] = field(default_factory=dict)
    nuke: Optional[str] = None
    gpu: bool = False
    verify: str = "tail"


def run_chunk(request: ChunkRequest, out=sys.stdout):
    """Run the frames of the chunk that are not done yet (raises farm.task.TaskFailed)."""
    from ..farm.stages import get_stage
    from ..farm.task import chunk_frames_for, run_task

    stage = get_stage(request.stage)
    if stage.chunked and not request.frames:
        raise RTKError(f"stage {stage.name} needs --frames")
    frames = (
        chunk_frames_for(request.frames or "", request.chunk_start, request.chunk_size)
        if stage.chunked
        else [1]
    )
    values = {k: v for k, v in request.options.items() if v}
    values["nuke"] = request.nuke or "nuke"
    if "node" not in values and "node" in stage.defaults():
        values["node"] = stage.defaults()["node"]
    project = Path(request.project)
    if not project.is_dir():
        raise RTKError("no such project folder", project)
    return run_task(
        stage, frames, values, project.absolute(), gpu=request.gpu, verify=request.verify, out=out
    )
