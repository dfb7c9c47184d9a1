"""`rtk sync SCAN_SEQ REF_SEQ`: the frame mapping between a scan and its reference, from content."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, print_json, progress_bar
from ..core.io.frames import format_frames

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
        help="reference frame rate (25, 29.97 …) to report its speed",
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
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from ..stages.curation import sync_files

    with progress_bar("thumbnails", 1, quiet=args.json) as progress:
        result, scan, _ref, _s, _r = sync_files(
            args.scan,
            args.reference,
            scan_fps=args.scan_fps,
            reference_fps=args.reference_fps,
            field_order=None if args.field_order == "auto" else args.field_order,
            cache_dir=Path(args.cache) if args.cache else None,
            progress=progress,
        )
    if args.json:
        data = result.as_dict()
        print_json(
            {
                "mapping": data["mapping"],
                "cadence": result.cadence,
                "offset": result.offset,
                "speed": result.speed,
                "slope": result.slope,
                "field_order": result.field_order,
                "segments": data["segments"],
                "mixed_reference_frames": list(result.mixed_reference_frames),
                "repeated": result.repeated,
                "dropped": result.dropped,
                "matched_fraction": result.matched_fraction,
                "explanation": result.explanation,
            }
        )
        return 0
    print(result.explanation)
    speed = f", reference speed ×{result.speed:.4f}" if result.speed else ""
    print(
        f"cadence {result.cadence}, offset {result.offset}, {result.slope:.3f} reference frames per scan frame{speed}"
    )
    for seg in result.segments:
        print(
            f"  scan {seg.scan_first}-{seg.scan_last}  ->  reference {seg.reference_first}-{seg.reference_last}"
        )
    missing = [m.scan for m in result.mapping if m.kind == "missing"]
    fields = [m.scan for m in result.mapping if m.kind == "fields"]
    if missing:
        print(f"  not in the reference: {format_frames(missing)}")
    if fields:
        print(f"  only as fields of mixed video frames: {len(fields)} frames")
    return 0
