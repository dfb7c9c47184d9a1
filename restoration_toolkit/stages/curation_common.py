"""What stage 01's modules share: the options and result of a curation run, the contact
sheet's name, file checksums and the display conversion of its pictures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from ..core.curation.pairs import Pair, PairSet, load_pairs
from ..core.curation.selection import Selection, SelectionSettings
from ..core.curation.shots import ShotDetection
from ..core.curation.sync import SyncResult
from ..core.errors import RTKError
from ..core.project import Project

CONTACT_SHEET = "contact_sheet.png"


@dataclass(frozen=True)
class CurateOptions:
    """``mode``: method (``per_shot`` 4/7/11) or coverage (``count``); manual ``include`` /
    ``exclude`` frames; ``holdout`` frames for validation; ``content_check`` of each pick."""

    mode: str = "method"
    per_shot: int = 4
    count: Optional[int] = None
    include: Tuple[int, ...] = ()
    exclude: Tuple[int, ...] = ()
    holdout: int = 2
    content_check: bool = True
    contact_sheet: bool = True
    settings: SelectionSettings = field(default_factory=SelectionSettings)


@dataclass(frozen=True)
class CurationResult:
    pairs_file: Path
    contact_sheet: Optional[Path]
    pairs: PairSet
    selection: Optional[Selection]
    sync: Optional[SyncResult]
    shots: Optional[ShotDetection]
    summary: str
    warnings: Tuple[str, ...] = ()


def sha256(path: Path) -> str:
    from ..core.experiment_log.record import file_sha256

    return "sha256:" + file_sha256(path)


def previous(project: Project) -> Tuple[List[Pair], List[int]]:
    """Manual pairs and manual exclusions of an existing pairs.yaml (they are kept)."""
    if not project.pairs_file.is_file():
        return [], []
    try:
        old = load_pairs(project.pairs_file)
    except RTKError:
        return [], []
    manual = [p for p in old.pairs if p.origin == "manual"]
    excluded = [r.scan_frame for r in old.rejected if r.reason.startswith("excluded by hand")]
    return manual, excluded


def display(pixels: np.ndarray, colorspace: str, project: Project) -> np.ndarray:
    """The contact sheet's sRGB view; an unknown colour space is an RTKError naming the OCIO
    config, not a sheet silently shown in the wrong encoding."""
    from ..core.io.ocio import convert_colorspace

    return convert_colorspace(
        pixels[:, :, :3], colorspace, "sRGB - Texture", config=project.color.ocio_config
    )
