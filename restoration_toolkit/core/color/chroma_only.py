"""Chroma-only grading: the scan keeps its own luminance, the grade gives only chroma.

Color recovery's ground truth is the scan's luminance with the reference's chroma
(:func:`restoration_toolkit.core.ycbcr.chroma_ground_truth`, the same Y'CbCr the CopyCat
graphs build with Colorspace nodes). A MatchGrade fitted to that target and applied the same
way is the fair baseline for the model: a soft, differently toned video reference then
teaches color and not its tone curve. :func:`keep_scan_luminance` is the one composition
everybody calls — ``rtk matchgrade fit/apply --chroma-only`` and ``rtk validate``'s
chroma-only MatchGrade column alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict

import numpy as np

from ..errors import RTKError
from ..ycbcr import combine
from .encodings import get_encoding
from .transforms import ColorTransform, lattice


def keep_scan_luminance(scan: np.ndarray, graded: np.ndarray) -> np.ndarray:
    """RGB with the Y' of ``scan`` and the Cb/Cr of ``graded``.

    scan, graded: float32 ndarray (H, W, 3) or (N, 3), the same shape, both in the RGB
    encoding the ground truth they are compared with is composed in: the working space
    (scene-linear, e.g. ACEScg) for a fit and ``rtk matchgrade apply``, display-referred sRGB
    in ``rtk validate`` (core.validation.frames, where the validation ground truth is composed
    too). Only the first three channels are read; neither input is modified. Returns a new
    float32 array (…, 3); the Y' of the result equals the scan's to float precision (Rec.709
    luma weights, :mod:`core.ycbcr`, the same split as
    :func:`~restoration_toolkit.core.ycbcr.chroma_ground_truth`).
    """
    s = np.asarray(scan, np.float32)[..., :3]
    g = np.asarray(graded, np.float32)[..., :3]
    if s.shape != g.shape:
        raise RTKError(f"scan {s.shape} and graded {g.shape} differ in shape")
    return combine(s, g)


@dataclass
class ChromaOnly(ColorTransform):
    """A grade applied chroma-only: ``apply(x) = keep_scan_luminance(x, inner.apply(x))``.

    Exact in :meth:`apply`; as a file (.cube / .clf) the composition is baked into a LUT in
    the inner grade's encoding (OpenColorIO has no operator that reads the input twice).
    The JSON form is the inner grade's with ``"chroma_only": true``.
    """

    inner: ColorTransform = field(default_factory=ColorTransform)

    def __post_init__(self) -> None:
        self.encoding = self.inner.encoding

    @property  # type: ignore[override]
    def method(self) -> str:  # the inner grade's registry name
        return self.inner.method

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        arr = np.asarray(rgb, np.float32)
        if arr.ndim < 2 or arr.shape[-1] < 3:
            raise RTKError(f"expected (…, 3) RGB, got shape {arr.shape}")
        out = np.array(arr, np.float32, copy=True)
        out[..., :3] = keep_scan_luminance(arr[..., :3], self.inner.apply(arr)[..., :3])
        return out

    def apply_encoded(self, encoded: np.ndarray) -> np.ndarray:
        enc = get_encoding(self.encoding)
        linear = enc.decode(np.asarray(encoded, np.float32))
        return enc.encode(self.apply(linear[None])[0])

    def core_ocio_transform(self) -> None:
        return None

    def lut_table(self, size: int = 33) -> np.ndarray:
        grid = lattice(size).reshape(-1, 3)
        return np.asarray(self.apply_encoded(grid), np.float32).reshape(size, size, size, 3)

    def parameters(self) -> Dict[str, Any]:
        return self.inner.parameters()

    def to_dict(self) -> Dict[str, Any]:
        data = self.inner.to_dict()
        data["figures"] = self.figures
        data["chroma_only"] = True
        return data
