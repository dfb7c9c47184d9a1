"""What an alignment estimate returns: a small dataclass, serialisable to alignment.json."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .dense import ResidualField
from .geometry import describe
from .preprocess import ContentBox


@dataclass(frozen=True)
class Figures:
    """Quality figures an artist reads to decide which frames to look at.

    confident_fraction: share of scan pixels with confidence > 0.5 (0–1).
    coverage_fraction: share of scan pixels the reference picture covers (0–1).
    correlation: structure correlation over confident pixels after alignment (−1–1; > 0.6 is
        a good match for a DVD against a scan, < 0.3 means look at it).
    residual: robust RMS of the structure difference after alignment (structure units, the
        lower the better; compare frames of one shot with each other).
    field_rms_px / field_max_px: size of the dense residual field beyond the affine, in scan
        pixels (large values mean local distortion — or a wrong fit).
    predicted_error_px: Gauss–Newton standard error of the affine, propagated to a mean
        position error in scan pixels (a lower bound: it assumes independent pixel noise).
    """

    confident_fraction: float
    coverage_fraction: float
    correlation: float
    residual: float
    field_rms_px: float
    field_max_px: float
    predicted_error_px: float

    def as_dict(self) -> Dict[str, float]:
        return {k: round(float(v), 5) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class LiveArea:
    """Proposed live-area crop on the scan: the box both elements share, free of bars and
    one-sided bands (subtitles). Scan pixels, top-left origin, x1/y1 exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    def as_list(self) -> List[int]:
        return [self.x0, self.y0, self.x1, self.y1]

    def nuke_box(self, height: int) -> List[int]:
        """Nuke Crop ``box`` (x, y, r, t), bottom-left origin."""
        return [self.x0, height - self.y1, self.x1, height - self.y0]


@dataclass
class AlignmentResult:
    """A scan ← reference registration.

    matrix: 2×3 affine, scan pixel centre → reference pixel centre (top-left origin).
    map_xy: (H, W, 2) float32 reference pixel-centre coordinates for every scan pixel
        (affine + dense field): the reference resampled at these points is the aligned
        reference (see :func:`.apply.apply_alignment`).
    confidence: (H, W) float32 in [0, 1] on the scan grid.
    field: the dense residual field (working grid), or None when the global model was kept alone.
    polarity: −1 when the reference is a negative of the scan.
    """

    matrix: np.ndarray
    map_xy: np.ndarray
    confidence: np.ndarray
    scan_shape: Tuple[int, int]
    reference_shape: Tuple[int, int]
    reference_box: ContentBox
    figures: Figures
    live_area: LiveArea
    polarity: float = 1.0
    field: Optional[ResidualField] = None
    initialisation: str = ""
    warnings: List[str] = dataclass_field(default_factory=list)
    working_scale: Tuple[float, float] = (1.0, 1.0)

    def parameters(self) -> Dict[str, Any]:
        """JSON-ready description: the matrix and the artist's transform terms."""
        return {
            "matrix_scan_to_reference": [[round(float(v), 9) for v in row] for row in self.matrix],
            "reference_to_scan": describe(self.matrix, self.reference_shape).as_dict(),
            "polarity": self.polarity,
            "reference_content_box": self.reference_box.as_list(),
            "reference_bars": list(self.reference_box.bars),
            "dense_field": None
            if self.field is None
            else {
                "knot_spacing_working_px": self.field.spacing,
                "knots": list(self.field.coefficients.shape[:2]),
            },
            "initialisation": self.initialisation,
            "working_scale": [round(float(v), 6) for v in self.working_scale],
        }

    def to_json(self) -> Dict[str, Any]:
        return {
            "model": "affine+bspline" if self.field is not None else "affine",
            "parameters": self.parameters(),
            "figures": self.figures.as_dict(),
            "live_area": self.live_area.as_list(),
            "scan_size": [self.scan_shape[1], self.scan_shape[0]],
            "reference_size": [self.reference_shape[1], self.reference_shape[0]],
            "warnings": list(self.warnings),
        }
