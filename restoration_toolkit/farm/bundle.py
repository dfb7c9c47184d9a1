"""Write an OpenJD job bundle for one stage of a restoration project.

A bundle is a folder (the layout AWS Deadline Cloud's ``deadline bundle submit`` and
openjd-cli read):

``template.yaml``          the job template (:mod:`.templates`), validated with openjd-model
``parameter_values.yaml``  ``parameterValues: [{name, value}]`` — the project folder, the
                           toolkit's interpreter, frames, chunk size, the stage's paths
``chunks.txt``             one task per line: its frames (for a farm that speaks no OpenJD)
``commands.sh``            one shell line per task, the exact ``rtk farm task`` it runs
``rtk_bundle.json``        what the toolkit needs to run / report it (stage, tasks, frames)

Everything is checked before anything is written (stage inputs on disk, frames inside the
sequence, chunk size); the folder is written under a hidden temporary name and renamed
when complete, so a failed or interrupted ``rtk farm bundle`` leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from .. import __version__
from ..core.errors import RTKError
from ..core.io.frames import chunk_frames, format_frames, parse_frames
from ..core.io.sequence import is_pattern, open_sequence, split_pattern
from ..core.project import Project, open_project
from .completeness import VERIFY_MODES
from .stages import ALL_OPTIONS, StageSpec, get_stage
from .templates import (
    TASK_PARAM,
    TemplateOptions,
    build_job_template,
    create_job,
    option_flag,
    task_count,
    task_parameter_sets,
)

TEMPLATE_FILE = "template.yaml"
VALUES_FILE = "parameter_values.yaml"
META_FILE = "rtk_bundle.json"
CHUNKS_FILE = "chunks.txt"
COMMANDS_FILE = "commands.sh"
_OPTION_PARAM = {
    "source": "Source",
    "out": "Out",
    "model": "Model",
    "grade": "Grade",
    "script": "Script",
    "node": "Node",
}


@dataclass(frozen=True)
class BundleRequest:
    """What ``rtk farm bundle`` was asked for (paths as given; None → project defaults)."""

    stage: str
    project: Optional[str] = None
    frames: Optional[str] = None
    chunk: int = 50
    options: Mapping[str, Optional[str]] = field(default_factory=dict)
    python: Optional[str] = None
    nuke: Optional[str] = None
    gpu: Optional[bool] = None
    gpu_memory_mib: Optional[int] = None
    task_style: str = "chunk"
    verify: str = "tail"
    name: Optional[str] = None
    chunk_given: bool = True


@dataclass(frozen=True)
class BundlePlan:
    """A checked bundle, ready to write: the template, its parameter values, the chunks."""

    stage: StageSpec
    project: Project
    template: Dict[str, Any]
    values: Dict[str, Any]
    frames: List[int]
    chunks: List[str]  # each task's frames as frame-list text ("1001-1050")
    tasks: int
    gpu: bool


def _abs(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def _nuke_script(script: Path) -> Optional[Any]:
    """The parsed .nk script (restoration_toolkit.nk), or None when it cannot be read."""
    from ..nk import parse_script

    try:
        return parse_script(script.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - an unreadable script is reported by Nuke itself
        return None


def _nuke_write_file(script: Path, node: str) -> Optional[str]:
    """The ``file`` knob of node ``node`` in a .nk script."""
    parsed = _nuke_script(script)
    found = parsed.find(node) if parsed is not None else None
    if found is None:
        return None
    value = str(found.knobs.get("file", "")).strip().strip('"')
    return value or None


def _nuke_script_frames(script: Path) -> Optional[str]:
    """``first-last`` from the script's Root, or None."""
    parsed = _nuke_script(script)
    root = (parsed.root or {}) if parsed is not None else {}
    try:
        return f"{int(str(root['first_frame']))}-{int(str(root['last_frame']))}"
    except (KeyError, ValueError):
        return None


