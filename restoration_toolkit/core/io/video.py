"""Video files (MPEG-2, H.264/H.265, ProRes, FFV1 … in MPG/VOB/MP4/MKV/MOV) read through
PyAV (FFmpeg's libraries) as a frame-numbered sequence.

A video's frames are numbered from 1 in presentation order, as Nuke numbers the frames of a
movie Read. Opening a file builds a one-time *index*: every frame is decoded once and its
presentation timestamp (PTS) recorded, with the key frames; a frame is then read by seeking
to the last key frame at or before its PTS and decoding forward until that PTS comes out —
the PTS of what comes out is checked, so a container that seeks imprecisely (MPEG-PS, some
MKV) still gives the asked frame or an error, never a neighbour. The index is cached (JSON,
keyed by the file's path, size and modification time) so the decode pass happens once.

What is refused, with a one-line error naming the file: a file FFmpeg cannot open or that has
no video stream; a truncated or damaged stream (fewer frames decode than the container
declares, or decoding fails part way); variable frame rate (frame durations that differ
beyond timestamp rounding). One irregular cadence is accepted and stated: *soft pulldown*
(MPEG-2 repeat-field flags, durations of 2 and 3 fields), read as the film frames it codes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Optional, Tuple

import numpy as np

from ..errors import PathLike, RTKError
from .images import Image, ImageMetadata
from .video_color import frame_to_rgb
from .video_index import (
    VIDEO_EXTENSIONS,
    VideoIndex,
    VideoInfo,
    _av,
    _file_key,
    _open_container,
    build_index,
    default_cache_dir,
    is_video_path,
    load_or_build_index,
)

__all__ = [
    "VIDEO_EXTENSIONS",
    "VideoIndex",
    "VideoInfo",
    "VideoSequence",
    "build_index",
    "default_cache_dir",
    "is_video_path",
    "load_or_build_index",
    "open_video",
    "probe",
    "read_video_frame",
]


class VideoSequence:
    """A video file seen as a frame sequence: frames 1…N in presentation order (a subset when
    ``frames`` is given). Same reading interface as an image sequence: ``frames``, ``first``,
    ``last``, ``read(frame)``, ``describe()``, ``hash_pattern`` (the file), ``path(frame)``
    (the file, for every frame)."""

    is_single = False
    missing: Tuple[int, ...] = ()
    is_video = True

    def __init__(self, path: PathLike, index: VideoIndex, frames: Optional[Tuple[int, ...]] = None):
        self.file = Path(path).resolve()
        self.index = index
        self.info = index.info
        n = len(index.pts)
        self.frames: Tuple[int, ...] = tuple(frames) if frames else tuple(range(1, n + 1))
        bad = [f for f in self.frames if not 1 <= f <= n]
        if bad:
            raise RTKError(f"frame {bad[0]} is not in this video (frames 1-{n})", self.file)
        self._container: Any = None
        self._iter: Optional[Iterator[Any]] = None
        self._last = -1  # position of the last frame decoded by _iter

    # -- the ImageSequence interface -----------------------------------------------------------
    @property
    def first(self) -> int:
        return self.frames[0]

    @property
    def last(self) -> int:
        return self.frames[-1]

    @property
    def hash_pattern(self) -> str:
        return self.file.as_posix()

    printf_pattern = hash_pattern
    extension = property(lambda self: self.file.suffix.lower().lstrip("."))

    def path(self, frame: int) -> Path:
        return self.file

    def with_frames(self, frames) -> VideoSequence:
        return VideoSequence(self.file, self.index, tuple(sorted(set(frames))))

    def describe(self) -> str:
        from .frames import format_frames

        return f"{self.file.as_posix()} {format_frames(self.frames)} ({self.info.describe()})"

    def checksum(self, frame: int) -> str:
        """The file's checksum (frames of one video share it; the frame number says which)."""
        return self.info.sha256

    # -- reading ---------------------------------------------------------------------------
    def metadata(self, frame: int) -> ImageMetadata:
        return ImageMetadata(
            colorspace=self.info.colorspace,
            pixel_aspect=self.info.pixel_aspect,
            data_format="video",
            file_format=self.extension,
            channel_names=("R", "G", "B"),
            attributes={
                "rtk:video": self.file.name,
                "rtk:video_frame": int(frame),
                "rtk:pts": int(self.index.pts[frame - 1]),
            },
        )

    def read(self, frame: int) -> Image:
        """Frame ``frame`` (1-based, presentation order) as float32 (H, W, 3) R'G'B'."""
        if not 1 <= frame <= len(self.index.pts):
            raise RTKError(
                f"frame {frame} is not in this video (frames 1-{len(self.index.pts)})", self.file
            )
        decoded = self._decode(frame - 1)
        rgb = frame_to_rgb(decoded, self.info.color, interlaced=self.info.interlaced)
        return Image(rgb, self.metadata(frame))

    def iter_rgb(self) -> Iterator[Tuple[int, np.ndarray]]:
        """(frame, R'G'B') for every frame of ``frames`` in order, decoding forward."""
        for f in self.frames:
            yield (
                f,
                frame_to_rgb(self._decode(f - 1), self.info.color, interlaced=self.info.interlaced),
            )

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container, self._iter, self._last = None, None, -1

    def _decode(self, position: int) -> Any:
        """The decoded frame at ``position`` (0-based), checked by its PTS."""
        target = self.index.pts[position]
        if self._iter is not None and self._last < position <= self._last + 48:
            found = self._forward(position)
            if found is not None:
                return found
        keys = [k for k in self.index.keyframes if k <= position] or [0]
        for key in reversed(keys[-3:]):  # imprecise seeks: try up to three key frames back
            self._seek(self.index.pts[key])
            found = self._forward(position)
            if found is not None:
                return found
        self._seek(None)  # from the start: slow, always right
        found = self._forward(position)
        if found is None:
            raise RTKError(
                f"frame {position + 1} (PTS {target}) could not be decoded again", self.file
            )
        return found

    def _seek(self, pts: Optional[int]) -> None:
        self.close()
        self._container = _open_container(self.file)
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        if pts is not None and pts > self.index.pts[0]:
            self._container.seek(pts, stream=stream, backward=True, any_frame=False)
        self._iter = iter(self._container.decode(stream))

    def _forward(self, position: int) -> Any:
        assert self._iter is not None
        av = _av()
        target = self.index.pts[position]
        try:
            for frame in self._iter:
                if frame.pts is None:
                    continue
                if frame.pts > target:
                    return None  # the seek landed after the frame
                if frame.pts == target and not getattr(frame, "is_corrupt", False):
                    self._last = position
                    return frame
        except av.error.FFmpegError:
            return None
        return None


@lru_cache(maxsize=4)
def _cached_sequence(path: str, key: str, cache_dir: Optional[str]) -> VideoSequence:
    return VideoSequence(path, load_or_build_index(path, cache_dir))


def open_video(
    path: PathLike,
    frames: Optional[Tuple[int, ...]] = None,
    *,
    cache_dir: Optional[PathLike] = None,
) -> VideoSequence:
    """A video file as a sequence (index built once, then cached; see the module doc)."""
    p = Path(path).resolve()
    if not p.is_file():
        raise RTKError("no such video file", p)
    seq = _cached_sequence(str(p), _file_key(p), str(cache_dir) if cache_dir else None)
    return seq.with_frames(frames) if frames else seq


def read_video_frame(path: PathLike, frame: int) -> Image:
    """One frame of a video file (the open decoder is reused across calls in a process)."""
    return open_video(path).read(frame)


def probe(path: PathLike, cache_dir: Optional[PathLike] = None) -> VideoInfo:
    """The properties of a video file (builds or reads its index)."""
    return load_or_build_index(path, cache_dir).info
