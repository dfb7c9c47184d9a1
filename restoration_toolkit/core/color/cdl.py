"""ASC CDL files: ``.cc`` (one ColorCorrection) and ``.cdl`` (a ColorDecisionList), ASC CDL
v1.2 XML, as OpenColorIO, Nuke's OCIOCDLTransform and grading systems read them.

The CDL works in the fit encoding (usually ACEScct); the encoding is recorded in the
``<Description>`` as ``rtk-encoding: <name>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..errors import PathLike, RTKError
from ..io.atomic import atomic_write_text

NAMESPACE = "urn:ASC:CDL:v1.01"
TAG = "rtk-encoding:"


@dataclass
class CdlValues:
    slope: np.ndarray
    offset: np.ndarray
    power: np.ndarray
    saturation: float
    id: str = "rtk_grade"
    encoding: Optional[str] = None


def _fmt(values: np.ndarray) -> str:
    return " ".join(f"{float(v):.6f}" for v in values)


def _correction(cdl: CdlValues, parent: Optional[ET.Element] = None) -> ET.Element:
    cc = (
        ET.Element("ColorCorrection", id=cdl.id)
        if parent is None
        else ET.SubElement(parent, "ColorCorrection", id=cdl.id)
    )
    sop = ET.SubElement(cc, "SOPNode")
    if cdl.encoding:
        ET.SubElement(sop, "Description").text = f"{TAG} {cdl.encoding}"
    ET.SubElement(sop, "Slope").text = _fmt(cdl.slope)
    ET.SubElement(sop, "Offset").text = _fmt(cdl.offset)
    ET.SubElement(sop, "Power").text = _fmt(cdl.power)
    sat = ET.SubElement(cc, "SatNode")
    ET.SubElement(sat, "Saturation").text = f"{float(cdl.saturation):.6f}"
    return cc


def cdl_text(cdl: CdlValues, kind: str = "cc") -> str:
    """XML text of a ``.cc`` (kind ``cc``) or ``.cdl`` (kind ``cdl``)."""
    for name in ("slope", "offset", "power"):
        v = np.asarray(getattr(cdl, name), np.float64)
        if v.shape != (3,) or not np.all(np.isfinite(v)):
            raise RTKError(f"CDL {name} must be three finite numbers")
    if kind == "cc":
        root = _correction(cdl)
        root.set("xmlns", NAMESPACE)
    elif kind == "cdl":
        root = ET.Element("ColorDecisionList", xmlns=NAMESPACE)
        decision = ET.SubElement(root, "ColorDecision")
        _correction(cdl, decision)
    else:
        raise RTKError(f"unknown CDL file kind {kind!r} (cc or cdl)")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_cdl(path: PathLike, cdl: CdlValues) -> Path:
    """Write a .cc or .cdl (by the file's extension), atomically."""
    kind = Path(path).suffix.lower().lstrip(".")
    if kind not in ("cc", "cdl"):
        raise RTKError("a CDL file must end in .cc or .cdl", path)
    return atomic_write_text(path, cdl_text(cdl, kind))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_cdl(path: PathLike) -> CdlValues:
    """Read the first ColorCorrection of a .cc / .cdl / .ccc file."""
    p = Path(path)
    try:
        root = ET.parse(p).getroot()
    except FileNotFoundError:
        raise RTKError("no such CDL file", p) from None
    except (ET.ParseError, OSError) as exc:
        raise RTKError(f"not a valid CDL XML file ({exc})", p) from None
    cc = (
        root
        if _local(root.tag) == "ColorCorrection"
        else next((e for e in root.iter() if _local(e.tag) == "ColorCorrection"), None)
    )
    if cc is None:
        raise RTKError("no ColorCorrection in the CDL file", p)
    found = {_local(e.tag): (e.text or "").strip() for e in cc.iter()}
    try:
        slope = np.array([float(v) for v in found.get("Slope", "1 1 1").split()])
        offset = np.array([float(v) for v in found.get("Offset", "0 0 0").split()])
        power = np.array([float(v) for v in found.get("Power", "1 1 1").split()])
        sat = float(found.get("Saturation", "1"))
    except ValueError:
        raise RTKError("CDL values are not numbers", p) from None
    if slope.shape != (3,) or offset.shape != (3,) or power.shape != (3,):
        raise RTKError("CDL Slope / Offset / Power need three numbers each", p)
    desc = found.get("Description", "")
    encoding = desc.split(TAG, 1)[1].strip().split()[0] if TAG in desc else None
    return CdlValues(slope, offset, power, sat, id=cc.get("id", ""), encoding=encoding)
