"""The `rtk` command line: a thin layer over core, nk and train.

Each command lives in a module of ``restoration_toolkit.commands`` that defines
``COMMAND`` (its name), ``HELP`` (one line), ``ORDER`` (position in ``--help``) and
``register(parser)`` / ``run(args) -> int``. Modules are found at start-up, so a new stage
adds a file and touches nothing else.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import List, Optional

from . import __version__
from .core.errors import RTKError, os_error
from .core.io.protect import protection_scope
from .interrupts import Terminated, interruptible


def _command_modules() -> list:
    from . import commands

    modules = []
    for info in pkgutil.iter_modules(commands.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "COMMAND"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.COMMAND))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rtk",
        description="Film Restoration Toolkit: film-specific machine-learning color recovery "
        "and spatial recovery, stage by stage.",
    )
    parser.add_argument("--version", action="version", version=f"rtk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in _command_modules():
        p = sub.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.register(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        with protection_scope(), interruptible():  # SIGTERM ends the run like Ctrl-C
            _check_common_arguments(args)
            _check_experiment_log(args)
            return int(args._run(args) or 0)
    except RTKError as exc:
        print(f"rtk: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # read-only folder, full disk, a file where a folder should be
        print(f"rtk: error: {os_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:  # every finally has run: nothing half-written is left
        print("rtk: interrupted", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130


def _check_common_arguments(args: argparse.Namespace) -> None:
    """``--shot`` becomes part of file names: a name, never a path (``../../x``). An empty
    frame list (``--frames ''``, often an unset shell variable) is an error, never "all"."""
    shot = getattr(args, "shot", None)
    if shot is not None:
        from .core.names import check_name

        check_name(shot, "--shot")
    for name in ("frames", "reference_frames", "holdout"):
        value = getattr(args, name, None)
        if isinstance(value, str) and not value.strip():
            option = "--" + name.replace("_", "-")
            raise RTKError(f"{option} is empty: give a frame list (1001-1100) or leave it out")


def _check_experiment_log(args: argparse.Namespace) -> None:
    """A command that will log to a project's experiment log checks the log first: a damaged
    or unwritable log is reported before any work is done, not after the outputs exist."""
    if getattr(args, "no_log", True):  # commands without --no-log do not log
        return
    from pathlib import Path

    from .core.experiment_log.store import check_log_writable
    from .core.project import PROJECT_FILE, find_project

    explicit = getattr(args, "project", None)
    try:
        root = Path(explicit) if explicit else find_project()
    except RTKError:
        return  # no project: nothing will be logged
    root = root.parent if root.name == PROJECT_FILE else root
    if (root / PROJECT_FILE).is_file():
        check_log_writable(root)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
