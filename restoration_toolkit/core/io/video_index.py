"""The one-time index of a video file: every frame decoded once, its PTS recorded in
presentation order with the key frames, the stream's properties (codec, rate, time base,
pixel aspect, field order, color, checksum) and the checks that refuse a file (unopenable,
no video stream, damaged, truncated, variable frame rate; soft pulldown accepted and stated).
Cached as JSON keyed by the file's path, size and modification time. See ``video``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..errors import PathLike, RTKError
from .atomic import atomic_write_text
from .video_color import VideoColor, ocio_colorspace, stream_color

VIDEO_EXTENSIONS = (
    ".mp4",
    ".m4v",
    ".mov",
    ".mkv",
    ".mpg",
    ".mpeg",
    ".m2v",
    ".vob",
    ".ts",
    ".m2ts",
    ".mts",
    ".avi",
    ".mxf",
    ".webm",
    ".dv",
)
INDEX_VERSION = 1
_FIELD_ORDER = {1: "progressive", 2: "upper", 3: "lower", 4: "upper", 5: "lower"}


def is_video_path(spec: PathLike) -> bool:
    """True for a file name with a video container's extension."""
    return Path(str(spec).strip()).suffix.lower() in VIDEO_EXTENSIONS


def default_cache_dir() -> Path:
    """Where video indexes go when no folder is given: ``$RTK_CACHE``, else the user cache."""
    base = os.environ.get("RTK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "rtk"
    )
    return Path(base) / "video-index"


@dataclass(frozen=True)
class VideoInfo:
    """What a video file is. ``rate``/``time_base`` as fractions ``"30000/1001"``; ``cadence``
    ``constant`` or ``soft-pulldown``; ``colorspace``: the OCIO color space of the decoded RGB
    (None when unmapped, see ``color_note``)."""

    path: str
    codec: str
    width: int
    height: int
    pixel_format: str
    rate: str
    time_base: str
    pixel_aspect: float
    field_order: str
    interlaced: bool
    frame_count: int
    duration_s: float
    color: VideoColor
    colorspace: Optional[str]
    color_note: str = ""
    cadence: str = "constant"
    sha256: str = ""

    @property
    def fps(self) -> float:
        return float(Fraction(self.rate))

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["fps"] = round(self.fps, 6)
        return data

    def describe(self) -> str:
        scan = (
            "interlaced " + self.field_order + " field first" if self.interlaced else "progressive"
        )
        text = (
            f"{self.codec} {self.width}x{self.height} {self.pixel_format}, "
            f"{self.frame_count} frames at {self.rate} ({self.fps:.3f} fps, {self.cadence}), "
            f"{scan}, pixel aspect {self.pixel_aspect:.4f}, {self.color.describe()}"
        )
        return text + (f"; {self.color_note}" if self.color_note else "")


@dataclass(frozen=True)
class VideoIndex:
    """Every frame's PTS (presentation order; frame N is ``pts[N - 1]``) and the key frames'
    positions (0-based) in that order."""

    pts: Tuple[int, ...]
    keyframes: Tuple[int, ...]
    info: VideoInfo


def _av():
    import av  # imported on first use: `import core` stays light

    return av


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _open_container(path: Path):
    av = _av()
    if not path.is_file():
        raise RTKError("no such video file", path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise RTKError(f"FFmpeg cannot open this video ({_short(exc)})", path) from None
    if not container.streams.video:
        container.close()
        raise RTKError("no video stream in this file", path)
    return container


def _file_key(path: Path) -> str:
    st = path.stat()
    return f"v{INDEX_VERSION} {st.st_size} {st.st_mtime_ns}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def _cadence(
    pts: List[int], time_base: Fraction, rate: Fraction, path: Path
) -> Tuple[str, Fraction]:
    """``constant`` (durations equal up to timestamp rounding) or ``soft-pulldown`` (2 and 3
    field durations); anything else is variable frame rate and refused."""
    if len(pts) < 3:
        return "constant", rate
    d = np.diff(np.asarray(pts, np.float64))
    med = float(np.median(d))
    if med <= 0:
        raise RTKError("frames share a presentation timestamp (broken timestamps)", path)
    ticks_per_s = float(1 / time_base)
    if np.all(np.abs(d - med) <= max(1.5, 0.01 * med)):
        return "constant", rate if rate else Fraction(ticks_per_s / med).limit_denominator(1001)
    for field_rate in (Fraction(60000, 1001), Fraction(60), Fraction(50)):
        units = d / (ticks_per_s / float(field_rate))
        ok = np.abs(units - np.round(units)) < 0.06
        if np.all(ok) and set(np.round(units).astype(int)) == {2, 3}:
            return "soft-pulldown", field_rate * Fraction(2, 5)  # 2:3 — five fields per two frames
    worst = int(np.argmax(np.abs(d - med)))
    ms = d * 1000.0 / ticks_per_s
    raise RTKError(
        f"variable frame rate (frame durations {ms.min():.1f}–{ms.max():.1f} ms, first odd one at "
        f"frame {worst + 2}); convert it to a constant frame rate first",
        path,
    )


