"""Benchmark: temporal sync of a synthetic reel against its video references.

    python benchmarks/sync.py [--frames 3000] [--seed 7]

Synthesises a reel (``restoration_toolkit/testing/reels.py``: shots from scikit-image pictures with camera
moves, flicker and grain, at 128×96) and four references made from it — PAL 25 fps 1:1,
NTSC 29.97 3:2 pulldown, field-shifted interlaced PAL, and a 24 fps re-edit (a censored
shot, an inserted foreign shot, dropped and repeated frames) — each with another grade,
softer, another size and its own noise. Every method gets the same thumbnails.

Accuracy = fraction of scan frames mapped exactly right: the clean reference frame when one
exists, else (field-only frames) the right pair of fields with no frame claimed, else
"missing". Speed = scan frames synced per second from thumbnails in memory (feature
extraction, candidate search, the beam search and the result; thumbnail extraction from
files is timed separately, it depends on decoding).

Peers (same thumbnails, same run):
- ``constant offset``: the conform an editor does first — one global offset, 1:1, chosen
  by the best mean similarity (what timecode-only or "slip until it fits" gives);
- ``nearest frame``: each scan frame takes its most similar reference frame (full-frame
  thumbnails, same rank features), no temporal model.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from restoration_toolkit.core.curation.sync import pool, rank_features, sync_sequences  # noqa: E402
from restoration_toolkit.core.io.thumbnails import Thumbnails, thumbnails_from_arrays  # noqa: E402
from restoration_toolkit.testing.reels import Reel, Reference, make_reel, make_references  # noqa: E402


def reframe(frame: np.ndarray, zoom: float, dx: float, dy: float) -> np.ndarray:
    """The picture magnified ``zoom`` about its centre and shifted (dx, dy) pixels."""
    import cv2

    h, w = frame.shape[:2]
    m = np.array(
        [[zoom, 0, (1 - zoom) * w / 2 + dx], [0, zoom, (1 - zoom) * h / 2 + dy]], np.float32
    )
    return cv2.warpAffine(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def score(
    ref: Reference, refs_out: List[Optional[int]], fields_out: Optional[List[Tuple]] = None
) -> float:
    ok = 0
    for i, got in enumerate(refs_out):
        exp_ref, exp_fields = ref.expected(i)
        if exp_ref is not None:
            ok += got == exp_ref
        elif exp_fields:
            ok += got is None and fields_out is not None and fields_out[i] == exp_fields
        else:
            ok += got is None
    return ok / len(refs_out)


def ours(scan: Thumbnails, ref_t: Thumbnails, ref: Reference) -> Tuple[float, float, str]:
    t0 = time.process_time()
    res = sync_sequences(scan, ref_t, scan_fps=24.0, reference_fps=ref.fps)
    dt = time.process_time() - t0
    fields = [tuple(sorted((f, 0 if n == "top" else 1) for f, n in m.fields)) for m in res.mapping]
    acc = score(ref, [m.reference for m in res.mapping], fields)
    speed = f"×{res.speed:.4f}" if res.speed else "-"
    return (
        acc,
        len(scan) / dt,
        f"{res.cadence}, {res.field_order}, speed {speed}, offset {res.offset}",
    )


def constant_offset(
    scan: Thumbnails, ref_t: Thumbnails, ref: Reference
) -> Tuple[float, float, str]:
    t0 = time.process_time()
    zs = rank_features(pool(scan.luma, 32, 24))
    zr = rank_features(pool(ref_t.luma, 32, 24))
    S, R = len(zs), len(zr)
    best, best_off = -np.inf, 0
    for off in range(-S + 1, R):
        a, b = max(0, -off), min(S, R - off)
        if b - a < S // 2:
            continue
        m = float(np.einsum("ij,ij->i", zs[a:b], zr[a + off : b + off]).mean())
        if m > best:
            best, best_off = m, off
    out = [i + best_off if 0 <= i + best_off < R else None for i in range(S)]
    dt = time.process_time() - t0
    return score(ref, out), S / dt, f"offset {best_off}"


def nearest_frame(scan: Thumbnails, ref_t: Thumbnails, ref: Reference) -> Tuple[float, float, str]:
    t0 = time.process_time()
    zs = rank_features(pool(scan.luma, 32, 24))
    zr = rank_features(pool(ref_t.luma, 32, 24))
    out = []
    for a in range(0, len(zs), 1024):
        out += [int(k) for k in np.argmax(zs[a : a + 1024] @ zr.T, axis=1)]
    dt = time.process_time() - t0
    return score(ref, out), len(zs) / dt, "argmax per frame"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "sync.md"))
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    reel = make_reel(args.frames, seed=args.seed)
    refs = make_references(reel, seed=args.seed + 4)
    # beyond the cases: transfers framed 5 % tighter and shifted (the film frames
    # reframed before the transfer, so interlaced fields stay intact)
    framed = Reel(
        [reframe(f, 1.05, 2, -1) for f in reel.frames], reel.shot_of, reel.cuts, reel.dissolves
    )
    for name in ("pal", "ntsc32"):
        (base,) = make_references(framed, seed=args.seed + 4, only=name)
        refs.append(
            Reference(name + " reframed", base.frames, base.fps, base.truth, base.field_order)
        )
    gen = time.perf_counter() - t0
    t0 = time.process_time()
    scan = thumbnails_from_arrays(range(1001, 1001 + args.frames), reel.frames)
    thumb_rate = args.frames / (time.process_time() - t0)
    ref_thumbs: Dict[str, Thumbnails] = {}
    for ref in refs:
        ref_thumbs[ref.name] = thumbnails_from_arrays(
            range(len(ref.frames)), ref.frames, fields=True
        )

    methods = (
        ("ours (rtk sync)", ours),
        ("constant offset", constant_offset),
        ("nearest frame", nearest_frame),
    )
    rows = []
    for ref in refs:
        for label, fn in methods:
            acc, rate, note = fn(scan, ref_thumbs[ref.name], ref)
            rows.append((ref.name, label, acc, rate, note))
            print(
                f"{ref.name:<11} {label:<16} {acc * 100:7.2f} %  {rate:8.0f} frames/CPU-s  {note}",
                flush=True,
            )

    lines = [
        "# Benchmark: temporal sync (`benchmarks/sync.py`)",
        "",
        f"Synthetic reel of {args.frames} film frames (seed {args.seed}, {len(reel.cuts) + 1} shots, 128×96, "
        "scikit-image pictures with pans/zooms, flicker, grain) and four references made from it, each "
        "regraded (gamma 0.8, color cast), softened, resized and re-noised. Same thumbnails for every method.",
        "",
        f"Command: `python benchmarks/sync.py --frames {args.frames} --seed {args.seed}` — "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        "2 cores shared with other work.",
        "",
        f"Speed is scan frames per CPU-second of this process (`time.process_time`), because the machine "
        f"was shared (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores when the run ended): "
        "wall-clock rates were several times lower and meaningless. BLAS may use both cores for the "
        "matrix products, which CPU time counts twice.",
        "",
        "| reference | method | frames mapped exactly right | scan frames / CPU-s | detected |",
        "|---|---|---:|---:|---|",
    ]
    for name, label, acc, rate, note in rows:
        lines.append(f"| {name} | {label} | {acc * 100:.2f} % | {rate:,.0f} | {note} |")
    ours_rows = [r for r in rows if r[1].startswith("ours") and "reframed" not in r[0]]
    reframed = [r for r in rows if r[1].startswith("ours") and "reframed" in r[0]]
    worst = min(r[2] for r in ours_rows)
    slowest = min(r[3] for r in ours_rows)
    lines += [
        "",
        f"Targets (the four cases above): ≥ 99.5 % on every case — ours: worst case {worst * 100:.2f} % "
        f"({'met' if worst >= 0.995 else 'NOT met'}); ≥ 2 000 frames/s — ours: "
        f"{min(r[3] for r in ours_rows):,.0f}–{max(r[3] for r in ours_rows):,.0f} frames per CPU-second "
        f"({'met' if slowest >= 2000 else 'NOT met for ' + ', '.join(r[0] for r in ours_rows if r[3] < 2000)}; "
        "the beam search is a per-frame numpy loop, and 3:2 pulldown keeps the cadence phase in its "
        "states and runs one extra detection pass over 300 frames).",
        "",
        "Reframed rows (not among the issue's cases; the transfer magnified 5 % and shifted 2 px, -1 px): "
        + "; ".join(f"{r[0]} {r[2] * 100:.2f} %" for r in reframed)
        + ". The framing is estimated and corrected (extra search passes, hence the lower rate); "
        "where a row is below 99.5 % the residual framing error still shifts some pans by a frame — "
        "crop / reframe such a reference to the scan's framing first for exact pairs.",
        "",
        f"Thumbnail extraction (in memory, 128×96 frames → 64×48 luma + 16×12 color): {thumb_rate:,.0f} frames per CPU-second. "
        "From files it is bound by decoding (EXR/DPX at 2K–4K: tens of frames/s per core); the "
        "thumbnail cache (`pipeline/01_dataset_curation/cache/`) makes that a one-time cost.",
        f"Reel synthesis took {gen:.0f} s (not timed above).",
        "",
        "What the peers show: a constant offset cannot follow 3:2 pulldown (1.25 video frames per film "
        "frame) nor an edit; a per-frame nearest match pairs field-mixed video frames and jumps between "
        "look-alike frames of slow shots. Truth for field-only film frames (3:2 pulldown C frames, "
        "field-shifted video) is 'no clean frame, these two fields' — the peers cannot say that.",
        "",
        "Limits: apart from the reframed rows the synthetic references keep the framing (no letterbox, "
        "no pan-and-scan) and the edits are isolated; "
        "a frame dropped next to a repeated frame in a near-static shot is ambiguous by content. The global "
        "candidate search is O(scan × reference): a 200 000-frame reel against 250 000 video frames needs "
        "about 10¹³ multiply-adds (minutes on 2 cores).",
    ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
