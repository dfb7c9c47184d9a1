"""Grade files: .cube read back by OpenColorIO equals core apply; CDL round trip; bad files."""

import numpy as np
import PyOpenColorIO as OCIO
import pytest

from restoration_toolkit.core.color.cdl import CdlValues, read_cdl, write_cdl
from restoration_toolkit.core.color.cube import read_cube, write_cube
from restoration_toolkit.core.color.encodings import get_encoding
from restoration_toolkit.core.color.fit import fit_color_transform
from restoration_toolkit.core.color.grade_files import load_grade, save_grade
from restoration_toolkit.core.color.transforms import Cdl
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.testing.color_images import faded, smooth_image


def _fit(method="lut3d", size=9):
    rng = np.random.default_rng(5)
    refs = [smooth_image(rng) for _ in range(2)]
    forced = {"lut3d": {"encoding": "acescct", "prior": "affine"},
              "cdl": {"encoding": "acescct"}}.get(method, {})
    return fit_color_transform(
        [faded(r, rng) for r in refs], refs, method=method, size=size,
        cross_validate_models=False, cv_samples=3000, **forced
    )


def _ocio_file_apply(path, pixels, encoding):
    """Apply a LUT/CDL file the way Nuke's OCIOFileTransform does, between the encoding's
    OCIO transforms (an independent path: the file as OpenColorIO parses it)."""
    enc = get_encoding(encoding)
    ft = OCIO.FileTransform(src=str(path), interpolation=OCIO.INTERP_TETRAHEDRAL)
    group = OCIO.GroupTransform([enc.ocio_transform(), ft, enc.ocio_transform(inverse=True)])
    proc = OCIO.Config.CreateRaw().getProcessor(group).getDefaultCPUProcessor()
    out = np.ascontiguousarray(pixels, np.float32).copy()
    proc.applyRGB(out)
    return out


def test_cube_read_by_opencolorio_matches_core_apply(tmp_path):
    t = _fit("lut3d", 9)
    files = save_grade(t, tmp_path / "grade.cube", size=9)
    rng = np.random.default_rng(0)
    x = smooth_image(rng, 16, 16)
    via_ocio_file = _ocio_file_apply(files.cube, x, "acescct")
    assert np.allclose(via_ocio_file, t.apply(x), atol=1e-4)
    # and an independent interpolation: scipy's trilinear on the table ≈ OCIO's tetrahedral
    from scipy.interpolate import RegularGridInterpolator

    g = np.linspace(0, 1, 9)
    enc = get_encoding("acescct")
    e = np.clip(enc.encode(x.reshape(-1, 3)), 0, 1)
    lut = np.stack([RegularGridInterpolator((g, g, g), t.table[..., c])(e) for c in range(3)], -1)
    ocio_encoded = enc.encode(via_ocio_file.reshape(-1, 3))
    # scipy trilinear vs OCIO tetrahedral, in code values: close, not identical
    assert np.abs(lut - ocio_encoded).max() < 0.03
    assert np.abs(lut - ocio_encoded).mean() < 0.002


def test_cube_text_round_trip_and_red_fastest(tmp_path):
    table = np.random.default_rng(1).random((5, 5, 5, 3)).astype(np.float32)
    path = write_cube(tmp_path / "a.cube", table, title="t", encoding="log2")
    back = read_cube(path)
    assert back.encoding == "log2" and back.title == "t"
    assert np.allclose(back.table, table, atol=1e-6)
    lines = [ln for ln in path.read_text().splitlines() if ln and ln[0].isdigit()]
    assert np.allclose(
        [float(v) for v in lines[1].split()], table[1, 0, 0], atol=1e-6
    )  # red fastest


@pytest.mark.parametrize(
    "text, problem",
    [
        ("LUT_3D_SIZE 2\n0 0 0\n", "needs 8 entries"),
        ("TITLE x\n0 0 0\n", "no LUT_3D_SIZE"),
        ("LUT_3D_SIZE 2\n" + "0 0 zero\n" * 8, "does not parse"),
        ("LUT_1D_SIZE 2\n0 0 0\n1 1 1\n", "1D LUTs"),
    ],
)
def test_bad_cube_files(tmp_path, text, problem):
    p = tmp_path / "bad.cube"
    p.write_text(text)
    with pytest.raises(RTKError, match=problem):
        read_cube(p)


def test_cdl_round_trip_and_opencolorio_reads_it(tmp_path):
    values = CdlValues(
        np.array([1.1, 0.9, 1.2]),
        np.array([0.01, -0.02, 0.0]),
        np.array([1.0, 1.1, 0.95]),
        0.85,
        id="shot1",
        encoding="acescct",
    )
    for ext in ("cc", "cdl"):
        p = write_cdl(tmp_path / f"g.{ext}", values)
        back = read_cdl(p)
        assert np.allclose(back.slope, values.slope) and np.allclose(back.power, values.power)
        assert back.saturation == pytest.approx(0.85) and back.encoding == "acescct"
        t = Cdl(
            encoding="acescct",
            slope=values.slope,
            offset=values.offset,
            power=values.power,
            saturation=values.saturation,
        )
        x = smooth_image(np.random.default_rng(2), 8, 8)
        assert np.allclose(_ocio_file_apply(p, x, "acescct"), t.apply(x), atol=1e-4), ext


def test_cdl_fit_writes_cc_and_sidecar(tmp_path):
    t = _fit("cdl")
    files = save_grade(t, tmp_path / "grade.cube", size=9)
    assert files.cdl is not None and files.cdl.suffix == ".cc"
    again = load_grade(files.sidecar)
    from_cc = load_grade(files.cdl)
    x = smooth_image(np.random.default_rng(4), 8, 8)
    assert np.allclose(again.apply(x), t.apply(x), atol=1e-5)
    assert np.allclose(from_cc.apply(x), t.apply(x), atol=1e-4)


def test_dye_density_ocio_form_matches_numpy():
    t = _fit("dye-density")
    x = smooth_image(np.random.default_rng(6), 16, 16)
    from restoration_toolkit.core.color.ocio_apply import apply_processor, cpu_processor

    via_ocio = apply_processor(x, cpu_processor(t.ocio_transform()))
    assert np.allclose(via_ocio, t.apply(x), rtol=1e-3, atol=1e-5)


def test_clf_holds_the_whole_linear_grade(tmp_path):
    for method in ("lut3d", "dye-density"):
        t = _fit(method)
        files = save_grade(t, tmp_path / method / "grade.cube", size=9)
        ft = OCIO.FileTransform(src=str(files.clf), interpolation=OCIO.INTERP_TETRAHEDRAL)
        proc = OCIO.Config.CreateRaw().getProcessor(ft).getDefaultCPUProcessor()
        x = smooth_image(np.random.default_rng(8), 16, 16)
        out = np.ascontiguousarray(x).copy()
        proc.applyRGB(out)
        tol = 1e-4 if method == "lut3d" else 0.02  # dye-density is exact math; its CLF is exact too
        assert np.allclose(out, t.apply(x), rtol=tol, atol=1e-4), method
        assert np.allclose(load_grade(files.clf).apply(x), out, atol=1e-6)
