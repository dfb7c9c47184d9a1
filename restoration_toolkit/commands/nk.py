"""`rtk nk train|run-train|inference|selfcheck`: the stage 03 / 04 Nuke scripts and the check
of a Nuke installation. Arguments (tables in ``_nk_options``) and printing only; the work is in
``stages.copycat_training``, ``stages.copycat_inference`` and ``stages.nuke_selfcheck``.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any, Dict, List, Optional, Tuple

from ..cli_support import print_json, progress_bar
from ..core.errors import RTKError
from ..nk.training_settings import SETTING_KEYS
from ..stages import copycat_inference as inference
from ..stages import copycat_training as training
from ..stages import nuke_selfcheck as selfcheck
from ._nk_options import ACTIONS

COMMAND = "nk"
HELP = "the CopyCat training (03) and inference (04) Nuke scripts; run them headless; check Nuke"
ORDER = 30


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, (help_text, options) in ACTIONS.items():
        p = sub.add_parser(action, help=help_text)
        for flag, kwargs in options:
            p.add_argument(flag, **kwargs)


def _numbers(text: Optional[str], sep: str, count: int, what: str) -> Optional[Tuple[int, ...]]:
    if not text:
        return None
    try:
        values = tuple(int(v) for v in text.lower().split(sep))
    except ValueError:
        values = ()
    if len(values) != count or min(values) < (1 if count == 2 else 0):
        raise RTKError(f"{what}, got {text!r}")
    return values


def _shared(args: argparse.Namespace) -> Dict[str, Any]:
    size = _numbers(args.target_size, "x", 2, "--target-size must be WxH, e.g. 4096x3112")
    names = ("project", "technique", "shot", "out", "template", "nuke_version", "run", "nuke")
    return dict(
        {n: getattr(args, n) for n in names},
        target_size=size,
        resize_filter=args.filter,
        non_commercial=args.nc,
        nuke_ocio_config=args.ocio_config,
        log=not args.no_log,
    )


def run(args: argparse.Namespace) -> int:
    if args.action == "selfcheck":
        written = selfcheck.write_check_script(args.out, project=args.project)
        return _report(args, written.as_dict(), [f"wrote {written.script}", written.how_to_run])
    with progress_bar("Nuke", 1, quiet=args.json) as bar:
        if args.action == "run-train":
            request = training.RunTrainRequest(
                args.script,
                args.node,
                args.nuke,
                not args.no_gpu,
                args.nukex,
                args.project,
                not args.no_log,
            )
            r = training.run_training(request, bar)
            done = f"{r['steps_done']}/{r['total_steps']} steps"
            return _report(args, r, [f"model {r['model']} · final loss {r['final_loss']} · {done}"])
        if args.action == "train":
            box = _numbers(args.overlap_box, ",", 4, "--overlap-box must be X0,Y0,X1,Y1")
            settings = {k: getattr(args, k) for k in SETTING_KEYS}
            request = training.TrainRequest(
                step=args.step,
                step1_model=args.model,
                overlap_box=box,
                gpu=not args.no_gpu,
                nukex=args.nukex,
                settings=settings,
                **_shared(args),
            )
            outcome = training.write_training(request, bar)
            return _report(args, outcome.as_dict(), _train_lines(outcome))
        rendered = inference.write_inference(
            inference.InferenceRequest(
                model=args.model,
                frames=args.frames,
                test_render=args.test_render,
                chunk=args.chunk,
                gpu=args.gpu,
                write=args.write,
                compression=args.compression,
                **_shared(args),
            ),
            bar,
        )
        return _report(args, rendered.as_dict(), _inference_lines(rendered))


def _train_lines(done: training.TrainOutcome) -> List[str]:
    s, stage = done.stage.settings, done.stage
    assert s is not None
    lines = [
        f"wrote {done.script}",
        f"data directory {stage.data_directory} · {len(stage.frames)} pairs · {s.epochs} epochs"
        f" = {s.steps} steps · batch {s.batch_size} · crop {s.crop_size} · {s.model_size}",
    ] + [f"warning: {w}" for w in stage.warnings]
    if done.run is not None:
        return lines + [f"model {done.run.model} · final loss {done.run.final_loss}"]
    argv = ["nuke", "-X", stage.executable_node, "-F", "1", "--gpu", str(done.script)]
    return lines + [f"train: {shlex.join(argv)}"]


def _inference_lines(done: inference.InferenceOutcome) -> List[str]:
    stage = done.stage
    lines = [f"wrote {done.script} ({len(stage.frames)} frames → {stage.output_pattern})"]
    if done.render_script is not None:
        lines.append(f"{len(done.ranges)} chunks: {done.render_script}")
    if done.frames_rendered is not None:
        lines.append(f"rendered {done.frames_rendered} frames")
    return lines + [f"warning: {w}" for w in stage.warnings]


def _report(args: argparse.Namespace, result: Dict[str, Any], lines: List[str]) -> int:
    if args.json:
        print_json(result)
    else:
        print("\n".join(lines))
    return 0
