"""04 Inference & Render, in Nuke: build the inference graph; render the selected Write.

``build_inference_graph``: with the scan Read selected, ask for the trained ``.cat`` and paste
the graph ``rtk nk inference`` writes (live-area Crop → Inference → recombination → delivery
space → provenance → Write EXR) next to it, in one undo step and a labelled Backdrop.

``render_selected``: render the selected Write frame by frame under a cancellable
ProgressTask (big renders: ``rtk nk inference --chunk`` and the farm).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import nuke

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.project_lookup import no_project_message
from ..nk import write_script
from ..nk.inference_script import inference_script
from . import host
from .stage_graphs import SCAN_READ, nuke_version, paste_and_wire, read_raster, split_reads

BACKDROP_COLOR = 0x3F6A5AFF


def build_inference_graph() -> Optional[list]:
    project = host.current_project()
    if project is None:
        host.message(no_project_message())
        return None
    scan, _ = split_reads(project, host.selected_reads())
    if scan is None:
        host.message("Select the scan Read first, then choose Build Inference Graph.")
        return None
    # the file dialog's pattern: both model kinds (Nuke Non-Commercial's CopyCat writes .catnc)
    model = nuke.getFilename("Trained model (.cat, .catnc)", "*.cat *.catnc")
    if not model:
        host.message(
            "No model chosen: pick the .cat (.catnc in Non-Commercial) CopyCat wrote "
            "(Training_*.cat in the session's data directory)."
        )
        return None
    try:
        stage = inference_script(
            project,
            model=Path(model),
            scan_raster=read_raster(scan),
            edition="nknc" if host.non_commercial() else "nk",
            nuke_version=nuke_version(),
        )
        text = write_script(stage.script, snippet=True)
    except RTKError as exc:
        host.message(f"Cannot build the inference graph:\n{exc}")
        return None
    label = (
        f"04 Inference · {stage.technique} · {Path(model).name} · "
        f"{stage.frames[0]}-{stage.frames[-1]}"
    )
    pasted = paste_and_wire(text, label, BACKDROP_COLOR, {SCAN_READ: scan})
    log_run(
        project.root,
        stage="inference",
        technique=stage.technique,
        shot=stage.shot,
        frames=stage.frames,
        parameters={"model": str(stage.model_file), "edition": stage.edition},
        inputs=stage.inputs,
        outputs=[stage.output_pattern] if stage.output_pattern else [],
        observations="inference graph built in Nuke" + "".join(f"; {w}" for w in stage.warnings),
        model_route="copycat",
    )
    if stage.warnings:
        host.message("Inference graph built. Note:\n" + "\n".join(stage.warnings))
    return pasted


def render_selected() -> Optional[int]:
    """Render the one selected Write over its frame range; returns the frames written."""
    writes = [n for n in nuke.selectedNodes() if n.Class() == "Write"]
    if len(writes) != 1:
        host.message(
            "Select one Write node (e.g. WriteML from Build Inference Graph), then "
            "choose Render Selected Write."
        )
        return None
    write = writes[0]
    if write["use_limit"].value():
        first, last = int(write["first"].value()), int(write["last"].value())
    else:
        first, last = (
            int(nuke.root()["first_frame"].value()),
            int(nuke.root()["last_frame"].value()),
        )
    task = nuke.ProgressTask(f"Rendering {write.name()}")
    done = 0
    total = last - first + 1
    try:
        for frame in range(first, last + 1):
            if task.isCancelled():
                break
            task.setMessage(f"frame {frame} ({done + 1} of {total})")
            nuke.execute(write, frame, frame, 1)
            done += 1
            task.setProgress(int(100 * done / total))
    except RuntimeError as exc:
        host.message(f"Render of {write.name()} stopped at frame {first + done}:\n{exc}")
    finally:
        del task
    if done < total:
        host.message(f"Render of {write.name()} stopped: {done} of {total} frames written.")
    return done
