"""`rtk matchgrade fit|apply`: stage 05 — the traditional MatchGrade baseline, done well.

``rtk matchgrade fit --source SCAN_SEQ --target REF_SEQ [--mask CONF_SEQ] [--frames LIST]
[--holdout LIST] --out grade.cube [--method lut3d|root-polynomial|polynomial|dye-density|cdl]
[--size N]`` fits a film-specific color transform on aligned pairs and writes a .cube
(OpenColorIO reads it), a .cc for CDL, and a JSON sidecar with the fit figures.
``rtk matchgrade apply grade.cube INPUT_SEQ --out OUT_SEQ`` applies it through OpenColorIO.

In a project every default comes from project.yaml / pairs.yaml / stage 02: the scan, the
aligned references ``pipeline/02_alignment/aligned.####.exr`` (working space), their
``confidence.####.exr`` masks, the pairs' scan frames and holdout, and outputs go to
``pipeline/05_matchgrade_render/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.frames import format_frames, parse_frames
from ..core.io.sequence import open_sequence, output_sequence
from ..core.project import Project, open_project

COMMAND = "matchgrade"
HELP = "stage 05: fit a film-specific color transform (3D LUT, CDL …) on aligned pairs; apply it"
ORDER = 45
METHODS = ("lut3d", "root-polynomial", "polynomial", "dye-density", "cdl")


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    fit = sub.add_parser(
        "fit",
        help="fit a grade on aligned pairs; write .cube (+ .cc) + .json",
        description="Fit scan → reference on aligned pairs (project defaults when in a project).",
    )
    fit.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="restoration project (default: nearest project.yaml, if any)",
    )
    fit.add_argument("--source", metavar="SEQ", help="scan sequence (default: project source)")
    fit.add_argument(
        "--target",
        metavar="SEQ",
        help="aligned reference sequence (default: pipeline/02_alignment/aligned.####.exr)",
    )
    fit.add_argument(
        "--mask",
        metavar="SEQ",
        help="confidence masks 0–1 (default: pipeline/02_alignment/confidence.####.exr if present)",
    )
    fit.add_argument(
        "--frames", metavar="LIST", help="scan frames to use (default: the pairs of pairs.yaml)"
    )
    fit.add_argument(
        "--holdout",
        metavar="LIST",
        help="frames kept out of the fit and measured (default: pairs.yaml holdout)",
    )
    fit.add_argument(
        "--out",
        metavar="FILE.cube",
        help="grade file (default: pipeline/05_matchgrade_render/grade.cube)",
    )
    fit.add_argument(
        "--method", choices=METHODS, default="lut3d", help="fit method (default lut3d)"
    )
    fit.add_argument("--size", type=int, default=33, help="LUT lattice size (default 33)")
    fit.add_argument(
        "--encoding",
        choices=("acescct", "log2", "density", "srgb", "linear"),
        default=None,
        help="fit encoding (default per method: lut3d log2, cdl acescct)",
    )
    fit.add_argument(
        "--prior",
        choices=("dye-density", "affine"),
        default="dye-density",
        help="lut3d: the global model the lattice corrects (default dye-density)",
    )
    fit.add_argument(
        "--source-colorspace",
        metavar="NAME",
        help="OCIO space of the scan (default: project source colorspace)",
    )
    fit.add_argument(
        "--target-colorspace",
        metavar="NAME",
        help="OCIO space of the target (default: the working space)",
    )
    fit.add_argument(
        "--ocio", metavar="CONFIG", help="OCIO config (default: project color.ocio_config)"
    )
    fit.add_argument(
        "--working-space",
        metavar="NAME",
        help="working space (default: project color.working_space, else ACEScg)",
    )
    add_json_argument(fit)
    add_no_log_argument(fit)
    fit.set_defaults(_action=run_fit)

    app = sub.add_parser(
        "apply",
        help="apply a grade (.cube / .cc / .json) to a sequence through OpenColorIO",
        description="Apply a fitted grade to a whole sequence, keeping format and metadata.",
    )
    app.add_argument("grade", metavar="GRADE", help="grade.cube, grade.clf, grade.cc or grade.json")
    app.add_argument(
        "input", metavar="INPUT_SEQ", nargs="?", help="sequence to grade (default: project source)"
    )
    app.add_argument(
        "--out",
        metavar="OUT_SEQ",
        help="output sequence (default: pipeline/05_matchgrade_render/<NAME>_MG_####.exr)",
    )
    app.add_argument("--frames", metavar="LIST", help="frames (default: all found)")
    app.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="restoration project (default: nearest, if any)",
    )
    app.add_argument(
        "--colorspace",
        metavar="NAME",
        help="OCIO space of the input (default: project source colorspace)",
    )
    app.add_argument(
        "--ocio", metavar="CONFIG", help="OCIO config (default: project color.ocio_config)"
    )
    app.add_argument(
        "--working-space",
        metavar="NAME",
        help="space the grade was fitted in (default: project working space)",
    )
    app.add_argument(
        "--inverse", action="store_true", help="apply the inverse (e.g. undo a balance grade)"
    )
    add_json_argument(app)
    add_no_log_argument(app)
    app.set_defaults(_action=run_apply)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "_action", None)
    if action is None:
        raise RTKError(
            "say what to do: rtk matchgrade fit … or "
            "rtk matchgrade apply GRADE INPUT_SEQ --out OUT_SEQ"
        )
    return int(action(args) or 0)


def _maybe_project(args: argparse.Namespace) -> Optional[Project]:
    if args.project:
        return open_project(args.project)
    try:
        return open_project(None)
    except RTKError:
        return None


def _colors(
    args: argparse.Namespace,
    project: Optional[Project],
    source_space: Optional[str],
    target_space: Optional[str],
):
    from ..core.color.sequences import ColorSetup

    config = args.ocio or (project.color.ocio_config if project else None)
    working = args.working_space or (project.color.working_space if project else "ACEScg")
    if config is None and (source_space or target_space):
        from ..core.project import DEFAULT_OCIO_CONFIG

        config = DEFAULT_OCIO_CONFIG
    return ColorSetup(config=config, working=working, source=source_space, target=target_space)


def _declared_space(path: Path, colors: Any) -> Optional[str]:
    from ..core.color.ocio_apply import load_config
    from ..core.io.images import read_image_header

    name = read_image_header(path).colorspace
    if not name or name == colors.working:
        return None
    try:
        known = load_config(colors.config).getColorSpace(name) is not None
    except RTKError:
        return None
    return name if known else None


def _log(args: argparse.Namespace, project: Optional[Project], **entry: Any) -> Optional[str]:
    if project is None or getattr(args, "no_log", False):
        return None
    try:
        return log_run(project.root, stage="matchgrade", technique=project.technique, **entry)
    except RTKError:
        raise
    except Exception as exc:  # the log must never lose a finished fit
        import sys

        print(f"rtk: warning: experiment log not updated ({exc})", file=sys.stderr)
        return None


def run_fit(args: argparse.Namespace) -> int:
    from ..core.color.sequences import fit_grade

    project = _maybe_project(args)
    if args.size < 2 or args.size > 129:
        raise RTKError(f"--size must be between 2 and 129, got {args.size}")
    pairs = None
    if project is not None and project.pairs_file.is_file():
        from ..core.curation.pairs import load_pairs

        pairs = load_pairs(project.pairs_file)
    source_spec = args.source or (project.source_spec() if project else None)
    target_spec = args.target or (
        str(project.alignment_dir / "aligned.####.exr") if project else None
    )
    if not source_spec or not target_spec:
        raise RTKError("give --source and --target (or run inside a restoration project)")
    if args.frames:
        frames = parse_frames(args.frames)
    elif pairs is not None and pairs.pairs:
        frames = sorted(set(pairs.scan_frames) | set(pairs.holdout))
    else:
        frames = None
    holdout = (
        parse_frames(args.holdout)
        if args.holdout
        else (list(pairs.holdout) if pairs and not args.frames else [])
    )
    frame_text = format_frames(sorted(set(frames))) if frames else None
    # in a project, pairs whose reference is not aligned (yet) are left out, and said so
    target = open_sequence(
        target_spec, frame_text, allow_missing=bool(pairs is not None and not args.frames)
    )
    skipped = list(target.missing)
    frames = [f for f in target.frames if f not in set(skipped)]
    if not frames:
        raise RTKError("no aligned reference frames to fit on (run rtk align first)", target_spec)
    holdout = [f for f in holdout if f in set(frames)]
    source = open_sequence(source_spec, format_frames(frames))
    mask = None
    if args.mask:
        mask = open_sequence(args.mask, format_frames(frames))
    elif project is not None and not args.target:
        conf = project.alignment_dir / "confidence.####.exr"
        try:
            mask = open_sequence(str(conf), format_frames(frames))
        except RTKError:
            mask = None
    out = Path(args.out) if args.out else (project.stage_dir(5) / "grade.cube" if project else None)
    if out is None:
        raise RTKError("give --out grade.cube (or run inside a restoration project)")
    if out.suffix.lower() != ".cube":
        raise RTKError("--out must name a .cube file", out)
    inputs = [source.path(f) for f in frames] + [target.path(f) for f in frames]
    if mask is not None:
        inputs += [mask.path(f) for f in frames]
    resolved = {p.resolve() for p in inputs}
    for candidate in (out, out.with_suffix(".json"), out.with_suffix(".cc")):
        if candidate.resolve() in resolved:
            raise RTKError("refusing to write over an input file", candidate)
    source_space = args.source_colorspace or (
        project.source.colorspace if project and not args.source else None
    )
    target_space = args.target_colorspace
    colors = _colors(args, project, source_space, target_space)
    if target_space is None and colors.config is not None:
        # aligned references say their colour space in the header (the working space when
        # stage 02 converted them, else the reference's own, e.g. "sRGB - Texture")
        target_space = _declared_space(target.path(frames[0]), colors)
        colors.target = target_space
    encoding = args.encoding  # None: the method's default (lut3d log2, cdl acescct, …)
    with progress_bar("matchgrade fit", len(frames) + 2, quiet=args.json) as progress:
        result = fit_grade(
            source,
            target,
            out,
            frames=frames,
            holdout=holdout,
            mask=mask,
            colors=colors,
            method=args.method,
            size=args.size,
            encoding=encoding,
            prior=args.prior,
            progress=progress,
            extra={"project": project.name if project else None},
        )
    summary: Dict[str, Any] = {
        "grade": result.files.cube,
        "sidecar": result.files.sidecar,
        "cdl": result.files.cdl,
        "clf": result.files.clf,
        "method": args.method,
        "encoding": result.transform.encoding,
        "size": args.size,
        "training_frames": result.train_frames,
        "holdout_frames": result.holdout_frames,
        **result.figures,
        "skipped_frames": skipped,
    }
    entry = _log(
        args,
        project,
        frames=result.train_frames,
        parameters={
            "method": args.method,
            "size": args.size,
            "encoding": result.transform.encoding,
            "prior": args.prior if args.method == "lut3d" else None,
            "holdout": format_frames(result.holdout_frames) if result.holdout_frames else "",
        },
        figures={k: v for k, v in result.figures.items() if not isinstance(v, dict)},
        inputs=[Path(source.hash_pattern), Path(target.hash_pattern)],
        outputs=result.files.all(),
        observations=f"MatchGrade fit ({args.method}, {result.transform.encoding})",
    )
    if entry:
        summary["log_entry"] = entry
    if args.json:
        print_json(summary)
    else:
        line = f"wrote {result.files.cube} ({args.method}, {result.transform.encoding}"
        line += f", size {args.size})" if args.method == "lut3d" else ")"
        print(line)
        tr = result.figures
        if "train_de2000_mean" in tr:
            print(
                f"  training ΔE2000 mean {tr['train_de2000_mean']:.2f}"
                f"  p95 {tr['train_de2000_p95']:.2f}"
                f"  ({len(result.train_frames)} frames)"
            )
        if skipped:
            print(f"  left out (no aligned reference): frames {format_frames(skipped)}")
        if "holdout_de2000_mean" in tr:
            print(
                f"  held-out ΔE2000 mean {tr['holdout_de2000_mean']:.2f}"
                f"  p95 {tr['holdout_de2000_p95']:.2f}"
                f"  (frames {format_frames(result.holdout_frames)})"
            )
    return 0


def run_apply(args: argparse.Namespace) -> int:
    from ..core.color.grade_files import load_grade
    from ..core.color.sequences import apply_grade

    project = _maybe_project(args)
    grade = Path(args.grade)
    load_grade(grade)  # parses (and so validates) the grade before anything else
    input_spec = args.input or (project.source_spec() if project else None)
    if not input_spec:
        raise RTKError("give INPUT_SEQ (or run inside a restoration project)")
    source = open_sequence(input_spec, args.frames)
    out_spec = args.out or (
        str(project.stage_dir(5) / f"{project.name}_MG_####.exr") if project else None
    )
    if not out_spec:
        raise RTKError("give --out OUT_SEQ")
    out = output_sequence(out_spec, source.frames)
    if len(source.frames) > 1 and out.is_single:
        raise RTKError(
            "--out must be a sequence pattern (name.####.exr) for several frames", out_spec
        )
    space = args.colorspace or (project.source.colorspace if project and not args.input else None)
    colors = _colors(args, project, space, None)
    with progress_bar("matchgrade apply", len(source.frames), quiet=args.json) as progress:
        written: List[Path] = apply_grade(
            grade, source, out, colors=colors, inverse=args.inverse, progress=progress
        )
    entry = _log(
        args,
        project,
        frames=list(source.frames),
        parameters={"grade": grade.name},
        inputs=[grade, Path(source.hash_pattern)],
        outputs=[Path(out.hash_pattern)],
        observations=f"MatchGrade applied to {len(written)} frames",
    )
    summary = {
        "grade": grade,
        "output": out.hash_pattern,
        "frames": list(source.frames),
        "written": len(written),
    }
    if entry:
        summary["log_entry"] = entry
    if args.json:
        print_json(summary)
    else:
        print(f"wrote {len(written)} frames to {out.hash_pattern}")
    return 0
