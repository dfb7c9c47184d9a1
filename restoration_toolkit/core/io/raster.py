"""Checks across the frames of a sequence before any work: one raster, enough channels.

A frame of another size inside a sequence is a damaged or foreign frame; a grey frame in a
color sequence cannot be graded. Both are named, from the headers alone, before a command
writes anything — never resized or repeated to grey silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional, Tuple

from ..errors import PathLike, RTKError
from .images import image_shape


def common_size(paths: Iterable[PathLike], *, min_channels: int = 1) -> Tuple[int, int]:
    """(width, height) shared by every image in ``paths`` (headers only).

    RTKError naming the first file whose size differs from the first one's (a frame of
    another size inside a sequence is a damaged or foreign frame, never resized silently)
    or that has fewer than ``min_channels`` channels (a grey frame where color is needed).
    """
    first: Optional[Tuple[int, int, Path]] = None
    for path in paths:
        h, w, c = image_shape(path)
        if c < min_channels:
            raise RTKError(
                f"has {c} channel{'s' if c != 1 else ''}, {min_channels} (RGB) needed: a grey "
                "frame in a color sequence",
                path,
            )
        if first is None:
            first = (w, h, Path(path))
        elif (w, h) != first[:2]:
            raise RTKError(
                f"frame is {w}×{h} but the sequence is {first[0]}×{first[1]} "
                f"(like {first[2].name})",
                path,
            )
    if first is None:
        raise RTKError("no frames to read")
    return first[0], first[1]
