"""A spectral fade: a print made of published dye spectra, faded, and scanned by a camera.

Benchmark family (b). Independent of every fitting method (nothing in ``core.color`` reads
it), and unlike :mod:`.fades` it does not work on channel densities at all:

1. **Print.** Each pixel is three dye amounts (cyan, magenta, yellow); the print's spectral
   density is ``D(λ) = c·Dc(λ) + m·Dm(λ) + y·Dy(λ) + base(λ)`` with the *published* spectral
   dye densities of KODAK VISION Color Print Film 2383 (Kodak technical data H-1-2383t,
   digitised by J. Lohse — ``data/kodak_2383_spectral_dye_density.json`` says where from).
2. **Truth.** The print seen in projection: transmittance ``10^-D(λ)`` under CIE D65, through
   the CIE 1931 2° observer to XYZ and linear sRGB (colour-science), clear base = white. An
   image is turned into dye amounts by Newton's method per pixel (exact Jacobian of the
   rendering); colors no three dyes can make are replaced by the nearest the print can show,
   so the truth is always what this print showed.
3. **Fade.** Each dye keeps a random fraction of its amount (cyan and yellow fade faster than
   magenta, the usual Eastmancolor order) and the base gains a yellow-brown stain (density
   falling off from the violet).
4. **Scan.** The faded print under D65 through a *camera's* spectral sensitivities (Nikon
   5100, NPL measurements shipped with colour-science), white-balanced on clear base, plus a
   little flare: scanner RGB is not colorimetric, so no 3×3 in any encoding undoes this.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Tuple

import numpy as np

DATA = Path(__file__).with_name("data") / "kodak_2383_spectral_dye_density.json"
WAVELENGTHS = np.arange(380.0, 781.0, 5.0)
CAMERA = "Nikon 5100 (NPL)"
BASE_DENSITY = 0.05  # a clear print base, flat


@dataclass(frozen=True)
class SpectralFade:
    """retention: fraction of each dye left (cyan, magenta, yellow); stain: extra base
    density at 380 nm (falls off with a 60 nm scale); flare: scanner flare (fraction of white)."""

    retention: Tuple[float, float, float]
    stain: float
    flare: float


def random_spectral_fade(rng: np.random.Generator) -> SpectralFade:
    return SpectralFade(
        retention=(float(rng.uniform(0.45, 0.8)), float(rng.uniform(0.8, 0.97)),
                   float(rng.uniform(0.35, 0.7))),
        stain=float(rng.uniform(0.03, 0.15)),
        flare=float(rng.uniform(0.0, 0.006)),
    )


@lru_cache(maxsize=1)
def dye_densities() -> np.ndarray:
    """(3, L) spectral densities of the cyan, magenta and yellow dyes on WAVELENGTHS."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    rows = []
    for dye in ("cyan", "magenta", "yellow"):
        pts = np.asarray(data[dye], np.float64)
        rows.append(np.interp(WAVELENGTHS, pts[:, 0], pts[:, 1]))
    return np.stack(rows)


@lru_cache(maxsize=2)
def _weights(observer: str) -> np.ndarray:
    """(3, L) weights: RGB = weights @ transmittance(λ), white (T = 1) → (1, 1, 1)."""
    import colour

    shape = colour.SpectralShape(380, 780, 5)
    light = colour.SDS_ILLUMINANTS["D65"].copy().align(shape).values
    if observer == "eye":
        cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape).values
        xyz = (cmfs * light[:, None]).T
        rgb = colour.RGB_COLOURSPACES["sRGB"].matrix_XYZ_to_RGB @ xyz
    else:
        rgb = (colour.MSDS_CAMERA_SENSITIVITIES[CAMERA].copy().align(shape).values
               * light[:, None]).T
    return rgb / rgb.sum(axis=1, keepdims=True)


def render(dyes: np.ndarray, observer: str = "eye", stain: float = 0.0) -> np.ndarray:
    """Dye amounts (N, 3) → linear RGB (N, 3): ``eye`` = CIE observer → linear sRGB,
    ``camera`` = the scanner's RGB."""
    base = BASE_DENSITY + stain * np.exp(-(WAVELENGTHS - 380.0) / 60.0)
    density = dyes @ dye_densities() + base
    return (10.0 ** -density) @ _weights(observer).T


def dyes_from_rgb(linear: np.ndarray, iterations: int = 12) -> np.ndarray:
    """Dye amounts (N, 3) whose ``eye`` rendering is closest to linear sRGB ``linear`` (N, 3):
    Gauss–Newton in log RGB with the exact Jacobian, amounts kept ≥ 0."""
    target = np.log(np.clip(linear, 1e-4, 1.0))
    spectra = dye_densities()
    weights = _weights("eye")
    base = BASE_DENSITY
    # start: the density of each channel over the dye's own peak density
    d = np.clip(-np.log10(np.clip(linear, 1e-4, 1.0)) - base, 0.0, None) @ np.linalg.pinv(
        weights @ spectra.T).T
    d = np.clip(d, 0.0, 6.0)
    for _ in range(iterations):
        t = 10.0 ** -(d @ spectra + base)  # (N, L)
        rgb = t @ weights.T  # (N, 3)
        # d rgb_i / d d_k = −ln10 Σ_λ w_iλ t_λ s_kλ ; in log: divide by rgb_i
        jac = -np.log(10.0) * np.stack([(t * weights[i]) @ spectra.T for i in range(3)], 1)
        jac /= np.maximum(rgb, 1e-12)[:, :, None]
        resid = target - np.log(np.maximum(rgb, 1e-12))
        step = np.linalg.solve(jac + 1e-9 * np.eye(3), resid[:, :, None])[:, :, 0]
        d = np.clip(d + step, 0.0, 6.0)
    return d


def print_image(truth_linear: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """An image (H, W, 3) linear sRGB → (dye amounts (H, W, 3), the print as seen (H, W, 3)
    float32, linear sRGB): the truth of this family."""
    h, w = truth_linear.shape[:2]
    dyes = dyes_from_rgb(np.asarray(truth_linear[..., :3], np.float64).reshape(-1, 3))
    truth = render(dyes, "eye").reshape(h, w, 3).astype(np.float32)
    return dyes.reshape(h, w, 3), truth


def spectral_fade(dyes: np.ndarray, fade: SpectralFade) -> np.ndarray:
    """The faded print (dye amounts (H, W, 3) from :func:`print_image`) as the scanner sees
    it: linear camera RGB (H, W, 3) float32, clear base ≈ 0.89 like the truth's."""
    h, w = dyes.shape[:2]
    faded = dyes.reshape(-1, 3) * np.asarray(fade.retention)
    scan = render(faded, "camera", fade.stain)
    scan = (scan + fade.flare) / (1.0 + fade.flare)
    return scan.reshape(h, w, 3).astype(np.float32)
