"""The Film Restoration menus as data: one row per entry, walked by menus.build_menus.

``function`` is ``"module:function"`` inside ``restoration_toolkit.nuke``; it is imported
when the entry is clicked, so Nuke starts fast and a broken stage cannot break the menu.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

MENU_NAME = "Film Restoration"


@dataclass(frozen=True)
class MenuEntry:
    path: str                # "02 Alignment/Align Selected Reads"
    function: str            # "alignment:align_selected"
    args: Tuple[str, ...] = ()
    tooltip: str = ""
    shortcut: str = ""
    icon: str = ""


STAGE_MENUS = (
    "Project",
    "01 Dataset Curation",
    "02 Alignment",
    "03 CopyCat Training",
    "04 Inference & Render",
    "05 Validation",
    "Experiment Log",
)

MENU_ENTRIES: Tuple[MenuEntry, ...] = (
    MenuEntry("Project/New Restoration Project…", "project:new_project",
              tooltip="Create project.yaml and the five stage folders from the selected scan (and reference) Read"),
    MenuEntry("Project/Open Restoration Project…", "project:open_project",
              tooltip="Choose the project.yaml this Nuke session works on"),
    MenuEntry("Project/Show Project", "project:show_project",
              tooltip="Film, technique, sequences and references of the current project"),
    MenuEntry("01 Dataset Curation/Run Curation (rtk curate)", "curation:run_curate",
              tooltip="Time-sync scan and reference, find shots and pick training pairs"),
    MenuEntry("01 Dataset Curation/Build Pair Streams", "curation:build_pair_streams",
              tooltip="Scan and reference streams with the pairs of pairs.yaml, frame for frame"),
    MenuEntry("01 Dataset Curation/Mark Pair at Current Frame", "curation:mark_pair",
              tooltip="Add the current frame to pairs.yaml as a manual pair"),
    MenuEntry("02 Alignment/Align Selected Reads (scan, reference)", "alignment:align_selected",
              tooltip="Register the reference onto the scan; builds the STMap graph"),
    MenuEntry("02 Alignment/Insert RT_Align", "gizmos:insert_gizmo", ("RT_Align",)),
    MenuEntry("02 Alignment/Insert RT_LiveAreaCrop", "gizmos:insert_gizmo", ("RT_LiveAreaCrop",)),
    MenuEntry("02 Alignment/Insert RT_DamageMask", "gizmos:insert_gizmo", ("RT_DamageMask",)),
    MenuEntry("03 CopyCat Training/Build Training Graph", "training:build_training_graph",
              tooltip="CopyCat graph for the project's technique from the selected scan and reference Reads"),
    MenuEntry("03 CopyCat Training/Train Headless…", "training:train_headless",
              tooltip="Run the selected CopyCat in a Nuke terminal process"),
    MenuEntry("03 CopyCat Training/Insert RT_ChromaGroundTruth", "gizmos:insert_gizmo", ("RT_ChromaGroundTruth",)),
    MenuEntry("03 CopyCat Training/Insert RT_LumaGroundTruth", "gizmos:insert_gizmo", ("RT_LumaGroundTruth",)),
    MenuEntry("04 Inference & Render/Build Inference Graph", "inference:build_inference_graph",
              tooltip="Read → live-area Crop → Inference → recombine → Write for the whole sequence"),
    MenuEntry("04 Inference & Render/Render Selected Write", "inference:render_selected",
              tooltip="Render the selected Write with a progress bar"),
    MenuEntry("04 Inference & Render/Render on Farm…", "farm:render_on_farm",
              tooltip="Write an OpenJD job bundle for the selected Write and show the submit command"),
    MenuEntry("04 Inference & Render/Insert RT_Recombine", "gizmos:insert_gizmo", ("RT_Recombine",)),
    MenuEntry("05 Validation/Build MatchGrade Comparison", "matchgrade:build_matchgrade_comparison",
              tooltip="Nuke MatchGrade (between Lin→Log and Log→Lin) beside the toolkit's fitted LUT"),
    MenuEntry("05 Validation/Build Validation Comparison", "validation:build_validation_comparison",
              tooltip="Model result, scan and traditional baselines side by side with an error view"),
    MenuEntry("05 Validation/Open Validation Report", "validation:open_report",
              tooltip="Open pipeline/05_matchgrade_render/report/index.html"),
    MenuEntry("05 Validation/Insert RT_MatchGrade", "gizmos:insert_gizmo", ("RT_MatchGrade",)),
    MenuEntry("Experiment Log/Open Experiment Log", "experiment_log:open_panel",
              tooltip="The dockable panel over notes/experiments.md"),
    MenuEntry("Experiment Log/New Entry from Selected Node", "experiment_log:new_entry_from_selected",
              tooltip="Record the selected CopyCat (or other stage node) settings as an experiment"),
    MenuEntry("Check Installation", "installation:check_installation",
              tooltip="Paste every template and RT_* tool into this Nuke and report what does not fit (JSON to send back)"),
)

# The Nodes toolbar: RT_* tools, one submenu per stage.
TOOLBAR_GIZMOS: Tuple[Tuple[str, str], ...] = (
    ("02 Alignment", "RT_Align"),
    ("02 Alignment", "RT_LiveAreaCrop"),
    ("02 Alignment", "RT_DamageMask"),
    ("03 CopyCat Training", "RT_ChromaGroundTruth"),
    ("03 CopyCat Training", "RT_LumaGroundTruth"),
    ("04 Inference & Render", "RT_Recombine"),
    ("05 Validation", "RT_MatchGrade"),
)
