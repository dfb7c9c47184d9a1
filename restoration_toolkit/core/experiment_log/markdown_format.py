"""``notes/experiments.md``: entries as Markdown a person reads and edits, and back.

Layout of the file::

    # Experiment log — <project>          ← preamble: kept exactly as written
    ...
    ## E0001 · training · shot010 · 2026-11-26 12:40 UTC
    | field | value |  ...                 ← generated from the block
    ### Parameters / ### Figures / ### Inputs / ### Outputs   ← generated
    ### Observations / ### Next actions / ### Notes            ← prose: a person's to edit
    ```rtk-entry
    { ... JSON: every field but the prose ... }
    ```

An entry runs from its ``## E<number>`` heading to the next one. The JSON block is the truth
for every structured field; the three prose sections are read back from the Markdown, so a
person's edits to them survive the next write. Text found after an entry's block (a note
typed at the end of the file) is read as part of that entry's Notes, and moves into the
Notes section when the entry is next changed; entries a write does not change keep their
text exactly as it was. A file this module wrote
parses back to the same entries and renders back to the same text, byte for byte.

Damage (a block that is not JSON, an unclosed block, a heading with no block, a block with no
heading, a duplicate id, a wrong field) is reported per line in ``LogDocument.problems``;
what can be read is still returned.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..io.frames import format_frames
from .entry import PROSE_FIELDS, Entry, EntryProblem, entry_from_machine_dict

FENCE_OPEN = "```rtk-entry"
FENCE_CLOSE = "```"
HEADING = re.compile(r"^## (E\d{4,})(?:\s|$)")
PROSE_HEADINGS = {
    "### Observations": "observations",
    "### Next actions": "next_actions",
    "### Notes": "notes",
}
GENERATED_HEADINGS = ("### Parameters", "### Figures", "### Inputs", "### Outputs")
ALL_HEADINGS = set(PROSE_HEADINGS) | set(GENERATED_HEADINGS)

EDIT_HINT = (
    "<!-- Kept by the Film Restoration Toolkit (`rtk log`, the Experiment Log panel).\n"
    "     Observations, Next actions and Notes are yours to edit here. The tables are\n"
    "     generated from each entry's rtk-entry block: change parameters, figures and\n"
    "     verdicts with `rtk log` or the panel. -->\n"
)


@dataclass
class LogProblem:
    """Something wrong in the file, at a 1-based line number."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class LogDocument:
    """A parsed experiments.md: the preamble text, the entries, and what was wrong."""

    preamble: str
    entries: List[Entry] = field(default_factory=list)
    problems: List[LogProblem] = field(default_factory=list)
    lines: Dict[str, int] = field(default_factory=dict)  # entry id → heading line
    #: entry id → (its text as read, its fields as read): reused while the entry is unchanged
    raw: Dict[str, Tuple[str, str]] = field(default_factory=dict, repr=False)

    def find(self, entry_id: str) -> Optional[Entry]:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None


def default_preamble(project_name: str = "") -> str:
    title = f"# Experiment log — {project_name}" if project_name else "# Experiment log"
    return f"{title}\n\n{EDIT_HINT}\n"


# -- rendering ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False)
    elif value is None:
        text = "—"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def _time(iso: str) -> str:
    return iso.replace("T", " ").replace("Z", " UTC") if iso else "—"


def entry_title(entry: Entry) -> str:
    parts = [entry.id, entry.stage]
    if entry.shot:
        parts.append(entry.shot)
    parts.append(_time(entry.created))
    return " · ".join(parts)


def render_entry(entry: Entry) -> str:
    """One entry's Markdown section, ending in a newline."""
    out: List[str] = [f"## {entry_title(entry)}", ""]
    verdict = entry.verdict + (
        f" (approved by {entry.approved_by}"
        + (f", {_time(entry.verdict_date or '')})" if entry.verdict_date else ")")
        if entry.approved_by
        else ""
    )
    summary: List[Tuple[str, Any]] = [
        ("verdict", verdict),
        ("author", entry.author or None),
        ("project", entry.project or None),
        ("shot", entry.shot),
        ("technique", entry.technique),
        ("model route", entry.model_route),
        ("frames", format_frames(entry.frames) if entry.frames else None),
        (
            "live area",
            "x0 {} y0 {} x1 {} y1 {}".format(*entry.live_area) if entry.live_area else None,
        ),
        ("alignment", entry.alignment_path),
        ("color spaces", " → ".join(entry.color_chain) if entry.color_chain else None),
        ("updated", _time(entry.updated) if entry.updated != entry.created else None),
    ]
    out += ["| field | value |", "|---|---|"]
    out += [f"| {k} | {_cell(v)} |" for k, v in summary if v is not None]
    for heading, values in (("### Parameters", entry.parameters), ("### Figures", entry.figures)):
        if values:
            label = heading[4:].lower()[:-1]
            out += ["", heading, "", f"| {label} | value |", "|---|---|"]
            out += [f"| {_cell(k)} | {_cell(v)} |" for k, v in values.items()]
    for heading, refs in (("### Inputs", entry.inputs), ("### Outputs", entry.outputs)):
        if refs:
            out += ["", heading, ""]
            for ref in refs:
                extra = f" — sha256 `{ref.sha256[:16]}…`" if ref.sha256 else ""
                out.append(f"- `{ref.path}`{extra}")
    for heading, name in PROSE_HEADINGS.items():
        text = getattr(entry, name)
        out += ["", heading] + (["", text] if text else [])
    out += ["", FENCE_OPEN, machine_block(entry), FENCE_CLOSE]
    return "\n".join(out) + "\n"


