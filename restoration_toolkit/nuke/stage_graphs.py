"""What the 03/04 menu commands share: pick the scan / reference Reads, paste a stage graph
and wire it to the Reads the user selected.

The graph is the same one ``rtk nk`` writes (``nk.training_script`` / ``nk.inference_script``),
pasted as a snippet with
``host.paste_graph`` (undo group, placement, Backdrop); the template's own Read nodes are then
replaced by the selected ones, so the graph reads exactly what the artist chose.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

import nuke

from ..core.io.sequence import spec_path
from ..core.project import Project
from ..nk.root_color import DEFAULT_NUKE_VERSION, NUKE_BUILTIN_OCIO
from . import host

SCAN_READ = "ScanRead"
REFERENCE_READ = "ReferenceRead"


def _norm(path: str) -> str:
    return os.path.normcase(os.path.normpath(spec_path(path.replace("%04d", "####"))))


def split_reads(project: Project, reads: List[Any]) -> Tuple[Optional[Any], Optional[Any]]:
    """(scan, reference) among the selected Reads: the one whose file is the project's source
    is the scan; otherwise the first selected is the scan and the next the reference."""
    source = _norm(project.source_spec())
    scan = next((r for r in reads if _norm(host.read_path(r)) == source), None)
    if scan is None and reads:
        scan = reads[0]
    others = [r for r in reads if r is not scan]
    return scan, (others[0] if others else None)


def read_raster(read: Any) -> Tuple[int, int]:
    return int(read.width()), int(read.height())


def nuke_version() -> int:
    """This Nuke's major version when the toolkit knows its built-in OCIO config, else the
    default (the script then names that config; the self-check tells whether it exists)."""
    major = int(getattr(nuke, "NUKE_VERSION_MAJOR", DEFAULT_NUKE_VERSION))
    return major if major in NUKE_BUILTIN_OCIO else DEFAULT_NUKE_VERSION


def paste_and_wire(nk_text: str, label: str, color: int, reads: Dict[str, Any]) -> List[Any]:
    """Paste the graph, then make every node that read a template Read (by name) read the
    selected Read instead and delete the template's copy. Returns the pasted nodes left."""
    pasted = host.paste_graph(nk_text, label, color)
    undo = nuke.Undo()
    undo.begin(f"{label}: use the selected Reads")
    try:
        for template_name, selected in reads.items():
            if selected is None:
                continue
            copies = [
                n for n in pasted if n.Class() == "Read" and n.name().startswith(template_name)
            ]
            for copy in copies:
                name = copy.name()  # Nuke hands out a new wrapper per call: compare names
                for node in pasted:
                    for i in range(node.inputs()):
                        upstream = node.input(i)
                        if upstream is not None and upstream.name() == name:
                            node.setInput(i, selected)
                nuke.delete(copy)
                pasted.remove(copy)
        undo.end()
    except Exception:
        undo.cancel()
        raise
    return pasted
