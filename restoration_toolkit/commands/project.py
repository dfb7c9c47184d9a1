"""`rtk project init|show|check`: create and inspect a restoration project.

Arguments only; the work is :mod:`restoration_toolkit.stages.project`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, print_json
from ..core.project import PROJECT_FILE, TECHNIQUES, open_project
from ..stages.project import InitRequest, check_project, init_project

COMMAND = "project"
HELP = "create (init), show or check a restoration project (project.yaml + five stage folders)"
ORDER = 1

# fmt: off
_INIT = (
    ("--technique", dict(required=True, choices=TECHNIQUES)),
    ("--source", dict(required=True, metavar="SEQ",
     help="scan sequence, e.g. scan/F_####.dpx, or a video file (access copy)")),
    ("--reference", dict(metavar="SEQ",
     help="reference: an image sequence or a video file (film.mkv, dvd.vob, telecine.mov)")),
    ("--conform", dict(metavar="FILE", help="an editor's conform or shot list (cut.edl, cut.otio, "
     "cut.fcpxml): its clips become the project's shots instead of detected ones")),
    ("--name", dict(help="project name used in file names (default: folder name)")),
    ("--title", dict(default="", help="film title")),
    ("--reel", dict(default="", help="reel")),
    ("--fps", dict(type=float, default=24.0, help="scan frame rate (default 24)")),
    ("--reference-fps", dict(type=float, default=None,
     help="reference frame rate (default: the video's own, else --fps)")),
    ("--source-colorspace", dict(default=None,
     help="default: what the files say (DPX transfer, EXR header), else ACES2065-1")),
    ("--reference-colorspace", dict(default=None,
     help="default: from a video's color tags, else Gamma 2.4 Rec.709 - Texture")),
    ("--no-picture-area", dict(action="store_true",
     help="do not look for perforations, soundtrack and frame lines in the scan")),
    ("--force", dict(action="store_true", help="replace an existing project.yaml")),
)
# fmt: on


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = sub.add_parser("init", help="write DIR/project.yaml and the five stage folders")
    init.add_argument("dir", help="project folder (created if missing)")
    for flag, kwargs in _INIT:
        init.add_argument(flag, **kwargs)
    add_json_argument(init)
    for action, text in (
        ("show", "print the project"),
        ("check", "validate project.yaml, its footage (changed since init?) and provenance"),
    ):
        p = sub.add_parser(action, help=text)
        p.add_argument("--project", metavar="DIR")
        add_json_argument(p)


def run(args: argparse.Namespace) -> int:
    return {"init": _init, "show": _show, "check": _check}[args.action](args)


def _init(args: argparse.Namespace) -> int:
    out = init_project(
        InitRequest(
            root=Path(args.dir),
            technique=args.technique,
            source=args.source,
            reference=args.reference,
            name=args.name,
            title=args.title,
            reel=args.reel,
            fps=args.fps,
            reference_fps=args.reference_fps,
            source_colorspace=args.source_colorspace,
            reference_colorspace=args.reference_colorspace,
            picture_area=not args.no_picture_area,
            force=args.force,
            conform=Path(args.conform) if args.conform else None,
        )
    )
    p, src, ref, picture = out.project, out.source, out.reference, out.picture
    if args.json:
        print_json(
            {
                "project": str(out.path),
                "name": p.name,
                "technique": p.technique,
                "source_frames": p.source.frames,
                "reference_frames": p.reference.frames if p.reference else None,
                "source": src.as_dict(),
                "reference": ref.as_dict() if ref else None,
                "picture_area": picture.as_dict() if picture is not None else None,
                "ocio_config": p.color.ocio_config,
                "ocio_config_origin": p.color.ocio_config_origin,
                "shots": [{"name": s.name, "first": s.first, "last": s.last} for s in out.shots],
            }
        )
        return 0
    print(f"wrote {out.path}")
    print(f"  source:    {src.description}")
    if ref is not None:
        print(f"  reference: {ref.description}")
    if picture is not None:
        print(f"  picture area: {picture.describe()}")
    print(f"  OCIO config: {p.color.ocio_config} ({p.color.ocio_config_origin})")
    if out.shots:
        print(f"  {len(out.shots)} shots from {args.conform}")
    for warning in out.warnings:
        print(f"warning: {warning}")
    if p.reference is not None:
        print(
            "next: record the reference's provenance (source, holder, permission) in project.yaml"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    color = {
        "ocio_config": project.color.ocio_config,
        "ocio_config_origin": project.color.ocio_config_origin,
    }
    if args.json:
        print_json({"root": str(project.root), **project.to_dict(), "ocio": color})
    else:
        import yaml

        print(f"# {project.root / PROJECT_FILE}")
        print(f"# OCIO config in use: {color['ocio_config']} ({color['ocio_config_origin']})")
        print(yaml.safe_dump(project.to_dict(), sort_keys=False), end="")
    return 0


def _check(args: argparse.Namespace) -> int:
    problems = check_project(open_project(args.project))
    if args.json:
        print_json({"ok": not problems, "problems": problems})
    else:
        for p in problems:
            print(f"problem: {p}")
        print("project is complete" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1
