"""`rtk project init|show|check`: create and inspect a restoration project."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, print_json
from ..core.errors import RTKError
from ..core.io.sequence import open_sequence
from ..core.project import (
    PROJECT_FILE,
    TECHNIQUES,
    Element,
    Footage,
    Project,
    Provenance,
    create_project_folders,
    load_project,
    open_project,
)

COMMAND = "project"
HELP = "create (init), show or check a restoration project (project.yaml + five stage folders)"
ORDER = 1


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = sub.add_parser("init", help="write DIR/project.yaml and the five stage folders")
    init.add_argument("dir", help="project folder (created if missing)")
    init.add_argument("--technique", required=True, choices=TECHNIQUES)
    init.add_argument("--source", required=True, metavar="SEQ", help="scan sequence, e.g. scan/F_####.exr")
    init.add_argument("--reference", metavar="SEQ", help="reference sequence (DVD, telecine, other element)")
    init.add_argument("--name", help="project name used in file names (default: folder name)")
    init.add_argument("--title", default="", help="film title")
    init.add_argument("--reel", default="", help="reel")
    init.add_argument("--fps", type=float, default=24.0, help="scan frame rate (default 24)")
    init.add_argument("--reference-fps", type=float, default=None, help="reference frame rate (25 PAL, 29.97 NTSC)")
    init.add_argument("--source-colorspace", default="ACES2065-1")
    init.add_argument("--reference-colorspace", default="Gamma 2.4 Rec.709 - Texture")
    init.add_argument("--force", action="store_true", help="replace an existing project.yaml")
    add_json_argument(init)
    show = sub.add_parser("show", help="print the project")
    show.add_argument("--project", metavar="DIR")
    add_json_argument(show)
    check = sub.add_parser("check", help="validate project.yaml and that its sequences exist")
    check.add_argument("--project", metavar="DIR")
    add_json_argument(check)


def run(args: argparse.Namespace) -> int:
    return {"init": _init, "show": _show, "check": _check}[args.action](args)


def _init(args: argparse.Namespace) -> int:
    root = Path(args.dir).resolve()
    if (root / PROJECT_FILE).exists() and not args.force:
        raise RTKError("a project already exists here (use --force to replace project.yaml)", root / PROJECT_FILE)
    if args.technique != "color-nonreference" and not args.reference:
        raise RTKError(f"technique {args.technique} needs --reference SEQ")
    source_seq = open_sequence(args.source, allow_missing=True)
    ref_seq = open_sequence(args.reference, allow_missing=True) if args.reference else None
    name = args.name or "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in root.name).upper()
    project = Project(
        name=name,
        technique=args.technique,
        root=root,
        film={"title": args.title, "reel": args.reel},
        source=Footage(path=_relative(args.source, root), frames=_frames(source_seq), fps=args.fps,
                       colorspace=args.source_colorspace, element=Element()),
        reference=None if ref_seq is None else Footage(
            path=_relative(args.reference, root), frames=_frames(ref_seq),
            fps=args.reference_fps or args.fps, colorspace=args.reference_colorspace,
            element=Element(), provenance=Provenance(),
        ),
    )
    create_project_folders(root)
    path = project.save()
    load_project(path)  # what we wrote must load
    if args.json:
        print_json({"project": str(path), "name": name, "technique": args.technique,
                    "source_frames": project.source.frames,
                    "reference_frames": project.reference.frames if project.reference else None})
    else:
        print(f"wrote {path}")
        for warning in _warnings(source_seq, ref_seq):
            print(f"warning: {warning}")
        if project.reference is not None:
            print("next: record the reference's provenance (source, holder, permission) in project.yaml")
    return 0


def _frames(seq) -> str:
    from ..core.io.frames import format_frames

    return format_frames(seq.frames) if not seq.is_single else "1"


def _warnings(source_seq, ref_seq) -> list:
    out = []
    for label, seq in (("source", source_seq), ("reference", ref_seq)):
        if seq is not None and seq.missing:
            from ..core.io.frames import format_frames

            out.append(f"{label} is missing frames {format_frames(seq.missing)}")
    return out


def _relative(spec: str, root: Path) -> str:
    path = Path(spec).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _show(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    if args.json:
        print_json({"root": str(project.root), **project.to_dict()})
    else:
        import yaml

        print(f"# {project.root / PROJECT_FILE}")
        print(yaml.safe_dump(project.to_dict(), sort_keys=False), end="")
    return 0


def _check(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    problems = []
    for label, footage in (("source", project.source), ("reference", project.reference)):
        if footage is None:
            continue
        try:
            open_sequence(str(project.resolve(footage.path)), footage.frames)
        except RTKError as exc:
            problems.append(f"{label}: {exc}")
    for name in project.references_without_provenance():
        problems.append(f"provenance missing for reference {name}")
    if args.json:
        print_json({"ok": not problems, "problems": problems})
    else:
        for p in problems:
            print(f"problem: {p}")
        print("project is complete" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1
