"""Benchmark: temporal sync of synthetic reels against their video references.

    python benchmarks/sync.py [--frames 3000] [--seeds 11 12 13] [--ablation 12000]
                              [--scale 150000 ...] [--cache DIR]

Material (``restoration_toolkit/testing/reels.py`` and ``transfers.py``): a reel of shots cut
from scikit-image pictures with camera moves, flicker and grain, rendered at 96×72, and its
transfers — PAL 25 fps 1:1, NTSC 29.97 3:2 pulldown, field-shifted interlaced PAL, a 24 fps
re-edit (per 3,000 frames a censored shot, an inserted foreign shot, 3 dropped and 2
repeated frames), and PAL / NTSC transfers framed 5 % tighter — each regraded, softened,
resized and re-noised. Thumbnails are synthesised at the size the sync reads (32×24, fields
brought back to the frame grid), the same for every method: thumbnail-level synthesis keeps a
150,000-frame reel feasible; its time is reported apart from the sync's.

Scoring (``restoration_toolkit/testing/sync_scoring.py``): frames with a clean reference
frame, scored for every method; field-only frames (3:2 C frames, field-shifted video),
scored only for a method that can name fields; frames absent from the reference. Several
seeds: mean ± standard deviation. Sections: accuracy and peers (``--frames``, ``--seeds``);
the cause of the accuracy drop at scale (``--ablation`` frames, the first seed: the search
before and after each change); feature scale (``--scale`` frames, PAL / NTSC 3:2 / re-edit,
ours in a child process: its CPU seconds, peak resident memory, wall time); and the rate of
the toolkit's own thumbnail extraction from 2K EXR files.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.results import log_run, machine, write_results  # noqa: E402
from benchmarks.sync_methods import (  # noqa: E402
    GLOBAL_OFFSET_RATES,
    PEERS,
    load_thumbnails,
    ours,
    read_child_answer,
    run_child,
    save_thumbnails,
)
from benchmarks.sync_report import (  # noqa: E402
    CPU_BUDGET_S,
    TARGET,
    headline,
    markdown,
    summarise,
)
from restoration_toolkit.core.curation.sync import SyncSettings  # noqa: E402
from restoration_toolkit.core.curation.sync.search import LEGACY_GAP_RULE  # noqa: E402
from restoration_toolkit.core.io.thumbnails import THUMB_H, THUMB_W  # noqa: E402
from restoration_toolkit.testing.reels import ReelPlan, plan_reel, reel_thumbnails  # noqa: E402
from restoration_toolkit.testing.sync_scoring import score_mapping  # noqa: E402
from restoration_toolkit.testing.transfers import (  # noqa: E402
    plan_transfers,
    transfer_thumbnails,
)

RENDER = (96, 72)
THUMB = (32, 24)
SCALE_VARIANTS = ("ntsc32", "pal", "edited")
BASE_VARIANTS = ("pal", "ntsc32", "interlaced", "edited")
GENERATOR = "reels-v3"  # bump when the synthesis changes (names cached thumbnails)


def reframe(frame: np.ndarray, zoom: float, dx: float, dy: float) -> np.ndarray:
    """The picture magnified ``zoom`` about its centre and shifted (dx, dy) pixels."""
    import cv2

    h, w = frame.shape[:2]
    m = np.array(
        [[zoom, 0, (1 - zoom) * w / 2 + dx], [0, zoom, (1 - zoom) * h / 2 + dy]], np.float32
    )
    return cv2.warpAffine(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def film_plan(n: int, seed: int) -> ReelPlan:
    return plan_reel(n, seed=seed, size=RENDER, grain=0.03 * RENDER[0] / 128)


def transfers(film: ReelPlan, seed: int, names=None) -> List[tuple]:
    """(name, film the transfer is made from, plan) of every variant (or those named)."""
    out = [(p.name, film, p) for p in plan_transfers(film, seed=seed + 4)]
    s = RENDER[0] / 128
    framed = replace(film, reframe=partial(reframe, zoom=1.05, dx=2 * s, dy=-s))
    for name in ("pal", "ntsc32"):
        (p,) = plan_transfers(framed, seed=seed + 4, only=name)
        out.append((name + " reframed", framed, p))
    return [v for v in out if names is None or v[0] in names]


def _cached(cache: Optional[Path], tag: str, make):
    """Thumbnails from ``cache`` (made and saved when absent) and the CPU seconds spent."""
    path = cache / f"{GENERATOR}_{tag}.npz" if cache else None
    if path is not None and path.is_file():
        return load_thumbnails(path), None
    t0 = time.process_time()
    thumbs = make()
    spent = time.process_time() - t0
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_thumbnails(path, thumbs)
    return thumbs, spent


def _row(variant: str, method: str, sc, cpu: float, n: int, **extra) -> Dict[str, Any]:
    return {"variant": variant, "method": method, **asdict(sc), "cpu_s": cpu, "n": n, **extra}


def accuracy(n: int, seeds: List[int], cache: Optional[Path]) -> Dict[str, Any]:
    """Every variant × method × seed at ``n`` frames."""
    rows, synth = [], []
    for seed in seeds:
        film = film_plan(n, seed)
        scan, spent = _cached(cache, f"scan_{n}_{seed}", partial(reel_thumbnails, film, size=THUMB))
        synth.append(spent)
        names = None if seed == seeds[0] else BASE_VARIANTS  # reframed: first seed only
        for name, source, plan in transfers(film, seed, names):
            key = f"{name.replace(' ', '-')}_{n}_{seed}"
            ref, _ = _cached(cache, key, partial(transfer_thumbnails, plan, source, size=THUMB))
            truth = plan.truth()
            for label, fn in (("ours", ours),) + PEERS:
                t0 = time.process_time()
                frames, fields = fn(scan, ref, plan.fps)
                cpu = time.process_time() - t0
                sc = score_mapping(truth, frames, fields)
                rows.append(_row(name, label, sc, cpu, n, seed=seed))
                print(
                    f"{n} seed {seed} {name:<17} {label:<18} clean {sc.clean} "
                    f"fields {sc.field_only} absent {sc.absent} {cpu:.1f} s",
                    flush=True,
                )
    return {"frames": n, "seeds": seeds, "rows": rows, "scan_synthesis_cpu_s": synth}


CONFIGS = (
    (
        "per-frame ranks, old gap rule (before)",
        SyncSettings(features="frame", blank_stretches=False),
    ),
    ("global ranks, old gap rule", SyncSettings(blank_stretches=False)),
    ("global ranks, blank stretches kept (now)", SyncSettings()),
)


def ablation(n: int, seed: int, cache: Optional[Path]) -> Dict[str, Any]:
    """Ours before and after each change, at ``n`` frames (where the drop showed)."""
    film = film_plan(n, seed)
    scan, _ = _cached(cache, f"scan_{n}_{seed}", partial(reel_thumbnails, film, size=THUMB))
    rows = []
    for name, source, plan in transfers(film, seed, SCALE_VARIANTS):
        ref, _ = _cached(
            cache, f"{name}_{n}_{seed}", partial(transfer_thumbnails, plan, source, size=THUMB)
        )
        truth = plan.truth()
        for label, settings in CONFIGS:
            t0 = time.process_time()
            frames, fields = ours(scan, ref, plan.fps, settings)
            sc = score_mapping(truth, frames, fields)
            wrong = [i for i, f in enumerate(frames) if not _right(truth[i], f, fields[i])]
            images = sorted({film.shots[film.shot_of[i]].image for i in wrong})
            rows.append(
                _row(
                    name,
                    label,
                    sc,
                    time.process_time() - t0,
                    n,
                    seed=seed,
                    wrong_in_pictures=images,
                )
            )
            print(
                f"ablation {name:<8} {label:<42} overall {sc.overall:.5f} wrong in {images}",
                flush=True,
            )
    return {"frames": n, "seed": seed, "rows": rows}


def _right(fl, frame, fields) -> bool:
    return score_mapping([fl], [frame], [fields]).overall == 1.0


def scale(
    sizes: List[int], seed: int, cache: Optional[Path], variants=SCALE_VARIANTS
) -> List[Dict[str, Any]]:
    """Ours at feature scale, in a child process per variant."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="rtk-sync-bench-") as tmp:
        work = cache or Path(tmp)
        for n in sizes:
            film = film_plan(n, seed)
            scan, scan_cpu = _cached(
                work, f"scan_{n}_{seed}", partial(reel_thumbnails, film, size=THUMB)
            )
            scan_path = work / f"{GENERATOR}_scan_{n}_{seed}.npz"
            if not scan_path.is_file():
                save_thumbnails(scan_path, scan)
            del scan
            chosen = transfers(film, seed, variants)
            for name, source, plan in sorted(chosen, key=lambda v: variants.index(v[0])):
                ref, ref_cpu = _cached(
                    work,
                    f"{name}_{n}_{seed}",
                    partial(transfer_thumbnails, plan, source, size=THUMB),
                )
                ref_path = work / f"{GENERATOR}_{name}_{n}_{seed}.npz"
                if not ref_path.is_file():
                    save_thumbnails(ref_path, ref)
                del ref
                out = Path(tmp) / "answer.npz"
                stats = run_child(scan_path, ref_path, plan.fps, out)
                frames, fields = read_child_answer(out)
                sc = score_mapping(plan.truth(), frames, fields)
                rows.append(
                    _row(
                        name,
                        "ours",
                        sc,
                        stats["cpu_s"],
                        n,
                        seed=seed,
                        synthesis_cpu_s={"scan": scan_cpu, "reference": ref_cpu},
                        reference_frames=len(plan),
                        **{k: v for k, v in stats.items() if k != "cpu_s"},
                    )
                )
                print(
                    f"scale {n} {name:<8} overall {sc.overall:.5f} cpu {stats['cpu_s']:.0f} s "
                    f"rss {stats['peak_rss_mb']:.0f} MB",
                    flush=True,
                )
    return rows


