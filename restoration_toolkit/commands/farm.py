"""`rtk farm`: Open Job Description bundles for the heavy stages, run locally or on a farm.

rtk farm bundle --stage STAGE [--project DIR] [--frames A-B] [--chunk N] [--output SEQ ...]
                --out BUNDLE
rtk farm run BUNDLE [--workers N] [--path-mapping RULES.json]
rtk farm task --stage STAGE --frames A-B --project DIR [options]     (what each task runs)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..cli_support import add_json_argument, print_json, progress_bar
from ..core.errors import RTKError

COMMAND = "farm"
HELP = "render-farm jobs (OpenJD bundles): write, run locally, or run one resumable task"
ORDER = 90


def _stage_options(p: argparse.ArgumentParser) -> None:
    from ..farm.stages import STAGES

    p.add_argument("--stage", required=True, choices=list(STAGES), help="the stage to run")
    p.add_argument(
        "--source", metavar="SEQ", help="source frames (name.####.exr); default: the project's scan"
    )
    p.add_argument(
        "--output",
        dest="out_seq",
        metavar="SEQ",
        help="output frames (name.####.exr); default: the stage's project folder",
    )
    p.add_argument("--model", metavar="FILE", help="infer: the TorchScript model")
    p.add_argument("--grade", metavar="FILE", help="matchgrade-apply: the fitted grade")
    p.add_argument("--script", metavar="NK", help="nuke-render / nuke-train: the Nuke script")
    p.add_argument(
        "--node",
        metavar="NAME",
        help="nuke-render / nuke-train: node to execute (Write1 / CopyCat1)",
    )
    p.add_argument(
        "--python",
        metavar="EXE",
        help="the toolkit's interpreter on the worker (default: this one)",
    )
    p.add_argument(
        "--nuke", metavar="EXE", help="the Nuke executable on the worker (default: nuke)"
    )
    p.add_argument(
        "--gpu",
        action="store_true",
        default=None,
        help="ask for a GPU host (and pass --gpu to Nuke)",
    )
    p.add_argument(
        "--no-gpu",
        dest="gpu",
        action="store_false",
        help="no GPU (nuke-train asks for one by default)",
    )
    p.add_argument(
        "--verify",
        choices=("tail", "header", "full"),
        default="tail",
        help="how a finished frame is checked: header, size and last row (tail, default), "
        "header and size only, or a full decode",
    )


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="farm_command", metavar="SUBCOMMAND")
    b = sub.add_parser(
        "bundle",
        allow_abbrev=False,
        help="write an OpenJD job bundle for a stage",
        description="Write an Open Job Description job bundle (template.yaml + "
        "parameter_values.yaml) whose tasks are chunks of frames.",
    )
    _stage_options(b)
    b.add_argument("--project", metavar="DIR", default=None, help="restoration project folder")
    b.add_argument("--frames", metavar="LIST", help="frames (default: every frame of the source)")
    b.add_argument(
        "--chunk",
        type=int,
        default=None,
        metavar="N",
        help="frames per task (default 50; validate: all frames in one task, as it "
        "writes one report per run)",
    )
    b.add_argument(
        "--gpu-memory", type=int, metavar="MIB", help="minimum GPU memory on the host, MiB"
    )
    b.add_argument(
        "--task-style",
        choices=("chunk", "int"),
        default="chunk",
        help="chunk: OpenJD CHUNK[INT] (TASK_CHUNKING extension, default); "
        "int: one INT chunk-start per task, for farms without the extension",
    )
    b.add_argument("--name", help="job name shown on the farm")
    b.add_argument("--overwrite", action="store_true", help="replace an existing bundle folder")
    b.add_argument(
        "--out",
        "-o",
        dest="bundle",
        metavar="BUNDLE_DIR",
        required=True,
        help="the bundle folder to write",
    )
    add_json_argument(b)

    r = sub.add_parser("run", help="run a bundle on this machine with OpenJD's local runner")
    r.add_argument("bundle", metavar="BUNDLE_DIR")
    r.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="concurrent OpenJD sessions over disjoint chunks (default 1)",
    )
    r.add_argument(
        "--path-mapping", metavar="RULES", help="OpenJD pathmapping-1.0 rules (JSON file)"
    )
    r.add_argument("--log", metavar="FILE", help="append every session's output to FILE")
    add_json_argument(r)

    t = sub.add_parser(
        "task",
        allow_abbrev=False,
        help="run one resumable chunk of a stage (what a farm task runs)",
    )
    _stage_options(t)
    t.add_argument("--project", metavar="DIR", required=True, help="restoration project folder")
    t.add_argument(
        "--frames",
        metavar="LIST",
        help="the chunk's frames, or the job's frame list with --chunk-start",
    )
    t.add_argument(
        "--chunk-start", type=int, metavar="F", help="INT task style: first frame of the chunk"
    )
    t.add_argument("--chunk-size", type=int, metavar="N", help="INT task style: frames per chunk")
    parser.set_defaults(_farm_parser=parser)


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "farm_command", None)
    if command == "bundle":
        return _bundle(args)
    if command == "run":
        return _run(args)
    if command == "task":
        return _task(args)
    args._farm_parser.print_help()
    return 2


def _options(args: argparse.Namespace) -> dict:
    return {
        "source": args.source,
        "out": args.out_seq,
        "model": args.model,
        "grade": args.grade,
        "script": args.script,
        "node": args.node,
    }


def _bundle(args: argparse.Namespace) -> int:
    from ..farm.bundle import BundleRequest, plan_bundle, write_bundle

    req = BundleRequest(
        stage=args.stage,
        project=args.project,
        frames=args.frames,
        chunk=50 if args.chunk is None else args.chunk,
        chunk_given=args.chunk is not None,
        options=_options(args),
        python=args.python,
        nuke=args.nuke,
        gpu=args.gpu,
        gpu_memory_mib=args.gpu_memory,
        task_style=args.task_style,
        verify=args.verify,
        name=args.name,
    )
    plan = plan_bundle(req)
    out = write_bundle(plan, Path(args.bundle), overwrite=args.overwrite)
    summary = {
        "bundle": str(out),
        "stage": plan.stage.name,
        "frames": len(plan.frames),
        "tasks": plan.tasks,
        "gpu": plan.gpu,
        "submit": f"deadline bundle submit {out}",
        "run_locally": f"rtk farm run {out}",
    }
    if args.json:
        print_json(summary)
    else:
        print(f"wrote {out}: {plan.stage.name}, {len(plan.frames)} frames in {plan.tasks} tasks")
        print(f"  run here:           rtk farm run {out} --workers 2")
        print(f"  AWS Deadline Cloud: deadline bundle submit {out}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from ..farm.local import run_bundle

    rules = None
    if args.path_mapping:
        try:
            data = json.loads(Path(args.path_mapping).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RTKError(f"cannot read path mapping rules ({exc})", args.path_mapping) from None
        rules = data.get("path_mapping_rules") if isinstance(data, dict) else data
        if not isinstance(rules, list):
            raise RTKError(
                "path mapping rules must be a list or {path_mapping_rules: [...]}",
                args.path_mapping,
            )
    from ..farm.bundle import load_bundle
    from ..farm.templates import create_job, task_count

    template, values = load_bundle(Path(args.bundle))
    total = task_count(create_job(template, values, Path(args.bundle)))
    with progress_bar("farm run", total) as bar:
        result = run_bundle(
            Path(args.bundle),
            workers=args.workers,
            path_mapping_rules=rules,
            on_progress=bar,
            log=Path(args.log) if args.log else None,
        )
    summary = {
        "tasks": result.tasks,
        "seconds": round(result.seconds, 3),
        "ok": result.ok,
        "workers": [
            {
                "worker": w.index,
                "chunks": w.chunks,
                "chunks_done": w.chunks_done,
                "returncode": w.returncode,
                "seconds": round(w.seconds, 3),
                "error": w.error,
            }
            for w in result.workers
        ],
    }
    if args.json:
        print_json(summary)
    elif result.ok:
        workers = len(result.workers)
        print(f"{result.tasks} tasks done by {workers} worker(s) in {result.seconds:.1f} s")
    if not result.ok:
        failed = next(w for w in result.workers if w.returncode != 0)
        line = failed.error or f"worker {failed.index} failed"
        raise RTKError(f"farm run failed (worker {failed.index}): {line}", args.bundle)
    return 0


def _task(args: argparse.Namespace) -> int:
    from ..farm.stages import get_stage
    from ..farm.task import TaskFailed, chunk_frames_for, run_task

    stage = get_stage(args.stage)
    if stage.chunked and not args.frames:
        raise RTKError(f"stage {stage.name} needs --frames")
    frames = (
        chunk_frames_for(args.frames, args.chunk_start, args.chunk_size) if stage.chunked else [1]
    )
    values = {k: v for k, v in _options(args).items() if v}
    values["python"] = args.python or sys.executable
    values["nuke"] = args.nuke or "nuke"
    if "node" not in values and "node" in stage.defaults():
        values["node"] = stage.defaults()["node"]
    project = Path(args.project)
    if not project.is_dir():
        raise RTKError("no such project folder", project)
    try:
        run_task(stage, frames, values, project.absolute(), gpu=bool(args.gpu), verify=args.verify)
    except TaskFailed as exc:
        print(f"rtk farm task: {stage.name} failed on frames {_fmt(exc.frames)}", file=sys.stderr)
        print(exc.line, file=sys.stderr)
        return exc.returncode if exc.returncode > 0 else 1
    return 0


def _fmt(frames) -> str:
    from ..core.io.frames import format_frames

    return format_frames(frames) if frames else "?"
