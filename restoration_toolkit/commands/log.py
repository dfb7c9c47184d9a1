"""``rtk log``: the experiment log (``notes/experiments.md``) from the command line.

rtk log add --stage 03 --note TEXT --param epochs=10000 --figure loss=0.004
rtk log list [--stage S] [--verdict V] [--text T] [--json]
rtk log show E0003 [--json]
rtk log set-verdict E0003 keep [--by NAME]
rtk log compare E0003 E0007 [--all] [--json]
rtk log check
rtk log --gui
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ..cli_support import add_json_argument, print_json
from ..core.errors import RTKError
from ..core.experiment_log import (
    STAGES,
    VERDICTS,
    ExperimentLog,
    compare_entries,
    filter_entries,
    log_run,
    render_entry,
)
from ..core.io.frames import parse_frames
from ..core.project import PROJECT_FILE, find_project

COMMAND = "log"
HELP = "the experiment log (notes/experiments.md): add, list, show, set-verdict, compare, or --gui"
ORDER = 90


def _add_project(parser: argparse.ArgumentParser, dest: str = "project") -> None:
    parser.add_argument(
        "--project",
        dest=dest,
        metavar="DIR",
        default=None,
        help="restoration project folder (default: the nearest project.yaml at or above "
        "the current folder)",
    )


def register(parser: argparse.ArgumentParser) -> None:
    _add_project(parser, dest="project_top")
    parser.add_argument(
        "--gui",
        action="store_true",
        help="open the Experiment Log panel as a window (needs PySide6 or PySide2)",
    )
    sub = parser.add_subparsers(dest="log_command", metavar="ACTION")

    add = sub.add_parser("add", help="add an entry (or update one with --id)")
    _add_project(add)
    add.add_argument("--stage", required=True, help=f"01..05 or one of {', '.join(STAGES)}")
    add.add_argument(
        "--id", dest="entry_id", metavar="ID", help="update this entry instead of adding one"
    )
    add.add_argument("--shot")
    add.add_argument("--technique")
    add.add_argument("--frames", metavar="LIST", help="frames used, e.g. 1-100,120")
    add.add_argument("--model-route", metavar="ROUTE", help="copycat or rtk-train")
    add.add_argument("--alignment", dest="alignment_path", choices=("automatic", "manual"))
    add.add_argument(
        "--live-area",
        metavar="X0,Y0,X1,Y1",
        help="crop box in scan pixels, top-left origin, x1/y1 exclusive (default: project.yaml)",
    )
    add.add_argument(
        "--color-spaces",
        metavar="A,B,…",
        help="color spaces the images went through, in order (default: from project.yaml)",
    )
    add.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter (repeat); values read as JSON numbers / true / false when they are",
    )
    add.add_argument(
        "--figure",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a figure: loss, delta_e2000, psnr … (repeat)",
    )
    add.add_argument(
        "--input", action="append", default=[], metavar="PATH", help="an input file (hashed)"
    )
    add.add_argument(
        "--output", action="append", default=[], metavar="PATH", help="an output file or folder"
    )
    add.add_argument(
        "--observation", default="", metavar="TEXT", help="what was seen (artifacts, drift …)"
    )
    add.add_argument(
        "--next", dest="next_actions", default="", metavar="TEXT", help="what to try next"
    )
    add.add_argument("--note", default="", metavar="TEXT", help="free notes")
    add.add_argument("--verdict", choices=VERDICTS)
    add.add_argument("--by", dest="approved_by", metavar="NAME", help="who approved the verdict")
    add.add_argument("--author", metavar="NAME", help="default: RTK_AUTHOR or the login name")
    add_json_argument(add)

    lst = sub.add_parser("list", help="list entries (filter by stage, verdict, shot, text)")
    _add_project(lst)
    lst.add_argument("--stage")
    lst.add_argument("--verdict", choices=VERDICTS)
    lst.add_argument("--shot")
    lst.add_argument("--text", help="case-insensitive search in ids, parameters, figures and notes")
    add_json_argument(lst)

    show = sub.add_parser("show", help="print one entry")
    _add_project(show)
    show.add_argument("entry_id", metavar="ID")
    add_json_argument(show)

    verdict = sub.add_parser("set-verdict", help="record a verdict: open, keep or reject")
    _add_project(verdict)
    verdict.add_argument("entry_id", metavar="ID")
    verdict.add_argument("verdict", choices=VERDICTS)
    verdict.add_argument(
        "--by", dest="approved_by", metavar="NAME", help="who approved (default: you)"
    )
    add_json_argument(verdict)

    compare = sub.add_parser("compare", help="parameters and figures of two entries side by side")
    _add_project(compare)
    compare.add_argument("first", metavar="ID")
    compare.add_argument("second", metavar="ID")
    compare.add_argument("--all", action="store_true", help="also list what is the same")
    add_json_argument(compare)

    check = sub.add_parser(
        "check", help="read the whole log and report every damaged line (exit 1 if any)"
    )
    _add_project(check)
    add_json_argument(check)


def project_root(args: argparse.Namespace) -> Path:
    given = getattr(args, "project", None) or getattr(args, "project_top", None)
    if given is None:
        return find_project()
    root = Path(given)
    if root.name == PROJECT_FILE:
        root = root.parent
    if not root.is_dir():
        raise RTKError("no such project folder", root)
    return root


def parse_assignment(text: str, what: str) -> Tuple[str, Any]:
    """``"epochs=10000"`` → ("epochs", 10000). Values that read as JSON (numbers, true, false,
    null, lists) are taken as such; anything else is text."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise RTKError(f"--{what} {text!r} must look like NAME=VALUE")
    try:
        value: Any = json.loads(raw)
        if isinstance(value, dict):
            value = raw
    except ValueError:
        value = raw
    return name.strip(), value


