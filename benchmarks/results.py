"""Where every benchmark's figures go: ``docs/benchmarks/<name>.json`` (the numbers, written
by the script at run time) and ``docs/benchmarks/<name>.md`` (the table, rendered from that
JSON). A test checks that every number in a table is in its JSON, so no figure in the docs is
typed by hand. The machine description is read at run time.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks"


def machine() -> Dict[str, Any]:
    """Cores, CPU model, load average, Python and library versions, as measured now."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in load],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": _commit(),
    }


def machine_line(m: Dict[str, Any]) -> str:
    """One line for the head of a table."""
    load = m["load_average_1_5_15"]
    return (
        f"Machine: {m['cpu']}, {m['cores']} cores, load average {load[0]} (1 min) at the end; "
        f"Python {m['python']}; {m['date']}; commit {m['commit'] or 'uncommitted'}."
    )


def _commit() -> Optional[str]:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or None
    except OSError:
        return None


def write_results(name: str, data: Dict[str, Any], markdown: str, out_dir: Path = DOCS) -> Path:
    """Write ``<name>.json`` (``data`` plus the machine) and ``<name>.md`` (``markdown``,
    which must be rendered from ``data``) side by side, each whole or not at all."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": data.get("machine") or machine(), **data}
    json_path = out_dir / f"{name}.json"
    md_path = out_dir / f"{name}.md"
    for path, text in (
        (json_path, json.dumps(payload, indent=1, default=_default) + "\n"),
        (md_path, markdown if markdown.endswith("\n") else markdown + "\n"),
    ):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return md_path


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
