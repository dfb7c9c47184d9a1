"""Printed, then faded (benchmark family (d)).

A scene is printed on a print stock with its own S-shaped characteristic curve per layer,
the print's dyes have their own unwanted absorptions, and then the print fades — with a dye
loss that is *not* a fixed fraction per layer (as :mod:`.fades` and the ``dye-density``
method assume) but slower where there is more dye (dense areas shield themselves), plus a
base stain and scanner flare. The reference is the unfaded print; the fit must undo a fade
that acts on the print's densities, non-linearly.

1. scene light → print density per layer: ``D = Dmin + (Dmax − Dmin) / (1 + exp(k·(log10(E /
   0.18) − e0)))`` (a positive: more light, less density; 18 % grey at about density 1);
2. dye amounts from channel densities through this module's own crossover matrix;
3. fading: ``c' = c · r^(1 / (1 + c / c0))`` (retention ``r`` for thin dye, closer to 1 for
   thick), then base stain and flare.

Written independently of every fitting method (no ``core.color`` import).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

Triple = Tuple[float, float, float]
# channel densities (R, G, B) from dye amounts (C, M, Y): this stock's unwanted absorptions
_CROSSOVER = np.array([[1.0, 0.07, 0.03], [0.12, 1.0, 0.10], [0.05, 0.30, 1.0]])
_DMIN = 0.06
_E0 = -0.33


@dataclass(frozen=True)
class PrintFade:
    contrast: Triple      # k per layer (slope of the S-curve)
    dmax: float
    retention: Triple     # thin-dye retention per dye (C, M, Y)
    shield: float         # c0: dye amount at which the loss halves its exponent
    stain: Triple         # base stain density added per channel (R, G, B)
    flare: float


def random_print_fade(rng: np.random.Generator) -> PrintFade:
    return PrintFade(
        contrast=tuple(float(v) for v in rng.uniform(2.2, 3.2, 3)),  # type: ignore[arg-type]
        dmax=float(rng.uniform(3.0, 3.6)),
        retention=(float(rng.uniform(0.45, 0.75)), float(rng.uniform(0.8, 0.95)),
                   float(rng.uniform(0.35, 0.65))),
        shield=float(rng.uniform(0.8, 2.0)),
        stain=(float(rng.uniform(0.0, 0.03)), float(rng.uniform(0.01, 0.05)),
               float(rng.uniform(0.04, 0.12))),
        flare=float(rng.uniform(0.001, 0.006)),
    )


def print_fade(scene_linear: np.ndarray, p: PrintFade) -> Dict[str, np.ndarray]:
    """``reference`` (the unfaded print, linear transmittance) and ``scan`` (the faded print
    as scanned), (H, W, 3) float32, from a scene-linear image (H, W, 3)."""
    e = np.log10(np.clip(np.asarray(scene_linear[..., :3], np.float64), 1e-4, None) / 0.18)
    k = np.asarray(p.contrast)
    # a positive print: more scene light, less density; 18 % grey prints at density ≈ 1
    density = _DMIN + (p.dmax - _DMIN) / (1.0 + np.exp(k * (e - _E0)))
    dyes = np.clip((density - _DMIN) @ np.linalg.inv(_CROSSOVER).T, 0.0, None)
    reference = 10.0 ** -(dyes @ _CROSSOVER.T + _DMIN)
    r = np.asarray(p.retention)
    faded = dyes * np.power(r, 1.0 / (1.0 + dyes / p.shield))
    scan = 10.0 ** -(faded @ _CROSSOVER.T + _DMIN + np.asarray(p.stain))
    scan = (scan + p.flare) / (1.0 + p.flare)
    return {"reference": reference.astype(np.float32), "scan": scan.astype(np.float32)}
