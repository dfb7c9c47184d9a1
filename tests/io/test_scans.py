"""Real scans: DPX transfer characteristics and EXR data windows placed on the display window."""

from __future__ import annotations

import numpy as np
import pytest

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.images import read_image, read_image_header, write_image


def _exr(path, pixels, data_origin, display):
    """An EXR whose data window starts at ``data_origin`` and display window is ``display``
    (x, y, width, height), written with OpenImageIO directly."""
    import OpenImageIO as oiio

    h, w, c = pixels.shape
    spec = oiio.ImageSpec(w, h, c, "float")
    spec.x, spec.y = data_origin
    spec.full_x, spec.full_y, spec.full_width, spec.full_height = display
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), spec)
    assert out.write_image(np.ascontiguousarray(pixels, np.float32))
    out.close()
    return path


def test_data_window_inside_display_window_is_placed_on_it(tmp_path):
    data = np.random.default_rng(1).random((20, 30, 3)).astype(np.float32) + 0.1
    path = _exr(tmp_path / "bbox.exr", data, (12, 7), (0, 0, 64, 48))
    image = read_image(path)
    assert image.pixels.shape == (48, 64, 3)
    assert np.array_equal(image.pixels[7:27, 12:42], data)
    outside = np.ones((48, 64), bool)
    outside[7:27, 12:42] = False
    assert np.all(image.pixels[outside] == 0.0)
    assert image.metadata.attributes["rtk:data_window"] == "12 7 42 27"
    assert read_image_header(path) is not None


def test_overscan_is_cropped_to_the_display_window(tmp_path):
    data = np.random.default_rng(2).random((60, 80, 3)).astype(np.float32)
    path = _exr(tmp_path / "overscan.exr", data, (-8, -6), (0, 0, 64, 48))
    pixels = read_image(path).pixels
    assert pixels.shape == (48, 64, 3)
    assert np.array_equal(pixels, data[6:54, 8:72])


def test_display_window_not_at_origin(tmp_path):
    data = np.full((10, 10, 3), 0.5, np.float32)
    path = _exr(tmp_path / "shifted.exr", data, (105, 203), (100, 200, 20, 16))
    pixels = read_image(path).pixels
    assert pixels.shape == (16, 20, 3)
    assert np.all(pixels[3:13, 5:15] == 0.5) and pixels[:3].max() == 0.0


def test_data_window_outside_the_display_window_is_refused(tmp_path):
    data = np.ones((10, 10, 3), np.float32)
    path = _exr(tmp_path / "lost.exr", data, (200, 200), (0, 0, 64, 48))
    with pytest.raises(RTKError, match="lies outside the display window") as err:
        read_image(path)
    assert "lost.exr" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    "transfer, expected",
    [
        ("Printing density", "ADX10"),
        ("Logarithmic", "ADX10"),
        ("ITU-R 709-4", "Gamma 2.4 Rec.709 - Texture"),
        ("User defined", None),
        (None, None),
    ],
)
def test_dpx_transfer_names_the_color_space(tmp_path, transfer, expected):
    from restoration_toolkit.core.io.images import ImageMetadata

    codes = np.array([95, 445, 685, 1023], np.float32) / 1023.0
    pixels = np.broadcast_to(codes[None, :, None], (4, 4, 3)).astype(np.float32)
    attrs = {"dpx:Transfer": transfer} if transfer else {}
    path = write_image(tmp_path / "scan.dpx", pixels, ImageMetadata(attributes=attrs))
    image = read_image(path)
    assert image.metadata.colorspace == expected
    assert image.metadata.data_format == "uint10"
    # 10-bit code values come back exactly (code / 1023)
    assert np.allclose(image.pixels[0, :, 0] * 1023.0, [95, 445, 685, 1023], atol=0.05)


def test_printing_density_dpx_converts_through_ocio(tmp_path):
    """ADX10 code 445 is mid-grey-ish printing density; ACES reads it through the studio
    config. Black (95) must come out darker than 445, and 685 brighter (a monotonic decode)."""
    from restoration_toolkit.core.io.ocio import STUDIO_OCIO_CONFIG, convert_colorspace

    codes = np.array([[[95, 95, 95], [445, 445, 445], [685, 685, 685]]], np.float32) / 1023.0
    aces = convert_colorspace(codes, "ADX10", "ACES2065-1", config=STUDIO_OCIO_CONFIG)
    lum = aces[0].mean(axis=1)
    assert lum[0] < lum[1] < lum[2] and lum[0] < 0.02
