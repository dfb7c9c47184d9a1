"""``rtk log``: the experiment log (``notes/experiments.md``) from the command line.

rtk log add --stage 03 --note TEXT --param epochs=10000 --figure loss=0.004
rtk log list [--stage S] [--verdict V] [--text T] [--json]
rtk log show E0003 [--json]
rtk log set-verdict E0003 keep [--by NAME]
rtk log compare E0003 E0007 [--all] [--json]
rtk log check
rtk log --gui                 (the work: restoration_toolkit.stages.experiment_log)
"""

from __future__ import annotations

import argparse
import sys

from ..cli_support import add_json_argument, print_json
from ..core.errors import RTKError
from ..core.experiment_log import STAGES, VERDICTS, compare_entries, filter_entries, render_entry
from ..core.experiment_log.text_tables import comparison_table, entries_table
from ..stages.experiment_log import EntryRequest, add_entry, log_root, open_log

COMMAND = "log"
HELP = "the experiment log (notes/experiments.md): add, list, show, set-verdict, compare, or --gui"
ORDER = 90
_PROJECT_HELP = "project folder (default: the nearest project.yaml at or above this folder)"


def _sub(sub, name: str, help: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help)
    p.add_argument("--project", metavar="DIR", help=_PROJECT_HELP)
    add_json_argument(p)
    return p


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", dest="project_top", metavar="DIR", help=_PROJECT_HELP)
    parser.add_argument("--gui", action="store_true", help="open the Experiment Log panel (Qt)")
    sub = parser.add_subparsers(dest="log_command", metavar="ACTION")
    add = _sub(sub, "add", "add an entry (or update one with --id)").add_argument
    add("--stage", required=True, help=f"01..05 or one of {', '.join(STAGES)}")
    add("--id", dest="entry_id", metavar="ID", help="update this entry instead of adding one")
    for flag in ("--shot", "--technique"):
        add(flag)
    add("--frames", metavar="LIST", help="frames used, e.g. 1-100,120")
    add("--model-route", metavar="ROUTE", help="copycat or rtk-train")
    add("--alignment", dest="alignment_path", choices=("automatic", "manual"))
    add("--live-area", metavar="X0,Y0,X1,Y1", help="crop box in scan pixels, x1/y1 exclusive")
    add("--color-spaces", metavar="A,B,…", help="color spaces the images went through, in order")
    add("--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter (repeat)")
    add("--figure", action="append", default=[], metavar="NAME=VALUE", help="a figure (repeat)")
    add("--input", action="append", default=[], metavar="PATH", help="an input file (hashed)")
    add("--output", action="append", default=[], metavar="PATH", help="an output file or folder")
    add("--observation", default="", metavar="TEXT", help="what was seen (artifacts, drift …)")
    add("--next", dest="next_actions", default="", metavar="TEXT", help="what to try next")
    add("--note", default="", metavar="TEXT", help="free notes")
    add("--verdict", choices=VERDICTS)
    add("--by", dest="approved_by", metavar="NAME", help="who approved the verdict")
    add("--author", metavar="NAME", help="default: RTK_AUTHOR or the login name")
    lst = _sub(sub, "list", "list entries (filter by stage, verdict, shot, text)").add_argument
    for flag in ("--stage", "--shot"):
        lst(flag)
    lst("--verdict", choices=VERDICTS)
    lst("--text", help="case-insensitive search in ids, parameters, figures and notes")
    _sub(sub, "show", "print one entry").add_argument("entry_id", metavar="ID")
    verdict = _sub(sub, "set-verdict", "record a verdict: open, keep or reject").add_argument
    verdict("entry_id", metavar="ID")
    verdict("verdict", choices=VERDICTS)
    verdict("--by", dest="approved_by", metavar="NAME", help="who approved (default: you)")
    compare = _sub(sub, "compare", "parameters and figures of two entries side by side")
    compare.add_argument("first", metavar="ID")
    compare.add_argument("second", metavar="ID")
    compare.add_argument("--all", action="store_true", help="also list what is the same")
    _sub(sub, "check", "read the whole log and report every damaged line (exit 1 if any)")


def run(args: argparse.Namespace) -> int:
    if args.gui:
        return _gui(args)
    if not args.log_command:
        raise RTKError("give an action: add, list, show, set-verdict, compare, check (or --gui)")
    args.project = getattr(args, "project", None) or args.project_top
    if args.log_command == "add":
        return _add(args)
    log, loaded = open_log(args.project)
    for problem in loaded.problems if args.log_command != "check" else ():
        print(f"rtk: warning: {log.path}: {problem}", file=sys.stderr)
    if args.log_command == "list":
        entries = filter_entries(loaded.entries, stage=args.stage, verdict=args.verdict,
                                 shot=args.shot, text=args.text)  # fmt: skip
        if args.json or entries:
            _out(args, [e.to_dict() for e in entries], entries_table(entries))
        else:
            print("no entries" + (" match" if loaded.entries else f" in {log.path}"))
    elif args.log_command == "show":
        entry = log.get(args.entry_id)
        _out(args, entry.to_dict(), [render_entry(entry).rstrip("\n")])
    elif args.log_command == "set-verdict":
        e = log.set_verdict(args.entry_id, args.verdict, args.approved_by)
        _out(args, e.to_dict(), [f"{e.id}: {e.verdict}" + (f" (approved by {e.approved_by})"
                                                           if e.approved_by else "")])  # fmt: skip
    elif args.log_command == "compare":
        return _compare(args, log)
    elif args.log_command == "check":
        problems = [f"{log.path}: {p}" for p in loaded.problems]
        summary = f"{len(loaded.entries)} entries read, {len(loaded.problems)} problems"
        data = {"path": log.path, "entries": len(loaded.entries), "problems": loaded.problems}
        _out(args, data, problems + [summary])
        return 1 if loaded.problems else 0
    return 0


def _out(args: argparse.Namespace, data, lines) -> None:
    if args.json:
        print_json(data)
    else:
        print("\n".join(lines))


def _add(args: argparse.Namespace) -> int:
    fields = {k: getattr(args, k) for k in EntryRequest.__dataclass_fields__ if hasattr(args, k)}
    fields.update(params=args.param, figures=args.figure, inputs=args.input, outputs=args.output)
    entry, path = add_entry(EntryRequest(**fields))
    _out(args, entry.to_dict(), [f"{'updated' if args.entry_id else 'added'} {entry.id} in {path}"])
    return 0


def _compare(args: argparse.Namespace, log) -> int:
    a, b = log.get(args.first), log.get(args.second)
    rows = compare_entries(a, b, only_differences=not args.all)
    data = {"a": a.id, "b": b.id, "rows": [
        {"section": r.section, "name": r.name, "a": r.a, "b": r.b, "same": r.same} for r in rows
    ]}  # fmt: skip
    if not rows and not args.json:
        print(f"{a.id} and {b.id} have the same fields, parameters and figures")
    else:
        _out(args, data, comparison_table(a, b, rows))
    return 0


def _gui(args: argparse.Namespace) -> int:
    try:
        from ..ui import qt  # noqa: F401 - the one Qt import site; Qt is the optional [gui] extra
    except ImportError as exc:
        hint = "pip install 'film-restoration-toolkit[gui]' (PySide6; PySide2 on Python < 3.11)"
        raise RTKError(f"the panel needs Qt for Python ({exc}): {hint}") from None
    from ..ui.log_panel import run_standalone

    return run_standalone(log_root(args.project_top))
