"""Small video files made with PyAV's encoders, for tests and the demo (never downloaded).

``write_video`` encodes RGB frames (float 0–1 or uint8, (H, W, 3)) with a named codec. The
R'G'B' → Y'CbCr conversion is done here with the standard's numbers (BT.601 or BT.709
matrix, limited or full range) and the stream is tagged accordingly, so a reader that
honours the tags gets the RGB back. Options: interlaced coding with a stated field order,
explicit timestamps (variable-rate or soft-pulldown files), faststart MP4.

``frame_code_image`` / ``read_frame_code`` burn a frame's own number into it as 10 binary
blocks (robust to compression) so a test can check that frame N decoded is frame N.
``telecine_32`` makes 3:2 pulldown video frames (fields A A B B B C C D D D) from film frames.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

# (Kr, Kb) from ITU-R BT.601 and BT.709; H.273 code points for the tags.
_MATRIX = {"bt601": ((0.299, 0.114), 6), "bt709": ((0.2126, 0.0722), 1)}
CODE_BITS = 10


def _ycbcr(rgb: np.ndarray, matrix: str, full: bool) -> List[np.ndarray]:
    (kr, kb), _ = _MATRIX[matrix]
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = kr * r + (1 - kr - kb) * g + kb * b
    pb = (b - y) / (2 * (1 - kb))
    pr = (r - y) / (2 * (1 - kr))
    if full:
        planes = [y * 255, pb * 255 + 128, pr * 255 + 128]
    else:
        planes = [16 + 219 * y, 128 + 224 * pb, 128 + 224 * pr]
    return planes


def _subsample(plane: np.ndarray, pix_fmt: str, interlaced: bool) -> np.ndarray:
    if pix_fmt.startswith(("yuv444", "yuvj444")):
        return plane
    p = plane
    p = 0.5 * (p[:, 0::2] + p[:, 1::2])
    if pix_fmt.startswith(("yuv420", "yuvj420")):
        if interlaced:  # each field its own chroma rows: average rows 4k+f and 4k+2+f
            out = np.empty((p.shape[0] // 2, p.shape[1]), np.float64)
            out[0::2] = 0.5 * (p[0::4] + p[2::4])
            out[1::2] = 0.5 * (p[1::4] + p[3::4])
            p = out
        else:
            p = 0.5 * (p[0::2] + p[1::2])
    return p


def _frame(av: Any, rgb: np.ndarray, pix_fmt: str, matrix: str, full: bool, interlaced: bool):
    arr = np.asarray(rgb)
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 1)
    else:
        arr = arr.astype(np.float64) / 255.0
    planes = [
        _subsample(p, pix_fmt, interlaced) if i else p
        for i, p in enumerate(_ycbcr(arr, matrix, full))
    ]
    bits = 10 if pix_fmt.endswith("10le") else 8
    dtype = np.dtype("<u2") if bits > 8 else np.dtype(np.uint8)
    frame = av.VideoFrame(arr.shape[1], arr.shape[0], pix_fmt)
    for plane, data in zip(frame.planes, planes):
        # 8-bit code values scaled to the format's depth (BT.601/709: × 2^(bits − 8))
        codes = np.clip(np.round(data * (1 << (bits - 8))), 0, (1 << bits) - 1).astype(dtype)
        buf = np.zeros((plane.height, plane.line_size // dtype.itemsize), dtype)
        buf[:, : codes.shape[1]] = codes[: plane.height]
        plane.update(buf.tobytes())
    return frame


def write_video(
    path: Path,
    frames: Sequence[np.ndarray],
    *,
    rate: Fraction = Fraction(25),
    codec: str = "mpeg2video",
    pix_fmt: str = "yuv420p",
    matrix: str = "bt601",
    full_range: bool = False,
    interlaced: bool = False,
    top_field_first: bool = True,
    pts: Optional[Sequence[int]] = None,
    time_base: Optional[Fraction] = None,
    gop: int = 12,
    bitrate: int = 4_000_000,
    options: Optional[Dict[str, str]] = None,
    container_options: Optional[Dict[str, str]] = None,
    sample_aspect: Optional[Fraction] = None,
) -> Path:
    """Encode ``frames`` to ``path`` (see the module doc); returns the path.

    ``pts`` (with ``time_base``) gives each frame's timestamp explicitly; ``interlaced``
    codes the pictures as interlaced with ``top_field_first`` (MPEG-2: field DCT/ME).
    """
    import av

    path = Path(path)
    out = av.open(str(path), "w", options=container_options or {})
    try:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = pix_fmt
        stream.bit_rate = bitrate
        stream.codec_context.gop_size = gop
        opts = dict(options or {})
        if interlaced:
            opts["flags"] = "+ildct+ilme"
        stream.options = opts
        if sample_aspect is not None:
            stream.codec_context.sample_aspect_ratio = sample_aspect
        code = _MATRIX[matrix][1]
        for name, value in (
            ("colorspace", code),
            ("color_primaries", 1 if matrix == "bt709" else 6),
            ("color_trc", 1 if matrix == "bt709" else 6),
            ("color_range", 2 if full_range else 1),
        ):
            setattr(stream.codec_context, name, value)
        if time_base is not None:  # explicit timestamps: the encoder must not round them
            stream.time_base = time_base
            stream.codec_context.time_base = time_base
        graph = None
        if interlaced:
            graph = av.filter.Graph()
            src = graph.add_buffer(
                width=stream.width,
                height=stream.height,
                format=pix_fmt,
                time_base=Fraction(1, 1) / rate,
            )
            mode = graph.add("setfield", "tff" if top_field_first else "bff")
            src.link_to(mode)
            mode.link_to(graph.add("buffersink"))
            graph.configure()
        for i, rgb in enumerate(frames):
            frame = _frame(av, rgb, pix_fmt, matrix, full_range, interlaced)
            frame.pts = i
            frame.time_base = Fraction(1, 1) / rate
            if graph is not None:
                graph.push(frame)
                frame = graph.pull()
            if pts is not None:
                frame.pts, frame.time_base = int(pts[i]), time_base
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    finally:
        out.close()
    return path


def frame_code_image(
    number: int, size: tuple = (64, 48), picture: Optional[np.ndarray] = None
) -> np.ndarray:
    """uint8 (H, W, 3): ``picture`` (or grey) with ``number`` burned in as 10 binary blocks
    across the top third (white = 1), least significant bit left."""
    w, h = size
    img = np.full((h, w, 3), 96, np.uint8) if picture is None else picture.copy()
    bw = w // CODE_BITS
    for bit in range(CODE_BITS):
        img[: h // 3, bit * bw : (bit + 1) * bw] = 255 if (number >> bit) & 1 else 0
    return img


def read_frame_code(rgb: np.ndarray) -> int:
    """The number :func:`frame_code_image` burned into a decoded frame (float 0–1 or uint8)."""
    arr = np.asarray(rgb, np.float32)
    if arr.max() > 2:
        arr = arr / 255.0
    h, w = arr.shape[:2]
    bw = w // CODE_BITS
    value = 0
    for bit in range(CODE_BITS):
        block = arr[2 : h // 3 - 2, bit * bw + 2 : (bit + 1) * bw - 2]
        if float(block.mean()) > 0.5:
            value |= 1 << bit
    return value


def telecine_32(film: Sequence[np.ndarray], *, top_first: bool = True) -> List[np.ndarray]:
    """3:2 pulldown: film frames A B C D … → video frames whose fields are A A B B B C C D D D
    (in time order), i.e. 5 video frames per 4 film frames; two of every five are mixed."""
    fields: List[np.ndarray] = []
    for i, f in enumerate(film):
        fields += [f] * (2 if i % 2 == 0 else 3)
    out = []
    for k in range(0, len(fields) - 1, 2):
        first, second = fields[k], fields[k + 1]
        frame = np.array(first, copy=True)
        # the field shown first holds rows 0, 2, … when top field first
        if top_first:
            frame[1::2] = second[1::2]
        else:
            frame[0::2] = second[0::2]
            frame[1::2] = first[1::2]
        out.append(frame)
    return out
