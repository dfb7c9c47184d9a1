"""Project menu: create, open and show the restoration project this Nuke session works on."""

from __future__ import annotations

import os
from pathlib import Path

import nuke

from ..core.errors import RTKError
from ..core.project import load_project
from ..core.project_lookup import no_project_message
from .host import PROJECT_ENV, current_project, read_path, selected_reads
from .rtk_process import run_rtk_async


def new_project() -> None:
    """Create a project from the selected Reads: the first selected is the scan, a second the
    reference. Asks for the folder; runs `rtk project init` in the background."""
    reads = selected_reads()
    if not reads:
        nuke.message("New Restoration Project: select the scan Read (and the reference Read) first.")
        return
    folder = nuke.getFilename("Folder for the new restoration project")
    if not folder:
        nuke.message("New Restoration Project: no folder chosen, nothing created.")
        return
    args = ["project", "init", folder, "--source", read_path(reads[0]), "--json",
            "--technique", "color-reference" if len(reads) > 1 else "color-nonreference"]
    if len(reads) > 1:
        args += ["--reference", read_path(reads[1])]

    def done(result, error):
        if error:
            nuke.message(f"New Restoration Project: {error}")
            return
        os.environ[PROJECT_ENV] = str(Path(folder).resolve())
        nuke.message(f"Restoration project created in {folder}. Edit project.yaml to record the "
                     "film, the elements and the provenance of every reference.")

    run_rtk_async(args, "Creating restoration project", done)


def open_project() -> None:
    path = nuke.getFilename("Open restoration project", "project.yaml")
    if not path:
        nuke.message("Open Restoration Project: nothing chosen.")
        return
    try:
        project = load_project(path)
    except RTKError as exc:
        nuke.message(f"Open Restoration Project: {exc}")
        return
    os.environ[PROJECT_ENV] = str(project.root)
    nuke.message(f"Working on {project.name} ({project.technique}) in {project.root}")


def show_project() -> None:
    project = current_project()
    if project is None:
        nuke.message(no_project_message())
        return
    ref = project.reference.path if project.reference else "none (non-reference)"
    missing = project.references_without_provenance()
    lines = [
        f"Project: {project.name} — {project.film.get('title', '')} reel {project.film.get('reel', '')}",
        f"Technique: {project.technique}",
        f"Scan: {project.source.path} ({project.source.colorspace})",
        f"Reference: {ref}",
        f"OCIO: {project.color.ocio_config} (working {project.color.working_space})",
        "Provenance: complete" if not missing else f"Provenance MISSING for: {', '.join(missing)}",
    ]
    nuke.message("\n".join(lines))
