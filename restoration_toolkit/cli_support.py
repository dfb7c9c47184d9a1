"""What every `rtk` command shares: project lookup, progress bars, JSON output, errors."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterator

from .core.progress import ProgressFn
from .core.project import Project, open_project


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project", metavar="DIR", default=None,
        help="restoration project folder (default: the nearest project.yaml at or above the current folder)",
    )


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")


def add_no_log_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-log", action="store_true", help="do not record this run in notes/experiments.md")


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="CPU threads for torch (default 0 = one per core; 1 is often fastest "
        "on a busy shared machine)",
    )


def project_from_args(args: argparse.Namespace) -> Project:
    return open_project(getattr(args, "project", None))


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=_json_default, sort_keys=False)
    sys.stdout.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return value.as_posix()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@contextlib.contextmanager
def progress_bar(description: str, total: int, *, quiet: bool = False) -> Iterator[ProgressFn]:
    """Yield a ``(done, total, message)`` callback drawing a bar on stderr.

    ``RTK_PROGRESS=json`` switches to JSON lines (read by the Nuke side); ``quiet`` or a
    non-terminal stderr with no JSON request draws nothing.
    """
    mode = os.environ.get("RTK_PROGRESS", "")
    if mode == "json":
        last = [0.0]

        def emit(done: int, total_: int, message: str = "") -> None:
            now = time.monotonic()
            if done < total_ and now - last[0] < 0.1:
                return
            last[0] = now
            sys.stderr.write(json.dumps({"progress": done / max(total_, 1), "done": done,
                                         "total": total_, "message": message or description}) + "\n")
            sys.stderr.flush()

        yield emit
        return
    if quiet or not sys.stderr.isatty():
        yield lambda done, total_, message="": None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), TextColumn("{task.fields[message]}"),
                  transient=False) as bar:
        task = bar.add_task(description, total=total, message="")

        def update(done: int, total_: int, message: str = "") -> None:
            bar.update(task, completed=done, total=total_, message=message)

        yield update
