"""Issue 18 at the core: odd paths, absurd frame lists, umask, strict YAML, images as stored,
NaN refused, sizes compared, the write guard. (The user-level cases are tests/robustness.)"""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.atomic import atomic_write_text
from restoration_toolkit.core.io.frames import MAX_FRAMES, frame_ranges, parse_frames
from restoration_toolkit.core.io.images import read_image, write_image
from restoration_toolkit.core.io.raster import common_size
from restoration_toolkit.core.io.protect import (
    protect_sequence,
    protection_scope,
    refuse_protected,
)
from restoration_toolkit.core.io.sequence import is_pattern, open_sequence, split_spec
from restoration_toolkit.core.io.yaml_file import load_yaml


@pytest.mark.parametrize("folder", ["Film Scans", "Rolle ü;$(x)", "a  b", "x 12"])
def test_sequence_in_a_folder_with_spaces(tmp_path, folder):
    for f in (1, 2, 3):
        write_image(tmp_path / folder / f"s {f:04d}.exr", np.zeros((2, 2, 3), np.float32))
    spec = f"{tmp_path / folder}/s ####.exr"
    assert is_pattern(spec) and is_pattern(spec + " 1-2")
    assert open_sequence(spec).frames == (1, 2, 3)
    assert open_sequence(spec + " 2-3").frames == (2, 3)
    assert split_spec(spec + " 1-2") == (spec, "1-2")


def test_an_empty_frame_list_is_not_all_frames(tmp_path):
    write_image(tmp_path / "s.0001.exr", np.zeros((2, 2, 3), np.float32))
    with pytest.raises(RTKError, match="empty frame list"):
        open_sequence(f"{tmp_path}/s.####.exr", "")


def test_an_absurd_frame_list_is_refused_without_expanding_it():
    with pytest.raises(RTKError, match="more than any film"):
        parse_frames("1001-99999999999")
    assert sum(len(r) for r in frame_ranges(f"1-{MAX_FRAMES}")) == MAX_FRAMES


def test_atomic_writes_honour_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = atomic_write_text(tmp_path / "a.yaml", "x: 1\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_yaml_duplicate_keys_and_bytes(tmp_path):
    (tmp_path / "d.yaml").write_text("a: 1\nb: 2\na: 3\n")
    with pytest.raises(RTKError, match="'a' given twice"):
        load_yaml(tmp_path / "d.yaml")
    (tmp_path / "b.yaml").write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(RTKError, match="not UTF-8"):
        load_yaml(tmp_path / "b.yaml")
    (tmp_path / "t.yaml").write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(RTKError, match="not valid YAML"):
        load_yaml(tmp_path / "t.yaml")


def test_rgba_color_is_read_as_stored(tmp_path):
    pixels = np.full((2, 4, 4), 0.6, np.float32)
    pixels[:, :2, 3] = 0.0
    write_image(tmp_path / "a.png", pixels)
    back = read_image(tmp_path / "a.png").pixels
    assert np.allclose(back[:, :, :3], 0.6, atol=1 / 255) and np.allclose(back[:, :2, 3], 0)


def test_nan_refused_unless_asked_for(tmp_path):
    pixels = np.zeros((3, 3, 3), np.float32)
    pixels[1, 2] = np.nan
    write_image(tmp_path / "n.exr", pixels, data_format="float")
    with pytest.raises(RTKError, match=r"1 pixels are NaN .*x=2, y=1"):
        read_image(tmp_path / "n.exr")
    assert read_image(tmp_path / "n.exr", allow_nonfinite=True).metadata.attributes[
        "rtk:nonfinite"] == 1


def test_common_size_names_the_odd_frame(tmp_path):
    write_image(tmp_path / "a.exr", np.zeros((4, 6, 3), np.float32))
    write_image(tmp_path / "b.exr", np.zeros((4, 5, 3), np.float32))
    write_image(tmp_path / "g.exr", np.zeros((4, 6, 1), np.float32))
    with pytest.raises(RTKError, match=r"b\.exr: frame is 5×4"):
        common_size([tmp_path / "a.exr", tmp_path / "b.exr"])
    with pytest.raises(RTKError, match=r"g\.exr: has 1 channel"):
        common_size([tmp_path / "a.exr", tmp_path / "g.exr"], min_channels=3)


def test_protected_sequence_refuses_any_frame_only_inside_a_scope(tmp_path):
    target = tmp_path / "scan.0042.exr"
    protect_sequence(f"{tmp_path}/scan.####.exr", "source")  # outside a scope: nothing
    refuse_protected(target)
    with protection_scope():
        protect_sequence(f"{tmp_path}/scan.####.exr 1-3", "source of project X")
        with pytest.raises(RTKError, match="source of project X"):
            write_image(target, np.zeros((2, 2, 3), np.float32))
        with pytest.raises(RTKError, match="source"):
            atomic_write_text(tmp_path / "scan.7.exr", "x")
        refuse_protected(tmp_path / "other.0001.exr")
    refuse_protected(target)
    assert not target.exists()
