"""Simulated fading of a chromogenic (dye) film print, for tests, benchmarks and the demo.

The model follows the physics used by Chatterjee, Trumpy & Ruedel (2023), "Digital Unfading
of Chromogenic Film Informed by Its Spectral Densities", Heritage 6(4): fading acts on the
*dye amounts* of each layer (cyan, magenta, yellow), in the density domain, not on RGB:

1. the image is read as the print's transmittance ``T`` (linear light, 0–1) and turned into
   channel densities ``D = -log10(T)`` (status-A-like red/green/blue densities);
2. channel densities come from dye amounts through the dyes' *unwanted absorptions*
   (``crossover``: a cyan dye also absorbs some green, a magenta some blue …), so the dye
   amounts are ``c = M⁻¹ D``;
3. each dye keeps only a fraction of its density (``retention``; in typical Eastmancolor
   prints the yellow and cyan dyes fade most, which leaves the familiar magenta cast);
4. the faded densities are ``M c'`` plus a base fog / stain density (``fog``), and lose some
   saturation (``desaturation``: densities pulled toward their neutral mean);
5. scanner flare lifts the blacks a little (``flare``, a fraction of full transmittance),
   which makes the whole mapping non-linear in density;
6. grain: zero-mean noise of standard deviation ``grain_sigma`` in *output code values*,
   with a correlation length of about ``grain_size`` pixels.

Everything is deterministic given ``rng``. The fading parameters are a small dataclass,
:class:`FadeParameters`; :func:`random_fade_parameters` draws plausible variations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ..core.errors import RTKError

Triple = Tuple[float, float, float]


@dataclass(frozen=True)
class FadeParameters:
    """How a print faded.

    retention: fraction of each dye's density left, (cyan, magenta, yellow), 0–1.
    crossover: unwanted-absorption strength; 0 = ideal block dyes, 1 = the default matrix.
    fog: base + fog/stain density added per channel (red, green, blue densities).
    desaturation: 0–1, how far faded densities are pulled toward their neutral mean.
    flare: scanner flare as a fraction of full-white transmittance (lifts blacks).
    """

    retention: Triple = (0.62, 0.90, 0.42)
    crossover: float = 1.0
    fog: Triple = (0.03, 0.05, 0.09)
    desaturation: float = 0.15
    flare: float = 0.004


DEFAULT_FADE = FadeParameters()

# Unwanted absorptions of typical chromogenic dyes: rows = channel densities (R, G, B),
# columns = dyes (C, M, Y). Diagonal 1 (dye scaled to its own channel).
_UNWANTED = np.array([[0.0, 0.10, 0.02], [0.08, 0.0, 0.14], [0.03, 0.22, 0.0]])
_MAX_DENSITY = 4.0


def dye_matrix(crossover: float) -> np.ndarray:
    """Channel-density-from-dye matrix ``M`` (3×3) for a given crossover strength."""
    return np.eye(3) + float(crossover) * _UNWANTED


def random_fade_parameters(rng: np.random.Generator) -> FadeParameters:
    """Plausible random fading (a print that went magenta, with variation)."""
    return FadeParameters(
        retention=(
            float(rng.uniform(0.55, 0.8)),
            float(rng.uniform(0.82, 0.97)),
            float(rng.uniform(0.35, 0.65)),
        ),
        crossover=float(rng.uniform(0.6, 1.4)),
        fog=(
            float(rng.uniform(0.01, 0.05)),
            float(rng.uniform(0.02, 0.07)),
            float(rng.uniform(0.05, 0.13)),
        ),
        desaturation=float(rng.uniform(0.05, 0.3)),
        flare=float(rng.uniform(0.001, 0.008)),
    )


def _decode(rgb: np.ndarray, encoding: str) -> np.ndarray:
    import colour

    if encoding == "srgb":
        return np.asarray(colour.cctf_decoding(np.clip(rgb, 0.0, 1.0), function="sRGB"), np.float64)
    if encoding == "linear":
        return np.asarray(rgb, np.float64)
    raise RTKError(f"unknown encoding {encoding!r} (srgb or linear)")


def _encode(linear: np.ndarray, encoding: str) -> np.ndarray:
    import colour

    if encoding == "srgb":
        return np.asarray(
            colour.cctf_encoding(np.clip(linear, 0.0, 1.0), function="sRGB"), np.float64
        )
    return linear


def fade_densities(density: np.ndarray, params: FadeParameters = DEFAULT_FADE) -> np.ndarray:
    """Steps 2–4 of the model on channel densities (…, 3) → faded channel densities."""
    m = dye_matrix(params.crossover)
    dyes = np.clip(density @ np.linalg.inv(m).T, 0.0, None)
    faded = (dyes * np.asarray(params.retention)) @ m.T + np.asarray(params.fog)
    mean = faded.mean(axis=-1, keepdims=True)
    return mean + (1.0 - params.desaturation) * (faded - mean)


def simulate_dye_fade(
    rgb: np.ndarray,
    *,
    rng: Optional[np.random.Generator] = None,
    grain_sigma: float = 0.015,
    grain_size: float = 0.8,
    params: FadeParameters = DEFAULT_FADE,
    encoding: str = "srgb",
) -> np.ndarray:
    """Fade an image the way a chromogenic print fades, and add grain.

    rgb: ndarray (H, W, 3), the unfaded image. ``encoding="srgb"`` (default): display sRGB
        code values 0–1 (e.g. scikit-image data images, a Rec.709/sRGB reference);
        ``"linear"``: scene-linear values read as print transmittance (clipped to 0–1).
    rng: numpy Generator for the grain (default: ``np.random.default_rng(0)``).
    grain_sigma: grain standard deviation in output code values (0 = no grain).
    grain_size: grain correlation length in pixels (Gaussian blur sigma of the noise; 0 =
        white noise). The noise is rescaled so its standard deviation stays ``grain_sigma``.
    params: :class:`FadeParameters` (default :data:`DEFAULT_FADE`).

    Returns float32 (H, W, 3) in the same encoding, clipped to 0–1 for sRGB. The input is
    not modified.
    """
    arr = np.asarray(rgb)
    if arr.ndim != 3 or arr.shape[2] < 3:
        raise RTKError(f"expected an (H, W, 3) image, got shape {arr.shape}")
    if not np.all(np.isfinite(arr[..., :3])):
        raise RTKError("image has NaN or infinite pixels")
    transmittance = np.clip(
        _decode(arr[..., :3].astype(np.float64), encoding), 10.0**-_MAX_DENSITY, 1.0
    )
    faded = fade_densities(-np.log10(transmittance), params)
    out_t = 10.0 ** -np.clip(faded, 0.0, _MAX_DENSITY)
    out_t = (out_t + params.flare) / (1.0 + params.flare)
    out = _encode(out_t, encoding)
    if grain_sigma > 0:
        rng = rng if rng is not None else np.random.default_rng(0)
        noise = rng.standard_normal(out.shape)
        if grain_size > 0:
            from scipy.ndimage import gaussian_filter

            noise = gaussian_filter(noise, sigma=(grain_size, grain_size, 0))
            noise /= max(float(noise.std()), 1e-12)
        out = out + grain_sigma * noise
    if encoding == "srgb":
        out = np.clip(out, 0.0, 1.0)
    return out.astype(np.float32)
