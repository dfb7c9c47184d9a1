"""Training loss: masked L1 plus a grain-keeping term on local high-pass energy.

Why not plain L1 (or L2): film grain is random. Where the ground truth carries grain the
network cannot predict (spatial recovery: the 35 mm grain of the better element), any
per-pixel loss is minimised by the *average* of the possible grain patterns — a smooth,
waxy image. CopyCat shows the same tendency on long trainings. So besides the per-pixel L1
(which teaches colour and structure) we compare how much fine texture there is, not where
its peaks are:

    energy(x) = sqrt( box_7×7( (x − gauss_σ1.5(x))² ) + ε )       per channel

and penalise ``|energy(output) − energy(ground truth)|``. The high-pass removes colour and
shading; the box average removes the phase of the grain, so the term is blind to *which*
grain the output has and only asks that it has as much as the ground truth — a blurred
output is penalised, a plausibly grainy one is not. (A loss on the residual's Fourier
magnitude does the same job but cannot be masked per pixel; this local form can.)

Masking: ``mask`` (N, 1, H, W) in [0, 1] is the alignment confidence times the live area.
Pixels weigh by their mask and the sum is divided by the total weight, so a masked pixel
(mask 0: letterbox bars, subtitles, damage, misaligned areas) never teaches. For the energy
term the mask is first eroded by the filters' footprint (13×13), so no value from a masked
pixel can leak into a kept one through the filters.

Tensors: (N, C, H, W) float32, any value range. The trainer passes log-encoded values
(``model.encode``: film density is logarithmic, so equal errors are roughly equally visible
in shadows and highlights, and grain has about the same amplitude everywhere).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

GAUSS_SIGMA = 1.5
GAUSS_RADIUS = 3
ENERGY_BOX = 7
FOOTPRINT = 2 * GAUSS_RADIUS + ENERGY_BOX  # 13: total reach of high-pass + box average
EPS = 1e-6


@dataclass(frozen=True)
class LossParts:
    """The loss and its two terms (tensors, so the total can be back-propagated)."""

    total: torch.Tensor
    l1: torch.Tensor
    grain: torch.Tensor


def _gauss_kernel(channels: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    x = torch.arange(-GAUSS_RADIUS, GAUSS_RADIUS + 1, device=device, dtype=dtype)
    g = torch.exp(-(x**2) / (2 * GAUSS_SIGMA**2))
    g = g / g.sum()
    k = g[:, None] * g[None, :]
    return k.expand(channels, 1, k.shape[0], k.shape[1]).contiguous()


def high_pass(x: torch.Tensor) -> torch.Tensor:
    """x minus its Gaussian blur (σ = 1.5 px): grain and fine detail, no colour or shading."""
    c = x.shape[1]
    blurred = F.conv2d(
        F.pad(x, [GAUSS_RADIUS] * 4, mode="replicate"),
        _gauss_kernel(c, x.device, x.dtype),
        groups=c,
    )
    return x - blurred


def local_energy(x: torch.Tensor) -> torch.Tensor:
    """RMS of the high-pass over a 7×7 window, per channel: how much grain/texture is there."""
    hp = high_pass(x)
    return torch.sqrt(
        F.avg_pool2d(
            hp * hp, ENERGY_BOX, stride=1, padding=ENERGY_BOX // 2, count_include_pad=False
        )
        + EPS
    )


def erode_mask(mask: torch.Tensor, size: int = FOOTPRINT) -> torch.Tensor:
    """Zero every pixel within ``size // 2`` of a pixel whose mask is 0."""
    holes = (mask <= 0).to(mask.dtype)
    grown = F.max_pool2d(holes, size, stride=1, padding=size // 2)
    return mask * (1.0 - grown)


def _masked_mean(values: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    w = weight.expand_as(values)
    total = w.sum()
    if float(total) <= 0.0:
        return values.sum() * 0.0
    return (values * w).sum() / total


def restoration_loss(
    output: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, *, grain_weight: float = 0.5
) -> LossParts:
    """Masked L1 + ``grain_weight`` × masked L1 of local high-pass energy.

    output, target: (N, C, H, W); mask: (N, 1, H, W) in [0, 1].
    """
    l1 = _masked_mean((output - target).abs(), mask)
    if grain_weight > 0:
        grain = _masked_mean((local_energy(output) - local_energy(target)).abs(), erode_mask(mask))
    else:
        grain = l1 * 0.0
    return LossParts(total=l1 + grain_weight * grain, l1=l1, grain=grain)
