"""Image sequences named the way Nuke names them.

``name.####.exr`` (one ``#`` per digit of padding), ``name.%04d.exr`` (printf style) and
``name.####.exr 1001-1100`` (Nuke's Read display form, frames after a space) all name the
same sequence. A plain file name is a one-frame "sequence" (``is_single``), so every command
that takes a sequence also takes one frame.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from ..errors import RTKError
from .frames import format_frames, parse_frames

if TYPE_CHECKING:
    from .images import Image

_HASHES = re.compile(r"#+")
_PRINTF = re.compile(r"%0?(\d*)d")
# video containers (core.io.video_index.VIDEO_EXTENSIONS; kept here so this module stays light)
_VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".mpg", ".mpeg", ".m2v", ".vob", ".ts",
                   ".m2ts", ".mts", ".avi", ".mxf", ".webm", ".dv")
_NUKE_RANGE = re.compile(r"^(?P<spec>.+?)\s+(?P<frames>-?\d+(?:-\d+)?(?:[x:]\d+)?(?:,\S+)*)$")


@dataclass(frozen=True)
class ImageSequence:
    """A numbered image sequence on disk (or a single image).

    ``directory/prefix + frame (zero-padded to padding) + suffix``. ``frames`` are the frames
    asked for (or found); ``missing`` those asked for but absent on disk.
    """

    directory: Path
    prefix: str
    padding: int
    suffix: str
    frames: Tuple[int, ...]
    missing: Tuple[int, ...] = ()
    single_file: Optional[Path] = None
    found: Tuple[int, ...] = field(default=(), compare=False)

    @property
    def is_single(self) -> bool:
        return self.single_file is not None

    @property
    def first(self) -> int:
        return self.frames[0]

    @property
    def last(self) -> int:
        return self.frames[-1]

    @property
    def extension(self) -> str:
        name = self.single_file.name if self.single_file else self.suffix
        return Path(name).suffix.lower().lstrip(".")

    def path(self, frame: int) -> Path:
        """The file of ``frame`` (a single image answers its own path for any frame)."""
        if self.single_file is not None:
            return self.single_file
        number = f"-{abs(frame):0{self.padding}d}" if frame < 0 else f"{frame:0{self.padding}d}"
        return self.directory / f"{self.prefix}{number}{self.suffix}"

    @property
    def hash_pattern(self) -> str:
        """``dir/name.####.exr`` — the form Nuke's Read ``file`` knob shows."""
        if self.single_file is not None:
            return self.single_file.as_posix()
        return (self.directory / f"{self.prefix}{'#' * self.padding}{self.suffix}").as_posix()

    @property
    def printf_pattern(self) -> str:
        """``dir/name.%04d.exr`` — the form Nuke saves in .nk files."""
        if self.single_file is not None:
            return self.single_file.as_posix()
        return (self.directory / f"{self.prefix}%0{self.padding}d{self.suffix}").as_posix()

    def with_frames(self, frames: Sequence[int]) -> "ImageSequence":
        """The same naming for another set of frames (nothing checked on disk)."""
        return ImageSequence(
            self.directory, self.prefix, self.padding, self.suffix,
            tuple(sorted(set(frames))), (), self.single_file,
        )

    is_video = False

    def read(self, frame: int, *, channels: Optional[int] = None) -> "Image":
        """The pixels and metadata of ``frame`` (see :func:`images.read_image`)."""
        from .images import read_image

        return read_image(self.path(frame), channels=channels)

    def checksum(self, frame: int) -> str:
        """``sha256:…`` of the file of ``frame``."""
        h = hashlib.sha256()
        with open(self.path(frame), "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
        return "sha256:" + h.hexdigest()

    def describe(self) -> str:
        if self.is_single:
            return self.hash_pattern
        text = f"{self.hash_pattern} {format_frames(self.frames)}"
        if self.missing:
            text += f" (missing {format_frames(self.missing)})"
        return text


def split_pattern(pattern: str) -> Tuple[Path, str, int, str]:
    """Split ``dir/name.####.exr`` or ``dir/name.%04d.exr`` into (dir, prefix, padding, suffix)."""
    path = Path(pattern)
    name = path.name
    hashes = list(_HASHES.finditer(name))
    printf = list(_PRINTF.finditer(name))
    if hashes:
        m = hashes[-1]
        padding = len(m.group(0))
    elif printf:
        m = printf[-1]
        padding = int(m.group(1) or 1)
    else:
        raise RTKError("not a sequence pattern (expected #### or %04d in the file name)", pattern)
    return path.parent, name[: m.start()], padding, name[m.end():]


def split_spec(spec: str) -> Tuple[str, Optional[str]]:
    """``"dir/name.####.exr 1001-1100"`` → (``"dir/name.####.exr"``, ``"1001-1100"``).

    Only a frame list after the *last* blank is taken as Nuke's display range, so folders
    and names with spaces (``/Volumes/Film Scans/…``), unicode or shell characters stay
    part of the path.
    """
    text = str(spec).strip()
    m = _NUKE_RANGE.match(text)
    if m and _has_pattern(m.group("spec")):
        return m.group("spec"), m.group("frames")
    return text, None


def spec_path(spec: str) -> str:
    """The path part of a sequence spec (its trailing frame range dropped)."""
    return split_spec(spec)[0]


def _has_pattern(text: str) -> bool:
    name = Path(text).name
    return bool(_HASHES.search(name) or _PRINTF.search(name))


def is_pattern(text: str) -> bool:
    """Whether ``text`` (with or without a trailing frame range) names a numbered sequence."""
    return _has_pattern(split_spec(text)[0])


def scan_frames(directory: Path, prefix: str, padding: int, suffix: str) -> List[int]:
    """Frames present on disk for this naming (numbers of at least ``padding`` digits)."""
    if not directory.is_dir():
        return []
    rx = re.compile(
        "^" + re.escape(prefix) + r"(-?\d{%d,})" % max(padding, 1) + re.escape(suffix) + "$"
    )
    found = []
    for entry in os.scandir(directory):
        m = rx.match(entry.name)
        if m and entry.is_file():
            digits = m.group(1).lstrip("-")
            if padding > 1 and len(digits) != padding and digits.startswith("0"):
                continue  # a different padding is a different sequence
            found.append(int(m.group(1)))
    return sorted(found)


def open_sequence(
    spec: str,
    frames: Optional[str] = None,
    *,
    must_exist: bool = True,
    allow_missing: bool = False,
) -> ImageSequence:
    """Resolve a sequence spec to the frames on disk.

    ``spec`` is a pattern (``scan.####.exr``, ``scan.%04d.exr``), a pattern followed by
    frames (``"scan.####.exr 1001-1100"``) or a single image file. ``frames`` (a frame list,
    see :func:`parse_frames`) overrides the frames in ``spec``. Without frames, every frame
    on disk is taken and gaps between the first and last are reported as ``missing``.

    Raises RTKError when nothing is found, or when frames are missing and ``allow_missing``
    is false (the message lists them).
    """
    text, spec_frames = split_spec(spec)
    frames = spec_frames if frames is None else frames  # "" stays an (empty, refused) list
    if not _has_pattern(text):
        path = Path(text)
        if path.suffix.lower() in _VIDEO_SUFFIXES:
            # a movie is not a one-image sequence: callers that take video use open_footage
            raise RTKError("a video file, where this step needs an image sequence "
                           "(align the reference first, or give the frames as images)", path)
        if must_exist and not path.is_file():
            raise RTKError("no such image file", path)
        return ImageSequence(path.parent, path.stem, 0, path.suffix, (1,), (), path, (1,))
    directory, prefix, padding, suffix = split_pattern(text)
    on_disk = scan_frames(directory, prefix, padding, suffix) if must_exist else []
    if frames is not None:
        wanted = parse_frames(frames)
    elif on_disk:
        wanted = parse_frames(f"{on_disk[0]}-{on_disk[-1]}")  # refuses an absurd span
    else:
        wanted = []
    if must_exist and not on_disk:
        raise RTKError("no frames of this sequence found on disk", text)
    if not wanted:
        raise RTKError("no frames given for this sequence", text)
    present = set(on_disk)
    missing = tuple(f for f in wanted if f not in present) if must_exist else ()
    if missing and not allow_missing:
        raise RTKError(f"missing frames {format_frames(missing)}", text)
    return ImageSequence(
        directory, prefix, padding, suffix, tuple(wanted), missing, None, tuple(on_disk)
    )


def output_sequence(pattern: str, frames: Sequence[int]) -> ImageSequence:
    """An output sequence to be written (nothing is checked on disk)."""
    if not _has_pattern(pattern):
        path = Path(pattern)
        return ImageSequence(path.parent, path.stem, 0, path.suffix, tuple(frames) or (1,), (), path)
    directory, prefix, padding, suffix = split_pattern(pattern)
    return ImageSequence(directory, prefix, padding, suffix, tuple(sorted(set(frames))))


def frame_map(seq: ImageSequence) -> Dict[int, Path]:
    """Frame → path for the frames of ``seq`` that exist."""
    return {f: seq.path(f) for f in seq.frames if f not in set(seq.missing)}
