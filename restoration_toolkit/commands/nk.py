"""`rtk nk train|inference`: write the stage 03 / 04 Nuke scripts (and run them headless).

Both read project.yaml and pairs.yaml, fill the nuke_base/ template of the technique and
write a complete, openable script. Bad input stops before anything is written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from ..cli_support import (
    add_json_argument,
    add_no_log_argument,
    add_project_argument,
    print_json,
    progress_bar,
    project_from_args,
)
from ..core.errors import RTKError
from ..core.experiment_log import log_run
from ..core.io.atomic import atomic_write_text
from ..core.project import TECHNIQUES, Project
from ..nk import write_script
from ..nk.stage_scripts import (
    COMPRESSIONS,
    MODEL_SIZES,
    SETTING_KEYS,
    StageScript,
    chunk_ranges,
    chunk_shell_script,
    inference_script,
    project_training_settings,
    training_script,
)

COMMAND = "nk"
HELP = (
    "write the CopyCat training (stage 03) and inference (stage 04) Nuke scripts; run them headless"
)
ORDER = 30


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    train = sub.add_parser(
        "train", help="write the CopyCat training script of the project's technique"
    )
    add_project_argument(train)
    train.add_argument("--technique", help=f"{' | '.join(TECHNIQUES)} (default: the project's)")
    train.add_argument(
        "--shot", help="shot name (pairs tagged with it); default: the sequence model"
    )
    train.add_argument(
        "--step",
        type=int,
        default=1,
        choices=(1, 2),
        help="analog-video: 1 = telecine overlap model, 2 = full-frame model",
    )
    train.add_argument("--model", type=Path, help="analog-video step 2: the step-1 .cat")
    train.add_argument("--epochs", type=int)
    train.add_argument("--steps", type=int, help="total steps the epochs are computed from")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--crop-size", type=int)
    train.add_argument("--model-size", help=" | ".join(MODEL_SIZES) + " (default medium)")
    train.add_argument("--checkpoint-interval", type=int)
    train.add_argument("--contact-sheet-interval", type=int)
    train.add_argument("--median-size", type=float, help="Median on the reference (color), px")
    train.add_argument(
        "--overlap-box",
        metavar="X0,Y0,X1,Y1",
        help="analog-video step 1: where telecine and film overlap (scan px, top-left)",
    )
    _common(train)
    train.add_argument("--run", action="store_true", help="train now with Nuke in terminal mode")
    train.add_argument(
        "--nuke", metavar="PATH", help="Nuke executable (default: $RTK_NUKE or the usual places)"
    )
    train.add_argument("--no-gpu", action="store_true", help="train without --gpu")

    again = sub.add_parser(
        "run-train", help="train the CopyCat node of an existing script headless"
    )
    again.add_argument("script", type=Path, help="a saved .nk script with a CopyCat node")
    again.add_argument("--node", default="CopyCat1", help="the CopyCat node (default CopyCat1)")
    again.add_argument(
        "--nuke", metavar="PATH", help="Nuke executable (default: $RTK_NUKE or the usual places)"
    )
    again.add_argument("--no-gpu", action="store_true", help="train without --gpu")
    add_project_argument(again)
    add_json_argument(again)
    add_no_log_argument(again)

    infer = sub.add_parser("inference", help="write the inference & render script")
    add_project_argument(infer)
    infer.add_argument("--model", type=Path, required=True, help="the trained .cat")
    infer.add_argument("--technique", help=f"{' | '.join(TECHNIQUES)} (default: the project's)")
    infer.add_argument("--shot", help="shot to render (its frames from project.yaml)")
    infer.add_argument(
        "--frames", help="frames to render, e.g. 1001-1100 (default: the whole scan)"
    )
    infer.add_argument(
        "--test-render",
        type=int,
        metavar="N",
        help="render only the first N frames (50–100 for a first look)",
    )
    infer.add_argument(
        "--chunk",
        type=int,
        metavar="N",
        help="also write N-frame chunks and a shell script to render them",
    )
    infer.add_argument("--gpu", action="store_true", help="render with --gpu")
    infer.add_argument(
        "--compression", default="zip", help=" | ".join(COMPRESSIONS) + " (default zip)"
    )
    _common(infer)
    infer.add_argument("--run", action="store_true", help="render now with Nuke in terminal mode")
    infer.add_argument(
        "--nuke", metavar="PATH", help="Nuke executable (default: $RTK_NUKE or the usual places)"
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, help="script to write (default: inside the stage folder)")
    p.add_argument("--nc", action="store_true", help="Nuke Non-Commercial: use the .nknc template")
    p.add_argument("--template", type=Path, help="a template file to use instead of nuke_base/")
    p.add_argument("--target-size", metavar="WxH", help="gauge: raster the scan is resized to")
    p.add_argument(
        "--filter", default="Lanczos4", help="Reformat filter for --target-size (default Lanczos4)"
    )
    add_json_argument(p)
    add_no_log_argument(p)


def run(args: argparse.Namespace) -> int:
    if args.action == "run-train":
        return _run_train(args)
    project = project_from_args(args)
    return _train(args, project) if args.action == "train" else _inference(args, project)


# -- helpers --------------------------------------------------------------------------------


def _size(text: Optional[str]) -> Optional[Tuple[int, int]]:
    if not text:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise RTKError(f"--target-size must be WxH, e.g. 4096x3112, got {text!r}") from None
    if w < 1 or h < 1:
        raise RTKError(f"--target-size must be positive, got {text!r}")
    return w, h


def _box(text: Optional[str]) -> Optional[List[int]]:
    if not text:
        return None
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4:
        raise RTKError(f"--overlap-box must be X0,Y0,X1,Y1 in scan pixels, got {text!r}")
    return values


def _write_script(stage: StageScript, out: Path) -> str:
    text = write_script(stage.script)
    atomic_write_text(out, text)
    return text


def _log(args: argparse.Namespace, project: Project, **kw: Any) -> Optional[str]:
    if getattr(args, "no_log", False):
        return None
    return log_run(project.root, **kw)


# -- train ----------------------------------------------------------------------------------


def _train(args: argparse.Namespace, project: Project) -> int:
    overrides = project_training_settings(project)
    for key in SETTING_KEYS:
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    edition = "nknc" if args.nc else "nk"
    stage = training_script(
        project,
        technique=args.technique,
        shot=args.shot,
        step=args.step,
        edition=edition,
        template_path=args.template,
        settings=overrides,
        step1_model=args.model,
        overlap_box=_box(args.overlap_box),
        target_size=_size(args.target_size),
        resize_filter=args.filter,
    )
    assert stage.data_directory is not None and stage.settings is not None
    out = args.out or project.stage_dir(3) / (
        f"train_{stage.shot}_{stage.data_directory.name}.{edition}"
    )
    stage.data_directory.mkdir(parents=True, exist_ok=True)
    _write_script(stage, out)
    session = {"script": out.as_posix(), **stage.summary()}
    atomic_write_text(
        stage.data_directory / "session.yaml", yaml.safe_dump(session, sort_keys=False)
    )
    parameters = {
        **stage.summary()["settings"],
        "template": stage.template,
        "edition": edition,
        "data_directory": stage.data_directory.as_posix(),
    }
    entry = _log(
        args,
        project,
        stage="training",
        technique=stage.technique,
        shot=stage.shot,
        frames=stage.frames,
        parameters=parameters,
        inputs=stage.inputs,
        outputs=[out],
        observations=f"CopyCat script written from {stage.template} v1"
        + ("; training started headless" if args.run else "; not run yet"),
        model_route="copycat",
    )
    result: Dict[str, Any] = {"script": out.as_posix(), **stage.summary(), "log_entry": entry}
    if args.run:
        from ..nk.headless import find_nuke, train

        nuke = find_nuke(args.nuke)
        with progress_bar("CopyCat training", stage.settings.steps, quiet=args.json) as bar:
            done = train(
                nuke,
                out,
                stage.executable_node,
                stage.data_directory,
                gpu=not args.no_gpu,
                progress=bar,
                echo=None,
            )
        result.update(
            model=str(done.model) if done.model else None,
            final_loss=done.final_loss,
            steps_done=done.losses[-1][0] if done.losses else 0,
            loss_curve=(stage.data_directory / "rtk_loss_curve.csv").as_posix(),
        )
        if not args.no_log:
            log_run(
                project.root,
                stage="training",
                technique=stage.technique,
                shot=stage.shot,
                frames=stage.frames,
                parameters=parameters,
                figures={"final_loss": done.final_loss, "steps": result["steps_done"]},
                inputs=stage.inputs,
                outputs=[out, stage.data_directory / "rtk_loss_curve.csv"]
                + ([done.model] if done.model else []),
                observations=f"trained headless with {nuke.name}; newest model "
                f"{done.model.name if done.model else 'none written'}",
                model_route="copycat",
                entry_id=entry,
            )
    if args.json:
        print_json(result)
    else:
        print(f"wrote {out}")
        print(
            f"data directory {stage.data_directory} · {len(stage.frames)} pairs · "
            f"{stage.settings.epochs} epochs (~{stage.settings.steps} steps) · crop "
            f"{stage.settings.crop_size} · batch {stage.settings.batch_size}"
        )
        if args.run:
            print(f"model {result.get('model')} · final loss {result.get('final_loss')}")
        else:
            print(f"train: nuke --nukex -F 1 -X {stage.executable_node} --gpu {out}")
    return 0


# -- inference ------------------------------------------------------------------------------


def _inference(args: argparse.Namespace, project: Project) -> int:
    edition = "nknc" if args.nc else "nk"
    stage = inference_script(
        project,
        model=args.model,
        shot=args.shot,
        frames=args.frames,
        test_render=args.test_render,
        edition=edition,
        template_path=args.template,
        compression=args.compression,
        technique=args.technique,
        target_size=_size(args.target_size),
        resize_filter=args.filter,
    )
    chunked = args.chunk is not None
    ranges = chunk_ranges(stage.frames, args.chunk if chunked else max(len(stage.frames), 1))
    out = args.out or project.stage_dir(4) / f"inference_{stage.shot}.{edition}"
    _write_script(stage, out)
    result: Dict[str, Any] = {"script": out.as_posix(), **stage.summary()}
    if chunked:
        stem = out.with_suffix("")
        chunks_file = Path(f"{stem}_chunks.txt")
        shell_file = Path(f"{stem}_render.sh")
        atomic_write_text(chunks_file, "".join(f"{a}-{b}\n" for a, b in ranges))
        atomic_write_text(
            shell_file, chunk_shell_script(out, stage.executable_node, ranges, args.gpu)
        )
        os.chmod(shell_file, 0o755)
        result.update(
            chunks=[f"{a}-{b}" for a, b in ranges],
            chunks_file=chunks_file.as_posix(),
            render_script=shell_file.as_posix(),
        )
    entry = _log(
        args,
        project,
        stage="inference",
        technique=stage.technique,
        shot=stage.shot,
        frames=stage.frames,
        parameters={
            "template": stage.template,
            "edition": edition,
            "compression": args.compression,
            "chunk": args.chunk,
            "model": str(stage.model_file),
        },
        inputs=stage.inputs,
        outputs=[out],
        model_route="copycat",
        observations="inference script written" + ("; rendering headless" if args.run else ""),
    )
    result["log_entry"] = entry
    if args.run:
        from ..nk.headless import find_nuke, render

        nuke = find_nuke(args.nuke)
        with progress_bar("Rendering", len(stage.frames), quiet=args.json) as bar:
            done = render(
                nuke, out, stage.executable_node, ranges, gpu=args.gpu, progress=bar, echo=None
            )
        result["frames_rendered"] = done.frames_done
    if args.json:
        print_json(result)
    else:
        print(f"wrote {out} ({len(stage.frames)} frames → {stage.output_pattern})")
        if chunked:
            print(f"{len(ranges)} chunks: {result['render_script']}")
        if args.run:
            print(f"rendered {result['frames_rendered']} frames")
    sys.stdout.flush()
    return 0


# -- run-train ------------------------------------------------------------------------------


def copycat_data_directory(script: Path, node: str) -> Path:
    """The ``dataDirectory`` of CopyCat ``node`` in a saved script (read with nk's parser)."""
    from ..nk import NkSyntaxError, parse_script

    if not script.is_file():
        raise RTKError("no such script", script)
    try:
        parsed = parse_script(script.read_text(encoding="utf-8"))
    except (NkSyntaxError, UnicodeDecodeError) as exc:
        raise RTKError(f"not a readable .nk script ({exc})", script) from None
    found = parsed.find(node)
    if found is None or found.cls != "CopyCat":
        raise RTKError(f"no CopyCat node named {node}", script)
    data = str(found.knobs.get("dataDirectory", "")).strip()
    if not data:
        raise RTKError(f"{node} has no data directory", script)
    return Path(data)


def _run_train(args: argparse.Namespace) -> int:
    from ..nk.headless import find_nuke, train

    data_directory = copycat_data_directory(args.script, args.node)
    data_directory.mkdir(parents=True, exist_ok=True)
    nuke = find_nuke(args.nuke)
    with progress_bar("CopyCat training", 1, quiet=args.json) as bar:
        done = train(
            nuke, args.script, args.node, data_directory, gpu=not args.no_gpu, progress=bar
        )
    result = {
        "script": args.script.as_posix(),
        "node": args.node,
        "data_directory": data_directory.as_posix(),
        "model": str(done.model) if done.model else None,
        "final_loss": done.final_loss,
        "steps_done": done.losses[-1][0] if done.losses else 0,
        "total_steps": done.total_steps,
    }
    if not args.no_log:
        try:
            project = project_from_args(args)
        except RTKError:
            project = None
        if project is not None:
            result["log_entry"] = log_run(
                project.root,
                stage="training",
                parameters={"script": result["script"], "node": args.node},
                figures={"final_loss": done.final_loss, "steps": result["steps_done"]},
                inputs=[args.script],
                outputs=[done.model] if done.model else [],
                observations="trained headless (rtk nk run-train)",
                model_route="copycat",
            )
    if args.json:
        print_json(result)
    else:
        print(
            f"model {result['model']} · final loss {result['final_loss']} · "
            f"{result['steps_done']}/{result['total_steps']} steps"
        )
    return 0