def _live_area(text: str) -> List[int]:
    try:
        box = [int(v) for v in text.replace(" ", ",").split(",") if v]
    except ValueError:
        box = []
    if len(box) != 4 or not (0 <= box[0] < box[2] and 0 <= box[1] < box[3]):
        raise RTKError(f"--live-area {text!r} must be X0,Y0,X1,Y1 with X0 < X1 and Y0 < Y1")
    return box


def _assignments(items: List[str], what: str) -> Dict[str, Any]:
    return dict(parse_assignment(item, what) for item in items)


def _warn_problems(log: ExperimentLog) -> None:
    for problem in log.load().problems:
        print(f"rtk: warning: {log.path}: {problem}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.gui:
        try:
            from ..ui.log_panel import run_standalone
        except ImportError as exc:
            raise RTKError(
                f"the panel needs Qt for Python ({exc}): install PySide6 "
                "(PySide2 on Python < 3.11), "
                "e.g. pip install 'film-restoration-toolkit[gui]'"
            ) from None

        return run_standalone(project_root(args))
    if not args.log_command:
        raise RTKError(
            "give an action: add, list, show, set-verdict, compare, check (or --gui); "
            "see rtk log --help"
        )
    return _ACTIONS[args.log_command](args)


def _add(args: argparse.Namespace) -> int:
    root = project_root(args)
    frames = parse_frames(args.frames) if args.frames else None
    entry_id = log_run(
        root,
        stage=args.stage,
        technique=args.technique,
        shot=args.shot,
        frames=frames,
        parameters=_assignments(args.param, "param"),
        figures=_assignments(args.figure, "figure"),
        inputs=[Path(p) for p in args.input],
        outputs=[Path(p) for p in args.output],
        observations=args.observation,
        model_route=args.model_route,
        entry_id=args.entry_id,
        next_actions=args.next_actions,
        notes=args.note,
        verdict=args.verdict,
        approved_by=args.approved_by,
        alignment_path=args.alignment_path,
        live_area=_live_area(args.live_area) if args.live_area else None,
        color_chain=[c.strip() for c in args.color_spaces.split(",")]
        if args.color_spaces
        else None,
        author=args.author,
    )
    log = ExperimentLog.for_project(root)
    if args.json:
        print_json(log.get(entry_id).to_dict())
    else:
        print(f"{'updated' if args.entry_id else 'added'} {entry_id} in {log.path}")
    return 0


def _list(args: argparse.Namespace) -> int:
    log = ExperimentLog.for_project(project_root(args))
    result = log.load()
    for problem in result.problems:
        print(f"rtk: warning: {log.path}: {problem}", file=sys.stderr)
    entries = filter_entries(
        result.entries, stage=args.stage, verdict=args.verdict, shot=args.shot, text=args.text
    )
    if args.json:
        print_json([e.to_dict() for e in entries])
        return 0
    if not entries:
        print("no entries" + (" match" if len(result.entries) else f" in {log.path}"))
        return 0
    rows = [("id", "date (UTC)", "stage", "shot", "verdict", "figures")]
    for e in entries:
        figures = ", ".join(f"{k}={_short(v)}" for k, v in list(e.figures.items())[:3])
        rows.append(
            (e.id, e.created[:16].replace("T", " "), e.stage, e.shot or "", e.verdict, figures)
        )
    _print_table(rows)
    return 0


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _print_table(rows: List[Tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def _show(args: argparse.Namespace) -> int:
    log = ExperimentLog.for_project(project_root(args))
    _warn_problems(log)
    entry = log.get(args.entry_id)
    if args.json:
        print_json(entry.to_dict())
    else:
        sys.stdout.write(render_entry(entry))
    return 0


def _set_verdict(args: argparse.Namespace) -> int:
    log = ExperimentLog.for_project(project_root(args))
    entry = log.set_verdict(args.entry_id, args.verdict, args.approved_by)
    if args.json:
        print_json(entry.to_dict())
    else:
        by = f" (approved by {entry.approved_by})" if entry.approved_by else ""
        print(f"{entry.id}: {entry.verdict}{by}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    log = ExperimentLog.for_project(project_root(args))
    _warn_problems(log)
    a, b = log.get(args.first), log.get(args.second)
    rows = compare_entries(a, b, only_differences=not args.all)
    if args.json:
        print_json(
            {
                "a": a.id,
                "b": b.id,
                "rows": [
                    {"section": r.section, "name": r.name, "a": r.a, "b": r.b, "same": r.same}
                    for r in rows
                ],
            }
        )
        return 0
    if not rows:
        print(f"{a.id} and {b.id} have the same fields, parameters and figures")
        return 0
    table = [("", "", a.id, b.id, "")]
    for r in rows:
        table.append((r.section, r.name, _cell(r.a), _cell(r.b), "" if r.same else "≠"))
    _print_table(table)
    return 0


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return " → ".join(map(str, value)) if all(isinstance(v, str) for v in value) else str(value)
    return _short(value)


def _check(args: argparse.Namespace) -> int:
    log = ExperimentLog.for_project(project_root(args))
    result = log.load()
    if args.json:
        print_json({"path": log.path, "entries": len(result.entries), "problems": result.problems})
    else:
        for problem in result.problems:
            print(f"{log.path}: {problem}")
        print(f"{len(result.entries)} entries read, {len(result.problems)} problems")
    return 1 if result.problems else 0


_ACTIONS = {
    "add": _add,
    "list": _list,
    "show": _show,
    "set-verdict": _set_verdict,
    "compare": _compare,
    "check": _check,
}
