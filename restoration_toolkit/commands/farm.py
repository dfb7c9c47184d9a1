"""`rtk farm`: Open Job Description bundles for the heavy stages, run locally or on a farm.

rtk farm bundle --stage STAGE [--project DIR] [--frames A-B] [--chunk N] [--output SEQ ...]
                --out BUNDLE
rtk farm run BUNDLE [--workers N] [--path-mapping RULES.json]
rtk farm task --stage STAGE --frames A-B --project DIR [options]     (what each task runs)

Arguments only; the work is :mod:`restoration_toolkit.stages.farm`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..cli_support import add_json_argument, print_json, progress_bar
from ..core.io.frames import format_frames
from ..farm.bundle import BundleRequest
from ..farm.completeness import VERIFY_MODES
from ..farm.stages import ALL_OPTIONS, STAGES
from ..farm.task import TaskFailed
from ..stages import farm

COMMAND = "farm"
HELP = "render-farm jobs (OpenJD bundles): write, run locally, or run one resumable task"
ORDER = 90


def _stage_options(p: argparse.ArgumentParser) -> None:
    add = p.add_argument
    add("--stage", required=True, choices=list(STAGES), help="the stage to run")
    add("--source", metavar="SEQ", help="source frames (name.####.exr; default: the scan)")
    add("--output", dest="out", metavar="SEQ", help="output frames (default: the stage's folder)")
    add("--model", metavar="FILE", help="infer: the TorchScript model")
    add("--grade", metavar="FILE", help="matchgrade-apply: the fitted grade")
    add("--script", metavar="NK", help="nuke-render / nuke-train: the Nuke script")
    add("--node", metavar="NAME", help="nuke-render / nuke-train: node to execute")
    add("--nuke", metavar="EXE", help="the Nuke executable on the worker (default: nuke)")
    add("--gpu", action="store_true", default=None, help="ask for a GPU host (and Nuke --gpu)")
    add("--no-gpu", dest="gpu", action="store_false", help="no GPU (nuke-train asks by default)")
    add("--verify", choices=VERIFY_MODES, default="tail",
        help="how a done frame is checked: header, size, last row (tail); header; full decode")


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="farm_command", metavar="SUBCOMMAND")
    b = sub.add_parser("bundle", allow_abbrev=False, help="write an OpenJD job bundle for a stage")
    _stage_options(b)
    b.add_argument("--project", metavar="DIR", help="restoration project folder")
    b.add_argument("--python", metavar="EXE", help="the toolkit's interpreter on the worker")
    b.add_argument("--frames", metavar="LIST", help="frames (default: every frame of the source)")
    b.add_argument("--chunk", type=int, metavar="N", help="frames per task (default 50)")
    b.add_argument("--gpu-memory", type=int, metavar="MIB", help="minimum GPU memory, MiB")
    b.add_argument("--task-style", choices=("chunk", "int"), default="chunk",
                   help="chunk: OpenJD CHUNK[INT] tasks; int: one chunk start per task")
    b.add_argument("--name", help="job name shown on the farm")
    b.add_argument("--overwrite", action="store_true", help="replace an existing bundle folder")
    b.add_argument("--out", "-o", dest="bundle", metavar="BUNDLE_DIR", required=True)
    add_json_argument(b)
    r = sub.add_parser("run", help="run a bundle on this machine with OpenJD's local runner")
    r.add_argument("bundle", metavar="BUNDLE_DIR")
    r.add_argument("--workers", type=int, default=1, metavar="N", help="concurrent sessions")
    r.add_argument("--path-mapping", metavar="RULES", help="OpenJD pathmapping-1.0 rules (JSON)")
    r.add_argument("--log", metavar="FILE", help="append every session's output to FILE")
    add_json_argument(r)
    t = sub.add_parser("task", allow_abbrev=False, help="run one resumable chunk of a stage")
    _stage_options(t)
    t.add_argument("--project", metavar="DIR", required=True, help="restoration project folder")
    t.add_argument("--frames", metavar="LIST", help="the chunk's frames (or the job's frames)")
    t.add_argument("--chunk-start", type=int, metavar="F", help="INT task style: chunk start")
    t.add_argument("--chunk-size", type=int, metavar="N", help="INT task style: frames per chunk")
    parser.set_defaults(_farm_parser=parser)


def run(args: argparse.Namespace) -> int:
    action = {"bundle": _bundle, "run": _run, "task": _task}.get(args.farm_command)
    if action is None:
        args._farm_parser.print_help()
        return 2
    return action(args)


def _bundle(args: argparse.Namespace) -> int:
    request = BundleRequest(
        stage=args.stage,
        project=args.project,
        frames=args.frames,
        chunk=50 if args.chunk is None else args.chunk,
        chunk_given=args.chunk is not None,
        options={name: getattr(args, name) for name in ALL_OPTIONS},
        python=args.python,
        nuke=args.nuke,
        gpu=args.gpu,
        gpu_memory_mib=args.gpu_memory,
        task_style=args.task_style,
        verify=args.verify,
        name=args.name,
    )
    s = farm.write_job_bundle(request, Path(args.bundle), overwrite=args.overwrite)
    if args.json:
        print_json(s)
    else:
        print(f"wrote {s['bundle']}: {s['stage']}, {s['frames']} frames in {s['tasks']} tasks")
        here = shlex.join(["rtk", "farm", "run", s["bundle"], "--workers", "2"])
        print(f"  run here:           {here}")
        print(f"  AWS Deadline Cloud: {s['submit']}")
    return 0


def _run(args: argparse.Namespace) -> int:
    bundle = Path(args.bundle)
    with progress_bar("farm run", farm.bundle_task_count(bundle)) as bar:
        s = farm.run_job_bundle(
            bundle,
            workers=args.workers,
            path_mapping=args.path_mapping,
            log=Path(args.log) if args.log else None,
            progress=bar,
        )
    if args.json:
        print_json(s)
    else:
        print(f"{s['tasks']} tasks done by {len(s['workers'])} worker(s) in {s['seconds']:.1f} s")
    return 0


def _task(args: argparse.Namespace) -> int:
    request = farm.ChunkRequest(
        stage=args.stage,
        project=args.project,
        frames=args.frames,
        chunk_start=args.chunk_start,
        chunk_size=args.chunk_size,
        options={name: getattr(args, name) for name in ALL_OPTIONS},
        nuke=args.nuke,
        gpu=bool(args.gpu),
        verify=args.verify,
    )
    try:
        farm.run_chunk(request)
    except TaskFailed as exc:
        frames = format_frames(exc.frames) if exc.frames else "?"
        print(f"rtk farm task: {args.stage} failed on frames {frames}", file=sys.stderr)
        print(exc.line, file=sys.stderr)
        return exc.returncode if exc.returncode > 0 else 1
    return 0
