"""`rtk sync` of a full-aperture scan sequence against an interlaced, telecined, letterboxed
MPEG-2 reference: the picture areas are found, the fields are used, and the frames of the
video are numbered from 1 in the JSON."""

from __future__ import annotations

import json
from fractions import Fraction

import cv2
import numpy as np
import pytest
from skimage import data

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.testing.full_aperture import full_aperture_frame
from restoration_toolkit.testing.videos import telecine_32, write_video

pytest.importorskip("av")
LEADER = 3


def _film(n: int):
    """A pan over the astronaut: film frame i as float (240, 320, 3)."""
    image = data.astronaut().astype(np.float32) / 255.0
    return [np.ascontiguousarray(image[120:360, 40 + 8 * i : 360 + 8 * i]) for i in range(n)]


def _expected(n: int):
    """Scan frame (1001 + k) → the 1-based video frame both of whose fields show it, or None."""
    starts = np.cumsum([0] + [2 if i % 2 == 0 else 3 for i in range(n + LEADER + 2)])
    out = {}
    for k in range(n):
        j = k + LEADER
        fields = set(range(starts[j], starts[j] + (2 if j % 2 == 0 else 3)))
        clean = [v for v in range(len(starts)) if {2 * v, 2 * v + 1} <= fields]
        out[1001 + k] = clean[0] + 1 if clean else None
    return out


@pytest.mark.slow
def test_sync_full_aperture_scan_against_telecined_letterboxed_dvd(tmp_path, capsys):
    film = _film(16)
    for k, picture in enumerate(film):
        frame = full_aperture_frame(picture, size=(448, 280), seed=k).pixels
        write_image(tmp_path / f"scan.{1001 + k:04d}.exr", frame)
    dvd = []
    for picture in [np.zeros_like(film[0])] * LEADER + film + [np.zeros_like(film[0])] * 2:
        frame = np.zeros((240, 352, 3), np.float32)
        frame[30:210] = cv2.resize(picture[20:220], (352, 180), interpolation=cv2.INTER_AREA)
        dvd.append(frame)
    ref = write_video(
        tmp_path / "dvd.mpg",
        telecine_32(dvd),
        rate=Fraction(30000, 1001),
        interlaced=True,
        bitrate=6_000_000,
    )
    assert (
        main(
            [
                "sync",
                str(tmp_path / "scan.####.exr"),
                str(ref),
                "--reference-fps",
                "29.97",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["cadence"] == "3:2 pulldown" and out["field_order"] == "upper"
    got = {m["scan"]: m["reference"] for m in out["mapping"]}
    want = _expected(16)
    wrong = {f: (got[f], want[f]) for f in want if got[f] is not None and got[f] != want[f]}
    assert not wrong, wrong
    found = sum(got[f] == want[f] for f in want if want[f] is not None)
    assert found >= 0.75 * sum(v is not None for v in want.values())
    assert min(v for v in got.values() if v is not None) >= 1


@pytest.mark.slow
def test_align_reads_a_video_reference_frame_by_number(tmp_path):
    """`rtk align SEQ ref.mkv --frames F --reference-frames R`: frame R of the video (from 1)
    is aligned and written as EXR on the scan grid."""
    film = [
        np.ascontiguousarray(data.astronaut()[100:340, 60 + 12 * i : 380 + 12 * i])
        for i in range(6)
    ]
    scan = tmp_path / "scan"
    scan.mkdir()
    write_image(scan / "s.1001.exr", film[3].astype(np.float32) / 255.0)
    ref = write_video(
        tmp_path / "ref.mkv", [f.astype(np.float32) / 255.0 for f in film], bitrate=8_000_000
    )
    out = tmp_path / "aligned"
    assert (
        main(
            [
                "align",
                str(scan / "s.####.exr"),
                str(ref),
                "--frames",
                "1001",
                "--reference-frames",
                "4",
                "--out",
                str(out),
                "--no-dense",
            ]
        )
        == 0
    )
    doc = json.loads((out / "alignment.json").read_text())
    record = doc["frames"]["1001"]
    assert record["status"] == "ok" and record["reference_frame"] == 4
    assert record["figures"]["correlation"] > 0.9  # frame 4 is the scan's own picture
    assert (out / "aligned.1001.exr").is_file()
