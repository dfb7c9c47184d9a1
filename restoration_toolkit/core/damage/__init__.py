"""Film damage, the pure parts: detection, repair, grain synthesis, flicker, consistency.

The method classifies film damage in two kinds (Bedoya 2024): *intra-frame* damage — dust,
dirt, hairs, scratches, stains, flicker — belongs to spatial recovery; *inter-frame* damage —
fading over a sequence, inconsistent color between scenes — to color recovery. This package
finds intra-frame damage from evidence (the aligned reference, the motion-compensated
neighbouring frames, the sign of the defect), repairs it only from a source that shows the
undamaged image, measures and corrects flicker with a smooth gain field, and measures
shot-to-shot color consistency.

Modules: ``noise`` (robust local statistics), ``motion`` (optical flow, warped neighbours),
``evidence`` (reference / temporal / line / stain evidence), ``kinds`` (what a defect is),
``detect`` (the mask), ``grain`` (measure and re-synthesise grain), ``repair`` (the
traditional baseline), ``flicker``, ``consistency``, ``checks`` (bad input).

Running it on files or a project is ``restoration_toolkit.stages.damage``. Never imports
nuke, Qt, torch or ``restoration_toolkit.testing``.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "DetectionOptions": "detect",
    "FrameDamage": "detect",
    "detect_damage": "detect",
    "RepairResult": "repair",
    "repair_frame": "repair",
    "measure_flicker": "flicker",
    "deflicker_frame": "flicker",
    "shot_consistency": "consistency",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(name)
