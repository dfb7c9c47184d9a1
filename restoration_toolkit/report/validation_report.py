"""Write the report folder ``pipeline/05_matchgrade_render/report/``: index.html, report.json,
the plots and pictures, and validation.nk; keep the sign-offs beside it.

The folder is self-contained (every picture sits next to the HTML, no network, the template's
few lines of CSS/JS for the wipe and the toggle) and is built in a hidden temporary folder
that replaces the old report only when complete: a failed run never leaves half a report.

Sign-offs (a human verdict per shot) are kept in ``pipeline/05_matchgrade_render/signoffs.json``
so that rebuilding the report keeps them; each sign-off also rewrites index.html and
report.json in place (atomically).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..core.errors import RTKError
from ..core.io.atomic import atomic_write_text, temporary_folder
from ..core.project import Project
from ..core.validation.evaluate import ValidationResult
from .html import render_html
from .plots import draw_plots, write_pictures
from .report_json import REPORT_SCHEMA, report_data

SIGNOFF_SCHEMA = "rtk-signoffs/1"
SIGNOFF_FILE = "signoffs.json"
NUKE_SCRIPT = "validation.nk"


@dataclass(frozen=True)
class ReportFiles:
    """Where the report went, and its document as written to report.json."""

    folder: Path
    html: Path
    json: Path
    data: Dict[str, Any]


def report_dir(project: Project) -> Path:
    """The project's report folder (its parent holds signoffs.json)."""
    return project.stage_dir(5) / "report"


def load_signoffs(folder: Path) -> List[Dict[str, Any]]:
    """The sign-offs recorded in ``folder/signoffs.json`` (none when there is no file)."""
    path = folder / SIGNOFF_FILE
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise RTKError("not valid JSON", path) from None
    if not isinstance(data, dict) or data.get("schema") != SIGNOFF_SCHEMA:
        raise RTKError(f"not a sign-off file of schema {SIGNOFF_SCHEMA}", path)
    return list(data.get("signoffs") or [])


def _dump(data: Dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _replace_folder(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_report(
    result: ValidationResult,
    out_dir: Path,
    *,
    project: Optional[Project] = None,
    entry_id: Optional[str] = None,
    nuke_script: Optional[str] = None,
) -> ReportFiles:
    """Write the report folder ``out_dir`` for ``result`` (replaced whole, or not at all).
    ``nuke_script``: the text of validation.nk, when there is one."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_folder(out_dir.parent, f".{out_dir.name}.tmp-")  # umask, not 0700
    try:
        plots = draw_plots(result, tmp)
        pictures = write_pictures(result, tmp)
        if nuke_script:
            (tmp / NUKE_SCRIPT).write_text(nuke_script, encoding="utf-8")
        data = report_data(
            result,
            project=project,
            entry_id=entry_id,
            plots=plots,
            pictures=pictures,
            signoffs=load_signoffs(out_dir.parent) if project is not None else [],
            nuke_script=NUKE_SCRIPT if nuke_script else None,
        )
        (tmp / "report.json").write_text(_dump(data), encoding="utf-8")
        (tmp / "index.html").write_text(render_html(data), encoding="utf-8")
        _replace_folder(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ReportFiles(out_dir, out_dir / "index.html", out_dir / "report.json", data)


def load_report(folder: Path) -> Dict[str, Any]:
    """The report.json document of ``folder``; RTKError when there is none, it is not JSON, or
    an older toolkit wrote it (run `rtk validate` again)."""
    path = folder / "report.json"
    if not path.is_file():
        raise RTKError("no validation report yet: run `rtk validate` first", path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise RTKError("not valid JSON", path) from None
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise RTKError(
            f"not a validation report of schema {REPORT_SCHEMA}: run `rtk validate` again", path
        )
    return data


def add_signoff(folder: Path, record: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Append ``record`` to the sign-offs beside ``folder`` and rewrite report.json and
    index.html in place (each atomically). Returns every sign-off."""
    data = load_report(folder)
    signoffs = load_signoffs(folder.parent) + [record]
    atomic_write_text(
        folder.parent / SIGNOFF_FILE, _dump({"schema": SIGNOFF_SCHEMA, "signoffs": signoffs})
    )
    data["signoffs"] = signoffs
    atomic_write_text(folder / "report.json", _dump(data))
    atomic_write_text(folder / "index.html", render_html(data))
    return signoffs
