"""``.cube`` 3D LUT files (the Resolve / Adobe "Cube LUT Specification 1.0" form that
OpenColorIO, Nuke's OCIOFileTransform and most grading tools read).

The table is written red-fastest, as the format requires, with ``DOMAIN_MIN 0 0 0`` /
``DOMAIN_MAX 1 1 1``. The LUT works in a fit encoding (log2, ACEScct …), not on linear
light: a comment line ``# rtk-encoding: <name>`` records which, so the toolkit (and a person
reading the file) knows to put it between a linear→<encoding> and an <encoding>→linear
conversion, as Nuke artists put MatchGrade between a Lin→Log and a Log→Lin.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..errors import PathLike, RTKError
from ..io.atomic import atomic_write_text

ENCODING_TAG = "# rtk-encoding:"


@dataclass
class CubeFile:
    """A parsed .cube: ``table`` (N, N, N, 3) float32 indexed [r, g, b], title, encoding."""

    table: np.ndarray
    title: str = ""
    encoding: Optional[str] = None


def cube_text(
    table: np.ndarray, *, title: str = "", encoding: Optional[str] = None, comments: tuple = ()
) -> str:
    t = np.asarray(table, np.float64)
    if (
        t.ndim != 4
        or t.shape[3] != 3
        or not (t.shape[0] == t.shape[1] == t.shape[2])
        or t.shape[0] < 2
    ):
        raise RTKError(f"a 3D LUT table must be (N, N, N, 3), got {t.shape}")
    if not np.all(np.isfinite(t)):
        raise RTKError("the LUT has NaN or infinite values")
    n = t.shape[0]
    lines = []
    if title:
        lines.append(f'TITLE "{title.replace(chr(34), chr(39))}"')
    if encoding:
        lines.append(f"{ENCODING_TAG} {encoding}")
    lines += [f"# {c}" for c in comments]
    lines += [f"LUT_3D_SIZE {n}", "DOMAIN_MIN 0.0 0.0 0.0", "DOMAIN_MAX 1.0 1.0 1.0"]
    # red fastest: iterate b (slowest), g, r (fastest) → table[r, g, b]
    rows = t.transpose(2, 1, 0, 3).reshape(-1, 3)
    lines += [f"{r:.7f} {g:.7f} {b:.7f}" for r, g, b in rows]
    return "\n".join(lines) + "\n"


def write_cube(
    path: PathLike,
    table: np.ndarray,
    *,
    title: str = "",
    encoding: Optional[str] = None,
    comments: tuple = (),
) -> Path:
    """Write ``table`` (N, N, N, 3) indexed [r, g, b] as a .cube, atomically."""
    return atomic_write_text(
        path, cube_text(table, title=title, encoding=encoding, comments=comments)
    )


def read_cube(path: PathLike) -> CubeFile:
    """Read a 3D .cube; RTKError (naming the file and line) if it does not parse."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except FileNotFoundError:
        raise RTKError("no such .cube file", p) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RTKError(f"cannot read the .cube ({exc.__class__.__name__})", p) from None
    size = None
    title = ""
    encoding = None
    dmin = np.zeros(3)
    dmax = np.ones(3)
    values = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith(ENCODING_TAG):
                encoding = line[len(ENCODING_TAG) :].strip() or None
            continue
        word = line.split()[0].upper()
        try:
            if word == "TITLE":
                title = line[5:].strip().strip('"')
            elif word == "LUT_3D_SIZE":
                size = int(line.split()[1])
                if not 2 <= size <= 256:
                    raise ValueError
            elif word == "LUT_1D_SIZE":
                raise RTKError(
                    f"line {number}: 1D LUTs are not supported here (a 3D .cube is expected)", p
                )
            elif word == "DOMAIN_MIN":
                dmin = np.array([float(v) for v in line.split()[1:4]])
            elif word == "DOMAIN_MAX":
                dmax = np.array([float(v) for v in line.split()[1:4]])
            elif word.startswith("LUT_") or word.startswith("DOMAIN_"):
                continue
            else:
                parts = line.split()
                if len(parts) != 3:
                    raise ValueError
                values.append([float(v) for v in parts])
        except (ValueError, IndexError):
            raise RTKError(f"line {number} does not parse: {line[:40]!r}", p) from None
    if size is None:
        raise RTKError("not a 3D .cube (no LUT_3D_SIZE line)", p)
    if len(values) != size**3:
        raise RTKError(f"LUT_3D_SIZE {size} needs {size**3} entries, found {len(values)}", p)
    if dmin.shape != (3,) or dmax.shape != (3,) or np.any(dmin != 0) or np.any(dmax != 1):
        raise RTKError("only DOMAIN_MIN 0 0 0 / DOMAIN_MAX 1 1 1 is supported", p)
    arr = np.asarray(values, np.float32)
    if not np.all(np.isfinite(arr)):
        raise RTKError("the .cube has NaN or infinite values", p)
    table = arr.reshape(size, size, size, 3).transpose(2, 1, 0, 3).copy()
    return CubeFile(table=table, title=title, encoding=encoding)
