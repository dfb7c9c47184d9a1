"""Image metrics shared by the color fit, validation and the benchmarks.

Signatures follow scikit-image: ``metric(reference, test, *, mask=None, ...)``.
"""

from .color import DeltaE, delta_e2000
from .detail import Detail, detail_ratio, high_frequency
from .fidelity import PSNR, SSIM, psnr, ssim
from .grain import NPS, GrainComparison, flat_patches, grain_comparison, noise_power_spectrum
from .temporal import Flicker, flicker, flicker_from_means, frame_means

__all__ = [
    "DeltaE",
    "delta_e2000",
    "PSNR",
    "SSIM",
    "psnr",
    "ssim",
    "Detail",
    "detail_ratio",
    "high_frequency",
    "NPS",
    "GrainComparison",
    "flat_patches",
    "grain_comparison",
    "noise_power_spectrum",
    "Flicker",
    "flicker",
    "flicker_from_means",
    "frame_means",
]
