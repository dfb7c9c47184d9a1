"""The Markdown of ``benchmarks/trainer.py``, rendered from its JSON data only."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from benchmarks.results import machine_line, pm

H = "held-out shots"


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _head(d: Dict[str, Any]) -> List[str]:
    z = d["size"]
    return [
        "# Trainer benchmark: `rtk train` / `rtk infer` on shots it never saw",
        "",
        f"Produced by `{d['command']}` — do not edit by hand; the numbers are in `trainer.json` "
        "beside this file.",
        "",
        f"**{z['seeds']} seeds** (each a whole repetition: new grain and fading noise, a new "
        "training seed, baselines re-tuned); every figure is the mean ± sample standard "
        "deviation over the seeds. Per seed: "
        f"{z['train_pairs']} training pairs ({z['train_frames_per_shot']} frames of each of the "
        f"training shots {', '.join(z['train_shots'])}); measured on {z['held_out_frames']} "
        f"frames of the held-out shots {', '.join(z['test_shots'])} ({z['test_frames_per_shot']} "
        f"each), never trained on; frames {z['frame']}×{z['frame']}. Model: {z['model_size']}, "
        f"{z['steps']} steps, crops of {z['crop']} px, batch {z['batch']}, {z['torch_threads']} "
        f"torch thread, torch {z['torch']}, CPU. Run: {d['seconds']['wall']:.0f} s wall, "
        f"{d['seconds']['cpu']:.0f} CPU s.",
        "",
        machine_line(d["machine"]),
        "",
        *[
            f"The {k} figures come from `{d[k]['run']['command']}` at commit "
            f"{d[k]['run']['commit']}, "
            f"{d[k]['run']['date']} ({d[k]['run']['seeds']} seeds, {d[k]['run']['steps']} steps)."
            for k in ("color", "spatial")
            if d[k]["run"]["commit"] != d["machine"]["commit"]
            or d[k]["run"]["command"] != d["command"]
        ],
        "",
    ]


def _overlap(d: Dict[str, Any]) -> List[str]:
    o = d["color"]["overlap"]
    lines = [
        "## Content overlap between training and test",
        "",
        "Measure: the share of a test frame's SIFT keypoints found again in one training frame "
        f"(Lowe's ratio test {o['ratio_test']}, then inliers of a RANSAC homography, "
        f"{o['ransac_px']} px), the largest over the training frames; 1 = the frame is a view "
        "of a training frame, a few hundredths = chance matches. Seed 0, on the scans the "
        "model sees.",
        "",
        "| test frames | color: mean | color: max | spatial: mean | spatial: max |",
        "|---|---:|---:|---:|---:|",
    ]
    for group, label in (
        (H, "held-out shots (the figures below)"),
        ("between", "between training frames (the old split, contrast only)"),
    ):
        c, s = d["color"]["overlap"][group], d["spatial"]["overlap"][group]
        lines.append(
            f"| {label} | {c['mean']:.3f} | {c['max']:.3f} | {s['mean']:.3f} | {s['max']:.3f} |"
        )
    return lines + [""]


def _color(d: Dict[str, Any]) -> List[str]:
    v, t = d["verdicts"]["color"], d["targets"]
    lines = [
        "## Color recovery (faded print + DVD reference), held-out shots",
        "",
        "ΔE2000 in display sRGB, lower is better. The method keeps the scan's luminance by "
        "design, so the like-with-like figure is against the *chroma-only ideal* (scan "
        "luminance + the original's chroma, composed in the working space): it measures the "
        "chroma a method recovered. Against the original the scan's faded luminance adds the "
        "same floor to every chroma-only method. Noise-power ratio: output ÷ scan on the "
        "scan's flattest patches (1 = grain kept).",
        "",
        "| method | ΔE2000 vs chroma-only ideal | ΔE2000 vs original "
        "| noise-power ratio to the scan |",
        "|---|---:|---:|---:|",
    ]
    for method, groups in d["color"]["summary"].items():
        g = groups[H]
        lines.append(
            f"| {method} | {pm(g['de_ideal'], 2)} | {pm(g['de_truth'], 2)} | {pm(g['grain'], 3)} |"
        )
    lo, hi = t["color_grain"]
    spread_word = "larger" if v["difference_exceeds_spread"] else "NOT larger"
    lines += [
        "",
        "MatchGrade here is the toolkit's own fit, "
        f"{d['color']['seeds'][0]['matchgrade']['method']}, "
        "fitted on the same training pairs; chroma-only = scan luminance + its chroma.",
        "",
        f"- Target: the model's ΔE2000 at least {100 * t['color_de_reduction']:.0f} % below "
        "chroma-only "
        f"MatchGrade: {100 * v['reduction']:.1f} % ({v['model_de_ideal']:.2f} vs "
        f"{v['matchgrade_de_ideal']:.2f}; goal ≤ {v['goal_de_ideal']:.2f}); the difference is "
        f"{spread_word} than the seed spread; against the original the reduction is "
        f"{100 * v['reduction_vs_truth']:.1f} % → {_met(v['met'])}.",
        f"- Grain kept (noise-power ratio {lo}–{hi}): {v['grain']:.3f} → {_met(v['grain_ok'])}.",
        "",
    ]
    return lines


def _spatial(d: Dict[str, Any]) -> List[str]:
    v, t, el = d["verdicts"]["spatial"], d["targets"], d["size"]["gauges"]
    lines = [
        f"## Spatial recovery ({el['scan']} copy → {el['original']} original), held-out shots",
        "",
        f"Luminance PSNR (dB) and SSIM against the {el['original']} original, higher is better; "
        f"noise-power ratio: output ÷ {el['original']} original on its flattest patches (1 = the "
        "original's grain energy).",
        "",
        "| method | PSNR (dB) | SSIM | noise-power ratio to the original |",
        "|---|---:|---:|---:|",
    ]
    for method, groups in d["spatial"]["summary"].items():
        g = groups[H]
        lines.append(
            f"| {method} | {pm(g['psnr'], 2)} | {pm(g['ssim'], 4)} | {pm(g['grain'], 3)} |"
        )
    lines += [
        "",
        "Baselines' settings, chosen per seed by the best luminance PSNR on the training frames:",
        "",
    ]
    for s in d["spatial"]["seeds"]:
        b = s["baselines"]
        lines.append(
            f"- seed {s['seed']}: Lanczos + unsharp {b['unsharp']['settings']} (best of "
            f"{b['unsharp']['tried']}); denoise + sharpen + regrain {b['dsg']['settings']} "
            "(best of "
            f"{b['dsg']['tried']}; h and regrain in units of the {el['scan']} frame's grain RMS)"
        )
    lo, hi = t["spatial_grain"]
    lines += [
        "",
        f"- PSNR ≥ {t['spatial_psnr_db']} dB above the best traditional baseline "
        f"({v['best_psnr_baseline']}): {v['psnr_gain']:+.2f} dB, a difference "
        f"{'beyond' if v['psnr_gain_exceeds_spread'] else 'NOT beyond'} the seed spread → "
        f"{_met(v['psnr_gain'] >= t['spatial_psnr_db'])}.",
        f"- SSIM ≥ {t['spatial_ssim']} above the best ({v['best_ssim_baseline']}): "
        f"{v['ssim_gain']:+.4f}, a difference "
        f"{'beyond' if v['ssim_gain_exceeds_spread'] else 'NOT beyond'} the seed spread → "
        f"{_met(v['ssim_gain'] >= t['spatial_ssim'])}.",
        f"- Grain ratio {lo}–{hi}: {v['grain']:.3f} → {_met(v['grain_ok'])}.",
        f"- All three (the spatial target): {_met(v['met'])}.",
        "",
    ]
    return lines


def _between(d: Dict[str, Any]) -> List[str]:
    lines = [
        "## For contrast: frames between training frames (the old split)",
        "",
        "Same runs, frames half-way between two training frames of a training shot; they share "
        "most of their content with training (overlap above), which is why they are not the "
        "headline.",
        "",
        "| technique | method | figure | value |",
        "|---|---|---|---:|",
    ]
    for tech, keys in (("color", ("de_ideal",)), ("spatial", ("psnr", "ssim"))):
        for method, groups in d[tech]["summary"].items():
            for k in keys:
                lines.append(f"| {tech} | {method} | {k} | {pm(groups['between'][k], 3)} |")
    return lines + [""]


def _fit_line(label: str, fit: Dict[str, Any], unit: str) -> str:
    n: Optional[float] = fit.get("steps_needed")
    if fit.get("b") is None or fit["points"] < 3:
        return f"- {label}: too few curve points ({fit['points']}) to extrapolate."
    head = (
        f"- {label}: fit {fit['a']:.3f} + {fit['b']:.4f}·log10(steps) over {fit['points']} points; "
    )
    if n is None:
        return head + (
            f"the curve does not move toward {fit['target']:.3f} {unit}: more steps alone "
            "would not reach it."
        )
    cpu = fit.get("cpu_s_needed")
    if n > fit["realistic_steps"]:
        return head + (
            f"it would reach {fit['target']:.3f} {unit} only beyond {fit['realistic_steps']:,} "
            "steps — no realistic budget; an extrapolation, not a measurement."
        )
    return head + (
        f"reaches {fit['target']:.3f} {unit} at about {n:,.0f} steps "
        f"({cpu:,.0f} CPU s at this run's speed) — an extrapolation, not a measurement."
    )


def _curve(d: Dict[str, Any]) -> List[str]:
    lines = [
        "## Learning curve (seed 0, held-out shots) and what the targets would take",
        "",
        "Separate runs of the given length (each with its own learning-rate schedule), not "
        "checkpoints of one run.",
        "",
        "| technique | model | steps | training CPU s | ΔE2000 vs ideal | PSNR (dB) | SSIM |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for tech in ("color", "spatial"):
        for p in sorted(d[tech]["curve"], key=lambda p: (p["model_size"], p["steps"])):
            de = f"{p['de_ideal']:.3f}" if "de_ideal" in p else ""
            ps = f"{p['psnr']:.2f}" if "psnr" in p else ""
            ss = f"{p['ssim']:.4f}" if "ssim" in p else ""
            cells = [p["model_size"], str(p["steps"]), f"{p['cpu_s']:.0f}", de, ps, ss]
            lines.append(f"| {tech} | " + " | ".join(cells) + " |")
    v = d["verdicts"]
    lines += [
        "",
        _fit_line("color, ΔE2000 vs ideal", v["color"]["curve_fit"], "ΔE"),
        _fit_line("spatial, PSNR", v["spatial"]["psnr_curve_fit"], "dB"),
        _fit_line("spatial, SSIM", v["spatial"]["ssim_curve_fit"], ""),
        "",
    ]
    return lines


def _cost(d: Dict[str, Any]) -> List[str]:
    lines = ["## Cost (CPU)", "", "| training | CPU s |", "|---|---:|"]
    for tech, v in d["cpu_s_per_1000_steps"].items():
        z = d["size"]
        what = f"{z['model_size']}, crop {z['crop']}, batch {z['batch']}"
        lines.append(f"| training, {tech}: per 1000 steps ({what}) | {v:.1f} |")
    i2k = d["inference_2k_frame"]
    if not i2k:
        return lines + [""]
    w, h, tile, overlap = i2k["frame"] + [i2k["tile"], i2k["overlap"]]
    lines += [
        "",
        f"| inference of one {w}×{h} frame (tiles {tile}, overlap {overlap}, 1 thread, fresh "
        "process) | CPU s | peak resident memory (MB) | resident before inference: Python, "
        "torch, model, input frame (MB) |",
        "|---|---:|---:|---:|",
    ]
    for size, v in i2k["models"].items():
        cells = [f"{v['cpu_s']:.1f}", f"{v['peak_rss_mb']:.0f}", f"{v['rss_before_mb']:.0f}"]
        lines.append(f"| {size} model | " + " | ".join(cells) + " |")
    return lines + [""]


def render(d: Dict[str, Any]) -> str:
    lines = _head(d) + _overlap(d) + _color(d) + _spatial(d) + _between(d) + _curve(d) + _cost(d)
    lines += [
        "## Read with care",
        "",
        "- Synthetic material: scikit-image pictures panned into shots, a simulated dye fade, "
        f"a simulated {d['size']['gauges']['scan']} copy; small frames; a small model trained "
        "for minutes on a shared "
        "CPU.",
        "- The fade simulation uses the same dye-density physics as two of the MatchGrade "
        "fit's candidates (the dye-density model and the LUT's dye prior), which favours "
        "MatchGrade here when cross-validation picks one of them (a real print need not fade "
        "that way); the grade it picked is named above.",
        "- The spatial baselines were tuned for PSNR on the training shots; tuned for SSIM or "
        "for grain they would score differently.",
        "",
    ]
    return "\n".join(lines)
