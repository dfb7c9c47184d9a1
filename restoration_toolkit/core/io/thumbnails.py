"""Small luminance thumbnails of a whole sequence, cached on disk.

Stage 01 (curation) compares thousands of frames: temporal sync, shot detection and the
per-frame statistics all work on thumbnails, never on full frames. Each frame becomes

- ``luma``: (48, 64) float32 luminance (Rec.709 weights on the file's own RGB encoding,
  values as stored: 0–1 for integer files, scene values for float files), area-averaged;
- ``color``: (12, 16, 3) float32 RGB, area-averaged, same encoding;
- ``fields`` (only when asked, for video references): (2, 48, 64) luminance of the top
  (even rows, counted from the top) and bottom (odd rows) fields, each resized on its own.

Thumbnails are cached per sequence in an ``.npz`` file keyed by every file's name, size and
modification time (a video file: its size, modification time and the frames taken), so a
second ``rtk curate`` or ``rtk sync`` reads nothing but the cache — for a video, decodes
nothing. A video goes through the same path as an image sequence: its frames are decoded in
order (one forward pass, no seeking) and converted to RGB with the stream's own color
metadata (``core.io.video_color``) before the same thumbnail code runs, fields included.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from ..errors import RTKError
from ..progress import ProgressFn, report
from .images import read_image
from .sequence import ImageSequence
from .video import VideoSequence

AnyFootage = Union[ImageSequence, VideoSequence]

THUMB_W, THUMB_H = 64, 48
COLOR_W, COLOR_H = 16, 12
CACHE_VERSION = 2
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


@dataclass(frozen=True)
class Thumbnails:
    """Thumbnails of a sequence, in frame order.

    frames: (N,) int frame numbers. luma: (N, 48, 64) float32. color: (N, 12, 16, 3) float32.
    fields: (N, 2, 48, 64) float32 (top, bottom) or None.
    """

    frames: np.ndarray
    luma: np.ndarray
    color: np.ndarray
    fields: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    def index_of(self, frame: int) -> int:
        idx = np.flatnonzero(self.frames == frame)
        if idx.size == 0:
            raise KeyError(frame)
        return int(idx[0])


def _area(img: np.ndarray, w: int, h: int) -> np.ndarray:
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


def bob(image: np.ndarray, parity: int) -> np.ndarray:
    """One field of a (H, W) image brought back to full height on the frame's grid: the rows
    of ``parity`` (0 = top: rows 0, 2, …; 1 = bottom: rows 1, 3, …) are kept and the others
    linearly interpolated, so top and bottom fields of a progressive frame line up."""
    h = image.shape[0]
    out = np.empty_like(image)
    rows = np.arange(parity, h, 2)
    out[rows] = image[rows]
    other = np.arange(1 - parity, h, 2)
    above = np.clip(other - 1, parity, rows[-1])
    below = np.clip(other + 1, parity, rows[-1])
    above = np.where((above - parity) % 2 == 0, above, below)
    below = np.where((below - parity) % 2 == 0, below, above)
    out[other] = 0.5 * (image[above] + image[below])
    return out


def frame_thumbnail(pixels: np.ndarray, *, fields: bool = False):
    """One frame → (luma (48, 64), color (12, 16, 3), fields (2, 48, 64) or None).

    ``pixels``: float32 (H, W, C) in any encoding (1 channel is grey, alpha ignored).
    Non-finite values count as 0. The input is not modified.
    """
    arr = np.asarray(pixels, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if not np.all(np.isfinite(arr)):
        arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
    rgb = arr[:, :, :3] if arr.shape[2] >= 3 else np.repeat(arr[:, :, :1], 3, axis=2)
    color = _area(rgb, COLOR_W, COLOR_H).astype(np.float32)
    lum = rgb @ _LUMA
    luma = _area(lum, THUMB_W, THUMB_H).astype(np.float32)
    fld = None
    if fields:
        if lum.shape[0] < 2:
            raise RTKError("image too small to split into fields")
        fld = np.stack(
            [_area(bob(lum, 0), THUMB_W, THUMB_H), _area(bob(lum, 1), THUMB_W, THUMB_H)]
        ).astype(np.float32)
    return luma, color, fld


def thumbnails_from_arrays(
    frames: Sequence[int], images: Iterable[np.ndarray], *, fields: bool = False
) -> Thumbnails:
    """Thumbnails of in-memory frames (tests, benchmarks, notebooks)."""
    lumas, colors, flds = [], [], []
    for img in images:
        lu, co, fl = frame_thumbnail(img, fields=fields)
        lumas.append(lu)
        colors.append(co)
        if fl is not None:
            flds.append(fl)
    if not lumas:
        raise RTKError("no frames")
    return Thumbnails(
        np.asarray(list(frames), dtype=np.int64),
        np.stack(lumas),
        np.stack(colors),
        np.stack(flds) if fields else None,
    )


def _cache_key(seq: AnyFootage, fields: bool, crop: Optional[Tuple[int, ...]] = None) -> str:
    h = hashlib.sha1(f"v{CACHE_VERSION} {THUMB_W}x{THUMB_H} fields={fields} crop={crop}".encode())
    if isinstance(seq, VideoSequence):
        st = seq.file.stat()
        h.update(f"video {seq.file.name}:{st.st_size}:{st.st_mtime_ns};".encode())
        h.update(",".join(map(str, seq.frames)).encode())
        return h.hexdigest()
    for f in seq.frames:
        p = seq.path(f)
        try:
            st = p.stat()
        except OSError:
            raise RTKError(f"frame {f} is missing", p) from None
        h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


def cache_path(seq: AnyFootage, cache_dir: Path) -> Path:
    """The .npz cache file of ``seq`` in ``cache_dir`` (one per sequence pattern or video)."""
    tag = hashlib.sha1(seq.hash_pattern.encode()).hexdigest()[:12]
    name = seq.file.stem if isinstance(seq, VideoSequence) else seq.prefix
    stem = "".join(c if c.isalnum() else "_" for c in name.strip("._"))[:40] or "seq"
    return Path(cache_dir) / f"thumbs_{stem}_{tag}.npz"


def _pixels(seq: AnyFootage) -> Iterator[Tuple[int, np.ndarray]]:
    """(frame, pixels) in frame order: image files one by one, a video decoded forward."""
    if isinstance(seq, VideoSequence):
        yield from seq.iter_rgb()
        return
    for f in seq.frames:
        yield f, read_image(seq.path(f)).pixels


def sequence_thumbnails(
    seq: AnyFootage,
    *,
    fields: bool = False,
    cache_dir: Optional[Path] = None,
    progress: Optional[ProgressFn] = None,
    crop: Optional[Tuple[int, int, int, int]] = None,
) -> Thumbnails:
    """Thumbnails of every frame of ``seq`` (an image sequence or a video), cached in ``cache_dir``.

    ``crop`` (x0, y0, x1, y1): only this box of every frame — the picture area of a
    full-aperture scan, so perforations and soundtrack take no part in the comparison, or
    of a letterboxed reference. An odd y0 is moved down one row, so that the crop's top and
    bottom fields are the frame's.
    A cache whose key (file names, sizes, mtimes, thumbnail size, fields flag, crop) differs
    is rebuilt. Raises RTKError naming the first unreadable frame.
    """
    if seq.missing:
        raise RTKError(f"sequence has gaps (missing {len(seq.missing)} frames)", seq.hash_pattern)
    if crop is not None and crop[1] % 2:
        # start on an even row: the fields of the crop must be the fields of the frame
        crop = (crop[0], crop[1] + 1, crop[2], crop[3])
    key = _cache_key(seq, fields, crop)
    cpath = cache_path(seq, cache_dir) if cache_dir is not None else None
    if cpath is not None and cpath.is_file():
        try:
            with np.load(cpath, allow_pickle=False) as data:
                if str(data["key"]) == key:
                    return Thumbnails(
                        data["frames"],
                        data["luma"].astype(np.float32),
                        data["color"].astype(np.float32),
                        data["fields"].astype(np.float32) if fields else None,
                    )
        except (OSError, KeyError, ValueError):
            pass  # unreadable cache: rebuild it
    frames = list(seq.frames)
    lumas = np.empty((len(frames), THUMB_H, THUMB_W), np.float32)
    colors = np.empty((len(frames), COLOR_H, COLOR_W, 3), np.float32)
    flds = np.empty((len(frames), 2, THUMB_H, THUMB_W), np.float32) if fields else None
    size = None
    for n, (f, pixels) in enumerate(_pixels(seq)):
        if size is None:
            size = pixels.shape[:2]
        elif pixels.shape[:2] != size:  # a foreign frame: never resized silently
            raise RTKError(
                f"frame is {pixels.shape[1]}×{pixels.shape[0]} but the sequence is "
                f"{size[1]}×{size[0]}",
                seq.path(f),
            )
        if crop is not None:
            pixels = pixels[crop[1] : crop[3], crop[0] : crop[2]]
        lu, co, fl = frame_thumbnail(pixels, fields=fields)
        lumas[n], colors[n] = lu, co
        if flds is not None:
            flds[n] = fl
        report(progress, n + 1, len(frames), f"thumbnail {f}")
    thumbs = Thumbnails(np.asarray(frames, np.int64), lumas, colors, flds)
    if cpath is not None:
        _write_cache(cpath, key, thumbs)
    return thumbs


def _write_cache(path: Path, key: str, t: Thumbnails) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.rtk-tmp.npz")
    try:
        np.savez(
            tmp,
            key=np.asarray(key),
            frames=t.frames,
            luma=t.luma.astype(np.float16),
            color=t.color.astype(np.float16),
            fields=(t.fields.astype(np.float16) if t.fields is not None else np.zeros(0)),
        )
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
