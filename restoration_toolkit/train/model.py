"""The per-film network: a small residual encoder–decoder (a U-Net with additive skips).

Fully convolutional, so it trains on crops and runs on whole frames of any size. It predicts
a *residual* that is added to its input, and the last convolution starts at zero, so an
untrained model is exactly the identity: the network only learns what differs between the
scan and the ground truth (recovery, not invention), and the film's grain passes straight
through the skip path.

Layout for ``width`` w and ``levels`` L (CopyCat-style sizes, see :data:`MODEL_SIZES`)::

    x ─ head 3×3 (3→w) ─ ResBlock(w) ─┬─ down 3×3/2 (w→2w) ─ ResBlock(2w) ─┬─ … ─ ResBlock(2^L w)
                                      │                                   │          │
                                      └──────────────── + ─ ResBlock(w) ─ up ×2 + 3×3 ─ …
    out = x + tail 3×3 (w→3, zero-initialised)

ResBlock = conv 3×3 → LeakyReLU(0.1) → conv 3×3, added to its input. Downsampling is a
stride-2 convolution, upsampling is bilinear ×2 followed by a 3×3 convolution; skips are added,
not concatenated (fewer parameters). Inputs of any size are reflect-padded to a multiple of
2^L and cropped back, so the TorchScript model takes any frame size.

Parameter counts (3 channels in and out; measured by :func:`parameter_count`, checked by a
test):

==========  =====  ======  ============
size        width  levels  parameters
==========  =====  ======  ============
small       16     2       167 235
medium      24     3       1 537 347
large       32     4       10 991 619
==========  =====  ======  ============

Values: the network takes the pixels exactly as the Read delivers them in the project's
working space (scene-linear ACEScg by default, 0–1 nominal, highlights above 1 allowed) and
returns the same space and range — nothing for Nuke to set up. Inside, it log-encodes its
input (:func:`encode`, film density is logarithmic: a dye fade becomes nearly a per-channel
offset), adds the residual there and decodes.

Only ops TorchScript has supported since PyTorch 1.6 are used (conv2d, leaky_relu,
interpolate bilinear, pad reflect, slicing, sign/log1p/expm1), so the scripted module can be re-exported with
an old torch for old Nuke versions (see docs/training-engine.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class ModelSize:
    """Base channel width and number of down/up-sampling levels."""

    width: int
    levels: int


MODEL_SIZES: Dict[str, ModelSize] = {
    "small": ModelSize(width=16, levels=2),
    "medium": ModelSize(width=24, levels=3),
    "large": ModelSize(width=32, levels=4),
}


class ResBlock(nn.Module):
    """conv 3×3 → LeakyReLU → conv 3×3, added to the input."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.leaky_relu(self.conv1(x), 0.1))


class EncoderLevel(nn.Module):
    """ResBlock at this level (its output is the skip), then a stride-2 convolution."""

    def __init__(self, channels: int, out_channels: int) -> None:
        super().__init__()
        self.block = ResBlock(channels)
        self.down = nn.Conv2d(channels, out_channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        skip = self.block(x)
        return F.leaky_relu(self.down(skip), 0.1), skip


class DecoderLevel(nn.Module):
    """Bilinear ×2, a 3×3 convolution, add the skip, then a ResBlock."""

    def __init__(self, in_channels: int, channels: int) -> None:
        super().__init__()
        self.up = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.block = ResBlock(channels)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        return self.block(F.leaky_relu(self.up(x), 0.1) + skip)


LOG_K = 0.05  # log-encoding knee: encode(0.18) ≈ 0.50, encode(1) = 1
_LOG_C = math.log1p(1.0 / LOG_K)


def encode(x: torch.Tensor) -> torch.Tensor:
    """Scene-linear → log-like code values: sign(x)·log(1 + |x|/k) / log(1 + 1/k), k = 0.05.

    Film density is logarithmic, so a fade is close to a per-channel *offset* here, equal
    steps are roughly equal visible steps (shadows count as much as highlights), and grain
    has about the same amplitude everywhere. Exactly invertible by :func:`decode`; defined for
    negative values and highlights above 1.
    """
    return torch.sign(x) * torch.log1p(torch.abs(x) / LOG_K) / _LOG_C


def decode(y: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`encode`."""
    return torch.sign(y) * torch.expm1(torch.abs(y) * _LOG_C) * LOG_K


class RestorationNet(nn.Module):
    """Residual encoder–decoder. Input and output: (N, 3, H, W) float32, RGB, working space.

    Internally the picture is log-encoded (:func:`encode`), the residual is added there, and
    the result decoded back to the input's scene-linear values.
    """

    def __init__(self, width: int = 16, levels: int = 2, channels: int = 3) -> None:
        super().__init__()
        self.log_k = LOG_K
        self.log_c = _LOG_C
        self.levels = levels
        self.multiple = 2**levels
        widths = [width * 2**i for i in range(levels + 1)]
        self.head = nn.Conv2d(channels, width, 3, padding=1)
        self.encoder = nn.ModuleList(
            [EncoderLevel(widths[i], widths[i + 1]) for i in range(levels)]
        )
        self.bottleneck = ResBlock(widths[levels])
        # decoder levels in the order they run: deepest first
        self.decoder = nn.ModuleList(
            [DecoderLevel(widths[i + 1], widths[i]) for i in reversed(range(levels))]
        )
        self.tail = nn.Conv2d(width, channels, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.shape[2]
        w = x.shape[3]
        pad_h = (self.multiple - h % self.multiple) % self.multiple
        pad_w = (self.multiple - w % self.multiple) % self.multiple
        xp = torch.sign(x) * torch.log1p(torch.abs(x) / self.log_k) / self.log_c
        if pad_h > 0 or pad_w > 0:
            xp = F.pad(xp, [0, pad_w, 0, pad_h], mode="reflect")
        f = F.leaky_relu(self.head(xp), 0.1)
        skips: List[torch.Tensor] = []
        for level in self.encoder:
            f, skip = level(f)
            skips.append(skip)
        f = self.bottleneck(f)
        for level in self.decoder:
            f = level(f, skips.pop())
        y = (xp + self.tail(f))[:, :, :h, :w]
        return torch.sign(y) * torch.expm1(torch.abs(y) * self.log_c) * self.log_k


def build_model(size: str = "small", channels: int = 3) -> RestorationNet:
    """A fresh network of the named size (``small``, ``medium``, ``large``)."""
    if size not in MODEL_SIZES:
        raise ValueError(f"unknown model size {size!r} (one of {', '.join(MODEL_SIZES)})")
    spec = MODEL_SIZES[size]
    return RestorationNet(width=spec.width, levels=spec.levels, channels=channels)


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))