def _stage_values(stage: StageSpec, req: BundleRequest, project: Project) -> Dict[str, str]:
    values: Dict[str, str] = {}
    given = {k: v for k, v in req.options.items() if v not in (None, "")}
    unknown = [k for k in given if k not in stage.options]
    if unknown:
        raise RTKError(
            f"stage {stage.name} takes no {option_flag(unknown[0])} "
            f"(its options: {', '.join(option_flag(o) for o in stage.options) or 'none'})"
        )
    for option in stage.options:
        value = given.get(option)
        if value is None and option in stage.defaults():
            default = stage.defaults()[option].format(name=project.name)
            value = default if option == "node" else str(project.resolve(default))
        if value is None and option == "source":
            value = project.source_spec()
        if value is None and option == "out" and stage.name == "nuke-render":
            continue  # read from the script's Write once the script is known to exist
        if value is None:
            raise RTKError(f"stage {stage.name} needs {option_flag(option)}")
        values[option] = value if option == "node" else _abs(value)
    return values


def _first(text: str) -> int:
    return (
        int(text.split(",")[0].split("-")[0]) if not text.startswith("-") else parse_frames(text)[0]
    )


def _count(text: str) -> int:
    """Frames in a chunk's text; fast for the ``A-B`` OpenJD writes."""
    a, sep, b = text.partition("-")
    if sep and a.isdigit() and b.isdigit():
        return int(b) - int(a) + 1
    return len(parse_frames(text))


def _frames_on_disk(pattern: str) -> List[int]:
    """Frame numbers of ``pattern`` present on disk (the names, as core.sequence.scan_frames
    reads them, without a regular expression per file: a reel folder has 100 000+ names)."""
    directory, prefix, padding, suffix = split_pattern(pattern)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    plen, slen = len(prefix), len(suffix)
    found = []
    for name in names:
        if name.startswith(prefix) and name.endswith(suffix) and len(name) > plen + slen:
            mid = name[plen : len(name) - slen]
            if mid.isdigit() and (len(mid) == padding or (len(mid) > padding and mid[0] != "0")):
                found.append(int(mid))
    found.sort()
    return found


def _available_frames(
    stage: StageSpec, values: Mapping[str, str], project: Project
) -> Optional[List[int]]:
    """Frames the stage can run on (its source sequence on disk), or None if unknown."""
    source = values.get("source") or (
        project.source_spec() if stage.name in ("align", "validate") else None
    )
    if not source:
        return None
    if not is_pattern(source.split(" ")[0]):
        raise RTKError(
            f"stage {stage.name} needs a frame sequence (name.####.exr) as source", source
        )
    found = _frames_on_disk(source.split(" ")[0])
    if not found:
        open_sequence(source, allow_missing=True)  # raises the toolkit's own "no frames" error
    return found


