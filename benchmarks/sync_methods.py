"""The methods `benchmarks/sync.py` compares, on the same thumbnails, and the child process
that runs ours at feature scale so its CPU time and peak memory are its own.

- ``ours``: :func:`restoration_toolkit.core.curation.sync.sync_sequences`.
- ``global offset``: the conform an editor tries first: one offset for the whole reel at
  the nominal rate (1 reference frame per scan frame, or 1.25 for 3:2 pulldown — both are
  tried, the better kept), chosen by the best mean similarity: what a timecode conform or
  "slip until it fits" gives.
- ``per-frame nearest``: each scan frame takes its most similar reference frame, no
  temporal model.

Both peers use the same features as ours (global ranks, 32×24), their best setting.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from restoration_toolkit.core.curation.sync import SyncSettings, sync_sequences
from restoration_toolkit.core.curation.sync.features import frame_features, tone_curve
from restoration_toolkit.core.io.thumbnails import Thumbnails

Answer = Tuple[List[Optional[int]], Optional[List[tuple]]]  # frames (0-based), fields

# reference frames per scan frame the global-offset peer tries (1:1, 3:2 pulldown)
GLOBAL_OFFSET_RATES = (1.0, 1.25)


def _features(t: Thumbnails) -> np.ndarray:
    return frame_features(t.luma, 32, 24, tone_curve(t.luma, 32, 24))


def ours(scan: Thumbnails, ref: Thumbnails, ref_fps: float, settings=None) -> Answer:
    res = sync_sequences(scan, ref, scan_fps=24.0, reference_fps=ref_fps, settings=settings)
    return answer_of(res, int(ref.frames[0]))


def answer_of(res, ref_first: int) -> Answer:
    frames = [None if m.reference is None else m.reference - ref_first for m in res.mapping]
    fields = [
        tuple(sorted((f - ref_first, 0 if n == "top" else 1) for f, n in m.fields))
        for m in res.mapping
    ]
    return frames, fields


def global_offset(scan: Thumbnails, ref: Thumbnails, ref_fps: float) -> Answer:
    zs, zr = _features(scan), _features(ref)
    S, R = len(zs), len(zr)
    i = np.arange(S)
    best = (-np.inf, 1.0, 0)
    for rate in GLOBAL_OFFSET_RATES:
        col = np.rint(rate * i).astype(np.int64)
        offs = np.arange(-int(col[-1]), R)
        total = np.zeros(len(offs))
        count = np.zeros(len(offs))
        for a in range(0, S, 512):  # sum of similarities along each candidate line
            sims = zs[a : a + 512] @ zr.T
            idx = col[a : a + 512, None] + offs[None, :]
            ok = (idx >= 0) & (idx < R)
            vals = np.take_along_axis(sims, np.clip(idx, 0, R - 1), axis=1)
            total += np.where(ok, vals, 0.0).sum(axis=0)
            count += ok.sum(axis=0)
        mean = np.where(count >= S // 2, total / np.maximum(count, 1), -np.inf)
        k = int(np.argmax(mean))
        if mean[k] > best[0]:
            best = (float(mean[k]), rate, int(offs[k]))
    _, rate, off = best
    out = [int(round(rate * x)) + off for x in i]
    return [f if 0 <= f < R else None for f in out], None


def nearest_frame(scan: Thumbnails, ref: Thumbnails, ref_fps: float) -> Answer:
    zs, zr = _features(scan), _features(ref)
    out: List[Optional[int]] = []
    for a in range(0, len(zs), 1024):
        out += [int(k) for k in np.argmax(zs[a : a + 1024] @ zr.T, axis=1)]
    return out, None


PEERS = (("global offset", global_offset), ("per-frame nearest", nearest_frame))


def save_thumbnails(path: Path, t: Thumbnails) -> None:
    fields = t.fields if t.fields is not None else np.zeros(0, np.float32)
    np.savez(path, frames=t.frames, luma=t.luma, color=t.color, fields=fields)


def load_thumbnails(path: Path) -> Thumbnails:
    with np.load(path) as d:
        fields = d["fields"] if d["fields"].size else None
        return Thumbnails(d["frames"], d["luma"], d["color"], fields)


def run_child(scan: Path, ref: Path, ref_fps: float, out: Path) -> Dict[str, float]:
    """Run ours in a fresh process on thumbnails saved to disk (as ``rtk sync`` reads its
    thumbnail cache); return its CPU seconds (user + system, BLAS threads included), peak
    resident memory and wall time, and leave its answer in ``out`` (.npz)."""
    cmd = [sys.executable, str(Path(__file__)), str(scan), str(ref), str(ref_fps), str(out)]
    env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        raise RuntimeError(f"sync child failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _child(argv: List[str]) -> int:
    scan_p, ref_p, fps, out = argv
    wall = time.perf_counter()
    scan, ref = load_thumbnails(Path(scan_p)), load_thumbnails(Path(ref_p))
    loaded = time.process_time()
    res = sync_sequences(scan, ref, scan_fps=24.0, reference_fps=float(fps))
    frames, fields = answer_of(res, int(ref.frames[0]))
    cpu = os.times()
    flat = np.full((len(fields), 4, 2), -1, np.int64)
    for i, f in enumerate(fields):
        if f:
            flat[i, : len(f)] = np.asarray(f[:4])
    np.savez(out, frames=np.array([-1 if f is None else f for f in frames]), fields=flat)
    print(
        json.dumps(
            {
                "cpu_s": cpu.user + cpu.system,
                "load_cpu_s": loaded,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "wall_s": time.perf_counter() - wall,
                "explanation": res.explanation,
            }
        )
    )
    return 0


def read_child_answer(path: Path) -> Answer:
    with np.load(path) as d:
        frames = [None if f < 0 else int(f) for f in d["frames"]]
        fields = [tuple(tuple(int(v) for v in x) for x in row if x[0] >= 0) for row in d["fields"]]
    return frames, fields


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    sys.exit(_child(sys.argv[1:]))


__all__ = ["PEERS", "SyncSettings", "ours", "run_child", "read_child_answer"]
