"""Benchmark: stage 02 alignment against OpenCV ECC (affine) and ECC + DIS optical flow.

Pairs are built from scikit-image's sample pictures with a known map
(:mod:`restoration_toolkit.testing.alignment_pairs`): a 2048×1556 scan (softened, grain,
optionally dye-faded) and a 960×540 reference seen through a known scale / pixel aspect /
reframe / rotation / smooth warp, JPEG-compressed, optionally letterboxed or subtitled. Every
case also carries a little of everything (0.25° rotation, a reframe offset, a 0.6 px warp,
light grain, JPEG q90), as real pairs do.

Reported per case and method: mean and 95th-percentile end-point error (EPE) in scan pixels
and seconds per pair (estimate + full-resolution map). EPE is measured on the pixels the
reference picture truly covers (the same pixels for every method); for this toolkit also on
its own confident pixels (confidence > 0.5), with the confident fraction of the scan. Peers
start from the same SIFT + RANSAC affine this toolkit starts from (ECC has no scale search: from
a "reformat to width" start it fails to converge on every case here) and run at the same
working resolution (the scan downscaled to the reference width).

Run: ``python benchmarks/alignment.py [--cases grain,letterbox] [--out docs/benchmarks/alignment.md]``
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # BLAS threads fight OpenCV's on 2 cores
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Dict, List, Optional, Tuple  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from restoration_toolkit.core.alignment import estimate_alignment  # noqa: E402
from restoration_toolkit.core.alignment.geometry import affine_grid, change_grids  # noqa: E402
from restoration_toolkit.core.alignment.global_model import initialise  # noqa: E402
from restoration_toolkit.core.alignment.preprocess import detect_bars  # noqa: E402
from restoration_toolkit.core.ycbcr import luminance  # noqa: E402
from restoration_toolkit.testing.alignment_pairs import (  # noqa: E402
    PairSpec,
    SyntheticPair,
    end_point_error,
    make_pair,
)

BASE = PairSpec(rotation_deg=0.25, offset=(6.0, -4.0), warp=0.6, grain=0.015, jpeg_quality=90)


def _picture(name: str) -> np.ndarray:
    import skimage.data

    if name == "motorcycle":
        img = skimage.data.stereo_motorcycle()[0]
    else:
        img = getattr(skimage.data, name)()
    img = np.asarray(img, np.float32)
    img = img / 255.0 if img.max() > 1.5 else img
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img[:, :, :3]


# case name → (skimage picture, changes to BASE)
CASES: Dict[str, Tuple[str, dict]] = {
    "scale/PAR": ("astronaut", dict(coverage=0.8, par=1.12)),
    "crop/reframe": ("coffee", dict(scale=1.45, offset=(150.0, -90.0))),
    "letterbox": ("rocket", dict(letterbox=66)),
    "rotation": ("chelsea", dict(rotation_deg=2.5)),
    "smooth warp": ("motorcycle", dict(warp=3.0)),
    "JPEG": ("immunohistochemistry", dict(jpeg_quality=20)),
    "grain": ("astronaut", dict(grain=0.07)),
    "color fade": ("coffee", dict(fade=True)),
    "subtitles": ("motorcycle", dict(subtitles=True, letterbox=40)),
}


@dataclass
class Outcome:
    mean: float
    p95: float
    seconds: float
    cpu: float = float("nan")
    conf_mean: float = float("nan")
    conf_p95: float = float("nan")
    confident: float = float("nan")
    failed: str = ""


def _gray(img: np.ndarray) -> np.ndarray:
    return luminance(img).astype(np.float32)


def _fit_width(scan_shape, ref_shape) -> np.ndarray:
    hs, ws = scan_shape
    hr, wr = ref_shape
    s = wr / ws
    return np.array(
        [[s, 0, (wr - 1) / 2 - s * (ws - 1) / 2], [0, s, (hr - 1) / 2 - s * (hs - 1) / 2]]
    )


def peer_ecc(pair: SyntheticPair, with_flow: bool) -> np.ndarray:
    """OpenCV ECC affine from the fit-width framing; optionally + DIS flow."""
    scan_g, ref_g = _gray(pair.scan), _gray(pair.reference)
    hs, ws = scan_g.shape
    f = ref_g.shape[1] / ws
    small = cv2.resize(
        scan_g, (int(round(ws * f)), int(round(hs * f))), interpolation=cv2.INTER_AREA
    )
    fs = (small.shape[1] / ws, small.shape[0] / hs)
    # the same start as ours: SIFT + RANSAC affine (ECC has no scale search of its own)
    box = detect_bars(ref_g)
    start = initialise(scan_g, ref_g, box).matrix
    m_w = change_grids(start, fs, (1, 1))
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 200, 1e-6)
    # ECC (Evangelidis & Psarakis 2008) at the working resolution: the template is the scan,
    # the warp maps scan points to reference points
    _, warp = cv2.findTransformECC(
        small, ref_g, m_w.astype(np.float32), cv2.MOTION_AFFINE, criteria, None, 5
    )
    m_w = warp.astype(np.float64)
    if not with_flow:
        return affine_grid(change_grids(m_w, (1 / fs[0], 1 / fs[1]), (1, 1)), (hs, ws))
    grid = affine_grid(m_w, small.shape)
    warped = cv2.remap(ref_g, grid[..., 0], grid[..., 1], cv2.INTER_LINEAR)
    to8 = lambda x: np.clip(x * 255 + 0.5, 0, 255).astype(np.uint8)  # noqa: E731
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = dis.calc(to8(small), to8(warped), None)
    # compose: reference point = M_w (x_w + flow(x_w)), flow resampled to the full grid
    flow_full = cv2.resize(flow, (ws, hs), interpolation=cv2.INTER_LINEAR)
    xs = (np.arange(ws, dtype=np.float32) + 0.5) * fs[0] - 0.5
    ys = (np.arange(hs, dtype=np.float32) + 0.5) * fs[1] - 0.5
    px = xs[None, :] + flow_full[..., 0]
    py = ys[:, None] + flow_full[..., 1]
    out = np.empty((hs, ws, 2), np.float32)
    out[..., 0] = m_w[0, 0] * px + m_w[0, 1] * py + m_w[0, 2]
    out[..., 1] = m_w[1, 0] * px + m_w[1, 1] * py + m_w[1, 2]
    return out


def _score(pair: SyntheticPair, map_xy: np.ndarray, seconds: float, confidence=None) -> Outcome:
    epe = end_point_error(pair, map_xy)
    e = epe[pair.true_valid]
    out = Outcome(float(e.mean()), float(np.percentile(e, 95)), seconds)
    if confidence is not None:
        c = confidence > 0.5
        out.confident = float(c.mean())
        if c.any():
            out.conf_mean = float(epe[c].mean())
            out.conf_p95 = float(np.percentile(epe[c], 95))
    return out


def run_case(name: str, picture: str, changes: dict, seed: int) -> Dict[str, Outcome]:
    pair = make_pair(_picture(picture), replace(BASE, seed=seed, **changes))
    results: Dict[str, Outcome] = {}
    t, c = time.perf_counter(), time.process_time()
    res = estimate_alignment(pair.scan, pair.reference)
    results["rtk"] = _score(pair, res.map_xy, time.perf_counter() - t, res.confidence)
    results["rtk"].cpu = time.process_time() - c
    for label, flow in (("ECC affine", False), ("ECC + DIS", True)):
        t, c = time.perf_counter(), time.process_time()
        try:
            m = peer_ecc(pair, flow)
            results[label] = _score(pair, m, time.perf_counter() - t)
        except cv2.error as exc:
            results[label] = Outcome(
                float("inf"),
                float("inf"),
                time.perf_counter() - t,
                failed=str(exc).strip().splitlines()[-1][:60],
            )
        results[label].cpu = time.process_time() - c
    return results


def _fmt(v: float) -> str:
    return "fail" if not np.isfinite(v) else f"{v:.3f}"


def table(rows: List[Tuple[str, Dict[str, Outcome]]]) -> str:
    lines = [
        "| case | method | mean EPE (px) | p95 EPE (px) | mean / p95 on own confident px | confident fraction | CPU s / pair | wall s / pair | mean vs rtk |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case, res in rows:
        ours = res["rtk"].mean
        for method, o in res.items():
            own = f"{_fmt(o.conf_mean)} / {_fmt(o.conf_p95)}" if method == "rtk" else "—"
            conf = f"{o.confident:.3f}" if method == "rtk" else "—"
            ratio = (
                "1.0×"
                if method == "rtk"
                else (f"{o.mean / ours:.1f}×" if np.isfinite(o.mean) else "fail")
            )
            lines.append(
                f"| {case} | {method} | {_fmt(o.mean)} | {_fmt(o.p95)} | {own} | {conf} | {o.cpu:.2f} | {o.seconds:.2f} | {ratio} |"
            )
    return "\n".join(lines)


def verdict(rows) -> List[str]:
    out = []
    ours = [r["rtk"] for _, r in rows]
    for label, key_m, key_p in (
        ("confident pixels (the issue's measure)", "conf_mean", "conf_p95"),
        ("all pixels the reference covers", "mean", "p95"),
    ):
        worst_mean = max(getattr(o, key_m) for o in ours)
        worst_p95 = max(getattr(o, key_p) for o in ours)
        out.append(
            f"- mean EPE ≤ 0.25 px over {label}: worst case {worst_mean:.3f} px → "
            f"{'met' if worst_mean <= 0.25 else 'MISSED'}"
        )
        out.append(
            f"- p95 EPE ≤ 0.6 px over {label}: worst case {worst_p95:.3f} px → "
            f"{'met' if worst_p95 <= 0.6 else 'MISSED'}"
        )
    slowest = max(o.cpu for o in ours)
    slowest_wall = max(o.seconds for o in ours)
    out.append(
        f"- ≤ 2 s per pair on 2 cores: slowest {slowest:.2f} CPU s (all threads) → "
        f"{'met' if slowest <= 2 else 'MISSED'}; wall {slowest_wall:.2f} s on a machine shared by "
        "other jobs (load in the header), so wall seconds here are upper bounds"
    )
    losses = [
        case
        for case, r in rows
        for m in ("ECC affine", "ECC + DIS")
        if not (r["rtk"].mean < r[m].mean and r["rtk"].p95 < r[m].p95)
    ]
    out.append(
        "- better than both peers (mean and p95) in every case: "
        + ("yes" if not losses else "NO — not in: " + ", ".join(sorted(set(losses))))
    )
    return out


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=None, help="comma-separated case names (default: all)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "alignment.md"))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    names = list(CASES) if not args.cases else [c.strip() for c in args.cases.split(",")]
    rows = []
    for i, name in enumerate(names):
        picture, changes = CASES[name]
        res = run_case(name, picture, changes, seed=100 + i)
        rows.append((name, res))
        o = res["rtk"]
        print(
            f"{name:14s} rtk {o.mean:.3f}/{o.p95:.3f} conf {o.conf_mean:.3f}/{o.conf_p95:.3f} ({o.cpu:.2f} cpu s)  ECC {_fmt(res['ECC affine'].mean)}  "
            f"ECC+DIS {_fmt(res['ECC + DIS'].mean)}",
            file=sys.stderr,
            flush=True,
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = "\n".join(
        [
            "# Alignment benchmark (stage 02)",
            "",
            "Produced by `python benchmarks/alignment.py` — do not edit by hand.",
            "",
            f"Scan 2048×1556, reference 960×540; EPE in scan pixels over the pixels the reference truly covers "
            f"(same pixels for every method). Machine: {platform.machine()}, {os.cpu_count()} CPU cores, "
            f"OpenCV {cv2.__version__}, numpy {np.__version__}; load average at the end {load:.1f} "
            f"(cores shared with other work: seconds are upper bounds).",
            "",
            table(rows),
            "",
            "## Targets",
            "",
            *verdict(rows),
            "",
            "Cases: "
            + "; ".join(f"{n} = {CASES[n][0]} {CASES[n][1]}" for n in names)
            + f". Every case on top of {BASE}.",
            "",
        ]
    )
    print(text)
    if not args.no_write:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name("." + out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
