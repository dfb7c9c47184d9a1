"""Color of a video stream: its tagged (or assumed) primaries, transfer, matrix and range, and
the conversion of decoded Y'CbCr planes to RGB code values honouring them.

FFmpeg reports the four properties as ITU-T H.273 code points (the numbers in
``AVColorPrimaries`` etc.); we name them as FFmpeg does. A stream that leaves one unspecified
gets the value every player assumes (SD 480/486 lines: SMPTE 170M, 576 lines: BT.470BG, else
BT.709; limited range for Y'CbCr), and the assumption is reported.

The conversion is done here, not by swscale, so that (a) the matrix and range are the tagged
ones (swscale's default is BT.601 whatever the tag), (b) 4:2:0 chroma of interlaced pictures
is upsampled field by field (each field has its own chroma rows; upsampling across fields
smears color between two moments in time), and (c) nothing is clipped: superwhites stay
above 1.0. Output: float32 (H, W, 3) R'G'B' code values (nominal black 0.0, white 1.0), in
the encoding named by :func:`ocio_colorspace`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

# H.273 code points → FFmpeg's names (the ones we handle; others are reported by number).
PRIMARIES = {
    1: "bt709",
    4: "bt470m",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    8: "film",
    9: "bt2020",
    11: "smpte431",
    12: "smpte432",
}
TRANSFERS = {
    1: "bt709",
    4: "gamma22",
    5: "gamma28",
    6: "smpte170m",
    7: "smpte240m",
    8: "linear",
    13: "iec61966-2-1",
    14: "bt2020-10",
    15: "bt2020-12",
    16: "smpte2084",
    18: "arib-std-b67",
}
MATRICES = {
    0: "gbr",
    1: "bt709",
    4: "fcc",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    9: "bt2020nc",
}
RANGES = {1: "limited", 2: "full"}
# Luma coefficients (Kr, Kb) of each matrix (H.273 table 4).
_KR_KB = {
    "bt709": (0.2126, 0.0722),
    "fcc": (0.30, 0.11),
    "bt470bg": (0.299, 0.114),
    "smpte170m": (0.299, 0.114),
    "smpte240m": (0.212, 0.087),
    "bt2020nc": (0.2627, 0.0593),
}
_YUV = re.compile(r"^yuvj?(420|422|444|440|411)p(\d+)?(le|be)?$")
_GRAY = re.compile(r"^gray(\d+)?(le|be)?$")


@dataclass(frozen=True)
class VideoColor:
    """Color properties of a stream. ``assumed`` names those the stream left unspecified."""

    primaries: str
    transfer: str
    matrix: str
    range: str
    assumed: Tuple[str, ...] = ()

    def describe(self) -> str:
        text = (
            f"primaries {self.primaries}, transfer {self.transfer}, "
            f"matrix {self.matrix}, {self.range} range"
        )
        return text + (f" (assumed: {', '.join(self.assumed)})" if self.assumed else "")


def _name(table: Dict[int, str], value: Any) -> Optional[str]:
    """FFmpeg name of an enum value (int, or an enum/str from other PyAV versions); None when
    the stream leaves it unspecified (2, or 0 where 0 is reserved / unknown)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower() or None
    number = int(getattr(value, "value", value))
    if number == 2 or (number == 0 and table is not MATRICES):
        return None
    return table.get(number, f"code {number}")


def stream_color(frame: Any, pixel_format: str, height: int) -> VideoColor:
    """Tagged color of a decoded frame, with the usual assumptions for what is unspecified."""
    sd = height <= 576
    default = ("smpte170m" if height in (480, 486) else "bt470bg") if sd else "bt709"
    rgb_coded = not (_YUV.match(pixel_format) or _GRAY.match(pixel_format))
    assumed: List[str] = []

    def pick(table: Dict[int, str], attr: str, fallback: str, label: str) -> str:
        value = _name(table, getattr(frame, attr, None))
        if value is None:
            assumed.append(f"{label} {fallback}")
            return fallback
        return value

    primaries = pick(PRIMARIES, "color_primaries", default, "primaries")
    transfer = pick(TRANSFERS, "color_trc", "bt709", "transfer")
    matrix = "gbr" if rgb_coded else pick(MATRICES, "colorspace", default, "matrix")
    full = pixel_format.startswith("yuvj") or rgb_coded
    rng = pick(RANGES, "color_range", "full" if full else "limited", "range")
    if pixel_format.startswith("yuvj") and rng == "limited":
        rng = "full"  # the deprecated yuvj formats are full range by definition
    return VideoColor(primaries, transfer, matrix, rng, tuple(assumed))


