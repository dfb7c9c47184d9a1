"""Save and load a fitted grade: ``grade.cube`` (+ ``grade.cc`` for CDL) + ``grade.clf`` +
``grade.json``.

``grade.cube`` holds the LUT in its fit encoding (tagged ``# rtk-encoding``); ``grade.clf``
(Academy/ASC Common LUT Format, written by OpenColorIO itself) holds the *whole* grade,
linear → encoding → LUT/CDL → linear, exactly, so one OCIOFileTransform (Nuke, or any OCIO
application) applies it to working-space pixels with no colour-space nodes around it.

The JSON sidecar (schema ``rtk.color_transform/1``) holds the method, the encoding, the
parameters (enough to rebuild the exact transform), the training frames and the fit
figures (ΔE2000 on training and held-out frames). Every file is written to a temporary
name and renamed, and nothing is written until every file's content is ready.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from ..errors import PathLike, RTKError
from ..io.atomic import atomic_write_text
from .cdl import CdlValues, cdl_text, read_cdl
from .cube import cube_text, read_cube
from .transforms import Cdl, ColorTransform, Lut3D, OcioFile, transform_from_dict


@dataclass
class GradeFiles:
    cube: Path
    sidecar: Path
    cdl: Optional[Path] = None
    clf: Optional[Path] = None

    def all(self) -> List[Path]:
        return [p for p in (self.cube, self.cdl, self.clf, self.sidecar) if p is not None]


def clf_text(transform: ColorTransform, size: int = 33) -> str:
    """The whole linear→linear grade as CLF text, written by OpenColorIO."""
    from .ocio_apply import load_config, ocio

    group = transform.ocio_transform(lut_size=size)
    o = ocio()
    if not isinstance(group, o.GroupTransform):
        group = o.GroupTransform([group])
    return group.write(formatName="Academy/ASC Common LUT Format", config=load_config(None))


def sidecar_path(cube_path: PathLike) -> Path:
    return Path(cube_path).with_suffix(".json")


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, Path):
        return value.as_posix()
    return value


def save_grade(
    transform: ColorTransform,
    cube_path: PathLike,
    *,
    size: int = 33,
    extra: Optional[Dict[str, Any]] = None,
) -> GradeFiles:
    """Write ``<name>.cube``, ``<name>.json`` and, for CDL, ``<name>.cc``."""
    cube_path = Path(cube_path)
    if cube_path.suffix.lower() != ".cube":
        raise RTKError("the grade file must end in .cube", cube_path)
    table = transform.lut_table(size)
    title = f"rtk {transform.method} grade ({transform.encoding})"
    texts = {
        cube_path: cube_text(
            table,
            title=title,
            encoding=transform.encoding,
            comments=(
                f"method: {transform.method}; size {table.shape[0]}",
                f"apply between linear->{transform.encoding} and "
                f"{transform.encoding}->linear; see {cube_path.with_suffix('.json').name}",
            ),
        )
    }
    cdl_path = None
    if isinstance(transform, Cdl):
        cdl_path = cube_path.with_suffix(".cc")
        texts[cdl_path] = cdl_text(
            CdlValues(
                np.asarray(transform.slope),
                np.asarray(transform.offset),
                np.asarray(transform.power),
                transform.saturation,
                id=cube_path.stem,
                encoding=transform.encoding,
            ),
            "cc",
        )
    clf_path = cube_path.with_suffix(".clf")
    texts[clf_path] = clf_text(transform, size)
    data = transform.to_dict()
    data["files"] = {
        "cube": cube_path.name,
        "clf": clf_path.name,
        **({"cdl": cdl_path.name} if cdl_path else {}),
    }
    data.update(extra or {})
    side = sidecar_path(cube_path)
    texts[side] = json.dumps(_json_ready(data), indent=1) + "\n"
    for path, text in texts.items():  # the sidecar last: its presence means "complete"
        atomic_write_text(path, text)
    return GradeFiles(cube=cube_path, sidecar=side, cdl=cdl_path, clf=clf_path)


def load_grade(path: PathLike) -> ColorTransform:
    """A transform from ``grade.json`` (exact), ``grade.cube`` (its sidecar when present,
    else the LUT with its ``# rtk-encoding`` tag, or linear) or ``grade.cc``/``.cdl``."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RTKError("no such grade file", p) from None
        except (OSError, ValueError) as exc:
            raise RTKError(f"not a valid JSON grade ({exc.__class__.__name__})", p) from None
        try:
            return transform_from_dict(data)
        except RTKError as exc:
            raise RTKError(exc.problem, p) from None
    if suffix == ".cube":
        cube = read_cube(p)
        return Lut3D(encoding=cube.encoding or "linear", table=cube.table, figures={"file": p.name})
    if suffix in (".clf", ".ctf"):
        return OcioFile(path=str(p), figures={"file": p.name})
    if suffix in (".cc", ".cdl", ".ccc"):
        v = read_cdl(p)
        return Cdl(
            encoding=v.encoding or "linear",
            slope=v.slope,
            offset=v.offset,
            power=v.power,
            saturation=v.saturation,
            figures={"file": p.name},
        )
    raise RTKError("a grade must be a .cube, .clf, .cc/.cdl or .json file", p)
