"""Film Restoration ▸ 02 Alignment: align the two selected Reads (scan, reference).

Runs `rtk align` in a subprocess (the lead's :func:`rtk_process.run_rtk_async`, cancellable,
never on the UI thread), then pastes Read(stmap) + STMap(reference) → aligned reference, the
confidence Read and the live-area Crop inside a Backdrop labelled with the figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

from ..core.errors import RTKError
from ..core.project_lookup import no_project_message
from . import host

SELECT_MESSAGE = (
    "Select two Read nodes: first the scan, then the reference (DVD, telecine, other "
    "element), then choose 02 Alignment ▸ Align Selected Reads."
)
NO_PROJECT_MESSAGE = no_project_message() + "\nAlignment writes into its pipeline/02_alignment."


def _frames(read: Any) -> Optional[str]:
    try:
        first, last = int(read["first"].value()), int(read["last"].value())
    except (NameError, KeyError, TypeError, ValueError):
        return None
    return f"{first}-{last}" if last > first else None


def align_command(scan: Any, reference: Any, out: Path, project_root: Optional[Path]) -> List[str]:
    """The `rtk align` arguments for two Read nodes."""
    args = ["align", host.read_path(scan), host.read_path(reference), "--out", str(out), "--json"]
    scan_frames, ref_frames = _frames(scan), _frames(reference)
    if scan_frames:
        args += ["--frames", scan_frames]
    if ref_frames:
        args += ["--reference-frames", ref_frames]
    if project_root is not None:
        args += ["--project", str(project_root)]
    return args


def build_graph(out: Path, reference_colorspace: Optional[str] = None) -> Optional[list]:
    """Paste the alignment graph for ``out/alignment.json`` (main thread)."""
    from ..nk import write_script
    from ..nk.alignment_graph import BACKDROP_COLOR, alignment_graph

    try:
        graph = alignment_graph(out / "alignment.json", reference_colorspace=reference_colorspace)
    except RTKError as exc:
        host.message(f"Alignment finished but the graph cannot be built:\n{exc}")
        return None
    return host.paste_graph(write_script(graph.script, snippet=True), graph.label, BACKDROP_COLOR)


def align_selected() -> Optional[Any]:
    """Menu command: align the selected scan and reference Reads (see module doc)."""
    reads = host.selected_reads()
    if len(reads) != 2:
        host.message(SELECT_MESSAGE)
        return None
    project = host.current_project()
    if project is None:
        host.message(NO_PROJECT_MESSAGE)
        return None
    scan, reference = reads
    if not host.read_path(scan) or not host.read_path(reference):
        host.message("Both Read nodes need a file. " + SELECT_MESSAGE)
        return None
    out = project.alignment_dir
    colorspace = None
    try:
        colorspace = str(reference["colorspace"].value() or "") or None
    except (NameError, KeyError):
        colorspace = None
    from .rtk_process import run_rtk_async

    def done(result: Any, error: Optional[str]) -> None:
        if error == "cancelled":
            host.message("Alignment cancelled. Frames already written stay in " + str(out))
            return
        if (out / "alignment.json").is_file():
            pasted = build_graph(out, colorspace)
            if error:
                host.message(
                    f"Some frames failed to align (see the Backdrop and {out / 'alignment.json'}):\n{error}"
                )
            return pasted
        host.message(f"Alignment failed:\n{error or 'no result'}")
        return None

    return run_rtk_async(
        align_command(scan, reference, out, project.root),
        f"Aligning {Path(host.read_path(reference)).name} onto {Path(host.read_path(scan)).name}",
        done,
    )
