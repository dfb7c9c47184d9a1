"""Stage 03 with CopyCat: write the training script of a project (the data directory, its
``session.yaml``, the log entry) and, where Nuke is installed, train it headless.

Outputs: the script (``pipeline/03_copycat_training/train_<shot>_session_<n>.nk`` unless told),
``<shot>/session_<n>/session.yaml``; after a headless run the ``Training_*.cat`` (``.catnc``
in Non-Commercial) CopyCat writes there and ``rtk_loss_curve.csv``. Used by ``rtk nk train``
and ``rtk nk run-train`` (the Nuke menu's Train Headless runs the latter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.atomic import atomic_write_text
from ..core.progress import ProgressFn
from ..core.project import Project, open_project
from ..nk import NkSyntaxError, parse_script, write_script
from ..nk.headless import NukeRun, find_nuke, train
from ..nk.root_color import DEFAULT_NUKE_VERSION
from ..nk.stage_inputs import StageScript
from ..nk.training_script import training_script
from ..nk.training_settings import SETTING_KEYS, project_training_settings


@dataclass(frozen=True)
class TrainRequest:
    """What a front end asks stage 03 for. ``settings``: CopyCat settings given on the command
    line (keys of ``SETTING_KEYS``; they win over the project's settings.yaml)."""

    project: Optional[str] = None
    technique: Optional[str] = None
    shot: Optional[str] = None
    step: int = 1
    step1_model: Optional[Path] = None
    settings: Dict[str, Any] = field(default_factory=dict)
    overlap_box: Optional[Tuple[int, int, int, int]] = None
    target_size: Optional[Tuple[int, int]] = None
    resize_filter: str = "Lanczos4"
    out: Optional[Path] = None
    non_commercial: bool = False
    template: Optional[Path] = None
    nuke_version: int = DEFAULT_NUKE_VERSION
    nuke_ocio_config: Optional[str] = None
    run: bool = False
    nuke: Optional[str] = None
    gpu: bool = True
    nukex: bool = False
    log: bool = True


@dataclass
class TrainOutcome:
    script: Path
    stage: StageScript
    log_entry: Optional[str] = None
    run: Optional[NukeRun] = None
    nuke: Optional[Path] = None

    def as_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"script": self.script.as_posix(), **self.stage.summary()}
        out["log_entry"] = self.log_entry
        if self.run is not None:
            out.update(_run_figures(self.run, self.stage.data_directory))
        return out


def _run_figures(run: NukeRun, data_directory: Optional[Path]) -> Dict[str, Any]:
    return {
        "model": str(run.model) if run.model else None,
        "final_loss": run.final_loss,
        "steps_done": run.steps_done,
        "total_steps": run.total_steps,
        "loss_curve": (data_directory / "rtk_loss_curve.csv").as_posix()
        if data_directory
        else None,
    }


def _settings(project: Project, given: Dict[str, Any]) -> Dict[str, Any]:
    unknown = sorted(set(given) - set(SETTING_KEYS))
    if unknown:
        raise RTKError(f"unknown training settings {', '.join(unknown)}")
    merged = project_training_settings(project)
    merged.update({k: v for k, v in given.items() if v is not None})
    return merged


def _log_parameters(stage: StageScript) -> Dict[str, Any]:
    return {
        **(stage.summary()["settings"] or {}),
        "template": stage.template,
        "edition": stage.edition,
        "ocio_config": stage.ocio_config,
        "data_directory": str(stage.data_directory),
    }


def write_training(request: TrainRequest, progress: Optional[ProgressFn] = None) -> TrainOutcome:
    """Build and write the training script; with ``request.run`` train it headless too.
    Nothing is written when the inputs are wrong."""
    project = open_project(request.project)
    edition = "nknc" if request.non_commercial else "nk"
    stage = training_script(
        project,
        technique=request.technique,
        shot=request.shot,
        step=request.step,
        edition=edition,
        template_path=request.template,
        settings=_settings(project, request.settings),
        step1_model=request.step1_model,
        overlap_box=request.overlap_box,
        target_size=request.target_size,
        resize_filter=request.resize_filter,
        nuke_version=request.nuke_version,
        nuke_config=request.nuke_ocio_config,
    )
    assert stage.data_directory is not None and stage.settings is not None
    nuke = find_nuke(request.nuke) if request.run else None  # before anything is written
    out = request.out or project.stage_dir(3) / (
        f"train_{stage.shot}_{stage.data_directory.name}.{edition}"
    )
    stage.data_directory.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, write_script(stage.script))
    session = {"script": out.as_posix(), **stage.summary()}
    atomic_write_text(
        stage.data_directory / "session.yaml", yaml.safe_dump(session, sort_keys=False)
    )
    outcome = TrainOutcome(out, stage, nuke=nuke)
    if request.log:
        outcome.log_entry = log_run(
            project.root,
            stage="training",
            technique=stage.technique,
            shot=stage.shot,
            frames=stage.frames,
            parameters=_log_parameters(stage),
            inputs=stage.inputs,
            outputs=[out],
            observations=f"CopyCat script written from {stage.template}"
            + ("; training started headless" if request.run else "; not run yet"),
            model_route="copycat",
        )
    if nuke is not None:
        outcome.run = _train_and_log(project, outcome, request, nuke, progress)
    return outcome


