"""Color recovery: fit a film-specific color transform from aligned pairs, apply it, export it.

Modules: ``encodings`` (fit encodings: log2, ACEScct, density …), ``samples`` (grain-aware
training samples), ``lut_fit`` (the lattice solver), ``transforms`` (the fitted transforms),
``fit`` (the method registry ``fit_color_transform``), ``balance`` (reference-free
pre-balance), ``cube`` / ``cdl`` / ``grade_files`` (file formats), ``sequences`` (fit / apply
on image sequences), ``ocio_apply`` (fast OpenColorIO apply).

Never imports nuke, Qt, torch, the command line or the synthetic fades of
``restoration_toolkit.testing`` (a fit must not share a model with the simulation that tests it).
"""

__all__ = ["fit_color_transform"]


def __getattr__(name: str):  # lazy: importing the package must stay cheap
    if name == "fit_color_transform":
        from .fit import fit_color_transform

        return fit_color_transform
    raise AttributeError(name)
