"""Sequences named the Nuke way, frame lists, gaps."""

import numpy as np
import pytest

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.frames import chunk_frames, format_frames, parse_frames
from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.io.sequence import open_sequence, output_sequence


def _write(folder, frames, name="scan.{:04d}.exr"):
    for f in frames:
        write_image(folder / name.format(f), np.full((4, 4, 3), f / 1000, np.float32))


def test_frame_lists():
    assert parse_frames("1-5,8,10-14x2") == [1, 2, 3, 4, 5, 8, 10, 12, 14]
    assert parse_frames("1001") == [1001]
    assert format_frames([1, 2, 3, 5, 7, 8]) == "1-3,5,7-8"
    for bad in ("5-1", "a-b", "", "1-3x0"):
        with pytest.raises(RTKError):
            parse_frames(bad)


def test_chunks_cover_every_frame_once():
    frames = list(range(1001, 1101))
    chunks = chunk_frames(frames, 30)
    assert [len(c) for c in chunks] == [30, 30, 30, 10]
    assert sorted(f for c in chunks for f in c) == frames
    with pytest.raises(RTKError):
        chunk_frames(frames, 0)


@pytest.mark.parametrize("pattern", ["scan.####.exr", "scan.%04d.exr"])
def test_hash_and_printf_patterns(tmp_path, pattern):
    _write(tmp_path, range(1001, 1006))
    seq = open_sequence(str(tmp_path / pattern))
    assert seq.frames == (1001, 1002, 1003, 1004, 1005)
    assert seq.path(1003).name == "scan.1003.exr"
    assert seq.hash_pattern.endswith("scan.####.exr")
    assert seq.printf_pattern.endswith("scan.%04d.exr")


def test_nuke_display_form_with_range(tmp_path):
    _write(tmp_path, range(1, 11))
    seq = open_sequence(f"{tmp_path}/scan.####.exr 3-6")
    assert seq.frames == (3, 4, 5, 6)


def test_gap_is_reported_and_refused_unless_allowed(tmp_path):
    _write(tmp_path, [1, 2, 3, 6, 7])
    with pytest.raises(RTKError, match="missing frames 4-5"):
        open_sequence(str(tmp_path / "scan.####.exr"))
    seq = open_sequence(str(tmp_path / "scan.####.exr"), allow_missing=True)
    assert seq.missing == (4, 5)
    assert "missing 4-5" in seq.describe()


def test_other_padding_is_another_sequence(tmp_path):
    _write(tmp_path, [1, 2], name="scan.{:04d}.exr")
    _write(tmp_path, [10], name="scan.{:06d}.exr")
    assert open_sequence(str(tmp_path / "scan.####.exr")).frames == (1, 2)
    assert open_sequence(str(tmp_path / "scan.######.exr")).frames == (10,)


def test_single_file_is_a_one_frame_sequence(tmp_path):
    write_image(tmp_path / "still.png", np.zeros((4, 4, 3), np.float32))
    seq = open_sequence(str(tmp_path / "still.png"))
    assert seq.is_single and seq.path(77) == tmp_path / "still.png"


def test_nothing_found(tmp_path):
    with pytest.raises(RTKError, match="no frames"):
        open_sequence(str(tmp_path / "none.####.exr"))
    with pytest.raises(RTKError, match="no such image file"):
        open_sequence(str(tmp_path / "none.exr"))


def test_output_sequence_needs_nothing_on_disk(tmp_path):
    seq = output_sequence(str(tmp_path / "out" / "DEMO_BAL_####.exr"), [5, 3, 4])
    assert seq.frames == (3, 4, 5)
    assert seq.path(4).name == "DEMO_BAL_0004.exr"