def extraction_rate(frames: int = 12) -> Dict[str, Any]:
    """The toolkit's own thumbnail extraction (read + thumbnail + cache) of 2K EXR frames,
    scan-like (no fields) and reference-like (with fields), frames per CPU-second."""
    from restoration_toolkit.core.io.images import write_image
    from restoration_toolkit.core.io.sequence import open_sequence
    from restoration_toolkit.core.io.thumbnails import sequence_thumbnails

    rng = np.random.default_rng(0)
    out: Dict[str, Any] = {"frames": frames, "size": [2048, 1556], "format": "EXR half"}
    with tempfile.TemporaryDirectory(prefix="rtk-thumb-bench-") as tmp:
        img = rng.random((1556, 2048, 3), dtype=np.float32)
        for f in range(1, frames + 1):
            write_image(Path(tmp) / f"S.{f:04d}.exr", img)
        seq = open_sequence(str(Path(tmp) / "S.####.exr"))
        for label, fields in (("scan", False), ("reference_with_fields", True)):
            t0 = time.process_time()
            sequence_thumbnails(seq, fields=fields)
            out[label + "_frames_per_cpu_s"] = frames / (time.process_time() - t0)
    return out


def settings() -> Dict[str, Any]:
    """The constants the table's text names, kept in the JSON beside the figures."""
    return {
        "target_percent": TARGET,
        "cpu_budget_s": CPU_BUDGET_S,
        "benchmark_thumbnail_px": list(THUMB),
        "toolkit_thumbnail_px": [THUMB_W, THUMB_H],
        "global_offset_rates": list(GLOBAL_OFFSET_RATES),
        "legacy_gap_rule": list(LEGACY_GAP_RULE),
    }


