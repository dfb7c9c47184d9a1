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
from .core.errors import RTKError


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
        return int(args._run(args) or 0)
    except RTKError as exc:
        print(f"rtk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rtk: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