def _train_and_log(
    project: Project,
    outcome: TrainOutcome,
    request: TrainRequest,
    nuke: Path,
    progress: Optional[ProgressFn],
) -> NukeRun:
    stage = outcome.stage
    assert stage.data_directory is not None
    done = train(
        nuke,
        outcome.script,
        stage.executable_node,
        stage.data_directory,
        gpu=request.gpu,
        nukex=request.nukex,
        progress=progress,
    )
    if request.log:
        curve = stage.data_directory / "rtk_loss_curve.csv"
        log_run(
            project.root,
            stage="training",
            technique=stage.technique,
            shot=stage.shot,
            frames=stage.frames,
            parameters=_log_parameters(stage),
            figures={
                "final_loss": done.final_loss,
                "steps": done.steps_done,
                "total_steps": done.total_steps,
            },
            inputs=stage.inputs,
            outputs=[outcome.script, curve] + ([done.model] if done.model else []),
            observations=f"trained headless with {nuke.name}; newest model "
            f"{done.model.name if done.model else 'none written'}",
            model_route="copycat",
            entry_id=outcome.log_entry,
        )
    return done


# -- an existing script (the Nuke menu's Train Headless) ---------------------------------------


@dataclass(frozen=True)
class RunTrainRequest:
    script: Path
    node: str = "CopyCat1"
    nuke: Optional[str] = None
    gpu: bool = True
    nukex: bool = False
    project: Optional[str] = None
    log: bool = True


def copycat_data_directory(script: Path, node: str) -> Path:
    """The ``dataDirectory`` of CopyCat ``node`` in a saved script (read with nk's parser)."""
    if not script.is_file():
        raise RTKError("no such script", script)
    try:
        parsed = parse_script(script.read_text(encoding="utf-8"))
    except (NkSyntaxError, UnicodeDecodeError) as exc:
        raise RTKError(f"not a readable .nk script ({exc})", script) from None
    found = parsed.find(node)
    if found is None or found.cls != "CopyCat":
        raise RTKError(f"no CopyCat node named {node}", script)
    data = str(found.knobs.get("dataDirectory", "")).strip()
    if not data:
        raise RTKError(f"{node} has no data directory", script)
    return Path(data)


def run_training(request: RunTrainRequest, progress: Optional[ProgressFn] = None) -> Dict[str, Any]:
    """Train the CopyCat ``node`` of a saved script headless; log it in the project when one is
    named or found (a script outside any project is trained without a log entry)."""
    data_directory = copycat_data_directory(request.script, request.node)
    nuke = find_nuke(request.nuke)
    data_directory.mkdir(parents=True, exist_ok=True)
    done = train(
        nuke,
        request.script,
        request.node,
        data_directory,
        gpu=request.gpu,
        nukex=request.nukex,
        progress=progress,
    )
    result: Dict[str, Any] = {
        "script": request.script.as_posix(),
        "node": request.node,
        "data_directory": data_directory.as_posix(),
        **_run_figures(done, data_directory),
    }
    project = _project_or_none(request.project) if request.log else None
    if project is not None:
        outputs: List[Path] = [done.model] if done.model else []
        result["log_entry"] = log_run(
            project.root,
            stage="training",
            parameters={"script": result["script"], "node": request.node},
            figures={"final_loss": done.final_loss, "steps": done.steps_done},
            inputs=[request.script],
            outputs=outputs,
            observations="trained headless (rtk nk run-train)",
            model_route="copycat",
        )
    return result


def _project_or_none(folder: Optional[str]) -> Optional[Project]:
    try:
        return open_project(folder)
    except RTKError:
        if folder is not None:
            raise  # a project that was named must exist
        return None
