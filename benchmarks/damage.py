"""Benchmark: damage detection, repair and deflicker on synthetic damaged clips.

    python benchmarks/damage.py [--seeds 2] [--size 384x288] [--render-only JSON]

Clips (``restoration_toolkit/testing/damage.py``): scikit-image pictures seen through a
panning camera with an object crossing fast, faded a little, fresh grain every frame; then
dust (dark and bright, 2–40 px, irregular), dirt, hairs, one vertical scratch over the
whole clip (wandering), a stain on one frame. The clean reference is the picture before
fade and grain, half resolution and back, JPEG, with a burned-in subtitle on two frames.
Scored pictures: astronaut, coffee, chelsea (several seeds each). The detector's
thresholds were chosen on other pictures (rocket, immunohistochemistry, camera) and from
the frame's own noise statistics — never on these (``notes/decisions-damage.md``).

Detection: pixel-level precision and recall per kind with a 2 px tolerance
(``testing/damage_scoring.py``), pooled over all scored frames, with the spread over clips,
for three evidence set-ups: reference + neighbours (±2), reference only, neighbours only.

Repair, on the masks the detector found (the pipeline as used) and on the true masks: mean
ΔE2000 and PSNR against the clean frame over the truly damaged pixels — per pixel, and
after a Gaussian of σ 1.5 px on both (a repair cannot reproduce grains it never saw; per
pixel, even a perfect fill with new grain differs by about the grain) — and the count of
pixels changed outside the mask. Peers on the same masks: OpenCV inpainting Telea and
Navier–Stokes (16-bit per channel — OpenCV's float path overshoots for Telea —, radius
chosen on a training clip), and a plain temporal median of the ±2 neighbours (no motion
compensation).

Deflicker: a clean clip with a random gain per frame (σ 5 %, plus a slight left–right
ramp): the brightness RMS step against the clean clip, before and after.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.damage_targets import TARGET_DE, TARGET_PR, _fmt, headline, targets  # noqa: E402
from benchmarks.results import log_run, machine, machine_line, write_results  # noqa: E402
from restoration_toolkit.core.damage.detect import detect_damage  # noqa: E402
from restoration_toolkit.core.damage.repair import repair_frame  # noqa: E402
from restoration_toolkit.testing.damage import (  # noqa: E402
    KINDS,
    SCORING_PICTURES,
    TRAINING_PICTURES,
    DamageSpec,
    make_damaged_clip,
)
from restoration_toolkit.testing.damage_scoring import (  # noqa: E402
    add_counts,
    changed_outside,
    detection_counts,
    rates,
    region_scores,
)

FRAMES = (2, 3, 4)  # scored frames of a 7-frame clip: two neighbours each side
MODES = {
    "reference + neighbours": (True, True),
    "reference only": (True, False),
    "neighbours only": (False, True),
}


def neighbours(clip, f: int) -> Dict[int, np.ndarray]:
    return {o: clip.scan[f + o] for o in (-2, -1, 1, 2)}


def inpaint(scan: np.ndarray, mask: np.ndarray, method: int, radius: float) -> np.ndarray:
    """OpenCV inpainting channel by channel on 16-bit values (its float path gives values
    far outside the input's range for Telea), pasted inside the mask only."""
    import cv2

    m8 = (mask > 0).astype(np.uint8)
    code = (np.clip(scan[..., :3], 0, 1) * 65535 + 0.5).astype(np.uint16)
    filled = (
        np.stack(
            [cv2.inpaint(np.ascontiguousarray(code[..., c]), m8, radius, method) for c in range(3)],
            axis=2,
        ).astype(np.float32)
        / 65535.0
    )
    return np.where((mask > 0)[..., None], filled, scan[..., :3]).astype(np.float32)


def plain_median(clip, f: int, mask: np.ndarray) -> np.ndarray:
    stack = np.stack([clip.scan[f + o] for o in (-2, -1, 1, 2)])
    out = clip.scan[f].copy()
    out[mask > 0] = np.median(stack, axis=0)[mask > 0]
    return out


def choose_radius(size) -> Dict[str, float]:
    """Each inpainting peer's radius, chosen on a training clip by smoothed ΔE2000."""
    import cv2

    spec = DamageSpec(picture=TRAINING_PICTURES[0], size=size, frames=7, seed=900)
    clip = make_damaged_clip(spec)
    f, best = 3, {}
    truth = clip.damaged(f)
    for name, method in (("telea", cv2.INPAINT_TELEA), ("navier-stokes", cv2.INPAINT_NS)):
        de = {r: region_scores(clip.clean[f], inpaint(clip.scan[f], truth, method, r), truth)
              for r in (3.0, 5.0, 9.0)}
        best[name] = min(de, key=lambda r: de[r]["de2000_smoothed"])
    return best


def detection(clips) -> Dict[str, object]:
    out: Dict[str, object] = {}
    for mode, (use_ref, use_tmp) in MODES.items():
        pooled: Dict[str, Dict[str, int]] = {}
        per_clip, seconds, confusion = [], [], np.zeros((len(KINDS), len(KINDS) + 1), int)
        for clip in clips:
            mine: Dict[str, Dict[str, int]] = {}
            for f in FRAMES:
                t0 = time.perf_counter()
                res = detect_damage(
                    clip.scan[f],
                    reference=clip.reference[f] if use_ref else None,
                    neighbours=neighbours(clip, f) if use_tmp else None,
                )
                seconds.append(time.perf_counter() - t0)
                add_counts(mine, detection_counts(clip.truth[f], res.kind_map, res.binary))
                _confuse(confusion, clip.truth[f], res.kind_map)
                if use_ref and use_tmp:
                    clip.detected[f] = res.mask
            add_counts(pooled, mine)
            per_clip.append(rates(mine))
        out[mode] = {
            "pooled": rates(pooled),
            "spread": _spread(per_clip),
            "seconds_per_frame": round(float(np.median(seconds)), 2),
            "confusion": confusion.tolist(),
        }
    return out


def _confuse(confusion: np.ndarray, truth, kind_map) -> None:
    """Rows: true kind; columns: detected kind (last column: not detected)."""
    for i, kind in enumerate(KINDS):
        t = truth[kind]
        got = kind_map[t]
        for j in range(len(KINDS)):
            confusion[i, j] += int((got == j + 1).sum())
        confusion[i, -1] += int((got == 0).sum())


def _spread(per_clip: List[Dict[str, Dict[str, float]]]) -> Dict[str, Dict[str, List[float]]]:
    out: Dict[str, Dict[str, List[float]]] = {}
    for kind in ("dust", "scratch", "all"):
        for key in ("precision", "recall"):
            vals = [c[kind][key] for c in per_clip if c.get(kind, {}).get(key) is not None]
            out.setdefault(kind, {})[key] = (
                [round(min(vals), 3), round(max(vals), 3)] if vals else []
            )
    return out


def _candidates(clip, f: int, mask: np.ndarray, radius, rows) -> Dict[str, np.ndarray]:
    """Every method's repair of frame ``f`` inside ``mask`` (timing ours into ``rows``)."""
    import cv2

    out = {"scan (untouched)": clip.scan[f]}
    for method in ("auto", "reference", "temporal"):
        name, t0 = f"rtk repair ({method})", time.perf_counter()
        out[name] = repair_frame(
            clip.scan[f],
            mask,
            reference=clip.reference[f],
            neighbours=neighbours(clip, f),
            method=method,
            seed=f,
        ).image
        rows.setdefault(name, {}).setdefault("seconds", []).append(time.perf_counter() - t0)
    out["OpenCV Telea"] = inpaint(clip.scan[f], mask, cv2.INPAINT_TELEA, radius["telea"])
    out["OpenCV Navier–Stokes"] = inpaint(
        clip.scan[f], mask, cv2.INPAINT_NS, radius["navier-stokes"]
    )
    out["plain temporal median"] = plain_median(clip, f, mask)
    return out


def _summary(r: Dict[str, List[float]]) -> Dict[str, object]:
    out: Dict[str, object] = {k: round(float(np.mean(v)), 3) for k, v in r.items()}
    out["changed_outside_px"] = int(np.sum(r["changed_outside_px"]))
    smoothed = r["de2000_smoothed"]
    out["de2000_smoothed_range"] = [
        round(float(np.min(smoothed)), 2),
        round(float(np.max(smoothed)), 2),
    ]
    return out


def repair(clips, radius: Dict[str, float]) -> Dict[str, object]:
    from restoration_toolkit.core.damage.detect import feather

    out: Dict[str, object] = {}
    for masks in ("detected", "truth"):
        rows: Dict[str, Dict[str, List[float]]] = {}
        for clip in clips:
            for f in FRAMES:
                mask = clip.detected[f] if masks == "detected" else feather(clip.damaged(f), 1, 2.0)
                for name, image in _candidates(clip, f, mask, radius, rows).items():
                    scores = region_scores(clip.clean[f], image, clip.damaged(f))
                    scores["changed_outside_px"] = changed_outside(clip.scan[f], image, mask)
                    for k, v in scores.items():
                        rows.setdefault(name, {}).setdefault(k, []).append(v)
        out[masks] = {name: _summary(r) for name, r in rows.items()}
    return out


def deflicker(size) -> Dict[str, float]:
    from restoration_toolkit.core.damage.flicker import (
        cell_means,
        deflicker_frame,
        estimate_flicker,
        measure_flicker,
    )
    from restoration_toolkit.core.damage.motion import warp_neighbours

    undamaged = dict(
        dust_per_frame=0,
        dirt_per_frame=0,
        hairs_per_frame=0,
        scratches=0,
        stain_frame=None,
        subtitle_frames=(),
    )
    clip = make_damaged_clip(
        DamageSpec(picture=SCORING_PICTURES[0], size=size, frames=9, seed=77, **undamaged)
    )
    rng = np.random.default_rng(77)
    ramp = np.linspace(-1, 1, size[0], dtype=np.float32)[None, :, None]
    flick = [
        np.clip(f * (1 + rng.normal(0, 0.05)) * (1 + 0.03 * rng.normal() * ramp), 0, 1)
        for f in clip.scan
    ]
    logs = [cell_means(f) for f in flick]
    by_ref = estimate_flicker(logs, [cell_means(r) for r in clip.reference], relative=True)
    targets = []
    for i, f in enumerate(flick):
        near = {o: flick[i + o] for o in (-2, -1, 1, 2) if 0 <= i + o < len(flick)}
        grids = [cell_means(w.image, ~w.valid) for w in warp_neighbours(f, near)]
        targets.append(np.nanmean(np.stack(grids), axis=0))
    by_nb = estimate_flicker(logs, targets, relative=False)
    return {
        "scan": measure_flicker(flick, clip.clean)["luma_percent"],
        "deflickered (reference)": measure_flicker(
            [deflicker_frame(f, c) for f, c in zip(flick, by_ref.corrections)], clip.clean
        )["luma_percent"],
        "deflickered (neighbours)": measure_flicker(
            [deflicker_frame(f, c) for f, c in zip(flick, by_nb.corrections)], clip.clean
        )["luma_percent"],
    }


def markdown(data) -> str:
    lines = [
        "# Damage detection, repair and deflicker (synthetic clips)",
        "",
        machine_line(data["machine"]),
        "",
        f"Clips: {', '.join(data['pictures'])} × seeds {data['seeds']}, {data['size']}, "
        f"scored frames {data['scored_frames']} of 7; thresholds chosen on "
        f"{', '.join(data['training_pictures'])}. Command: `python benchmarks/damage.py`.",
        "",
        f"## Detection (pixel level, {data['tolerance_px']} px tolerance)",
        "",
        "| evidence | kind | precision | recall | true px | detected px "
        "| P range over clips | R range over clips |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mode, d in data["detection"].items():
        for kind in list(KINDS) + ["all"]:
            r = d["pooled"].get(kind, {})
            sp = d["spread"].get(kind, {})
            lines.append(
                f"| {mode} | {kind} | {_fmt(r.get('precision'))} | {_fmt(r.get('recall'))} | "
                f"{r.get('true_px', 0)} | {r.get('detected_px', 0)} | "
                f"{sp.get('precision', '')} | {sp.get('recall', '')} |"
            )
        lines.append(
            f"| {mode} | seconds per frame (median) | {d['seconds_per_frame']} | | | | | |"
        )
    lines += [
        "",
        "Kind confusion (reference + neighbours; rows true, columns detected, last: missed): "
        + "; ".join(
            f"{k}: {row}"
            for k, row in zip(KINDS, data["detection"]["reference + neighbours"]["confusion"])
        ),
        "",
        "## Repair (damaged pixels vs the clean frame)",
        "",
    ]
    for masks, rows in data["repair"].items():
        lines += [
            f"Masks: **{masks}**.",
            "",
            "| method | ΔE2000 per pixel | ΔE2000 σ1.5 | range over frames | PSNR per pixel (dB) "
            "| PSNR σ1.5 (dB) | changed outside mask (px) |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, r in rows.items():
            lines.append(
                f"| {name} | {r['de2000_pixel']:.2f} | {r['de2000_smoothed']:.2f} | "
                f"{r['de2000_smoothed_range']} | {r['psnr_pixel']:.2f} | "
                f"{r['psnr_smoothed']:.2f} | {r['changed_outside_px']} |"
            )
        lines.append("")
    lines += [
        "## Deflicker (brightness RMS step against the clean clip, %)",
        "",
        "| sequence | flicker % |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v:.3f} |" for k, v in data["deflicker"].items()]
    lines += ["", "## Targets", ""] + [f"- {t}" for t in data["targets"]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--size", default="384x288")
    parser.add_argument("--render-only", default=None, help="re-render a kept JSON (no new run)")
    args = parser.parse_args(argv)
    if args.render_only:  # e.g. docs/benchmarks/damage.json, to add a figure the data holds
        data = json.loads(Path(args.render_only).read_text(encoding="utf-8"))
        data.pop("benchmark", None)
        data["targets"], data["headline"] = targets(data), headline(data)
        print(f"→ {write_results('damage', data, markdown(data))}")
        return 0
    size = tuple(int(v) for v in args.size.split("x"))
    clips = []
    for picture in SCORING_PICTURES:
        for seed in range(args.seeds):
            clip = make_damaged_clip(DamageSpec(picture=picture, size=size, frames=7, seed=seed))
            clip.detected = {}
            clips.append(clip)
    data = {
        "pictures": list(SCORING_PICTURES),
        "seeds": args.seeds,
        "size": args.size,
        "scored_frames": list(FRAMES),
        "tolerance_px": 2,
        "training_pictures": list(TRAINING_PICTURES),
        "target_precision_recall": TARGET_PR,
        "target_de2000": TARGET_DE,
    }
    data["detection"] = detection(clips)
    data["peer_radius"] = choose_radius(size)
    data["repair"] = repair(clips, data["peer_radius"])
    data["deflicker"] = deflicker(size)
    data["targets"], data["headline"] = targets(data), headline(data)
    data["machine"] = machine()
    path = write_results("damage", data, markdown(data))
    log_run("damage", "validation", "damage.py", argv, data)
    print(markdown(data))
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