def ocio_colorspace(color: VideoColor) -> Tuple[Optional[str], str]:
    """OCIO color space (of the ACES configs) for RGB decoded from ``color``, and a note.

    Rec.709 / SD video is display-referred BT.1886 (a 2.4 gamma): ``Gamma 2.4 Rec.709 -
    Texture``. SD primaries (SMPTE 170M, BT.470BG) are not in the ACES configs; they are
    within a few ΔE of Rec.709 and mapped to it (the note says so). sRGB-tagged video maps to
    ``sRGB - Texture``. HDR (PQ, HLG), BT.2020 and linear streams return None: the user names
    the color space.
    """
    p, t = color.primaries, color.transfer
    if t in ("smpte2084", "arib-std-b67") or p == "bt2020":
        return None, f"{p} / {t} video has no mapping here; set the reference colorspace by hand"
    if p not in ("bt709", "smpte170m", "bt470bg", "bt470m", "smpte240m"):
        return None, f"primaries {p} have no mapping here; set the reference colorspace by hand"
    note = (
        ""
        if p == "bt709"
        else f"{p} primaries taken as Rec.709 (the ACES configs have no SD gamut)"
    )
    if t == "iec61966-2-1":
        return "sRGB - Texture", note
    if t in ("bt709", "smpte170m", "bt2020-10", "bt2020-12", "gamma22", "gamma28", "smpte240m"):
        # BT.709's camera OETF is not a display decode; BT.1886 (2.4) is how it is watched.
        return "Gamma 2.4 Rec.709 - Texture", note
    return None, f"transfer {t} has no mapping here; set the reference colorspace by hand"


def _plane(plane: Any, bytes_per_sample: int) -> np.ndarray:
    dtype = np.dtype("<u2") if bytes_per_sample == 2 else np.uint8
    arr = np.frombuffer(plane, dtype=dtype)
    return arr.reshape(plane.height, plane.line_size // bytes_per_sample)[:, : plane.width]


def _upsample(chroma: np.ndarray, width: int, height: int, interlaced: bool) -> np.ndarray:
    """Chroma plane to luma size; vertical 4:2:0 subsampling of interlaced pictures is undone
    in each field separately (chroma row 2k+f belongs to field f)."""
    c = chroma.astype(np.float32)
    if c.shape == (height, width):
        return c
    if interlaced and c.shape[0] * 2 == height and c.shape[0] >= 2:
        out = np.empty((height, width), np.float32)
        for parity in (0, 1):
            rows = out[parity::2].shape[0]
            field = np.ascontiguousarray(c[parity::2])
            out[parity::2] = cv2.resize(field, (width, rows), interpolation=cv2.INTER_LINEAR)
        return out
    return cv2.resize(c, (width, height), interpolation=cv2.INTER_LINEAR)


def ycbcr_to_rgb(
    planes: Sequence[np.ndarray], bits: int, color: VideoColor, *, interlaced: bool = False
) -> np.ndarray:
    """Y', Cb, Cr planes (integer code values, chroma possibly subsampled) → float32 (H, W, 3)
    R'G'B' with the stream's matrix and range. Not clipped."""
    y = planes[0].astype(np.float32)
    h, w = y.shape
    scale = float(1 << (bits - 8))
    if len(planes) < 3:  # grey
        cb = cr = None
    else:
        cb = _upsample(planes[1], w, h, interlaced)
        cr = _upsample(planes[2], w, h, interlaced)
    if color.range == "full":
        top = float((1 << bits) - 1)
        yn = y / top
        half = float(1 << (bits - 1))
        pb = None if cb is None else (cb - half) / top
        pr = None if cr is None else (cr - half) / top
    else:
        yn = (y - 16.0 * scale) / (219.0 * scale)
        pb = None if cb is None else (cb - 128.0 * scale) / (224.0 * scale)
        pr = None if cr is None else (cr - 128.0 * scale) / (224.0 * scale)
    if pb is None or pr is None:
        return np.repeat(yn[:, :, None], 3, axis=2).astype(np.float32)
    kr, kb = _KR_KB.get(color.matrix, _KR_KB["bt709"])
    kg = 1.0 - kr - kb
    r = yn + 2.0 * (1.0 - kr) * pr
    b = yn + 2.0 * (1.0 - kb) * pb
    g = (yn - kr * r - kb * b) / kg
    return np.stack([r, g, b], axis=2).astype(np.float32)


def frame_to_rgb(frame: Any, color: VideoColor, *, interlaced: bool = False) -> np.ndarray:
    """A decoded PyAV VideoFrame → float32 (H, W, 3) R'G'B' code values (see module doc).

    Planar Y'CbCr and grey formats are converted here; RGB-coded streams are read as RGB
    (48-bit through swscale, no matrix involved); other layouts (semi-planar, packed) are
    first repacked to planar 4:4:4 Y'CbCr by swscale, which involves no color matrix.
    """
    name = frame.format.name
    m, g = _YUV.match(name), _GRAY.match(name)
    if m is None and g is None:
        if color.matrix == "gbr":
            rgb = frame.to_ndarray(format="rgb48le").astype(np.float32) / 65535.0
            return rgb
        frame = frame.reformat(format="yuv444p16le")
        m, name = _YUV.match("yuv444p16le"), "yuv444p16le"
    digits = (m or g).group(2) if (m or g) else None
    bits = int(digits) if digits else 8
    if (m or g).group(3) == "be":  # type: ignore[union-attr]
        frame = frame.reformat(format=name[:-2] + "le")
    nbytes = 2 if bits > 8 else 1
    planes = [_plane(p, nbytes) for p in frame.planes[: (1 if g else 3)]]
    return ycbcr_to_rgb(planes, bits, color, interlaced=interlaced)
