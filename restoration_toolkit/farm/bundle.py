"""Plan an OpenJD job bundle for one stage of a restoration project: check the request
against the project and build the job template, its parameter values and the chunks.

Everything is checked before anything is written (stage inputs on disk, frames inside the
sequence, chunk size); :mod:`.bundle_files` then writes the folder (the layout AWS Deadline
Cloud's ``deadline bundle submit`` and openjd-cli read) under a hidden temporary name and
renames it when complete, so a failed or interrupted ``rtk farm bundle`` leaves nothing.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from ..core.errors import RTKError
from ..core.io.frames import chunk_frames, format_frames, parse_frames
from ..core.io.sequence import is_pattern, open_sequence, spec_path, split_pattern
from ..core.project import Project, open_project
from .bundle_files import OPTION_PARAM, load_bundle, write_bundle
from .completeness import VERIFY_MODES
from .stages import StageSpec, get_stage
from .templates import (
    TASK_PARAM,
    TemplateOptions,
    build_job_template,
    create_job,
    option_flag,
    task_count,
    task_parameter_sets,
)


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
    if not is_pattern(spec_path(source)):
        raise RTKError(
            f"stage {stage.name} needs a frame sequence (name.####.exr) as source", source
        )
    found = _frames_on_disk(spec_path(source))
    if not found:
        open_sequence(source, allow_missing=True)  # raises the toolkit's own "no frames" error
    return found


def _pairs_frames(project: Project, holdout: bool) -> List[int]:
    """The scan frames of pairs.yaml's pairs (align) or its held-out frames (validate)."""
    from ..core.curation.pairs import load_pairs

    stage = "validate" if holdout else "align"
    if not project.pairs_file.is_file():
        raise RTKError(
            f"input of stage {stage} is missing: no pairs.yaml (run `rtk curate` first, "
            "or give --frames)",
            project.pairs_file,
        )
    pairs = load_pairs(project.pairs_file)
    frames = sorted(set(pairs.holdout)) if holdout else sorted({p.scan_frame for p in pairs.pairs})
    if holdout and not frames:
        # rtk validate refuses training frames, so "every frame of the scan" would fail
        raise RTKError(
            "pairs.yaml has no held-out frames to validate (give --frames)", project.pairs_file
        )
    return frames


def _default_frames(
    stage: StageSpec, values: Mapping[str, str], project: Project, available: Optional[List[int]]
) -> List[int]:
    """The frames a stage runs on when none are given."""
    if stage.name in ("align", "validate"):
        return _pairs_frames(project, holdout=stage.name == "validate")
    if available:
        return available
    script_frames = (
        _nuke_script_frames(Path(values["script"])) if stage.name == "nuke-render" else None
    )
    if script_frames:
        return parse_frames(script_frames)
    if project.source.frames:
        return parse_frames(project.source.frames)
    raise RTKError(f"no frames for stage {stage.name}: give --frames A-B")


def _check_frames(
    stage: StageSpec,
    frames: List[int],
    available: Optional[List[int]],
    where: str,
) -> None:
    if available is not None:
        if not available:
            raise RTKError(
                f"input of stage {stage.name} is missing: no source frames on disk", where
            )
        have = set(available)
        outside = [f for f in frames if f not in have]
        if outside:
            raise RTKError(
                f"frames {format_frames(outside)} are outside the sequence "
                f"({format_frames(available)} on disk)",
                where,
            )
    if not frames:
        raise RTKError(f"no frames for stage {stage.name}")


def _check_inputs(stage: StageSpec, values: Dict[str, str], project: Project) -> None:
    """Every required input on disk; a Nuke render's output read from its Write node."""
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
        if not written:
            raise RTKError(
                f"cannot tell what {values.get('node')} writes: give --output PATTERN",
                values["script"],
            )
        values["out"] = _abs(written)


def _job_values(
    stage: StageSpec, req: BundleRequest, project: Project, values: Mapping[str, str], frames
) -> Dict[str, Any]:
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
        job_values[OPTION_PARAM[option]] = value
    return job_values


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
    if req.frames is not None and not req.frames.strip():  # an unset variable, never "all"
        raise RTKError("--frames is empty: give a frame list (1001-1100) or leave it out for all")
    project = open_project(req.project)
    values = _stage_values(stage, req, project)
    _check_inputs(stage, values, project)
    frames, chunks = [1], ["1"]
    if stage.chunked:
        available = _available_frames(stage, values, project)
        frames = parse_frames(req.frames) if req.frames else None
        frames = frames or _default_frames(stage, values, project, available)
        _check_frames(stage, frames, available, values.get("source") or project.source_spec())
        if not req.chunk_given and stage.name == "validate":
            req = replace(req, chunk=len(frames))  # one report: one task unless asked
        chunks = (
            []
            if req.task_style == "chunk"
            else [format_frames(c) for c in chunk_frames(frames, req.chunk)]
        )
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
    job_values = _job_values(stage, req, project, values, frames)
    job = create_job(template, job_values, project.root)
    count = task_count(job)
    if req.task_style == "chunk" and stage.chunked:
        # OpenJD forms the chunks (balanced, at most ChunkSize frames, never across a gap):
        # list them as the farm will run them.
        chunks = [t[TASK_PARAM] for t in task_parameter_sets(job)]
        if sum(_count(c) for c in chunks) != len(frames):
            raise RTKError("openjd-model's chunks do not cover the frames exactly once")
        count = len(chunks)
    return BundlePlan(stage, project, template, job_values, frames, chunks, count, gpu)


__all__ = ["BundleRequest", "BundlePlan", "plan_bundle", "write_bundle", "load_bundle"]
