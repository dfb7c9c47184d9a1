"""`rtk sync --otio/--edl` on a project's media, and `rtk project init --conform` taking an
editor's shot list (an EDL as an editor writes it, and an OTIO timeline)."""

from __future__ import annotations

import json

import pytest

from restoration_toolkit.cli import main
from restoration_toolkit.core.project import load_project

otio = pytest.importorskip("opentimelineio")


def test_sync_writes_the_conform_an_editor_can_open(pal_project, tmp_path, capsys):
    out_otio, out_edl = tmp_path / "conform.otio", tmp_path / "conform.edl"
    media = pal_project / "media"
    rc = main(
        ["sync", str(media / "SCAN.####.png"), str(media / "REF.####.png"),
         "--reference-fps", "25", "--otio", str(out_otio), "--edl", str(out_edl), "--json"]
    )  # fmt: skip
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(data["conform"]) == sorted([out_otio.as_posix(), out_edl.as_posix()])
    (track,) = otio.adapters.read_from_file(str(out_otio)).video_tracks()
    (clip,) = list(track)
    # 14 frames of leader: scan 1001 is reference 15 (numbered from 1), 90 frames, PAL speed
    assert clip.source_range.start_time.to_frames() == 15
    assert clip.range_in_parent().duration.rescaled_to(24).to_frames() == 90
    (warp,) = clip.effects  # one reference frame per record frame: 24 of its 25 a second
    assert warp.time_scalar == pytest.approx(24 / 25, rel=1e-6)
    assert clip.media_reference.name_prefix == "REF."
    assert "001  " in out_edl.read_text()


def test_an_unknown_conform_format_writes_nothing(pal_project, tmp_path):
    media = pal_project / "media"
    rc = main(["sync", str(media / "SCAN.####.png"), str(media / "REF.####.png"),
               "--otio", str(tmp_path / "conform.txt")])  # fmt: skip
    assert rc != 0 and not (tmp_path / "conform.txt").exists()


EDL = """TITLE: REEL 1 CUT

001  A001     V     C        01:00:00:00 01:00:01:16 01:00:00:00 01:00:01:16
* FROM CLIP NAME:  SH010
002  A001     V     C        01:00:01:16 01:00:03:18 01:00:01:16 01:00:03:18
* FROM CLIP NAME:  SH020
"""


def test_project_init_takes_the_editors_shots_from_an_edl(pal_project, tmp_path):
    cut = tmp_path / "cut.edl"
    cut.write_text(EDL)
    root = tmp_path / "from_cut"
    rc = main(["project", "init", str(root), "--technique", "color-reference",
               "--source", str(pal_project / "media" / "SCAN.####.png"),
               "--reference", str(pal_project / "media" / "REF.####.png"),
               "--conform", str(cut)])  # fmt: skip
    assert rc == 0
    shots = load_project(root).shots
    # 1 s 16 f = 40 frames, then 2 s 2 f = 50 frames, from the scan's first frame
    assert [(s.name, s.first, s.last) for s in shots] == [
        ("SH010", 1001, 1040),
        ("SH020", 1041, 1090),
    ]


def test_project_init_refuses_a_conform_longer_than_the_scan(pal_project, tmp_path, capsys):
    tl = otio.schema.Timeline(name="cut")
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    rt = otio.opentime.RationalTime
    track.append(
        otio.schema.Clip(
            name="long",
            source_range=otio.opentime.TimeRange(rt(0, 24), rt(200, 24)),
        )
    )
    tl.tracks.append(track)
    cut = tmp_path / "cut.otio"
    otio.adapters.write_to_file(tl, str(cut))
    root = tmp_path / "from_cut"
    rc = main(["project", "init", str(root), "--technique", "color-reference",
               "--source", str(pal_project / "media" / "SCAN.####.png"),
               "--reference", str(pal_project / "media" / "REF.####.png"),
               "--conform", str(cut)])  # fmt: skip
    assert rc != 0
    err = capsys.readouterr().err
    assert "cut.otio" in err and "outside the scan" in err
    assert not (root / "project.yaml").exists()
