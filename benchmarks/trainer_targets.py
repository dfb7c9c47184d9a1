"""The targets of ``benchmarks/trainer.py`` and the verdicts on them: each measured on the
held-out shots, with the seed spread, how far a missed one is, and a log-linear
extrapolation of the learning curve (labelled as one); and the few figures README's
Measured lines may quote (``headline``)."""

from __future__ import annotations

import math
from typing import Any, Dict, List

from restoration_toolkit.testing.figures import differs, loglinear

TARGETS = {
    "color_de_reduction": 0.20,  # model ΔE2000 at least 20 % below chroma-only MatchGrade
    "color_grain": [0.9, 1.1],  # noise-power ratio to the scan
    "spatial_psnr_db": 1.0,  # above the best traditional baseline
    "spatial_ssim": 0.02,
    "spatial_grain": [0.8, 1.2],  # noise-power ratio to the 35 mm original
}


def verdicts(
    color: Dict[str, Any], spatial: Dict[str, Any], cpu_per_step: Dict[str, float]
) -> Dict[str, Any]:
    """The targets on the held-out shots, each with the seed spread and how far it is."""
    h = "held-out shots"
    cm, cg = color["summary"]["model"][h], color["summary"]["MatchGrade chroma-only"][h]
    goal = (1 - TARGETS["color_de_reduction"]) * cg["de_ideal"]["mean"]
    c_curve = loglinear(color["curve"], "de_ideal", goal, higher=False)
    color_v = {
        "model_de_ideal": cm["de_ideal"]["mean"],
        "matchgrade_de_ideal": cg["de_ideal"]["mean"],
        "reduction": 1 - cm["de_ideal"]["mean"] / cg["de_ideal"]["mean"],
        "reduction_vs_truth": 1 - cm["de_truth"]["mean"] / cg["de_truth"]["mean"],
        "goal_de_ideal": goal,
        "difference_exceeds_spread": differs(cm["de_ideal"], cg["de_ideal"]),
        "grain": cm["grain"]["mean"],
        "grain_ok": TARGETS["color_grain"][0] <= cm["grain"]["mean"] <= TARGETS["color_grain"][1],
        "curve_fit": c_curve,
    }
    color_v["met"] = bool(
        cm["de_ideal"]["mean"] <= goal
        and color_v["grain_ok"]
        and color_v["difference_exceeds_spread"]
    )
    sm = spatial["summary"]["model"][h]
    bases = ("Lanczos + unsharp", "denoise + sharpen + regrain")
    best_p = max(bases, key=lambda b: spatial["summary"][b][h]["psnr"]["mean"])
    best_s = max(bases, key=lambda b: spatial["summary"][b][h]["ssim"]["mean"])
    bp, bs = spatial["summary"][best_p][h]["psnr"], spatial["summary"][best_s][h]["ssim"]
    spatial_v = {
        "best_psnr_baseline": best_p,
        "best_ssim_baseline": best_s,
        "psnr_gain": sm["psnr"]["mean"] - bp["mean"],
        "ssim_gain": sm["ssim"]["mean"] - bs["mean"],
        "psnr_gain_exceeds_spread": differs(sm["psnr"], bp),
        "ssim_gain_exceeds_spread": differs(sm["ssim"], bs),
        "grain": sm["grain"]["mean"],
        "grain_ok": TARGETS["spatial_grain"][0]
        <= sm["grain"]["mean"]
        <= TARGETS["spatial_grain"][1],
        "psnr_curve_fit": loglinear(
            spatial["curve"], "psnr", bp["mean"] + TARGETS["spatial_psnr_db"], higher=True
        ),
        "ssim_curve_fit": loglinear(
            spatial["curve"], "ssim", bs["mean"] + TARGETS["spatial_ssim"], higher=True
        ),
    }
    spatial_v["met"] = bool(
        spatial_v["psnr_gain"] >= TARGETS["spatial_psnr_db"]
        and spatial_v["ssim_gain"] >= TARGETS["spatial_ssim"]
        and spatial_v["grain_ok"]
    )
    for v, tech in (
        (color_v["curve_fit"], "color"),
        (spatial_v["psnr_curve_fit"], "spatial"),
        (spatial_v["ssim_curve_fit"], "spatial"),
    ):
        n = v.get("steps_needed")
        v["cpu_s_needed"] = n * cpu_per_step[tech] if n is not None and math.isfinite(n) else None
    return {"color": color_v, "spatial": spatial_v}


def _ms(s: Dict[str, Any]) -> List[float]:
    return [s["mean"], s["sd"]]


def headline(result: Dict[str, Any]) -> Dict[str, Any]:
    """The few figures README's Measured lines may quote (the test checks them against these)."""
    v, h = result["verdicts"], "held-out shots"
    c, sp = result["color"]["summary"], result["spatial"]["summary"]
    vs = v["spatial"]
    return {
        "seeds": result["size"]["seeds"],
        "steps": result["size"]["steps"],
        "held_out_shots": len(result["size"]["test_shots"]),
        "color_model_de": _ms(c["model"][h]["de_ideal"]),
        "color_matchgrade_de": _ms(c["MatchGrade chroma-only"][h]["de_ideal"]),
        "color_reduction_percent": 100 * v["color"]["reduction"],
        "color_beyond_spread": v["color"]["difference_exceeds_spread"],
        "color_model_grain": c["model"][h]["grain"]["mean"],
        "color_steps_needed": v["color"]["curve_fit"].get("steps_needed"),
        "spatial_model_psnr": _ms(sp["model"][h]["psnr"]),
        "spatial_best_psnr_baseline": vs["best_psnr_baseline"],
        "spatial_baseline_psnr": _ms(sp[vs["best_psnr_baseline"]][h]["psnr"]),
        "spatial_model_ssim": _ms(sp["model"][h]["ssim"]),
        "spatial_baseline_ssim": _ms(sp[vs["best_ssim_baseline"]][h]["ssim"]),
        "spatial_psnr_gain_db": vs["psnr_gain"],
        "spatial_ssim_gain": vs["ssim_gain"],
        "spatial_psnr_beyond_spread": vs["psnr_gain_exceeds_spread"],
        "spatial_ssim_beyond_spread": vs["ssim_gain_exceeds_spread"],
        "spatial_model_grain": sp["model"][h]["grain"]["mean"],
        "spatial_psnr_steps_needed": vs["psnr_curve_fit"].get("steps_needed"),
        "spatial_ssim_steps_needed": vs["ssim_curve_fit"].get("steps_needed"),
        "content_overlap_max": max(result[k]["overlap"][h]["max"] for k in ("color", "spatial")),
        "targets": result["targets"],
        "color_met": v["color"]["met"],
        "spatial_met": vs["met"],
        "wall_s": result["seconds"]["wall"],
        "cpu_s": result["seconds"]["cpu"],
    }
