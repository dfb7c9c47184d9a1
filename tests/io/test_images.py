"""Image I/O through OpenImageIO: every format round-trips, metadata travels, bad files fail clearly."""

import numpy as np
import pytest

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.images import (
    ImageMetadata,
    read_image,
    read_image_header,
    write_image,
)


def _ramp(h=12, w=17):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack([x / (w - 1), y / (h - 1), (x + y) / (w + h - 2)], axis=-1).astype(np.float32)


@pytest.mark.parametrize(
    "ext,data_format,tolerance",
    [
        ("exr", "half", 1e-3),
        ("exr", "float", 0.0),
        ("dpx", "uint10", 0.5 / 1023 + 1e-5),
        ("tif", "uint8", 0.5 / 255 + 1e-6),
        ("tif", "uint16", 0.5 / 65535 + 1e-6),
        ("tif", "float", 0.0),
        ("png", "uint8", 0.5 / 255 + 1e-6),
        ("png", "uint16", 0.5 / 65535 + 1e-6),
        ("jpg", "uint8", 0.06),
    ],
)
def test_round_trip(tmp_path, ext, data_format, tolerance):
    pixels = _ramp()
    path = write_image(tmp_path / f"frame.{ext}", pixels, data_format=data_format)
    image = read_image(path)
    assert image.pixels.dtype == np.float32
    assert image.pixels.shape == pixels.shape
    assert np.abs(image.pixels - pixels).max() <= tolerance
    assert image.metadata.data_format == data_format


def test_exr_keeps_scene_linear_values_above_one(tmp_path):
    pixels = _ramp() * 8.0 - 1.0
    image = read_image(write_image(tmp_path / "hdr.exr", pixels, data_format="float"))
    assert image.pixels.max() == pytest.approx(7.0) and image.pixels.min() == pytest.approx(-1.0)


def test_metadata_travels_through_exr(tmp_path):
    meta = ImageMetadata(colorspace="ACES2065-1", pixel_aspect=2.0, timecode="01:00:10:05",
                         attributes={"rtk:model": "film.cat", "rtk:made_with_trained_model": 1})
    image = read_image(write_image(tmp_path / "m.exr", _ramp(), meta))
    assert image.metadata.colorspace == "ACES2065-1"
    assert image.metadata.pixel_aspect == pytest.approx(2.0)
    assert image.metadata.timecode == "01:00:10:05"
    assert image.metadata.attributes["rtk:model"] == "film.cat"
    assert image.metadata.attributes["rtk:made_with_trained_model"] == 1
    # and on to the next file: a write that reuses the metadata keeps depth and attributes
    again = read_image(write_image(tmp_path / "m2.exr", image.pixels, image.metadata))
    assert again.metadata.data_format == "half"
    assert again.metadata.attributes["rtk:model"] == "film.cat"


def test_dpx_keeps_timecode_and_ten_bits(tmp_path):
    meta = ImageMetadata(timecode="10:00:00:00")
    image = read_image(write_image(tmp_path / "scan.dpx", _ramp(), meta))
    assert image.metadata.timecode == "10:00:00:00"
    assert image.metadata.data_format == "uint10"


def test_truncated_exr_is_a_clear_error(tmp_path):
    path = write_image(tmp_path / "good.exr", np.random.default_rng(0).random((64, 64, 3)).astype(np.float32))
    broken = tmp_path / "broken.exr"
    broken.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(RTKError) as info:
        read_image(broken)
    message = str(info.value)
    assert "broken.exr" in message and "\n" not in message
    assert "damaged or truncated" in message or "cannot open" in message


def test_missing_and_non_image_files(tmp_path):
    with pytest.raises(RTKError, match="no such image file"):
        read_image(tmp_path / "nothing.exr")
    text = tmp_path / "notes.exr"
    text.write_text("not an image")
    with pytest.raises(RTKError, match="notes.exr"):
        read_image_header(text)


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path):
    write_image(tmp_path / "a.exr", _ramp())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.exr"]


def test_write_refuses_to_replace_an_input(tmp_path):
    src = write_image(tmp_path / "scan.exr", _ramp())
    before = src.read_bytes()
    with pytest.raises(RTKError, match="refusing to write over an input"):
        write_image(src, _ramp() * 0, protect=[src])
    assert src.read_bytes() == before


def test_unsupported_extension(tmp_path):
    with pytest.raises(RTKError, match="unsupported output format"):
        write_image(tmp_path / "x.gif", _ramp())
    assert not list(tmp_path.iterdir())


def test_channels_argument(tmp_path):
    rgba = np.concatenate([_ramp(), np.ones((12, 17, 1), np.float32)], axis=-1)
    path = write_image(tmp_path / "rgba.exr", rgba)
    assert read_image(path).channels == 4
    assert read_image(path, channels=3).channels == 3
    grey = write_image(tmp_path / "grey.exr", _ramp()[..., 0])
    assert read_image(grey, channels=3).pixels.shape == (12, 17, 3)
