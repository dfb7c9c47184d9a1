"""Open Job Description job templates for the toolkit's stages, built as plain data.

One job, one step, per stage. Each task is a chunk of frames that runs
``<interpreter> -m restoration_toolkit farm task --stage S --frames <chunk> …`` (the
resumable runner, :mod:`restoration_toolkit.farm.task`), which in turn runs the stage's own
command on the frames not yet done.

Chunking uses OpenJD's ``CHUNK[INT]`` task parameter (the ``TASK_CHUNKING`` extension of
the 2023-09 specification, which AWS Deadline Cloud and openjd-cli/openjd-sessions run):
the frame list is a job parameter and the chunk size is the chunk parameter's
``defaultTaskCount``, so a 130 000-frame reel is a template of a few kilobytes and the
scheduler forms the chunks. For a farm whose OpenJD does not know the extension,
``task_style="int"`` writes the classic form instead: one ``INT`` task parameter holding
each chunk's first frame as a range expression (``1001-130951:50``), the runner working
out the rest of the chunk from the frame list.

Every path (the project folder, the interpreter, sources, outputs, models, scripts) is a
``PATH`` job parameter, so a farm's path mapping (Windows ⇄ Linux ⇄ macOS) rewrites it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from ..core.errors import RTKError
from ..core.io.frames import chunk_frames
from .stages import StageSpec

SPEC_VERSION = "jobtemplate-2023-09"
CHUNK_EXTENSION = "TASK_CHUNKING"
TASK_PARAM = "Frame"
START_PARAM = "ChunkStart"
GPU_AMOUNT = "amount.worker.gpu"
GPU_MEMORY_AMOUNT = "amount.worker.gpu.memory"
TASK_STYLES = ("chunk", "int")

# option name → (job parameter name, objectType, dataFlow, label)
_OPTION_PARAMS: Dict[str, tuple] = {
    "source": ("Source", "FILE", "IN", "Source frames (pattern with ####)"),
    "out": ("Out", "FILE", "OUT", "Output frames (pattern with ####)"),
    "model": ("Model", "FILE", "IN", "Trained model"),
    "grade": ("Grade", "FILE", "IN", "Fitted grade (.cube / .json)"),
    "script": ("Script", "FILE", "IN", "Nuke script"),
}


@dataclass(frozen=True)
class TemplateOptions:
    """What shapes a stage's template (not the values: those go to parameter_values.yaml).

    gpu: ask the farm for a GPU host (``amount.worker.gpu`` ≥ 1) and pass ``--gpu`` to Nuke.
    gpu_memory_mib: minimum GPU memory, MiB (``amount.worker.gpu.memory``), or None.
    task_style: ``"chunk"`` (CHUNK[INT], default) or ``"int"`` (one INT chunk start per task).
    chunk_starts: the first frame of every chunk (``"int"`` style only).
    job_name: the job's name as the farm shows it.
    verify: how the runner checks a finished frame: ``"tail"`` (default), ``"header"``, ``"full"``.
    """

    gpu: bool = False
    gpu_memory_mib: Optional[int] = None
    task_style: str = "chunk"
    chunk_starts: Sequence[int] = ()
    job_name: str = "rtk job"
    verify: str = "tail"


def _param(name: str, kind: str, description: str, **extra: Any) -> Dict[str, Any]:
    d: Dict[str, Any] = {"name": name, "type": kind, "description": description}
    d.update(extra)
    return d


def _path_param(name: str, object_type: str, data_flow: str, label: str) -> Dict[str, Any]:
    control = {"DIRECTORY": "CHOOSE_DIRECTORY", "FILE": "CHOOSE_INPUT_FILE"}[object_type]
    if data_flow == "OUT":
        control = "CHOOSE_OUTPUT_FILE"
    return _param(
        name,
        "PATH",
        label,
        objectType=object_type,
        dataFlow=data_flow,
        userInterface={"control": control, "label": label},
    )


def job_parameter_definitions(stage: StageSpec) -> List[Dict[str, Any]]:
    """The job parameters of a stage's template, in the order a submitter shows them."""
    params = [
        _path_param("ProjectDir", "DIRECTORY", "INOUT", "Restoration project folder"),
        _param(
            "Python",
            "PATH",
            "The toolkit's Python interpreter on the worker",
            objectType="FILE",
            dataFlow="NONE",
            userInterface={"control": "CHOOSE_INPUT_FILE", "label": "Toolkit Python"},
        ),
    ]
    if stage.name.startswith("nuke-"):
        params.append(
            _param(
                "Nuke",
                "PATH",
                "The Nuke executable on the worker",
                objectType="FILE",
                dataFlow="NONE",
                userInterface={"control": "CHOOSE_INPUT_FILE", "label": "Nuke"},
            )
        )
    if stage.chunked:
        params.append(
            _param(
                "Frames",
                "STRING",
                "Frames to process (e.g. 1001-2000,2010-2050)",
                minLength=1,
                userInterface={"control": "LINE_EDIT", "label": "Frames"},
            )
        )
        params.append(
            _param(
                "ChunkSize",
                "INT",
                "Frames per task",
                minValue=1,
                default=50,
                userInterface={"control": "SPIN_BOX", "label": "Frames per task"},
            )
        )
    for option in stage.options:
        if option in _OPTION_PARAMS:
            name, obj, flow, label = _OPTION_PARAMS[option]
            params.append(_path_param(name, obj, flow, label))
        elif option == "node":
            params.append(
                _param(
                    "Node",
                    "STRING",
                    "Node to execute (Write / CopyCat)",
                    minLength=1,
                    userInterface={"control": "LINE_EDIT", "label": "Node"},
                )
            )
    return params


