"""The outlier loop: frames where a result is least trustworthy, and why.

Per evaluated frame of one candidate (normally the model result), against the reference of
that frame, all images display-referred sRGB 0–1 (what a viewer sees), five measures:

``hue_drift``     Mean hue error Δh (CIELAB hue angle of result − reference, over pixels whose
                  reference chroma C*ab > 10), compared with the median Δh of the window of
                  evaluated frames ±2 around it (itself included, at least 3 frames):
                  |Δh − median(window)| in degrees. Flag > 3°.
``edge_bleed``    Color error concentrated on edges: mean ΔE2000 on the reference's edges
                  (top 10 % of Sobel magnitude of L*, dilated 2 px) ÷ mean ΔE2000 elsewhere.
                  Flag when the ratio > 1.5 and the edge ΔE > 2.
``skin``          Unstable skin tones: pixels whose reference is skin-like (L* 20–90, C*ab
                  10–45, hue 25°–65°); the skin hue error compared with the neighbours' median
                  (as hue drift), flag > 3°, or mean skin ΔE2000 > 5. Needs ≥ 500 skin pixels.
``flicker``       |ΔY_result − ΔY_reference| between this frame and the previous consecutive
                  frame (Rec.709 Y, mean over valid pixels), as % of the mean Y. Flag > 2 %.
``banding``       Contouring in smooth areas (reference local σ of Y < 0.004, 5 px window):
                  fraction of horizontal neighbours whose Y differs by < 1/4096 in the result
                  minus the same fraction in the reference. Flag > 0.25.

Thresholds are the ``THRESHOLDS`` mapping; each flag carries its measured value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

THRESHOLDS: Dict[str, float] = {
    "hue_drift": 3.0,
    "edge_bleed": 1.5,
    "edge_bleed_min_de": 2.0,
    "skin_hue": 3.0,
    "skin_de": 5.0,
    "flicker": 2.0,
    "banding": 0.25,
}
MIN_SKIN_PIXELS = 500


@dataclass(frozen=True)
class FrameMeasures:
    """Raw per-frame measures of one candidate (NaN where not measurable)."""

    frame: int
    hue_error: float
    edge_ratio: float
    edge_de: float
    skin_hue_error: float
    skin_de: float
    skin_pixels: int
    mean_y: float
    reference_mean_y: float
    banding: float


@dataclass(frozen=True)
class Outlier:
    """A flagged frame: which measure, its value, the threshold, and a sentence."""

    frame: int
    kind: str
    value: float
    threshold: float
    why: str


def _lab(rgb: np.ndarray) -> np.ndarray:
    import colour

    xyz = colour.RGB_to_XYZ(
        np.clip(rgb[..., :3], 0, 1).astype(np.float64), "sRGB", apply_cctf_decoding=True
    )
    return colour.XYZ_to_Lab(xyz, colour.RGB_COLOURSPACES["sRGB"].whitepoint)


def _hue_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signed hue difference b − a in degrees, wrapped to (−180, 180]."""
    d = np.degrees(np.arctan2(b[..., 2], b[..., 1]) - np.arctan2(a[..., 2], a[..., 1]))
    return (d + 180.0) % 360.0 - 180.0


def measure_frame(
    frame: int,
    reference: np.ndarray,
    test: np.ndarray,
    delta_e_map: np.ndarray,
    valid: np.ndarray,
) -> FrameMeasures:
    """The raw measures of one frame. reference, test: (H, W, 3) display sRGB 0–1;
    delta_e_map: (H, W) ΔE2000 (NaN outside ``valid``); valid: (H, W) bool."""
    from scipy.ndimage import binary_dilation, sobel, uniform_filter

    from ..ycbcr import luminance

    lr, lt = _lab(reference), _lab(test)
    chroma = np.hypot(lr[..., 1], lr[..., 2])
    chromatic = valid & (chroma > 10)
    hue_err = (
        float(np.mean(_hue_diff(lr[chromatic], lt[chromatic])))
        if chromatic.sum() > 100
        else float("nan")
    )

    L = np.where(valid, lr[..., 0], np.nanmean(lr[..., 0][valid]) if valid.any() else 0.0)
    mag = np.hypot(sobel(L, 0), sobel(L, 1))
    edge_cut = np.percentile(mag[valid], 90) if valid.any() else np.inf
    edges = binary_dilation(mag >= edge_cut, iterations=2) & valid & (mag > 1.0)
    off = valid & ~edges
    de = np.nan_to_num(delta_e_map, nan=0.0)
    if edges.sum() > 50 and off.sum() > 50:
        e_de, o_de = float(de[edges].mean()), float(de[off].mean())
        ratio = e_de / o_de if o_de > 1e-6 else float("inf") if e_de > 0 else 1.0
    else:
        e_de, ratio = float("nan"), float("nan")

    hue = np.degrees(np.arctan2(lr[..., 2], lr[..., 1])) % 360.0
    skin = (
        valid
        & (lr[..., 0] > 20)
        & (lr[..., 0] < 90)
        & (chroma > 10)
        & (chroma < 45)
        & (hue > 25)
        & (hue < 65)
    )
    n_skin = int(skin.sum())
    if n_skin >= MIN_SKIN_PIXELS:
        skin_hue = float(np.mean(_hue_diff(lr[skin], lt[skin])))
        skin_de = float(de[skin].mean())
    else:
        skin_hue = skin_de = float("nan")

    yr, yt = luminance(reference), luminance(test)
    local_sd = np.sqrt(np.maximum(uniform_filter(yr * yr, 5) - uniform_filter(yr, 5) ** 2, 0))
    unclipped = (yr > 0.002) & (yr < 0.998) & (yt > 0.002) & (yt < 0.998)
    smooth = valid & unclipped & (local_sd < 0.004)
    smooth_pairs = smooth[:, 1:] & smooth[:, :-1]
    if smooth_pairs.sum() > 200:
        flat_t = np.abs(np.diff(yt, axis=1))[smooth_pairs] < 1 / 4096
        flat_r = np.abs(np.diff(yr, axis=1))[smooth_pairs] < 1 / 4096
        banding = float(flat_t.mean() - flat_r.mean())
    else:
        banding = float("nan")
    return FrameMeasures(
        frame=frame,
        hue_error=hue_err,
        edge_ratio=float(ratio),
        edge_de=e_de,
        skin_hue_error=skin_hue,
        skin_de=skin_de,
        skin_pixels=n_skin,
        mean_y=float(yt[valid].mean()),
        reference_mean_y=float(yr[valid].mean()),
        banding=banding,
    )


