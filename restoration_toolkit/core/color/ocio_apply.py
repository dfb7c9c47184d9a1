"""Apply OpenColorIO transforms to float32 images on the CPU, fast.

OpenColorIO's CPU processor is the engine for every apply in this package (fit encodings,
3D LUTs, CDLs, colour-space conversions), so what the toolkit computes is what Nuke's
OCIO nodes compute. Large frames are split into row bands processed on a small thread pool
(OCIO releases the GIL while it works).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Optional

import numpy as np

from ..errors import RTKError


def ocio():
    import PyOpenColorIO

    return PyOpenColorIO


@lru_cache(maxsize=8)
def load_config(config: Optional[str] = None) -> Any:
    """An OCIO config: a file path, an ``ocio://`` built-in URI, or None for a raw config."""
    o = ocio()
    if not config:
        return o.Config.CreateRaw()
    try:
        if config.startswith("ocio://"):
            return (
                o.Config.CreateFromBuiltinConfig(config[len("ocio://") :])
                if hasattr(o.Config, "CreateFromBuiltinConfig")
                else o.Config.CreateFromFile(config)
            )
        return o.Config.CreateFromFile(config)
    except Exception as exc:  # OCIO raises its own Exception type
        raise RTKError(f"cannot load OCIO config: {str(exc).splitlines()[0]}", config) from None


def cpu_processor(transform: Any, config: Optional[str] = None) -> Any:
    """An optimised OCIO CPU processor for ``transform`` (float32 RGB in, out)."""
    o = ocio()
    try:
        proc = load_config(config).getProcessor(transform)
    except Exception as exc:
        raise RTKError(
            f"OpenColorIO cannot build the transform: {str(exc).splitlines()[0]}"
        ) from None
    return proc.getOptimizedCPUProcessor(o.BIT_DEPTH_F32, o.BIT_DEPTH_F32, o.OPTIMIZATION_DEFAULT)


def apply_processor(
    rgb: np.ndarray, processor: Any, *, threads: Optional[int] = None
) -> np.ndarray:
    """Apply a CPU processor to the first three channels of ``rgb`` (…, C); returns a new
    float32 array (extra channels such as alpha are copied unchanged)."""
    arr = np.asarray(rgb)
    if arr.shape[-1] < 3:
        raise RTKError(f"expected at least 3 channels, got shape {arr.shape}")
    if arr.shape[-1] == 3:  # the common case: one contiguous float32 copy, processed in place
        out = np.array(arr, dtype=np.float32, copy=True, order="C")
        pixels = out.reshape(-1, 3)
    else:
        out = np.array(arr, dtype=np.float32, copy=True, order="C")
        pixels = np.ascontiguousarray(out[..., :3]).reshape(-1, 3)
    n = pixels.shape[0]
    workers = threads if threads is not None else min(2, os.cpu_count() or 1)

    width = int(arr.shape[-2]) if arr.ndim >= 3 else 2048

    def run(band: np.ndarray) -> None:
        # PackedImageDesc scanlines of ``width`` pixels: OCIO's own SIMD loop (applyRGB from
        # Python, or one enormous scanline, is several times slower)
        rows, rest = divmod(band.shape[0], width)
        if rows:
            processor.apply(ocio().PackedImageDesc(band[: rows * width], width, rows, 3))
        if rest:
            processor.apply(ocio().PackedImageDesc(band[rows * width :], rest, 1, 3))

    if workers <= 1 or n < 65536:
        run(pixels)
    else:
        bounds = np.linspace(0, n // width, workers + 1).astype(int) * width
        bounds[-1] = n
        bands = [pixels[bounds[i] : bounds[i + 1]] for i in range(workers)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, bands))
    if arr.shape[-1] != 3:
        out[..., :3] = pixels.reshape(out.shape[:-1] + (3,))
    return out


def convert_colorspace(
    rgb: np.ndarray, src: str, dst: str, config: Optional[str] = None
) -> np.ndarray:
    """Convert between two colour spaces of an OCIO config (names as the config spells them)."""
    if src == dst:
        return np.array(rgb, np.float32, copy=True)
    cfg = load_config(config)
    for name in (src, dst):
        if cfg.getColorSpace(name) is None:
            raise RTKError(f"colour space {name!r} is not in the OCIO config", config)
    return apply_processor(rgb, cpu_processor(ocio().ColorSpaceTransform(src=src, dst=dst), config))