def option_flag(option: str) -> str:
    """The ``rtk farm task`` flag of a stage option (the output pattern is ``--output``)."""
    return "--output" if option == "out" else f"--{option}"


def _task_args(stage: StageSpec, options: TemplateOptions) -> List[str]:
    args = [
        "-m",
        "restoration_toolkit",
        "farm",
        "task",
        "--stage",
        stage.name,
        "--project",
        "{{Param.ProjectDir}}",
    ]
    if stage.chunked:
        if options.task_style == "chunk":
            args += ["--frames", "{{Task.Param." + TASK_PARAM + "}}"]
        else:
            args += [
                "--chunk-start",
                "{{Task.Param." + START_PARAM + "}}",
                "--chunk-size",
                "{{Param.ChunkSize}}",
                "--frames",
                "{{Param.Frames}}",
            ]
    if stage.name.startswith("nuke-"):
        args += ["--nuke", "{{Param.Nuke}}"]
    for option in stage.options:
        if option in _OPTION_PARAMS:
            args += [option_flag(option), "{{Param." + _OPTION_PARAMS[option][0] + "}}"]
        elif option == "node":
            args += ["--node", "{{Param.Node}}"]
    if options.gpu:
        args.append("--gpu")
    if options.verify != "tail":
        args += ["--verify", options.verify]
    return args


def starts_expression(starts: Sequence[int]) -> str:
    """OpenJD range expression for a sorted list of ints, runs of equal steps folded.

    ``[1, 51, 101, 151, 170]`` → ``"1-151:50,170"``.
    """
    values = sorted(set(int(s) for s in starts))
    if not values:
        raise RTKError("no frames to chunk")
    parts: List[str] = []
    i = 0
    while i < len(values):
        j = i
        if i + 1 < len(values):
            step = values[i + 1] - values[i]
            while j + 1 < len(values) and values[j + 1] - values[j] == step:
                j += 1
        if j - i >= 2:
            parts.append(f"{values[i]}-{values[j]}" + (f":{step}" if step != 1 else ""))
            i = j + 1
        else:
            parts.append(str(values[i]))
            i += 1
    return ",".join(parts)


def chunk_starts(frames: Sequence[int], size: int) -> List[int]:
    """First frame of every chunk of ``size`` frames (as :func:`chunk_frames` forms them)."""
    return [c[0] for c in chunk_frames(frames, size)]


