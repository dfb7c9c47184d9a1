"""Read and write images through OpenImageIO, as float32 (H, W, C) arrays.

Formats: EXR (16-bit half, 32-bit float), DPX (10-bit), TIFF (8/16/32-bit), PNG, JPEG —
whatever OpenImageIO reads. Values are as stored: integer formats are normalised to 0–1,
float formats are left untouched (scene-linear EXR stays scene-linear), and the color of an
image with unassociated alpha (PNG, TIFF) is *not* premultiplied on reading (OpenImageIO
would, zeroing the color wherever alpha is 0). NaN and infinite values are refused with
the file's name (``allow_nonfinite`` for callers that mask them themselves). Metadata that
matters to a restoration (colour space, pixel aspect, timecode, any string/number attribute
such as provenance) is carried through ``ImageMetadata``.

Scans as scanners write them: a DPX's transfer characteristic (printing density, Cineon
logarithmic, video, linear) names its color space when the file declares none
(:data:`DPX_TRANSFERS`; printing density is ACES's ADX); an EXR whose data window differs
from its display window (overscan, a bounding box) is placed on the display window — the
picture Nuke shows — with black where there is no data and overscan cropped; a data window
that does not touch the display window at all is refused.

Every write goes to a hidden temporary file in the destination folder and is renamed when
complete, so a killed process never leaves a half-written frame under the final name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

import numpy as np

from ..errors import PathLike, RTKError
from .protect import check_not_input, refuse_protected

# Per-extension defaults: (pixel data format, compression). DPX is 10-bit as scanners write it.
WRITE_DEFAULTS: Dict[str, Tuple[str, Optional[str]]] = {
    "exr": ("half", "zip"),
    "dpx": ("uint10", None),
    "tif": ("uint16", "zip"),
    "tiff": ("uint16", "zip"),
    "png": ("uint8", None),
    "jpg": ("uint8", None),
    "jpeg": ("uint8", None),
}
DATA_FORMATS = ("half", "float", "uint8", "uint16", "uint10")

# Attributes OpenImageIO manages itself; never copied from one file to another.
_MANAGED_PREFIXES = ("oiio:", "openexr:chunkCount", "openexr:lineOrder", "tiff:", "png:", "jpeg:", "dpx:")
_OIIO_GUESSES = {"lin_rec709", "lin_rec709_scene", "Linear", "linear", "scene_linear",
                 "srgb_rec709_scene", "sRGB", "srgb", "srgb_rec709_display", "g22_rec709_scene"}
# DPX header fields that describe the pixels: read and carried into written DPX files.
_CARRIED = {"dpx:Transfer", "dpx:Colorimetric"}
# DPX transfer characteristic (SMPTE 268M) → OCIO color space of the ACES configs (ADX10/16
# are in the studio config). Printing density and Cineon log are both 0.002 density per code
# value from 95; ACES reads both as ADX. Others (user defined, unspecified …) are unknown.
DPX_TRANSFERS = {
    "Printing density": "ADX{bits}",
    "Logarithmic": "ADX{bits}",
    "ITU-R 709-4": "Gamma 2.4 Rec.709 - Texture",
    "SMPTE 274M": "Gamma 2.4 Rec.709 - Texture",
    "Linear": "Linear Rec.709 (sRGB)",
}
_MANAGED = {"compression", "DateTime", "Software", "colorInteropID", "ResolutionUnit",
            "XResolution", "YResolution", "planarconfig", "Orientation", "oiio:subimages",
            "screenWindowCenter", "screenWindowWidth", "smpte:TimeCode", "PixelAspectRatio",
            "rtk:colorspace", "Exif:ColorSpace", "ICCProfile", "Compression", "oiio:RowsPerChunk",
            "rtk:data_window", "rtk:display_window"}


@dataclass(frozen=True)
class ImageMetadata:
    """What travels with the pixels.

    colorspace: name of the colour space (an OCIO colour space name where known), or None.
    pixel_aspect: pixel aspect ratio (anamorphic DVD: 1.1852 / 0.8889 …; square: 1.0).
    timecode: SMPTE timecode ``"HH:MM:SS:FF"`` or None.
    data_format: how the file stored its pixels (``half``, ``float``, ``uint8``, ``uint16``,
        ``uint10``) — writers reuse it so an output keeps its input's depth.
    channel_names: e.g. ``("R", "G", "B")``.
    attributes: other string / int / float attributes (e.g. ``rtk:model``), as read.
    """

    colorspace: Optional[str] = None
    pixel_aspect: float = 1.0
    timecode: Optional[str] = None
    data_format: Optional[str] = None
    file_format: Optional[str] = None
    channel_names: Tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def with_attributes(self, **extra: Any) -> "ImageMetadata":
        merged = dict(self.attributes)
        merged.update(extra)
        return replace(self, attributes=merged)


@dataclass(frozen=True)
class Image:
    """Pixels (float32, shape (H, W, C), top row first) and their metadata."""

    pixels: np.ndarray
    metadata: ImageMetadata

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return int(self.pixels.shape[2])


def _oiio():
    import OpenImageIO as oiio  # imported on first use: keeps `import core` light

    return oiio


def _format_name(spec: Any) -> str:
    base = str(spec.format)
    bits = spec.get_int_attribute("oiio:BitsPerSample", 0)
    if base == "uint16" and bits == 10:
        return "uint10"
    return base if base in DATA_FORMATS else ("float" if "float" in base or base == "double" else base)


def read_image_header(path: PathLike) -> ImageMetadata:
    """Metadata and size without the pixels. Raises RTKError if the file cannot be opened."""
    meta, _ = _open_spec(path)
    return meta


def read_image_size(path: PathLike) -> Tuple[int, int]:
    """(width, height) of the picture (the display window), without reading the pixels."""
    _meta, (h, w, _c) = _open_spec(path)
    return w, h


def _open_spec(path: PathLike) -> Tuple[ImageMetadata, Tuple[int, int, int]]:
    p, inp = _open_input(path)
    try:
        spec = inp.spec()
        return _metadata_from_spec(spec, p), (spec.full_height, spec.full_width, spec.nchannels)
    finally:
        inp.close()


def _open_input(path: PathLike) -> Tuple[Path, Any]:
    """An open OpenImageIO ImageInput, or RTKError naming the file."""
    oiio = _oiio()
    p = Path(path)
    if not p.is_file():
        raise RTKError("no such image file", p)
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)  # color channels as stored
    inp = oiio.ImageInput.open(str(p), config)
    if inp is None:
        raise RTKError(f"cannot open image ({_short(oiio.geterror())})", p)
    return p, inp


def read_image(
    path: PathLike, *, channels: Optional[int] = None, allow_nonfinite: bool = False
) -> Image:
    """Read an image file as float32 (H, W, C).

    Integer formats come back in 0–1; float formats as stored. ``channels`` keeps the first
    N channels (e.g. 3 drops alpha); a one-channel image asked for 3 is repeated to grey.
    Raises RTKError naming the file for a missing, unreadable or truncated image, and for
    NaN or infinite pixels unless ``allow_nonfinite`` (then ``rtk:nonfinite`` counts them).
    """
    p, inp = _open_input(path)
    try:
        spec = inp.spec()
        pixels = inp.read_image(0, 0, 0, spec.nchannels, "float")
        err = inp.geterror()
    finally:
        inp.close()
    if pixels is None or err:
        raise RTKError(f"image is damaged or truncated ({_short(err or _oiio().geterror())})", p)
    arr = np.asarray(pixels, dtype=np.float32).reshape(spec.height, spec.width, spec.nchannels)
    meta = _metadata_from_spec(spec, p)
    arr, meta = _on_display_window(arr, spec, meta, p)
    if channels is not None:
        arr = _fit_channels(arr, channels)
    if not np.all(np.isfinite(arr)):
        bad = ~np.isfinite(arr).all(axis=2)
        if not allow_nonfinite:
            y, x = (int(v[0]) for v in np.nonzero(bad))
            raise RTKError(
                f"{int(np.count_nonzero(bad))} pixels are NaN or infinite (first at x={x}, "
                f"y={y} from the top); repair the frame before using it",
                p,
            )
        meta = meta.with_attributes(**{"rtk:nonfinite": int(np.count_nonzero(bad))})
    return Image(np.ascontiguousarray(arr), meta)


def image_shape(path: PathLike) -> Tuple[int, int, int]:
    """(height, width, channels) of the image as read (its display window), header only."""
    return _open_spec(path)[1]


def _on_display_window(arr: np.ndarray, spec: Any, meta: ImageMetadata, path: Path):
    """Data window pixels placed on the display window (black outside the data, overscan
    cropped); ``rtk:data_window`` / ``rtk:display_window`` (x0 y0 x1 y1, exclusive) record
    what the file had when they differ."""
    data = (spec.x, spec.y, spec.x + spec.width, spec.y + spec.height)
    full = (spec.full_x, spec.full_y, spec.full_x + spec.full_width, spec.full_y + spec.full_height)
    if data == full or spec.full_width <= 0 or spec.full_height <= 0:
        return arr, meta
    x0, y0 = max(data[0], full[0]), max(data[1], full[1])
    x1, y1 = min(data[2], full[2]), min(data[3], full[3])
    if x0 >= x1 or y0 >= y1:
        raise RTKError(f"data window {list(data)} lies outside the display window {list(full)} "
                       "(no picture to show)", path)
    out = np.zeros((spec.full_height, spec.full_width, arr.shape[2]), np.float32)
    out[y0 - full[1]:y1 - full[1], x0 - full[0]:x1 - full[0]] = \
        arr[y0 - data[1]:y1 - data[1], x0 - data[0]:x1 - data[0]]
    notes = {"rtk:data_window": " ".join(map(str, data)),
             "rtk:display_window": " ".join(map(str, full))}
    return out, meta.with_attributes(**notes)


def dpx_colorspace(metadata: ImageMetadata) -> Optional[str]:
    """OCIO color space named by a DPX's transfer characteristic (None when unknown)."""
    transfer = str(metadata.attributes.get("dpx:Transfer", ""))
    name = DPX_TRANSFERS.get(transfer)
    if name is None:
        return None
    return name.format(bits=16 if metadata.data_format == "uint16" else 10)


