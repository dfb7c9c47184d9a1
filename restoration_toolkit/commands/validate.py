"""`rtk validate`: stage 05 — metrics, traditional baselines and the validation report.

``rtk validate [--project DIR] [--frames LIST] [--result SEQ] [--baseline NAME=SEQ ...]``
measures the model result, MatchGrade (in full and chroma-only) and each baseline on the
held-out frames of pairs.yaml and writes ``pipeline/05_matchgrade_render/report/``.
``rtk validate --scan SEQ --reference SEQ --result SEQ --frames LIST --out DIR`` does the same
without a project. ``rtk validate signoff --shot NAME --verdict accept|reject --by WHO``
records a human verdict. The work is :mod:`restoration_toolkit.stages.validation`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..core.validation.baselines import BASELINES
from ..core.validation.inputs import DEFAULT_OCIO, DISPLAY_SPACE, GROUND_TRUTHS, NEIGHBOUR_FRAMES
from ..report.report_json import json_safe
from ..report.summary_text import summary_lines
from ..stages.validation import (
    VERDICTS,
    SignoffRequest,
    ValidationRequest,
    parse_baselines,
    run_validation,
    sign_off,
)

COMMAND = "validate"
HELP = "stage 05: measure the model result against traditional baselines on held-out frames; HTML report"
ORDER = 50
_WITHOUT_PROJECT = "without a project: "


def _baseline_arg(text: str) -> tuple:
    name, _, spec = text.partition("=")
    if not name or not spec:
        raise argparse.ArgumentTypeError("expected NAME=SEQ, e.g. grain_tool=other/fix.####.exr")
    return name, spec


def register(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--project", metavar="DIR", help="project folder (default: the nearest project.yaml)")
    add("--frames", metavar="LIST", help="validation frames (default: pairs.yaml holdout)")
    add("--result", metavar="SEQ", help="model result (default: 04_inference_render/*_ml_####)")
    add("--scan", metavar="SEQ", help=_WITHOUT_PROJECT + "the scan sequence")
    add("--reference", metavar="SEQ", help=_WITHOUT_PROJECT + "the reference on the result's grid")
    add("--training-frames", metavar="LIST", default="", help=_WITHOUT_PROJECT + "training frames")
    add("--colorspace", default=DISPLAY_SPACE, help=_WITHOUT_PROJECT + "OCIO space of every input")
    add("--ocio", default=DEFAULT_OCIO, help=_WITHOUT_PROJECT + "OCIO config")
    add("--out", metavar="DIR", help="the report folder (default: 05_matchgrade_render/report)")
    add(
        "--ground-truth",
        choices=sorted(GROUND_TRUTHS),
        help="compare with the reference as is, or the method's composition (default: chroma "
        "for color projects, luma for spatial ones, reference without a project)",
    )
    add("--baseline", metavar="NAME=SEQ", action="append", type=_baseline_arg, default=[],
        help="another result to compare (repeatable; 'matchgrade=SEQ' is a MatchGrade render)")
    add("--baselines", metavar="NAMES",
        help=f"baselines to compute: comma list of {', '.join(BASELINES)}, or 'none' (default all)")
    add("--with-training", action="store_true",
        help="also measure the training frames, marked per frame and outside the summary")
    add("--neighbour-frames", type=int, default=NEIGHBOUR_FRAMES, metavar="N",
        help=f"held-out frames within N frames of training are 'neighbour' ({NEIGHBOUR_FRAMES})")
    add_no_log_argument(parser)
    add_json_argument(parser)
    sub = parser.add_subparsers(dest="action", metavar="[signoff]")
    sign = sub.add_parser("signoff", help="record a human verdict for a shot with the report")
    sign.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS)
    sign.add_argument("--shot", required=True)
    sign.add_argument("--verdict", required=True, choices=VERDICTS)
    sign.add_argument("--by", required=True, metavar="WHO")
    sign.add_argument("--notes", default="", metavar="TEXT")
    sign.add_argument("--no-log", action="store_true", default=argparse.SUPPRESS)
    sign.add_argument("--json", action="store_true", default=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) == "signoff":
        return _signoff(args)
    request = ValidationRequest(
        project=args.project,
        frames=args.frames,
        result=args.result,
        scan=args.scan,
        reference=args.reference,
        training_frames=args.training_frames,
        colorspace=args.colorspace,
        ocio=args.ocio,
        ground_truth=args.ground_truth,
        out=Path(args.out) if args.out else None,
        extra=dict(args.baseline),
        baselines=parse_baselines(args.baselines),
        with_training=args.with_training,
        neighbour_frames=args.neighbour_frames,
        log=not args.no_log,
    )
    with progress_bar("validate", 1, quiet=args.json) as progress:
        o = run_validation(request, progress)
    for warning in o.warnings:
        print(f"rtk: warning: {warning}", file=sys.stderr)
    if args.json:
        print_json(json_safe({
            "report": o.html, "json": o.json, "experiment_entry": o.entry_id,
            "summary": o.summary, "best": o.best, "outlier_frames": o.outlier_frames,
            "curate_command": o.curate_command,
        }))  # fmt: skip
        return 0
    lines = summary_lines(o.summary, o.best, o.outliers, o.curate_command, o.entry_id, o.html)
    print("\n".join(lines))
    return 0


def _signoff(args: argparse.Namespace) -> int:
    request = SignoffRequest(
        shot=args.shot,
        verdict=args.verdict,
        by=args.by,
        notes=args.notes,
        project=getattr(args, "project", None),
        log=not getattr(args, "no_log", False),
    )
    record = sign_off(request)
    if getattr(args, "json", False):
        print_json(record)
        return 0
    entry = record.get("experiment_entry")
    print(
        f"{args.shot}: {args.verdict} by {record['by']} at {record['when']}"
        + (f" (experiment-log entry {entry})" if entry else "")
    )
    return 0