def build_job_template(stage: StageSpec, options: TemplateOptions) -> Dict[str, Any]:
    """The job template (a dict ready for YAML) of ``stage``."""
    if options.task_style not in TASK_STYLES:
        raise RTKError(
            f"task style must be one of {', '.join(TASK_STYLES)}, got {options.task_style!r}"
        )
    step: Dict[str, Any] = {"name": stage.name}
    if stage.chunked:
        if options.task_style == "chunk":
            task_param = {
                "name": TASK_PARAM,
                "type": "CHUNK[INT]",
                "range": "{{Param.Frames}}",
                "chunks": {
                    "defaultTaskCount": "{{Param.ChunkSize}}",
                    "rangeConstraint": "CONTIGUOUS",
                },
            }
        else:
            task_param = {
                "name": START_PARAM,
                "type": "INT",
                "range": starts_expression(options.chunk_starts),
            }
        step["parameterSpace"] = {"taskParameterDefinitions": [task_param]}
    if options.gpu:
        amounts: List[Dict[str, Any]] = [{"name": GPU_AMOUNT, "min": 1}]
        if options.gpu_memory_mib:
            amounts.append({"name": GPU_MEMORY_AMOUNT, "min": int(options.gpu_memory_mib)})
        step["hostRequirements"] = {"amounts": amounts}
    step["script"] = {
        "actions": {"onRun": {"command": "{{Param.Python}}", "args": _task_args(stage, options)}}
    }
    template: Dict[str, Any] = {"specificationVersion": SPEC_VERSION}
    if stage.chunked and options.task_style == "chunk":
        template["extensions"] = [CHUNK_EXTENSION]
    template["name"] = options.job_name[:128]
    template["description"] = f"Film Restoration Toolkit: {stage.help}"
    template["parameterDefinitions"] = job_parameter_definitions(stage)
    template["steps"] = [step]
    return template


def validate_job_template(template: Dict[str, Any]) -> Any:
    """Decode ``template`` with openjd-model (raises RTKError with its message if invalid)."""
    from openjd.model import DecodeValidationError, decode_job_template

    try:
        return decode_job_template(template=template, supported_extensions=[CHUNK_EXTENSION])
    except DecodeValidationError as exc:
        raise RTKError(
            "job template does not validate with openjd-model: " + " ".join(str(exc).split())
        ) from None


def create_job(template: Dict[str, Any], values: Dict[str, Any], template_dir: Any) -> Any:
    """The OpenJD job these values make of ``template`` (what a farm would create)."""
    from pathlib import Path

    from openjd.model import DecodeValidationError, preprocess_job_parameters
    from openjd.model import create_job as _create_job

    decoded = validate_job_template(template)
    try:
        params = preprocess_job_parameters(
            job_template=decoded,
            job_parameter_values={k: str(v) for k, v in values.items()},
            job_template_dir=Path(template_dir),
            current_working_dir=Path(template_dir),
        )
        return _create_job(job_template=decoded, job_parameter_values=params)
    except (ValueError, DecodeValidationError) as exc:
        raise RTKError(
            "job parameters do not fit the template: " + " ".join(str(exc).split())
        ) from None


def task_parameter_sets(job: Any) -> List[Dict[str, str]]:
    """Every task of the job's only step, as {parameter: value-text} (chunks as ``A-B``)."""
    from openjd.model import StepParameterSpaceIterator

    step = job.steps[0]
    if step.parameterSpace is None:
        return [{}]
    return [
        {name: str(value.value) for name, value in task.items()}
        for task in StepParameterSpaceIterator(space=step.parameterSpace)
    ]


def task_count(job: Any) -> int:
    """How many tasks the farm will run for the job's step (openjd-model's own count)."""
    from openjd.model import StepParameterSpaceIterator

    step = job.steps[0]
    if step.parameterSpace is None:
        return 1
    return len(StepParameterSpaceIterator(space=step.parameterSpace))
