"""`rtk sync SCAN_SEQ REF_SEQ`: the frame mapping between a scan and its reference, from
content, and the conform for an editor (.otio / .edl / .fcpxml).

Arguments only; the work is :func:`restoration_toolkit.stages.sync.run_sync`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, print_json, progress_bar
from ..core.io.frames import format_frames
from ..stages.sync import SyncRequest, missing_and_fields, run_sync, sync_summary

COMMAND = "sync"
HELP = "find which reference frame shows each scan frame (offset, PAL, 3:2 pulldown, fields, edits)"
ORDER = 9


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scan",
        metavar="SCAN_SEQ",
        help="scan sequence, e.g. scan/F_####.exr (or 'F_####.exr 1001-1200')",
    )
    parser.add_argument(
        "reference", metavar="REF_SEQ", help="reference sequence (DVD, telecine, other element)"
    )
    parser.add_argument("--scan-fps", type=float, default=24.0, help="scan frame rate (default 24)")
    parser.add_argument(
        "--reference-fps",
        type=float,
        default=None,
        help="reference frame rate (25, 29.97 …) to report its speed and time the conform",
    )
    parser.add_argument(
        "--field-order",
        choices=("auto", "progressive", "upper", "lower"),
        default="auto",
        help="reference field order (default: detect)",
    )
    parser.add_argument(
        "--cache",
        metavar="DIR",
        default=None,
        help="folder for the thumbnail cache (default: none; never next to the inputs)",
    )
    for fmt, what in (
        ("otio", "OpenTimelineIO timeline"),
        ("edl", "CMX 3600 EDL"),
        ("fcpxml", "Final Cut Pro X XML"),
    ):
        parser.add_argument(
            f"--{fmt}",
            metavar="FILE",
            default=None,
            help=f"write the conform as an {what}: one clip per continuous segment, speed and "
            "pulldown as time warps, missing material as gaps, repeats and drops marked",
        )
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    conform = tuple(Path(p) for p in (args.otio, args.edl, args.fcpxml) if p)
    request = SyncRequest(
        args.scan,
        args.reference,
        scan_fps=args.scan_fps,
        reference_fps=args.reference_fps,
        field_order=None if args.field_order == "auto" else args.field_order,
        cache_dir=Path(args.cache) if args.cache else None,
        conform=conform,
    )
    with progress_bar("syncing", 1, quiet=args.json) as progress:
        outcome = run_sync(request, progress)
    if args.json:
        print_json(sync_summary(outcome))
        return 0
    result = outcome.result
    print(result.explanation)
    speed = f", reference speed ×{result.speed:.4f}" if result.speed else ""
    print(
        f"cadence {result.cadence}, offset {result.offset}, "
        f"{result.slope:.3f} reference frames per scan frame{speed}"
    )
    for seg in result.segments:
        print(
            f"  scan {seg.scan_first}-{seg.scan_last}  ->  "
            f"reference {seg.reference_first}-{seg.reference_last}"
        )
    missing, fields = missing_and_fields(result)
    if missing:
        print(f"  not in the reference: {format_frames(missing)}")
    if fields:
        print(f"  only as fields of mixed video frames: {len(fields)} frames")
    for path in outcome.conform_files:
        print(f"wrote {path}")
    return 0
