"""Keyframe references for non-reference color recovery (graded frames, paintings,
photographs): which scan frame each one shows, and its provenance.

Pure: the stage (``restoration_toolkit.stages.keyframes``) lists the folder, reads the
images and saves project.yaml; here a file name or a luminance thumbnail becomes a scan
frame, and a ``provenance.yaml`` mapping becomes a :class:`Provenance`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import numpy as np

from ..project import Provenance
from .sync import pool, rank_features

PROVENANCE_FIELDS = ("source", "holder", "permission", "date", "notes")


def frame_number(name: str) -> Optional[int]:
    """The last number in a file name's stem (``graded_1020.png`` → 1020), or None."""
    digits = re.findall(r"(\d+)", Path(name).stem)
    return int(digits[-1]) if digits else None


def keyframe_provenance(
    sidecar: Dict[str, Any], file_name: str, fallback: Provenance
) -> Provenance:
    """The provenance of one file: its entry under ``files:`` over ``default:`` of a
    provenance.yaml mapping, over ``fallback`` (what the command line gave)."""
    default = dict(sidecar.get("default") or {})
    own = dict((sidecar.get("files") or {}).get(file_name) or {})
    info = {k: str(v) for k, v in {**default, **own}.items() if v is not None}
    return Provenance(**{k: info.get(k, getattr(fallback, k)) for k in PROVENANCE_FIELDS})


@dataclass(frozen=True)
class KeyframeMatch:
    """The scan frame a keyframe shows and how it was found."""

    scan_frame: int
    how: str


def match_keyframe(
    name: str,
    scan_frames: Sequence[int],
    scan_luma: np.ndarray,
    luma: Optional[np.ndarray] = None,
    declared: Optional[int] = None,
) -> KeyframeMatch:
    """``declared`` (provenance.yaml's scan_frame) or the number in the file name when it is
    a scan frame; else the scan frame most like the keyframe by luminance layout
    (Spearman correlation of 32×24 thumbnails: a painting or photo of the same scene).

    ``scan_luma``: (N, 48, 64) scan thumbnails in ``scan_frames`` order; ``luma``: the
    keyframe's (48, 64) thumbnail (needed only when the name does not say)."""
    number = declared if declared is not None else frame_number(name)
    frames = [int(f) for f in scan_frames]
    if number is not None and int(number) in frames:
        return KeyframeMatch(int(number), "by file name")
    if luma is None:
        raise ValueError(f"{name}: no frame number in the name; its thumbnail is needed")
    zs = rank_features(pool(scan_luma, 32, 24))
    z = rank_features(pool(np.asarray(luma, np.float32)[None], 32, 24))[0]
    sims = zs @ z
    k = int(np.argmax(sims))
    return KeyframeMatch(frames[k], f"by content (correlation {float(sims[k]):.2f})")
