"""`rtk infer`: render a sequence with a TorchScript model, frame by frame, tiled."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..core.errors import RTKError

COMMAND = "infer"
HELP = "render a sequence with a trained TorchScript model (model.pt), tiled, headless"
ORDER = 45

from ..core.experiment_log import log_run


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        metavar="INPUT_SEQ",
        help="scan sequence (scan.####.exr, scan.%%04d.exr, or one file)",
    )
    parser.add_argument(
        "--model", required=True, metavar="MODEL_PT", help="TorchScript model (model.pt)"
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="OUT_SEQ",
        help="output sequence pattern (out.####.exr); its extension sets the format",
    )
    parser.add_argument(
        "--frames", default=None, help="frames to render, e.g. 1001-1050 (default: all)"
    )
    parser.add_argument(
        "--tile",
        type=int,
        default=512,
        help="tile size in pixels (default 512; 0 = whole frame at once)",
    )
    parser.add_argument(
        "--overlap", type=int, default=64, help="tile overlap in pixels (default 64)"
    )
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where to run (default auto)",
    )
    parser.add_argument(
        "--recombine",
        choices=("auto", "none", "chroma", "luma"),
        default="auto",
        help="auto (default): color models keep the scan's luminance, spatial "
        "models the scan's chroma, as the stage-04 graph does; none: raw model output",
    )
    parser.add_argument(
        "--colorspace",
        default=None,
        help="OCIO color space of INPUT_SEQ (default: from the files' metadata); "
        "frames are converted to the model's working space and back",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="render frames that already exist again"
    )
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="project to record this render in (default: the nearest project.yaml, if any)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="CPU threads for torch (default 0 = one per core; 1 is often fastest "
        "on a busy shared machine)",
    )
    add_json_argument(parser)
    add_no_log_argument(parser)


def run(args: argparse.Namespace) -> int:
    from ..train import require_torch, set_threads

    require_torch()
    set_threads(args.threads)
    from ..train.infer import infer_sequence
    from ..train.trainer import resolve_device

    if args.tile < 0 or args.overlap < 0:
        raise RTKError("--tile and --overlap must not be negative")
    if args.tile and args.tile < 2 * args.overlap:
        raise RTKError("--tile must be at least twice --overlap")
    device = resolve_device(args.device)
    with progress_bar("inference", 1, quiet=bool(args.json)) as bar:
        result = infer_sequence(
            Path(args.model),
            args.input,
            args.out,
            frames=args.frames,
            tile=args.tile,
            overlap=args.overlap,
            device=device,
            overwrite=args.overwrite,
            recombine=args.recombine,
            colorspace=args.colorspace,
            progress=bar,
        )
    from ..core.io.frames import format_frames

    summary = {
        "written": format_frames(result.written) if result.written else "",
        "skipped": format_frames(result.skipped) if result.skipped else "",
        "frames_written": len(result.written),
        "frames_skipped": len(result.skipped),
        "seconds_per_frame": round(result.seconds_per_frame, 3),
        "recombine": result.recombine,
        "device": str(device),
        "out": args.out,
    }
    if not args.no_log and result.written:
        project = _project_or_none(args.project)
        if project is not None:
            summary["log_entry"] = log_run(
                project.root,
                stage="inference",
                technique=project.technique,
                frames=result.written,
                parameters={
                    "model": str(args.model),
                    "tile": args.tile,
                    "overlap": args.overlap,
                    "device": str(device),
                    "recombine": result.recombine,
                },
                figures={"seconds_per_frame": round(result.seconds_per_frame, 3)},
                inputs=[Path(args.model)],
                outputs=result.outputs[:1],
                observations=f"rtk infer wrote {len(result.written)} frames to {args.out}",
                model_route="rtk infer (TorchScript)",
            )
    if args.json:
        print_json(summary)
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")
    return 0


def _project_or_none(path):
    from ..core.project import open_project

    try:
        return open_project(path)
    except RTKError:
        if path:
            raise
        return None
