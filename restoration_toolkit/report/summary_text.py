"""The validation summary as plain text for a terminal: one row per metric, one column per
candidate, the best per row starred, then the outlier frames and where the report is."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from ..core.validation.evaluate import METRICS


def _cell(value: Optional[float]) -> str:
    if value is None or value != value:
        return "—"
    return "inf" if value == float("inf") else f"{value:.3f}"


def summary_lines(
    summary: Dict[str, Dict[str, float]],
    best: Dict[str, Optional[str]],
    outliers: Sequence[Dict[str, Any]],
    curate_command: Optional[str],
    entry_id: Optional[str],
    html: Path,
) -> List[str]:
    """The lines `rtk validate` prints."""
    names = list(summary)
    width = max(len(v[0]) for v in METRICS.values())
    col = max(10, *(len(n) + 1 for n in names))
    lines = [f"{'':{width}}  " + "  ".join(f"{n:>{col}}" for n in names)]
    for key, (label, _) in METRICS.items():
        cells = []
        for n in names:
            mark = "*" if best.get(key) == n else " "
            cells.append(f"{_cell(summary[n].get(key)) + mark:>{col}}")
        lines.append(f"{label:{width}}  " + "  ".join(cells))
    lines.append("(* best per row)")
    if outliers:
        lines.append(f"\noutliers ({len(outliers)}):")
        lines += [f"  frame {o['frame']:>6}  {o['kind']:<10} {o['why']}" for o in outliers]
        lines.append(f"\nfeed them back:  {curate_command}")
    else:
        lines.append("\nno outlier frames")
    if entry_id:
        lines.append(f"experiment-log entry {entry_id}")
    lines.append(f"report: {html}")
    return lines
