"""The sync benchmark's summary (the rounded figures, stored in the JSON) and its Markdown
table, rendered from that summary only, so every number in the table is in the JSON."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Optional

import numpy as np

from benchmarks.results import machine_line

TARGET = 99.5  # % of frames exactly right, every variant (issue 17)
CPU_BUDGET_S = 600.0  # ten minutes of CPU for a 150,000-frame feature


def _pct(values: List[Optional[float]]) -> Optional[List[float]]:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return [round(100 * float(np.mean(vals)), 2), round(100 * float(np.std(vals)), 2)]


def _accuracy_summary(acc: Dict[str, Any]) -> Dict[str, Any]:
    """Mean ± standard deviation over seeds per (variant, method), ratios to the best peer."""
    groups: Dict[tuple, List[dict]] = defaultdict(list)
    for r in acc["rows"]:
        groups[(r["variant"], r["method"])].append(r)
    table = []
    for (variant, method), rows in groups.items():
        rate = [r["n"] / r["cpu_s"] for r in rows if r["cpu_s"] > 0]
        table.append(
            {
                "variant": variant,
                "method": method,
                "clean": _pct([r["clean"] for r in rows]),
                "field_only": _pct([r["field_only"] for r in rows]),
                "absent": _pct([r["absent"] for r in rows]),
                "overall": _pct([r["overall"] for r in rows]),
                "n_clean": rows[0]["n_clean"],
                "n_field_only": rows[0]["n_field_only"],
                "n_absent": rows[0]["n_absent"],
                "frames_per_cpu_s": int(round(float(np.mean(rate)))) if rate else None,
            }
        )
    for row in table:
        if row["method"] == "ours" and row["clean"]:
            peers = [
                t["clean"][0]
                for t in table
                if t["variant"] == row["variant"] and t["method"] != "ours" and t["clean"]
            ]
            best = max(peers) if peers else None
            row["clean_ratio_to_best_peer"] = round(row["clean"][0] / best, 3) if best else None
    ours = [t for t in table if t["method"] == "ours"]
    worst = min(t["overall"][0] for t in ours)
    return {
        "frames": acc["frames"],
        "seeds": acc["seeds"],
        "cases": len({t["variant"] for t in table}),
        "table": table,
        "worst_overall_ours": worst,
        "target_met": bool(worst >= TARGET),
    }


def summarise(data: Dict[str, Any]) -> Dict[str, Any]:
    """The accuracy table, the before/after rows and the scale rows, rounded as the tables
    show them (every section optional but the extraction rate)."""
    out: Dict[str, Any] = {}
    if "accuracy" in data:
        out.update(_accuracy_summary(data["accuracy"]))
    if "ablation" in data:
        out["ablation"] = [
            {
                "variant": r["variant"],
                "config": r["method"],
                "overall": round(100 * r["overall"], 2),
                "clean": round(100 * r["clean"], 2) if r["clean"] is not None else None,
                "wrong_in_pictures": r["wrong_in_pictures"],
            }
            for r in data["ablation"]["rows"]
        ]
        out["ablation_frames"] = data["ablation"]["frames"]
        out["ablation_seed"] = data["ablation"]["seed"]
    if "scale" in data:
        out["scale"] = [_scale_row(r) for r in data["scale"]]
    ex = data["extraction"]
    out["extraction"] = {
        "scan_frames_per_cpu_s": round(ex["scan_frames_per_cpu_s"], 1),
        "reference_frames_per_cpu_s": round(ex["reference_with_fields_frames_per_cpu_s"], 1),
        "hours_for_150000_scan_frames": round(150000 / ex["scan_frames_per_cpu_s"] / 3600, 1),
    }
    return out


def headline(summary: Dict[str, Any]) -> Dict[str, Any]:
    """The few figures README's Measured line may quote (the figures test checks them)."""
    out: Dict[str, Any] = {"target_percent": TARGET, "cpu_budget_s": CPU_BUDGET_S}
    if "table" in summary:
        ours = [t for t in summary["table"] if t["method"] == "ours"]
        worst = summary["worst_overall_ours"]
        out.update(
            frames=summary["frames"],
            seeds=len(summary["seeds"]),
            cases=summary["cases"],
            ours_overall_percent=[worst, max(t["overall"][0] for t in ours)],
            worst_cases=[t["variant"] for t in ours if t["overall"][0] == worst],
            clean_ratio_to_best_peer=[
                min(t["clean_ratio_to_best_peer"] for t in ours),
                max(t["clean_ratio_to_best_peer"] for t in ours),
            ],
            target_met=summary["target_met"],
        )
    if "scale" in summary:
        keys = ("variant", "frames", "overall", "cpu_s", "peak_rss_mb", "within_target")
        out["scale"] = [{k: r[k] for k in keys} for r in summary["scale"]]
    out["feature_frames"] = 150000
    out["extraction_cpu_hours_per_feature"] = summary["extraction"]["hours_for_150000_scan_frames"]
    return out


