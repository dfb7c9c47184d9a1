"""Provenance written into every rendered frame: how it was made and from which references.

The Write's EXR header gets ``rtk:*`` attributes through a ModifyMetaData node
(``metadata {{set exr/key value} …}``, the form saved scripts show). Nothing here imports nuke.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional, Tuple

from .. import __version__
from ..core.curation.pairs import PairSet
from ..core.io.frames import format_frames
from ..core.project import Project
from .model import Raw
from .writer import format_value


def provenance_entries(
    project: Project,
    model_file: Path,
    pairs: Optional[PairSet],
    shot: Optional[str],
    technique: str,
) -> List[Tuple[str, str]]:
    """EXR header attributes of a rendered frame: how it was made and from what."""
    entries = [
        ("rtk:made_with_trained_model", "true"),
        ("rtk:toolkit_version", __version__),
        ("rtk:project", project.name),
        ("rtk:technique", technique),
        ("rtk:model_file", model_file.as_posix()),
    ]
    if pairs is not None:
        chosen = pairs.pairs_for_shot(shot)
        entries.append(("rtk:training_pairs", format_frames(p.scan_frame for p in chosen)))
    refs = []
    if project.reference is not None:
        refs.append(f"{project.reference.path} ({_described(project.reference.provenance)})")
    refs += [f"{k.path} ({_described(k.provenance)})" for k in project.keyframe_references]
    if refs:
        entries.append(("rtk:references", "; ".join(refs)))
    return entries


def _described(prov: Any) -> str:
    if prov is None or prov.is_empty():
        return "provenance not recorded"
    return ", ".join(x for x in (prov.source, prov.holder, prov.permission, prov.date) if x)


def provenance_metadata(
    project: Project,
    model_file: Path,
    pairs: Optional[PairSet],
    shot: Optional[str],
    technique: str,
) -> Raw:
    """ModifyMetaData ``metadata`` value: ``{{set exr/key value} …}`` (the saved form)."""
    items = " ".join(
        "{set " + format_value(f"exr/{k}") + " " + format_value(v) + "}"
        for k, v in provenance_entries(project, model_file, pairs, shot, technique)
    )
    return Raw("{" + items + "}")
