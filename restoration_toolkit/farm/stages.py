"""The farm's table of stages: what each stage runs and which files it writes.

One row per stage. The toolkit's stages (align, balance, matchgrade-apply, infer, validate)
run in the task's own process through their runner (:mod:`.runners`, one call into
:mod:`restoration_toolkit.stages`). Nuke's stages have a ``command``: Nuke's terminal mode as
argv with ``{name}`` placeholders filled from the task's options (``{nuke}``, ``{frames}``,
``{script}``, ``{node}``; NUKE_FACTS.md, "Command line"). ``outputs`` are the frame patterns a
task checks to decide which frames are already done: ``{out}`` (the ``--out`` option) or a
path relative to the project folder. A stage with no per-frame output (validation, CopyCat
training) records finished chunks as marker files instead (:mod:`.task`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple

from ..core.errors import RTKError


@dataclass(frozen=True)
class StageSpec:
    """How the farm runs one stage.

    name: the ``--stage`` name.
    command: argv of a Nuke stage, ``{placeholders}`` filled per task; empty for the
        toolkit's stages, which run through their runner (:mod:`.runners`).
    outputs: frame patterns (``####``) whose files prove a frame is done; empty → markers.
    options: the stage options a bundle carries (each becomes a job parameter).
    path_options: those options that are paths (PATH job parameters, path-mapped).
    required_inputs: options whose file must exist when the bundle is written.
    default_options: project-relative defaults for options the user leaves out.
    chunked: False for a stage that runs once (training).
    frame_runs: True when the command takes one contiguous range (``nuke -F A-B``), so a
        chunk with holes runs once per run of missing frames.
    gpu_flag: argv appended before the last argument when a GPU is asked for.
    same_size_as_source: output frames have the source frame's width and height.
    """

    name: str
    command: Tuple[str, ...] = ()
    outputs: Tuple[str, ...] = ()
    options: Tuple[str, ...] = ()
    path_options: Tuple[str, ...] = ()
    required_inputs: Tuple[str, ...] = ()
    default_options: Mapping[str, str] = None  # type: ignore[assignment]
    chunked: bool = True
    frame_runs: bool = False
    gpu_flag: Tuple[str, ...] = ()
    gpu_default: bool = False
    same_size_as_source: bool = False
    help: str = ""

    def defaults(self) -> Mapping[str, str]:
        return self.default_options or {}


STAGES: Dict[str, StageSpec] = {
    s.name: s
    for s in (
        StageSpec(
            "align",
            outputs=(
                "pipeline/02_alignment/aligned.####.exr",
                "pipeline/02_alignment/stmap.####.exr",
                "pipeline/02_alignment/confidence.####.exr",
            ),
            help="stage 02: register the reference onto each scan frame of pairs.yaml",
        ),
        StageSpec(
            "balance",
            outputs=("{out}",),
            options=("source", "out"),
            path_options=("source", "out"),
            default_options={"out": "pipeline/01_dataset_curation/balanced/{name}_BAL_####.exr"},
            same_size_as_source=True,
            help="stage 01: neutral technical pre-balance of the scan",
        ),
        StageSpec(
            "matchgrade-apply",
            outputs=("{out}",),
            options=("grade", "source", "out"),
            path_options=("grade", "source", "out"),
            required_inputs=("grade",),
            default_options={
                "grade": "pipeline/05_matchgrade_render/grade.cube",
                "out": "pipeline/05_matchgrade_render/{name}_MG_####.exr",
            },
            same_size_as_source=True,
            help="stage 05: apply a fitted MatchGrade transform to the whole sequence",
        ),
        StageSpec(
            "infer",
            outputs=("{out}",),
            options=("model", "source", "out"),
            path_options=("model", "source", "out"),
            required_inputs=("model",),
            default_options={
                "model": "pipeline/03_copycat_training/torch/model.pt",
                "out": "pipeline/04_inference_render/{name}_ml_####.exr",
            },
            same_size_as_source=True,
            help="stage 04: run the trained TorchScript model frame by frame",
        ),
        StageSpec(
            "validate",
            help="stage 05: metrics and baselines per frame (chunks recorded as markers)",
        ),
        StageSpec(
            "nuke-render",
            ("{nuke}", "-F", "{frames}", "-X", "{node}", "{script}"),
            outputs=("{out}",),
            options=("script", "node", "out"),
            path_options=("script", "out"),
            required_inputs=("script",),
            default_options={"node": "Write1"},
            frame_runs=True,
            gpu_flag=("--gpu",),
            help="stage 04: render the Write of an inference script with Nuke in terminal mode",
        ),
        StageSpec(
            "nuke-train",
            # no --nukex: farm integrations of CopyCat (Deadline Cloud's adaptor, the Deadline
            # and Conductor submitters) run it on render licences (notes/nuke-facts-nk.md)
            ("{nuke}", "-F", "1", "-X", "{node}", "{script}"),
            options=("script", "node"),
            path_options=("script",),
            required_inputs=("script",),
            default_options={"node": "CopyCat1"},
            chunked=False,
            gpu_flag=("--gpu",),
            gpu_default=True,
            help="stage 03: train CopyCat headless in Nuke terminal mode (one task)",
        ),
    )
}

ALL_OPTIONS = ("source", "out", "model", "grade", "script", "node")


def get_stage(name: str) -> StageSpec:
    """The table row for ``name``; RTKError naming the known stages otherwise."""
    try:
        return STAGES[name]
    except KeyError:
        raise RTKError(f"unknown stage {name!r} (one of {', '.join(STAGES)})") from None


def stage_argv(
    stage: StageSpec, values: Mapping[str, str], frames: str, *, gpu: bool = False
) -> list:
    """The stage's own command line for ``frames`` (a frame-list text such as ``1-10,12``)."""
    fill: Dict[str, str] = {k: str(v) for k, v in values.items() if v is not None}
    fill["frames"] = frames
    argv = []
    for part in stage.command:
        try:
            argv.append(part.format(**fill))
        except KeyError as exc:
            raise RTKError(f"stage {stage.name} needs --{exc.args[0]}") from None
    if gpu and stage.gpu_flag:
        argv[-1:-1] = list(stage.gpu_flag)  # Nuke wants flags before the script
    return argv


def output_patterns(
    stage: StageSpec, values: Mapping[str, Optional[str]], project_dir: str
) -> list:
    """Absolute output frame patterns of ``stage`` for these option values."""
    import os

    patterns = []
    for pattern in stage.outputs:
        if pattern == "{out}":
            out = values.get("out")
            if not out:
                raise RTKError(f"stage {stage.name} needs --output (the output frame pattern)")
            patterns.append(out)
        else:
            patterns.append(os.path.join(project_dir, pattern))
    return patterns
