"""What a defect is, from where it was found and its shape.

========  ===========================================================================
kind      rule (a connected region of the detection, before the mask's feathering)
========  ===========================================================================
scratch   found by the vertical-line evidence (thin, long, persistent down the frame)
stain     found by the broad color evidence and mostly not covered by spots
hair      thin and long: mean width (area / skeleton length) ≤ 3 px, ≥ 20 px long
dirt      larger than dust — over 40 px across (equivalent diameter) — or ragged
          (solidity < 0.5 with over 200 px)
dust      every other spot (2–40 px specks)
========  ===========================================================================

The sign is reported with each defect: ``dark`` (a print's dust), ``bright`` (dust on
the negative, printed through), or ``color`` (a stain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

KINDS = ("dust", "dirt", "hair", "scratch", "stain")
DUST_MAX_PX = 40.0
HAIR_MAX_WIDTH_PX = 3.0
HAIR_MIN_LENGTH_PX = 20.0


@dataclass(frozen=True)
class Defect:
    """One connected defect. ``bbox`` is (x0, y0, x1, y1) in pixels, top-left origin,
    x1/y1 exclusive; ``score`` the peak evidence in σ; ``evidence`` the sources that agreed
    (``reference``, ``temporal``, ``spike``, ``line``, ``color``)."""

    kind: str
    sign: str
    area: int
    bbox: Tuple[int, int, int, int]
    score: float
    evidence: Tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "sign": self.sign,
            "area_px": self.area,
            "bbox": list(self.bbox),
            "score_sigma": round(self.score, 2),
            "evidence": list(self.evidence),
        }


def spot_kind(area: int, length: float, equivalent_diameter: float, solidity: float) -> str:
    """dust, dirt or hair for a spot (see the module table); ``length``: skeleton length."""
    if length >= HAIR_MIN_LENGTH_PX and area / max(length, 1.0) <= HAIR_MAX_WIDTH_PX:
        return "hair"
    if equivalent_diameter > DUST_MAX_PX or (area > 200 and solidity < 0.5):
        return "dirt"
    return "dust"
