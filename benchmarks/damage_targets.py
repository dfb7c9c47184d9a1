"""The targets of ``benchmarks/damage.py``, the verdicts on them and the few figures README's
Measured line may quote (``headline``; the figures test checks the line against them)."""

from __future__ import annotations

from typing import Any, Dict, List

TARGET_PR = 0.9  # detection precision and recall, dust and scratches (issue 21)
TARGET_DE = 2.0  # repair ΔE2000 against the clean frame, over the damaged pixels


def _fmt(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def targets(data) -> List[str]:
    det = data["detection"]["reference + neighbours"]["pooled"]
    out = []
    for kind in ("dust", "scratch"):
        p, r = det[kind]["precision"], det[kind]["recall"]
        ok = p is not None and r is not None and p >= TARGET_PR and r >= TARGET_PR
        verdict = "met" if ok else "NOT met"
        out.append(
            f"{kind}: precision {_fmt(p)}, recall {_fmt(r)} (target ≥ {TARGET_PR}): {verdict}"
        )
    rep = data["repair"]["detected"]["rtk repair (auto)"]
    out.append(
        f"repair (auto, detected masks) ΔE2000 σ1.5 {rep['de2000_smoothed']:.2f}, per pixel "
        f"{rep['de2000_pixel']:.2f} (target ≤ {TARGET_DE}): "
        f"{'met' if rep['de2000_smoothed'] <= TARGET_DE else 'NOT met'} smoothed, "
        f"{'met' if rep['de2000_pixel'] <= TARGET_DE else 'NOT met'} per pixel"
    )
    changed = sum(
        r["changed_outside_px"]
        for name, r in data["repair"]["detected"].items()
        if name.startswith("rtk")
    )
    verdict = "met" if changed == 0 else "NOT met"
    out.append(f"pixels changed outside the mask by rtk repair: {changed} (target 0): {verdict}")
    return out


def headline(data: Dict[str, Any]) -> Dict[str, Any]:
    """Detection with reference + neighbours (dust, scratch) and the range of rtk repair's
    ΔE2000 over its modes and both mask sets (detected, true), per pixel and smoothed."""
    det = data["detection"]["reference + neighbours"]["pooled"]
    rtk = [r for rows in data["repair"].values() for n, r in rows.items() if n.startswith("rtk")]
    return {
        "pictures": len(data["pictures"]),
        "seeds": data["seeds"],
        "detection": {
            k: {"precision": round(det[k]["precision"], 3), "recall": round(det[k]["recall"], 3)}
            for k in ("dust", "scratch")
        },
        "target_precision_recall": TARGET_PR,
        "repair_de2000_pixel": [
            min(r["de2000_pixel"] for r in rtk),
            max(r["de2000_pixel"] for r in rtk),
        ],
        "repair_de2000_smoothed": [
            min(r["de2000_smoothed"] for r in rtk),
            max(r["de2000_smoothed"] for r in rtk),
        ],
        "target_de2000": TARGET_DE,
        "changed_outside_px": sum(r["changed_outside_px"] for r in rtk),
        "deflicker_percent": {k: round(v, 2) for k, v in data["deflicker"].items()},
    }
