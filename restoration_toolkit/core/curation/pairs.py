"""``pipeline/01_dataset_curation/pairs.yaml``: the training pairs of a project.

Written by ``rtk curate`` (stage 01), read by alignment, the CopyCat graph builders, the
trainer and validation. Every pick carries why it was picked; every rejected candidate its
reason; manual picks (``origin: manual``) win over automatic ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from ..errors import PathLike, RTKError
from ..io.atomic import atomic_write_text

PAIRS_SCHEMA = "rtk-pairs/1"
ORIGINS = ("auto", "manual")


@dataclass
class Pair:
    """One supervised pair: a scan frame and the reference frame (or keyframe file) that shows
    the same image."""

    scan_frame: int
    reference_frame: Optional[int] = None
    reference_file: Optional[str] = None  # non-reference color: a keyframe/painting/photo
    shot: str = ""
    reason: str = ""
    confidence: float = 1.0
    origin: str = "auto"
    checksums: Dict[str, str] = field(default_factory=dict)


@dataclass
class Rejection:
    scan_frame: int
    reason: str
    reference_frame: Optional[int] = None


@dataclass
class PairSet:
    technique: str
    pairs: List[Pair] = field(default_factory=list)
    rejected: List[Rejection] = field(default_factory=list)
    holdout: List[int] = field(default_factory=list)  # scan frames kept back for validation
    notes: str = ""
    # reference frame of each held-out scan frame (from time-sync), so stage 02 can align
    # them and validation can measure them; absent in files written before it existed.
    # Last, so callers that pass (technique, pairs, rejected, holdout, notes) by position
    # (stages/curation.py) keep working.
    holdout_references: Dict[int, int] = field(default_factory=dict)

    @property
    def scan_frames(self) -> List[int]:
        return [p.scan_frame for p in self.pairs]

    def pairs_for_shot(self, shot: Optional[str]) -> List[Pair]:
        return [p for p in self.pairs if shot in (None, "", p.shot)]

    def to_dict(self) -> Dict[str, Any]:
        return {"schema": PAIRS_SCHEMA, **asdict(self)}

    def save(self, path: PathLike) -> Path:
        return atomic_write_text(path, yaml.safe_dump(self.to_dict(), sort_keys=False))


def load_pairs(path: PathLike) -> PairSet:
    """Read and validate pairs.yaml; RTKError names the file and the wrong entry."""
    p = Path(path)
    if not p.is_file():
        raise RTKError("no pairs.yaml (run `rtk curate` first)", p)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        raise RTKError("not valid YAML", p) from None
    if not isinstance(data, dict) or data.get("schema") != PAIRS_SCHEMA:
        raise RTKError(f"not a pairs file of schema {PAIRS_SCHEMA}", p)
    pairs: List[Pair] = []
    for i, item in enumerate(data.get("pairs") or []):
        try:
            pair = Pair(**item)
        except TypeError as exc:
            raise RTKError(f"pairs[{i}] is malformed ({exc})", p) from None
        if not isinstance(pair.scan_frame, int):
            raise RTKError(f"pairs[{i}].scan_frame must be a frame number", p)
        if pair.reference_frame is None and not pair.reference_file:
            raise RTKError(f"pairs[{i}] has neither reference_frame nor reference_file", p)
        if pair.origin not in ORIGINS:
            raise RTKError(f"pairs[{i}].origin must be auto or manual", p)
        pairs.append(pair)
    try:
        rejected = [Rejection(**r) for r in data.get("rejected") or []]
    except TypeError as exc:
        raise RTKError(f"rejected list is malformed ({exc})", p) from None
    return PairSet(
        technique=str(data.get("technique", "")),
        pairs=pairs,
        rejected=rejected,
        holdout=[int(f) for f in data.get("holdout") or []],
        holdout_references={
            int(k): int(v) for k, v in (data.get("holdout_references") or {}).items()
        },
        notes=str(data.get("notes") or ""),
    )
