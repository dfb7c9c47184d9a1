"""`rtk balance SCAN_SEQ --out BAL_SEQ`: the neutral technical pre-balance (stage 01).

Arguments only; the work is :func:`restoration_toolkit.stages.balance.run_balance`.
"""

from __future__ import annotations

import argparse

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..stages.balance import METHODS, BalanceRequest, run_balance

COMMAND = "balance"
HELP = "stage 01: neutral pre-balance of the faded scan (levels, density blacks, ACE) as a CDL"
ORDER = 15


def register(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("source", metavar="SCAN_SEQ", nargs="?", help="scan sequence (default: project source)")
    add(
        "--out",
        metavar="BAL_SEQ",
        help="balanced sequence (default: 01_dataset_curation/balanced/<NAME>_BAL_####.exr)",
    )
    add("--frames", metavar="LIST", help="frames to render (default: all found)")
    add("--method", choices=METHODS, default="levels", help="estimator (default levels)")
    add("--samples", type=int, default=12, help="frames sampled for the estimate (default 12)")
    add("--grade", metavar="FILE.cube", help="the balance grade (default: balance.cube by --out)")
    add("--colorspace", metavar="NAME", help="OCIO space of the scan (default: project source)")
    add("--ocio", metavar="CONFIG", help="OCIO config (default: project color.ocio_config)")
    add("--working-space", metavar="NAME", help="working space (default: project, else ACEScg)")
    add("--project", metavar="DIR", help="restoration project (default: nearest, if any)")
    add_json_argument(parser)
    add_no_log_argument(parser)


def run(args: argparse.Namespace) -> int:
    request = BalanceRequest(
        source=args.source,
        out=args.out,
        frames=args.frames,
        method=args.method,
        samples=args.samples,
        grade=args.grade,
        colorspace=args.colorspace,
        ocio=args.ocio,
        working_space=args.working_space,
        project=args.project,
        log=not args.no_log,
    )
    with progress_bar("balance", 1, quiet=args.json) as progress:
        summary = run_balance(request, progress)
    if args.json:
        print_json(summary)
    else:
        print(
            f"wrote {summary['written']} frames to {summary['output']}; "
            f"balance grade {summary['cdl']} ({summary['method']})"
        )
    return 0
