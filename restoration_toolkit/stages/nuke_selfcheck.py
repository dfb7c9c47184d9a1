"""The Nuke installation check as a file: ``check.py`` for ``nuke -t check.py [report.json]``.

It holds the check (the text of ``restoration_toolkit/nuke/selfcheck.py``, which imports only
nuke and the standard library) and the plan (``nk.selfcheck_plan``) as JSON, so it runs in
any Nuke — even one where the toolkit is not installed or does not import — and writes the
JSON report an artist sends back. Used by ``rtk nk selfcheck``.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

from ..core.io.atomic import atomic_write_text
from ..core.project import open_project
from ..nk.selfcheck_plan import build_plan

#: The check's source: read as text (never imported here: it imports nuke).
RUNNER = Path(__file__).resolve().parents[1] / "nuke" / "selfcheck.py"
HEADER = (
    "# Film Restoration Toolkit: check this Nuke installation (written by `rtk nk selfcheck`).\n"
    "# Run:  nuke -t check.py [report.json]   — then send the report file it names.\n"
)


@dataclass(frozen=True)
class SelfCheckScript:
    script: Path
    scripts_checked: int
    ocio_config: str

    @property
    def how_to_run(self) -> str:
        return "run it: " + shlex.join(["nuke", "-t", str(self.script), "rtk_selfcheck_report.json"])

    def as_dict(self) -> Dict[str, Any]:
        return {
            "script": self.script.as_posix(),
            "run": self.how_to_run,
            "scripts_checked": self.scripts_checked,
            "ocio_config": self.ocio_config,
        }


def check_script_text(plan: Dict[str, Any]) -> str:
    """check.py: the runner's source, the plan, and the call."""
    runner = RUNNER.read_text(encoding="utf-8")
    data = json.dumps(plan, sort_keys=True)
    return (
        HEADER
        + runner
        + "\n\nPLAN = json.loads("
        + repr(data)
        + ")\n\nsys.exit(main(PLAN, sys.argv[1:]))\n"
    )


def write_check_script(out: Path, project: Optional[str] = None) -> SelfCheckScript:
    """Write ``out`` (check.py); with ``project``, its OCIO config and color spaces are the
    ones checked."""
    plan = build_plan(open_project(project) if project else None)
    atomic_write_text(Path(out), check_script_text(plan))
    return SelfCheckScript(Path(out), len(plan["scripts"]), plan["ocio"]["config"])
