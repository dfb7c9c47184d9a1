"""Which scan frames can be training pairs, and why not: the sync's verdict, cuts and
dissolves, black frames and title cards, damage, blur and fast motion against the shot's
and the reel's medians (the thresholds are :class:`SelectionSettings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..io.thumbnails import Thumbnails
from .shots import ShotDetection
from .sync import SyncResult


@dataclass(frozen=True)
class SelectionSettings:
    """Thresholds of usability. ``cut_margin``: frames kept away from a cut or dissolve;
    ``min_confidence``: sync confidence; ``damage``/``blur``/``motion``: factors against the
    shot's median (damage above damage×median, sharpness below blur×median, motion above
    motion×reel median and above ``motion_floor``)."""

    cut_margin: int = 3
    min_confidence: float = 0.6
    damage: float = 3.0
    blur: float = 0.5
    motion: float = 4.0
    motion_floor: float = 0.15


class Usability:
    """Per-frame usability, computed once for the reel."""

    def __init__(
        self,
        thumbs: Thumbnails,
        shots: ShotDetection,
        sync: Optional[SyncResult],
        st: SelectionSettings,
    ) -> None:
        self.frames = [int(f) for f in thumbs.frames]
        self.index = {f: i for i, f in enumerate(self.frames)}
        self.shots = shots
        self.sync = sync
        self.st = st
        self.mapping = {m.scan: m for m in sync.mapping} if sync is not None else {}
        s = shots.stats
        self.problems: List[List[str]] = [[] for _ in self.frames]
        reel_motion = float(np.median(s.motion)) if len(s.motion) else 0.0
        shot_med: Dict[str, Tuple[float, float]] = {}
        for sh in shots.shots:
            sel = (s.frames >= sh.first) & (s.frames <= sh.last)
            shot_med[sh.name] = (
                float(np.median(s.damage[sel])),
                float(np.median(s.sharpness[sel])),
            )
        for i, f in enumerate(self.frames):
            p = self.problems[i]
            m = self.mapping.get(f)
            if sync is not None:
                if m is None or m.kind == "missing":
                    p.append("not in the reference")
                elif m.kind == "fields":
                    p.append("reference only as fields of field-mixed video frames")
                elif m.confidence < st.min_confidence:
                    p.append(f"sync unsure (confidence {m.confidence:.2f})")
            own = shots.shot_of(f)
            # short shots keep a smaller distance from their cuts (1 frame per 8 of length)
            margin = st.cut_margin if own is None else min(st.cut_margin, max(1, own.length // 8))
            t = shots.near_transition(f, margin)
            if t is not None:
                p.append(
                    f"inside dissolve {t.first}-{t.last}"
                    if t.kind == "dissolve" and t.first <= f <= t.last
                    else f"within {margin} frames of the {t.kind} at {t.first}"
                )
            if s.black[i]:
                p.append("black frame")
            if s.title[i]:
                p.append("title card")
            sh = shots.shot_of(f)
            if sh is not None and t is None:  # a cut looks like a one-frame defect
                dmed, smed = shot_med[sh.name]
                if s.damage[i] > st.damage * max(dmed, 1e-6) and s.damage[i] > 0.5:
                    p.append(
                        f"heavy damage ({s.damage[i] / max(dmed, 1e-6):.1f}× the shot's median)"
                    )
                if s.sharpness[i] < st.blur * smed:
                    share = s.sharpness[i] / max(smed, 1e-9)
                    p.append(f"blurred (sharpness {share:.0%} of the shot's median)")
            if s.motion[i] > max(st.motion * reel_motion, st.motion_floor) and not (
                t and t.kind == "cut"
            ):
                p.append(f"fast motion ({s.motion[i]:.2f})")

    def usable(self, f: int) -> bool:
        return f in self.index and not self.problems[self.index[f]]

    def why(self, f: int) -> str:
        return "; ".join(self.problems[self.index[f]]) if f in self.index else "not in the scan"

    def reference(self, f: int) -> Optional[int]:
        m = self.mapping.get(f)
        return m.reference if m is not None else None

    def confidence(self, f: int) -> float:
        m = self.mapping.get(f)
        return float(m.confidence) if m is not None else 1.0