def _scale_row(r: Dict[str, Any]) -> Dict[str, Any]:
    synth = r["synthesis_cpu_s"]
    return {
        "variant": r["variant"],
        "frames": r["n"],
        "reference_frames": r["reference_frames"],
        "overall": round(100 * r["overall"], 2),
        "clean": round(100 * r["clean"], 2) if r["clean"] is not None else None,
        "field_only": round(100 * r["field_only"], 2) if r["field_only"] is not None else None,
        "cpu_s": round(r["cpu_s"], 1),
        "peak_rss_mb": round(r["peak_rss_mb"]),
        "wall_s": round(r["wall_s"], 1),
        "synthesis_cpu_s": None if synth["reference"] is None else round(synth["reference"], 1),
        "within_target": bool(100 * r["overall"] >= TARGET and r["cpu_s"] <= CPU_BUDGET_S),
    }


def _cell(v: Optional[List[float]]) -> str:
    return "n/a" if v is None else f"{v[0]:.2f} ± {v[1]:.2f} %"


def markdown(data: Dict[str, Any]) -> str:
    s, k = data["summary"], data["settings"]
    lines = [
        "# Benchmark: temporal sync (`benchmarks/sync.py`)",
        "",
        f"Command: `{data['command']}`. {machine_line(data['machine'])}",
    ]
    if "table" in s:
        lines += _accuracy_md(s, k)
    lines += _ablation_md(s, k) + _scale_md(s, k) + _extraction_md(s)
    return "\n".join(lines) + "\n"


def _size(px: List[int]) -> str:
    return f"{px[0]}×{px[1]}"


