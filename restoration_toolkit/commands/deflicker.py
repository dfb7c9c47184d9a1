"""`rtk deflicker`: measure frame-to-frame brightness and color flicker and correct it with a
smooth, low-frequency gain field that never touches the grain.

Arguments only; the work is :func:`restoration_toolkit.stages.deflicker.run_deflicker`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, print_json, progress_bar

COMMAND = "deflicker"
HELP = "measure flicker against the reference (or the motion-compensated neighbours) and correct it"
ORDER = 26


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", help="scan sequence; default: the project's scan")
    parser.add_argument(
        "--reference",
        metavar="SEQ",
        help="aligned reference for every frame (default on a project: stage 02's "
        "when every frame has one; otherwise the neighbouring frames are the target)",
    )
    parser.add_argument(
        "--masks",
        metavar="MASKS",
        help="damage masks: damaged pixels are left out "
        "of the measurement (default on a project: pipeline/02_alignment/damage)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default on a project: pipeline/05_matchgrade_render/deflicker)",
    )
    parser.add_argument("--frames", metavar="LIST", help="scan frames (default: all)")
    parser.add_argument(
        "--window",
        type=int,
        default=9,
        metavar="FRAMES",
        help="with a reference: frames over which the steady scan/reference "
        "difference (the fade) is taken as not flicker (default 9)",
    )
    parser.add_argument(
        "--reach",
        type=int,
        default=2,
        metavar="N",
        help="without a reference: neighbours each side (default 2)",
    )
    parser.add_argument("--measure", action="store_true", help="write flicker.json only")
    parser.add_argument("--project", metavar="DIR", default=None)
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from ..stages.deflicker import DeflickerRequest, run_deflicker

    request = DeflickerRequest(
        source=args.source,
        reference=args.reference,
        masks=args.masks,
        out=Path(args.out) if args.out else None,
        frames=args.frames,
        window=args.window,
        reach=args.reach,
        measure_only=args.measure,
        project=args.project,
    )
    with progress_bar("deflicker", 1, quiet=args.json) as bar:
        outcome = run_deflicker(request, progress=bar)
    if args.json:
        print_json(outcome.document)
        return 0
    f = outcome.document["figures"]
    print(
        f"flicker (brightness RMS step, %): scan {f['scan']['luma_percent']:.3f} → "
        f"deflickered {f['deflickered']['luma_percent']:.3f} "
        f"(against the {outcome.document['target']}); {outcome.report}"
    )
    return 0
