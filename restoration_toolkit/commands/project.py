"""`rtk project init|show|check`: create and inspect a restoration project."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, print_json
from ..core.errors import RTKError
from ..core.project import PROJECT_FILE, TECHNIQUES, open_project

COMMAND = "project"
HELP = "create (init), show or check a restoration project (project.yaml + five stage folders)"
ORDER = 1


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = sub.add_parser("init", help="write DIR/project.yaml and the five stage folders")
    init.add_argument("dir", help="project folder (created if missing)")
    init.add_argument("--technique", required=True, choices=TECHNIQUES)
    init.add_argument("--source", required=True, metavar="SEQ",
                      help="scan sequence, e.g. scan/F_####.dpx, or a video file (access copy)")
    init.add_argument("--reference", metavar="SEQ",
                      help="reference: an image sequence or a video file (film.mkv, dvd.vob, telecine.mov)")
    init.add_argument("--name", help="project name used in file names (default: folder name)")
    init.add_argument("--title", default="", help="film title")
    init.add_argument("--reel", default="", help="reel")
    init.add_argument("--fps", type=float, default=24.0, help="scan frame rate (default 24)")
    init.add_argument("--reference-fps", type=float, default=None,
                      help="reference frame rate (default: the video's own, else --fps)")
    init.add_argument("--source-colorspace", default=None,
                      help="default: what the files say (DPX transfer, EXR header), else ACES2065-1")
    init.add_argument("--reference-colorspace", default=None,
                      help="default: from a video's color tags, else Gamma 2.4 Rec.709 - Texture")
    init.add_argument("--no-picture-area", action="store_true",
                      help="do not look for perforations, soundtrack and frame lines in the scan")
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
    from ..stages.footage import InitRequest, init_project

    outcome = init_project(InitRequest(
        root=root, technique=args.technique, source=args.source, reference=args.reference,
        name=args.name, title=args.title, reel=args.reel, fps=args.fps,
        reference_fps=args.reference_fps, source_colorspace=args.source_colorspace,
        reference_colorspace=args.reference_colorspace, picture_area=not args.no_picture_area))
    project, src, ref, picture = outcome.project, outcome.source, outcome.reference, outcome.picture
    color = project.color
    if args.json:
        print_json({"project": str(outcome.path), "name": project.name, "technique": args.technique,
                    "source_frames": project.source.frames,
                    "reference_frames": project.reference.frames if project.reference else None,
                    "source": src.as_dict(), "reference": ref.as_dict() if ref else None,
                    "picture_area": picture.as_dict() if picture is not None else None,
                    "ocio_config": color.ocio_config, "ocio_config_origin": color.ocio_config_origin})
    else:
        print(f"wrote {outcome.path}")
        print(f"  source:    {src.description}")
        if ref is not None:
            print(f"  reference: {ref.description}")
        if picture is not None:
            print(f"  picture area: {picture.describe()}")
        print(f"  OCIO config: {color.ocio_config} ({color.ocio_config_origin})")
        for warning in outcome.warnings:
            print(f"warning: {warning}")
        if project.reference is not None:
            print("next: record the reference's provenance (source, holder, permission) in project.yaml")
    return 0


def _show(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    color = {"ocio_config": project.color.ocio_config, "ocio_config_origin": project.color.ocio_config_origin}
    if args.json:
        print_json({"root": str(project.root), **project.to_dict(), "ocio": color})
    else:
        import yaml

        print(f"# {project.root / PROJECT_FILE}")
        print(f"# OCIO config in use: {color['ocio_config']} ({color['ocio_config_origin']})")
        print(yaml.safe_dump(project.to_dict(), sort_keys=False), end="")
    return 0


def _check(args: argparse.Namespace) -> int:
    from ..stages.footage import check_footage

    project = open_project(args.project)
    problems = check_footage(project)
    for name in project.references_without_provenance():
        problems.append(f"provenance missing for reference {name}")
    if args.json:
        print_json({"ok": not problems, "problems": problems})
    else:
        for p in problems:
            print(f"problem: {p}")
        print("project is complete" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1
