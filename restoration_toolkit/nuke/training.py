"""03 CopyCat Training, in Nuke: build the training graph; train it headless.

``build_training_graph``: with the scan Read (and, for reference techniques, the reference
Read) selected, paste the technique's CopyCat graph — the same graph ``rtk nk train`` writes —
next to the selection in one undo step inside a labelled Backdrop, wired to the selected
Reads; create its data directory, write ``session.yaml`` there and log it.

``train_headless``: train the selected CopyCat node with Nuke in terminal mode through
``rtk nk run-train`` (a subprocess; progress in a ProgressTask; the result in a message).
"""

from __future__ import annotations

from typing import Any, Optional

import nuke
import yaml

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.atomic import atomic_write_text
from ..core.project_lookup import no_project_message
from ..nk import write_script
from ..nk.training_script import training_script
from ..nk.training_settings import project_training_settings
from . import host
from .stage_graphs import (
    REFERENCE_READ,
    SCAN_READ,
    nuke_version,
    paste_and_wire,
    read_raster,
    split_reads,
)

BACKDROP_COLOR = 0x5B4A7AFF
SELECT_MESSAGE = (
    "Select the scan Read{ref} first, then choose Build Training Graph.\n"
    "The graph is built from the project's pairs.yaml ({technique})."
)


def build_training_graph() -> Optional[list]:
    """Paste the CopyCat training graph for the open project, wired to the selected Reads."""
    project = host.current_project()
    if project is None:
        host.message(no_project_message())
        return None
    reads = host.selected_reads()
    needs_reference = project.technique != "color-nonreference"
    scan, reference = split_reads(project, reads)
    if scan is None or (needs_reference and reference is None):
        host.message(
            SELECT_MESSAGE.format(
                ref=" and the reference Read" if needs_reference else "",
                technique=project.technique,
            )
        )
        return None
    try:
        stage = training_script(
            project,
            scan_raster=read_raster(scan),
            settings=project_training_settings(project),
            edition="nknc" if host.non_commercial() else "nk",
            nuke_version=nuke_version(),
        )
        assert stage.data_directory is not None and stage.settings is not None
        text = write_script(stage.script, snippet=True)
        stage.data_directory.mkdir(parents=True, exist_ok=True)
    except (RTKError, OSError) as exc:
        host.message(f"Cannot build the training graph:\n{exc}")
        return None
    label = (
        f"03 CopyCat Training · {stage.technique} · {stage.shot} · "
        f"{stage.data_directory.name} · {len(stage.frames)} pairs"
        + (
            " · reference NOT aligned (run 02 Alignment)"
            if stage.reference_source == "reference"
            else ""
        )
    )
    pasted = paste_and_wire(
        text, label, BACKDROP_COLOR, {SCAN_READ: scan, REFERENCE_READ: reference}
    )
    session = {"built_in": "nuke", **stage.summary()}
    atomic_write_text(
        stage.data_directory / "session.yaml", yaml.safe_dump(session, sort_keys=False)
    )
    log_run(
        project.root,
        stage="training",
        technique=stage.technique,
        shot=stage.shot,
        frames=stage.frames,
        parameters={**session["settings"], "template": stage.template},
        inputs=stage.inputs,
        observations="CopyCat graph built in Nuke" + "".join(f"; {w}" for w in stage.warnings),
        model_route="copycat",
    )
    if stage.warnings:
        host.message("Training graph built. Note:\n" + "\n".join(stage.warnings))
    return pasted


def _selected_copycat() -> Optional[Any]:
    nodes = [n for n in nuke.selectedNodes() if n.Class() == "CopyCat"]
    return nodes[0] if len(nodes) == 1 else None


def train_headless() -> Optional[Any]:
    """Train the selected CopyCat node headless (the script is saved first)."""
    node = _selected_copycat()
    if node is None:
        host.message(
            "Select one CopyCat node (e.g. from Build Training Graph), then choose Train Headless…."
        )
        return None
    try:
        script = nuke.scriptName()
    except RuntimeError:
        host.message("Save the script first: headless training reads it from disk.")
        return None
    nuke.scriptSaveAs(script, overwrite=1)
    from .rtk_process import run_rtk_async

    def done(result: Any, error: Optional[str]) -> None:
        if error:
            host.message(f"CopyCat training stopped:\n{error}")
        elif isinstance(result, dict):
            host.message(
                f"CopyCat training finished.\nModel: {result.get('model')}\n"
                f"Final loss: {result.get('final_loss')} after {result.get('steps_done')} steps"
            )

    args = ["nk", "run-train", script, "--node", node.name(), "--json"]
    project = host.current_project()
    if project is not None:
        args += ["--project", str(project.root)]
    return run_rtk_async(args, f"CopyCat training · {node.name()}", done)
