"""Colour-space conversion through OpenColorIO (the pipeline is OCIO/ACES).

Names are colour spaces of the project's OCIO config: e.g. ``ACES2065-1``, ``ACEScg``,
``ACEScct``, ``sRGB - Texture``, ``Gamma 2.4 Rec.709 - Texture``; ``ADX10`` (printing-density
DPX scans) is in the studio config. Which config: the one the project names; else ``$OCIO``
when it is set (as Nuke and every OCIO application do); else OCIO's built-in ACES 1.3 CG
config, ``ocio://cg-config-v1.0.0_aces-v1.3_ocio-v2.1`` (:func:`default_config`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, List, Optional, Tuple

import numpy as np

from ..errors import RTKError
from ..project import DEFAULT_OCIO_CONFIG

# The ACES 1.3 studio config built into OCIO ≥ 2.2: the CG config's spaces plus camera and
# film-scan encodings (ADX10 / ADX16 for printing-density DPX).
STUDIO_OCIO_CONFIG = "ocio://studio-config-v1.0.0_aces-v1.3_ocio-v2.1"


def default_config() -> Tuple[str, str]:
    """(config, where it came from) when a project names none: ``$OCIO`` if set, else the
    built-in ACES CG config."""
    env = os.environ.get("OCIO", "").strip()
    return (env, "$OCIO") if env else (DEFAULT_OCIO_CONFIG, "built-in default")


def config_for_colorspace(name: str, config: Optional[str] = None) -> str:
    """``config`` (default: :func:`default_config`) when it has ``name``; the built-in studio
    config when only that one has it (ADX10 against the CG default); RTKError otherwise."""
    config = config or default_config()[0]
    if load_config(config).getColorSpace(name) is not None:
        return config
    if config == DEFAULT_OCIO_CONFIG and load_config(STUDIO_OCIO_CONFIG).getColorSpace(name):
        return STUDIO_OCIO_CONFIG
    raise RTKError(f"colour space {name!r} is not in the OCIO config", config)


@lru_cache(maxsize=8)
def load_config(config: str = DEFAULT_OCIO_CONFIG) -> Any:
    import PyOpenColorIO as ocio

    try:
        return ocio.Config.CreateFromFile(config)
    except Exception as exc:  # OCIO raises its own Exception type
        raise RTKError(f"cannot load OCIO config ({str(exc).splitlines()[0]})", config) from None


def colorspace_names(config: Optional[str] = None) -> List[str]:
    return [cs.getName() for cs in load_config(config or default_config()[0]).getColorSpaces()]


@lru_cache(maxsize=64)
def _processor(config: str, src: str, dst: str) -> Any:
    cfg = load_config(config)
    for name in (src, dst):
        if cfg.getColorSpace(name) is None:
            raise RTKError(f"colour space {name!r} is not in the OCIO config (known: "
                           f"{', '.join(colorspace_names(config)[:12])} …)", config)
    return cfg.getProcessor(src, dst).getDefaultCPUProcessor()


def convert_colorspace(
    rgb: np.ndarray, src: str, dst: str, *, config: Optional[str] = None
) -> np.ndarray:
    """Convert (H, W, 3) float pixels from colour space ``src`` to ``dst``; returns a new
    float32 array (the input is not modified). Extra channels (alpha) are carried unchanged.
    ``config``: an OCIO config file or ``ocio://`` name (default: :func:`default_config`)."""
    config = config or default_config()[0]
    arr = np.asarray(rgb, np.float32)
    if src == dst:
        return arr.copy()
    out = np.ascontiguousarray(arr[..., :3], dtype=np.float32).copy()
    _processor(config, src, dst).applyRGB(out)
    if arr.shape[-1] > 3:
        out = np.concatenate([out, arr[..., 3:]], axis=-1)
    return out
