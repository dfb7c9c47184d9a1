"""`rtk curate`: stage 01 — sync, shots, pick the training pairs, write pairs.yaml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli_support import (
    add_json_argument,
    add_no_log_argument,
    add_project_argument,
    print_json,
    progress_bar,
    project_from_args,
)
from ..core.errors import RTKError
from ..core.io.frames import parse_frames

COMMAND = "curate"
HELP = "stage 01: sync scan and reference, find shots, pick and explain the training pairs (pairs.yaml)"
ORDER = 10

from ..core.experiment_log import log_run


def register(parser: argparse.ArgumentParser) -> None:
    add_project_argument(parser)
    parser.add_argument(
        "--count",
        type=int,
        default=None,
        help="N pairs over the whole sequence by coverage (farthest-point); default: the method's per-shot picks",
    )
    parser.add_argument(
        "--per-shot",
        type=int,
        choices=(4, 7, 11),
        default=4,
        help="pairs per shot: 4 (begin, two middles, end), 7 and 11 (midpoint escalation)",
    )
    parser.add_argument(
        "--include",
        metavar="FRAMES",
        default="",
        help="scan frames that must be pairs, e.g. 1012,1040-1042",
    )
    parser.add_argument(
        "--exclude", metavar="FRAMES", default="", help="scan frames that must never be pairs"
    )
    parser.add_argument(
        "--add",
        metavar="FRAMES",
        default="",
        help="add these scan frames (validation outliers) to the existing pairs.yaml; nothing else changes",
    )
    parser.add_argument(
        "--reason",
        default="validation outlier (added with --add)",
        help="with --add: why these frames were added (recorded in pairs.yaml)",
    )
    parser.add_argument(
        "--holdout", type=int, default=2, help="frames kept back for validation (default 2)"
    )
    parser.add_argument(
        "--no-content-check",
        action="store_true",
        help="skip the aligned-difference check of each pick",
    )
    parser.add_argument(
        "--keyframes",
        metavar="DIR",
        default=None,
        help="non-reference color: a folder of graded keyframes / paintings / photos to map to scan frames",
    )
    parser.add_argument(
        "--source",
        dest="prov_source",
        default="",
        help="with --keyframes: where the references come from",
    )
    parser.add_argument("--holder", default="", help="with --keyframes: author or rights holder")
    parser.add_argument("--permission", default="", help="with --keyframes: licence or permission")
    parser.add_argument("--date", default="", help="with --keyframes: date of the references")
    parser.add_argument("--notes", default="", help="with --keyframes: notes on the references")
    parser.add_argument(
        "--colorspace", default="sRGB - Texture", help="with --keyframes: their color space"
    )
    add_no_log_argument(parser)
    add_json_argument(parser)


def _frames(text: str, what: str) -> list:
    try:
        return parse_frames(text) if text else []
    except RTKError as exc:
        raise RTKError(f"{what}: {exc.problem}") from None


def run(args: argparse.Namespace) -> int:
    from ..core.project import Provenance
    from ..stages.curation import CurateOptions, add_pairs, curate_project, register_keyframes

    project = project_from_args(args)
    include, exclude, add = (
        _frames(args.include, "--include"),
        _frames(args.exclude, "--exclude"),
        _frames(args.add, "--add"),
    )
    if args.count is not None and args.count < 1:
        raise RTKError("--count must be at least 1")
    mapped = []
    if args.keyframes:
        if project.technique != "color-nonreference":
            raise RTKError(
                f"--keyframes is for technique color-nonreference; this project is {project.technique}",
                project.root / "project.yaml",
            )
        prov = Provenance(args.prov_source, args.holder, args.permission, args.date, args.notes)
        mapped = register_keyframes(project, Path(args.keyframes), prov, colorspace=args.colorspace)
    with progress_bar("curating", 1, quiet=args.json) as progress:
        if add:
            result = add_pairs(project, add, args.reason, progress=progress)
        else:
            options = CurateOptions(
                mode="coverage" if args.count else "method",
                per_shot=args.per_shot,
                count=args.count,
                include=tuple(include),
                exclude=tuple(exclude),
                holdout=max(0, args.holdout),
                content_check=not args.no_content_check,
            )
            result = curate_project(project, options, progress)
    entry = None
    if not args.no_log:
        sync = result.sync
        figures = {"pairs": len(result.pairs.pairs), "rejected": len(result.pairs.rejected)}
        if sync is not None:
            figures.update(
                {
                    "sync_matched_fraction": round(sync.matched_fraction, 4),
                    "cadence": sync.cadence,
                    "offset": sync.offset,
                }
            )
        if result.shots is not None:
            figures["shots"] = len(result.shots.shots)
        entry = log_run(
            project.root,
            stage="dataset_curation",
            technique=project.technique,
            frames=[p.scan_frame for p in result.pairs.pairs],
            parameters={
                "mode": "add" if add else ("coverage" if args.count else "method"),
                "count": args.count,
                "per_shot": args.per_shot,
                "include": args.include,
                "exclude": args.exclude,
                "add": args.add,
                "holdout": args.holdout,
            },
            figures=figures,
            inputs=[project.root / "project.yaml"],
            outputs=[p for p in (result.pairs_file, result.contact_sheet) if p is not None],
            observations=result.summary,
        )
    for w in result.warnings:
        print(f"rtk: warning: {w}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "pairs_file": result.pairs_file,
                "contact_sheet": result.contact_sheet,
                "summary": result.summary,
                "pairs": result.pairs.to_dict()["pairs"],
                "rejected": result.pairs.to_dict()["rejected"],
                "holdout": result.pairs.holdout,
                "keyframes": [
                    {"path": k.path, "scan_frame": k.scan_frame, "mapped": how} for k, how in mapped
                ],
                "warnings": list(result.warnings),
                "experiment": entry,
            }
        )
        return 0
    for k, how in mapped:
        print(f"keyframe {k.path} -> scan frame {k.scan_frame} ({how})")
    print(result.summary)
    for p in result.pairs.pairs:
        ref = p.reference_frame if p.reference_frame is not None else p.reference_file
        print(f"  {p.scan_frame:>6} <-> {ref!s:<8} {p.shot:<7} {p.origin:<6} {p.reason}")
    print(
        f"wrote {result.pairs_file}"
        + (f" and {result.contact_sheet}" if result.contact_sheet else "")
    )
    if entry:
        print(f"logged as {entry} in notes/experiments.md")
    return 0
