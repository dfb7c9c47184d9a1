"""Comparing and filtering experiments: what changed between two runs, and which runs match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Optional

from ..io.frames import format_frames
from .entry import Entry, normalize_stage, normalize_verdict


@dataclass
class Difference:
    """One compared value: ``section`` is ``field``, ``parameter`` or ``figure``."""

    section: str
    name: str
    a: Any
    b: Any

    @property
    def same(self) -> bool:
        return self.a == self.b


_COMPARED_FIELDS = (
    "stage",
    "shot",
    "technique",
    "model_route",
    "frames",
    "live_area",
    "alignment_path",
    "color_chain",
    "verdict",
)


def compare_entries(a: Entry, b: Entry, *, only_differences: bool = False) -> List[Difference]:
    """Fields, parameters and figures of two entries side by side (missing values are None).

    Figures are compared as recorded (no units converted); frames as compact frame lists.
    """
    rows: List[Difference] = []
    for name in _COMPARED_FIELDS:
        va, vb = getattr(a, name), getattr(b, name)
        if name == "frames":
            va, vb = format_frames(va) if va else None, format_frames(vb) if vb else None
        rows.append(Difference("field", name, va, vb))
    for section, da, db in (
        ("parameter", a.parameters, b.parameters),
        ("figure", a.figures, b.figures),
    ):
        names = list(da) + [k for k in db if k not in da]
        rows += [Difference(section, k, da.get(k), db.get(k)) for k in names]
    if only_differences:
        rows = [r for r in rows if not r.same]
    return rows


def filter_entries(
    entries: Iterable[Entry],
    *,
    stage: Optional[str] = None,
    verdict: Optional[str] = None,
    shot: Optional[str] = None,
    text: Optional[str] = None,
) -> List[Entry]:
    """Entries matching every given criterion; ``text`` is a case-insensitive search in the id,
    shot, author, technique, model route, parameters, figures and prose."""
    stage_name = normalize_stage(stage) if stage else None
    verdict_name = normalize_verdict(verdict) if verdict else None
    needle = text.lower() if text else None
    out = []
    for e in entries:
        if stage_name and e.stage != stage_name:
            continue
        if verdict_name and e.verdict != verdict_name:
            continue
        if shot and e.shot != shot:
            continue
        if needle and needle not in searchable_text(e):
            continue
        out.append(e)
    return out


def searchable_text(entry: Entry) -> str:
    parts = [
        entry.id,
        entry.stage,
        entry.shot or "",
        entry.author,
        entry.technique or "",
        entry.model_route or "",
        entry.verdict,
        entry.observations,
        entry.next_actions,
        entry.notes,
    ]
    parts += [f"{k}={v}" for k, v in entry.parameters.items()]
    parts += [f"{k}={v}" for k, v in entry.figures.items()]
    return " ".join(parts).lower()
