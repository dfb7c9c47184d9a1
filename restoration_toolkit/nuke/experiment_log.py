"""Experiment Log in Nuke: the dockable panel and "New Entry from Selected Node".

The panel is ``ui.log_panel.LogPanel`` with the Nuke callbacks below (the panel itself never
imports nuke). It is registered with ``nukescripts.panels.registerWidgetAsPanel`` under
``PANEL_ID``, which puts "Experiment Log" in Nuke's Pane menu and lets a saved workspace
restore it; ``register_panel()`` should run at GUI start-up (``restoration_toolkit.nuke.install``)
so that restoring works before the menu entry is first used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import nuke

from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.project_lookup import no_project_message
from .host import current_project, message

PANEL_ID = "uk.co.filmrestorationtoolkit.ExperimentLog"
PANEL_NAME = "Experiment Log"
#: Evaluated by Nuke in its own namespace when it builds or restores the panel, so it imports
#: what it needs itself.
WIDGET_EXPRESSION = (
    "__import__('restoration_toolkit.nuke.experiment_log', "
    "fromlist=['ExperimentLogWidget']).ExperimentLogWidget"
)

# Knobs recorded per node class. CopyCat / Inference / Write / MatchGrade knob names as in
# shared/NUKE_FACTS.md (V: Foundry's references); a knob missing on a node is skipped.
RECORDED_KNOBS: Dict[str, tuple] = {
    "CopyCat": (
        "epochs",
        "modelSize",
        "cropSize",
        "batchSizeType",
        "batchSize",
        "checkpointInterval",
        "imageInterval",
        "useMultiResolutionTraining",
        "isCachingEnabled",
        "useGPUIfAvailable",
        "gpuName",
        "dataDirectory",
    ),
    "Inference": ("modelFile", "useGPUIfAvailable", "halfPrecision", "gpuName"),
    "Write": ("file", "file_type", "datatype", "compression", "colorspace"),
    "MatchGrade": ("matchGradeTask", "analysisType"),
}
STAGE_OF_CLASS = {
    "CopyCat": "training",
    "Inference": "inference",
    "Write": "inference",
    "MatchGrade": "validation",
}
_MAX_UPSTREAM = 200


def _knob(node: Any, name: str) -> Any:
    knob = node.knob(name)
    return None if knob is None else knob.value()


def _upstream_read(node: Optional[Any]) -> Optional[Any]:
    """The first Read above ``node`` following input 0 (None when there is none)."""
    for _ in range(_MAX_UPSTREAM):
        if node is None or node.Class() == "Read":
            return node
        node = node.input(0) if node.inputs() else None
    return None


def read_selected_node() -> Dict[str, Any]:
    """``log_run`` keyword arguments describing the selected CopyCat (or Inference, Write,
    MatchGrade) node: its knobs, the Reads feeding it, the frames of its first input and its
    data directory / model / render as output. RTKError says what to select otherwise."""
    selected = [n for n in nuke.selectedNodes() if n.Class() in RECORDED_KNOBS]
    if not selected:
        raise RTKError(
            "Select a CopyCat node (or an Inference, Write or MatchGrade node) to log "
            "its settings as an experiment."
        )
    node = selected[-1]
    cls = node.Class()
    parameters: Dict[str, Any] = {"node": node.name(), "node_class": cls}
    for name in RECORDED_KNOBS[cls]:
        value = _knob(node, name)
        if value not in (None, ""):
            parameters[name] = value
    inputs: List[Path] = []
    frames: Optional[List[int]] = None
    for index in range(node.inputs()):
        read = _upstream_read(node.input(index))
        if read is None:
            continue
        path = str(_knob(read, "file") or "")
        if path:
            inputs.append(Path(path))
        if frames is None:
            first, last = _knob(read, "first"), _knob(read, "last")
            if isinstance(first, (int, float)) and isinstance(last, (int, float)) and first <= last:
                frames = list(range(int(first), int(last) + 1))
    try:
        inputs.append(Path(nuke.scriptName()))
    except RuntimeError:
        pass  # an untitled script
    outputs = [
        Path(str(v))
        for v in (
            parameters.get("dataDirectory"),
            parameters.get("modelFile"),
            parameters.get("file"),
        )
        if v
    ]
    kwargs: Dict[str, Any] = {
        "stage": STAGE_OF_CLASS[cls],
        "parameters": parameters,
        "inputs": inputs,
        "outputs": outputs,
        "frames": frames,
    }
    if cls in ("CopyCat", "Inference"):
        kwargs["model_route"] = "copycat"
    return kwargs


def _project_root() -> Optional[Path]:
    project = current_project()
    return project.root if project is not None else None


def new_entry_from_selected() -> Optional[str]:
    """Menu: log the selected CopyCat node's settings as a new experiment entry."""
    project = current_project()
    if project is None:
        message(no_project_message("Experiment Log"))
        return None
    try:
        entry_id = log_run(project.root, **read_selected_node())
    except RTKError as exc:
        message(f"Experiment Log: {exc}")
        return None
    message(f"Experiment Log: recorded {entry_id} in {project.experiments_file}")
    return entry_id


def open_output(path: Path) -> None:
    """Panel callback: a model (.cat, or .catnc from Nuke Non-Commercial) comes in as an
    Inference node, anything else as a Read."""
    if path.is_dir():
        raise RTKError("is a folder; choose a render or model file in the Files tab", path)
    undo = nuke.Undo()
    undo.begin(f"Experiment Log: open {path.name}")
    try:
        if path.suffix.lower() in (".cat", ".catnc"):
            nuke.nodes.Inference(modelFile=path.as_posix())
        else:
            nuke.nodes.Read(file=path.as_posix())
    except Exception:
        undo.cancel()
        raise
    undo.end()


def register_panel() -> None:
    """Register the panel with Nuke (Pane menu entry, workspace restoring). Idempotent."""
    import nukescripts

    nukescripts.panels.registerWidgetAsPanel(WIDGET_EXPRESSION, PANEL_NAME, PANEL_ID)


def open_panel() -> Any:
    """Menu: dock the Experiment Log panel next to the Properties bin."""
    import nukescripts

    panel = nukescripts.panels.registerWidgetAsPanel(WIDGET_EXPRESSION, PANEL_NAME, PANEL_ID, True)
    pane = nuke.getPaneFor("Properties.1")
    return panel.addToPane(pane) if pane is not None else panel.addToPane()


def _make_widget_class() -> type:
    from ..ui.log_panel import LogPanel

    class ExperimentLogWidget(LogPanel):
        """The panel with Nuke's callbacks; Nuke constructs it with no arguments."""

        def __init__(self, parent: Any = None) -> None:
            super().__init__(
                root_provider=_project_root,
                node_reader=read_selected_node,
                open_output=open_output,
                parent=parent,
            )

    return ExperimentLogWidget


_widget_class: List[type] = []


def __getattr__(name: str) -> Any:
    """``ExperimentLogWidget`` is made on first use, so importing this module needs no Qt."""
    if name == "ExperimentLogWidget":
        if not _widget_class:
            _widget_class.append(_make_widget_class())
        return _widget_class[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
