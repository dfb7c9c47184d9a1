"""Fitted color transforms: small dataclasses with ``.apply(rgb)``.

Every transform maps *scene-linear* RGB (the working space, e.g. ACEScg; float32 (H, W, 3),
any range) to scene-linear RGB, and works internally in one fit ``encoding``
(:mod:`.encodings`). Each can say what it is as an OpenColorIO transform
(``ocio_transform()``), which is how it is applied (fast, and identical to Nuke's OCIO
nodes), and each can be baked into a 3D LUT table in its encoding (``lut_table(size)``) for a
``.cube``. ``to_dict()`` / :func:`transform_from_dict` are the JSON sidecar form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, Optional, Type

import numpy as np

from ..errors import RTKError
from .encodings import get_encoding
from .ocio_apply import apply_processor, cpu_processor, ocio

SCHEMA = "rtk.color_transform/1"
#: encoded values a fitted model may output: the encodings put the useful range in 0–1
ENCODED_RANGE = (-0.25, 1.25)
DENSITY_FLOOR = 1e-4  # transmittance floor of the dye-density model (density 4)


def lattice(size: int) -> np.ndarray:
    """Lattice points (size, size, size, 3) in 0–1, indexed [r, g, b]."""
    x = np.linspace(0.0, 1.0, size, dtype=np.float32)
    r, g, b = np.meshgrid(x, x, x, indexing="ij")
    return np.stack([r, g, b], axis=-1)


@dataclass
class ColorTransform:
    """Base class. ``method`` names the registry entry; ``encoding`` the fit encoding;
    ``figures`` holds fit figures (samples used, robust weights, ΔE …)."""

    encoding: str = "acescct"
    figures: Dict[str, Any] = field(default_factory=dict)
    method: ClassVar[str] = ""

    # -- to implement -------------------------------------------------------------------
    def apply_encoded(self, encoded: np.ndarray) -> np.ndarray:
        """The transform in its encoding: (N, 3) encoded → (N, 3) encoded."""
        raise NotImplementedError

    def core_ocio_transform(self) -> Optional[Any]:
        """The encoded→encoded part as an OCIO transform, or None if OCIO has no such op."""
        return None

    def parameters(self) -> Dict[str, Any]:
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------
    def ocio_transform(self, lut_size: int = 33) -> Any:
        """Linear→linear OCIO GroupTransform: encode, the transform, decode. Methods OCIO
        cannot express exactly are baked into a ``lut_size`` 3D LUT."""
        o = ocio()
        enc = get_encoding(self.encoding)
        core = self.core_ocio_transform()
        if core is None:
            core = lut3d_ocio(self.lut_table(lut_size))
        return o.GroupTransform([enc.ocio_transform(), core, enc.ocio_transform(inverse=True)])

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """Apply to scene-linear float32 (H, W, 3[+]) → new float32 array, extra channels kept."""
        arr = np.asarray(rgb, np.float32)
        if arr.ndim < 2 or arr.shape[-1] < 3:
            raise RTKError(f"expected (…, 3) RGB, got shape {arr.shape}")
        if self.core_ocio_transform() is not None:
            return apply_processor(arr, cpu_processor(self.ocio_transform()))
        enc = get_encoding(self.encoding)
        out = np.array(arr, np.float32, copy=True)
        flat = enc.encode(arr[..., :3].reshape(-1, 3))
        out[..., :3] = enc.decode(self.apply_encoded(flat)).reshape(arr.shape[:-1] + (3,))
        return out

    def lut_table(self, size: int = 33) -> np.ndarray:
        """The transform sampled on a ``size``³ lattice of its encoding: (size, size, size, 3)
        float32, indexed [r, g, b] (what a .cube holds)."""
        grid = lattice(size).reshape(-1, 3)
        core = self.core_ocio_transform()
        if core is not None:
            out = apply_processor(grid, cpu_processor(core))
        else:
            out = self.apply_encoded(grid)
        return np.asarray(out, np.float32).reshape(size, size, size, 3)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "schema": SCHEMA,
            "method": self.method,
            "encoding": self.encoding,
            "parameters": self.parameters(),
            "figures": self.figures,
        }


APPLY_INTERPOLATION = "tetrahedral"


def lut3d_ocio(table: np.ndarray, interpolation: str = APPLY_INTERPOLATION) -> Any:
    """An OCIO Lut3DTransform from a (N, N, N, 3) table indexed [r, g, b]. Tetrahedral by
    default: OpenColorIO's SIMD tetrahedral path is about twice as fast as its trilinear one
    (benchmarks/color.py), and on a smooth fitted lattice the two differ by a small fraction
    of the fit error (the fit itself splats trilinearly; ``"linear"`` matches it exactly)."""
    o = ocio()
    n = table.shape[0]
    lut = o.Lut3DTransform(gridSize=n)
    lut.setData(np.ascontiguousarray(table, np.float32).reshape(-1))
    lut.setInterpolation(
        o.INTERP_TETRAHEDRAL if interpolation == "tetrahedral" else o.INTERP_LINEAR
    )
    return lut


@dataclass
class Lut3D(ColorTransform):
    """A 3D LUT in the fit encoding: ``table`` (N, N, N, 3), indexed [r, g, b], domain 0–1."""

    table: np.ndarray = field(default_factory=lambda: lattice(2))
    method: ClassVar[str] = "lut3d"

    def core_ocio_transform(self) -> Any:
        return lut3d_ocio(self.table)

    def apply_encoded(self, encoded: np.ndarray) -> np.ndarray:
        return apply_processor(encoded, cpu_processor(self.core_ocio_transform()))

    def lut_table(self, size: int = 0) -> np.ndarray:
        if size in (0, self.table.shape[0]):
            return np.asarray(self.table, np.float32)
        return super().lut_table(size)

    def parameters(self) -> Dict[str, Any]:
        return {"size": int(self.table.shape[0]), "table": np.round(self.table, 7).tolist()}


@dataclass
class Polynomial(ColorTransform):
    """Polynomial / root-polynomial color correction (Finlayson, Mackiewicz & Hurlbert 2015;
    expansion from colour-science), a (3, terms) matrix in the fit encoding; ``constant``:
    the expansion ends with a constant term (an offset: fog, flare, a lifted black);
    ``lower`` / ``upper``: per input channel, the encoded range of the data it was fitted on;
    beyond it the polynomial is not extrapolated (far from its data a polynomial can reach any
    value) but continued with the change it makes at the range's edge — monotone, no crushed
    shadows, no exploding highlights."""

    matrix: np.ndarray = field(default_factory=lambda: np.eye(3))
    degree: int = 2
    root: bool = True
    constant: bool = False
    lower: Optional[np.ndarray] = None
    upper: Optional[np.ndarray] = None
    method: ClassVar[str] = "root-polynomial"

    def expand(self, rgb: np.ndarray) -> np.ndarray:
        from .polyfit import expand

        return expand(rgb, self.degree, self.root, self.constant)

    def apply_encoded(self, encoded: np.ndarray) -> np.ndarray:
        # a polynomial far outside its data can reach any value; no encoding means anything
        # beyond this range (and 2^100 in log2 would poison a baked LUT's whole cell)
        x = np.asarray(encoded, np.float64)
        inside = x
        if self.lower is not None and self.upper is not None:
            inside = np.clip(x, np.asarray(self.lower), np.asarray(self.upper))
        out = self.expand(inside) @ self.matrix.T + (x - inside)
        return np.clip(out, *ENCODED_RANGE).astype(np.float32)

    def parameters(self) -> Dict[str, Any]:
        return {
            "degree": self.degree,
            "root": self.root,
            "constant": self.constant,
            "matrix": self.matrix.tolist(),
            **({"lower": np.asarray(self.lower).tolist(), "upper": np.asarray(self.upper).tolist()}
               if self.lower is not None and self.upper is not None else {}),
        }


@dataclass
class PlainPolynomial(Polynomial):
    root: bool = False
    method: ClassVar[str] = "polynomial"


@dataclass
class DyeDensity(ColorTransform):
    """Inverse of chromogenic dye fading in the density domain (Chatterjee, Trumpy & Ruedel
    2023): undo scanner flare, go to channel densities, undo the per-layer density loss and
    crossover (``matrix``) and the base fog (``offset``), back to transmittance.

    ``flare``: per-channel flare fraction removed from the scan; ``matrix`` (3×3) and
    ``offset`` (3): reference density = matrix @ scan density + offset. ``retention``,
    ``crossover`` and ``fog`` (the forward fading, for people) are derived in ``figures``.
    The encoding is always ``density`` (log10 transmittance over four decades). Scan values
    are read as transmittance and clipped to 1e-4…1 (density 4…0): beyond a clear base there
    is no dye to restore, so the model never extrapolates past it.
    """

    flare: np.ndarray = field(default_factory=lambda: np.zeros(3))
    matrix: np.ndarray = field(default_factory=lambda: np.eye(3))
    offset: np.ndarray = field(default_factory=lambda: np.zeros(3))
    method: ClassVar[str] = "dye-density"

    def __post_init__(self) -> None:
        self.encoding = "density"

    def linear_to_linear(self, linear: np.ndarray) -> np.ndarray:
        t = np.asarray(linear, np.float64) * (1.0 + self.flare) - self.flare
        d = -np.log10(np.clip(t, DENSITY_FLOOR, 1.0))  # a print transmits at most all the light
        d_ref = d @ self.matrix.T + self.offset
        return (10.0**-d_ref).astype(np.float32)

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        arr = np.asarray(rgb, np.float32)
        if arr.ndim < 2 or arr.shape[-1] < 3:
            raise RTKError(f"expected (…, 3) RGB, got shape {arr.shape}")
        out = np.array(arr, np.float32, copy=True)
        out[..., :3] = self.linear_to_linear(arr[..., :3])
        return out

    def apply_encoded(self, encoded: np.ndarray) -> np.ndarray:
        enc = get_encoding("density")
        return enc.encode(self.linear_to_linear(enc.decode(encoded)))

    def ocio_transform(self, lut_size: int = 33) -> Any:
        """Exact OCIO form: Matrix (flare), Range (floor), Log10, Matrix (density), Antilog."""
        o = ocio()
        flare = np.asarray(self.flare, np.float64)

        def matrix44(m: np.ndarray, off: np.ndarray) -> Any:
            full = np.eye(4)
            full[:3, :3] = m
            t = o.MatrixTransform()
            t.setMatrix(full.reshape(-1).tolist())
            t.setOffset([*np.asarray(off, np.float64).tolist(), 0.0])
            return t

        unflare = matrix44(np.diag(1.0 + flare), -flare)
        floor = o.RangeTransform()
        floor.setMinInValue(DENSITY_FLOOR)
        floor.setMinOutValue(DENSITY_FLOOR)
        floor.setMaxInValue(1.0)
        floor.setMaxOutValue(1.0)
        floor.setStyle(o.RANGE_CLAMP)
        log10 = o.LogTransform(base=10.0)  # x → log10(x) = −density
        # −d_ref = M(−d) − offset
        dens = matrix44(self.matrix, -np.asarray(self.offset))
        antilog = o.LogTransform(base=10.0, direction=o.TRANSFORM_DIR_INVERSE)
        return o.GroupTransform([unflare, floor, log10, dens, antilog])

    def core_ocio_transform(self) -> None:
        return None

    def parameters(self) -> Dict[str, Any]:
        return {
            "flare": np.asarray(self.flare).tolist(),
            "matrix": np.asarray(self.matrix).tolist(),
            "offset": np.asarray(self.offset).tolist(),
        }


@dataclass
class Cdl(ColorTransform):
    """ASC CDL (slope, offset, power per channel, then saturation with Rec.709 luma), in the
    fit encoding; applied by OpenColorIO's CDLTransform (ASC style: clamps below 0 before
    the power, as Nuke's OCIOCDLTransform does)."""

    slope: np.ndarray = field(default_factory=lambda: np.ones(3))
    offset: np.ndarray = field(default_factory=lambda: np.zeros(3))
    power: np.ndarray = field(default_factory=lambda: np.ones(3))
    saturation: float = 1.0
    method: ClassVar[str] = "cdl"

    def core_ocio_transform(self) -> Any:
        o = ocio()
        t = o.CDLTransform()
        t.setSlope([float(v) for v in self.slope])
        t.setOffset([float(v) for v in self.offset])
        t.setPower([float(v) for v in self.power])
        t.setSat(float(self.saturation))
        return t

    def apply_encoded(self, encoded: np.ndarray) -> np.ndarray:
        return apply_processor(encoded, cpu_processor(self.core_ocio_transform()))

    def parameters(self) -> Dict[str, Any]:
        return {
            "slope": np.asarray(self.slope).tolist(),
            "offset": np.asarray(self.offset).tolist(),
            "power": np.asarray(self.power).tolist(),
            "saturation": float(self.saturation),
        }


