"""One experiment-log entry: what was run, on what, with which settings, and what came of it.

The fields are the ones restoration teams keep by hand for each experiment of a per-film
model (Bedoya 2024, "Exploring Experimental Machine Learning in Film Restoration": record
every run and its verdict so the team can compare and reproduce). An entry is plain data;
``markdown_format`` turns it into a section of ``notes/experiments.md`` and back.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..errors import RTKError
from ..io.frames import format_frames, parse_frames

#: The workflow stages, in order (the names ``log_run`` accepts).
STAGES = ("dataset_curation", "alignment", "training", "inference", "matchgrade", "validation")
#: Stage numbers as the project folders name them (``pipeline/03_copycat_training`` = 03).
#: Stage 05 is validation (MatchGrade for color, filters for spatial); ``matchgrade`` is also
#: a stage-05 name, given by name.
STAGE_NUMBERS = {
    "01": "dataset_curation",
    "02": "alignment",
    "03": "training",
    "04": "inference",
    "05": "validation",
}
STAGE_ALIASES = {
    "curation": "dataset_curation",
    "curate": "dataset_curation",
    "align": "alignment",
    "train": "training",
    "copycat": "training",
    "infer": "inference",
    "render": "inference",
    "validate": "validation",
}
VERDICTS = ("open", "keep", "reject")
ALIGNMENT_PATHS = ("automatic", "manual")
#: Model routes the toolkit knows; others are accepted as free text.
MODEL_ROUTES = ("copycat", "rtk-train")

_ID = re.compile(r"^E(\d{4,})$")


def normalize_stage(value: str) -> str:
    """``"03"``, ``"3"``, ``"training"``, ``"train"`` → ``"training"``; RTKError otherwise."""
    text = str(value).strip().lower()
    if text.isdigit():
        text = f"{int(text):02d}"
    if text in STAGE_NUMBERS:
        return STAGE_NUMBERS[text]
    text = text.replace("-", "_").replace(" ", "_")
    text = STAGE_ALIASES.get(text, text)
    if text not in STAGES:
        raise RTKError(f"unknown stage {value!r}: give 01..05 or one of {', '.join(STAGES)}")
    return text


def normalize_verdict(value: str) -> str:
    text = str(value).strip().lower()
    if text not in VERDICTS:
        raise RTKError(f"unknown verdict {value!r}: give one of {', '.join(VERDICTS)}")
    return text


def entry_number(entry_id: str) -> int:
    """``"E0012"`` → 12; RTKError for anything that is not an entry id."""
    m = _ID.match(str(entry_id).strip())
    if not m:
        raise RTKError(f"{entry_id!r} is not an entry id (E followed by digits, e.g. E0012)")
    return int(m.group(1))


def format_entry_id(number: int) -> str:
    return f"E{number:04d}"


def now_iso() -> str:
    """The current UTC time, to the second: ``2026-11-26T12:40:00Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_value(value: Any, where: str = "value") -> Any:
    """A JSON-safe copy of ``value``: str / int / float / bool / None, lists and str-keyed dicts.

    Paths become POSIX text, numpy scalars and arrays become Python numbers and lists,
    dataclasses become dicts, sets sorted lists, enums their value, and non-finite floats the
    text ``"nan"`` / ``"inf"`` / ``"-inf"`` (JSON has no such numbers). Anything else is
    recorded as its ``str()`` — logging never fails a run over an odd parameter.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, Enum):
        return plain_value(value.value, where)
    if is_dataclass(value) and not isinstance(value, type):
        return plain_value(asdict(value), where)
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy scalar or array
        return plain_value(value.tolist(), where)
    if isinstance(value, (list, tuple)):
        return [plain_value(v, where) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain_value(v, where) for v in value), key=repr)
    if isinstance(value, dict):
        return {str(k): plain_value(v, f"{where}.{k}") for k, v in value.items()}
    return str(value)


@dataclass
class FileRef:
    """A file an experiment read (with its SHA-256, when it could be hashed) or wrote.

    ``path`` is POSIX text, relative to the project folder when inside it. ``sha256`` is
    None for folders, frame patterns (``####``), missing files and outputs.
    """

    path: str
    sha256: Optional[str] = None
    size: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


@dataclass
class Entry:
    """One experiment.

    ``live_area`` is ``[x0, y0, x1, y1]`` in scan pixels (top-left origin, exclusive), the crop
    the training saw. ``color_chain`` lists the color spaces in the order the images went
    through them (e.g. ``["ACES2065-1", "ACEScg", "sRGB - Display"]``). ``parameters`` and
    ``figures`` are flat name → value maps (figures: loss, ΔE2000, PSNR, SSIM, grain …).
    ``observations``, ``next_actions`` and ``notes`` are prose a person edits in the Markdown.
    """

    id: str
    stage: str
    created: str = field(default_factory=now_iso)
    updated: str = ""
    author: str = ""
    host: str = ""
    project: str = ""
    shot: Optional[str] = None
    technique: Optional[str] = None
    frames: List[int] = field(default_factory=list)
    live_area: Optional[List[int]] = None
    alignment_path: Optional[str] = None
    color_chain: List[str] = field(default_factory=list)
    model_route: Optional[str] = None
    parameters: Dict[str, Any] = field(default_factory=dict)
    figures: Dict[str, Any] = field(default_factory=dict)
    inputs: List[FileRef] = field(default_factory=list)
    outputs: List[FileRef] = field(default_factory=list)
    verdict: str = "open"
    approved_by: Optional[str] = None
    verdict_date: Optional[str] = None
    observations: str = ""
    next_actions: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        self.frames = sorted(set(int(f) for f in self.frames))
        self.observations = clean_prose(self.observations)
        self.next_actions = clean_prose(self.next_actions)
        self.notes = clean_prose(self.notes)
        if not self.updated:
            self.updated = self.created

    @property
    def number(self) -> int:
        return entry_number(self.id)

    # -- the machine-readable part (everything but the prose) ---------------------------
    def machine_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {"schema": "rtk-entry/1"}
        for f in fields(self):
            if f.name in PROSE_FIELDS:
                continue
            value = getattr(self, f.name)
            if f.name in ("inputs", "outputs"):
                value = [r.to_dict() for r in value]
            elif f.name == "frames":
                value = format_frames(value)
            data[f.name] = value
        return data

    def to_dict(self) -> Dict[str, Any]:
        """Every field, JSON-ready (what ``rtk log list --json`` prints)."""
        data = self.machine_dict()
        data.pop("schema")
        data["frames"] = list(self.frames)
        for name in PROSE_FIELDS:
            data[name] = getattr(self, name)
        return data


PROSE_FIELDS = ("observations", "next_actions", "notes")
MACHINE_FIELDS = tuple(f.name for f in fields(Entry) if f.name not in PROSE_FIELDS)


def clean_prose(text: Optional[str]) -> str:
    """Prose as stored: line endings ``\\n``, no trailing spaces, no blank lines around it."""
    if not text:
        return ""
    lines = [
        line.rstrip() for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    return "\n".join(lines).strip("\n")


class EntryProblem(ValueError):
    """A field of a machine block that is missing or of the wrong type."""


def entry_from_machine_dict(data: Any, prose: Optional[Dict[str, str]] = None) -> Entry:
    """Rebuild an entry from its parsed block; EntryProblem names the first wrong field."""
    if not isinstance(data, dict):
        raise EntryProblem("the block is not a JSON object")
    if data.get("schema") != "rtk-entry/1":
        raise EntryProblem(f"schema {data.get('schema')!r} is not rtk-entry/1")
    unknown = [k for k in data if k != "schema" and k not in MACHINE_FIELDS]
    if unknown:
        raise EntryProblem(f"unknown field {unknown[0]!r}")
    for key in ("id", "stage"):
        if not isinstance(data.get(key), str):
            raise EntryProblem(f"field {key!r} is missing or not text")
    try:
        entry_number(data["id"])
    except RTKError as exc:
        raise EntryProblem(exc.problem) from None
    if data["stage"] not in STAGES:
        raise EntryProblem(f"stage {data['stage']!r} is not one of {', '.join(STAGES)}")
    if data.get("verdict", "open") not in VERDICTS:
        raise EntryProblem(f"verdict {data.get('verdict')!r} is not one of {', '.join(VERDICTS)}")
    kwargs: Dict[str, Any] = {}
    for key in MACHINE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in ("inputs", "outputs"):
            if not isinstance(value, list) or not all(
                isinstance(v, dict) and isinstance(v.get("path"), str) for v in value
            ):
                raise EntryProblem(f"field {key!r} must be a list of {{path, sha256, size}}")
            value = [FileRef(v["path"], v.get("sha256"), v.get("size")) for v in value]
        elif key in ("parameters", "figures"):
            if not isinstance(value, dict):
                raise EntryProblem(f"field {key!r} must be an object")
        elif key == "frames":
            if not isinstance(value, str):
                raise EntryProblem("field 'frames' must be a frame list such as \"1-10,15\"")
            try:
                value = parse_frames(value) if value.strip() else []
            except RTKError as exc:
                raise EntryProblem(f"field 'frames': {exc.problem}") from None
        elif key == "color_chain":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise EntryProblem("field 'color_chain' must be a list of color space names")
        elif key == "live_area":
            if value is not None and not (
                isinstance(value, list)
                and len(value) == 4
                and all(isinstance(v, int) for v in value)
            ):
                raise EntryProblem("field 'live_area' must be [x0, y0, x1, y1] or null")
        elif value is not None and not isinstance(value, str):
            raise EntryProblem(f"field {key!r} must be text")
        kwargs[key] = value
    entry = Entry(**kwargs)
    for name, text in (prose or {}).items():
        setattr(entry, name, clean_prose(text))
    return entry
