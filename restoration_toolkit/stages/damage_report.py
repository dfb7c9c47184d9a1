"""The damage report (``damage.json``): the per-shot summary, the damage each curated pair
carries, what an earlier run recorded (a farm runs chunks of frames), and the words curation
prints beside a pair.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..core.damage.files import DAMAGE_DIR
from .damage_io import REPORT_NAME

SCHEMA = "rtk.damage/1"


def summarise(records: Dict[int, Dict[str, Any]], shot_of) -> Dict[str, Any]:
    from ..core.damage.kinds import KINDS

    def total(items) -> Dict[str, Any]:
        items = list(items)
        return {
            "frames": len(items),
            "damaged_frames": sum(1 for r in items if r["damaged_fraction"] > 0),
            "counts": {k: sum(r["counts"][k] for r in items) for k in KINDS},
            "area_px": {k: sum(r["area_px"][k] for r in items) for k in KINDS},
            "damaged_fraction_mean": round(
                sum(r["damaged_fraction"] for r in items) / max(len(items), 1), 6
            ),
        }

    shots: Dict[str, List[Dict[str, Any]]] = {}
    for f, r in sorted(records.items()):
        shots.setdefault(str(shot_of(f)) if shot_of else "all", []).append(r)
    return {
        "all": total(records.values()),
        "shots": {name: total(rs) for name, rs in shots.items()},
    }


def pair_damage(project, records: Dict[int, Dict[str, Any]]) -> Dict[int, Dict[str, Any]]:
    """Per candidate pair of the project's pairs.yaml (and held-out frame) that was detected:
    how much of the scan frame is damaged, of which kinds, and how much of its reference
    disagrees with the undamaged scan (the reference's own faults)."""
    if project is None or not project.pairs_file.is_file():
        return {}
    from ..core.curation.pairs import load_pairs

    pairs = load_pairs(project.pairs_file)
    frames = [p.scan_frame for p in pairs.pairs] + list(pairs.holdout)
    out = {}
    for f in sorted(set(frames)):
        if f in records:
            r = records[f]
            out[f] = {
                "held_out": f in set(pairs.holdout),
                "damaged_fraction": r["damaged_fraction"],
                "counts": {k: n for k, n in r["counts"].items() if n},
                "reference_fault_fraction": r["reference_fault_fraction"],
            }
    return out


def recorded_damage(project, frames) -> Dict[int, Dict[str, Any]]:
    """What ``damage.json`` (an earlier ``rtk damage detect``) says about these scan frames:
    for curation, which reports how much damage each candidate pair carries. Empty when
    nothing was detected yet."""
    report_path = project.alignment_dir / DAMAGE_DIR / REPORT_NAME
    try:
        records = json.loads(report_path.read_text(encoding="utf-8")).get("frames") or {}
    except (OSError, ValueError):
        return {}
    out = {}
    for f in frames:
        r = records.get(str(f))
        if r:
            out[int(f)] = {
                "damaged_fraction": r.get("damaged_fraction", 0.0),
                "counts": {k: n for k, n in (r.get("counts") or {}).items() if n},
                "reference_fault_fraction": r.get("reference_fault_fraction"),
            }
    return out


def damage_words(record: Optional[Dict[str, Any]]) -> str:
    """``damage 0.42 % (3 dust, 1 hair)``, ``no damage found``, or '' when not detected."""
    if not record:
        return ""
    kinds = ", ".join(f"{n} {k}" for k, n in record["counts"].items())
    if not kinds:
        return "no damage found"
    return f"damage {100 * record['damaged_fraction']:.2f} % ({kinds})"


def earlier_records(report_path: Path, source: str) -> Dict[int, Dict[str, Any]]:
    """The frames an earlier run on the same scan recorded (a farm runs chunks of frames;
    the report keeps them all, this run's frames replacing theirs)."""
    try:
        old = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if old.get("schema") != SCHEMA or old.get("source") != source:
        return {}
    return {int(f): r for f, r in (old.get("frames") or {}).items()}


DAMAGE_REPAIR = "damage repair"
DEFLICKER = "deflicker"


def damage_baselines(project) -> Dict[str, str]:
    """The traditional damage baselines this project has rendered, as validation candidates
    (name → sequence): ``rtk damage repair``'s and ``rtk deflicker``'s output, so stage 05
    measures them — flicker included — beside the scan and the model."""
    from ..core.damage.files import repair_dir

    out: Dict[str, str] = {}
    for name, folder, stem in ((DAMAGE_REPAIR, repair_dir(project), "repaired"),
                               (DEFLICKER, project.stage_dir(5) / "deflicker", "deflickered")):
        found = sorted(folder.glob(f"{stem}.*.*"))
        if found:
            out[name] = str(folder / f"{stem}.####{found[0].suffix}")
    return out


def damage_mask_pattern(project) -> Optional[str]:
    """The project's damage masks as a ``%04d`` pattern, when ``rtk damage detect`` ran."""
    from ..core.damage.files import damage_dir

    folder = damage_dir(project)
    return (folder / "mask.%04d.exr").as_posix() if any(folder.glob("mask.*.exr")) else None
