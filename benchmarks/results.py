"""Where every benchmark's figures go: ``docs/benchmarks/<name>.json`` (the numbers, written
by the script at run time) and ``docs/benchmarks/<name>.md`` (the table, rendered from that
JSON). :func:`write_results` refuses a table with a number that is not in its JSON, and a
test checks the same for every table in ``docs/benchmarks/``, so no figure in the docs is
typed by hand. The machine description is read at run time; the experiment-log entry of a
run is written by the script itself (:func:`log_benchmark`).

The spread helpers every benchmark uses (``spread``, ``pm``, ``differs``) and the number
check live in :mod:`restoration_toolkit.testing.figures`, shared with the tests.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from restoration_toolkit.testing.figures import (  # noqa: E402
    differs,
    headline_figures,
    missing_numbers,
    pm,
    spread,
)
from restoration_toolkit.testing.provenance import code_commit  # noqa: E402

#: the helpers the benchmark scripts import from here (defined in restoration_toolkit.testing)
__all__ = [
    "differs",
    "missing_numbers",
    "pm",
    "spread",
    "machine",
    "machine_line",
    "write_results",
    "keep_data",
    "log_benchmark",
    "log_run",
    "headline_figures",
    "command_line",
]

DOCS = ROOT / "docs" / "benchmarks"
#: the project name benchmark entries carry in notes/experiments.md
LOG_PROJECT = "toolkit development"


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
        "commit": code_commit(ROOT),
    }


def machine_line(m: Dict[str, Any]) -> str:
    """One line for the head of a table."""
    load = m["load_average_1_5_15"]
    return (
        f"Machine: {m['cpu']}, {m['cores']} cores, load average {load[0]} (1 min) at the end; "
        f"Python {m['python']}; {m['date']}; commit {m['commit'] or 'uncommitted'}."
    )


def write_results(name: str, data: Dict[str, Any], markdown: str, out_dir: Path = DOCS) -> Path:
    """Write ``<name>.json`` (``data`` plus the machine) and ``<name>.md`` (``markdown``,
    which must be rendered from ``data``), each whole or not at all.

    Raises ValueError, writing nothing, when the Markdown shows a number that is not in
    ``data`` (the check the figures test makes on every table in docs/benchmarks/).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": data.get("machine") or machine(), **data}
    text_json = json.dumps(_finite(payload), indent=1, default=_default) + "\n"
    missing = missing_numbers(markdown, json.loads(text_json))
    if missing:  # keep the run's data: a long benchmark should not be lost to a table bug
        import tempfile

        kept = Path(tempfile.gettempdir()) / f"rtk-bench-{name}.json"
        kept.write_text(text_json, encoding="utf-8")
        raise ValueError(
            f"{name}.md shows numbers that are not in its JSON: {missing[:10]} "
            f"(nothing written to {out_dir}; the data is in {kept})"
        )
    json_path = out_dir / f"{name}.json"
    md_path = out_dir / f"{name}.md"
    for path, text in (
        (json_path, text_json),
        (md_path, markdown if markdown.endswith("\n") else markdown + "\n"),
    ):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return md_path


def keep_data(name: str, data: Dict[str, Any]) -> Path:
    """Save a long run's data before its table is rendered (``<tmp>/rtk-bench-<name>-data.json``)
    so that a bug in the rendering cannot lose the run; the script's ``--render-only`` reads it."""
    import tempfile

    path = Path(tempfile.gettempdir()) / f"rtk-bench-{name}-data.json"
    path.write_text(json.dumps(_finite(data), indent=1, default=_default) + "\n", encoding="utf-8")
    return path


def log_benchmark(
    name: str,
    *,
    stage: str,
    command: Sequence[str],
    parameters: Dict[str, Any],
    figures: Dict[str, Any],
    observations: str,
    log_root: Path = ROOT,
) -> str:
    """Add this run's entry to ``<log_root>/notes/experiments.md`` through the toolkit's
    experiment log (the same API every stage uses); returns the entry id."""
    import socket

    from restoration_toolkit.core.experiment_log import Entry, ExperimentLog, FileRef
    from restoration_toolkit.core.experiment_log.entry import plain_value
    from restoration_toolkit.core.experiment_log.store import default_author

    entry = Entry(
        id="E0000",
        stage=stage,
        author=default_author(),
        host=socket.gethostname(),
        project=LOG_PROJECT,
        parameters=plain_value({"command": " ".join(command), **parameters}),
        figures=plain_value(figures),
        outputs=[FileRef(f"docs/benchmarks/{name}.md"), FileRef(f"docs/benchmarks/{name}.json")],
        observations=observations,
    )
    log = ExperimentLog.for_project(log_root, LOG_PROJECT)
    return log.add(entry).id


def log_run(name: str, stage: str, script: str, argv: Optional[List[str]],
            data: Dict[str, Any], figures: Optional[Dict[str, Any]] = None,
            observations: str = "") -> str:
    """Log a run that just wrote ``docs/benchmarks/<name>``: its command, the machine's commit
    and load, and ``figures`` (default: the scalars of ``data["headline"]``)."""
    m = data.get("machine") or machine()
    return log_benchmark(
        name,
        stage=stage,
        command=command_line(script, argv),
        parameters={"commit": m.get("commit"), "load_average_1min": m["load_average_1_5_15"][0]},
        figures=figures if figures is not None else headline_figures(data.get("headline") or {}),
        observations=observations or f"docs/benchmarks/{name}.md, written by this run",
    )


def command_line(script: str, argv: Optional[List[str]]) -> List[str]:
    """The command as a reader would type it (for the tables and the log)."""
    args = sys.argv[1:] if argv is None else list(argv)
    return ["python", f"benchmarks/{script}", *args]


def _finite(value: Any) -> Any:
    """JSON has no NaN / inf: write them as text (the tables print them as words)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist"):
        return _finite(value.tolist())
    return value


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
