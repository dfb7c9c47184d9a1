"""`rtk align`: stage 02 — register the reference onto the scan, frame by frame.

Arguments only; the work is :func:`restoration_toolkit.stages.alignment.run_alignment`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..stages.alignment import AlignRequest, run_alignment

COMMAND = "align"
HELP = "stage 02: align the reference onto the scan (aligned reference, STMap, confidence, figures)"
ORDER = 20


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        nargs="?",
        help="scan: one image or a sequence (scan.####.exr, scan.%%04d.exr, 'scan.####.exr 1001-1100'); default: the project's source",
    )
    parser.add_argument(
        "reference",
        nargs="?",
        help="reference: one image or a sequence (dvd.####.png); default: the project's reference",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="output folder (default on a project: pipeline/02_alignment)"
    )
    parser.add_argument(
        "--frames",
        metavar="LIST",
        help="scan frames to align, e.g. 1001-1010,1020 (default: all, or on a project the pairs and held-out frames of pairs.yaml)",
    )
    parser.add_argument(
        "--reference-frames",
        metavar="LIST",
        help="reference frames, matched to the scan frames in order (default: all, in order)",
    )
    parser.add_argument(
        "--pairs",
        metavar="FILE",
        help="pairs.yaml naming scan frame ↔ reference frame (default on a project: pipeline/01_dataset_curation/pairs.yaml when it exists)",
    )
    parser.add_argument(
        "--smooth",
        metavar="FRAMES",
        type=float,
        nargs="?",
        const=2.0,
        default=0.0,
        help="smooth the global model over time (Gaussian sigma in frames, default 2 when given)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="frames aligned in parallel (processes)"
    )
    parser.add_argument(
        "--filter",
        default="cubic",
        choices=("nearest", "linear", "cubic", "lanczos"),
        help="resampling filter for aligned.####.exr",
    )
    parser.add_argument(
        "--no-dense", action="store_true", help="global model only (no dense residual field)"
    )
    parser.add_argument(
        "--pixel-aspect",
        type=float,
        default=None,
        metavar="PAR",
        help="reference pixel aspect (default: the file's, or project.yaml's)",
    )
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="restoration project folder (default: the nearest project.yaml, used when SOURCE/REFERENCE are not given)",
    )
    add_json_argument(parser)
    add_no_log_argument(parser)


def run(args: argparse.Namespace) -> int:
    request = AlignRequest(
        source=args.source,
        reference=args.reference,
        out=Path(args.out) if args.out else None,
        frames=args.frames,
        reference_frames=args.reference_frames,
        pairs=args.pairs,
        smooth=args.smooth,
        jobs=args.jobs,
        filter=args.filter,
        dense=not args.no_dense,
        pixel_aspect=args.pixel_aspect,
        project=args.project,
        log=not args.no_log,
    )
    with progress_bar("aligning", 1, quiet=args.json) as bar:
        outcome = run_alignment(request, progress=bar)
    summary, records = outcome.summary, outcome.records
    for f in summary["failed"]:
        print(f"rtk: error: frame {f}: {records[f]['error']}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "alignment": str(outcome.alignment_json),
                "summary": summary,
                "frames": {str(f): _short(r) for f, r in sorted(records.items())},
            }
        )
    else:
        print(
            f"aligned {summary['aligned']} of {summary['frames']} frames → {outcome.out}"
            + (f"; FAILED: {', '.join(map(str, summary['failed']))}" if summary["failed"] else "")
            + (
                f"; look at: {', '.join(map(str, summary['look_at']))}"
                if summary["look_at"]
                else ""
            )
        )
    return 1 if summary["failed"] else 0


def _short(record: Dict[str, Any]) -> Dict[str, Any]:
    if record.get("status") != "ok":
        return {"status": "failed", "error": record.get("error")}
    return {
        "status": "ok",
        "figures": record["figures"],
        "live_area": record["live_area"],
        "warnings": record["warnings"],
    }
