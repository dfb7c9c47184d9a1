"""Stage 02 alignment: register a reference onto the film scan.

``estimate_alignment(scan, reference)`` → :class:`AlignmentResult` (affine + dense field map on
the scan grid, confidence, figures, live area); ``apply_alignment(reference, result)`` →
the reference on the scan grid; ``write_stmap`` / ``map_to_stmap`` → Nuke STMaps.

Modules: preprocess (luminance structure, bars), global_model (features + robust
Gauss–Newton affine), dense (B-spline residual field), confidence (confidence and live area),
apply (resampling), stmap (Nuke STMap convention), estimate (the pipeline), result
(dataclasses), geometry (pixel-grid conventions), temporal (smoothing the global model).
"""

from .apply import FILTERS, apply_alignment
from .estimate import AlignmentOptions, estimate_alignment
from .result import AlignmentResult, Figures, LiveArea
from .stmap import map_to_stmap, stmap_to_map, write_stmap

__all__ = [
    "AlignmentOptions",
    "AlignmentResult",
    "FILTERS",
    "Figures",
    "LiveArea",
    "apply_alignment",
    "estimate_alignment",
    "map_to_stmap",
    "stmap_to_map",
    "write_stmap",
]
