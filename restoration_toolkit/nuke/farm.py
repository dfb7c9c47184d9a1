"""04 Inference & Render ▸ Render on Farm…: an OpenJD job bundle for the current script's Write.

The bundle is written by ``rtk farm bundle --stage nuke-render`` in a subprocess (openjd-model
need not be installed in Nuke's own Python), into
``pipeline/04_inference_render/farm/<script>_<Write>/``. When it is written the artist sees
the commands to run it — ``deadline bundle submit BUNDLE`` for AWS Deadline Cloud,
``rtk farm run BUNDLE`` on this machine — and, when the Deadline Cloud submitter is
installed in Nuke, its job-bundle submission dialog opens on the bundle.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any, List, Optional

import nuke

from ..core.project_lookup import no_project_message
from . import host
from .rtk_process import RtkJob, run_rtk_async

NO_WRITE = (
    "Render on Farm: select the Write node to render (one Write), then choose "
    "Film Restoration ▸ 04 Inference & Render ▸ Render on Farm… again."
)
UNSAVED = (
    "Render on Farm: save the script first — the farm renders the saved .nk file "
    "(File ▸ Save Comp As… inside the restoration project folder)."
)
NO_PROJECT = no_project_message("Render on Farm")


def _chosen_write() -> Optional[Any]:
    selected = [n for n in nuke.selectedNodes() if n.Class() == "Write"]
    if len(selected) == 1:
        return selected[0]
    if not selected:
        writes = [n for n in nuke.allNodes() if n.Class() == "Write"]
        if len(writes) == 1:
            return writes[0]
    return None


def _frame_range(write: Any) -> str:
    if write["use_limit"].value():
        first, last = int(write["first"].value()), int(write["last"].value())
    else:  # the script's frame range
        first, last = int(nuke.root().firstFrame()), int(nuke.root().lastFrame())
    return f"{first}-{last}"


def _nuke_executable() -> str:
    # nuke.EXE_PATH: the running Nuke binary (H: Foundry's nukescripts render dialog passes it
    # to nuke.executeBackgroundNuke). Nuke's sys.executable is the same binary.
    return str(getattr(nuke, "EXE_PATH", "") or sys.executable)


def bundle_dir_for(project_root: Path, script: str, write_name: str) -> Path:
    return (
        Path(project_root)
        / "pipeline"
        / "04_inference_render"
        / "farm"
        / f"{Path(script).stem}_{write_name}"
    )


def bundle_args(
    *,
    project: Path,
    script: str,
    write: str,
    frames: str,
    output: Optional[str],
    nuke_exe: str,
    gpu: bool,
    bundle: Path,
    chunk: int = 10,
) -> List[str]:
    """The ``rtk farm bundle`` arguments for rendering ``write`` of ``script``."""
    args = [
        "farm",
        "bundle",
        "--stage",
        "nuke-render",
        "--project",
        str(project),
        "--script",
        script,
        "--node",
        write,
        "--frames",
        frames,
        "--chunk",
        str(chunk),
        "--nuke",
        nuke_exe,
        "--out",
        str(bundle),
        "--overwrite",
        "--json",
    ]
    if output and "[" not in output:  # a TCL expression is left to the script itself
        args += ["--output", output]
    if gpu:
        args.append("--gpu")
    return args


def submit_text(result: dict) -> str:
    bundle = result.get("bundle", "")
    return (
        f"Farm job bundle written: {bundle}\n"
        f"{result.get('frames', '?')} frames in {result.get('tasks', '?')} tasks"
        f"{' (GPU hosts)' if result.get('gpu') else ''}.\n\n"
        f"AWS Deadline Cloud:\n    {shlex.join(['deadline', 'bundle', 'submit', str(bundle)])}\n\n"
        "On this machine (OpenJD local runner):\n    "
        f"{shlex.join(['rtk', 'farm', 'run', str(bundle), '--workers', '2'])}\n\n"
        f"Other farms: {bundle}/commands.sh lists one resumable command per chunk."
    )


def _open_deadline_submitter(bundle: str) -> bool:
    """Open Deadline Cloud's job-bundle submitter on ``bundle`` when it is installed."""
    try:
        # deadline-cloud: src/deadline/client/ui/job_bundle_submitter.py
        from deadline.client.ui.job_bundle_submitter import show_job_bundle_submitter
    except ImportError:
        return False
    try:
        show_job_bundle_submitter(input_job_bundle_dir=bundle, browse=False)
    except Exception as exc:  # noqa: BLE001 - the submitter's own failure is shown, not raised
        host.message(f"Render on Farm: the Deadline Cloud submitter failed: {exc}")
        return False
    return True


def _on_done(result: Optional[Any], error: Optional[str]) -> None:
    if error:
        if error != "cancelled":
            host.message(f"Render on Farm: could not write the job bundle.\n{error}")
        return
    if not isinstance(result, dict) or "bundle" not in result:
        host.message(f"Render on Farm: unexpected answer from rtk: {result!r}")
        return
    _open_deadline_submitter(str(result["bundle"]))
    host.message(submit_text(result))


def render_on_farm() -> Optional[RtkJob]:
    """Write the farm bundle for the selected (or only) Write of the saved script."""
    write = _chosen_write()
    if write is None:
        host.message(NO_WRITE)
        return None
    try:
        script = nuke.scriptName()
    except RuntimeError:
        host.message(UNSAVED)
        return None
    project = host.current_project()
    if project is None:
        host.message(NO_PROJECT)
        return None
    gpu = any(n.Class() == "Inference" and n["useGPUIfAvailable"].value() for n in nuke.allNodes())
    args = bundle_args(
        project=project.root,
        script=script,
        write=write.name(),
        frames=_frame_range(write),
        output=str(write["file"].value() or "") or None,
        nuke_exe=_nuke_executable(),
        gpu=gpu,
        bundle=bundle_dir_for(project.root, script, write.name()),
    )
    return run_rtk_async(args, "Render on Farm: writing the job bundle", _on_done)
