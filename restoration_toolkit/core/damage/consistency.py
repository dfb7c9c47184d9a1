"""Inter-frame color consistency: do the same neutral and skin tones look the same across
cuts? The method calls inconsistent color between scenes *inter-frame* damage, color
recovery's to fix; this measures it, so a restoration can show it before and after.

Per shot, on display-referred sRGB values (0–1) turned into CIE L*a*b* (D65,
colour-science):

- **neutrals** — the shot's grey, white and black objects. A faded or mistimed shot casts
  them all one way, so they are found *after* taking out the shot's own median cast: pixels
  with L* 20–90 whose chroma around that cast is under 6. Their mean a*, b* (with the cast
  still in) is the shot's neutral cast;
- **skin** — L* 25–85, chroma 10–45, hue 20°–70° (the usual range of skin under daylight).

Consecutive shots are compared by ΔE2000 between their neutral means (L* set to 50 for both:
a cut from a night to a day scene changes lightness, not the neutral's color) and between
their skin means. The pixels are chosen once — on ``select_from`` when given (the restored
result, say) — and the same pixels are measured on every sequence, so before and after are
compared on the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

NEUTRAL_CHROMA = 6.0
MIN_PIXELS = 200


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """(…, 3) display sRGB 0–1 → CIE L*a*b* (D65)."""
    import colour

    xyz = colour.RGB_to_XYZ(
        np.clip(np.asarray(rgb[..., :3], np.float64), 0, 1), "sRGB", apply_cctf_decoding=True
    )
    return colour.XYZ_to_Lab(xyz, colour.RGB_COLOURSPACES["sRGB"].whitepoint)


def select_pixels(labs: Sequence[np.ndarray]) -> Dict[str, List[np.ndarray]]:
    """Per frame (given as L*a*b*, :func:`to_lab`), the (H, W) bool masks of ``neutral`` and
    ``skin`` pixels (module doc); the cast is the median a*, b* over all frames (one shot)."""
    mid = np.concatenate([lab[(lab[..., 0] > 20) & (lab[..., 0] < 90)][:, 1:] for lab in labs])
    cast = np.median(mid, axis=0) if mid.size else np.zeros(2)
    out: Dict[str, List[np.ndarray]] = {"neutral": [], "skin": []}
    for lab in labs:
        L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
        mid_l = (L > 20) & (L < 90)
        out["neutral"].append(mid_l & (np.hypot(a - cast[0], b - cast[1]) < NEUTRAL_CHROMA))
        chroma = np.hypot(a, b)
        hue = np.degrees(np.arctan2(b, a)) % 360.0
        out["skin"].append(
            (L > 25) & (L < 85) & (chroma > 10) & (chroma < 45) & (hue > 20) & (hue < 70)
        )
    return out


@dataclass(frozen=True)
class ShotTones:
    """Mean L*a*b* of a shot's neutral and skin pixels (None when too few), and counts."""

    shot: str
    neutral: Optional[np.ndarray]
    skin: Optional[np.ndarray]
    neutral_px: int
    skin_px: int


def shot_tones(
    name: str, labs: Sequence[np.ndarray], masks: Dict[str, List[np.ndarray]]
) -> ShotTones:
    means: Dict[str, Optional[np.ndarray]] = {}
    counts: Dict[str, int] = {}
    for tone in ("neutral", "skin"):
        picked = [lab[m] for lab, m in zip(labs, masks[tone]) if m.any()]
        values = np.concatenate(picked) if picked else np.zeros((0, 3))
        counts[tone] = int(len(values))
        means[tone] = values.mean(0) if len(values) >= MIN_PIXELS else None
    return ShotTones(name, means["neutral"], means["skin"], counts["neutral"], counts["skin"])


def _de(a: Optional[np.ndarray], b: Optional[np.ndarray], keep_lightness: bool) -> Optional[float]:
    if a is None or b is None:
        return None
    from colour.difference import delta_E_CIE2000

    a, b = a.copy(), b.copy()
    if not keep_lightness:
        a[0] = b[0] = 50.0
    return float(delta_E_CIE2000(a, b))


def cut_differences(tones: Sequence[ShotTones]) -> List[Dict[str, object]]:
    """Per cut (shot i → i+1): ΔE2000 of the neutral cast and of the skin tone."""
    return [
        {
            "from": a.shot,
            "to": b.shot,
            "neutral_de2000": _de(a.neutral, b.neutral, keep_lightness=False),
            "skin_de2000": _de(a.skin, b.skin, keep_lightness=True),
        }
        for a, b in zip(tones[:-1], tones[1:])
    ]


def shot_consistency(
    shots: Dict[str, Sequence[np.ndarray]],
    *,
    select_from: Optional[Dict[str, Sequence[np.ndarray]]] = None,
) -> Dict[str, object]:
    """Consistency figures of one sequence, shot by shot in the order given (shot name →
    its frames, display sRGB 0–1). ``select_from``: the same shots of another sequence on
    which the pixels are chosen. Returns ``shots`` (per-shot tones), ``cuts`` and the mean
    and worst neutral / skin ΔE2000 over the cuts."""
    tones = []
    for name, frames in shots.items():
        labs = [to_lab(f) for f in frames]
        chooser = labs if select_from is None else [to_lab(f) for f in select_from[name]]
        tones.append(shot_tones(name, labs, select_pixels(chooser)))
    cuts = cut_differences(tones)

    def stat(key: str, fn) -> Optional[float]:
        values = [c[key] for c in cuts if c[key] is not None]
        return round(float(fn(values)), 3) if values else None

    return {
        "shots": [
            {
                "shot": t.shot,
                "neutral_lab": None
                if t.neutral is None
                else [round(float(v), 2) for v in t.neutral],
                "skin_lab": None if t.skin is None else [round(float(v), 2) for v in t.skin],
                "neutral_px": t.neutral_px,
                "skin_px": t.skin_px,
            }
            for t in tones
        ],
        "cuts": cuts,
        "neutral_de2000_mean": stat("neutral_de2000", np.mean),
        "neutral_de2000_max": stat("neutral_de2000", np.max),
        "skin_de2000_mean": stat("skin_de2000", np.mean),
        "skin_de2000_max": stat("skin_de2000", np.max),
    }
