"""Video files through PyAV: frame-accurate decode (every frame carries its own number, burned
in by the test's encoder), the index and thumbnail caches, fields of interlaced and telecined
video, color tags honoured, and the refusals (unopenable, variable rate, truncated)."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("av")

from restoration_toolkit.core.errors import RTKError  # noqa: E402
from restoration_toolkit.core.io import video as video_mod  # noqa: E402
from restoration_toolkit.core.io import video_index  # noqa: E402
from restoration_toolkit.core.io.footage import open_footage  # noqa: E402
from restoration_toolkit.core.io.thumbnails import sequence_thumbnails  # noqa: E402
from restoration_toolkit.core.io.video import load_or_build_index, open_video  # noqa: E402
from restoration_toolkit.testing.videos import (  # noqa: E402
    frame_code_image,
    read_frame_code,
    telecine_32,
    write_video,
)

N = 40


def _coded(n: int = N):
    return [frame_code_image(i + 1) for i in range(n)]


def _codec(name: str) -> str:
    import av

    if name not in av.codecs_available:
        pytest.skip(f"this PyAV build has no {name} encoder")
    return name


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RTK_CACHE", str(tmp_path / "cache"))
    video_mod._cached_sequence.cache_clear()


@pytest.mark.parametrize(
    "name, codec, pix_fmt, extra",
    [
        ("dvd.mpg", "mpeg2video", "yuv420p", {"options": {"bf": "2"}}),  # MPEG-PS, B-frames
        ("access.mp4", "libx264", "yuv420p", {"options": {"bf": "3"}}),
        ("telecine.mov", "prores_ks", "yuv422p10le", {}),
        ("hevc.mkv", "libx265", "yuv420p", {"options": {"x265-params": "log-level=error"}}),
        ("copy.mkv", "mpeg2video", "yuv420p", {"gop": 7}),
    ],
)
def test_every_frame_decodes_as_itself_in_any_order(tmp_path, name, codec, pix_fmt, extra):
    path = write_video(tmp_path / name, _coded(), codec=_codec(codec), pix_fmt=pix_fmt, **extra)
    seq = open_footage(str(path))
    assert seq.is_video and seq.frames == tuple(range(1, N + 1))
    order = list(seq.frames)
    random.Random(3).shuffle(order)
    got = {f: read_frame_code(seq.read(f).pixels) for f in order}
    assert got == {f: f for f in seq.frames}
    # forward decoding (the thumbnail pass) gives the same numbering
    assert [read_frame_code(rgb) for _f, rgb in seq.iter_rgb()] == list(range(1, N + 1))


def test_frame_range_and_frames_out_of_range(tmp_path):
    path = write_video(tmp_path / "r.mkv", _coded(12))
    seq = open_footage(f"{path} 5-9")
    assert seq.frames == (5, 6, 7, 8, 9)
    assert read_frame_code(seq.read(7).pixels) == 7
    with pytest.raises(RTKError, match="frame 13 is not in this video"):
        open_footage(str(path), "10-13")


def test_index_and_thumbnails_are_cached(tmp_path, monkeypatch):
    path = write_video(tmp_path / "c.mkv", _coded(16))
    cache = tmp_path / "thumbs"
    first = load_or_build_index(path, cache)
    thumbs = sequence_thumbnails(open_video(path, cache_dir=cache), fields=True, cache_dir=cache)

    def no_decode(*_a, **_k):
        raise AssertionError("decoded again")

    from restoration_toolkit.stages.footage import cached_picture_box

    box = cached_picture_box(open_video(path, cache_dir=cache), cache)
    monkeypatch.setattr(video_index, "build_index", no_decode)
    monkeypatch.setattr(video_mod.VideoSequence, "_decode", no_decode)
    assert load_or_build_index(path, cache) == first
    video_mod._cached_sequence.cache_clear()
    again = sequence_thumbnails(open_video(path, cache_dir=cache), fields=True, cache_dir=cache)
    assert np.array_equal(again.frames, thumbs.frames) and again.fields is not None
    assert np.allclose(again.luma, thumbs.luma, atol=2e-3)
    assert cached_picture_box(open_video(path, cache_dir=cache), cache) == box  # no decode


def _film(n: int):
    """Film frames of distinct flat color: frame i has grey level and a hue of its own."""
    frames = []
    for i in range(n):
        level = 0.15 + 0.7 * i / max(n - 1, 1)
        rgb = np.array([level, 0.5, 1.0 - level])
        frames.append(np.broadcast_to(rgb, (48, 64, 3)).astype(np.float32))
    return frames


def test_interlaced_telecine_keeps_each_field_and_its_color(tmp_path):
    film = _film(8)
    video = telecine_32(film, top_first=True)  # 10 video frames
    path = write_video(
        tmp_path / "ntsc.mpg",
        video,
        rate=Fraction(30000, 1001),
        interlaced=True,
        top_field_first=True,
        bitrate=8_000_000,
    )
    seq = open_footage(str(path))
    assert seq.info.interlaced and seq.info.field_order == "upper"
    assert seq.info.rate == "30000/1001"
    fields = [f for i, f in enumerate(film) for _ in range(2 if i % 2 == 0 else 3)]
    for n in seq.frames:
        rgb = seq.read(n).pixels
        top, bottom = rgb[2:-2:2].mean(axis=(0, 1)), rgb[3:-2:2].mean(axis=(0, 1))
        want_top, want_bottom = fields[2 * (n - 1)][0, 0], fields[2 * (n - 1) + 1][0, 0]
        # field by field, color included: chroma is upsampled within each field
        assert np.allclose(top, want_top, atol=0.03), (n, top, want_top)
        assert np.allclose(bottom, want_bottom, atol=0.03), (n, bottom, want_bottom)
    thumbs = sequence_thumbnails(seq, fields=True)
    mixed = np.abs(thumbs.fields[:, 0] - thumbs.fields[:, 1]).mean(axis=(1, 2))
    assert list(np.flatnonzero(mixed > 0.007)) == [2, 3, 7, 8]  # B/C and C/D frames of 3:2
    # a crop from an odd row keeps the frame's own fields (top stays top)
    cropped = sequence_thumbnails(seq, fields=True, crop=(0, 3, 64, 45))
    top_first = cropped.fields[:, 0].mean(axis=(1, 2)) - cropped.fields[:, 1].mean(axis=(1, 2))
    whole = thumbs.fields[:, 0].mean(axis=(1, 2)) - thumbs.fields[:, 1].mean(axis=(1, 2))
    assert np.allclose(top_first, whole, atol=0.01)


def test_color_tags_are_honoured(tmp_path):
    patches = np.zeros((48, 64, 3), np.float32)
    colors = [(0.9, 0.1, 0.1), (0.1, 0.8, 0.2), (0.15, 0.2, 0.9), (0.9, 0.85, 0.1)]
    for i, c in enumerate(colors):
        patches[:, i * 16 : (i + 1) * 16] = c
    path = write_video(tmp_path / "hd.mkv", [patches] * 3, matrix="bt709", bitrate=8_000_000)
    seq = open_footage(str(path))
    if seq.info.color.assumed:
        pytest.skip("this PyAV cannot tag streams with color metadata")
    assert (seq.info.color.matrix, seq.info.color.range) == ("bt709", "limited")
    assert seq.info.colorspace == "Gamma 2.4 Rec.709 - Texture"
    rgb = seq.read(2).pixels
    got = np.array([rgb[10:38, i * 16 + 4 : (i + 1) * 16 - 4].mean(axis=(0, 1)) for i in range(4)])
    assert np.abs(got - np.array(colors)).max() < 0.02
    # the same code values read with the BT.601 matrix are visibly wrong: the tag matters
    from dataclasses import replace

    from restoration_toolkit.core.io.video_color import frame_to_rgb

    wrong = replace(seq.info.color, matrix="smpte170m")
    seq._decode(1)
    other = frame_to_rgb(seq._decode(1), wrong)
    bad = np.array(
        [other[10:38, i * 16 + 4 : (i + 1) * 16 - 4].mean(axis=(0, 1)) for i in range(4)]
    )
    assert np.abs(bad - np.array(colors)).max() > 0.05


def test_unopenable_file_is_one_line_error(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 50)
    with pytest.raises(RTKError, match="FFmpeg cannot open this video") as err:
        open_footage(str(bad))
    assert "\n" not in str(err.value) and "broken.mp4" in str(err.value)
    with pytest.raises(RTKError, match="no such video file"):
        open_footage(str(tmp_path / "absent.mkv"))


def test_variable_frame_rate_is_refused(tmp_path):
    pts = [0, 40, 80, 150, 190, 230, 300, 340, 380, 420, 460, 500]
    path = write_video(
        tmp_path / "vfr.mkv", _coded(len(pts)), codec="ffv1", pts=pts, time_base=Fraction(1, 1000)
    )
    with pytest.raises(RTKError, match="variable frame rate") as err:
        open_footage(str(path))
    assert "vfr.mkv" in str(err.value)


def test_soft_pulldown_is_read_as_film_frames(tmp_path):
    # durations of 2, 3, 2, 3 … fields at 59.94 fields/s: film frames flagged to repeat fields
    steps = [2002 if i % 2 == 0 else 3003 for i in range(15)]
    pts = list(np.concatenate([[0], np.cumsum(steps)]))
    path = write_video(
        tmp_path / "soft.mov",
        _coded(16),
        codec="prores_ks",
        pix_fmt="yuv422p10le",
        rate=Fraction(30000, 1001),
        pts=pts,
        time_base=Fraction(1, 60000),
    )
    seq = open_footage(str(path))
    assert seq.info.cadence == "soft-pulldown"
    assert abs(seq.info.fps - 24000 / 1001) < 0.05
    assert [read_frame_code(seq.read(f).pixels) for f in (16, 1, 9)] == [16, 1, 9]


@pytest.mark.parametrize("name, opts", [("cut.mkv", None), ("cut.mp4", {"movflags": "faststart"})])
def test_truncated_stream_is_refused(tmp_path, name, opts):
    path = write_video(tmp_path / name, _coded(60), codec="mpeg2video", container_options=opts)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(RTKError, match="truncated|damaged") as err:
        open_footage(str(path))
    assert name in str(err.value) and "\n" not in str(err.value)


def test_image_only_steps_refuse_a_video_clearly(tmp_path):
    from restoration_toolkit.core.io import sequence
    from restoration_toolkit.core.io.sequence import open_sequence
    from restoration_toolkit.core.io.video_index import VIDEO_EXTENSIONS

    assert set(sequence._VIDEO_SUFFIXES) == set(VIDEO_EXTENSIONS)
    path = write_video(tmp_path / "ref.mkv", _coded(4))
    with pytest.raises(RTKError, match="a video file, where this step needs an image sequence"):
        open_sequence(str(path))
