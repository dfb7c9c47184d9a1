"""`rtk consistency`: inter-frame color consistency — the same neutral and skin tones across
cuts, before and after restoration (inter-frame damage is color recovery's to fix; this
measures it).

Arguments only; the work is :func:`restoration_toolkit.stages.deflicker.run_consistency`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, print_json

COMMAND = "consistency"
HELP = "shot-to-shot color consistency (neutral and skin tones across cuts), before and after"
ORDER = 27


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("before", nargs="?", help="sequence before (default: the project's scan)")
    parser.add_argument("--after", metavar="SEQ", help="the same frames after restoration")
    parser.add_argument(
        "--shots",
        metavar="LIST",
        help="first frames of the shots, e.g. 1001,1040 (default on a project: its shots)",
    )
    parser.add_argument(
        "--colorspace",
        metavar="NAME",
        help="OCIO color space of the sequences "
        "(default: display sRGB values; on a project: the scan's)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="consistency.json (default on a project: "
        "pipeline/05_matchgrade_render/consistency.json)",
    )
    parser.add_argument("--project", metavar="DIR", default=None)
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from ..stages.deflicker import ConsistencyRequest, run_consistency

    request = ConsistencyRequest(
        before=args.before,
        after=args.after,
        shots=args.shots,
        colorspace=args.colorspace,
        out=Path(args.out) if args.out else None,
        project=args.project,
    )
    outcome = run_consistency(request)
    if args.json:
        print_json(outcome.document)
        return 0
    for name, f in outcome.document["sequences"].items():
        print(
            f"{name}: neutral ΔE2000 across cuts mean {f['neutral_de2000_mean']} "
            f"max {f['neutral_de2000_max']}; skin mean {f['skin_de2000_mean']} "
            f"max {f['skin_de2000_max']}"
        )
    print(f"→ {outcome.out}")
    return 0
