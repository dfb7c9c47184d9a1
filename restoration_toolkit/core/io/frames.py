"""Frame lists the way Nuke and render farms write them: ``1-10``, ``1001-1100x2``, ``5,9,12-14``.

A list is read as ranges first and counted without expanding it, so a slip such as
``1001-99999999999`` is a one-line error instead of a list that fills the memory.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Sequence, Tuple

from ..errors import RTKError

_PART = re.compile(r"^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*(?:[x:]\s*(\d+))?)?\s*$")
# Ten million frames is four days of film at 24 fps; a longer list is a typing slip.
MAX_FRAMES = 10_000_000


def frame_ranges(text: str) -> List[range]:
    """The ranges of a frame list (``"1-10,15,20-30x2"``), unexpanded.

    Raises RTKError for anything that is not a frame list, a range that runs backwards, a
    step below 1, or a list of more than ``MAX_FRAMES`` frames.
    """
    if text is None or not str(text).strip():
        raise RTKError(f"empty frame list {text!r}")
    ranges: List[range] = []
    for part in str(text).replace(" ", ",").split(","):
        if not part.strip():
            continue
        m = _PART.match(part)
        if not m:
            raise RTKError(f"cannot read frame list {text!r}: {part!r} is not N, A-B or A-BxS")
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) is not None else a
        step = int(m.group(3)) if m.group(3) else 1
        if b < a:
            raise RTKError(f"frame range {part.strip()!r} runs backwards")
        if step < 1:
            raise RTKError(f"frame range {part.strip()!r} has a step below 1")
        ranges.append(range(a, b + 1, step))
    count = sum(len(r) for r in ranges)  # len(range) is arithmetic: nothing is expanded
    if count > MAX_FRAMES:
        raise RTKError(
            f"frame list {str(text).strip()!r} names {count:,} frames, more than any film "
            f"(limit {MAX_FRAMES:,}); check the range"
        )
    return ranges


def parse_frames(text: str) -> List[int]:
    """Parse a frame list (``"1-10,15,20-30x2"``) into sorted unique frame numbers.

    Raises RTKError as :func:`frame_ranges` does (so at most ``MAX_FRAMES`` are expanded).
    """
    frames: set = set()
    for r in frame_ranges(text):
        frames.update(r)
    return sorted(frames)


def format_frames(frames: Iterable[int]) -> str:
    """Compact text for a set of frames: ``[1,2,3,5]`` → ``"1-3,5"``."""
    return ",".join(f"{a}-{b}" if a != b else f"{a}" for a, b in frame_runs(frames))


def frame_runs(frames: Iterable[int]) -> List[Tuple[int, int]]:
    """Consecutive runs as (first, last) pairs."""
    ordered = sorted(set(int(f) for f in frames))
    runs: List[Tuple[int, int]] = []
    for f in ordered:
        if runs and f == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], f)
        else:
            runs.append((f, f))
    return runs


def chunk_frames(frames: Sequence[int], size: int) -> List[List[int]]:
    """Split frames into consecutive chunks of at most ``size`` (a farm's task list)."""
    if size < 1:
        raise RTKError(f"chunk size must be at least 1, got {size}")
    ordered = sorted(set(frames))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]