def _neighbour_deviation(values: Sequence[float], index: int, reach: int = 2) -> float:
    """|value − median of the window of ±``reach`` evaluated frames, itself included| (a
    robust local level: one drifting frame cannot drag its neighbours' median)."""
    if not np.isfinite(values[index]):
        return float("nan")
    lo, hi = max(0, index - reach), min(len(values), index + reach + 1)
    window = [v for v in values[lo:hi] if np.isfinite(v)]
    if len(window) < 3:
        return float("nan")
    return float(abs(values[index] - np.median(window)))


def _frame_outliers(
    ms: Sequence[FrameMeasures], i: int, t: Dict[str, float], hues: list, skins: list
) -> List[Outlier]:
    """The outliers of frame ``ms[i]`` (neighbouring frames give the local baseline)."""
    m = ms[i]
    out: List[Outlier] = []
    d = _neighbour_deviation(hues, i)
    if np.isfinite(d) and d > t["hue_drift"]:
        why = f"hue error {m.hue_error:+.1f}° departs {d:.1f}° from the neighbouring frames"
        out.append(Outlier(m.frame, "hue_drift", d, t["hue_drift"], why))
    if np.isfinite(m.edge_ratio) and m.edge_ratio > t["edge_bleed"] and (
        m.edge_de > t["edge_bleed_min_de"]
    ):
        why = f"ΔE on edges {m.edge_de:.1f} is {m.edge_ratio:.1f}× the ΔE elsewhere"
        out.append(Outlier(m.frame, "edge_bleed", m.edge_ratio, t["edge_bleed"], why))
    sd = _neighbour_deviation(skins, i)
    if np.isfinite(sd) and sd > t["skin_hue"]:
        why = (
            f"skin hue error {m.skin_hue_error:+.1f}° departs {sd:.1f}° from the "
            "neighbouring frames"
        )
        out.append(Outlier(m.frame, "skin", sd, t["skin_hue"], why))
    elif np.isfinite(m.skin_de) and m.skin_de > t["skin_de"]:
        why = f"mean ΔE on skin tones {m.skin_de:.1f} ({m.skin_pixels} pixels)"
        out.append(Outlier(m.frame, "skin", m.skin_de, t["skin_de"], why))
    if i > 0 and ms[i - 1].frame == m.frame - 1:
        p = ms[i - 1]
        step = abs((m.mean_y - p.mean_y) - (m.reference_mean_y - p.reference_mean_y))
        pct = 100.0 * step / max(abs(m.mean_y), 1e-6)
        if pct > t["flicker"]:
            why = f"brightness steps {pct:.1f}% from frame {p.frame} where the reference does not"
            out.append(Outlier(m.frame, "flicker", pct, t["flicker"], why))
    if np.isfinite(m.banding) and m.banding > t["banding"]:
        why = f"{100 * m.banding:.0f}% more flat steps than the reference in smooth areas"
        out.append(Outlier(m.frame, "banding", m.banding, t["banding"], why))
    return out


def find_outliers(
    measures: Sequence[FrameMeasures], thresholds: Optional[Dict[str, float]] = None
) -> List[Outlier]:
    """Flag frames from their measures (sorted by frame); see the module docstring."""
    t = dict(THRESHOLDS, **(thresholds or {}))
    ms = sorted(measures, key=lambda m: m.frame)
    hues = [m.hue_error for m in ms]
    skins = [m.skin_hue_error for m in ms]
    return [o for i in range(len(ms)) for o in _frame_outliers(ms, i, t, hues, skins)]
