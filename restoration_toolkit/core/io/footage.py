"""One way in for every kind of footage: an image sequence (``scan.####.dpx``, one image) or a
video file (``film.mkv``, ``dvd.vob``), with the same reading interface.

``open_footage(spec)`` returns an :class:`~.sequence.ImageSequence` or a
:class:`~.video.VideoSequence`; both have ``frames``, ``first``, ``last``, ``missing``,
``is_single``, ``is_video``, ``read(frame)`` (an :class:`~.images.Image`), ``checksum(frame)``,
``describe()`` and ``hash_pattern``. A video's frames are 1…N in presentation order; a frame
range may follow its name as it follows a sequence pattern (``"film.mkv 100-250"``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Union

from ..errors import PathLike, RTKError
from .frames import parse_frames
from .images import Image
from .sequence import ImageSequence, open_sequence
from .video import VideoSequence, is_video_path, open_video

Footage = Union[ImageSequence, VideoSequence]
_RANGE = re.compile(r"^(?P<spec>.+?)\s+(?P<frames>-?\d+(?:-\d+)?(?:[x:]\d+)?(?:,\S+)*)$")


def split_video_spec(spec: str) -> tuple:
    """``"film.mkv 10-20"`` → (``"film.mkv"``, ``"10-20"``); no range → (spec, None)."""
    text = str(spec).strip()
    m = _RANGE.match(text)
    if m and is_video_path(m.group("spec")):
        return m.group("spec"), m.group("frames")
    return text, None


def is_video_spec(spec: PathLike) -> bool:
    return is_video_path(split_video_spec(str(spec))[0])


def open_footage(
    spec: PathLike,
    frames: Optional[str] = None,
    *,
    must_exist: bool = True,
    allow_missing: bool = False,
    cache_dir: Optional[PathLike] = None,
) -> Footage:
    """An image sequence or a video file (by extension; see the module doc).

    ``frames`` (a frame list, e.g. ``"1-200"``) overrides the range in ``spec``. For a video
    ``cache_dir`` is where its index is kept (default: the user cache, see
    :func:`.video.default_cache_dir`). Raises RTKError naming the file.
    """
    text = str(spec).strip()
    if not is_video_spec(text):
        return open_sequence(text, frames, must_exist=must_exist, allow_missing=allow_missing)
    path, in_spec = split_video_spec(text)
    wanted = frames or in_spec
    numbers = tuple(parse_frames(wanted)) if wanted else None
    return open_video(path, numbers, cache_dir=cache_dir)


def read_footage_frame(path: PathLike, frame: int, *, channels: Optional[int] = 3) -> Image:
    """Frame ``frame`` of ``path``: a video file's frame N, or the image file itself (its frame
    number is in its name). Used where only a path and a frame number travel (worker
    processes, alignment jobs)."""
    if is_video_path(path):
        image = open_video(path).read(int(frame))
        return image
    from .images import read_image

    return read_image(path, channels=channels)


def footage_exists(path: Optional[str]) -> bool:
    """True when ``path`` (an image or video file) is on disk."""
    return bool(path) and Path(str(path)).is_file()


def require_sequence(footage: Footage, what: str) -> Footage:
    """Refuse a single image where a sequence (or video) is needed."""
    if footage.is_single:
        raise RTKError(
            f"{what} needs an image sequence or a video file, not a single image",
            footage.hash_pattern,
        )
    return footage
