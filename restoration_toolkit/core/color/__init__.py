"""Color recovery: fit a film-specific color transform from aligned pairs, apply it, export it.

Modules: ``fading`` (simulated chromogenic dye fading), ``encodings`` (fit encodings: log2,
ACEScct, density …), ``samples`` (grain-aware training samples), ``lut_fit`` (the lattice
solver), ``transforms`` (the fitted transforms), ``fit`` (the method registry
``fit_color_transform``), ``balance`` (reference-free pre-balance), ``cube`` / ``cdl`` /
``grade_files`` (file formats), ``sequences`` (fit / apply on image sequences),
``ocio_apply`` (fast OpenColorIO apply).
"""

from .fading import DEFAULT_FADE, FadeParameters, random_fade_parameters, simulate_dye_fade

__all__ = [
    "DEFAULT_FADE",
    "FadeParameters",
    "random_fade_parameters",
    "simulate_dye_fade",
    "fit_color_transform",
]


def __getattr__(name: str):  # lazy: importing the package must stay cheap (the demo uses fading)
    if name == "fit_color_transform":
        from .fit import fit_color_transform

        return fit_color_transform
    raise AttributeError(name)
