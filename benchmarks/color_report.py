# ruff: noqa: E501  (Markdown table lines)
"""The color benchmark's summary (targets) and its Markdown, rendered from the JSON data."""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List

import numpy as np

from benchmarks.results import machine_line

CV_CHOICE = "CV choice"
NONE = "no correction"
TARGET_WITHIN = 0.05
TARGET_RATIO = 1.5
TARGET_ABS = 1.3
ABS_FAMILIES = ("a", "c", "d")


def _stats(family: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    draws = family["draws"]
    names = list(draws[0]["heldout_de2000"])
    out = {}
    for n in names:
        v = np.array([d["heldout_de2000"][n] for d in draws], float)
        out[n] = {"mean": round(float(v.mean()), 4),
                  "sd": round(float(v.std(ddof=1)) if v.size > 1 else 0.0, 4),
                  "kind": draws[0]["kind"][n]}
    return out


def summarise(families: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Per family: mean ± sd of every method, the best, the best peer, the targets."""
    rows, cv_means, peer_means = {}, [], []
    for fam in families:
        st = _stats(fam)
        fam["stats"] = st
        methods = {k: v for k, v in st.items() if v["kind"] != "baseline"}
        best = min(methods, key=lambda k: methods[k]["mean"])
        peers = {k: v for k, v in st.items() if v["kind"] == "peer"}
        best_peer = min(peers, key=lambda k: peers[k]["mean"])
        cv = st[CV_CHOICE]["mean"]
        cv_means.append(cv)
        peer_means.append(peers[best_peer]["mean"])
        walls = [d["fit_seconds_wall"] for d in fam["draws"]]
        cpus = [d["fit_seconds_cpu"] for d in fam["draws"]]
        rows[fam["key"]] = {
            "name": fam["name"],
            "none": st[NONE]["mean"],
            "cv_mean": cv,
            "cv_sd": st[CV_CHOICE]["sd"],
            "cv_picks": dict(Counter(d["winner"] for d in fam["draws"])),
            "best": best,
            "best_mean": methods[best]["mean"],
            "cv_within_5pct_of_best": bool(cv <= (1 + TARGET_WITHIN) * methods[best]["mean"] + 1e-9),
            "best_peer": best_peer,
            "best_peer_mean": peers[best_peer]["mean"],
            "best_peer_sd": peers[best_peer]["sd"],
            "best_peer_settings": dict(Counter(d["peer_settings"][best_peer] for d in fam["draws"])),
            "ratio_best_peer_over_cv": round(peers[best_peer]["mean"] / max(cv, 1e-9), 3),
            "fit_seconds_wall_mean": round(float(np.mean(walls)), 1),
            "fit_seconds_cpu_mean": round(float(np.mean(cpus)), 1),
        }
    ratio = float(np.mean(peer_means) / max(np.mean(cv_means), 1e-9))
    return {
        "families": rows,
        "targets": {
            "set": {"within_best": TARGET_WITHIN, "ratio_best_peer_over_cv": TARGET_RATIO,
                    "mean_de2000_at_most": TARGET_ABS, "on": list(ABS_FAMILIES)},
            "cv_within_5pct_on_every_family": all(r["cv_within_5pct_of_best"] for r in rows.values()),
            "best_peer_over_cv_averaged_over_families": round(ratio, 3),
            "mean_of_per_family_ratios": round(float(np.mean([r["ratio_best_peer_over_cv"] for r in rows.values()])), 3),
            "ratio_target_met": bool(ratio >= TARGET_RATIO),
            "abs_target": {k: bool(rows[k]["cv_mean"] <= TARGET_ABS) for k in ABS_FAMILIES if k in rows},
        },
    }


def headline(data: Dict[str, Any]) -> Dict[str, Any]:
    """The few figures README's Measured line may quote (the test checks it against these)."""
    summary = data["summary"]
    rows, t = summary["families"], summary["targets"]
    cv = [r["cv_mean"] for r in rows.values()]
    return {
        "families": len(rows),
        "draws": data["settings"]["draws"],
        "cv_mean_de2000_range": [min(cv), max(cv)],
        "cv_mean_de2000": {k: r["cv_mean"] for k, r in rows.items()},
        "best_peer_over_cv_averaged_over_families": t["best_peer_over_cv_averaged_over_families"],
        "targets": t["set"],
        "ratio_target_met": t["ratio_target_met"],
        "cv_within_5pct_on_every_family": t["cv_within_5pct_on_every_family"],
        "abs_target_met_on": [k for k, ok in t["abs_target"].items() if ok],
    }


def _verdict(summary: Dict[str, Any]) -> List[str]:
    t, rows = summary["targets"], summary["families"]
    target = t["set"]
    missed = [k for k, r in rows.items() if not r["cv_within_5pct_of_best"]]
    lines = [
        f"- CV choice best or within {target['within_best']:.0%} of the best method on every family: "
        + ("**met**" if not missed else f"**NOT met** on {', '.join(f'({k})' for k in missed)}"),
        f"- Best peer / CV choice, ΔE averaged over families: **{t['best_peer_over_cv_averaged_over_families']:.2f}×** "
        f"(target ≥ {target['ratio_best_peer_over_cv']}×: {'met' if t['ratio_target_met'] else '**NOT met**'}; "
        f"mean of the per-family ratios {t['mean_of_per_family_ratios']:.2f}×)",
    ]
    absl = ", ".join(f"({k}) {rows[k]['cv_mean']:.2f} {'met' if ok else '**NOT met**'}" for k, ok in t["abs_target"].items())
    on = ", ".join(f"({k})" for k in target["on"])
    lines.append(f"- CV choice ≤ {target['mean_de2000_at_most']} mean ΔE2000 on {on}: {absl}")
    return lines


def render(data: Dict[str, Any]) -> str:
    """The Markdown table of a run, from its JSON data alone."""
    s, summary = data["settings"], data["summary"]
    lines = [
        "# Color recovery benchmark: five degradation families",
        "",
        f"Generated by `python benchmarks/color.py`; run took {data['run_seconds_wall']} s wall / "
        f"{data['run_seconds_cpu']} s CPU. {machine_line(data['machine'])}",
        "",
        f"Training pictures: `{'`, `'.join(s['train_images'])}`; held out: `{'`, `'.join(s['held_out_images'])}` "
        f"({s['rows']} px tall). {s['draws']} random draw(s) of every family's parameters (and grain). Choosing — the "
        "toolkit's cross-validation, every candidate's weights, every peer's setting — sees the training pairs "
        "only (leave one picture out); the held-out scans (without grain) are only graded and scored, in ΔE2000 "
        "against the truth. Family (e) is scored chroma-only (every method's output composed with the scan's "
        f"luminance). LUTs are {s['lut_size']}³; cross-validation ran on {s['cv_samples']} pixels.",
        "",
        "| family | no correction | CV choice: held-out ΔE2000 (mean ± sd) | CV picked | best method | best peer, its CV-chosen setting | best peer ΔE2000 | best peer / CV | fit time per draw (wall / CPU) |",
        "|---|---:|---:|---|---|---|---:|---:|---:|",
    ]
    for key, r in summary["families"].items():
        picks = ", ".join(f"{k} ×{n}" for k, n in r["cv_picks"].items())
        settings = ", ".join(r["best_peer_settings"])
        lines.append(
            f"| ({key}) {r['name']} | {r['none']:.2f} | {r['cv_mean']:.3f} ± {r['cv_sd']:.3f} | {picks} | "
            f"{r['best']} ({r['best_mean']:.3f}) | {r['best_peer']} ({settings}) | {r['best_peer_mean']:.3f} ± "
            f"{r['best_peer_sd']:.3f} | {r['ratio_best_peer_over_cv']:.2f}× | {r['fit_seconds_wall_mean']:.0f} s / "
            f"{r['fit_seconds_cpu_mean']:.0f} s |")
    lines += ["", "Targets (same run):", ""] + _verdict(summary) + [""]
    for fam in data["families"]:
        st = fam["stats"]
        lines += [f"## ({fam['key']}) {fam['name']}: every method", "",
                  "| method | kind | held-out ΔE2000 mean | sd over draws |", "|---|---|---:|---:|"]
        for name in sorted(st, key=lambda k: st[k]["mean"]):
            lines.append(f"| {name} | {st[name]['kind']} | {st[name]['mean']:.3f} | {st[name]['sd']:.3f} |")
        lines.append("")
    lines += [
        "## Read these figures with care",
        "",
        "- Family (a) is the physics the `dye-density` candidate inverts (and the LUT's dye prior); "
        "(b)–(e) are not. The candidates and weight grids were fixed before this benchmark first ran. "
        "The tie rule was not: after the first run (commit 1aad42c) it became the one-standard-error "
        "rule, following a diagnosis that looked at held-out pictures of (c), so these held-out figures "
        "are not blind to that change (the rule has no parameter to tune; notes/decisions-color.md "
        "says why and what the first run gave).",
        "- The held-out pictures are other scenes than the training pictures, not other frames of the same "
        "shots: harder than a film's own held-out frames, where the colors repeat.",
        "- color-matcher is a distribution transfer: it matches each held-out scan to the pooled training "
        "references, which is how it would grade new frames, not a pair fit.",
        "- Fit time is the whole choosing step of the toolkit (samples, cross-validation of every candidate, "
        "refit of the winner) on the training pairs, with BLAS single-threaded on a shared machine.",
        "",
    ]
    return "\n".join(lines)
