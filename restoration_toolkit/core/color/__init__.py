"""Color recovery: fit a film-specific color transform from aligned pairs, apply it, export it.

Modules: ``fading`` (simulated chromogenic dye fading), ``encodings`` (fit encodings: log2,
ACEScct, density …), ``transforms`` (the fitted transforms), ``fit`` (the method registry
``fit_color_transform``), ``cube`` / ``cdl`` (file formats), ``ocio_apply`` (fast apply).
"""
from .fading import DEFAULT_FADE, FadeParameters, random_fade_parameters, simulate_dye_fade

__all__ = ["DEFAULT_FADE", "FadeParameters", "random_fade_parameters", "simulate_dye_fade"]
