"""Film Restoration ▸ Check Installation: run the self-check in this Nuke session and write the
JSON report to send back.

The checks are ``selfcheck.run_checks`` (the same code ``nuke -t check.py`` runs); here the
plan is built in-process. The artist's script is left as it was: everything is pasted into a
temporary Group that is deleted, and the Root's OCIO config is read, never changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import nuke

from ..nk.selfcheck_plan import build_plan
from . import host
from .selfcheck import report_lines, run_checks, write_report
from .stage_graphs import nuke_version

REPORT_NAME = "rtk_nuke_selfcheck.json"


def report_path() -> Path:
    """In the open project's notes/ folder, else the home folder."""
    project = host.current_project()
    folder = project.root / "notes" if project is not None else Path.home()
    return folder / REPORT_NAME


def check_installation() -> Optional[Dict[str, Any]]:
    """Menu: check every template and tool in this Nuke; show the summary; write the report."""
    plan = build_plan(host.current_project(), nuke_version())
    undo = nuke.Undo()
    undo.begin("Film Restoration: check installation")
    try:
        report = run_checks(plan, switch_config=False)
    finally:
        undo.end()
    path = write_report(report, str(report_path()))
    lines = report_lines(report)
    shown = lines[:1] + lines[1:-1][:15] + (["…"] if len(lines) > 17 else []) + lines[-1:]
    host.message(
        "\n".join(shown) + f"\n\nReport: {path}\nSend this file with your message (see "
        "docs/troubleshooting.md, 'Checking a Nuke installation')."
    )
    return report
