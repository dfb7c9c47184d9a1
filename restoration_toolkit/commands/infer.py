"""`rtk infer`: render a sequence with a TorchScript model, frame by frame, tiled.

Arguments only; the work is :func:`restoration_toolkit.stages.torch_inference.run_inference`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli_support import (
    add_json_argument,
    add_no_log_argument,
    add_threads_argument,
    progress_bar,
)
from ..stages.torch_inference import InferRequest, run_inference
from ..train import DEVICES
from .train import print_summary

COMMAND = "infer"
HELP = "render a sequence with a trained TorchScript model (model.pt), tiled, headless"
ORDER = 45


def register(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("input", metavar="INPUT_SEQ", help="scan sequence (scan.####.exr, scan.%%04d.exr, a file)")
    add("--model", required=True, metavar="MODEL_PT", help="TorchScript model (model.pt)")
    add(
        "--out",
        required=True,
        metavar="OUT_SEQ",
        help="output sequence pattern (out.####.exr); its extension sets the format",
    )
    add("--frames", help="frames to render, e.g. 1001-1050 (default: all)")
    add("--tile", type=int, default=512, help="tile size in pixels (default 512; 0 = whole frame)")
    add("--overlap", type=int, default=64, help="tile overlap in pixels (default 64)")
    add("--device", choices=DEVICES, default="auto", help="where to run (default auto)")
    add(
        "--recombine",
        choices=("auto", "none", "chroma", "luma"),
        default="auto",
        help="auto (default): color models keep the scan's luminance, spatial "
        "models the scan's chroma, as the stage-04 graph does; none: raw model output",
    )
    add(
        "--colorspace",
        help="OCIO color space of INPUT_SEQ (default: from the files' metadata); "
        "frames are converted to the model's working space and back",
    )
    add("--overwrite", action="store_true", help="render frames that already exist again")
    add(
        "--project",
        metavar="DIR",
        help="project to record this render in (default: the nearest project.yaml, if any)",
    )
    add_threads_argument(parser)
    add_json_argument(parser)
    add_no_log_argument(parser)


def run(args: argparse.Namespace) -> int:
    request = InferRequest(
        model=Path(args.model),
        source=args.input,
        out=args.out,
        frames=args.frames,
        tile=args.tile,
        overlap=args.overlap,
        device=args.device,
        recombine=args.recombine,
        colorspace=args.colorspace,
        overwrite=args.overwrite,
        project=args.project,
        threads=args.threads,
        log=not args.no_log,
    )
    with progress_bar("inference", 1, quiet=bool(args.json)) as bar:
        summary = run_inference(request, progress=bar)
    print_summary(summary, args.json)
    return 0
