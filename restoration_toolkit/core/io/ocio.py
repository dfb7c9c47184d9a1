"""Colour-space conversion through OpenColorIO (the pipeline is OCIO/ACES).

Names are colour spaces of the project's OCIO config (default: OCIO's built-in ACES 1.3 CG
config, ``ocio://cg-config-v1.0.0_aces-v1.3_ocio-v2.1``): e.g. ``ACES2065-1``, ``ACEScg``,
``ACEScct``, ``sRGB - Texture``, ``Gamma 2.4 Rec.709 - Texture``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, List

import numpy as np

from ..errors import RTKError
from ..project import DEFAULT_OCIO_CONFIG


@lru_cache(maxsize=8)
def load_config(config: str = DEFAULT_OCIO_CONFIG) -> Any:
    import PyOpenColorIO as ocio

    try:
        return ocio.Config.CreateFromFile(config)
    except Exception as exc:  # OCIO raises its own Exception type
        raise RTKError(f"cannot load OCIO config ({str(exc).splitlines()[0]})", config) from None


def colorspace_names(config: str = DEFAULT_OCIO_CONFIG) -> List[str]:
    return [cs.getName() for cs in load_config(config).getColorSpaces()]


@lru_cache(maxsize=64)
def _processor(config: str, src: str, dst: str) -> Any:
    cfg = load_config(config)
    for name in (src, dst):
        if cfg.getColorSpace(name) is None:
            raise RTKError(f"colour space {name!r} is not in the OCIO config (known: "
                           f"{', '.join(colorspace_names(config)[:12])} …)", config)
    return cfg.getProcessor(src, dst).getDefaultCPUProcessor()


def convert_colorspace(rgb: np.ndarray, src: str, dst: str, *, config: str = DEFAULT_OCIO_CONFIG) -> np.ndarray:
    """Convert (H, W, 3) float pixels from colour space ``src`` to ``dst``; returns a new
    float32 array (the input is not modified). Extra channels (alpha) are carried unchanged."""
    arr = np.asarray(rgb, np.float32)
    if src == dst:
        return arr.copy()
    out = np.ascontiguousarray(arr[..., :3], dtype=np.float32).copy()
    _processor(config, src, dst).applyRGB(out)
    if arr.shape[-1] > 3:
        out = np.concatenate([out, arr[..., 3:]], axis=-1)
    return out
