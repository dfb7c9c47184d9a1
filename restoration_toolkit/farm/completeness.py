"""Is an output frame really done? Checked on disk, never assumed.

A frame is complete when its file exists under its final name (not a hidden temporary
``.name.rtk-tmp-…``), is not empty, opens as an image (``core.imageio.read_image_header``),
has the expected width and height when one is known (the source frame's, for stages that
keep the size) and — ``verify="tail"``, the default — its last row decodes, which catches a
file cut short (a writer that does not write atomically, an interrupted copy) at the cost of
one compressed chunk. ``"header"`` skips that read; ``"full"`` decodes every pixel.

Stages with no per-frame output record finished chunks as marker files in
``<project>/pipeline/.farm/<stage>/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional, Set, Tuple

from ..core.errors import RTKError
from ..core.io.atomic import atomic_write_text
from ..core.io.frames import format_frames, parse_frames

TEMP_MARK = ".rtk-tmp"
VERIFY_MODES = ("tail", "header", "full")


def image_size(path: Path) -> Tuple[int, int]:
    """(width, height) from the file's header, without reading pixels."""
    import OpenImageIO as oiio

    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        raise RTKError(f"cannot open image ({oiio.geterror().strip()})", path)
    try:
        spec = inp.spec()
        return int(spec.width), int(spec.height)
    finally:
        inp.close()


def last_rows_problem(path: Path) -> Optional[str]:
    """Decode only the image's last row (last tile row when tiled): a writer that died or a
    copy that was cut short loses the end of the file first, and the header alone still
    opens. Returns the reader's complaint, or None."""
    import OpenImageIO as oiio

    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        return f"cannot open image ({oiio.geterror().strip()})"
    try:
        spec = inp.spec()
        y = spec.y + spec.height - 1
        if spec.tile_width:
            y0 = spec.y + ((spec.height - 1) // spec.tile_height) * spec.tile_height
            x0 = spec.x + ((spec.width - 1) // spec.tile_width) * spec.tile_width
            pixels = inp.read_tiles(0, 0, x0, spec.x + spec.width, y0, spec.y + spec.height,
                                    spec.z, spec.z + max(spec.depth, 1), 0, spec.nchannels, "float")
        else:
            pixels = inp.read_scanlines(0, 0, y, y + 1, spec.z, 0, spec.nchannels, "float")
        err = inp.geterror()
        if pixels is None or err:
            lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
            return f"image is damaged or truncated ({lines[0] if lines else 'unreadable end'})"
        return None
    finally:
        inp.close()


def frame_problem(
    path: Path, expected_size: Optional[Tuple[int, int]] = None, verify: str = "tail"
) -> Optional[str]:
    """Why ``path`` is not a complete frame, or None when it is."""
    from ..core.io.images import read_image, read_image_header

    if TEMP_MARK in path.name:
        return "is a temporary file"
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    if st.st_size == 0:
        return "empty file"
    try:
        read_image_header(path)
        if expected_size is not None:
            size = image_size(path)
            if size != tuple(expected_size):
                return f"is {size[0]}x{size[1]}, expected {expected_size[0]}x{expected_size[1]}"
        if verify == "tail":
            return last_rows_problem(path)
        if verify == "full":
            read_image(path)
    except RTKError as exc:
        return exc.problem
    return None


def remove_stale_temporaries(pattern_dir: Path, stems: Iterable[str]) -> int:
    """Delete hidden ``.stem.rtk-tmp-*`` files a killed writer left for these frame stems.

    Only the frames of the calling task are touched (chunks are disjoint, so no other task
    of the job writes them). Returns how many files were removed.
    """
    if not pattern_dir.is_dir():
        return 0
    wanted = {f".{stem}{TEMP_MARK}" for stem in stems}
    removed = 0
    for entry in os.scandir(pattern_dir):
        name = entry.name
        if name.startswith(".") and TEMP_MARK in name:
            head = name[: name.index(TEMP_MARK) + len(TEMP_MARK)]
            if head in wanted:
                try:
                    os.unlink(entry.path)
                    removed += 1
                except FileNotFoundError:
                    pass
    return removed


# -- markers for stages without per-frame outputs -----------------------------------------


def marker_dir(project_dir: Path, stage: str) -> Path:
    return Path(project_dir) / "pipeline" / ".farm" / stage


def marked_frames(project_dir: Path, stage: str) -> Set[int]:
    """Frames recorded as done by finished chunks of ``stage``."""
    folder = marker_dir(project_dir, stage)
    done: Set[int] = set()
    if folder.is_dir():
        for entry in os.scandir(folder):
            if entry.name.endswith(".done"):
                text = Path(entry.path).read_text(encoding="utf-8").strip()
                if text:
                    done.update(parse_frames(text))
    return done


def mark_frames(project_dir: Path, stage: str, frames: Iterable[int]) -> Path:
    frames = sorted(set(frames))
    name = f"{frames[0]}-{frames[-1]}.{os.getpid()}.done"
    return atomic_write_text(marker_dir(project_dir, stage) / name, format_frames(frames) + "\n")
