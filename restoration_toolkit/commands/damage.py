"""`rtk damage`: find dust, dirt, hairs, scratches and stains (detect) and repair them from a
source that shows the picture (repair: the traditional baseline).

Arguments only; the work is :mod:`restoration_toolkit.stages.damage`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar

COMMAND = "damage"
HELP = "intra-frame damage: detect (masks + report), repair (the traditional baseline)"
ORDER = 25


def _common(p: argparse.ArgumentParser, scan_help: str) -> None:
    p.add_argument("source", nargs="?", help=scan_help)
    p.add_argument(
        "--reference",
        metavar="SEQ",
        help="aligned reference on the scan grid (stage 02's aligned.####.exr); "
        "default on a project: stage 02's, where it exists",
    )
    p.add_argument("--frames", metavar="LIST", help="scan frames, e.g. 1001-1010 (default: all)")
    p.add_argument("--reach", type=int, default=2, metavar="N", help="neighbours each side (2)")
    p.add_argument("--project", metavar="DIR", help="project folder (used without SCAN)")
    add_json_argument(p)
    add_no_log_argument(p)


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    det = sub.add_parser("detect", help="write a float damage mask per frame and damage.json")
    _common(det, "scan sequence (scan.####.exr); default: the project's scan")
    det.add_argument(
        "--out",
        metavar="MASKS",
        help="mask sequence (masks/mask.####.exr) or folder; "
        "default on a project: pipeline/02_alignment/damage",
    )
    det.add_argument(
        "--polarity",
        choices=("dark", "bright", "both"),
        default=None,
        help="sign of dust: dark (a print), bright (a negative), both (default; on a "
        "project: from the scan's element)",
    )
    det.add_argument("--colorspace", metavar="NAME", help="OCIO color space of SCAN and "
                     "--reference (detection looks at display-referred values; default: as read)")
    det.set_defaults(_action=_detect)
    rep = sub.add_parser(
        "repair",
        help="fill the masked pixels from the reference or the "
        "motion-compensated neighbours; every other pixel unchanged",
    )
    _common(rep, "scan sequence; default: the project's scan")
    rep.add_argument(
        "--mask",
        metavar="MASKS",
        help="damage masks (sequence or folder; default "
        "on a project: pipeline/02_alignment/damage)",
    )
    rep.add_argument(
        "--out",
        metavar="DIR",
        help="output folder or sequence (default on a "
        "project: pipeline/05_matchgrade_render/damage_repair)",
    )
    rep.add_argument("--method", choices=("auto", "reference", "temporal"), default="auto",
                     help="auto: neighbours where the reference vouches, else the reference")
    rep.add_argument("--no-grain", action="store_true", help="do not re-synthesise grain in fills")
    rep.add_argument("--seed", type=int, default=0, help="grain seed (default 0)")
    rep.set_defaults(_action=_repair)


def run(args: argparse.Namespace) -> int:
    return int(args._action(args) or 0)


def _detect(args: argparse.Namespace) -> int:
    from ..stages.damage import DetectRequest, run_detection

    out = Path(args.out) if args.out else None
    request = DetectRequest(args.source, args.reference, out, args.frames, args.polarity,
                            args.reach, args.project, log=not args.no_log,
                            colorspace=args.colorspace)
    with progress_bar("detecting damage", 1, quiet=args.json) as bar:
        outcome = run_detection(request, progress=bar)
    total = outcome.summary["all"]
    if args.json:
        print_json(
            {
                "report": str(outcome.report),
                "summary": outcome.summary,
                "pairs": {str(f): p for f, p in outcome.pairs.items()},
            }
        )
    else:
        counts = ", ".join(f"{n} {k}" for k, n in total["counts"].items() if n)
        for f, p in outcome.pairs.items():
            kinds = ", ".join(f"{n} {k}" for k, n in p["counts"].items()) or "clean"
            faults = p["reference_fault_fraction"]
            print(
                f"pair {f}{' (held out)' if p['held_out'] else ''}: "
                f"{100 * p['damaged_fraction']:.2f} % damaged ({kinds})"
                + (f"; reference at fault on {100 * faults:.2f} %" if faults is not None else "")
            )
        print(
            f"{total['damaged_frames']} of {total['frames']} frames damaged"
            f" ({counts or 'nothing found'}) → {outcome.out}; report {outcome.report}"
        )
    return 0


def _repair(args: argparse.Namespace) -> int:
    from ..stages.damage import RepairRequest, run_repair

    request = RepairRequest(
        source=args.source,
        mask=args.mask,
        reference=args.reference,
        out=Path(args.out) if args.out else None,
        frames=args.frames,
        method=args.method,
        grain=not args.no_grain,
        seed=args.seed,
        reach=args.reach,
        project=args.project,
        log=not args.no_log,
    )
    with progress_bar("repairing", 1, quiet=args.json) as bar:
        outcome = run_repair(request, progress=bar)
    if args.json:
        print_json({"out": str(outcome.out), "totals": outcome.totals})
    else:
        t = outcome.totals
        print(
            f"repaired {len(outcome.figures)} frames → {outcome.out}: "
            f"{t.get('from_reference_px', 0)} px from the reference, "
            f"{t.get('from_neighbours_px', 0)} px from neighbours, "
            f"{t.get('unrecovered_px', 0)} px left as scanned (no source shows them)"
        )
    return 0
