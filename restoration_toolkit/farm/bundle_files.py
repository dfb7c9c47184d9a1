"""The job bundle on disk: write a checked :class:`~.bundle.BundlePlan` as a folder
atomically, and read a bundle folder back.

``template.yaml``          the job template (:mod:`.templates`), validated with openjd-model
``parameter_values.yaml``  ``parameterValues: [{name, value}]`` — the project folder, the
                           toolkit's interpreter, frames, chunk size, the stage's paths
``chunks.txt``             one task per line: its frames (for a farm that speaks no OpenJD)
``commands.sh``            one shell line per task, the exact ``rtk farm task`` it runs
``rtk_bundle.json``        what the toolkit needs to run / report it (stage, tasks, frames)
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Mapping, Tuple

import yaml

from .. import __version__
from ..core.errors import RTKError
from .templates import TASK_PARAM, option_flag

if TYPE_CHECKING:
    from .bundle import BundlePlan

TEMPLATE_FILE = "template.yaml"
VALUES_FILE = "parameter_values.yaml"
META_FILE = "rtk_bundle.json"
CHUNKS_FILE = "chunks.txt"
COMMANDS_FILE = "commands.sh"
# stage option → job parameter
OPTION_PARAM = {
    "source": "Source",
    "out": "Out",
    "model": "Model",
    "grade": "Grade",
    "script": "Script",
    "node": "Node",
}


def _values_document(values: Mapping[str, Any]) -> Dict[str, Any]:
    return {"parameterValues": [{"name": k, "value": v} for k, v in values.items()]}


def _commands_text(plan: "BundlePlan") -> str:
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
    ]
    if "Nuke" in v:
        base += ["--nuke", v["Nuke"]]
    for option in plan.stage.options:
        base += [option_flag(option), str(v[OPTION_PARAM[option]])]
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


def write_bundle(plan: "BundlePlan", out_dir: Path, *, overwrite: bool = False) -> Path:
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


def load_bundle(bundle_dir: Path) -> Tuple[Dict[str, Any], Dict[str, Any]]:
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