def _fit_channels(arr: np.ndarray, channels: int) -> np.ndarray:
    if arr.shape[2] >= channels:
        return arr[:, :, :channels]
    if arr.shape[2] == 1:
        return np.repeat(arr, channels, axis=2)
    pad = np.zeros(arr.shape[:2] + (channels - arr.shape[2],), np.float32)
    return np.concatenate([arr, pad], axis=2)


def _short(message: str) -> str:
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"


def _metadata_from_spec(spec: Any, path: Path) -> ImageMetadata:
    attrs: Dict[str, Any] = {}
    for a in spec.extra_attribs:
        if a.name not in _CARRIED and (a.name in _MANAGED or a.name.startswith(_MANAGED_PREFIXES)):
            continue
        value = a.value
        if isinstance(value, (str, int, float)):
            attrs[a.name] = value
    colorspace = spec.get_string_attribute("rtk:colorspace") or None
    if colorspace is None:
        declared = spec.get_string_attribute("oiio:ColorSpace")
        # OpenImageIO fills in a guess by file type (and the guess differs between its
        # versions); only a name that is not one of its defaults is a declaration.
        colorspace = declared if declared and declared not in _OIIO_GUESSES else None
    timecode = spec.get_string_attribute("smpte:TimeCode") or None
    meta = ImageMetadata(
        colorspace=colorspace,
        pixel_aspect=float(spec.get_float_attribute("PixelAspectRatio", 1.0) or 1.0),
        timecode=timecode,
        data_format=_format_name(spec),
        file_format=path.suffix.lower().lstrip("."),
        channel_names=tuple(spec.channelnames),
        attributes=attrs,
    )
    if meta.file_format == "dpx" and not spec.get_string_attribute("rtk:colorspace"):
        meta = replace(meta, colorspace=dpx_colorspace(meta))
    return meta


