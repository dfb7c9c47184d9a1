"""`rtk matchgrade fit|apply`: stage 05 — the traditional MatchGrade baseline, done well.

Arguments only; the work is :mod:`restoration_toolkit.stages.grade` (``run_grade_fit``,
``run_grade_apply``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..core.color.candidates import LUT_PRIORS, METHODS
from ..core.color.encodings import ENCODINGS
from ..core.errors import RTKError
from ..stages.grade import (
    GradeApplyRequest,
    GradeFitRequest,
    fit_report,
    run_grade_apply,
    run_grade_fit,
)

COMMAND = "matchgrade"
HELP = "stage 05: fit a film-specific color transform (chosen by cross-validation); apply it"
ORDER = 45


def _common(p: argparse.ArgumentParser, chroma_default: str) -> None:
    p.add_argument("--project", metavar="DIR", default=None,
                   help="restoration project (default: nearest project.yaml, if any)")
    p.add_argument("--ocio", metavar="CONFIG",
                   help="OCIO config (default: project color.ocio_config)")
    p.add_argument("--working-space", metavar="NAME",
                   help="working space (default: project color.working_space, else ACEScg)")
    _chroma(p, chroma_default)
    add_json_argument(p)
    add_no_log_argument(p)


def _chroma(p: argparse.ArgumentParser, default_text: str) -> None:
    p.add_argument("--chroma-only", dest="chroma_only", action="store_true", default=None,
                   help="keep the scan's own luminance, take only the grade's chroma "
                   f"(Y'CbCr, as the CopyCat ground truth); default: {default_text}")
    p.add_argument("--full", dest="chroma_only", action="store_false",
                   help="the full grade, luminance included")


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    fit = sub.add_parser(
        "fit", help="cross-validate the candidate models on aligned pairs; write the best",
        description="Fit scan → reference on aligned pairs: every candidate model is "
        "cross-validated (leave one shot out, leave one frame out, or spatial blocks of a "
        "single frame) and the best is refit on all pairs (project defaults in a project).",
    )
    fit.add_argument("--source", metavar="SEQ", help="scan sequence (default: project source)")
    fit.add_argument("--target", metavar="SEQ", help="aligned reference sequence "
                     "(default: pipeline/02_alignment/aligned.####.exr)")
    fit.add_argument("--mask", metavar="SEQ", help="confidence masks 0–1 "
                     "(default: pipeline/02_alignment/confidence.####.exr if present)")
    fit.add_argument("--frames", metavar="LIST",
                     help="scan frames to use (default: the pairs of pairs.yaml)")
    fit.add_argument("--holdout", metavar="LIST",
                     help="frames kept out of the fit and measured (default: pairs.yaml holdout)")
    fit.add_argument("--out", metavar="FILE.cube",
                     help="grade file (default: pipeline/05_matchgrade_render/grade.cube)")
    fit.add_argument("--method", choices=METHODS, default=None,
                     help="force one method (default: cross-validation chooses)")
    fit.add_argument("--encoding", choices=tuple(ENCODINGS), default=None,
                     help="force the fit encoding (default: cross-validation chooses)")
    fit.add_argument("--prior", choices=LUT_PRIORS, default=None,
                     help="lut3d: force the global model the lattice corrects")
    fit.add_argument("--degree", type=int, choices=(1, 2, 3), default=None,
                     help="polynomials: force the degree")
    fit.add_argument("--size", type=int, default=33, help="LUT lattice size (default 33)")
    fit.add_argument("--source-colorspace", metavar="NAME",
                     help="OCIO space of the scan (default: project source colorspace)")
    fit.add_argument("--target-colorspace", metavar="NAME",
                     help="OCIO space of the target (default: the working space)")
    _common(fit, "on for color-recovery projects, else off")
    fit.set_defaults(_action=run_fit)

    app = sub.add_parser(
        "apply", help="apply a grade (.cube / .clf / .cc / .json) to a sequence",
        description="Apply a fitted grade to a whole sequence, keeping format and metadata.",
    )
    app.add_argument("grade", metavar="GRADE", help="grade.cube, grade.clf, grade.cc or grade.json")
    app.add_argument("input", metavar="INPUT_SEQ", nargs="?",
                     help="sequence to grade (default: project source)")
    app.add_argument("--out", metavar="OUT_SEQ", help="output sequence "
                     "(default: pipeline/05_matchgrade_render/<NAME>_MG_####.exr)")
    app.add_argument("--frames", metavar="LIST", help="frames (default: all found)")
    app.add_argument("--colorspace", metavar="NAME",
                     help="OCIO space of the input (default: project source colorspace)")
    app.add_argument("--inverse", action="store_true",
                     help="apply the inverse (e.g. undo a balance grade)")
    _common(app, "as the grade was fitted (its .json says)")
    app.set_defaults(_action=run_apply)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "_action", None)
    if action is None:
        raise RTKError("say what to do: rtk matchgrade fit … or "
                       "rtk matchgrade apply GRADE INPUT_SEQ --out OUT_SEQ")
    return int(action(args) or 0)


def run_fit(args: argparse.Namespace) -> int:
    request = GradeFitRequest(
        source=args.source, target=args.target, mask=args.mask, frames=args.frames,
        holdout=args.holdout, out=Path(args.out) if args.out else None, method=args.method,
        encoding=args.encoding, prior=args.prior, degree=args.degree, size=args.size,
        chroma_only=args.chroma_only, source_colorspace=args.source_colorspace,
        target_colorspace=args.target_colorspace, ocio=args.ocio,
        working_space=args.working_space, project=args.project, log=not args.no_log,
    )
    with progress_bar("matchgrade fit", 1, quiet=args.json) as progress:
        outcome = run_grade_fit(request, progress)
    s = outcome.summary
    if outcome.log_entry:
        s["log_entry"] = outcome.log_entry
    if args.json:
        print_json(s)
        return 0
    print("\n".join(fit_report(s)))
    return 0


def run_apply(args: argparse.Namespace) -> int:
    request = GradeApplyRequest(
        grade=Path(args.grade), input=args.input, out=args.out, frames=args.frames,
        colorspace=args.colorspace, ocio=args.ocio, working_space=args.working_space,
        inverse=args.inverse, chroma_only=args.chroma_only, project=args.project,
        log=not args.no_log,
    )
    with progress_bar("matchgrade apply", 1, quiet=args.json) as progress:
        outcome = run_grade_apply(request, progress)
    s = outcome.summary
    if outcome.log_entry:
        s["log_entry"] = outcome.log_entry
    if args.json:
        print_json(s)
    else:
        print(f"wrote {s['written']} frames to {s['output']}"
              + (" (chroma-only)" if s["chroma_only"] else ""))
    return 0
