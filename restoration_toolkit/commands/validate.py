"""`rtk validate`: stage 05 — metrics, traditional baselines and the validation report.

``rtk validate [--project DIR] [--frames LIST] [--result SEQ] [--baseline NAME=SEQ ...]``
measures the model result and each baseline on the held-out frames of pairs.yaml and writes
``pipeline/05_matchgrade_render/report/`` (index.html, report.json, pictures).
``rtk validate --scan SEQ --reference SEQ --result SEQ --frames LIST --out DIR`` does the same
without a project. ``rtk validate signoff --shot NAME --verdict accept|reject --by WHO
--notes TEXT`` records a human verdict with the report and in the experiment log.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List, Optional

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..core.errors import RTKError
from ..core.io.frames import parse_frames
from ..core.project import open_project
from ..core.validation.baselines import BASELINES
from ..core.validation.evaluate import DEFAULT_OCIO, DISPLAY_SPACE, GROUND_TRUTHS, METRICS

COMMAND = "validate"
HELP = "stage 05: measure the model result against traditional baselines on held-out frames; HTML report"
ORDER = 50


def _baseline_arg(text: str) -> tuple:
    if "=" not in text:
        raise argparse.ArgumentTypeError("expected NAME=SEQ, e.g. grain_tool=other/fix.####.exr")
    name, spec = text.split("=", 1)
    if not name or not spec:
        raise argparse.ArgumentTypeError("expected NAME=SEQ")
    return name, spec


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="restoration project folder (default: the nearest project.yaml above)",
    )
    parser.add_argument(
        "--frames",
        metavar="LIST",
        help="validation frames (default: pairs.yaml holdout); a training frame is refused",
    )
    parser.add_argument(
        "--result",
        metavar="SEQ",
        help="model result sequence (default: pipeline/04_inference_render/<shot>_ml_####.exr)",
    )
    parser.add_argument("--scan", metavar="SEQ", help="without a project: the scan sequence")
    parser.add_argument(
        "--reference",
        metavar="SEQ",
        help="without a project: the reference, on the result's raster",
    )
    parser.add_argument(
        "--training-frames",
        metavar="LIST",
        default="",
        help="without a project: frames used for training (refused as validation frames)",
    )
    parser.add_argument(
        "--colorspace",
        default=DISPLAY_SPACE,
        help=f"without a project: OCIO color space of all inputs (default {DISPLAY_SPACE!r})",
    )
    parser.add_argument("--ocio", default=DEFAULT_OCIO, help="without a project: OCIO config")
    parser.add_argument(
        "--ground-truth",
        choices=sorted(GROUND_TRUTHS),
        default=None,
        help="compare with the reference as is, or the method's composition "
        "(default: chroma for color projects, luma for spatial ones, reference without a project)",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="without a project: the report folder to write"
    )
    parser.add_argument(
        "--baseline",
        metavar="NAME=SEQ",
        action="append",
        type=_baseline_arg,
        default=[],
        help="another result to compare (repeatable)",
    )
    parser.add_argument(
        "--baselines",
        metavar="NAMES",
        help=f"traditional baselines to compute (comma list of {', '.join(BASELINES)}; "
        "'none' for none; default all)",
    )
    add_no_log_argument(parser)
    add_json_argument(parser)
    sub = parser.add_subparsers(dest="action", metavar="[signoff]")
    sign = sub.add_parser(
        "signoff",
        help="record a human verdict for a shot with the report and in the experiment log",
    )
    sign.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS)
    sign.add_argument("--shot", required=True)
    sign.add_argument("--verdict", required=True, choices=("accept", "reject"))
    sign.add_argument("--by", required=True, metavar="WHO")
    sign.add_argument("--notes", default="", metavar="TEXT")
    sign.add_argument("--no-log", action="store_true", default=argparse.SUPPRESS)
    sign.add_argument("--json", action="store_true", default=argparse.SUPPRESS)


def _baseline_names(text: Optional[str]) -> Optional[List[str]]:
    if text is None:
        return None
    if text.strip().lower() == "none":
        return []
    names = [t.strip() for t in text.split(",") if t.strip()]
    for n in names:
        if n not in BASELINES:
            raise RTKError(f"unknown baseline {n!r} (one of {', '.join(BASELINES)})")
    return names


def run(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) == "signoff":
        return _signoff(args)
    from ..report import build_report, build_report_from_inputs

    frames = parse_frames(args.frames) if args.frames else None
    extra: Dict[str, str] = dict(args.baseline)
    for reserved in ("model", "scan", "reference", *BASELINES):
        if reserved in extra:
            raise RTKError(f"--baseline name {reserved!r} is taken; choose another name")
    baselines = _baseline_names(args.baselines)
    explicit = args.scan or args.reference
    if explicit:
        missing = [
            o
            for o, v in (
                ("--scan", args.scan),
                ("--reference", args.reference),
                ("--result", args.result),
                ("--frames", args.frames),
                ("--out", args.out),
            )
            if not v
        ]
        if missing:
            raise RTKError("without a project, give " + ", ".join(missing))
        from ..core.validation.evaluate import explicit_inputs

        inputs = explicit_inputs(
            scan=args.scan,
            reference=args.reference,
            result=args.result,
            frames=frames or [],
            training=parse_frames(args.training_frames) if args.training_frames else [],
            colorspace=args.colorspace,
            ocio_config=args.ocio,
            baselines=baselines,
            extra=extra,
            ground_truth=args.ground_truth or "reference",
        )
        out = Path(args.out)
        for src in (args.scan, args.reference, args.result):
            if Path(src.split(" ")[0]).resolve().parent == out.resolve():
                raise RTKError("refusing to write the report into an input folder", out)
        with progress_bar("validate", len(inputs.frames), quiet=args.json) as progress:
            outcome = build_report_from_inputs(inputs, out, log=False, progress=progress)
    else:
        project = open_project(args.project)
        with progress_bar("validate", len(frames or []) or 1, quiet=args.json) as progress:
            if args.ground_truth:
                from ..core.validation.evaluate import project_inputs
                from ..report.validation_report import report_dir

                inputs = project_inputs(
                    project, frames=frames, result=args.result, baselines=baselines, extra=extra
                )
                inputs.ground_truth = args.ground_truth
                outcome = build_report_from_inputs(
                    inputs,
                    report_dir(project),
                    project=project,
                    log=not args.no_log,
                    progress=progress,
                )
            else:
                outcome = build_report(
                    project,
                    frames=frames,
                    result=args.result,
                    baselines=baselines,
                    extra=extra,
                    log=not args.no_log,
                    progress=progress,
                )
    if args.json:
        from ..report.validation_report import json_safe

        print_json(
            json_safe(
                {
                    "report": outcome.html,
                    "json": outcome.json,
                    "experiment_entry": outcome.entry_id,
                    "summary": outcome.summary,
                    "best": outcome.best,
                    "outlier_frames": outcome.outlier_frames,
                    "curate_command": outcome.curate_command,
                }
            )
        )
        return 0
    _print_summary(outcome)
    return 0


def _print_summary(outcome) -> None:
    names = list(outcome.summary)
    width = max(len(v[0]) for v in METRICS.values())
    col = max(10, *(len(n) + 1 for n in names))
    print(f"{'':{width}}  " + "  ".join(f"{n:>{col}}" for n in names))
    for key, (label, _) in METRICS.items():
        cells = []
        for n in names:
            v = outcome.summary[n].get(key)
            text = "—" if v is None or v != v else ("inf" if v == float("inf") else f"{v:.3f}")
            mark = "*" if outcome.best.get(key) == n else " "
            cells.append(f"{text + mark:>{col}}")
        print(f"{label:{width}}  " + "  ".join(cells))
    print("(* best per row)")
    if outcome.outlier_frames:
        import json

        data = json.loads(outcome.json.read_text(encoding="utf-8"))
        print(f"\noutliers ({len(data['outliers'])}):")
        for o in data["outliers"]:
            print(f"  frame {o['frame']:>6}  {o['kind']:<10} {o['why']}")
        print(f"\nfeed them back:  {outcome.curate_command}")
    else:
        print("\nno outlier frames")
    if outcome.entry_id:
        print(f"experiment-log entry {outcome.entry_id}")
    print(f"report: {outcome.html}")


def _signoff(args: argparse.Namespace) -> int:
    from ..report import record_signoff

    project = open_project(getattr(args, "project", None))
    record = record_signoff(
        project,
        shot=args.shot,
        verdict=args.verdict,
        by=args.by,
        notes=args.notes,
        log=not getattr(args, "no_log", False),
    )
    if getattr(args, "json", False):
        print_json(record)
    else:
        print(
            f"{args.shot}: {args.verdict} by {record['by']} at {record['when']}"
            + (
                f" (experiment-log entry {record['experiment_entry']})"
                if record.get("experiment_entry")
                else ""
            )
        )
        print(f"report: {project.stage_dir(5) / 'report' / 'index.html'}")
    return 0
