"""The candidate color models cross-validation chooses from (method × encoding × prior).

- ``lut3d`` — the smooth 3D LUT (:mod:`.lut_fit`) in ``log2`` (a lattice evenly spaced in
  stops, so shadows get as many nodes as highlights), correcting one of four priors:
  ``identity`` (no prior: the lattice alone, returning to no change away from the data),
  ``affine``, ``polynomial`` (root-polynomial, degree 2) or ``dye-density`` (the physical
  fading model);
- ``polynomial`` (degree 1–3) and ``root-polynomial`` (degree 2–3; degree 1 is the same
  model as the plain one) after Finlayson, Mackiewicz & Hurlbert (2015), each with a constant
  term, in ``linear``, ``log2`` and ``srgb`` (display) encodings;
- ``dye-density`` (density domain) and ``cdl`` (ACEScct).

Smoothness and ridge weights are not part of a candidate: each candidate chooses its own on
the training part of every fold (:mod:`.crossval`). The grids below were set before any
benchmark ran and are wide on purpose; cross-validation picks within them.

``complexity`` (free parameters, a LUT counted above every parametric model) breaks ties:
between candidates whose cross-validated error is within one standard error of the best
(never less than :data:`TIE_TOLERANCE` relative or :data:`TIE_FLOOR` ΔE2000), the simpler one
wins (:func:`.crossval.choose_winner`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from ..errors import RTKError

METHODS = ("lut3d", "root-polynomial", "polynomial", "dye-density", "cdl")
LUT_PRIORS = ("identity", "affine", "polynomial", "dye-density")
POLY_ENCODINGS = ("linear", "log2", "srgb")
LUT_ENCODING = "log2"
#: ridge weights (toward the identity mapping) tried for polynomials and the LUT's polynomial prior
POLY_RIDGE: Tuple[float, ...] = (0.0, 1e-5, 1e-3, 1e-1)
#: (smoothness, ridge) pairs tried for the LUT lattice (both scale-free, see lut_fit)
LUT_WEIGHTS: Tuple[Tuple[float, float], ...] = (
    (1e-5, 1e-2),
    (1e-4, 1e-2),
    (1e-3, 1e-2),
    (1e-2, 1e-2),
    (1e-3, 1.0),
)
#: two cross-validated errors within 2 % (or 0.02 ΔE2000, far below anything visible) tie
TIE_TOLERANCE = 0.02
TIE_FLOOR = 0.02


@dataclass(frozen=True)
class Candidate:
    """One model of the registry: ``method``, ``encoding``, ``prior`` (lut3d) and ``degree``
    (polynomials); ``complexity`` orders ties (lower = simpler)."""

    method: str
    encoding: str
    prior: Optional[str] = None
    degree: Optional[int] = None

    @property
    def name(self) -> str:
        if self.method == "lut3d":
            return f"lut3d/{self.encoding}/{self.prior}-prior"
        if self.degree is not None:
            return f"{self.method}/{self.encoding}/deg{self.degree}"
        return f"{self.method}/{self.encoding}"

    @property
    def complexity(self) -> int:
        if self.method == "cdl":
            return 10
        if self.method == "dye-density":
            return 15
        if self.method in ("polynomial", "root-polynomial"):
            return 3 * (poly_terms(self.method == "root-polynomial", int(self.degree or 1)) + 1)
        return 1000 + LUT_PRIORS.index(str(self.prior))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "method": self.method,
            "encoding": self.encoding,
            "prior": self.prior,
            "degree": self.degree,
            "complexity": self.complexity,
        }


def poly_terms(root: bool, degree: int) -> int:
    """Terms of the Finlayson 2015 expansion (without the constant)."""
    return {(False, 1): 3, (False, 2): 9, (False, 3): 19, (True, 1): 3, (True, 2): 6,
            (True, 3): 13}[(root, degree)]


def registry(lut_encoding: str = LUT_ENCODING) -> List[Candidate]:
    """Every candidate, simplest families first."""
    out = [Candidate("cdl", "acescct"), Candidate("dye-density", "density")]
    for enc in POLY_ENCODINGS:
        out += _polynomials(enc)
    out += [Candidate("lut3d", lut_encoding, prior=p) for p in LUT_PRIORS]
    return out


def _polynomials(encoding: str) -> List[Candidate]:
    return [Candidate("polynomial", encoding, degree=d) for d in (1, 2, 3)] + [
        Candidate("root-polynomial", encoding, degree=d) for d in (2, 3)
    ]


def _in_encoding(encoding: str) -> List[Candidate]:
    """Every family that takes an encoding, rebuilt in ``encoding`` (any may be forced)."""
    out = [Candidate("cdl", encoding)] + _polynomials(encoding)
    out += [Candidate("lut3d", encoding, prior=p) for p in LUT_PRIORS]
    if encoding == "density":
        out.insert(1, Candidate("dye-density", "density"))
    return out


def select_candidates(
    method: Optional[str] = None,
    encoding: Optional[str] = None,
    prior: Optional[str] = None,
    degree: Optional[int] = None,
) -> List[Candidate]:
    """The candidates matching what the user forced (None = any): ``method``; ``encoding``
    (the families that take one are rebuilt in it); ``prior`` (only LUTs with that prior);
    ``degree`` (only polynomials of that degree)."""
    if method is not None and method not in METHODS:
        raise RTKError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    if prior is not None and prior not in LUT_PRIORS:
        raise RTKError(f"unknown LUT prior {prior!r} (one of {', '.join(LUT_PRIORS)})")
    if degree is not None and not 1 <= int(degree) <= 3:
        raise RTKError(f"polynomial degree must be 1–3, got {degree}")
    if method == "dye-density" and encoding not in (None, "density"):
        raise RTKError("the dye-density method always works in density (leave the encoding out)")
    if method == "root-polynomial" and degree == 1:
        method = "polynomial"  # the same model
    pool = registry() if encoding is None else _in_encoding(encoding)
    chosen = [
        c for c in pool
        if (method is None or c.method == method)
        and (prior is None or c.prior == prior)
        and (degree is None or c.degree == int(degree))
    ]
    if not chosen:
        forced = ", ".join(f"{k} {v}" for k, v in (("method", method), ("encoding", encoding),
                                                    ("prior", prior), ("degree", degree)) if v)
        raise RTKError(f"no candidate model matches {forced}")
    return chosen
