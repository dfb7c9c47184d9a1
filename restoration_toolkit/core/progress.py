"""Progress reporting that works for a person at a terminal and for a program reading it.

Core functions take an optional ``progress`` callable ``(done, total, message)``; the command
line turns it into a rich progress bar, or — when ``RTK_PROGRESS=json`` (the Nuke side sets
it) — into one JSON object per line on stderr: ``{"progress": 0.42, "done": 21, "total": 50,
"message": "frame 1021"}``.
"""

from __future__ import annotations

from typing import Callable, Optional

ProgressFn = Callable[[int, int, str], None]


def report(progress: Optional[ProgressFn], done: int, total: int, message: str = "") -> None:
    if progress is not None:
        progress(done, total, message)
