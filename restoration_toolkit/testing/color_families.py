"""Five ways colors go wrong, for the color benchmark: each makes (scan, reference, truth).

Every family is written here, in ``restoration_toolkit.testing``, independently of every
fitting method (nothing imports ``core.color``), and none is used to choose a default:

- ``a`` dye-density fading with random parameters (:mod:`.fades`: the physics the
  ``dye-density`` method inverts — the family that favours it);
- ``b`` a spectral fade of a print made of published dye spectra, scanned by a camera
  (:mod:`.spectral_fade`);
- ``c`` a telecine / video transfer (:mod:`.video_transfer`);
- ``d`` printed, then faded with a density-dependent dye loss (:mod:`.print_fade`);
- ``e`` a faded scan against a reference that is soft, JPEG-compressed and differently toned
  (:mod:`.fades` + :mod:`.reference_degrade`); scored chroma-only, as color recovery's ground
  truth is built (the scan's luminance, the reference's chroma).

Images are scene-linear sRGB/Rec.709 float32 (H, W, 3). Film grain (σ in sRGB code values,
~0.8 px correlation) is added to every scan; ``scan_clean`` is the same scan without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from .fades import fade_densities, random_fade_parameters
from .print_fade import print_fade, random_print_fade
from .reference_degrade import degrade_reference, random_reference_degrade
from .spectral_fade import print_image, random_spectral_fade, spectral_fade
from .video_transfer import random_video_transfer, video_transfer

GRAIN_SIGMA = 0.012  # sRGB code values
GRAIN_SIZE = 0.8  # px


@dataclass(frozen=True)
class FamilyPair:
    """``scan`` (grainy, what the fit gets), ``scan_clean`` (the same without grain, what a
    held-out image is graded from), ``reference`` (the fit's target), ``truth`` (what a
    perfect restoration shows)."""

    scan: np.ndarray
    scan_clean: np.ndarray
    reference: np.ndarray
    truth: np.ndarray


@dataclass(frozen=True)
class Family:
    key: str
    name: str
    chroma_only: bool
    draw: Callable[[np.random.Generator], Any]
    prepare: Callable[[np.ndarray], Any]
    make: Callable[[Any, Any], Tuple[np.ndarray, np.ndarray, np.ndarray]]

    def pair(self, prepared: Any, params: Any, rng: np.random.Generator,
             grain: float = GRAIN_SIGMA) -> FamilyPair:
        """A pair from an image :meth:`prepare` d once (seeded grain from ``rng``)."""
        scan, reference, truth = self.make(prepared, params)
        return FamilyPair(add_grain(scan, rng, grain), scan, reference, truth)


def _encode(linear: np.ndarray) -> np.ndarray:
    x = np.clip(linear, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def _decode(code: np.ndarray) -> np.ndarray:
    v = np.clip(code, 0.0, 1.0)
    return np.where(v <= 0.04045, v / 12.92, np.power((v + 0.055) / 1.055, 2.4))


def add_grain(linear: np.ndarray, rng: np.random.Generator, sigma: float = GRAIN_SIGMA,
              size: float = GRAIN_SIZE) -> np.ndarray:
    """Correlated grain of standard deviation ``sigma`` in sRGB code values."""
    if sigma <= 0:
        return np.asarray(linear, np.float32)
    from scipy.ndimage import gaussian_filter

    noise = gaussian_filter(rng.standard_normal(linear.shape), sigma=(size, size, 0))
    noise /= max(float(noise.std()), 1e-12)
    return _decode(_encode(linear) + sigma * noise).astype(np.float32)


def _dye_fade(linear: np.ndarray, params: Any) -> np.ndarray:
    t = np.clip(np.asarray(linear, np.float64), 1e-4, 1.0)
    faded = fade_densities(-np.log10(t), params)
    out = 10.0 ** -np.clip(faded, 0.0, 4.0)
    return ((out + params.flare) / (1.0 + params.flare)).astype(np.float32)


def _same(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, np.float32)


def _make_a(img: np.ndarray, p: Any):
    return _dye_fade(img, p), img, img


def _make_b(prepared: Tuple[np.ndarray, np.ndarray], p: Any):
    dyes, truth = prepared
    return spectral_fade(dyes, p), truth, truth


def _make_c(img: np.ndarray, p: Any):
    return video_transfer(img, p), img, img


def _make_d(img: np.ndarray, p: Any):
    out = print_fade(img, p)
    return out["scan"], out["reference"], out["reference"]


def _draw_e(rng: np.random.Generator) -> Tuple[Any, Any]:
    return random_fade_parameters(rng), random_reference_degrade(rng)


def _make_e(img: np.ndarray, p: Tuple[Any, Any]):
    fade, degrade = p
    return _dye_fade(img, fade), degrade_reference(img, degrade), img


FAMILIES: Dict[str, Family] = {
    f.key: f
    for f in (
        Family("a", "dye-density fade (random parameters)", False, random_fade_parameters,
               _same, _make_a),
        Family("b", "spectral fade (Kodak 2383 dye spectra, camera scan)", False,
               random_spectral_fade, print_image, _make_b),
        Family("c", "telecine / video transfer", False, random_video_transfer, _same, _make_c),
        Family("d", "printed, then faded", False, random_print_fade, _same, _make_d),
        Family("e", "soft, JPEG, other-gamma reference (chroma-only)", True, _draw_e, _same,
               _make_e),
    )
}


def family(key: str) -> Family:
    try:
        return FAMILIES[key]
    except KeyError:
        raise KeyError(f"unknown family {key!r} (one of {', '.join(FAMILIES)})") from None


def srgb_to_linear(code: np.ndarray, headroom: Optional[float] = None) -> np.ndarray:
    """sRGB code values (0–1) → linear, optionally scaled by ``headroom`` (< 1 leaves room
    above the brightest pixel for the fades that brighten)."""
    out = _decode(np.asarray(code, np.float64))
    return (out * (headroom or 1.0)).astype(np.float32)