def plan_bundle(req: BundleRequest) -> BundlePlan:
    """Check a request against the project and build its template and values.

    Raises RTKError (one line) for a chunk size below 1, frames outside the sequence, a
    stage input that is missing, or a template openjd-model refuses.
    """
    stage = get_stage(req.stage)
    if req.chunk < 1:
        raise RTKError(f"chunk size must be at least 1, got {req.chunk}")
    if req.verify not in VERIFY_MODES:
        raise RTKError(f"--verify must be one of {', '.join(VERIFY_MODES)}")
    project = open_project(req.project)
    values = _stage_values(stage, req, project)
    for option in stage.required_inputs:
        if not Path(values[option]).is_file():
            raise RTKError(f"input of stage {stage.name} is missing (--{option})", values[option])
    if stage.name == "align" and not project.pairs_file.is_file():
        raise RTKError(
            "input of stage align is missing: no pairs.yaml (run `rtk curate` first)",
            project.pairs_file,
        )
    if stage.name == "nuke-render" and not values.get("out"):
        written = _nuke_write_file(Path(values["script"]), values["node"])
        if written:
            values["out"] = _abs(written)
    if stage.name == "nuke-render" and not values.get("out"):
        raise RTKError(
            f"cannot tell what {values.get('node')} writes: give --output PATTERN", values["script"]
        )
    available = _available_frames(stage, values, project) if stage.chunked else None
    if stage.chunked:
        if req.frames:
            frames = parse_frames(req.frames)
        elif stage.name == "align":
            from ..core.curation.pairs import load_pairs

            frames = sorted({p.scan_frame for p in load_pairs(project.pairs_file).pairs})
        elif stage.name == "validate":
            # rtk validate's own default: the held-out frames of pairs.yaml (it refuses
            # training frames, so "every frame of the scan" would fail)
            from ..core.curation.pairs import load_pairs

            if not project.pairs_file.is_file():
                raise RTKError(
                    "input of stage validate is missing: no pairs.yaml to take the "
                    "held-out frames from (or give --frames)",
                    project.pairs_file,
                )
            frames = sorted(set(load_pairs(project.pairs_file).holdout))
            if not frames:
                raise RTKError(
                    "pairs.yaml has no held-out frames to validate (give --frames)",
                    project.pairs_file,
                )
        elif available:
            frames = available
        elif stage.name == "nuke-render" and _nuke_script_frames(Path(values["script"])):
            frames = parse_frames(_nuke_script_frames(Path(values["script"])) or "")
        elif project.source.frames:
            frames = parse_frames(project.source.frames)
        else:
            raise RTKError(f"no frames for stage {stage.name}: give --frames A-B")
        if available is not None:
            if not available:
                raise RTKError(
                    f"input of stage {stage.name} is missing: no source frames on disk",
                    values.get("source") or project.source_spec(),
                )
            have = set(available)
            outside = [f for f in frames if f not in have]
            if outside:
                raise RTKError(
                    f"frames {format_frames(outside)} are outside the sequence "
                    f"({format_frames(available)} on disk)",
                    values.get("source") or project.source_spec(),
                )
        if not frames:
            raise RTKError(f"no frames for stage {stage.name}")
        if req.chunk_given is False and stage.name == "validate":
            req = replace(req, chunk=len(frames))  # one report: one task unless asked
        chunks = (
            []
            if req.task_style == "chunk"
            else [format_frames(c) for c in chunk_frames(frames, req.chunk)]
        )
    else:
        frames, chunks = [1], ["1"]
    gpu = stage.gpu_default if req.gpu is None else bool(req.gpu)
    name = req.name or f"rtk {stage.name} {project.name}" + (
        f" {frames[0]}-{frames[-1]}" if stage.chunked else ""
    )
    options = TemplateOptions(
        gpu=gpu,
        gpu_memory_mib=req.gpu_memory_mib,
        task_style=req.task_style,
        chunk_starts=[_first(c) for c in chunks] if req.task_style == "int" else (),
        job_name=name,
        verify=req.verify,
    )
    template = build_job_template(stage, options)
    job_values: Dict[str, Any] = {
        "ProjectDir": str(project.root),
        "Python": _abs(req.python) if req.python else sys.executable,
    }
    if stage.name.startswith("nuke-"):
        job_values["Nuke"] = req.nuke or "nuke"
    if stage.chunked:
        job_values["Frames"] = format_frames(frames)
        job_values["ChunkSize"] = int(req.chunk)
    for option, value in values.items():
        job_values[_OPTION_PARAM[option]] = value
    job = create_job(template, job_values, project.root)
    if req.task_style == "chunk" and stage.chunked:
        # OpenJD forms the chunks (balanced, at most ChunkSize frames, never across a gap):
        # list them as the farm will run them.
        chunks = [t[TASK_PARAM] for t in task_parameter_sets(job)]
        if sum(_count(c) for c in chunks) != len(frames):
            raise RTKError("openjd-model's chunks do not cover the frames exactly once")
        count = len(chunks)
    else:
        count = task_count(job)
    return BundlePlan(stage, project, template, job_values, frames, chunks, count, gpu)


def _values_document(values: Mapping[str, Any]) -> Dict[str, Any]:
    return {"parameterValues": [{"name": k, "value": v} for k, v in values.items()]}


