"""How a color fit is judged: ΔE2000 per sample, read in the working space, after the same
composition the grade will be applied with (full, or chroma-only)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Tuple

import numpy as np

from ..errors import RTKError
from .chroma_only import keep_scan_luminance

#: a sample whose ΔE cannot be computed (NaN from a wild prediction) counts as this far off
WORST_DE = 100.0
_SPACES = {"linear-srgb": ("sRGB", "sRGB"), "acescg": ("ACEScg", "ACEScg"),
           "aces2065-1": ("ACES2065-1", "ACEScg")}


@lru_cache(maxsize=8)
def _lab_setup(encoding: str) -> Tuple[np.ndarray, np.ndarray]:
    """RGB→XYZ matrix and Lab white of a measure encoding, as core.validation.metrics.color
    defines them (looked up once: the fits score thousands of times)."""
    import colour

    if encoding not in _SPACES:
        raise RTKError(f"unknown measure encoding {encoding!r} (one of {', '.join(_SPACES)})")
    space, white = _SPACES[encoding]
    matrix = np.asarray(colour.RGB_COLOURSPACES[space].matrix_RGB_to_XYZ, np.float64)
    return matrix, np.asarray(colour.RGB_COLOURSPACES[white].whitepoint, np.float64)


def sample_de2000(target: np.ndarray, pred: np.ndarray, encoding: str) -> np.ndarray:
    """ΔE2000 (N,) between scene-linear RGB rows (N, 3), colour-science's CIE 2000 formula;
    the same figures as :func:`core.validation.metrics.color.delta_e2000`."""
    import colour

    matrix, white = _lab_setup(encoding)
    lab = [colour.XYZ_to_Lab(np.asarray(v, np.float64) @ matrix.T, white) for v in (target, pred)]
    return np.asarray(colour.difference.delta_E_CIE2000(lab[0], lab[1]), np.float64)


@dataclass(frozen=True)
class Scorer:
    """``measure_encoding``: how ΔE2000 reads the working space (``linear-srgb``, ``acescg``
    …, see core.validation.metrics.color); ``chroma_only``: predictions are composed with
    the scan's luminance before they are compared (the target already is)."""

    measure_encoding: str = "linear-srgb"
    chroma_only: bool = False

    def errors(self, source: np.ndarray, target: np.ndarray, pred: np.ndarray) -> np.ndarray:
        """ΔE2000 (N,) of predictions ``pred`` (N, 3) against ``target`` (N, 3), all
        scene-linear working space; ``source`` is the scan (for chroma-only)."""
        p = np.asarray(pred, np.float32)[..., :3]
        if self.chroma_only:
            p = keep_scan_luminance(source, p)
        encoding = "linear-srgb" if self.measure_encoding == "srgb" else self.measure_encoding
        p = np.clip(np.nan_to_num(p, nan=0.0, posinf=1e4, neginf=0.0), 0.0, 1e4)
        t = np.clip(np.asarray(target, np.float32)[..., :3], 0.0, None)
        return np.nan_to_num(sample_de2000(t, p, encoding), nan=WORST_DE)

    def mean(self, source: np.ndarray, target: np.ndarray, pred: np.ndarray,
             weight: np.ndarray) -> float:
        """Weighted mean ΔE2000 (weights: the samples' confidence)."""
        de = self.errors(source, target, pred)
        return float(np.average(de, weights=np.maximum(weight, 1e-12)))
