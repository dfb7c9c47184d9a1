"""``pipeline/01_dataset_curation/pairs.yaml``: the training pairs of a project.

Written by ``rtk curate`` (stage 01), read by alignment, the CopyCat graph builders, the
trainer and validation. Every pick carries why it was picked; every rejected candidate its
reason; manual picks (``origin: manual``) win over automatic ones.

Reading is strict: every field is checked (a file cut short, a pair given twice, a shot
name that is not a name are errors), and :func:`load_project_pairs` — what every stage that
trains or measures on the pairs calls — also checks the pairs against the project's
sequences and verifies the SHA-256 checksums recorded at curation, so a frame replaced
after curation is never trained on with a stale alignment (``rtk curate --refresh``
accepts the change).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from ..errors import PathLike, RTKError
from ..io.atomic import atomic_write_text
from ..io.yaml_file import load_yaml
from ..names import name_problem

PAIRS_SCHEMA = "rtk-pairs/1"
ORIGINS = ("auto", "manual")
# Keys every writer of rtk-pairs/1 has written; one missing means the file was cut short.
# save() writes ``notes`` last, after every list, so a cut anywhere loses it.
REQUIRED_KEYS = ("schema", "technique", "pairs", "rejected", "holdout", "notes")
_PAIR_KEYS = ("scan_frame", "reference_frame", "reference_file", "shot", "reason",
              "confidence", "origin", "checksums")


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
        data = asdict(self)
        notes = data.pop("notes")
        return {"schema": PAIRS_SCHEMA, **data, "notes": notes}

    def save(self, path: PathLike) -> Path:
        return atomic_write_text(path, yaml.safe_dump(self.to_dict(), sort_keys=False))


def _frame(value: Any, where: str, p: Path, *, optional: bool = False) -> Optional[int]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RTKError(f"{where} must be a frame number, got {value!r}", p)
    return value


def _pair(item: Any, i: int, p: Path) -> Pair:
    where = f"pairs[{i}]"
    if not isinstance(item, dict):
        raise RTKError(f"{where} must be a mapping, got {type(item).__name__}", p)
    unknown = [k for k in item if k not in _PAIR_KEYS]
    if unknown:
        raise RTKError(f"{where} has unknown field {unknown[0]!r}", p)
    if "scan_frame" not in item:
        raise RTKError(f"{where} has no scan_frame", p)
    pair = Pair(**item)
    _frame(pair.scan_frame, f"{where}.scan_frame", p)
    _frame(pair.reference_frame, f"{where}.reference_frame", p, optional=True)
    if pair.reference_frame is None and not pair.reference_file:
        raise RTKError(f"{where} has neither reference_frame nor reference_file", p)
    if pair.reference_file is not None and not isinstance(pair.reference_file, str):
        raise RTKError(f"{where}.reference_file must be a path", p)
    if pair.origin not in ORIGINS:
        raise RTKError(f"{where}.origin must be auto or manual", p)
    pair.shot = "" if pair.shot is None else pair.shot
    if pair.shot != "" and name_problem(pair.shot):
        raise RTKError(f"{where}.shot {name_problem(pair.shot)}", p)
    if not isinstance(pair.reason, str):
        pair.reason = str(pair.reason)
    if isinstance(pair.confidence, bool) or not isinstance(pair.confidence, (int, float)):
        raise RTKError(f"{where}.confidence must be a number", p)
    sums = pair.checksums if pair.checksums is not None else {}
    if not isinstance(sums, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in sums.items()
    ):
        raise RTKError(f"{where}.checksums must map scan/reference to sha256:… text", p)
    pair.checksums = dict(sums)
    return pair


def _frame_list(value: Any, key: str, p: Path) -> List[int]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RTKError(f"{key} must be a list of frame numbers", p)
    return [int(_frame(v, f"{key}[{k}]", p) or 0) for k, v in enumerate(value)]


def pairset_from_dict(data: Any, p: Path) -> PairSet:
    """Validate a parsed pairs.yaml; RTKError names the file and the first wrong entry."""
    if not isinstance(data, dict) or data.get("schema") != PAIRS_SCHEMA:
        raise RTKError(f"not a pairs file of schema {PAIRS_SCHEMA}", p)
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise RTKError(
            f"incomplete: no {', '.join(missing)} (the file was cut short?) — "
            "run `rtk curate` again or restore it",
            p,
        )
    raw_pairs = data.get("pairs") or []
    if not isinstance(raw_pairs, list):
        raise RTKError("pairs must be a list", p)
    pairs = [_pair(item, i, p) for i, item in enumerate(raw_pairs)]
    seen: Dict[int, int] = {}
    for i, pair in enumerate(pairs):
        if pair.scan_frame in seen:
            raise RTKError(
                f"scan frame {pair.scan_frame} is paired twice (pairs[{seen[pair.scan_frame]}] "
                f"and pairs[{i}]); keep one",
                p,
            )
        seen[pair.scan_frame] = i
    raw_rejected = data.get("rejected") or []
    if not isinstance(raw_rejected, list) or not all(isinstance(r, dict) for r in raw_rejected):
        raise RTKError("rejected must be a list of mappings", p)
    try:
        rejected = [Rejection(**r) for r in raw_rejected]
    except TypeError as exc:
        raise RTKError(f"rejected list is malformed ({exc})", p) from None
    refs = data.get("holdout_references") or {}
    if not isinstance(refs, dict):
        raise RTKError("holdout_references must map scan frame to reference frame", p)
    return PairSet(
        technique=str(data.get("technique", "")),
        pairs=pairs,
        rejected=rejected,
        holdout=_frame_list(data.get("holdout"), "holdout", p),
        holdout_references={
            int(_frame(k, "holdout_references key", p) or 0): int(
                _frame(v, f"holdout_references[{k}]", p) or 0
            )
            for k, v in refs.items()
        },
        notes=str(data.get("notes") or ""),
    )


def load_pairs(path: PathLike) -> PairSet:
    """Read and validate pairs.yaml; RTKError names the file and the wrong entry."""
    p = Path(path)
    if not p.is_file():
        raise RTKError("no pairs.yaml (run `rtk curate` first)", p)
    try:
        return pairset_from_dict(load_yaml(p), p)
    except TypeError as exc:  # a field of the wrong kind inside a pair
        raise RTKError(f"malformed ({exc})", p) from None


@dataclass(frozen=True)
class ChangedFrame:
    """A frame whose file no longer matches the checksum pairs.yaml recorded."""

    pair: Pair
    role: str  # "scan" or "reference"
    path: Path
    problem: str  # "changed" or "missing"


def pair_files(project: Any, pair: Pair) -> Dict[str, Path]:
    """The scan and reference files of ``pair`` in ``project`` (a keyframe file for
    non-reference color; the video file itself for a video reference)."""
    from ..io.sequence import output_sequence, spec_path

    scan = output_sequence(spec_path(project.source_spec()), [])  # naming only
    files = {"scan": scan.path(pair.scan_frame)}
    if pair.reference_file:
        files["reference"] = project.resolve(pair.reference_file)
    elif pair.reference_frame is not None and project.reference is not None:
        ref = output_sequence(spec_path(str(project.reference_spec())), [])
        files["reference"] = ref.path(pair.reference_frame)
    return files


def changed_frames(project: Any, pairset: PairSet) -> List[ChangedFrame]:
    """Frames whose recorded checksum differs from the file on disk now (or that are gone)."""
    from ..experiment_log.record import file_sha256

    changed = []
    digests: Dict[Path, str] = {}  # a video reference is one file for every pair
    for pair in pairset.pairs:
        for role, path in pair_files(project, pair).items():
            recorded = pair.checksums.get(role)
            if not recorded:
                continue  # written by hand without a checksum: nothing to compare
            if not path.is_file():
                changed.append(ChangedFrame(pair, role, path, "missing"))
                continue
            if path not in digests:
                digests[path] = file_sha256(path)
            if recorded.split(":", 1)[-1] != digests[path]:
                changed.append(ChangedFrame(pair, role, path, "changed"))
    return changed


def check_against_project(project: Any, pairset: PairSet, path: Path) -> None:
    """RTKError for a pair whose scan or reference frame is not a frame of the project's
    sequence (its ``frames`` in project.yaml, else the frames on disk)."""
    from ..io.footage import open_footage

    specs = [("scan", project.source_spec(), project.source.frames)]
    if project.reference is not None:
        specs.append(("reference", str(project.reference_spec()), project.reference.frames))
    for role, spec, frames_text in specs:
        seq = open_footage(spec, frames_text, allow_missing=True)  # a video reference too
        if seq.is_single:
            continue
        allowed = set(seq.frames)
        for i, pair in enumerate(pairset.pairs):
            frame = pair.scan_frame if role == "scan" else pair.reference_frame
            if role == "reference" and pair.reference_file:
                continue
            if frame is not None and frame not in allowed:
                raise RTKError(
                    f"pairs[{i}]: {role} frame {frame} is outside the {role} sequence "
                    f"({seq.first}-{seq.last})",
                    path,
                )


def load_project_pairs(project: Any, *, verify: bool = True) -> PairSet:
    """The project's pairs.yaml, validated against its sequences and (``verify``) with every
    recorded checksum verified; RTKError names the first frame that changed since curation."""
    path = project.pairs_file
    pairset = load_pairs(path)
    check_against_project(project, pairset, path)
    if verify:
        changed = changed_frames(project, pairset)
        if changed:
            first = changed[0]
            more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
            raise RTKError(
                f"{first.role} frame of pair {first.pair.scan_frame} is {first.problem} since "
                f"curation ({first.path}){more}; run `rtk curate --refresh` to accept the "
                "change, or `rtk curate` to pick the pairs again",
                path,
            )
    return pairset


def refresh_checksums(project: Any) -> List[ChangedFrame]:
    """Record the current checksums of every pair's files in pairs.yaml (what
    ``rtk curate --refresh`` does after a frame was replaced on purpose); returns the frames
    that had changed. RTKError if a file is missing."""
    from ..experiment_log.record import file_sha256

    pairset = load_pairs(project.pairs_file)
    check_against_project(project, pairset, project.pairs_file)
    changed = changed_frames(project, pairset)
    for pair in pairset.pairs:
        for role, path in pair_files(project, pair).items():
            if not path.is_file():
                raise RTKError(f"{role} frame of pair {pair.scan_frame} is missing", path)
            pair.checksums[role] = "sha256:" + file_sha256(path)
    pairset.save(project.pairs_file)
    return changed