def _accuracy_md(s: Dict[str, Any], k: Dict[str, Any]) -> List[str]:
    rates = " or ".join(f"{r:g}" for r in k["global_offset_rates"])
    lines = [
        "",
        f"## Accuracy and peers: {s['frames']} frames, {s['cases']} cases, seeds "
        f"{', '.join(map(str, s['seeds']))} (mean ± standard deviation over seeds)",
        "",
        "Clean: frames a clean reference frame shows (every method scored). Field-only: "
        "frames that exist only as fields of mixed video frames (3:2 pulldown's C frames, "
        "field-shifted video); only a method that can name fields is scored (n/a: it cannot). "
        "Absent: frames the reference does not have (right when reported missing). Peers: "
        f"*global offset* (one offset at the nominal rate, {rates} reference frames per scan "
        "frame, the better of the two) and *per-frame nearest* (most similar reference frame, "
        "no temporal model), both on our features. The reframed cases (transfer magnified 5 % "
        "and shifted; beyond the issue's cases) run on the first seed only: their framing "
        "passes cost three times the CPU. The field-shifted case has a single clean frame, so "
        "its clean column says little.",
        "",
        "| case | method | clean | field-only | absent | all frames | ours ÷ best peer (clean) "
        "| scan frames / CPU-s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t in s["table"]:
        ratio = t.get("clean_ratio_to_best_peer")
        lines.append(
            f"| {t['variant']} | {t['method']} | {_cell(t['clean'])} | {_cell(t['field_only'])} "
            f"| {_cell(t['absent'])} | {_cell(t['overall'])} | "
            f"{'' if ratio is None else ratio} | {t['frames_per_cpu_s']} |"
        )
    lines += [
        "",
        f"Target ≥ {k['target_percent']:g} % of frames exactly right on every case: ours' "
        f"worst case {s['worst_overall_ours']:.2f} % ({'met' if s['target_met'] else 'NOT met'}).",
    ]
    return lines


def _ablation_md(s: Dict[str, Any], k: Dict[str, Any]) -> List[str]:
    below, at_most = k["legacy_gap_rule"]
    if "ablation" not in s:
        return []
    lines = [
        "",
        f"## Why accuracy fell with length: {s['ablation_frames']} frames, "
        f"seed {s['ablation_seed']}",
        "",
        "| case | search | all frames | clean | pictures of the wrong frames |",
        "|---|---|---:|---:|---|",
    ]
    for r in s["ablation"]:
        lines.append(
            f"| {r['variant']} | {r['config']} | {r['overall']:.2f} % | "
            f"{'n/a' if r['clean'] is None else format(r['clean'], '.2f') + ' %'} | "
            f"{', '.join(r['wrong_in_pictures']) or '—'} |"
        )
    lines += [
        "",
        "Neither drift, the beam nor the speed estimate: the synthetic reel cycles through its "
        "pictures, so a longer reel has more shots of the two-tone ones (the horse silhouette). "
        "Ranks within a frame order the grain of a flat or two-tone area, which is noise, and cap "
        "a true match's correlation near 0.75; where a pan ends in a blank area the true match "
        f"fell to about 0.3, the gap rule (raise only above correlation {below:g}, at most "
        f"{at_most:g}) then made "
        "leaving those frames unmatched cheaper, and the search drifted or dropped them. "
        "Ranking pixels in the whole sequence keeps the picture's structure (global ranks), and a "
        "frame whose best matches advance with its neighbours' is never cheaper to drop.",
    ]
    return lines


def _scale_md(s: Dict[str, Any], k: Dict[str, Any]) -> List[str]:
    bench, own = k["benchmark_thumbnail_px"], k["toolkit_thumbnail_px"]
    if "scale" not in s:
        return []
    lines = [
        "",
        "## Feature scale (ours in a child process; thumbnails synthesised beforehand)",
        "",
        "| case | scan frames | reference frames | all frames | clean | field-only | CPU s "
        f"| peak memory MB | wall s | within {k['target_percent']:g} % and "
        f"{k['cpu_budget_s']:g} CPU-s | reference synthesis CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in s["scale"]:
        fo = "n/a" if r["field_only"] is None else f"{r['field_only']:.2f} %"
        cl = "n/a" if r["clean"] is None else f"{r['clean']:.2f} %"
        lines.append(
            f"| {r['variant']} | {r['frames']} | {r['reference_frames']} | {r['overall']:.2f} % "
            f"| {cl} | {fo} | {r['cpu_s']} | {r['peak_rss_mb']} | {r['wall_s']} | "
            f"{'yes' if r['within_target'] else 'NO'} | "
            f"{'cached' if r['synthesis_cpu_s'] is None else r['synthesis_cpu_s']} |"
        )
    lines += [
        "",
        "CPU seconds are the child's user + system time (BLAS limited to 2 threads), loading the "
        "thumbnails included; peak memory is its maximum resident set, thumbnails included "
        f"({_size(bench)} luma, fields for the reference). The toolkit's "
        f"own {_size(own)} thumbnails hold {own[0] * own[1] // (bench[0] * bench[1])}× "
        "more luma per frame. Reference synthesis: the benchmark's own CPU cost of making the "
        "transfer (cached: made by an earlier run with the same seed).",
    ]
    return lines


def _extraction_md(s: Dict[str, Any]) -> List[str]:
    ex = s["extraction"]
    return [
        "",
        "## Thumbnail extraction (timed apart from the sync)",
        "",
        f"The toolkit's own path (`sequence_thumbnails`: read, thumbnail, cache) on 2K EXR "
        f"frames: {ex['scan_frames_per_cpu_s']} scan frames and {ex['reference_frames_per_cpu_s']} "
        f"reference frames (with fields) per CPU-second, so about "
        f"{ex['hours_for_150000_scan_frames']} CPU-hours for 150,000 scan frames — a one-time "
        "cost, cached in `pipeline/01_dataset_curation/cache/`, that parallel readers or a "
        "render farm divide.",
    ]