def _commands_text(plan: BundlePlan) -> str:
    """One shell line per task: the same ``rtk farm task`` the OpenJD template runs."""
    v = plan.values
    base = [
        v["Python"],
        "-m",
        "restoration_toolkit",
        "farm",
        "task",
        "--stage",
        plan.stage.name,
        "--project",
        v["ProjectDir"],
        "--python",
        v["Python"],
    ]
    if "Nuke" in v:
        base += ["--nuke", v["Nuke"]]
    for option in plan.stage.options:
        base += [option_flag(option), str(v[_OPTION_PARAM[option]])]
    if plan.gpu:
        base.append("--gpu")
    head = shlex.join(base)
    lines = [
        "#!/bin/sh",
        "# One line per task of this bundle; each is resumable and safe to re-run.",
        "set -e",
    ]
    if plan.stage.chunked:
        lines += [f"{head} --frames {c}" for c in plan.chunks]
    else:
        lines.append(head)
    return "\n".join(lines) + "\n"


def write_bundle(plan: BundlePlan, out_dir: Path, *, overwrite: bool = False) -> Path:
    """Write the bundle folder atomically (hidden temporary folder, then rename)."""
    out = Path(out_dir).absolute()
    if out.exists() and not out.is_dir():
        raise RTKError("bundle destination exists and is not a folder", out)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise RTKError("bundle folder exists and is not empty (use --overwrite)", out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.rtk-tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        (tmp / TEMPLATE_FILE).write_text(
            yaml.safe_dump(plan.template, sort_keys=False, allow_unicode=True, width=1000),
            encoding="utf-8",
        )
        (tmp / VALUES_FILE).write_text(
            yaml.safe_dump(
                _values_document(plan.values), sort_keys=False, allow_unicode=True, width=1000
            ),
            encoding="utf-8",
        )
        (tmp / CHUNKS_FILE).write_text("".join(c + "\n" for c in plan.chunks), encoding="utf-8")
        commands = tmp / COMMANDS_FILE
        commands.write_text(_commands_text(plan), encoding="utf-8")
        commands.chmod(0o755)
        meta = {
            "schema": "rtk-farm-bundle-1",
            "toolkit_version": __version__,
            "stage": plan.stage.name,
            "project": str(plan.project.root),
            "frames": str(plan.values.get("Frames", "1")),
            "frame_count": len(plan.frames),
            "chunk_size": int(plan.values.get("ChunkSize", 1)),
            "tasks": plan.tasks,
            "gpu": plan.gpu,
            "task_parameter": TASK_PARAM,
        }
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            trash = out.parent / f".{out.name}.rtk-old-{os.getpid()}"
            os.replace(out, trash)
            os.replace(tmp, out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def load_bundle(bundle_dir: Path) -> tuple:
    """(template dict, {parameter: value}) of a bundle folder; RTKError if it is not one."""
    folder = Path(bundle_dir)
    template_path = folder / TEMPLATE_FILE
    if not template_path.is_file():
        raise RTKError(f"not a job bundle (no {TEMPLATE_FILE})", folder)
    try:
        template = yaml.safe_load(template_path.read_text(encoding="utf-8"))
        values_doc = (
            yaml.safe_load((folder / VALUES_FILE).read_text(encoding="utf-8"))
            if (folder / VALUES_FILE).is_file()
            else {}
        )
    except yaml.YAMLError:
        raise RTKError("bundle file is not valid YAML", folder) from None
    values = {}
    for item in (values_doc or {}).get("parameterValues", []) or []:
        name = str(item.get("name", ""))
        if name and ":" not in name:  # skip submitter keys such as deadline:priority
            values[name] = item.get("value")
    return template, values


__all__ = [
    "BundleRequest",
    "BundlePlan",
    "plan_bundle",
    "write_bundle",
    "load_bundle",
    "task_parameter_sets",
    "ALL_OPTIONS",
]
