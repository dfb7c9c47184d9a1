"""`rtk curate`: stage 01 — sync, shots, pick the training pairs, write pairs.yaml.

Arguments only; the work is :func:`restoration_toolkit.stages.curation.run_curation`.
"""

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
from ..core.project import Provenance
from ..stages.curation import CurateOptions, CurateRequest, refresh_pairs, run_curation
from ..stages.damage_report import damage_words, recorded_damage

COMMAND = "curate"
HELP = "stage 01: sync, find shots, pick and explain the training pairs (pairs.yaml)"
ORDER = 10

# fmt: off
# (flag, keywords) of every option but --project/--json/--no-log: the table is the interface
_OPTIONS = (
    ("--count", dict(type=int, default=None, help="N pairs over the whole sequence by coverage "
     "(farthest-point); default: the method's per-shot picks")),
    ("--per-shot", dict(type=int, choices=(4, 7, 11), default=4, help="pairs per shot: 4 "
     "(begin, two middles, end), 7 and 11 (midpoint escalation)")),
    ("--include", dict(metavar="FRAMES", default="", help="scan frames that must be pairs")),
    ("--exclude", dict(metavar="FRAMES", default="", help="scan frames that must never be pairs")),
    ("--add", dict(metavar="FRAMES", default="", help="add these scan frames (validation "
     "outliers) to the existing pairs.yaml; nothing else changes")),
    ("--reason", dict(default="validation outlier (added with --add)", help="with --add: why")),
    ("--refresh", dict(action="store_true", help="accept scan/reference frames replaced since "
     "curation: record their new checksums in pairs.yaml (nothing else changes)")),
    ("--holdout", dict(type=int, default=2, help="frames kept back for validation (default 2)")),
    ("--no-content-check", dict(action="store_true", help="skip the content check of each pick")),
    ("--keyframes", dict(metavar="DIR", default=None, help="non-reference color: a folder of "
     "graded keyframes / paintings / photos to map to scan frames")),
    ("--source", dict(dest="prov_source", default="", help="with --keyframes: where from")),
    ("--holder", dict(default="", help="with --keyframes: author or rights holder")),
    ("--permission", dict(default="", help="with --keyframes: licence or permission")),
    ("--date", dict(default="", help="with --keyframes: date of the references")),
    ("--notes", dict(default="", help="with --keyframes: notes on the references")),
    ("--colorspace", dict(default="sRGB - Texture", help="with --keyframes: their color space")),
)
# fmt: on


def register(parser: argparse.ArgumentParser) -> None:
    add_project_argument(parser)
    for flag, kwargs in _OPTIONS:
        parser.add_argument(flag, **kwargs)
    add_no_log_argument(parser)
    add_json_argument(parser)


def _frames(text: str, what: str) -> list:
    try:
        return parse_frames(text) if text else []
    except RTKError as exc:
        raise RTKError(f"{what}: {exc.problem}") from None


def run(args: argparse.Namespace) -> int:
    project = project_from_args(args)
    if args.refresh:
        return _refresh(project, args.json)
    if args.count is not None and args.count < 1:
        raise RTKError("--count must be at least 1")
    request = CurateRequest(
        options=CurateOptions(
            mode="coverage" if args.count else "method",
            per_shot=args.per_shot,
            count=args.count,
            include=tuple(_frames(args.include, "--include")),
            exclude=tuple(_frames(args.exclude, "--exclude")),
            holdout=max(0, args.holdout),
            content_check=not args.no_content_check,
        ),
        add=tuple(_frames(args.add, "--add")),
        reason=args.reason,
        keyframes=Path(args.keyframes) if args.keyframes else None,
        provenance=Provenance(
            args.prov_source, args.holder, args.permission, args.date, args.notes
        ),
        colorspace=args.colorspace,
        log=not args.no_log,
    )
    with progress_bar("curating", 1, quiet=args.json) as progress:
        outcome = run_curation(project, request, progress)
    result = outcome.result
    # how much damage each pair carries, from an earlier `rtk damage detect`
    damage = recorded_damage(project, [p.scan_frame for p in result.pairs.pairs])
    for w in result.warnings:
        print(f"rtk: warning: {w}", file=sys.stderr)
    if args.json:
        pairs = result.pairs.to_dict()
        print_json(
            {
                "pairs_file": result.pairs_file,
                "contact_sheet": result.contact_sheet,
                "summary": result.summary,
                "pairs": pairs["pairs"],
                "rejected": pairs["rejected"],
                "holdout": result.pairs.holdout,
                "keyframes": [
                    {"path": k.path, "scan_frame": k.scan_frame, "mapped": how}
                    for k, how in outcome.keyframes
                ],
                "warnings": list(result.warnings),
                "damage": {str(f): d for f, d in damage.items()},
                "experiment": outcome.experiment,
            }
        )
        return 0
    for k, how in outcome.keyframes:
        print(f"keyframe {k.path} -> scan frame {k.scan_frame} ({how})")
    print(result.summary)
    for p in result.pairs.pairs:
        ref = p.reference_frame if p.reference_frame is not None else p.reference_file
        words = damage_words(damage.get(p.scan_frame))
        print(f"  {p.scan_frame:>6} <-> {ref!s:<8} {p.shot:<7} {p.origin:<6} {p.reason}"
              + (f" [{words}]" if words else ""))
    sheet = f" and {result.contact_sheet}" if result.contact_sheet else ""
    print(f"wrote {result.pairs_file}{sheet}")
    if outcome.experiment:
        print(f"logged as {outcome.experiment} in notes/experiments.md")
    return 0


def _refresh(project, as_json: bool) -> int:
    done = refresh_pairs(project)
    if as_json:
        print_json(done)
        return 0
    for c in done["changed"]:
        print(f"  pair {c['scan_frame']}: {c['role']} frame {c['problem']} ({c['path']})")
    n = len(done["changed"])
    print(f"checksums of {done['pairs_file']} refreshed ({n} frame(s) had changed)")
    return 0
