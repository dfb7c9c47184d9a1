# ruff: noqa: E501  (a report generator: long Markdown table lines)
"""Benchmark: color recovery on five independent degradation families — the cross-validated
choice of ``rtk matchgrade fit`` vs every one of its candidates vs named peers.

Data (no download): 5 training and 5 held-out pictures (restoration_toolkit.testing.
benchmark_images), degraded by the five families of restoration_toolkit.testing.
color_families — written independently of every fitting method — with fresh random
parameters and grain on every draw. Per draw:

1. **Choosing** sees the 5 training pairs only: the toolkit's cross-validation (leave one
   picture out: each picture is its own shot) picks its model; every candidate is also refit
   on all training pairs (its weights chosen by its own inner cross-validation); every peer
   family (colour-science Cheung 2004 / Finlayson 2015 / Vandermonde, color-matcher) gets its
   best setting chosen by the same cross-validation on the same samples and folds.
2. **Scoring** grades the 5 held-out scans (without grain) and measures ΔE2000 against the
   truth (family e: chroma-only, against the scan's luminance with the truth's chroma, and
   every method's output composed the same way).

Choosing and scoring live in restoration_toolkit.testing.color_benchmark (peers in
testing.color_peers), where the hold-out test checks them; this script runs them and writes
the figures. Run: ``python benchmarks/color.py`` (``--quick``: smaller pictures, one draw, for a smoke
test). Writes docs/benchmarks/color.json and color.md (benchmarks/results.write_results).
BLAS runs single-threaded here (OPENBLAS_NUM_THREADS=1 unless set): on a shared 2-core box a
threaded BLAS spent most of its time waiting for the other thread.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import List, Optional  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.color_report import headline, render, summarise  # noqa: E402
from benchmarks.results import log_run, machine, write_results  # noqa: E402
from restoration_toolkit.core.color.crossval import CV_SAMPLES  # noqa: E402
from restoration_toolkit.testing.benchmark_images import HELD_OUT_IMAGES, TRAIN_IMAGES  # noqa: E402
from restoration_toolkit.testing.color_benchmark import run_family  # noqa: E402
from restoration_toolkit.testing.color_families import FAMILIES  # noqa: E402


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small pictures, one draw (smoke test)")
    parser.add_argument("--draws", type=int, default=3, help="random draws per family (default 3)")
    parser.add_argument("--rows", type=int, default=128, help="picture height in pixels (default 128)")
    parser.add_argument("--families", default="".join(FAMILIES), help="which families (default abcde)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--render", metavar="JSON", help="only re-render a run's JSON (its "
                        "summary and targets recomputed from the figures it holds)")
    args = parser.parse_args(argv)
    if args.render:
        import json

        data = json.loads(Path(args.render).read_text(encoding="utf-8"))
        data["summary"] = summarise(data["families"])
        data["headline"] = headline(data)
        print(f"wrote {write_results('color', data, render(data))}")
        return 0
    draws, rows = (1, 64) if args.quick else (args.draws, args.rows)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    families = [run_family(k, draws, rows, 33) for k in args.families]
    data = {
        "settings": {"draws": draws, "rows": rows, "lut_size": 33, "cv_samples": CV_SAMPLES,
                     "train_images": list(TRAIN_IMAGES), "held_out_images": list(HELD_OUT_IMAGES),
                     "quick": args.quick},
        "families": families,
        "summary": summarise(families),
        "run_seconds_wall": round(time.perf_counter() - start_wall),
        "run_seconds_cpu": round(time.process_time() - start_cpu),
        "machine": machine(),
    }
    data["headline"] = headline(data)
    text = render(data)
    print(text)
    if not args.no_write and not args.quick:
        print(f"wrote {write_results('color', data, text)}")
        log_run("color", "matchgrade", "color.py", argv, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
