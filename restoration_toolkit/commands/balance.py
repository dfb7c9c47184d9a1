"""`rtk balance SCAN_SEQ --out BAL_SEQ`: the neutral technical pre-balance (stage 01).

Estimates a global balance of the faded scan without a reference (``--method levels``:
robust per-channel black / white points and gamma; ``density``: fading estimated from
neutral blacks in print density; ``ace``: automatic color equalization, made global) from
sample frames, writes it as a CDL (``balance.cc`` + ``balance.cube`` + ``balance.json``:
repeatable in Nuke, invertible with ``rtk matchgrade apply balance.json … --inverse``) and
renders the balanced sequence ``<PROJECT>_BAL_####.exr``. The workflow trains on it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict, List

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.frames import format_frames
from ..core.io.sequence import open_sequence, output_sequence
from ..core.project import Project, open_project

COMMAND = "balance"
HELP = "stage 01: neutral pre-balance of the faded scan (levels, density blacks, ACE) as a CDL"
ORDER = 15


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", metavar="SCAN_SEQ", nargs="?", help="scan sequence (default: project source)"
    )
    parser.add_argument(
        "--out",
        metavar="BAL_SEQ",
        help="balanced sequence (default: 01_dataset_curation/balanced/<NAME>_BAL_####.exr)",
    )
    parser.add_argument("--frames", metavar="LIST", help="frames to render (default: all found)")
    parser.add_argument(
        "--method",
        choices=("levels", "density", "ace"),
        default="levels",
        help="estimator (default levels)",
    )
    parser.add_argument(
        "--samples", type=int, default=12, help="frames sampled for the estimate (default 12)"
    )
    parser.add_argument(
        "--grade",
        metavar="FILE.cube",
        help="where to write the balance grade (default: balance.cube next to the output)",
    )
    parser.add_argument(
        "--colorspace",
        metavar="NAME",
        help="OCIO space of the scan (default: project source colorspace)",
    )
    parser.add_argument(
        "--ocio", metavar="CONFIG", help="OCIO config (default: project color.ocio_config)"
    )
    parser.add_argument(
        "--working-space", metavar="NAME", help="working space (default: project, else ACEScg)"
    )
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="restoration project (default: nearest, if any)",
    )
    add_json_argument(parser)
    add_no_log_argument(parser)


def _project(args: argparse.Namespace):
    if args.project:
        return open_project(args.project)
    try:
        return open_project(None)
    except RTKError:
        return None


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..core.color.balance import estimate_balance
    from ..core.color.grade_files import save_grade
    from ..core.color.sequences import ColorSetup, apply_grade
    from ..core.io.images import read_image

    project: Project | None = _project(args)
    spec = args.source or (project.source_spec() if project else None)
    if not spec:
        raise RTKError("give SCAN_SEQ (or run inside a restoration project)")
    source = open_sequence(spec, args.frames)
    out_spec = args.out or (
        str(project.stage_dir(1) / "balanced" / project.file_name("BAL")) if project else None
    )
    if not out_spec:
        raise RTKError("give --out BAL_SEQ")
    out = output_sequence(out_spec, source.frames)
    if len(source.frames) > 1 and out.is_single:
        raise RTKError(
            "--out must be a sequence pattern (name.####.exr) for several frames", out_spec
        )
    grade_path = (
        Path(args.grade) if args.grade else Path(out.path(source.frames[0])).parent / "balance.cube"
    )
    inputs = {source.path(f).resolve() for f in source.frames}
    for p in (
        grade_path,
        grade_path.with_suffix(".cc"),
        grade_path.with_suffix(".json"),
        *(out.path(f) for f in source.frames),
    ):
        if Path(p).resolve() in inputs:
            raise RTKError("refusing to write over an input file", p)
    space = args.colorspace or (project.source.colorspace if project and not args.source else None)
    config = args.ocio or (project.color.ocio_config if project else None)
    if config is None and space:
        from ..core.project import DEFAULT_OCIO_CONFIG

        config = DEFAULT_OCIO_CONFIG
    colors = ColorSetup(
        config=config,
        working=args.working_space or (project.color.working_space if project else "ACEScg"),
        source=space,
    )
    n = max(1, min(args.samples, len(source.frames)))
    picks = sorted({source.frames[int(i)] for i in np.linspace(0, len(source.frames) - 1, n)})
    with progress_bar("balance", len(picks) + len(source.frames), quiet=args.json) as progress:
        frames = []
        for i, f in enumerate(picks):
            frames.append(colors.to_working(read_image(source.path(f)).pixels, space))
            progress(i + 1, len(picks) + len(source.frames), f"sampled frame {f}")
        cdl = estimate_balance(frames, method=args.method)
        del frames
        files = save_grade(
            cdl,
            grade_path,
            size=33,
            extra={"kind": "balance", "source": source.hash_pattern, "sample_frames": picks},
        )

        def step(done: int, total: int, message: str = "") -> None:
            progress(len(picks) + done, len(picks) + total, message)

        written = apply_grade(files.sidecar, source, out, colors=colors, progress=step)
    summary: Dict[str, Any] = {
        "output": out.hash_pattern,
        "frames": list(source.frames),
        "written": len(written),
        "method": args.method,
        "grade": files.cube,
        "cdl": files.cdl,
        "sidecar": files.sidecar,
        "sample_frames": picks,
        "cdl_values": cdl.parameters(),
        "encoding": cdl.encoding,
    }
    if project is not None and not args.no_log:
        try:
            summary["log_entry"] = log_run(
                project.root,
                stage="dataset_curation",
                technique=project.technique,
                frames=list(source.frames),
                parameters={
                    "balance": args.method,
                    "encoding": cdl.encoding,
                    "sample_frames": format_frames(picks),
                },
                figures={},
                inputs=[Path(source.hash_pattern)],
                outputs=[Path(out.hash_pattern), *files.all()],
                observations=f"neutral pre-balance ({args.method})",
            )
        except Exception as exc:  # never lose the render for the log
            import sys

            print(f"rtk: warning: experiment log not updated ({exc})", file=sys.stderr)
    if args.json:
        print_json(summary)
    else:
        written_list: List[Path] = written
        print(
            f"wrote {len(written_list)} frames to {out.hash_pattern}; "
            f"balance grade {files.cdl} ({args.method})"
        )
    return 0