def machine_block(entry: Entry) -> str:
    """The JSON object of an entry, one field per line (compact values, so a diff of the file
    shows which field changed)."""
    items = [f" {json.dumps(k)}: {_VALUE_JSON.encode(v)}" for k, v in entry.machine_dict().items()]
    return "{\n" + ",\n".join(items) + "\n}"


_VALUE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _fingerprint(entry: Entry) -> str:
    """Everything an entry holds, as one text: equal text, unchanged entry."""
    return _VALUE_JSON.encode([entry.machine_dict()] + [getattr(entry, n) for n in PROSE_FIELDS])


def render_document(doc: LogDocument) -> str:
    """The whole file. The preamble is kept as it is (a blank line is added before the first
    entry when it does not end in one). An entry unchanged since it was parsed keeps its text
    as it was, so a write touches only the entries it changes."""
    preamble = doc.preamble
    if doc.entries:
        if not preamble.endswith("\n"):
            preamble += "\n"
        if preamble.strip() and not preamble.endswith("\n\n"):
            preamble += "\n"
    parts = []
    for entry in doc.entries:
        raw = doc.raw.get(entry.id)
        unchanged = raw is not None and raw[1] == _fingerprint(entry)
        parts.append(raw[0] if unchanged and raw is not None else render_entry(entry))
    return preamble + "\n".join(parts)


# -- parsing --------------------------------------------------------------------------------


def parse_document(text: str) -> LogDocument:
    """Parse experiments.md; never raises for bad content — see ``LogDocument.problems``.

    Windows line endings are read as ``\\n`` (the file is written back with ``\\n``)."""
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if HEADING.match(line)]
    first = starts[0] if starts else len(lines)
    doc = LogDocument(preamble="\n".join(lines[:first]) + ("\n" if starts else ""))
    if not starts:
        doc.preamble = text
    for i, line in enumerate(lines[:first]):
        if line.strip() == FENCE_OPEN:
            doc.problems.append(
                LogProblem(
                    i + 1, "rtk-entry block outside an entry (no '## E0001 …' heading above it)"
                )
            )
    seen: Dict[str, int] = {}
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        chunk = lines[start:end]
        if n + 1 < len(starts) and chunk and chunk[-1] == "":
            chunk = chunk[:-1]  # the blank line between entries
        entry, problem = _parse_entry(chunk, start)
        heading_id = HEADING.match(lines[start]).group(1)  # type: ignore[union-attr]
        if problem is not None:
            doc.problems.append(problem)
            continue
        assert entry is not None
        if entry.id != heading_id:
            doc.problems.append(
                LogProblem(start + 1, f"heading says {heading_id} but its block says {entry.id}")
            )
            continue
        if entry.id in seen:
            doc.problems.append(
                LogProblem(
                    start + 1, f"duplicate entry id {entry.id} (first at line {seen[entry.id]})"
                )
            )
            continue
        seen[entry.id] = start + 1
        doc.lines[entry.id] = start + 1
        doc.entries.append(entry)
        doc.raw[entry.id] = ("\n".join(chunk).rstrip("\n") + "\n", _fingerprint(entry))
    return doc


def _parse_entry(chunk: List[str], offset: int) -> Tuple[Optional[Entry], Optional[LogProblem]]:
    """One entry from its lines (``offset`` = index of its heading in the file)."""
    opens = [i for i, line in enumerate(chunk) if line.strip() == FENCE_OPEN]
    heading_id = chunk[0][3:].split()[0]
    if not opens:
        return None, LogProblem(offset + 1, f"entry {heading_id} has no ```rtk-entry block")
    if len(opens) > 1:
        return None, LogProblem(
            offset + opens[1] + 1, f"entry {heading_id} has a second rtk-entry block"
        )
    open_at = opens[0]
    close_at = next(
        (i for i in range(open_at + 1, len(chunk)) if chunk[i].strip() == FENCE_CLOSE), None
    )
    if close_at is None:
        return None, LogProblem(
            offset + open_at + 1, f"rtk-entry block of {heading_id} is never closed with ```"
        )
    body = "\n".join(chunk[open_at + 1 : close_at])
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        return None, LogProblem(
            offset + open_at + 1 + exc.lineno,
            f"rtk-entry block of {heading_id} is not valid JSON: {exc.msg} (column {exc.colno})",
        )
    prose = _prose_sections(chunk[:open_at])
    trailing = "\n".join(chunk[close_at + 1 :]).strip("\n")
    if trailing:
        prose["notes"] = (prose.get("notes", "").rstrip("\n") + "\n\n" + trailing).strip("\n")
    try:
        entry = entry_from_machine_dict(data, prose)
    except EntryProblem as exc:
        return None, LogProblem(offset + open_at + 1, f"rtk-entry block of {heading_id}: {exc}")
    return entry, None


def _prose_sections(lines: List[str]) -> Dict[str, str]:
    """The text under each prose heading, up to the next known heading."""
    prose: Dict[str, str] = {name: "" for name in PROSE_FIELDS}
    current: Optional[str] = None
    collected: Dict[str, List[str]] = {}
    for line in lines[1:]:
        if line.rstrip() in ALL_HEADINGS:
            current = PROSE_HEADINGS.get(line.rstrip())
            if current is not None:
                collected.setdefault(current, [])
            continue
        if current is not None:
            collected[current].append(line)
    for name, body in collected.items():
        prose[name] = "\n".join(body)
    return prose
