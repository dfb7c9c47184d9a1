"""The experiment log as plain-text tables for a terminal: the list of entries and two
entries side by side (what `rtk log list` and `rtk log compare` print)."""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

from .compare import Difference
from .entry import Entry


def short(value: Any) -> str:
    """A figure in a table cell: floats to 4 significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _figure(value: Any) -> str:
    """A figure in the one-line list: a series (a loss curve) as its length and last value, so
    a training entry stays one readable line."""
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return f"[{len(value)} values, last {short(value[-1])}]"
    return short(value)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return " → ".join(map(str, value)) if all(isinstance(v, str) for v in value) else str(value)
    return short(value)


def table_lines(rows: Sequence[Tuple[Any, ...]]) -> List[str]:
    """Columns padded to their widest cell, trailing spaces dropped."""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]


def entries_table(entries: Sequence[Entry]) -> List[str]:
    """One line per entry: id, date (UTC), stage, shot, verdict and its first three figures."""
    rows: List[Tuple[Any, ...]] = [("id", "date (UTC)", "stage", "shot", "verdict", "figures")]
    for e in entries:
        figures = ", ".join(f"{k}={_figure(v)}" for k, v in list(e.figures.items())[:3])
        created = e.created[:16].replace("T", " ")
        rows.append((e.id, created, e.stage, e.shot or "", e.verdict, figures))
    return table_lines(rows)


def comparison_table(a: Entry, b: Entry, rows: Sequence[Difference]) -> List[str]:
    """Section, name, the two values and ≠ where they differ."""
    table: List[Tuple[Any, ...]] = [("", "", a.id, b.id, "")]
    for r in rows:
        table.append((r.section, r.name, _cell(r.a), _cell(r.b), "" if r.same else "≠"))
    return table_lines(table)
