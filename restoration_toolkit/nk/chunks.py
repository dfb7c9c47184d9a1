"""Frame chunks for rendering a Write in pieces: the ranges and a shell script that renders
each with Nuke in terminal mode (``nuke -F A-B -X WriteML script.nk``)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence, Tuple

from ..core.errors import RTKError
from ..core.io.frames import frame_runs


def chunk_ranges(frames: Sequence[int], size: int) -> List[Tuple[int, int]]:
    """Consecutive (first, last) ranges of at most ``size`` frames covering ``frames`` once."""
    if size < 1:
        raise RTKError(f"--chunk must be at least 1, got {size}")
    ranges: List[Tuple[int, int]] = []
    for a, b in frame_runs(frames):
        start = a
        while start <= b:
            end = min(b, start + size - 1)
            ranges.append((start, end))
            start = end + 1
    return ranges


def chunk_shell_script(
    script_path: Path, node: str, ranges: Sequence[Tuple[int, int]], gpu: bool = False
) -> str:
    """A POSIX shell script rendering each chunk with Nuke in terminal mode."""
    lines = [
        "#!/bin/sh",
        "# Render in chunks with Nuke in terminal mode (written by rtk nk inference --chunk).",
        "# NUKE: the Nuke executable (default: nuke on PATH); a chunk that fails stops the run.",
        "set -e",
        'NUKE="${NUKE:-${RTK_NUKE:-nuke}}"',
    ]
    gpu_flag = " --gpu" if gpu else ""
    quoted = "'" + script_path.as_posix().replace("'", "'\\''") + "'"
    for a, b in ranges:
        lines.append(f'"$NUKE" -F {a}-{b} -X {node}{gpu_flag} {quoted}')
    return "\n".join(lines) + "\n"