def _render_only(name: str) -> int:
    """Re-render a kept run's table (the JSON's figures are not touched; settings refreshed)."""
    path = ROOT / "docs" / "benchmarks" / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["settings"] = settings()
    data["summary"] = summarise(data)
    data["headline"] = headline(data["summary"])
    print(f"wrote {write_results(name, data, markdown(data))}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=3000, help="accuracy rows (0: none)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    ap.add_argument(
        "--ablation", type=int, default=12000, help="frames of the before/after rows (0: none)"
    )
    ap.add_argument(
        "--scale", type=int, nargs="*", default=[], help="feature-scale rows, e.g. 150000"
    )
    ap.add_argument(
        "--scale-variants", nargs="+", default=list(SCALE_VARIANTS), choices=SCALE_VARIANTS
    )
    ap.add_argument("--cache", default=None, help="keep synthesised thumbnails here between runs")
    ap.add_argument("--name", default="sync", help="results name in docs/benchmarks/")
    ap.add_argument(
        "--render-only", action="store_true", help="re-render --name's table from its JSON"
    )
    args = ap.parse_args(argv)
    if args.render_only:
        return _render_only(args.name)
    cache = Path(args.cache) if args.cache else None
    data: Dict[str, Any] = {
        "command": "python benchmarks/sync.py " + " ".join(argv or sys.argv[1:])
    }
    data["extraction"] = extraction_rate()

    def write() -> Path:  # after every section, so a long run leaves what it measured
        data["machine"] = machine()
        data["settings"] = settings()
        data["summary"] = summarise(data)
        data["headline"] = headline(data["summary"])
        return write_results(args.name, data, markdown(data))

    if args.scale:  # the headline first: the 3:2 pulldown feature
        data["scale"] = scale(args.scale, args.seeds[0], cache, tuple(args.scale_variants[:1]))
    if args.frames:
        data["accuracy"] = accuracy(args.frames, args.seeds, cache)
    path = write()
    if args.ablation:
        data["ablation"] = ablation(args.ablation, args.seeds[0], cache)
        path = write()
    if args.scale and len(args.scale_variants) > 1:
        rest = tuple(args.scale_variants[1:])
        data["scale"] += scale(args.scale, args.seeds[0], cache, rest)
        path = write()
    log_run(args.name, "dataset_curation", "sync.py", argv, data)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
