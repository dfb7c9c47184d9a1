"""`rtk demo [OUT]`: build the demo restoration project and run every stage on it."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..cli_support import progress_bar

COMMAND = "demo"
HELP = (
    "build a small demo restoration project (faded full-aperture scan + interlaced DVD "
    "reference) and run every stage on it"
)
ORDER = 0


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "out",
        nargs="?",
        default="rtk-demo",
        help="folder for the demo project (default ./rtk-demo)",
    )
    parser.add_argument(
        "--force", action="store_true", help="rebuild the media of an existing demo folder"
    )
    parser.add_argument(
        "--only-project", action="store_true", help="create the project and its media, run no stage"
    )


def run(args: argparse.Namespace) -> int:
    from ..stages.demo import DemoRun, prepare, run_steps, write_timings

    started = time.monotonic()
    root = Path(args.out).resolve()
    with progress_bar("writing demo media", 1) as progress:
        project, built = prepare(root, args.force, progress)
    if built is None:
        print(f"using the existing demo project in {root} (--force rebuilds it)")
    else:
        print(f"demo project: {root / 'project.yaml'} ({built:.1f} s)")
    print(f"  scan:      {project.source_spec()} {project.source.frames}")
    if project.reference is not None:
        print(
            f"  reference: {project.reference_spec()} frames {project.reference.frames}, "
            f"{project.reference.fps:.3f} fps, {project.reference.field_order} field first"
        )
    if project.picture_area is not None:
        print(
            f"  picture area: {list(project.picture_area.box)}; "
            + "; ".join(project.picture_area.found)
        )
    if args.only_project:
        return 0
    demo = DemoRun(root)
    if built is not None:
        demo.seconds["build the demo footage and project"] = round(built, 2)
    run_steps(demo, print)
    timings = write_timings(demo)
    print("\nwhere the results are:")
    print("\n".join(demo.results))
    print(f"  {'experiment log':<55} {root / 'notes' / 'experiments.md'}")
    print(f"  {'timings of this run':<55} {timings}")
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    return 1 if demo.failed else 0