def _timecode_words(timecode: str) -> Tuple[int, int]:
    parts = timecode.replace(";", ":").split(":")
    if len(parts) != 4 or not all(x.isdigit() for x in parts):
        raise RTKError(f"timecode {timecode!r} is not HH:MM:SS:FF")
    bcd = 0
    for value in (int(x) for x in parts):
        bcd = (bcd << 8) | ((value // 10) << 4) | (value % 10)
    return bcd, 0


def temporary_path(path: Path) -> Path:
    """Hidden sibling of ``path`` that keeps the extension (so the writer picks the format)."""
    return path.with_name(f".{path.stem}.rtk-tmp-{os.getpid()}{path.suffix}")


def write_image(
    path: PathLike,
    pixels: np.ndarray,
    metadata: Optional[ImageMetadata] = None,
    *,
    data_format: Optional[str] = None,
    compression: Optional[str] = None,
    protect: Iterable[PathLike] = (),
    channel_names: Optional[Tuple[str, ...]] = None,
) -> Path:
    """Write (H, W, C) or (H, W) pixels atomically; returns the final path.

    data_format: ``half``/``float`` (EXR, TIFF), ``uint8``/``uint16`` (TIFF, PNG, JPEG),
    ``uint10`` (DPX). Defaults come from the extension (EXR half + ZIP, DPX 10-bit, TIFF
    16-bit, PNG/JPEG 8-bit); an input's ``metadata.data_format`` is reused when it suits
    the output format. ``protect`` lists input files this write must never replace.
    """
    oiio = _oiio()
    out = Path(path)
    check_not_input(out, protect)
    refuse_protected(out)
    ext = out.suffix.lower().lstrip(".")
    if ext not in WRITE_DEFAULTS:
        raise RTKError(f"unsupported output format .{ext} (use exr, dpx, tif, png or jpg)", out)
    arr = np.asarray(pixels, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise RTKError(f"pixels must be (H, W, C), got shape {arr.shape}", out)
    default_format, default_compression = WRITE_DEFAULTS[ext]
    fmt = data_format or _reusable_format(metadata, ext) or default_format
    if fmt not in DATA_FORMATS:
        raise RTKError(f"unknown data format {fmt!r} (one of {', '.join(DATA_FORMATS)})", out)
    if fmt in ("uint8", "uint16", "uint10"):
        arr = np.clip(np.nan_to_num(arr, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    if fmt == "uint10":
        # OpenImageIO drops the low bits of its 16-bit buffer: round to 10-bit codes first.
        arr = np.round(arr * 1023.0) / 1023.0
    spec = oiio.ImageSpec(arr.shape[1], arr.shape[0], arr.shape[2], "uint16" if fmt == "uint10" else fmt)
    if fmt == "uint10":
        spec.attribute("oiio:BitsPerSample", 10)
    names = channel_names or (metadata.channel_names if metadata and len(metadata.channel_names) == arr.shape[2] else None)
    if names:
        spec.channelnames = tuple(names)
    comp = compression or default_compression
    if comp:
        spec.attribute("compression", comp)
    spec.attribute("oiio:UnassociatedAlpha", 1)  # write color as given (as it was read)
    if metadata is not None:
        _apply_metadata(spec, metadata, oiio)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(out)
    writer = oiio.ImageOutput.create(str(tmp))
    if writer is None:
        raise RTKError(f"no writer for this format ({_short(oiio.geterror())})", out)
    try:
        if not writer.open(str(tmp), spec):
            raise RTKError(f"cannot write image ({_short(writer.geterror())})", out)
        ok = writer.write_image(np.ascontiguousarray(arr))
        err = writer.geterror()
        writer.close()
        if not ok or err:
            raise RTKError(f"cannot write image ({_short(err)})", out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def _reusable_format(metadata: Optional[ImageMetadata], ext: str) -> Optional[str]:
    if metadata is None or not metadata.data_format:
        return None
    fmt = metadata.data_format
    allowed = {
        "exr": {"half", "float"},
        "dpx": {"uint8", "uint10", "uint16"},
        "tif": {"uint8", "uint16", "float", "half"},
        "tiff": {"uint8", "uint16", "float", "half"},
        "png": {"uint8", "uint16"},
        "jpg": {"uint8"},
        "jpeg": {"uint8"},
    }[ext]
    return fmt if fmt in allowed else None


def _apply_metadata(spec: Any, metadata: ImageMetadata, oiio: Any) -> None:
    if metadata.colorspace:
        spec.attribute("oiio:ColorSpace", metadata.colorspace)
        spec.attribute("rtk:colorspace", metadata.colorspace)
    if metadata.pixel_aspect and abs(metadata.pixel_aspect - 1.0) > 1e-9:
        spec.attribute("PixelAspectRatio", float(metadata.pixel_aspect))
    if metadata.timecode:
        spec.attribute("smpte:TimeCode", oiio.TypeDesc("timecode"), _timecode_words(metadata.timecode))
    for key, value in metadata.attributes.items():
        if key not in _CARRIED and (key in _MANAGED or key.startswith(_MANAGED_PREFIXES)):
            continue
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, (str, int, float)):
            spec.attribute(key, value)
