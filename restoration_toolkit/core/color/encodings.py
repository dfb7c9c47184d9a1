"""Encodings the color fit works in: per-channel transfer curves from scene-linear to ~0–1.

Artists put Nuke's MatchGrade between a Lin→Log and a Log→Lin because a grade is simpler
(closer to affine, better spread over the LUT lattice) in a log-like encoding. Every
encoding here is a per-channel curve with no change of primaries, defined once as an
OpenColorIO transform (so the .cube shaper is exactly what Nuke's OCIO nodes do):

- ``linear``: identity (LUT domain 0–1 of linear light);
- ``srgb``: the sRGB piecewise curve (IEC 61966-2-1), display-like;
- ``log2``: log2 exposure around 18 % grey, −10…+6.5 stops mapped to 0–1;
- ``acescct``: the ACEScct curve (S-2016-001), as Nuke's "ACEScct" colour space applies it
  (per channel only: the primaries are left as they are);
- ``density``: log10 of transmittance over four decades, 0 = density 4, 1 = density 0 —
  the print-density domain of the dye model.

The benchmark (docs/benchmarks/color.md) measures which fits best.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict

import numpy as np

from ..errors import RTKError
from .ocio_apply import apply_processor, cpu_processor, ocio

LOG2_MIN_STOPS = -10.0
LOG2_MAX_STOPS = 6.5
DENSITY_DECADES = 4.0


def _floor(value: float, t: Any) -> Any:
    """Clamp linear values below ``value`` (the bottom of a log encoding's range) first, so
    black and negative pixels encode to the range's bottom instead of −∞."""
    o = ocio()
    r = o.RangeTransform()
    r.setStyle(o.RANGE_CLAMP)
    r.setMinInValue(value)
    r.setMinOutValue(value)
    return o.GroupTransform([r, t])


def _log2() -> Any:
    o = ocio()
    span = LOG2_MAX_STOPS - LOG2_MIN_STOPS
    t = o.LogAffineTransform(
        linSideSlope=[1 / 0.18] * 3,
        linSideOffset=[0.0] * 3,
        logSideSlope=[1 / span] * 3,
        logSideOffset=[-LOG2_MIN_STOPS / span] * 3,
    )
    t.setBase(2.0)
    return _floor(0.18 * 2.0**LOG2_MIN_STOPS, t)


def _acescct() -> Any:
    return ocio().LogCameraTransform(
        linSideBreak=[0.0078125] * 3,
        base=2.0,
        logSideSlope=[1 / 17.52] * 3,
        logSideOffset=[9.72 / 17.52] * 3,
        linSideSlope=[1.0] * 3,
        linSideOffset=[0.0] * 3,
    )


def _density() -> Any:
    t = ocio().LogAffineTransform(logSideSlope=[1 / DENSITY_DECADES] * 3, logSideOffset=[1.0] * 3)
    t.setBase(10.0)
    return _floor(10.0**-DENSITY_DECADES, t)


def _srgb() -> Any:
    o = ocio()
    return o.ExponentWithLinearTransform(
        gamma=[2.4, 2.4, 2.4, 1.0],
        offset=[0.055, 0.055, 0.055, 0.0],
        direction=o.TRANSFORM_DIR_INVERSE,
    )


def _linear() -> Any:
    return ocio().MatrixTransform()


@dataclass(frozen=True)
class Encoding:
    """A fit encoding: ``name``, a description and its OCIO linear→encoded transform."""

    name: str
    description: str
    factory: Callable[[], Any]

    def ocio_transform(self, inverse: bool = False) -> Any:
        """OCIO transform linear→encoded (``inverse=True``: encoded→linear)."""
        t = self.factory()
        if inverse:
            o = ocio()
            t.setDirection(
                o.TRANSFORM_DIR_FORWARD
                if t.getDirection() == o.TRANSFORM_DIR_INVERSE
                else o.TRANSFORM_DIR_INVERSE
            )
        return t

    def encode(self, linear: np.ndarray) -> np.ndarray:
        """Scene-linear (…, 3) → encoded float32 (about 0–1 over the useful range)."""
        return _apply(self, linear, inverse=False)

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        """Encoded (…, 3) → scene-linear float32."""
        return _apply(self, encoded, inverse=True)


def _apply(enc: Encoding, values: np.ndarray, inverse: bool) -> np.ndarray:
    arr = np.asarray(values, np.float32)
    shape = arr.shape
    flat = arr.reshape(-1, 3)
    out = apply_processor(flat, cpu_processor(enc.ocio_transform(inverse)))
    return out.reshape(shape)


ENCODINGS: Dict[str, Encoding] = {
    e.name: e
    for e in (
        Encoding("linear", "scene-linear, no curve", _linear),
        Encoding("srgb", "sRGB piecewise curve (display-like)", _srgb),
        Encoding(
            "log2",
            f"log2 exposure around 0.18, {LOG2_MIN_STOPS:g}…+{LOG2_MAX_STOPS:g} stops",
            _log2,
        ),
        Encoding("acescct", "ACEScct curve (per channel, primaries unchanged)", _acescct),
        Encoding(
            "density", f"log10 transmittance, {DENSITY_DECADES:g} decades (print density)", _density
        ),
    )
}


def get_encoding(name: str) -> Encoding:
    try:
        return ENCODINGS[name]
    except KeyError:
        raise RTKError(f"unknown encoding {name!r} (one of {', '.join(ENCODINGS)})") from None