def _expected_frames(container: Any, stream: Any, rate: Fraction) -> int:
    """Frames the container declares: its frame count, else the video stream's duration
    (MKV keeps it as a ``DURATION`` tag), else the file's duration when the video is its only
    stream; 0 when it does not say."""
    if stream.frames:
        return int(stream.frames)
    seconds = None
    if stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
    elif stream.metadata.get("DURATION"):
        h, m, sec = str(stream.metadata["DURATION"]).split(":")
        seconds = int(h) * 3600 + int(m) * 60 + float(sec)
    elif container.duration and len(container.streams) == 1:
        seconds = container.duration / 1_000_000
    return int(round(seconds * float(rate))) if seconds and rate else 0


def build_index(path: PathLike) -> VideoIndex:
    """Decode every frame once; record PTS, key frames and the stream's properties.

    Raises RTKError (see the module doc) for unopenable, damaged, truncated or
    variable-frame-rate files.
    """
    av = _av()
    p = Path(path)
    container = _open_container(p)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        pts: List[int] = []
        keys: List[int] = []
        first = None
        interlaced = False
        corrupt = 0
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    raise RTKError(f"frame {len(pts) + 1} has no timestamp", p)
                if pts and frame.pts <= pts[-1]:
                    raise RTKError(f"timestamps go backwards at frame {len(pts) + 1}", p)
                first = first or frame
                interlaced = interlaced or bool(getattr(frame, "interlaced_frame", False))
                corrupt += bool(getattr(frame, "is_corrupt", False))
                if frame.key_frame:
                    keys.append(len(pts))
                pts.append(int(frame.pts))
        except av.error.FFmpegError as exc:
            raise RTKError(
                f"damaged or truncated stream: decoding stopped after frame "
                f"{len(pts)} ({_short(exc)})",
                p,
            ) from None
        if first is None:
            raise RTKError("no frame could be decoded (empty or damaged stream)", p)
        rate = Fraction(stream.average_rate or stream.guessed_rate or 0)
        time_base = Fraction(stream.time_base)
        cadence, rate = _cadence(pts, time_base, rate, p)
        expected = _expected_frames(container, stream, rate)
        if expected and len(pts) < expected - 1:
            raise RTKError(
                f"truncated stream: {len(pts)} of the {expected} frames the container "
                "declares could be decoded",
                p,
            )
        if corrupt:
            raise RTKError(f"damaged stream: {corrupt} frame(s) decoded with errors", p)
        info = _info(
            p,
            stream,
            first,
            len(pts),
            rate,
            time_base,
            interlaced and cadence == "constant",
            cadence,
        )
        return VideoIndex(tuple(pts), tuple(keys) or (0,), info)
    finally:
        container.close()


def _info(
    path: Path,
    stream: Any,
    first: Any,
    count: int,
    rate: Fraction,
    time_base: Fraction,
    interlaced: bool,
    cadence: str,
) -> VideoInfo:
    cc = stream.codec_context
    sar = stream.sample_aspect_ratio or cc.sample_aspect_ratio
    aspect = float(sar) if sar and float(sar) > 0 else 1.0
    order = _FIELD_ORDER.get(int(getattr(cc, "field_order", 0) or 0), "progressive")
    if not interlaced:
        order = "progressive"
    elif order == "progressive":
        order = "upper"  # interlaced frames but no stated order: sync detects it from content
    color = stream_color(first, first.format.name, first.height)
    name, note = ocio_colorspace(color)
    return VideoInfo(
        path=str(path),
        codec=cc.name,
        width=int(first.width),
        height=int(first.height),
        pixel_format=first.format.name,
        rate=f"{rate.numerator}/{rate.denominator}",
        time_base=f"{time_base.numerator}/{time_base.denominator}",
        pixel_aspect=round(aspect, 6),
        field_order=order,
        interlaced=interlaced,
        frame_count=count,
        duration_s=round(float(count / rate), 3) if rate else 0.0,
        color=color,
        colorspace=name,
        color_note=note,
        cadence=cadence,
        sha256=_sha256(path),
    )


def _index_file(path: Path, cache_dir: Path) -> Path:
    tag = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)[:40] or "video"
    return cache_dir / f"index_{stem}_{tag}.json"


def _load_index(file: Path, key: str) -> Optional[VideoIndex]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        info = data["info"]
        info["color"] = VideoColor(**{**info["color"], "assumed": tuple(info["color"]["assumed"])})
        info.pop("fps", None)
        return VideoIndex(tuple(data["pts"]), tuple(data["keyframes"]), VideoInfo(**info))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_or_build_index(path: PathLike, cache_dir: Optional[PathLike] = None) -> VideoIndex:
    """The cached index of ``path`` when it is current, else a new one (then cached)."""
    p = Path(path).resolve()
    if not p.is_file():
        raise RTKError("no such video file", p)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    file, key = _index_file(p, folder), _file_key(p)
    index = _load_index(file, key)
    if index is None:
        index = build_index(p)
        doc = {
            "key": key,
            "pts": list(index.pts),
            "keyframes": list(index.keyframes),
            "info": index.info.as_dict(),
        }
        try:
            atomic_write_text(file, json.dumps(doc, separators=(",", ":")))
        except OSError:
            pass  # an unwritable cache costs time, not correctness
    return index