@dataclass
class OcioFile(ColorTransform):
    """A linear→linear grade file OpenColorIO reads whole (``grade.clf`` / ``.ctf``)."""

    path: str = ""
    method: ClassVar[str] = "ocio-file"

    def __post_init__(self) -> None:
        self.encoding = "linear"
        try:
            cpu_processor(self.ocio_transform())
        except RTKError as exc:
            raise RTKError(exc.problem, self.path) from None

    def ocio_transform(self, lut_size: int = 33) -> Any:
        o = ocio()
        return o.FileTransform(src=self.path, interpolation=o.INTERP_BEST)

    def core_ocio_transform(self) -> Any:
        return self.ocio_transform()

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        return apply_processor(np.asarray(rgb, np.float32), cpu_processor(self.ocio_transform()))

    def apply_encoded(self, encoded: np.ndarray) -> np.ndarray:
        return apply_processor(encoded, cpu_processor(self.ocio_transform()))

    def parameters(self) -> Dict[str, Any]:
        return {"path": self.path}


TRANSFORM_CLASSES: Dict[str, Type[ColorTransform]] = {
    c.method: c for c in (Lut3D, Polynomial, PlainPolynomial, DyeDensity, Cdl)
}


def transform_from_dict(data: Dict[str, Any]) -> ColorTransform:
    """Rebuild a transform from its ``to_dict()`` form (the JSON sidecar)."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise RTKError(f"not a color transform (expected schema {SCHEMA})")
    if data.get("chroma_only"):
        from .chroma_only import ChromaOnly

        inner = transform_from_dict({**data, "chroma_only": False})
        return ChromaOnly(inner=inner, figures=dict(data.get("figures") or {}))
    cls = TRANSFORM_CLASSES.get(str(data.get("method")))
    if cls is None:
        raise RTKError(f"unknown color transform method {data.get('method')!r}")
    p = dict(data.get("parameters") or {})
    enc = str(data.get("encoding", "acescct"))
    figures = dict(data.get("figures") or {})
    try:
        if cls is Lut3D:
            return Lut3D(encoding=enc, figures=figures, table=np.asarray(p["table"], np.float32))
        if cls in (Polynomial, PlainPolynomial):
            return cls(
                encoding=enc,
                figures=figures,
                matrix=np.asarray(p["matrix"], np.float64),
                degree=int(p["degree"]),
                root=bool(p["root"]),
                constant=bool(p.get("constant", False)),
                lower=np.asarray(p["lower"], np.float64) if "lower" in p else None,
                upper=np.asarray(p["upper"], np.float64) if "upper" in p else None,
            )
        if cls is DyeDensity:
            return DyeDensity(
                figures=figures,
                flare=np.asarray(p["flare"], np.float64),
                matrix=np.asarray(p["matrix"], np.float64),
                offset=np.asarray(p["offset"], np.float64),
            )
        return Cdl(
            encoding=enc,
            figures=figures,
            slope=np.asarray(p["slope"], np.float64),
            offset=np.asarray(p["offset"], np.float64),
            power=np.asarray(p["power"], np.float64),
            saturation=float(p["saturation"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RTKError(f"color transform parameters are incomplete or malformed ({exc})") from None
